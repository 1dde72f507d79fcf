"""Pieces shared by the apps' admin classes."""

from django.contrib import admin


class SharedChoicesInlineMixin:
    """Evaluates each foreign key's choices once per formset, not once per row,
    so a change page's query count does not grow with its inline rows."""

    shared_choice_fields: tuple[str, ...] = ()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for name in self.shared_choice_fields:
            field = formset.form.base_fields.get(name)
            if field is not None:
                field.choices = list(field.choices)
        return formset


class ReadOnlyInline(admin.TabularInline):
    """History shown beside its object: never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

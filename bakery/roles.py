"""The roles a bakery gives its helpers, as groups of permissions.

- Baker: everything on the pages (and in the admin, if given staff status).
- Packer: reads everything; changes package statuses and delivery notes.
- Viewer: reads everything.
"""

APPS = ("pantry", "events", "production")
ROLES = {
    "Baker": ("add", "change", "delete", "view"),
    "Packer": ("view",),
    "Viewer": ("view",),
}
EXTRA = {"Packer": ["events.change_assignment"]}


def sync_roles(apps) -> None:
    """Creates the groups with their permissions over the apps' models
    (given a migration's `apps`, or django.apps.apps)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # Permissions are made after migrations; the groups need them now.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ours = Permission.objects.filter(content_type__app_label__in=APPS)
    for name, actions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [p for p in ours if p.codename.split("_", 1)[0] in actions]
        for label in EXTRA.get(name, []):
            app_label, codename = label.split(".")
            wanted.append(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)

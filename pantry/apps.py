from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PantryConfig(AppConfig):
    name = "pantry"
    verbose_name = "Pantry"

    def ready(self):
        from bakery import version

        # Once per migrate, after every app's (the triggers are on tables of
        # the pantry and of events).
        post_migrate.connect(version.install, sender=self)

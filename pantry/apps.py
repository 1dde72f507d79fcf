from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PantryConfig(AppConfig):
    name = "pantry"
    verbose_name = "Pantry"

    def ready(self):
        from pantry import version

        post_migrate.connect(version.install, sender=self)

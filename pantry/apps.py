from django.apps import AppConfig


class PantryConfig(AppConfig):
    name = "pantry"
    verbose_name = "Pantry"

from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "production"
    verbose_name = "Production"

    def ready(self):
        from events.selectors import register_produced_batches
        from production.selectors import get_batches_produced_by_recipe

        register_produced_batches(
            lambda event_ids: get_batches_produced_by_recipe(event_ids=event_ids)
        )

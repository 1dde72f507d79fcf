from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self):
        from events.selectors import get_recipe_uses
        from events.services import ensure_recipe_yield_can_change
        from pantry.selectors import register_recipe_uses
        from pantry.services import register_recipe_yield_guard

        # Pantry's recipe pages, which cannot import events, ask through these.
        register_recipe_uses(lambda recipe: get_recipe_uses(recipe=recipe))
        register_recipe_yield_guard(
            lambda recipe: ensure_recipe_yield_can_change(recipe=recipe)
        )

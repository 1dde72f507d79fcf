from django.db import models


def save_valid(instance: models.Model) -> models.Model:
    """Saves after full validation, so bad data gets the model's own messages."""
    instance.full_clean()
    instance.save()
    return instance

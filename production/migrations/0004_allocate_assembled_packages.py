from types import SimpleNamespace

from django.db import migrations


def allocate_assembled(apps, schema_editor):
    """Packages assembled before allocations existed take their units from
    the records of their event, oldest first, in the order they were
    assembled."""
    from production.allocation import allocate_settled

    allocate_settled(
        models=SimpleNamespace(
            Allocation=apps.get_model("production", "Allocation"),
            Assignment=apps.get_model("events", "Assignment"),
            PackageItem=apps.get_model("events", "PackageItem"),
            ProductionRecord=apps.get_model("production", "ProductionRecord"),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("production", "0003_allocations"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(allocate_assembled, migrations.RunPython.noop),
    ]

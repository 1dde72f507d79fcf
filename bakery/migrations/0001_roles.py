from django.db import migrations


def create_roles(apps, schema_editor):
    from bakery.roles import sync_roles

    sync_roles(apps)


def remove_roles(apps, schema_editor):
    from bakery.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("pantry", "0004_lot_is_priced"),
        ("events", "0001_initial"),
        ("production", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

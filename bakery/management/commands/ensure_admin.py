import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Creates a superuser with a generated password, printed once, when the "
        "database has no user yet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.exists():
            self.stdout.write("Users exist already: no admin created.")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(
            username=options["username"], email="", password=password
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin login created — username: {options['username']}  "
                f"password: {password}\n"
                "The password is shown only this once: note it now."
            )
        )

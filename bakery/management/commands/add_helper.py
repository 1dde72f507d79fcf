import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from bakery.roles import ROLES


class Command(BaseCommand):
    help = (
        "Adds a helper who logs in to the pages with a role: Baker (everything), "
        "Packer (package statuses and delivery notes) or Viewer (read only). "
        "Prints a generated password once."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))

    def handle(self, *args, **options):
        User = get_user_model()
        username = options["username"].strip()
        if not username:
            raise CommandError("Give the helper a username.")
        if User.objects.filter(username=username).exists():
            raise CommandError(
                f"{username} exists already: change their groups in the admin."
            )
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(username=username, password=password)
        user.groups.add(Group.objects.get(name=options["role"]))
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['role']} {username} added — password: {password}\n"
                "The password is shown only this once: give it to them now."
            )
        )

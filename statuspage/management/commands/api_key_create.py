"""Make an API key for a staff member and print it, for scripts and first set-up:
``manage.py api_key_create <username> [--name NAME]``. The key is printed once, alone on
its line, and kept only as a digest; it acts with that member's permissions."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from statuspage.automation import services


class Command(BaseCommand):
    help = "Make an API key for a staff member and print it (shown this once)."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The staff member the key acts as.")
        parser.add_argument("--name", default="", help="What will use the key.")

    def handle(self, *args, username: str, name: str, **options):
        user_model = get_user_model()
        try:
            owner = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(_("No user is called “%(name)s”.") % {"name": username}) from None
        if not (owner.is_active and owner.is_staff):
            raise CommandError(
                _("“%(name)s” is not an active staff member: API keys are for staff only.")
                % {"name": username}
            )
        try:
            _row, key = services.api_key_create(owner=owner, name=name or _("Command line"))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(key)

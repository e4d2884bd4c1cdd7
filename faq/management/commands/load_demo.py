from django.core.management.base import BaseCommand

from faq.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the seed FAQ (dotMailer, 26 October 2013), an upcoming copy and 90 days of "
        "past incidents. Idempotent."
    )

    def handle(self, *args, **options) -> None:
        demo_load()
        self.stdout.write(self.style.SUCCESS("Demo content loaded."))

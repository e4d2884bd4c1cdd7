from pathlib import Path

from django.core.management.base import BaseCommand

from statuspage.publishing.mirror import export


class Command(BaseCommand):
    help = "Write the public site (pages, API, feeds, calendar, assets) as static files into DIR."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options) -> None:
        files = export(directory.resolve())
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(files)} files to {directory}."))

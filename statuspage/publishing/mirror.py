"""A static copy of the public site, for any static host or CDN to serve as a fallback.

Every public page, the API's JSON, the feeds, the calendar and the assets are
fetched in-process (no server needed) and written as plain files: a page at
``/faq/x/`` becomes ``faq/x/index.html``, so the site's own links keep working
on any host that serves ``index.html`` for a folder.
"""

import shutil
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from faq.models import FAQ
from statuspage.models import Incident, MaintenanceWindow, Service

QUEUED_KEY = "mirror-refresh-queued"
FIXED_PATHS = [
    "/",
    "/history/",
    "/services/",
    "/uptime/",
    "/robots.txt",
    "/social/",
    "/history.atom",
    "/history.rss",
    "/maintenance.ics",
    "/badge.svg",
    "/embed/banner.json",
    "/embed/banner.js",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
    "/api/v2/uptime.json",
    "/api/v2/openapi.json",
]


def public_paths() -> list[str]:
    """Every address of the public site that a static copy can hold."""
    paths = list(FIXED_PATHS)
    for window in MaintenanceWindow.objects.published():
        url = window.get_absolute_url()
        paths += [url, f"{url}timeline/", f"{url.rstrip('/')}.ics", f"{url}holding-page.html"]
    for incident in Incident.objects.published():
        paths += [incident.get_absolute_url(), f"{incident.get_absolute_url()}timeline/"]
    for service in Service.objects.all():
        url = service.get_absolute_url()
        paths += [url, f"{url.rstrip('/')}.atom", f"{url.rstrip('/')}.ics"]
    paths += [faq.get_absolute_url() for faq in FAQ.objects.published()]
    return paths


def export(target: Path) -> list[str]:
    """Write the public site into ``target`` (replacing what was there); return the files."""
    staging = target.with_name(f".{target.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    client = Client(HTTP_HOST=urlsplit(settings.SITE_URL).hostname or "localhost")
    written = []
    for path in public_paths():
        response = client.get(path)
        if response.status_code != 200:
            continue
        file = staging / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(b"".join(response) if response.streaming else response.content)
        written.append(str(file.relative_to(staging)))
    written += _copy_assets(staging / settings.STATIC_URL.strip("/"))
    # Swap in one step, so a host serving the folder never shows half a copy.
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return written


def _copy_assets(folder: Path) -> list[str]:
    root = Path(settings.STATIC_ROOT)
    if root.is_dir() and any(root.iterdir()):
        shutil.copytree(root, folder, dirs_exist_ok=True)
    else:
        for finder in finders.get_finders():
            for relative, storage in finder.list(["admin/*", "markdownx/*"]):
                destination = folder / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                with storage.open(relative) as source:
                    destination.write_bytes(source.read())
    return [f"static/{p.relative_to(folder)}" for p in folder.rglob("*") if p.is_file()]

"""Production settings, as a separate process reads them from the environment.

Tests run in debug mode; these helpers start our own interpreter with ``DJANGO_DEBUG`` off
and a real key, so tests can check what production would do and use its settings.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "status.example.com",
    "SITE_URL": "https://status.example.com",
    "DEFAULT_FROM_EMAIL": "status@example.com",
}


def in_production(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run ``python *args`` with production's environment plus ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "statuspage.settings", **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def production_settings(*names: str, **env: str) -> dict:
    """The named settings as production has them (tuples come back as lists)."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    result = in_production("-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])

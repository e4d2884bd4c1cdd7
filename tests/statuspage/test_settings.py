"""Production mode refuses to start without its secrets; debug mode needs nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def _start(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "statuspage.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_SECRET_KEY": "x" * 50}, "needs DJANGO_ALLOWED_HOSTS."),
        ({"DJANGO_ALLOWED_HOSTS": "status.example.com"}, "needs DJANGO_SECRET_KEY."),
        ({"DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "a"}, "needs DJANGO_SECRET_KEY."),
    ],
)
def test_production_refuses_to_start_without_secret_key_and_hosts(env, missing):
    result = _start(**env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_starts_with_both_set():
    result = _start(DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="status.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_debug_mode_needs_nothing_and_uses_sqlite():
    result = _start(
        DJANGO_DEBUG="true",
    )
    assert result.returncode == 0, result.stderr


def test_a_misspelt_boolean_is_an_error_not_a_guess():
    result = _start(DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false, not 'ture'." in result.stderr


def test_database_url_selects_postgresql():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "db = settings.DATABASES['default']; print(db['ENGINE'], db['NAME'], db['HOST'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "statuspage.settings",
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": "postgres://status:pw@db.internal:5432/status",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "status", "db.internal"]

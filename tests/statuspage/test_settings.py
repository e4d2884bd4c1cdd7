"""Production mode refuses to start without its secrets and is HTTPS-only, with nothing for
`manage.py check --deploy` to report; debug mode needs nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.production import PRODUCTION, in_production, production_settings

ROOT = Path(__file__).resolve().parents[2]
CHECK = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def _start(check: str = CHECK, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_")) and k not in {"PORT", "SITE_URL"}
    }
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", check],
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
    result = _start(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("env", "site_url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8311"}, "http://127.0.0.1:8311"),  # PORT=8311 make run: links to 8311
        ({"PORT": "8311", "SITE_URL": "https://status.example.com/"}, "https://status.example.com"),
    ],
)
def test_links_point_where_make_run_serves(env, site_url):
    check = CHECK.replace("settings.DEBUG", "settings.SITE_URL")
    result = _start(check, DJANGO_DEBUG="true", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == site_url


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


def test_deploy_check_reports_nothing_in_production():
    result = in_production("manage.py", "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


HTTPS_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def test_production_is_https_only():
    assert production_settings(*HTTPS_SETTINGS, "SECURE_PROXY_SSL_HEADER") == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        # X-Forwarded-Proto is not trusted unless asked for (below).
        "SECURE_PROXY_SSL_HEADER": None,
    }


@pytest.mark.parametrize("env", [{"DJANGO_HTTPS": "false"}, {"DJANGO_SECURE_COOKIES": "false"}])
def test_production_over_plain_http_for_local_trials(env):
    assert production_settings(*HTTPS_SETTINGS, **env) == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }


def test_hsts_and_the_redirect_are_set_one_by_one():
    env = {"DJANGO_SECURE_HSTS_SECONDS": "300", "DJANGO_SECURE_SSL_REDIRECT": "false"}
    assert production_settings("SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", **env) == {
        "SECURE_HSTS_SECONDS": 300,
        "SECURE_SSL_REDIRECT": False,
    }


def test_x_forwarded_proto_is_trusted_when_asked():
    trusted = production_settings("SECURE_PROXY_SSL_HEADER", DJANGO_SECURE_PROXY_SSL_HEADER="true")
    assert trusted == {"SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SITE_URL": "http://127.0.0.1:8000"}, "SITE_URL"),
        ({"DEFAULT_FROM_EMAIL": "status@localhost"}, "DEFAULT_FROM_EMAIL"),
        ({"DEFAULT_FROM_EMAIL": "Status <status@localhost>"}, "DEFAULT_FROM_EMAIL"),
        ({"EMAIL_BOUNCE_ADDRESS": "bounces@localhost"}, "EMAIL_BOUNCE_ADDRESS"),
    ],
)
def test_production_refuses_to_link_or_send_from_localhost(env, named):
    result = _start(**{**PRODUCTION, **env})
    assert result.returncode != 0
    assert f"needs {named} at the site's own domain" in result.stderr
    # Trying production mode on this machine, over plain http, is still allowed.
    assert _start(**{**PRODUCTION, **env, "DJANGO_HTTPS": "false"}).returncode == 0


def test_mail_comes_from_the_sites_name_and_bounces_go_where_they_are_read():
    sent = production_settings("DEFAULT_FROM_EMAIL", "EMAIL_BOUNCE_ADDRESS")
    assert sent == {"DEFAULT_FROM_EMAIL": "dotMailer status <status@example.com>",
                    "EMAIL_BOUNCE_ADDRESS": ""}  # fmt: skip
    named = production_settings("DEFAULT_FROM_EMAIL", DEFAULT_FROM_EMAIL="Ops <ops@example.com>")
    assert named == {"DEFAULT_FROM_EMAIL": "Ops <ops@example.com>"}

"""Addresses on the public site as readers elsewhere need them: e-mails, posts, feeds, the API."""

from django.conf import settings


def absolute(path: str) -> str:
    """``path`` (``/faq/x/``) on the public site: ``SITE_URL`` + ``path``."""
    return f"{settings.SITE_URL}{path}"

"""API keys: issued, renamed, marked used, revoked. Only the key's digest is kept."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from statuspage.automation.models import ApiKey

PREFIX_LENGTH = 8  # hex digits, the start of every key: how it is found, and told apart
KEY_BYTES = 32  # random bytes after the prefix, from `secrets`
KEY_LENGTH = PREFIX_LENGTH + 2 * KEY_BYTES
# A key's last use is written at most this often: a busy script is not a write per request.
LAST_USED_EVERY = timedelta(minutes=1)


def key_digest(key: str) -> str:
    """SHA-256 of the whole key. Not a password hash (PBKDF2, Argon2): a key is 32 random
    bytes, beyond any guessing, so a slow hash would protect nothing and slow every request
    down; a copy of the database gives digests that cannot be turned back into keys."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(*, owner, name: str) -> tuple[ApiKey, str]:
    """A new key for ``owner``: the row, and the key itself, which is kept nowhere.
    Raises ``ValidationError`` for an owner who is not active staff, or no name."""
    if not (owner.is_active and owner.is_staff):
        raise ValidationError(_("API keys are for active staff members only."))
    name = name.strip()
    if not name:
        raise ValidationError(_("Name the key after what will use it."))
    with transaction.atomic():
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        while ApiKey.objects.filter(prefix=prefix).exists():
            prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        key = prefix + secrets.token_hex(KEY_BYTES)
        row = ApiKey.objects.create(owner=owner, name=name, prefix=prefix, digest=key_digest(key))
    return row, key


def api_key_rename(*, api_key: ApiKey, name: str) -> None:
    """Raises ``ValidationError`` for no name."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Name the key after what will use it."))
    with transaction.atomic():
        api_key.name = name
        api_key.save(update_fields=["name"])


def api_key_revoke(*, api_key: ApiKey, now: datetime | None = None) -> None:
    """Refuse the key from now on. Raises ``ValidationError`` if it was revoked already."""
    if api_key.revoked_at is not None:
        raise ValidationError(_("“%(key)s” was revoked already.") % {"key": api_key})
    with transaction.atomic():
        api_key.revoked_at = now or timezone.now()
        api_key.save(update_fields=["revoked_at"])


def api_key_mark_used(*, api_key: ApiKey, now: datetime | None = None) -> None:
    """Note the key's use, unless noted less than ``LAST_USED_EVERY`` ago (no query then)."""
    now = now or timezone.now()
    since = now - LAST_USED_EVERY
    if api_key.last_used_at is not None and api_key.last_used_at > since:
        return
    with transaction.atomic():
        # Conditional, so that concurrent requests with the same key write once.
        ApiKey.objects.filter(
            Q(last_used_at=None) | Q(last_used_at__lte=since), pk=api_key.pk
        ).update(last_used_at=now)
    api_key.last_used_at = now

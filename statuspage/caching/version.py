"""The content version: one number for everything readers see, new with each change.

Every write to what readers see replaces the version once its transaction commits, so
every page's ETag and cache key change together: publishing anything re-renders every
public page (one render each, on its next request). Models say what readers see with a
``shown_to_readers()`` method; a write that was not and is not shown to readers (a
draft, a held comment, a subscriber, an outbox row) leaves the version alone, so ETags
tell nobody when staff save unpublished work.
"""

import time

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal

from statuspage.caching import store
from statuspage.caching.watch import VERSION_KEY, VersionWatch
from statuspage.common.commits import once_after_commit

# Sent once a transaction that changed what readers see has committed (the static mirror
# listens); sender is None.
public_content_changed = Signal()

_watch = VersionWatch()


def content_version() -> int:
    """Nanoseconds since the epoch of the last change to public content: with Redis, as
    this process knows it (``caching.watch``); without, read from the cache."""
    if _watch.started or store.redis_client() is not None:
        return _watch.current()
    version = store.call("get", VERSION_KEY)
    if version is None:
        version = time.time_ns()
        store.call("add", VERSION_KEY, version, timeout=None)
    return version


def bump_content_version() -> None:
    """A new version: known here at once, stored and announced to every process."""
    if store.redis_client() is not None:
        _watch.announce()
    else:
        store.call("set", VERSION_KEY, time.time_ns(), timeout=None)
    public_content_changed.send(sender=None)


def _shown(instance) -> bool:
    shown_to_readers = getattr(instance, "shown_to_readers", None)
    return shown_to_readers is not None and shown_to_readers()


def _was_shown(sender, instance, signal, **kwargs) -> None:
    """Before a save or a delete: whether readers saw the row as it was stored (publishing
    a draft, hiding a comment and deleting a page all change what they see)."""
    if not hasattr(instance, "shown_to_readers") or instance.pk is None:
        return
    if signal is pre_delete:
        instance._was_shown_to_readers = instance.shown_to_readers()
    elif not instance.shown_to_readers():  # shown now: the version changes anyway
        stored = sender._base_manager.filter(pk=instance.pk).first()
        instance._was_shown_to_readers = stored is not None and stored.shown_to_readers()


def _changed(sender, instance, signal, **kwargs) -> None:
    """After a save, a delete or a many-to-many change: a new version once the transaction
    commits, if readers saw the row before or see it now."""
    if kwargs.get("action", "post").startswith("pre"):
        return
    shown = getattr(instance, "_was_shown_to_readers", False)
    if not shown and signal is not post_delete:  # a deleted row's relations may be gone
        shown = _shown(instance)
    if shown:
        once_after_commit(bump_content_version)


def connect_signals() -> None:
    for signal in (pre_save, pre_delete):
        signal.connect(_was_shown, dispatch_uid=f"content-version-{signal}")
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_changed, dispatch_uid=f"content-version-{signal}")

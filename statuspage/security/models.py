"""Security's own rows: counted attempts for rate limits."""

from django.db import models
from django.utils import timezone


class RateLimitHit(models.Model):
    """One counted attempt (a comment, a sign-up, a reset) by one subject in one scope.

    Kept in the database, not the cache: readers' traffic fills and evicts a cache, and a
    limit whose counters can be evicted can be reset by anyone. Subjects are hashed (an
    address, an account, an e-mail address); rows older than a day are deleted daily.
    """

    scope = models.CharField(max_length=32)
    subject = models.CharField(max_length=64, help_text="SHA-256 of what is limited.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "subject", "at"], name="rate_limit_hits")]

    def __str__(self) -> str:
        return f"{self.scope} at {self.at:%Y-%m-%d %H:%M:%S}"

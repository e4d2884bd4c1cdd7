"""API keys: each a staff member's, acting with that member's permissions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A key for the management API. Only its prefix (to find it, and for staff to tell keys
    apart) and a SHA-256 digest of the whole key are kept: the key itself is shown once."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("owner"),
        help_text=_("The key acts with this staff member's permissions."),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What uses the key, e.g. “deploy pipeline”.")
    )
    prefix = models.CharField(_("prefix"), max_length=8, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

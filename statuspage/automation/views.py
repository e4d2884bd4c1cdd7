"""The management API's endpoints at /api/v1, in Statuspage's paths and shapes. Each
answers only for an API key (``auth``), with JSON that no cache keeps."""

from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from statuspage.automation.auth import answer, api_key_required, refusal
from statuspage.automation.rest import api_time
from statuspage.publishing.api.serializers import Components, page_data

READ_ONLY = "GET, HEAD"


def page_object() -> dict:
    """Statuspage's page object, from what this site has; what it has not is empty or off.
    Created: when the site's database was first set up."""
    page = page_data(Components())
    installed = (
        MigrationRecorder.Migration.objects.filter(app="statuspage", name="0001_initial")
        .values_list("applied", flat=True)
        .first()
    )
    return {
        "id": page["id"],
        "created_at": api_time(installed),
        "updated_at": page["updated_at"],
        "name": page["name"],
        "page_description": "",
        "headline": "",
        "branding": "basic",
        "subdomain": None,
        "domain": urlsplit(settings.SITE_URL).hostname,
        "url": page["url"],
        "support_url": None,
        "hidden_from_search": False,
        "allow_page_subscribers": True,
        "allow_incident_subscribers": False,
        "allow_email_subscribers": True,
        "allow_sms_subscribers": False,
        "allow_rss_atom_feeds": True,
        "allow_webhook_subscribers": True,
        "notifications_from_email": parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        "notifications_email_footer": None,
        "activity_score": 0,
        "twitter_username": settings.X_ACCOUNT or None,
        "viewers_must_be_team_members": False,
        "ip_restrictions": None,
        "city": None,
        "state": None,
        "country": None,
        "time_zone": page["time_zone"],
    }


@api_key_required
def page(request, page_id: str):
    """``GET /pages/{page_id}``: the one page this site is, ``STATUSPAGE_PAGE_ID``."""
    if request.method not in {"GET", "HEAD"}:
        error = _("%(method)s is not allowed here yet.") % {"method": request.method}
        return refusal(405, error, headers={"Allow": READ_ONLY})
    if page_id != settings.STATUSPAGE_PAGE_ID:
        return refusal(404, _("No page has this id."))
    return answer(page_object())


@api_key_required
def not_found(request, path: str = ""):
    """Every other address under /api/v1/, once the key is known: a 404 clients can read."""
    return refusal(404, _("Not found."))

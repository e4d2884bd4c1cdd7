"""schemathesis against the API: every operation of /api/v2/openapi.json, called in-process.

Requests are generated from the document (its examples, then its boundaries and the methods it
does not allow, then random and deliberately invalid inputs) and each response is checked
against it by schemathesis's default checks: no 5xx, a documented status, content type, headers
and body schema. The hypothesis profile in tests/conftest.py sets how many examples run.
"""

from datetime import timedelta
from urllib.parse import quote, unquote

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from statuspage import services
from statuspage.models import IncidentImpact, IncidentStatus, MaintenanceStatus, ServiceStatus
from statuspage.publishing.api.views import PRECONDITION_FAILED
from tests.factories import IncidentFactory, MaintenanceWindowFactory, ServiceFactory

# Markup, quotes, a line separator and an astral character: the JSON must carry them intact.
AWKWARD = "<b>Slow</b> “API” \u2028 & 🚀"


CONFIG = schemathesis.Config.from_dict(
    {
        # schemathesis sets hypothesis's derandomize itself: follow the profile's choice.
        "generation": {"deterministic": settings.default.derandomize},
        # A valid request may carry If-None-Match (304) or a failing If-Match (412).
        "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "304", "412"]}},
        # schemathesis sends requests' Accept-Encoding (gzip) but, calling the app directly,
        # does not decompress what comes back.
        "headers": {"Accept-Encoding": "identity"},
        # A valid id may be no service's, and two valid dates more than 400 days apart:
        # neither can the document's schemas say.
        "operations": [
            {
                "include-operation-id": "getComponentUptime",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "304", "400", "404", "412"]
                    }
                },
            }
        ],
    }
)
# The document as the site serves it, read through the app itself (it needs no database).
schema = schemathesis.openapi.from_wsgi(
    "/api/v2/openapi.json", get_wsgi_application(), config=CONFIG
)


@pytest.fixture
def busy_site(demo):
    """The demo plus what it lacks: open and resolved incidents, a window under way, updates
    with service changes and awkward text."""
    now = timezone.now()
    api = ServiceFactory(name=AWKWARD, description=AWKWARD)
    incident = IncidentFactory(
        title=AWKWARD, impact=IncidentImpact.MAJOR, services=[api], published_at=now,
        started_at=now - timedelta(hours=1),
    )  # fmt: skip
    services.update_post(
        event=incident,
        author=None,
        body=AWKWARD,
        status=IncidentStatus.IDENTIFIED,
        service_statuses={api: ServiceStatus.PARTIAL_OUTAGE},
    )
    resolved = IncidentFactory(services=[api], published_at=now, started_at=now)
    services.update_post(event=resolved, author=None, body="Fixed.", status="resolved")
    window = MaintenanceWindowFactory(services=[api], scheduled_start=now, published_at=now)
    services.maintenance_transition(window=window, to=MaintenanceStatus.IN_PROGRESS, author=None)


# The management API's operations are at /api/v1 (each path's own server, which schemathesis
# does not follow) and need a key: tests/statuspage/automation/.
MANAGEMENT = [path for path, item in schema.raw_schema["paths"].items() if item.get("servers")]


@pytest.mark.django_db
@schema.exclude(path=MANAGEMENT).parametrize()
def test_api_answers_as_its_openapi_document_says(case, busy_site, connection_kept_open):
    case.call_and_validate()


# --- what the document cannot describe: any query string, any path ---------------------------

API_PATHS = [
    f"/api/v2{path}"
    for path in schema.raw_schema["paths"]
    if "{" not in path and path not in MANAGEMENT
]
_query_strings = st.one_of(
    st.text(st.characters(codec="latin-1"), max_size=60),  # WSGI hands the app latin-1 text
    st.builds(lambda n, c: c * n, st.integers(1990, 2010), st.sampled_from("a%=&\xff")),
)


@pytest.mark.django_db
@given(path=st.sampled_from(API_PATHS), query=_query_strings)
def test_any_query_string_is_ignored_or_refused_as_too_long(client, path, query):
    response = client.get(path, QUERY_STRING=query)
    expected = 414 if len(query) > 2000 else 200
    assert response.status_code == expected
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db
@given(query=_query_strings)
@example(query="from=2030-02-30")
@example(query="to=2030-01-01&from=2030-01-02")
def test_any_query_string_of_a_component_s_uptime_is_read_or_refused_with_a_reason(client, query):
    service = ServiceFactory()
    response = client.get(
        f"/api/v2/components/service-{service.pk}/uptime.json", QUERY_STRING=query
    )
    expected = {414} if len(query) > 2000 else {200, 400}
    assert response.status_code in expected
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    if response.status_code != 200:
        assert response.json()["error"]


@pytest.mark.django_db
@given(rest=st.text(st.characters(codec="utf-8", exclude_characters="?#"), min_size=1))
@example(rest="a\nb")  # "." in the catch-all's pattern missed newlines: an HTML 404
def test_any_other_path_under_the_api_is_a_json_404(client, rest):
    path = f"/api/v2/{quote(rest)}"
    assume(path not in API_PATHS)
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": f"Not found: {unquote(path)}"}


def test_a_failed_precondition_is_a_json_412(db, client):
    """Found by the schemathesis run: Django's 412 was an empty HTML page."""
    response = client.get("/api/v2/status.json", headers={"if-match": '"stale"'})
    assert response.status_code == 412
    assert response.json() == {"error": PRECONDITION_FAILED}
    assert response["Access-Control-Allow-Origin"] == "*"

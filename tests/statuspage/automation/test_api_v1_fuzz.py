"""schemathesis against the management API: every /api/v1 operation of openapi.json,
called in-process with a superuser's key, over a little of everything. Generated requests
(the document's examples, its boundaries, methods it does not allow, random and invalid
bodies) must never make a 500, and each answer must be as the document says: a documented
status, its content type, headers and body schema. The hypothesis profile in
tests/conftest.py sets how many examples run."""

import json
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from hypothesis import settings as hypothesis_settings

from statuspage.automation import services, throttle
from tests.factories import (
    ImpactEntryFactory,
    IncidentFactory,
    ServiceFactory,
    ServiceGroupFactory,
    StaffFactory,
    StatusUpdateFactory,
)

OPENAPI = Path(settings.BASE_DIR) / "statuspage/publishing/api/openapi.json"
V1 = "/api/v1"


def _management_document() -> dict:
    """The document's /api/v1 operations alone, at their own server (schemathesis does not
    follow a path's ``servers``)."""
    document = json.loads(OPENAPI.read_text("utf-8"))
    paths = {
        path: {name: value for name, value in item.items() if name != "servers"}
        for path, item in document["paths"].items()
        if any(server["url"] == V1 for server in item.get("servers", []))
    }
    return {**document, "servers": [{"url": V1}], "paths": paths}


# A well-formed body may still be refused with a 422, as documented: what no schema can say
# (an unknown component id, an end before the start, a move the lifecycle refuses).
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"deterministic": hypothesis_settings.default.derandomize},
        "headers": {"Accept-Encoding": "identity"},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
    }
)
schema = schemathesis.openapi.from_dict(_management_document(), config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture
def site(db):
    """A little of everything the API reads: grouped services, an incident with an update,
    a window and its FAQ entry. (The demo would do, at 2.5 s a run over 40 operations.)"""
    group = ServiceGroupFactory(name="Email marketing")
    api, forums = ServiceFactory(group=group, name="API"), ServiceFactory(name="Forums")
    StatusUpdateFactory(incident=IncidentFactory(services=[api]), maintenance=None)
    ImpactEntryFactory(service=forums, section__faq__window__services=[api, forums])


@pytest.fixture
def key(site, monkeypatch) -> str:
    """A superuser's key, unlimited: the run makes hundreds of requests a second."""
    monkeypatch.setattr(throttle, "take", lambda *args, **kwargs: None)
    owner = StaffFactory(username="fuzz", is_superuser=True)
    return services.api_key_create(owner=owner, name="schemathesis")[1]


@pytest.mark.django_db
@schema.parametrize()
def test_the_management_api_answers_as_its_document_says(case, key, connection_kept_open):
    if "page_id" in (case.path_parameters or {}):
        case.path_parameters["page_id"] = settings.STATUSPAGE_PAGE_ID  # 404s otherwise
    case.call_and_validate(headers={"Authorization": f"OAuth {key}"})

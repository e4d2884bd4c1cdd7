"""The README's examples of the management API work as written: each `curl` body posted to
its address with its method, through HTTP with a real key."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from statuspage.automation import services as keys
from statuspage.models import Incident, Service
from tests.factories import ServiceFactory, StaffFactory

README = (Path(settings.BASE_DIR) / "README.md").read_text("utf-8")
# curl -sS -X METHOD "$BASE/path" … -d '{…}' (the body may run over several lines)
EXAMPLE = re.compile(r"""curl -sS -X (\w+) "\$BASE(/[^"]+)".*?-d '(\{.*?\})'""", re.DOTALL)


@pytest.fixture
def key(db) -> str:
    return keys.api_key_create(owner=StaffFactory(is_superuser=True), name="README")[1]


def test_the_readme_s_curl_examples_work_as_written(client, key):
    api = ServiceFactory(name="API")
    examples = EXAMPLE.findall(README)
    assert [(method, path) for method, path, _body in examples] == [
        ("POST", "/incidents"),
        ("PATCH", "/components/service-2"),
    ]
    for method, path, body in examples:
        # The README names the service it flips “service-2”: here, the API's id.
        body, path = (text.replace("service-2", f"service-{api.pk}") for text in (body, path))
        response = client.generic(
            method,
            f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}{path}",
            body,
            content_type="application/json",
            headers={"authorization": f"OAuth {key}"},
        )
        assert response.status_code in {200, 201}, response.content
    incident = Incident.objects.get(title="API requests failing")
    assert list(incident.services.all()) == [api]
    assert incident.is_published
    assert Service.objects.get(pk=api.pk).status == "operational"  # flipped back
    assert api.history.values_list("new_status", flat=True).count() == 2  # out, and back

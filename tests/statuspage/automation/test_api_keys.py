"""API keys and the management API's first endpoint, /api/v1/pages/{page_id}: through HTTP,
the admin and the management command."""

import hashlib
import io
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from statuspage.automation import services
from statuspage.automation.models import ApiKey
from tests.factories import ProfileFactory, StaffFactory, UserFactory
from tests.faults import database_down
from tests.wsgi import WSGIClient

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PAGE = f"/api/v1/pages/{settings.STATUSPAGE_PAGE_ID}"
CHANGELIST = "/admin/statuspage/apikey/"
OPENAPI = json.loads(
    (Path(settings.BASE_DIR) / "statuspage/publishing/api/openapi.json").read_text("utf-8")
)


@pytest.fixture
def owner(db):
    """A staff member who is no superuser, with the public name the admin asks for."""
    user = UserFactory(username="ops", is_staff=True)
    ProfileFactory(user=user, name="Ops Bot", role="Automation")
    return user


@pytest.fixture
def key(owner) -> str:
    return services.api_key_create(owner=owner, name="deploy pipeline")[1]


def _oauth(key: str) -> dict:
    return {"authorization": f"OAuth {key}"}


def _refused(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    return response.json()["error"]


# --- authentication ----------------------------------------------------------------------------


def test_a_key_in_the_authorization_header_reads_the_page(client, key):
    response = client.get(PAGE, headers=_oauth(key))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    page = response.json()
    assert page["id"] == settings.STATUSPAGE_PAGE_ID
    assert (page["name"], page["url"]) == (settings.SITE_NAME, settings.SITE_URL)
    assert page["time_zone"] == "Etc/UTC"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", page["created_at"])
    # The public API names the same page.
    assert client.get("/api/v2/summary.json").json()["page"]["id"] == page["id"]


def test_a_key_in_the_query_string_reads_the_page(client, key):
    response = client.get(PAGE, {"api_key": key})
    assert response.status_code == 200
    assert response.json()["id"] == settings.STATUSPAGE_PAGE_ID


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "OAuth "},
        {"authorization": "OAuth " + "0" * services.KEY_LENGTH},
        {"authorization": "OAuth not-a-key"},
    ],
    ids=["none", "empty", "wrong", "malformed"],
)
def test_no_key_or_a_wrong_one_is_a_json_401(client, key, headers):
    assert _refused(client.get(PAGE, headers=headers), 401)


def test_a_right_key_under_another_scheme_or_with_one_character_changed_is_refused(client, key):
    assert _refused(client.get(PAGE, headers={"authorization": f"Bearer {key}"}), 401)
    changed = key[:-1] + ("0" if key[-1] != "0" else "1")
    assert _refused(client.get(PAGE, headers=_oauth(changed)), 401)


def test_a_revoked_key_is_refused(client, key):
    services.api_key_revoke(api_key=ApiKey.objects.get())
    assert _refused(client.get(PAGE, headers=_oauth(key)), 401)


@pytest.mark.parametrize("change", [{"is_active": False}, {"is_staff": False}])
def test_a_key_whose_owner_left_the_staff_is_refused(client, owner, key, change):
    type(owner).objects.filter(pk=owner.pk).update(**change)
    assert _refused(client.get(PAGE, headers=_oauth(key)), 401)


def test_a_signed_in_session_without_a_key_is_refused(staff_client, key):
    assert _refused(staff_client.get(PAGE), 401)


def test_csrf_does_not_apply_to_a_request_with_a_key(owner, key):
    """A script sends no CSRF token: its key alone counts (here, a method not served yet)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(PAGE, headers=_oauth(key))
    assert _refused(response, 405)
    assert response["Allow"] == "GET, HEAD"


def test_another_page_id_and_other_addresses_are_json_404s(client, key):
    assert _refused(client.get("/api/v1/pages/another", headers=_oauth(key)), 404)
    assert _refused(client.get("/api/v1/components", headers=_oauth(key)), 404)
    assert _refused(client.get("/api/v1/components"), 401)  # a key first, everywhere


def test_the_last_use_is_written_at_most_once_a_minute(client, key, django_assert_num_queries):
    with time_machine.travel(NOW, tick=False) as clock:
        client.get(PAGE, headers=_oauth(key))
        assert ApiKey.objects.get().last_used_at == NOW
        clock.shift(timedelta(seconds=30))
        # The key and the page's own reads; no write.
        with django_assert_num_queries(4):
            assert client.get(PAGE, headers=_oauth(key)).status_code == 200
        assert ApiKey.objects.get().last_used_at == NOW
        clock.shift(timedelta(seconds=31))
        client.get(PAGE, headers=_oauth(key))
        assert ApiKey.objects.get().last_used_at == NOW + timedelta(seconds=61)


def _documented(instance, schema_name: str) -> None:
    resource = Resource.from_contents(OPENAPI, default_specification=DRAFT202012)
    jsonschema.Draft202012Validator(
        {"$ref": f"urn:openapi#/components/schemas/{schema_name}"},
        registry=Registry().with_resource("urn:openapi", resource),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(instance)


def test_the_page_and_the_refusals_are_as_the_openapi_document_says(client, key):
    validate_openapi(OPENAPI)
    operation = OPENAPI["paths"]["/pages/{page_id}"]
    assert operation["servers"] == [{"url": "/api/v1", "description": "The management API"}]
    _documented(client.get(PAGE, headers=_oauth(key)).json(), "ManagementPage")
    _documented(client.get(PAGE).json(), "Error")
    _documented(client.get("/api/v1/pages/x", headers=_oauth(key)).json(), "Error")
    schemes = OPENAPI["components"]["securitySchemes"]
    assert {(s["in"], s["name"]) for s in schemes.values()} == {
        ("header", "Authorization"),
        ("query", "api_key"),
    }


# --- rate limit --------------------------------------------------------------------------------


def test_past_a_burst_of_ten_a_key_waits_a_second_for_each_request(client, owner, key):
    other = services.api_key_create(owner=owner, name="chat bot")[1]
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(10):
            assert client.get(PAGE, headers=_oauth(key)).status_code == 200
        response = client.get(PAGE, headers=_oauth(key))
        assert "Rate limit" in _refused(response, 429)
        assert response["Retry-After"] == "1"
        assert client.get(PAGE, headers=_oauth(other)).status_code == 200  # per key
        clock.shift(timedelta(seconds=1))
        assert client.get(PAGE, headers=_oauth(key)).status_code == 200
        assert client.get(PAGE, headers=_oauth(key)).status_code == 429
        clock.shift(timedelta(seconds=10))
        for _ in range(10):
            assert client.get(PAGE, {"api_key": key}).status_code == 200


def test_refused_requests_do_not_count_against_the_limit(client, key):
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(15):
            client.get(PAGE, headers=_oauth(key))
        clock.shift(timedelta(seconds=3))
        for _ in range(3):
            assert client.get(PAGE, headers=_oauth(key)).status_code == 200
        assert client.get(PAGE, headers=_oauth(key)).status_code == 429


# --- never cached, never logged ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_answers_are_no_store_and_never_given_again_from_the_page_cache(owner):
    key = services.api_key_create(owner=owner, name="deploy pipeline")[1]
    reader = WSGIClient()
    for _ in range(2):
        response = reader.get(PAGE, headers=_oauth(key))
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        response = reader.get(PAGE, {"api_key": key})
        assert response.status_code == 200
    assert reader.get(PAGE).status_code == 401
    assert reader.get(PAGE, {"api_key": key}).status_code == 200
    assert reader.get(PAGE, {"api_key": "wrong"}).status_code == 401


def test_a_refused_key_in_the_query_string_is_not_logged(client, key, caplog):
    services.api_key_revoke(api_key=ApiKey.objects.get())
    with caplog.at_level(logging.INFO):
        assert client.get(PAGE, {"api_key": key}).status_code == 401
    assert "Unauthorized" in caplog.text
    assert key not in caplog.text


def test_a_key_in_the_query_string_is_not_logged_when_the_database_is_down(client, key, caplog):
    with caplog.at_level(logging.INFO), database_down():
        response = client.get(PAGE, {"api_key": key, "page": "2"})
    assert response.status_code == 503
    assert response.json()["error"]
    assert "?api_key=[redacted]&page=2 answered 503" in caplog.text
    assert key not in caplog.text


# --- the admin ---------------------------------------------------------------------------------


def _shown_key(response) -> str:
    (text,) = [str(m) for m in get_messages(response.wsgi_request) if "new key" in str(m)]
    return re.search(rf"\b[0-9a-f]{{{services.KEY_LENGTH}}}\b", text)[0]


def test_a_key_made_in_the_admin_is_shown_once_and_stored_hashed(client, owner):
    client.force_login(owner)
    add = client.get(f"{CHANGELIST}add/")
    assert add.status_code == 200
    assert 'name="owner"' not in add.content.decode()  # one's own keys only
    response = client.post(f"{CHANGELIST}add/", {"name": "deploy pipeline"})
    assert response.status_code == 302
    key = _shown_key(response)
    made = ApiKey.objects.get()
    assert (made.owner, made.name, made.prefix) == (owner, "deploy pipeline", key[:8])
    assert made.digest == hashlib.sha256(key.encode()).hexdigest()
    assert not [value for value in ApiKey.objects.values().get().values() if value == key]
    assert key[8:] not in str(ApiKey.objects.values().get())
    assert key in client.get(CHANGELIST).content.decode()  # the page after saving
    page = client.get(CHANGELIST).content.decode()
    assert "deploy pipeline" in page
    assert made.prefix in page
    assert key not in page  # shown the once
    assert settings.STATUSPAGE_PAGE_ID in page
    assert Client().get(PAGE, headers=_oauth(key)).status_code == 200


def test_a_superuser_makes_a_key_for_another_staff_member(client, owner):
    client.force_login(StaffFactory(username="boss"))
    response = client.post(f"{CHANGELIST}add/", {"name": "bot", "owner": owner.pk})
    key = _shown_key(response)
    assert ApiKey.objects.get().owner == owner
    assert Client().get(PAGE, headers=_oauth(key)).status_code == 200


def test_revoking_in_the_admin_refuses_the_key(client, owner, key):
    client.force_login(owner)
    made = ApiKey.objects.get()
    response = client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [made.pk]}, follow=True
    )
    assert "1 key revoked." in response.content.decode()
    made.refresh_from_db()
    assert made.revoked_at is not None
    assert _refused(Client().get(PAGE, headers=_oauth(key)), 401)


def test_staff_see_only_their_own_keys_unless_superuser(client, owner, key):
    colleague = UserFactory(username="colleague", is_staff=True)
    theirs = services.api_key_create(owner=colleague, name="their chat bot")[0]
    client.force_login(owner)
    page = client.get(CHANGELIST).content.decode()
    assert "deploy pipeline" in page
    assert "their chat bot" not in page
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 302  # not found
    client.post(CHANGELIST, {"action": "revoke", "_selected_action": [theirs.pk]})
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    client.force_login(StaffFactory(username="boss"))
    page = client.get(CHANGELIST).content.decode()
    assert "deploy pipeline" in page
    assert "their chat bot" in page


# --- the management command --------------------------------------------------------------------


def test_the_command_prints_a_working_key(client, owner):
    out = io.StringIO()
    call_command("api_key_create", "ops", "--name", "terraform", stdout=out)
    key = out.getvalue().strip()
    assert ApiKey.objects.get().name == "terraform"
    assert client.get(PAGE, headers=_oauth(key)).status_code == 200


@pytest.mark.parametrize(
    ("username", "reason"),
    [("nobody", "No user"), ("customer", "not an active staff member")],
)
def test_the_command_refuses_an_unknown_or_non_staff_user(db, username, reason):
    UserFactory(username="customer")
    with pytest.raises(CommandError, match=reason):
        call_command("api_key_create", username, stdout=io.StringIO())
    assert not ApiKey.objects.exists()

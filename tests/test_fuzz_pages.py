"""Property-based tests of what pages read from the address: the FAQ's entry finder
(``?service=&level=&q=``) and comment pages (``?comments=``), event and history pages
(``?page=``), and the signed tokens in subscription, stop-mail and password-reset links.

Whatever the address holds, for an anonymous reader, a customer or staff, the answer is
never a server error and shows the input only escaped (tests/fuzzing.py).
"""

from urllib.parse import quote

import pytest
from django.core import signing
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from faq.models import FAQ, ImpactLevel
from statuspage import services
from statuspage.models import MaintenanceWindow, Service
from tests.factories import IncidentFactory, StaffFactory, UserFactory
from tests.fuzzing import check, fuzz_text

NUMBERS = ["1", "2", "0", "-1", "last", "1e3", "99999999999999999999", "١", "２", " 1 ", "NaN"]
page_numbers = st.one_of(st.sampled_from(NUMBERS), fuzz_text)


@pytest.fixture
def readers(db):
    """An anonymous reader, a signed-in customer and signed-in staff."""
    customer, staff = Client(raise_request_exception=False), Client(raise_request_exception=False)
    customer.force_login(UserFactory(username="pat@example.com"))
    staff.force_login(StaffFactory(username="fz-editor"))
    return [Client(raise_request_exception=False), customer, staff]


@pytest.fixture
def site(demo):
    """The demo, and an incident with more updates than one page shows."""
    incident = IncidentFactory(services=list(Service.objects.all()[:2]))
    for n in range(12):
        services.update_post(event=incident, author=None, body=f"Update {n}.")
    return {
        "faq": FAQ.objects.published().first(),
        "events": [incident, *MaintenanceWindow.objects.published()[:1]],
        "services": list(Service.objects.values_list("slug", flat=True)),
    }


def _get(client, path: str, params: dict) -> None:
    check(client.get(path, params))


@given(who=st.sampled_from(range(3)), data=st.data())
def test_the_entry_finder_and_comment_pages(readers, site, who, data):
    params = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "service": st.one_of(st.sampled_from(site["services"]), fuzz_text),
                "level": st.one_of(st.sampled_from(ImpactLevel.values), fuzz_text),
                "q": fuzz_text,
                "comments": page_numbers,
            },
        )
    )
    _get(readers[who], site["faq"].get_absolute_url(), params)


@given(who=st.sampled_from(range(3)), page=page_numbers, data=st.data())
def test_event_and_history_pages(readers, site, who, page, data):
    event = data.draw(st.sampled_from(site["events"]))
    for path in [event.get_absolute_url(), "/history/"]:
        _get(readers[who], path, {"page": page})


_tokens = st.one_of(
    fuzz_text,
    st.builds(signing.dumps, st.one_of(st.integers(), fuzz_text, st.just({"k": "s", "id": 1}))),
    st.builds(lambda t, cut: t[:cut], st.builds(signing.dumps, st.integers()), st.integers(0, 40)),
)


@given(who=st.sampled_from(range(3)), token=_tokens, method=st.sampled_from(["get", "post"]))
def test_links_with_tokens(readers, site, who, token, method):
    client, token = readers[who], quote(token, safe="")
    for path in [
        f"/subscriptions/confirm/{token}/",
        f"/subscriptions/{token}/",
        f"/subscriptions/{token}/unsubscribe/",
        f"/faq/notifications/stop/{token}/",
        f"/accounts/reset/{token}/{token}/",
    ]:
        check(getattr(client, method)(path))

"""What the status core's tests share."""

import pytest
from django.contrib.auth.models import Group

from statuspage.security.permissions import STATUS_EDITORS
from tests.factories import ProfileFactory, UserFactory


@pytest.fixture
def editor(db, client, clock):
    """Signed in as a Status editor, as the day's communicator is: no superuser powers, and
    the name customers see set. At the module's ``clock``."""
    user = UserFactory(username="sam", first_name="Sam", is_staff=True)
    ProfileFactory(user=user, name="Sam Okafor", role="Duty engineer")
    user.groups.add(Group.objects.get(name=STATUS_EDITORS))
    client.force_login(user)
    return client

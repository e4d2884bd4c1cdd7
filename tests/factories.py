"""factory_boy factories for every model the tests build."""

from datetime import UTC, datetime, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from faq.models import (
    FAQ,
    Comment,
    ImpactEntry,
    ImpactLevel,
    Profile,
    Section,
    SectionKind,
    TeamMember,
)
from statuspage.models import (
    Incident,
    IncidentImpact,
    IncidentStatus,
    MaintenanceStatus,
    MaintenanceWindow,
    Service,
    ServiceGroup,
    StatusUpdate,
)

START = datetime(2030, 6, 1, 10, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"  # every factory-made user's


def _set_services(event, create, extracted, **kwargs):
    """``services=[...]`` for a window or an incident: the services it affects."""
    if create and extracted:
        event.services.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class ProfileFactory(factory.django.DjangoModelFactory):
    """What customers see of an account. A staff member's name and role are confirmed, as
    the console asks on first use; ``public_name_confirmed_at=None`` for one who has not."""

    class Meta:
        model = Profile
        django_get_or_create = ["user"]  # a user fetched again by username keeps its own

    user = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda p: p.user.get_full_name() or "Alex Morgan")
    role = factory.LazyAttribute(lambda p: "Support" if p.user.is_staff else "")
    public_name_confirmed_at = factory.LazyAttribute(
        lambda p: timezone.now() if p.user.is_staff else None
    )


class StaffFactory(UserFactory):
    """A superuser with a confirmed public name and role (``profile__name=...`` to choose)."""

    is_staff = True
    is_superuser = True
    profile = factory.RelatedFactory(ProfileFactory, factory_related_name="user")


class ServiceGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceGroup

    name = factory.Sequence(lambda n: f"Group {n}")
    position = factory.Sequence(int)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    group = factory.SubFactory(ServiceGroupFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    position = factory.Sequence(int)


class MaintenanceWindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaintenanceWindow
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Upgrade {n}")
    slug = factory.Sequence(lambda n: f"upgrade-{n}")
    summary = "Planned work on the database."
    scheduled_start = START
    scheduled_end = factory.LazyAttribute(lambda w: w.scheduled_start + timedelta(hours=4))
    time_zone = "Europe/London"
    time_zone_label = "UK time"
    status = MaintenanceStatus.SCHEDULED
    hashtag = "#maint"
    published_at = datetime(2030, 5, 1, tzinfo=UTC)

    services = factory.PostGeneration(_set_services)


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    name = factory.Sequence(lambda n: f"Engineer {n}")
    role = "Development Lead"
    bio = "Keeps the databases humming."


class FAQFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FAQ

    window = factory.SubFactory(MaintenanceWindowFactory)
    title = factory.LazyAttribute(lambda f: f"FAQ: {f.window.title}")
    slug = factory.LazyAttribute(lambda f: f.window.slug)
    introduction = "What this work means for you."
    published_at = datetime(2030, 5, 1, tzinfo=UTC)


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    faq = factory.SubFactory(FAQFactory)
    position = factory.Sequence(int)
    number = factory.Sequence(lambda n: n + 1)
    heading = factory.Sequence(lambda n: f"Question {n}?")
    kind = SectionKind.IMPACT
    body = "Some *context*."


class ImpactEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImpactEntry

    section = factory.SubFactory(SectionFactory)
    faq = factory.SelfAttribute("section.faq")
    number = factory.Sequence(lambda n: n + 1)
    subject = factory.Sequence(lambda n: f"Feature {n}")
    level = ImpactLevel.UNAVAILABLE
    summary = "Shows a maintenance page."
    details = "The full story."


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    faq = factory.SubFactory(FAQFactory)
    author = factory.SubFactory(UserFactory)
    author_name = "Pat"
    author_organisation = "Acme"
    body = "When exactly does it start?"


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Slow sends {n}")
    slug = factory.Sequence(lambda n: f"slow-sends-{n}")
    impact = IncidentImpact.MINOR
    status = IncidentStatus.INVESTIGATING
    published_at = datetime(2030, 5, 1, tzinfo=UTC)
    started_at = datetime(2030, 5, 1, tzinfo=UTC)

    services = factory.PostGeneration(_set_services)


class StatusUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusUpdate

    maintenance = factory.SubFactory(MaintenanceWindowFactory)
    status = factory.LazyAttribute(lambda u: (u.maintenance or u.incident).status)
    body = factory.Sequence(lambda n: f"Progress note {n}.")
    display_at = datetime(2030, 6, 1, 10, 30, tzinfo=UTC)
    published_at = datetime(2030, 6, 1, 10, 30, tzinfo=UTC)


def add_published_updates(*, window, incident, count: int, spacing=timedelta(0)) -> None:
    """``count`` published updates, alternately on ``window`` and ``incident``, in one
    query (each ``spacing`` after the one before): the data of pages that must not slow
    down as updates pile up."""
    StatusUpdate.objects.bulk_create(
        StatusUpdate(
            maintenance=window if i % 2 else None,
            incident=None if i % 2 else incident,
            status=window.status if i % 2 else incident.status,
            body=f"Progress note {i}.",
            display_at=window.published_at + spacing * i,
            published_at=window.published_at,
        )
        for i in range(count)
    )

"""Loading the seed FAQ as demo content, idempotently."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from faq import demo_content as seed
from faq.demo_history import history_load
from faq.models import FAQ, Comment, ImpactEntry, Profile, Section, TeamMember
from statuspage.models import MaintenanceStatus, MaintenanceWindow, Service, ServiceGroup

SEED_SLUG = "dotmailer-database-upgrade-2013"
UPCOMING_SLUG = "dotmailer-database-upgrade"
SEED_START = datetime(2013, 10, 26, 10, 0, tzinfo=UTC)
SEED_ANNOUNCED = datetime(2013, 10, 8, 9, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


@transaction.atomic
def demo_load(*, now: datetime | None = None) -> None:
    """Create or refresh the demo content: the 2013 window, a copy ahead of ``now``, and
    the past incidents of the 90 days before ``now`` (``faq.demo_history``).

    Running it again creates nothing twice; the copy is moved ahead again once
    its date has passed.
    """
    now = now or timezone.now()
    services = _load_services()
    team = _load_team()
    history_load(now=now, services=services, author=_demo_user(seed.STAFF_REPLY, is_staff=True))
    _load_window(
        slug=SEED_SLUG,
        start=SEED_START,
        status=MaintenanceStatus.COMPLETED,
        announced=SEED_ANNOUNCED,
        services=services,
        team=team,
    )
    upcoming = MaintenanceWindow.objects.filter(slug=UPCOMING_SLUG).first()
    if upcoming is None or (
        upcoming.status == MaintenanceStatus.SCHEDULED and upcoming.scheduled_start <= now
    ):
        _load_window(
            slug=UPCOMING_SLUG,
            start=_next_saturday_11am_london(after=now + timedelta(days=3)),
            status=MaintenanceStatus.SCHEDULED,
            announced=now - timedelta(days=2),
            services=services,
            team=team,
        )


def _next_saturday_11am_london(*, after: datetime) -> datetime:
    """The first Saturday 11:00 London time at or after ``after``."""
    day = after.astimezone(LONDON).date()
    day += timedelta(days=(5 - day.weekday()) % 7)
    start = datetime(day.year, day.month, day.day, 11, 0, tzinfo=LONDON)
    if start < after:
        start += timedelta(days=7)
    return start.astimezone(UTC)


def _load_services() -> dict[str, Service]:
    services = {}
    for group_position, (group_name, names) in enumerate(seed.SERVICE_GROUPS):
        group, _ = ServiceGroup.objects.update_or_create(
            name=group_name, defaults={"position": group_position}
        )
        for position, name in enumerate(names):
            services[name], _ = Service.objects.get_or_create(
                slug=slugify(name),
                defaults={
                    "name": name,
                    "group": group,
                    "position": position,
                    "description": seed.SERVICE_DESCRIPTIONS[name],
                },
            )
    return services


def _load_team() -> list[TeamMember]:
    return [
        TeamMember.objects.update_or_create(
            name=name, defaults={"role": role, "bio": bio, "position": position}
        )[0]
        for position, (name, role, bio) in enumerate(seed.TEAM)
    ]


def _load_window(*, slug, start, status, announced, services, team) -> None:
    end = start + timedelta(hours=4)
    dates = _DateWords(start)
    window, _ = MaintenanceWindow.objects.update_or_create(
        slug=slug,
        defaults={
            "title": seed.WINDOW["title"],
            "summary": seed.WINDOW["summary"],
            "scheduled_start": start,
            "scheduled_end": end,
            "time_zone": seed.WINDOW["time_zone"],
            "time_zone_label": seed.WINDOW["time_zone_label"],
            "hashtag": seed.WINDOW["hashtag"],
            "status": status,
            "published_at": announced,
            "started_at": start if status == MaintenanceStatus.COMPLETED else None,
            "completed_at": end if status == MaintenanceStatus.COMPLETED else None,
        },
    )
    window.services.set([services[name] for name in seed.WINDOW["services"]])
    faq, _ = FAQ.objects.update_or_create(
        window=window,
        defaults={
            "slug": slug,
            "title": dates.apply(seed.FAQ_TITLE),
            "introduction": seed.INTRODUCTION,
            "published_at": announced,
        },
    )
    faq.team.set(team)
    sections = {}
    for section in seed.SECTIONS:
        sections[section.position], _ = Section.objects.update_or_create(
            faq=faq,
            position=section.position,
            defaults={
                "number": section.number,
                "heading": section.heading,
                "kind": section.kind,
                "body": dates.apply(section.body),
            },
        )
    by_number = {section.number: section for section in sections.values() if section.number}
    for entry in seed.ENTRIES:
        ImpactEntry.objects.update_or_create(
            section=by_number[entry.section],
            number=entry.number,
            defaults={
                "faq": faq,
                "subject": entry.subject,
                "service": services[entry.service],
                "level": entry.level,
                "summary": entry.summary,
                "details": entry.details,
                "advice": entry.advice,
                "afterwards": entry.afterwards,
            },
        )
    _load_comments(faq=faq, posted=announced + timedelta(days=1))


def _load_comments(*, faq: FAQ, posted: datetime) -> None:
    customer = _demo_user(seed.CUSTOMER_COMMENT, is_staff=False)
    staff = _demo_user(seed.STAFF_REPLY, is_staff=True)
    question, _ = Comment.objects.update_or_create(
        faq=faq,
        parent=None,
        author=customer,
        defaults={
            "author_name": seed.CUSTOMER_COMMENT["name"],
            "author_organisation": seed.CUSTOMER_COMMENT["organisation"],
            "body": seed.CUSTOMER_COMMENT["body"],
            "created_at": posted,
        },
    )
    Comment.objects.update_or_create(
        faq=faq,
        parent=question,
        author=staff,
        defaults={
            "author_name": seed.STAFF_REPLY["name"],
            "author_organisation": seed.STAFF_REPLY["organisation"],
            "author_role": seed.STAFF_REPLY["role"],
            "body": seed.STAFF_REPLY["body"],
            "is_official": True,
            "created_at": posted + timedelta(hours=20),
        },
    )


def _demo_user(person: dict, *, is_staff: bool):
    user, created = get_user_model().objects.get_or_create(
        username=person["username"],
        defaults={"first_name": person["name"], "is_staff": is_staff},
    )
    if created:
        # Demo people cannot log in; staff sign in with accounts of their own.
        user.set_unusable_password()
        user.save(update_fields=["password"])
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "name": person["name"],
            "organisation": person["organisation"],
            "role": person.get("role", ""),
            "notify_replies": False,
            # The staff member's reply is signed with the name they confirmed, as any is.
            "public_name_confirmed_at": SEED_ANNOUNCED if is_staff else None,
        },
    )
    return user


class _DateWords:
    """Rewrites the seed's dates in its prose for a window that starts at ``start``."""

    def __init__(self, start: datetime) -> None:
        local, end = start.astimezone(LONDON), start + timedelta(hours=4)
        day = local.day
        suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        self.replacements = {
            "Saturday 26 October 2013": f"{local:%A} {day} {local:%B %Y}",
            "26th October": f"{day}{suffix} {local:%B}",
            "10:00 – 14:00 UTC": f"{start:%H:%M} – {end.astimezone(UTC):%H:%M} UTC",
        }

    def apply(self, text: str) -> str:
        for old, new in self.replacements.items():
            text = text.replace(old, new)
        return text

"""Page-level reads for FAQs. The FAQ page runs the same queries at any size."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from urllib.parse import urlencode

from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from faq.models import (
    FAQ,
    THREADS_PER_PAGE,
    Comment,
    CommentStatus,
    ImpactEntry,
    ImpactLevel,
    Section,
)
from faq.powers import CommentPowers, comment_powers
from statuspage.common.text import folded
from statuspage.models import Service


@dataclass
class EntryFilter:
    """What the reader asked to see: one service, one impact level, and/or words."""

    service: Service | None = None
    level: str = ""
    words: str = ""
    unknown_service: str = ""  # asked for, but no entry of this FAQ is about it

    @property
    def active(self) -> bool:
        return bool(self.service or self.level or self.words or self.unknown_service)

    def matches(self, entry: ImpactEntry, *, level: bool = True) -> bool:
        """Whether ``entry`` is shown; with ``level=False``, whatever its level."""
        if self.unknown_service:
            return False
        if self.service and entry.service_id != self.service.pk:
            return False
        if level and self.level and entry.level != self.level:
            return False
        return all(word in _searched_text(entry) for word in folded(self.words).split())

    def query(self, **changes: str) -> str:
        """This filter's address, with ``changes`` (a parameter set to "" is left out)."""
        given = {
            "service": self.service.slug if self.service else "",
            "level": self.level,
            "q": self.words,
        }
        return "?" + urlencode({k: v for k, v in (given | changes).items() if v})


def _searched_text(entry: ImpactEntry) -> str:
    """What the finder searches: what the entry shows, as the page's script reads it."""
    if not hasattr(entry, "_searched"):
        shown = (entry.label, entry.title, entry.get_level_display(), entry.summary)
        entry._searched = folded(" ".join((*shown, entry.advice, entry.afterwards, entry.details)))
    return entry._searched


def _group_order(service: Service) -> tuple:
    """Services in the order of the status page: by group, then by their place in it."""
    group = service.group
    return (group is None, group.position if group else 0, group.name if group else "",
            service.position, service.name)  # fmt: skip


@dataclass
class SectionView:
    section: Section
    entries: list[ImpactEntry] = field(default_factory=list)


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment]
    placeholder: bool = False


def faq_page(
    *,
    slug: str,
    viewer,
    service_slug: str = "",
    level: str = "",
    words: str = "",
    comments_page: str | int | None = None,
) -> dict:
    faq = get_object_or_404(FAQ.objects.published().select_related("window"), slug=slug)
    # Only what readers may see feeds the counts and menus: a draft's entries never do.
    entries = list(
        faq.impact_entries.published()
        .select_related("service__group", "section")
        .order_by("section__position", "number")
    )
    services = sorted({entry.service for entry in entries if entry.service}, key=_group_order)
    service = next((s for s in services if s.slug == service_slug), None)
    chosen = EntryFilter(
        service=service,
        level=level if level in ImpactLevel.values else "",
        words=words.strip()[:100],
        # A stale or mistyped link for a service says that nothing matches, not everything.
        unknown_service=service_slug if service_slug and service is None else "",
    )
    by_section = defaultdict(list)
    for entry in entries:
        if chosen.matches(entry):
            by_section[entry.section_id].append(entry)
    sections = [SectionView(s, by_section[s.pk]) for s in faq.sections.filter(is_draft=False)]
    shown = sum(len(view.entries) for view in sections)
    # The levels' counts follow the service and words chosen: each says what its link shows.
    counts = Counter(entry.level for entry in entries if chosen.matches(entry, level=False))
    return {
        "faq": faq,
        "window": faq.window,
        "window_services": list(faq.window.services.all()),
        "sections": sections,
        "entry_filter": chosen,
        "entry_count": len(entries),
        "shown_count": shown,
        "filter_services": services,
        "filter_groups": [
            (name, list(members))
            for name, members in groupby(
                services, key=lambda s: s.group.name if s.group else _("Other services")
            )
        ],
        "level_counts": [
            (level, counts[level.value], chosen.query(level=level.value))
            for level in ImpactLevel
            if counts[level.value]
        ],
        "levels": ImpactLevel,
        "team": list(faq.team.all()),
        **_comments(faq, viewer, comments_page),
    }


@dataclass(frozen=True)
class ThreadPage:
    """One page of a thread: its top-level comments by position, oldest first."""

    number: int
    count: int  # pages
    first: int  # position of the page's first top-level comment, from 1
    last: int
    total: int  # top-level comments, whatever their status

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None


def _comments(faq: FAQ, viewer, page: str | int | None = None) -> dict:
    """One page of the thread as ``viewer`` may see it: top-level comments oldest first,
    each with its replies. Three queries at any size: counts, the page, its replies.

    Readers see visible comments, and their own held ones; moderators see everything.
    A hidden or removed comment with visible replies stays as a placeholder. Pages are
    cut by threads' positions (``Comment.thread_position``), seen or not, so that a
    comment's page (its link in e-mails) is the same for everyone and for good; a page
    may show fewer than ``THREADS_PER_PAGE``.
    """
    counts = faq.comments.aggregate(
        top=Count("pk", filter=Q(parent=None)),
        last=Max("thread_position", filter=Q(parent=None)),
        visible=Count("pk", filter=Q(status=CommentStatus.VISIBLE)),
    )
    pages = max(1, -(-(counts["last"] or 0) // THREADS_PER_PAGE))
    try:
        number = min(max(int(page or 1), 1), pages)
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * THREADS_PER_PAGE
    positions = (offset + 1, offset + THREADS_PER_PAGE)
    roots = list(faq.comments.filter(parent=None, thread_position__range=positions))
    powers = comment_powers(viewer)
    replies = defaultdict(list)
    for reply in Comment.objects.filter(parent__in=roots):
        replies[reply.parent_id].append(reply)
    threads = []
    for comment in roots:
        for each in (comment, *replies[comment.pk]):
            each.can_edit = each.editable_by(viewer)
        shown = [reply for reply in replies[comment.pk] if _may_see(viewer, powers, reply)]
        if _may_see(viewer, powers, comment):
            threads.append(Thread(comment, shown))
        elif shown:
            threads.append(Thread(comment, shown, placeholder=True))
    return {
        "threads": threads,
        "powers": powers,
        "comment_count": counts["visible"],
        "thread_page": ThreadPage(
            number=number,
            count=pages,
            first=roots[0].thread_position if roots else 0,
            last=roots[-1].thread_position if roots else 0,
            total=counts["top"],
        ),
    }


def _may_see(viewer, powers: CommentPowers, comment: Comment) -> bool:
    if comment.status == CommentStatus.VISIBLE or powers.see_all:
        return True
    return (
        comment.status == CommentStatus.HELD
        and viewer.is_authenticated
        and comment.author_id == viewer.pk
    )


def public_name_unconfirmed(user) -> bool:
    """Whether ``user`` may answer customers officially but has not yet confirmed the name
    and role customers would see (``services.profile_set_public``)."""
    if not comment_powers(user).answer:
        return False
    profile = getattr(user, "profile", None)  # none yet: made when first needed
    return profile is None or profile.public_name_confirmed_at is None

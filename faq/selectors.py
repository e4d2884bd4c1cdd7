"""Page-level reads for FAQs. The FAQ page runs the same queries at any size."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404

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
from statuspage.models import Service


@dataclass
class EntryFilter:
    """What the reader asked to see: one service, one impact level, and/or words."""

    service: Service | None = None
    level: str = ""
    words: str = ""

    @property
    def active(self) -> bool:
        return bool(self.service or self.level or self.words)

    def matches(self, entry: ImpactEntry) -> bool:
        if self.service and entry.service_id != self.service.pk:
            return False
        if self.level and entry.level != self.level:
            return False
        # The same text that the page's script searches: what the entry shows.
        shown = (entry.label, entry.title, entry.get_level_display(), entry.summary)
        haystack = " ".join((*shown, entry.advice, entry.afterwards, entry.details)).casefold()
        return all(word in haystack for word in self.words.casefold().split())


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
        .select_related("service", "section")
        .order_by("section__position", "number")
    )
    services = sorted(
        {entry.service for entry in entries if entry.service}, key=lambda s: (s.position, s.name)
    )
    chosen = EntryFilter(
        service=next((s for s in services if s.slug == service_slug), None),
        level=level if level in ImpactLevel.values else "",
        words=words.strip()[:100],
    )
    by_section = defaultdict(list)
    for entry in entries:
        if chosen.matches(entry):
            by_section[entry.section_id].append(entry)
    sections = [SectionView(s, by_section[s.pk]) for s in faq.sections.filter(is_draft=False)]
    shown = sum(len(view.entries) for view in sections)
    counts = Counter(entry.level for entry in entries)
    return {
        "faq": faq,
        "window": faq.window,
        "window_services": list(faq.window.services.all()),
        "sections": sections,
        "entry_filter": chosen,
        "entry_count": len(entries),
        "shown_count": shown,
        "filter_services": services,
        "level_counts": [
            (level, counts[level.value]) for level in ImpactLevel if counts[level.value]
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

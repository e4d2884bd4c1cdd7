"""Page-level reads for FAQs. The FAQ page runs the same queries at any size."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404

from faq.models import FAQ, Comment, CommentStatus, ImpactEntry, ImpactLevel, Section
from faq.services import can_edit
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
    *, slug: str, viewer, service_slug: str = "", level: str = "", words: str = ""
) -> dict:
    faq = get_object_or_404(FAQ.objects.published().select_related("window"), slug=slug)
    entries = list(
        faq.impact_entries.select_related("service", "section").order_by(
            "section__position", "number"
        )
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
        **_comments(faq, viewer),
    }


def _comments(faq: FAQ, viewer) -> dict:
    """The thread as ``viewer`` may see it: top-level comments oldest first, with replies.

    Readers see visible comments, and their own held ones; staff see everything.
    A hidden or removed comment with visible replies stays as a placeholder.
    """
    comments = list(faq.comments.all())
    replies = defaultdict(list)
    for comment in comments:
        comment.can_edit = can_edit(comment=comment, user=viewer)
        if comment.parent_id:
            replies[comment.parent_id].append(comment)
    threads = []
    for comment in comments:
        if comment.parent_id is not None:
            continue
        shown = [reply for reply in replies[comment.pk] if _may_see(viewer, reply)]
        if _may_see(viewer, comment):
            threads.append(Thread(comment, shown))
        elif shown:
            threads.append(Thread(comment, shown, placeholder=True))
    visible = sum(1 for comment in comments if comment.status == CommentStatus.VISIBLE)
    return {"threads": threads, "comment_count": visible}


def _may_see(viewer, comment: Comment) -> bool:
    if comment.status == CommentStatus.VISIBLE or viewer.is_staff:
        return True
    return comment.status == CommentStatus.HELD and comment.author_id == viewer.pk

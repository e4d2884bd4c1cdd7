"""Maintenance FAQs: numbered sections, per-service impact entries, the team, comments."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from markdownx.models import MarkdownxField

from statuspage.models import MaintenanceWindow, Service


class FAQQuerySet(models.QuerySet):
    def published(self):
        """FAQs readers may see: published, and on a published window."""
        return self.filter(published_at__isnull=False, window__published_at__isnull=False)


class TeamMember(models.Model):
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=100)
    bio = models.TextField(blank=True)
    photo = models.ImageField(upload_to="team/", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper()

    def shown_to_readers(self) -> bool:
        """Whether readers see this row (a change of it is a new content version)."""
        return True


class FAQ(models.Model):
    """The article customers read about one maintenance window."""

    window = models.OneToOneField(MaintenanceWindow, on_delete=models.CASCADE, related_name="faq")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    introduction = MarkdownxField(blank=True, help_text="“About this FAQ”, shown first.")
    team = models.ManyToManyField(TeamMember, related_name="faqs", blank=True)
    comments_open = models.BooleanField(
        default=True, help_text="Untick to close the comment thread; existing comments stay."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FAQQuerySet.as_manager()

    class Meta:
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"
        ordering = ["-window__scheduled_start"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("faq:faq_detail", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        """Mirrors ``FAQQuerySet.published`` for a FAQ already loaded with its window."""
        return self.published_at is not None and self.window.published_at is not None

    def shown_to_readers(self) -> bool:
        return self.is_published


def published_faq(window: MaintenanceWindow) -> "FAQ | None":
    """The window's FAQ if readers may see it, else None: the one rule for every page,
    the API, the feeds and the calendar. Uses the FAQ loaded with the window
    (``select_related("faq")``) when it was."""
    faq = getattr(window, "faq", None)  # a window may have no FAQ
    return faq if faq is not None and faq.is_published else None


class SectionKind(models.TextChoices):
    PROSE = "prose", "Prose"
    CHECKLIST = "checklist", "Checklist of what to do"
    IMPACT = "impact", "Impact entries"
    TEAM = "team", "The team"


class Section(models.Model):
    """A heading and Markdown body; numbered sections may hold impact entries."""

    faq = models.ForeignKey(FAQ, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    number = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Shown before the heading; impact entries need it."
    )
    heading = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=SectionKind.choices, default=SectionKind.PROSE)
    body = MarkdownxField(blank=True)
    is_draft = models.BooleanField(default=False, help_text="Drafts are not shown to readers.")
    source_comment = models.ForeignKey(
        "Comment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The comment thread this section was drawn from.",
    )

    class Meta:
        ordering = ["position", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["faq", "number"],
                name="faq_section_number_unique",
                violation_error_message="Another section of this FAQ has that number.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.heading}" if self.number else self.heading

    @property
    def anchor(self) -> str:
        return f"section-{self.number}" if self.number else f"section-p{self.position}"

    def shown_to_readers(self) -> bool:
        return not self.is_draft and self.faq.is_published


class ImpactLevel(models.TextChoices):
    """How hard an entry's subject is hit, most severe first."""

    UNAVAILABLE = "unavailable", "Unavailable"
    NOT_PROCESSED = "not_processed", "Not processed"
    PARTIAL = "partial", "Partly unavailable"
    DEGRADED = "degraded", "Degraded"
    NOT_RECORDED = "not_recorded", "Not recorded"
    DELAYED = "delayed", "Delayed"
    UNAFFECTED = "unaffected", "Unaffected"


class ImpactEntryQuerySet(models.QuerySet):
    def published(self):
        """Entries readers may see: in a section that is not a draft, of a published FAQ."""
        return self.filter(section__is_draft=False, faq__in=FAQ.objects.published())


class ImpactEntry(models.Model):
    """One numbered row: what happens to one service or feature during the window."""

    faq = models.ForeignKey(FAQ, on_delete=models.CASCADE, related_name="impact_entries")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="entries")
    number = models.PositiveSmallIntegerField(help_text="2 in “1.2”.")
    subject = models.CharField(
        max_length=120, blank=True, help_text="A feature such as “Links in emails”."
    )
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        related_name="impact_entries",
        null=True,
        blank=True,
        help_text="The service it concerns; its name is the subject when no subject is given.",
    )
    level = models.CharField(max_length=16, choices=ImpactLevel.choices)
    summary = models.CharField(max_length=200, help_text="What customers will see, in one line.")
    details = MarkdownxField(blank=True, help_text="The full explanation.")
    advice = MarkdownxField(blank=True, help_text="What customers should do.")
    afterwards = models.CharField(
        max_length=200, blank=True, help_text="What happens after the window."
    )

    objects = ImpactEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "impact entries"
        ordering = ["section__position", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "number"],
                name="impact_entry_number_unique",
                violation_error_message="Another entry of this section has that number.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.title}"

    def clean(self) -> None:
        errors = {}
        if not self.subject and not self.service_id:
            errors["subject"] = "Give a subject, or choose the service the entry is about."
        if self.section_id and self.faq_id and self.section.faq_id != self.faq_id:
            errors["section"] = "Choose a section of this FAQ."
        elif self.section_id and self.section.number is None:
            errors["section"] = "Impact entries go in a numbered section."
        if errors:
            raise ValidationError(errors)

    @property
    def title(self) -> str:
        return self.subject or (self.service.name if self.service else "")

    @property
    def label(self) -> str:
        return f"{self.section.number}.{self.number}"

    @property
    def anchor(self) -> str:
        return f"entry-{self.section.number}-{self.number}"

    def shown_to_readers(self) -> bool:
        return self.section.shown_to_readers()


# The FAQ is what the page is for; the thread comes a page of threads at a time.
THREADS_PER_PAGE = 20


class CommentStatus(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HELD = "held", "Held for review"
    HIDDEN = "hidden", "Hidden by staff"
    REMOVED = "removed", "Removed"


class Profile(models.Model):
    """What readers see of an account: its name, organisation and, for staff, role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    name = models.CharField(max_length=100)
    organisation = models.CharField(max_length=100, blank=True)
    role = models.CharField(
        max_length=100, blank=True, help_text="Staff only: shown on official responses."
    )
    notify_replies = models.BooleanField(
        default=True, help_text="E-mail me when staff reply to my comments."
    )
    email_confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When its owner confirmed the address; nothing is e-mailed to it before.",
    )
    email_confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    public_name_confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Staff: when its owner confirmed the name and role customers see; no "
        "official reply goes out before.",
    )

    def __str__(self) -> str:
        return self.name


class Comment(models.Model):
    """A reader's comment under a FAQ, or a reply to one (one level deep).

    Author name, organisation and role are copied at posting, so the record
    shows who said what even if the account changes later.
    """

    faq = models.ForeignKey(FAQ, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="faq_comments",
    )
    author_name = models.CharField(max_length=100)
    author_organisation = models.CharField(max_length=100, blank=True)
    author_role = models.CharField(max_length=100, blank=True)
    body = models.TextField(max_length=5000)
    is_official = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.VISIBLE
    )
    held_reason = models.CharField(max_length=200, blank=True)
    moderation_reason = models.CharField(max_length=500, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    thread_position = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Its thread's place among the FAQ's threads, from 1 (a reply has its "
        "parent's); it says on which page of the thread a link finds it.",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        permissions = [("reply_officially", "Can answer comments with the Official response badge")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="comment_not_its_own_parent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.author_name} on {self.faq}"

    def save(self, *args, **kwargs) -> None:
        if not self.thread_position:
            # A new thread goes last (comment_post holds the FAQ's row meanwhile, so two
            # posts cannot take one place); a reply joins its parent's.
            last = self.faq.comments.filter(parent=None).aggregate(models.Max("thread_position"))
            self.thread_position = (
                self.parent.thread_position
                if self.parent_id
                else (last["thread_position__max"] or 0) + 1
            )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The FAQ's page of the thread that shows it, at the comment: no query needed."""
        page = self.thread_page
        query = f"?comments={page}" if page > 1 else ""
        return f"{self.faq.get_absolute_url()}{query}#{self.anchor}"

    @property
    def thread_page(self) -> int:
        return (max(self.thread_position, 1) - 1) // THREADS_PER_PAGE + 1

    def editable_by(self, user) -> bool:
        """Its author may change it for ``COMMENT_EDIT_MINUTES`` after posting, while shown
        or held."""
        window = timedelta(minutes=settings.COMMENT_EDIT_MINUTES)
        return (
            user.is_authenticated
            and self.author_id == user.pk
            and self.status in {CommentStatus.VISIBLE, CommentStatus.HELD}
            and timezone.now() - self.created_at <= window
        )

    @property
    def anchor(self) -> str:
        return f"comment-{self.pk}"

    @property
    def is_visible(self) -> bool:
        return self.status == CommentStatus.VISIBLE

    def shown_to_readers(self) -> bool:
        """Held comments are seen by their author and moderators only, on pages never shared."""
        return self.is_visible and self.faq.is_published


class HeldComment(Comment):
    """Comments waiting for a moderator: the admin's review queue."""

    class Meta:
        proxy = True
        verbose_name = "comment held for review"
        verbose_name_plural = "comments held for review"

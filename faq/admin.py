from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from markdownx.admin import MarkdownxModelAdmin
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from faq import services
from faq.models import (
    FAQ,
    Comment,
    CommentStatus,
    HeldComment,
    ImpactEntry,
    Profile,
    Section,
    TeamMember,
)

MARKDOWN_EDITOR = {MarkdownxField: {"widget": AdminMarkdownxWidget(attrs={"rows": 4})}}


class SectionInline(admin.StackedInline):
    model = Section
    fields = [("position", "number", "kind", "is_draft"), "heading", "body", "source_comment"]
    raw_id_fields = ["source_comment"]
    formfield_overrides = MARKDOWN_EDITOR
    extra = 0


class ImpactEntryFormSet(forms.BaseInlineFormSet):
    """Refuses two entries with the same number (e.g. two “2.3”) in one FAQ."""

    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            section, number = form.cleaned_data.get("section"), form.cleaned_data.get("number")
            if section is None or number is None:
                continue
            label = f"{section.number}.{number}"
            if label in seen:
                raise forms.ValidationError(
                    f"Entry {label} appears twice; each entry number must be unique in the FAQ."
                )
            seen.add(label)


class ImpactEntryInline(admin.StackedInline):
    model = ImpactEntry
    formset = ImpactEntryFormSet
    fields = [
        ("section", "number", "level"),
        ("subject", "service"),
        "summary",
        "details",
        "advice",
        "afterwards",
    ]
    formfield_overrides = MARKDOWN_EDITOR
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("section", "service")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for name in ("section", "service"):
            field = formset.form.base_fields[name]
            # Read the choices once for all entries, not once per entry's form.
            field.widget.widget.choices = field.choices = list(field.choices)
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            faq_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Section.objects.filter(faq_id=faq_id, number__isnull=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(FAQ)
class FAQAdmin(MarkdownxModelAdmin):
    list_display = ["title", "window", "published_at", "updated_at"]
    list_select_related = ["window"]
    search_fields = ["title", "slug", "window__title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["team"]
    inlines = [SectionInline, ImpactEntryInline]
    fields = ["window", "title", "slug", "introduction", "team", "published_at", "comments_open"]


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "position"]
    list_editable = ["position"]
    search_fields = ["name", "role"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500, widget=forms.TextInput(attrs={"size": 60}), label="Reason (kept)"
    )


def _moderation_action(action: str, description: str, *, needs_reason: bool):
    """An admin action that runs ``comment_moderate``, asking for a reason when it needs one."""

    def run(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if needs_reason and not form.is_valid():
            context = {
                **modeladmin.admin_site.each_context(request),
                "title": f"{description}: why?",
                "comments": queryset,
                "form": form,
                "action": request.POST["action"],
                "opts": modeladmin.model._meta,
            }
            return TemplateResponse(request, "admin/faq/moderation_reason.html", context)
        reason = form.cleaned_data["reason"] if needs_reason else ""
        for comment in queryset:
            services.comment_moderate(
                comment=comment, moderator=request.user, action=action, reason=reason
            )
        modeladmin.message_user(request, f"{len(queryset)} comment(s): {action} done.")
        return None

    run.__name__ = action
    return admin.action(description=description, permissions=["change"])(run)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "author_name",
        "author_organisation",
        "faq",
        "status",
        "is_official",
        "created_at",
    ]
    list_filter = ["status", "is_official", "faq"]
    list_select_related = ["faq"]
    search_fields = ["author_name", "author_organisation", "body"]
    raw_id_fields = ["parent", "author"]
    readonly_fields = [
        "faq",
        "parent",
        "author",
        "author_name",
        "author_organisation",
        "author_role",
        "body",
        "is_official",
        "status",
        "held_reason",
        "moderation_reason",
        "moderated_by",
        "moderated_at",
        "created_at",
        "edited_at",
    ]
    actions = [
        _moderation_action("approve", "Approve (show) the selected comments", needs_reason=False),
        _moderation_action("hide", "Hide the selected comments", needs_reason=True),
        _moderation_action("unhide", "Unhide the selected comments", needs_reason=False),
        _moderation_action("remove", "Remove the selected comments", needs_reason=True),
        "draft_faq_section",
    ]

    def has_add_permission(self, request):
        return False  # comments are written on the FAQ page, where rules and limits apply

    def has_draft_permission(self, request) -> bool:
        return request.user.has_perm("faq.change_faq")

    @admin.action(
        description="Draft a FAQ section from the question and its official reply",
        permissions=["draft"],
    )
    def draft_faq_section(self, request, queryset):
        for comment in queryset:
            try:
                section = services.comment_to_draft_section(comment=comment)
            except ValidationError as error:
                self.message_user(request, f"{comment}: {' '.join(error.messages)}", messages.ERROR)
            else:
                url = reverse("admin:faq_faq_change", args=[section.faq_id])
                self.message_user(
                    request,
                    format_html(
                        'Draft section “{}” added to <a href="{}">{}</a>: edit, then publish it.',
                        section.heading,
                        url,
                        section.faq,
                    ),
                    messages.SUCCESS,
                )


@admin.register(HeldComment)
class HeldCommentAdmin(CommentAdmin):
    """The moderation queue: comments waiting for a moderator, oldest first."""

    list_display = ["author_name", "faq", "held_reason", "body_start", "created_at"]
    list_filter = ["faq"]
    ordering = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=CommentStatus.HELD)

    @admin.display(description="Comment")
    def body_start(self, obj) -> str:
        return Truncator(obj.body).chars(120)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "role", "user", "notify_replies"]
    search_fields = ["name", "organisation", "user__email"]
    raw_id_fields = ["user"]
    # Confirmed by the staff member themselves, on the console's “Who customers see”.
    readonly_fields = ["public_name_confirmed_at"]

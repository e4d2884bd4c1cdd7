from django import forms
from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin
from markdownx.models import MarkdownxField
from markdownx.widgets import AdminMarkdownxWidget

from faq.models import FAQ, Comment, ImpactEntry, Section, TeamMember

MARKDOWN_EDITOR = {MarkdownxField: {"widget": AdminMarkdownxWidget(attrs={"rows": 4})}}


class SectionInline(admin.StackedInline):
    model = Section
    fields = [("position", "number", "kind"), "heading", "body"]
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
    fields = ["window", "title", "slug", "introduction", "team", "published_at"]


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "position"]
    list_editable = ["position"]
    search_fields = ["name", "role"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author_name", "author_organisation", "faq", "is_official", "created_at"]
    list_filter = ["is_official"]
    list_select_related = ["faq"]
    search_fields = ["author_name", "author_organisation", "body"]
    raw_id_fields = ["parent", "author"]

"""The staff's one-step update form."""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from markdownx.widgets import AdminMarkdownxWidget

from statuspage.models import MaintenanceStatus, MaintenanceWindow, ServiceStatus
from statuspage.services import MAINTENANCE_TRANSITIONS

NO_CHANGE = ""


class StatusUpdateForm(forms.Form):
    """One step for staff: what is happening, the status it moves to, service changes."""

    class Media:
        css = {"all": ["css/x-preview.css"]}
        js = ["js/x-preview.js"]

    body = forms.CharField(
        label="What is happening",
        widget=AdminMarkdownxWidget(attrs={"rows": 6}),
        help_text="Markdown. Readers see it at once, on the page and in the timeline.",
        error_messages={"required": "Write what is happening; an update cannot be empty."},
    )
    status = forms.ChoiceField(label="Status")
    publish = forms.BooleanField(
        required=False, initial=True, help_text="Untick to save a draft that nobody sees."
    )
    cross_post = forms.BooleanField(
        label="Post to X",
        required=False,
        initial=True,
        help_text="With the event's hashtag, in the event's thread on X.",
    )
    x_text = forms.CharField(
        label="Words for X",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Optional. Empty: a summary of the update. The link and hashtag are added.",
    )
    display_at = forms.SplitDateTimeField(
        required=False,
        widget=AdminSplitDateTime,
        label="Shown as posted at (UTC)",
        help_text="Leave empty for now.",
    )
    new_start = forms.SplitDateTimeField(
        required=False,
        widget=AdminSplitDateTime,
        label="Revised start (UTC)",
        help_text="Only when postponing: at least 14 days from now.",
    )
    new_end = forms.SplitDateTimeField(
        required=False, widget=AdminSplitDateTime, label="Revised end (UTC)"
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["status"].choices = self._status_choices()
        self.fields["status"].initial = event.status
        if not isinstance(event, MaintenanceWindow):
            del self.fields["new_start"], self.fields["new_end"]
        if not event.hashtag:
            del self.fields["cross_post"], self.fields["x_text"]
        self.service_fields = []
        for service in event.services.all():
            name = f"service_{service.pk}"
            self.fields[name] = forms.ChoiceField(
                label=service.name,
                required=False,
                choices=[
                    (NO_CHANGE, f"No change ({service.get_status_display()})"),
                    *ServiceStatus.choices,
                ],
            )
            self.service_fields.append((name, service))
        # Services right after the status: both say what the update changes.
        order = ["body", "status", *(name for name, _ in self.service_fields)]
        self.order_fields(order)

    def _status_choices(self):
        event = self.event
        if isinstance(event, MaintenanceWindow):
            reachable = [
                s for s, sources in MAINTENANCE_TRANSITIONS.items() if event.status in sources
            ]
            return [(event.status, f"{event.get_status_display()} (no change)")] + [
                (s, MaintenanceStatus(s).label) for s in reachable
            ]
        return [
            (value, f"{label} (no change)" if value == event.status else label)
            for value, label in type(event)._meta.get_field("status").choices
        ]

    def service_statuses(self) -> dict:
        return {
            service: self.cleaned_data[name]
            for name, service in self.service_fields
            if self.cleaned_data.get(name)
        }

"""The staff's one-step update form."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markdownx.widgets import AdminMarkdownxWidget

from statuspage.common.text import spoken_list
from statuspage.models import MaintenanceStatus, MaintenanceWindow, ServiceStatus
from statuspage.outbox.channels import networks_on, x
from statuspage.services import (
    MAINTENANCE_TRANSITIONS,
    maintenance_end_statuses,
    maintenance_service_statuses,
)
from statuspage.templatetags.status import event_time, hours

NO_CHANGE = ""


class StatusUpdateForm(forms.Form):
    """One step for staff: what is happening, the status it moves to, service changes."""

    class Media:
        css = {"all": ["css/composer.css"]}
        js = ["js/composer.js"]

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
        label=gettext_lazy("Post on the networks"),
        required=False,
        initial=True,
    )
    x_text = forms.CharField(
        label=gettext_lazy("Words for the posts"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=gettext_lazy(
            "Optional, for every network. Empty: a summary of the update. The link and "
            "hashtag are added; the previews show each network's post and its count."
        ),
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
        required=False,
        widget=AdminSplitDateTime,
        label="Revised end (UTC)",
        help_text="When postponing, with the revised start; while the work runs late, alone.",
    )
    # What the event was when the form was opened: posting into an event another member of
    # staff has moved on since is refused, with what changed (``_changed_meanwhile``).
    seen_status = forms.CharField(widget=forms.HiddenInput, required=False)
    seen_update = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["status"].choices = self._status_choices()
        self.fields["status"].initial = event.status
        if not isinstance(event, MaintenanceWindow):
            del self.fields["new_start"], self.fields["new_end"]
        if not event.hashtag:
            del self.fields["cross_post"], self.fields["x_text"]
        else:
            self._networks_said()
        if isinstance(event, MaintenanceWindow):
            self.fields["confirm_timing"] = forms.BooleanField(
                required=False,
                label=_("Yes, at this time"),
                help_text=_("Needed only to start well before the planned start, or to "
                            "complete after the planned end."),
            )  # fmt: skip
        self.fields["seen_status"].initial = event.status
        self.fields["seen_update"].initial = self._last_update_pk()
        self.service_fields = []
        # Starting a window sets its services as its FAQ says: shown before it is done.
        startable = isinstance(event, MaintenanceWindow) and (
            event.status in MAINTENANCE_TRANSITIONS[MaintenanceStatus.IN_PROGRESS]
        )
        proposed = maintenance_service_statuses(event) if startable else {}
        # And completing it puts back what the start changed.
        ending = isinstance(event, MaintenanceWindow) and event.is_active
        restored = maintenance_end_statuses(event) if ending else {}
        for service in event.services.all():
            name = f"service_{service.pk}"
            unchanged = _("No change (%(status)s)") % {"status": service.get_status_display()}
            if service in proposed:
                on_start = proposed[service]
                unchanged += " · " + (
                    _("starting: %(status)s") % {"status": ServiceStatus(on_start).label}
                    if on_start
                    else _("starting leaves it, as the FAQ says")
                )
            elif service in restored:
                unchanged += " · " + _("completing: back to %(status)s") % {
                    "status": ServiceStatus(restored[service]).label
                }
            self.fields[name] = forms.ChoiceField(
                label=service.name,
                required=False,
                choices=[(NO_CHANGE, unchanged), *ServiceStatus.choices],
            )
            self.service_fields.append((name, service))
        # Services right after the status: both say what the update changes.
        order = ["body", "status", "confirm_timing", *(name for name, _ in self.service_fields)]
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

    def _networks_said(self) -> None:
        """The networks the post goes to, in the box's help; X's, if X is off."""
        field = self.fields["cross_post"]
        networks = spoken_list([network.label for network in networks_on()])
        said = []
        if networks:
            said.append(
                _("On %(networks)s, with the event's hashtag, in the event's thread on each.")
                % {"networks": networks}
            )
        if missing := x.CHANNEL.missing_settings():
            field.initial = bool(networks)
            said.append(
                _(
                    "X is off (%(missing)s not set): its post waits as skipped in the "
                    "cross-post list, to send once X is on."
                )
                % {"missing": ", ".join(missing)}
            )
        field.help_text = " ".join(said)

    def clean(self):
        cleaned = super().clean()
        if changed := self._changed_meanwhile(cleaned):
            raise forms.ValidationError(changed)
        warning = self._timing_to_confirm(cleaned.get("status"))
        if warning and not cleaned.get("confirm_timing"):
            self.add_error("status", warning)
        return cleaned

    def _last_update_pk(self) -> int:
        return self.event.updates.order_by("-pk").values_list("pk", flat=True).first() or 0

    def _changed_meanwhile(self, cleaned) -> list[str]:
        """What another member of staff did to the event since this form was opened: new
        updates and a new status. The form then carries the event as it is now, so that
        posting again, once staff have read what changed, goes through."""
        event, seen_status = self.event, cleaned.get("seen_status")
        seen_update = cleaned.get("seen_update")
        if not seen_status or seen_update is None:
            return []  # a form from before this check: nothing to compare
        changes = []
        newer = event.updates.filter(pk__gt=seen_update).select_related("author")
        for update in newer.order_by("pk"):
            author = update.author
            changes.append(
                _("%(who)s posted “%(words)s” (%(status)s, %(when)s).")
                % {
                    "who": author.get_full_name() or author.get_username()
                    if author
                    else _("Someone"),
                    "words": Truncator(update.body).chars(80),
                    "status": update.status_label,
                    "when": event_time(update.display_at, event),
                }
            )
        if seen_status != event.status:
            label = dict(type(event)._meta.get_field("status").choices)
            changes.append(
                _("It moved from %(old)s to %(new)s.")
                % {"old": label.get(seen_status, seen_status), "new": event.get_status_display()}
            )
        if not changes:
            return []
        self.data = self.data.copy()
        self.data["seen_status"], self.data["seen_update"] = event.status, self._last_update_pk()
        return [
            _("While you were writing, this changed:"),
            *changes,
            _("Nothing was posted and your words are kept: read them again, then post."),
        ]

    def _timing_to_confirm(self, status) -> str | None:
        """Why moving a window to ``status`` now needs a second look, if it does: starting
        more than ``CONSOLE_EARLY_MINUTES`` before the planned start (a wrong window, a
        wrong day), or completing after the planned end (readers were told otherwise)."""
        window = self.event
        if not isinstance(window, MaintenanceWindow) or status == window.status:
            return None
        now = timezone.now()
        early = window.scheduled_start - now
        if status == MaintenanceStatus.IN_PROGRESS and early > timedelta(
            minutes=settings.CONSOLE_EARLY_MINUTES
        ):
            return _(
                "This window is planned to start at %(start)s, %(early)s from now. Tick "
                "“Yes, at this time” to start it now anyway."
            ) % {"start": event_time(window.scheduled_start, window), "early": hours(early)}
        if status == MaintenanceStatus.COMPLETED and now > window.scheduled_end:
            return _(
                "The planned end, %(end)s, has passed: readers were told it would be over by "
                "then. Tick “Yes, at this time” to complete it now."
            ) % {"end": event_time(window.scheduled_end, window)}
        return None

    def service_statuses(self) -> dict:
        return {
            service: self.cleaned_data[name]
            for name, service in self.service_fields
            if self.cleaned_data.get(name)
        }

"""What a reader sends to subscribe, or to change what they hear about."""

from django import forms
from django.utils.translation import gettext_lazy as _

from statuspage.models import Service
from statuspage.subscriptions.models import WebhookKind


class _ServicesField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=Service.objects.select_related("group"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Only these services",
            help_text="Choose none to hear about everything.",
            **kwargs,
        )


class SubscribeForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254)
    services = _ServicesField()


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Webhook address (https://)"),
        help_text=_("Your own system's, or a Slack, Microsoft Teams or Discord incoming webhook."),
        max_length=500,
        assume_scheme="https",
    )
    kind = forms.ChoiceField(
        label=_("What it is"),
        choices=[("", _("Tell from the address")), *WebhookKind.choices],
        required=False,
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("To confirm it; not for Slack, Teams or Discord, confirmed in the chat."),
        required=False,
    )
    services = _ServicesField()


class ManageForm(forms.Form):
    services = _ServicesField()

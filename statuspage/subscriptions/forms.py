"""What a reader sends to subscribe, or to change what they hear about."""

from django import forms

from statuspage.models import Service


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
    url = forms.URLField(label="Webhook address (https://)", max_length=500, assume_scheme="https")
    email = forms.EmailField(label="Your e-mail address", help_text="To confirm it.")
    services = _ServicesField()


class ManageForm(forms.Form):
    services = _ServicesField()

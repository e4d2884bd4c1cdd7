from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy


class CommentForm(forms.Form):
    """What a reader may send: the text, the comment replied to, and a trap for robots.

    Author, organisation and the official badge come from the account, never
    from the request.
    """

    body = forms.CharField(
        label="Your comment",
        max_length=settings.COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(
            attrs={"rows": 5, "maxlength": settings.COMMENT_MAX_LENGTH, "data-counter": ""}
        ),
        error_messages={
            "required": "Write something before posting.",
            "max_length": "Keep it under %(limit_value)s characters (this is %(show_value)s).",
        },
        help_text="Plain text. Links become clickable. Everyone can read it.",
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A field people never see; robots that fill every field fill this one too.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        if self.cleaned_data.get("website"):
            raise forms.ValidationError("This looks automated; your comment was not posted.")
        return super().clean()


class ModerationForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("hide", "Hide"),
            ("unhide", "Unhide"),
            ("approve", "Approve"),
            ("remove", "Remove"),
        ]
    )
    reason = forms.CharField(required=False, max_length=500)


class PublicNameForm(forms.Form):
    """The name and role customers see on a staff member's official replies
    (``services.profile_set_public`` checks them)."""

    name = forms.CharField(
        label=gettext_lazy("Your name, as customers see it"),
        max_length=100,
        help_text=gettext_lazy("For example “Stuart Ellis”: not your sign-in name."),
        widget=forms.TextInput(attrs={"autocomplete": "name", "size": 40}),
    )
    role = forms.CharField(
        label=gettext_lazy("Your role"),
        max_length=100,
        help_text=gettext_lazy("For example “Customer support lead”."),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title", "size": 40}),
    )

    def __init__(self, *args, role_required: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].required = role_required

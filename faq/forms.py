from django import forms
from django.conf import settings


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

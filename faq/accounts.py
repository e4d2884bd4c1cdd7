"""Customer accounts: sign up with an e-mail address, sign in with it, reset the password.

An account is a user whose username is its lower-cased e-mail address, plus the
`Profile` that readers see (name and organisation). Both are created together by
`account_create`, or not at all.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from faq import notifications
from faq.models import Profile
from statuspage.security import ratelimit

User = get_user_model()

DUPLICATE_EMAIL = "An account with this e-mail already exists. Sign in, or reset your password."
# The username is the e-mail, so an address may be no longer than a username.
EMAIL_MAX_LENGTH = User._meta.get_field("username").max_length


def _email_taken(email: str) -> bool:
    # Usernames are stored lower-cased, so an exact match on them is reliable on every
    # database; e-mail addresses of older accounts (staff made in the admin) may not be.
    return User.objects.filter(Q(username=email.lower()) | Q(email__iexact=email)).exists()


def account_create(*, email: str, name: str, organisation: str = "", password: str) -> User:
    """Create a customer account: a user named by the lower-cased e-mail, and its profile.

    Raises ValidationError (on "email") if the address is already in use, including
    when a concurrent sign-up took it a moment ago; nothing is saved then.
    """
    if _email_taken(email):
        raise ValidationError({"email": ValidationError(DUPLICATE_EMAIL, code="duplicate")})
    user = User(username=email.lower(), email=email, first_name=name)
    user.set_password(password)
    profile = Profile(name=name, organisation=organisation)
    profile.full_clean(exclude=["user"])
    try:
        with transaction.atomic():
            user.save()
            profile.user = user
            profile.save()
    except IntegrityError as error:
        raise ValidationError(
            {"email": ValidationError(DUPLICATE_EMAIL, code="duplicate")}
        ) from error
    return user


class SignUpForm(BaseUserCreationForm):
    """E-mail, name, optional organisation and a password checked by the site's validators."""

    email = forms.EmailField(
        label="E-mail",
        max_length=EMAIL_MAX_LENGTH,
        help_text="You sign in with it; we use it only for your account and replies you ask for.",
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter an e-mail address like name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    name = forms.CharField(
        label="Your name",
        max_length=100,
        help_text="Shown next to your comments.",
        error_messages={"required": "Enter your name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation = forms.CharField(
        label="Organisation",
        max_length=100,
        required=False,
        help_text="Shown next to your name, if you give one.",
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    password1, password2 = BaseUserCreationForm.create_password_fields(label2="Password again")

    field_order = ["email", "name", "organisation", "password1", "password2"]

    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if _email_taken(email):
            raise ValidationError(DUPLICATE_EMAIL, code="duplicate")
        return email

    def validate_password_for_user(self, user, **kwargs) -> None:
        # Say what is wrong with the password next to it, not next to its repetition.
        kwargs.setdefault("password_field_name", "password1")
        super().validate_password_for_user(user, **kwargs)

    def _post_clean(self) -> None:
        # The password validators compare the password with the username and name too.
        if email := self.cleaned_data.get("email"):
            self.instance.username = email.lower()
        self.instance.first_name = self.cleaned_data.get("name", "")
        super()._post_clean()

    def save(self, commit: bool = True) -> User:
        """Create the account with `account_create`; there is no unsaved variant."""
        if not commit:
            raise ValueError("SignUpForm saves the user and its profile together.")
        data = self.cleaned_data
        return account_create(
            email=data["email"],
            name=data["name"],
            organisation=data["organisation"],
            password=data["password1"],
        )


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with the e-mail address, typed in any case."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That e-mail and password don’t match an account. "
            "Check them and try again, or reset your password."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.label = "E-mail"
        field.error_messages["required"] = "Enter your e-mail address."
        field.widget.attrs.update({"inputmode": "email", "spellcheck": "false"})
        self.fields["password"].error_messages["required"] = "Enter your password."

    def clean_username(self) -> str:
        return self.cleaned_data["username"].lower()


class SignInView(auth_views.LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # LoginView names the site after the request's host; the header shows ours.
        return {**super().get_context_data(**kwargs), "site_name": settings.SITE_NAME}


def _too_fast(request, *, scope: str, rates: str, doing: str) -> HttpResponse | None:
    """Count a POST per client address and per e-mail address it names; past a limit, the
    429 page. Counting the e-mail too stops anyone mailing one person from many addresses,
    and it is counted whether or not an account has it, which so stays a secret."""
    email = request.POST.get("email", "").strip().lower()
    return ratelimit.refuse_per_client(
        request, scope=scope, rates=rates, doing=doing, also=(f"email:{email}",)
    )


class PasswordResetView(auth_views.PasswordResetView):
    @property
    def extra_email_context(self) -> dict:
        # Links in e-mails point at the public address, as in every other e-mail we send.
        return {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL}

    def post(self, request, *args, **kwargs):
        limits = settings.PASSWORD_RESET_RATE_LIMITS
        doing = _("asking for password resets")
        if refusal := _too_fast(request, scope="password-reset", rates=limits, doing=doing):
            return refusal
        return super().post(request, *args, **kwargs)


def _safe_next(request) -> str:
    """The `next` page asked for, if it is on this site; otherwise ""."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    """Show the sign-up form; on a valid POST create the account, sign in and go on."""
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    if request.method == "POST":
        doing = _("signing up")
        if refusal := _too_fast(
            request, scope="signup", rates=settings.SIGNUP_RATE_LIMITS, doing=doing
        ):
            return refusal
    form = SignUpForm(data=request.POST) if request.method == "POST" else SignUpForm()
    if form.is_bound and form.is_valid():
        try:
            user = form.save()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The password was just set, not checked: name the backend that would check it.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            notifications.address_confirmation_send(user=user)
            messages.info(
                request,
                _("We sent a link to %(email)s: open it to confirm the address, and replies "
                  "to your comments will be e-mailed to you.") % {"email": user.email},
            )  # fmt: skip
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_address(request, token: str):
    """The link e-mailed at sign-up: GET asks (mail scanners open links), POST confirms."""
    try:
        user = notifications.user_from_confirmation(token)
    except signing.BadSignature:
        return render(request, "registration/confirm_address.html", {"invalid": True}, status=400)
    if request.method == "POST":
        notifications.address_confirm(user=user)
        return render(request, "registration/confirm_address.html", {"done": True, "who": user})
    return render(request, "registration/confirm_address.html", {"who": user})

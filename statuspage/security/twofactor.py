"""Two-factor sign-in to the admin: a code from an authenticator app (TOTP, django-otp).

Staff who set up an app enter its code with their password at the admin's sign-in; a
wrong code counts as a failed sign-in for django-axes, besides django-otp's own
throttling. With ``STAFF_REQUIRE_2FA`` on, staff without an app are sent to set one up
(``/admin/two-factor/``) before they see anything else in the admin. A lost phone: a
superuser deletes the member's device under *TOTP devices*, and they set up a new one.
"""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

CODE_HELP = "The 6-digit code your authenticator app shows for this site."
CODE_WIDGET = forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"})
DEVICE_NAME = "Authenticator app"


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's sign-in, with the authenticator code for staff who set one up."""

    code = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=10,
        help_text=CODE_HELP + " Leave empty if you have not set up two-factor sign-in.",
        widget=CODE_WIDGET,
    )

    def clean(self):
        cleaned = super().clean()  # the password, counted by django-axes
        user = self.get_user()
        if user is not None and has_device(user):
            user.otp_device = self._verified_device(user, cleaned.get("code", "").strip())
        return cleaned

    def _verified_device(self, user, code: str):
        if not code:
            raise forms.ValidationError(
                "Enter the code from your authenticator app.", code="code_required"
            )
        with transaction.atomic():
            for device in devices_for_user(user, for_verify=True):
                if device.verify_token(code):
                    return device
        # Guessing codes is guessing a password: django-axes counts it towards a lockout.
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=self.request
        )
        raise forms.ValidationError(
            "That code is wrong or has expired. Enter the code your app shows now.",
            code="invalid_code",
        )


class SetupForm(forms.Form):
    code = forms.CharField(
        label="Code from the app",
        max_length=10,
        help_text=CODE_HELP,
        widget=CODE_WIDGET,
    )


def has_device(user) -> bool:
    """Whether ``user`` has a confirmed authenticator app, asked once per request."""
    if not hasattr(user, "_has_otp_device"):
        user._has_otp_device = user_has_device(user)
    return user._has_otp_device


def must_set_up(user) -> bool:
    return settings.STAFF_REQUIRE_2FA and user.is_active and user.is_staff and not has_device(user)


def verified_staff(user) -> bool:
    """Whether ``user`` may use staff powers, in the admin or on the public site: active
    staff, signed in with their authenticator app's code if they have one, and with one at
    all if ``STAFF_REQUIRE_2FA`` is on.

    ``is_verified`` comes from django-otp's middleware; a user loaded any other way has
    no verified sign-in.
    """
    if not (user.is_active and user.is_staff):
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return True
    return not settings.STAFF_REQUIRE_2FA and not has_device(user)


class TwoFactorAdminSite(admin.AdminSite):
    """The admin, open to staff verified by their authenticator app when they have one,
    and, when ``STAFF_REQUIRE_2FA`` is on, to no staff member without one."""

    login_form = StaffLoginForm
    login_template = "admin/staff_login.html"

    def has_permission(self, request) -> bool:
        return verified_staff(request.user)

    def login(self, request, extra_context=None):
        if request.method == "GET" and must_set_up(request.user):
            return redirect("admin:two_factor")
        return super().login(request, extra_context)

    def get_urls(self):
        view = never_cache(self.two_factor_view)
        return [path("two-factor/", view, name="two_factor"), *super().get_urls()]

    def two_factor_view(self, request):
        return setup(request, site=self)


def _qr_svg(text: str) -> str:
    """``text`` as a QR code, an inline SVG element (no image request, nothing to fetch)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=8)
    return image.to_string(encoding="unicode")


def setup(request, *, site):
    """Set up an authenticator app: scan the code or type the key, then confirm with a code.

    Staff who already have a confirmed app see that, and cannot add another here: a
    session signed in without its code must not be able to replace it.
    """
    user = request.user
    if not (user.is_active and user.is_staff):
        return redirect_to_login(request.get_full_path(), "admin:login")
    context = {**site.each_context(request), "title": "Two-factor sign-in"}
    if must_set_up(user):
        context["available_apps"] = []  # no way into the rest of the admin before it is done
    if has_device(user):
        return TemplateResponse(request, "admin/two_factor.html", {**context, "active": True})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name=DEVICE_NAME)
    form = SetupForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is on: you will enter a code each time.")
            return redirect("admin:index")
        form.add_error("code", "That code does not match. Enter the code your app shows now.")
    context.update(
        form=form,
        qr_svg=mark_safe(_qr_svg(device.config_url)),  # noqa: S308 (made here, from our key)
        key=" ".join(_chunks(b32encode(device.bin_key).decode())),
        required=settings.STAFF_REQUIRE_2FA,
    )
    return TemplateResponse(request, "admin/two_factor.html", context)


def _chunks(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]

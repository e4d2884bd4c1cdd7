"""The subscription pages: sign up (e-mail or webhook), confirm, manage, unsubscribe."""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from statuspage.common.forms import add_service_errors
from statuspage.security import ratelimit
from statuspage.subscriptions import services, tokens
from statuspage.subscriptions.forms import ManageForm, SubscribeForm, WebhookForm
from statuspage.subscriptions.models import Webhook


def _too_many_signups(request) -> HttpResponse | None:
    """Per address, and per e-mail address asked for (or chat hook, which has none):
    nobody is sent a stream of mails or chat messages."""
    post = request.POST
    email = post.get("email") or post.get("hook-email") or post.get("hook-url") or ""
    return ratelimit.refuse_per_client(
        request,
        scope="subscribe",
        rates=settings.SUBSCRIBE_RATE_LIMITS,
        doing="signing up",
        also=(f"email:{email.strip().lower()}",),
    )


# No CSRF token: the form is also on the service pages, which are kept and given to every
# anonymous reader alike, so they cannot carry one. Signing up carries no authority a
# forged post could borrow: no session is read or written, nothing is sent but the
# confirmation to the address given, and the sign-up rate limits apply.
@csrf_exempt
def subscribe(request):
    """Sign up for e-mail or a webhook; both are confirmed first: by e-mail, or, for a
    Slack, Teams or Discord hook, by a message posted to the chat."""
    email_form = SubscribeForm(request.POST if "subscribe" in request.POST else None)
    hook_form = WebhookForm(request.POST if "webhook" in request.POST else None, prefix="hook")
    if request.method == "POST":
        if refusal := _too_many_signups(request):
            return refusal
        form = email_form if "subscribe" in request.POST else hook_form
        if form.is_valid():
            try:
                if form is email_form:
                    recipient = services.subscriber_subscribe(**form.cleaned_data)
                else:
                    recipient = services.webhook_register(**form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error, fallback="email")
            else:
                context = {"email": form.cleaned_data["email"], "recipient": recipient}
                return render(request, "statuspage/subscribe_sent.html", context)
    status = 400 if (email_form.errors or hook_form.errors) else 200
    context = {"form": email_form, "hook_form": hook_form}
    return render(request, "statuspage/subscribe.html", context, status=status)


def _recipient(token: str, **kwargs):
    try:
        return tokens.from_token(token, **kwargs)
    except (signing.BadSignature, LookupError):
        return None


@never_cache  # addressed by a secret token: no shared or browser cache may keep it
def subscription_confirm(request, token: str):
    try:
        recipient, chosen, all_services = tokens.confirmation_from_token(token)
    except (signing.BadSignature, LookupError):
        return render(request, "statuspage/subscription_invalid.html", status=400)
    if request.method == "POST":
        first = recipient.confirmed_at is None
        services.subscription_confirm(
            recipient=recipient, services=chosen, all_services=all_services
        )
        context = {"confirmed": recipient, "manage_token": tokens.token_for(recipient)}
        # A webhook's signing secret is shown to its owner once, when first confirmed; the
        # manage page rolls a new one.
        if isinstance(recipient, Webhook) and not recipient.is_chat and first:
            context["secret"] = recipient.secret
        return render(request, "statuspage/subscription_done.html", context)
    return render(request, "statuspage/subscription_confirm.html", {"recipient": recipient})


def _chosen(recipient):
    return [] if recipient.all_services else recipient.services.all()


@never_cache  # addressed by a secret token: no shared or browser cache may keep it
def subscription_manage(request, token: str):
    recipient = _recipient(token)
    if recipient is None:
        return render(request, "statuspage/subscription_invalid.html", status=400)
    if request.method == "POST" and "roll" in request.POST and isinstance(recipient, Webhook):
        secret = services.webhook_roll_secret(hook=recipient)
        form = ManageForm(initial={"services": _chosen(recipient)})
        context = {"recipient": recipient, "form": form, "token": token, "secret": secret}
        return render(request, "statuspage/subscription_manage.html", context)
    data = request.POST if request.method == "POST" else None  # none ticked is a choice too
    form = ManageForm(data, initial={"services": _chosen(recipient)})
    if request.method == "POST" and form.is_valid():
        services.subscription_change_services(
            recipient=recipient, services=form.cleaned_data["services"]
        )
        messages.success(request, "Saved.")
        return redirect(request.path)
    context = {"recipient": recipient, "form": form, "token": token}
    return render(
        request, "statuspage/subscription_manage.html", context, status=400 if form.errors else 200
    )


@csrf_exempt  # the signed token is the credential; mail clients post without a session
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscription_unsubscribe(request, token: str):
    """POST stops (a mail client's one-click unsubscribe, RFC 8058, or the button); GET,
    what a reader who opens the address gets, and what link checkers fetch, only asks."""
    recipient = _recipient(token)
    if recipient is None:
        return render(request, "statuspage/subscription_invalid.html", status=400)
    if request.method != "POST":
        context = {"recipient": recipient, "token": token}
        return render(request, "statuspage/subscription_unsubscribe.html", context)
    services.subscription_stop(recipient=recipient)
    return render(request, "statuspage/subscription_done.html", {"unsubscribed": recipient})

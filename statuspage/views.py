from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from statuspage import selectors
from statuspage.caching.pages import page_number, public_page
from statuspage.forms import ManageForm, SubscribeForm, WebhookForm, add_service_errors
from statuspage.security import ratelimit
from statuspage.subscriptions import services as subscriptions


@public_page
def home(request):
    return render(request, "statuspage/home.html", selectors.home_page())


@public_page
def home_timeline(request):
    """The active events block of `/`, fetched again by open pages."""
    return render(request, "statuspage/includes/home_live.html", selectors.home_live())


@public_page
def services(request):
    return render(request, "statuspage/services.html", selectors.services_page())


@public_page
def service_detail(request, slug: str):
    return render(request, "statuspage/service_detail.html", selectors.service_page(slug=slug))


@public_page(query={"page": page_number})
def maintenance_detail(request, slug: str):
    context = selectors.maintenance_page(slug=slug, page=request.GET.get("page"))
    return render(request, "statuspage/maintenance_detail.html", context)


@public_page(query={"page": page_number})
def incident_detail(request, slug: str):
    context = selectors.incident_page(slug=slug, page=request.GET.get("page"))
    return render(request, "statuspage/incident_detail.html", context)


@public_page
def maintenance_timeline(request, slug: str):
    context = selectors.maintenance_page(slug=slug)
    return render(request, "statuspage/includes/event_live.html", context)


@public_page
def incident_timeline(request, slug: str):
    context = selectors.incident_page(slug=slug)
    return render(request, "statuspage/includes/event_live.html", context)


@public_page(query={"page": page_number})
def history(request):
    context = selectors.history_page(page=request.GET.get("page"))
    return render(request, "statuspage/history.html", context)


@public_page
def social(request):
    return render(request, "statuspage/social.html", selectors.social_page())


def _too_many_signups(request) -> HttpResponse | None:
    """Per address, and per e-mail address asked for: nobody is sent a stream of mails."""
    email = request.POST.get("email") or request.POST.get("hook-email") or ""
    return ratelimit.refuse_if_exceeded(
        request,
        scope="subscribe",
        keys=[f"ip:{ratelimit.client_address(request)}", f"email:{email.strip().lower()}"],
        rates=ratelimit.parse_rates(settings.SUBSCRIBE_RATE_LIMITS),
        doing="signing up",
    )


def subscribe(request):
    """Sign up for e-mail or a webhook; both are confirmed by e-mail first."""
    email_form = SubscribeForm(request.POST if "subscribe" in request.POST else None)
    hook_form = WebhookForm(request.POST if "webhook" in request.POST else None, prefix="hook")
    if request.method == "POST":
        if refusal := _too_many_signups(request):
            return refusal
        form = email_form if "subscribe" in request.POST else hook_form
        if form.is_valid():
            try:
                if form is email_form:
                    subscriptions.subscriber_subscribe(**form.cleaned_data)
                else:
                    subscriptions.webhook_register(**form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error, fallback="email")
            else:
                return render(
                    request, "statuspage/subscribe_sent.html", {"email": form.cleaned_data["email"]}
                )
    status = 400 if (email_form.errors or hook_form.errors) else 200
    context = {"form": email_form, "hook_form": hook_form}
    return render(request, "statuspage/subscribe.html", context, status=status)


def _recipient(token: str, **kwargs):
    try:
        return subscriptions.from_token(token, **kwargs)
    except (signing.BadSignature, LookupError):
        return None


@never_cache  # addressed by a secret token: no shared or browser cache may keep it
def subscription_confirm(request, token: str):
    try:
        recipient, services = subscriptions.confirmation_from_token(token)
    except (signing.BadSignature, LookupError):
        return render(request, "statuspage/subscription_invalid.html", status=400)
    if request.method == "POST":
        subscriptions.confirm(recipient=recipient, services=services)
        return render(request, "statuspage/subscription_done.html", {"confirmed": recipient})
    return render(request, "statuspage/subscription_confirm.html", {"recipient": recipient})


@never_cache  # addressed by a secret token: no shared or browser cache may keep it
def subscription_manage(request, token: str):
    recipient = _recipient(token)
    if recipient is None:
        return render(request, "statuspage/subscription_invalid.html", status=400)
    form = ManageForm(request.POST or None, initial={"services": recipient.services.all()})
    if request.method == "POST" and form.is_valid():
        subscriptions.change_services(recipient=recipient, services=form.cleaned_data["services"])
        messages.success(request, "Saved.")
        return redirect(request.path)
    context = {"recipient": recipient, "form": form, "token": token}
    return render(
        request, "statuspage/subscription_manage.html", context, status=400 if form.errors else 200
    )


@csrf_exempt  # the signed token is the credential; mail clients post without a session
@never_cache
@require_POST
def subscription_unsubscribe(request, token: str):
    recipient = _recipient(token)
    if recipient is None:
        return render(request, "statuspage/subscription_invalid.html", status=400)
    subscriptions.unsubscribe(recipient=recipient)
    return render(request, "statuspage/subscription_done.html", {"unsubscribed": recipient})

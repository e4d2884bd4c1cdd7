"""The staff's admin site: the console first (``statuspage.console``), then every model
grouped in the words staff use, not by the apps that happen to define them.

Two-factor sign-in is its parent's (``security.twofactor.TwoFactorAdminSite``).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from faq import selectors as faq_selectors
from faq import services as faq_services
from faq.forms import PublicNameForm
from faq.models import Comment
from faq.powers import comment_powers
from statuspage import console
from statuspage.automation import alerting
from statuspage.security.twofactor import TwoFactorAdminSite

# (group, [(app label, model name, the name staff see or None for the model's own)])
GROUPS = [
    (
        gettext_lazy("Status"),
        [
            ("statuspage", "maintenancewindow", None),
            ("statuspage", "incident", None),
            ("statuspage", "statusupdate", gettext_lazy("Updates")),
            ("statuspage", "service", None),
            ("statuspage", "servicegroup", None),
            ("statuspage", "crosspost", gettext_lazy("Progress posts on the networks")),
            ("statuspage", "updatetemplate", None),
            ("statuspage", "statuschange", gettext_lazy("Service history")),
            ("statuspage", "alert", None),
            ("statuspage", "alertreceiver", None),
        ],
    ),
    (
        gettext_lazy("FAQs and comments"),
        [
            ("faq", "faq", None),
            ("faq", "comment", None),
            ("faq", "heldcomment", None),
            ("faq", "teammember", None),
        ],
    ),
    (
        gettext_lazy("Subscribers"),
        [
            ("statuspage", "subscriber", None),
            ("statuspage", "webhook", None),
            ("statuspage", "notification", gettext_lazy("Notifications sent")),
        ],
    ),
    (
        gettext_lazy("Staff and security"),
        [
            ("auth", "user", gettext_lazy("Staff and customer accounts")),
            ("auth", "group", gettext_lazy("Staff roles")),
            ("faq", "profile", gettext_lazy("Public names and roles")),
            ("otp_totp", "totpdevice", gettext_lazy("Authenticator apps")),
            ("axes", "accessattempt", gettext_lazy("Failed sign-ins (lockouts)")),
            ("axes", "accessfailurelog", gettext_lazy("Failed sign-ins, each")),
            ("axes", "accesslog", gettext_lazy("Sign-ins")),
            ("auditlog", "logentry", gettext_lazy("Audit trail")),
            ("statuspage", "apikey", None),
        ],
    ),
]


class StaffAdminSite(TwoFactorAdminSite):
    index_template = "admin/console.html"

    def get_urls(self):
        answer = self.admin_view(self.answer_view)
        public_name = self.admin_view(self.public_name_view)
        return [
            path("console/answer/<int:pk>/", answer, name="console_answer"),
            path("console/who-customers-see/", public_name, name="console_public_name"),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None, *, refused: Comment | None = None):
        """``refused``: a question whose answer was refused, with ``answer`` (what was typed
        and why), shown first even if it is no longer waiting (its thread closed meanwhile).

        Staff who answer customers are asked first for the name and role customers see."""
        if request.method == "GET" and faq_selectors.public_name_unconfirmed(request.user):
            query = urlencode({"next": reverse("admin:index")})
            return redirect(f"{reverse('admin:console_public_name')}?{query}")
        state = console.console()
        for question in state.questions:
            question.answer = {}
        if refused is not None:
            state.questions = [refused, *(q for q in state.questions if q.pk != refused.pk)]
        context = {
            "console": state,
            "alert_drafts": (
                alerting.console_drafts()
                if request.user.has_perm("statuspage.view_incident")
                else []
            ),
            "can_answer": comment_powers(request.user).answer,
            "title": _("What needs doing now"),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def get_app_list(self, request, app_label=None):
        """Every model staff may see, in ``GROUPS``' order and names; one not listed there
        (a new one) last, under its app's name."""
        apps = super().get_app_list(request, app_label)
        if app_label:
            return apps
        models = {_key(app, model): model for app in apps for model in app["models"]}
        grouped = []
        for group, members in GROUPS:
            shown = []
            for label, name, title in members:
                model = models.pop((label, name), None)
                if model is not None:
                    shown.append({**model, "name": title or model["name"]})
            if shown:
                slug = slugify(str(group))
                grouped.append(
                    {
                        "name": group,
                        "app_label": slug,
                        "app_url": f"{reverse('admin:index')}#{slug}",
                        "models": shown,
                    }
                )
        rest = [
            {**app, "models": [model for model in app["models"] if _key(app, model) in models]}
            for app in apps
        ]
        return grouped + [app for app in rest if app["models"]]

    def answer_view(self, request, pk: int):
        """Post an official reply to a customer's question, from the console."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not comment_powers(request.user).answer:
            raise PermissionDenied
        question = get_object_or_404(Comment.objects.select_related("faq"), pk=pk, parent=None)
        body = request.POST.get("body", "")
        try:
            faq_services.comment_post(
                faq=question.faq, author=request.user, body=body, parent=question
            )
        except ValidationError as error:
            # Back to the console with the words kept and the reason beside them.
            question.answer = {"body": body, "errors": error.messages}
            return self.index(request, refused=question)
        messages.success(
            request, _("Answered %(name)s on the FAQ.") % {"name": question.author_name}
        )
        return redirect("admin:index")

    def public_name_view(self, request):
        """Who customers see: the name and role on one's official replies and in the e-mails
        about them; back to ``next`` (an admin page) or the console once saved."""
        user = request.user
        profile = getattr(user, "profile", None)
        confirmed = profile is not None and profile.public_name_confirmed_at is not None
        initial = {
            "name": profile.name if confirmed else user.get_full_name(),
            "role": profile.role if profile is not None else "",
        }
        form = PublicNameForm(
            request.POST or None, initial=initial, role_required=comment_powers(user).answer
        )
        if form.is_valid():
            try:
                profile = faq_services.profile_set_public(user=user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Customers now see you as %(name)s.") % {"name": profile.name}
                )
                return redirect(_admin_page(request, request.GET.get("next", "")))
        context = {
            **self.each_context(request),
            "title": _("Who customers see"),
            "form": form,
        }
        return TemplateResponse(request, "admin/public_name.html", context)


def _admin_page(request, url: str) -> str:
    """``url`` if it is a page of this admin on this site, else the console."""
    console_url = reverse("admin:index")
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe and url.startswith(console_url) else console_url


def _key(app: dict, model: dict) -> tuple[str, str]:
    return app["app_label"], model["object_name"].lower()

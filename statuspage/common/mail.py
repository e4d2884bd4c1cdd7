"""The one way this site sends e-mail: rendered from templates, text and, for notices, HTML."""

from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template import Context, Engine


def send(*, to: list[str], template: str, context: dict, headers: dict | None = None) -> int:
    """Render ``template``_subject.txt and ``template``.txt and send them to ``to``."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    # Collapsing all whitespace keeps a newline out of the header (no header injection).
    subject = " ".join(render_text(f"{template}_subject.txt", context).split())
    body = render_text(f"{template}.txt", context)
    return _message(subject, body, to, headers).send()


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping: `Tom & Jerry` stays as typed.

    Done here, not with ``{% autoescape off %}`` in each template, so that no mail template
    can forget it. Engine.render_to_string keeps a Context's ``autoescape``; the backend's
    ``render_to_string`` would escape.
    """
    return Engine.get_default().render_to_string(template_name, Context(context, autoescape=False))


def send_text(
    *,
    to: str,
    subject: str,
    body: str,
    html: str = "",
    headers: dict | None = None,
    connection: BaseEmailBackend | None = None,
) -> int:
    """Send an already written message, with its HTML part if given, over ``connection``
    (an open one is left open for the next message); SMTP errors are the caller's."""
    message = _message(subject, body, [to], headers)
    if html:
        message.attach_alternative(html, "text/html")
    message.connection = connection
    return message.send()


def _message(
    subject: str, body: str, to: list[str], headers: dict | None
) -> EmailMultiAlternatives:
    """From: DEFAULT_FROM_EMAIL; the envelope sender, where bounces go, EMAIL_BOUNCE_ADDRESS
    if set (Django sends from ``from_email`` and writes the From header given)."""
    sender = settings.DEFAULT_FROM_EMAIL
    envelope = settings.EMAIL_BOUNCE_ADDRESS or parseaddr(sender)[1]
    headers = {"From": sender, **(headers or {})}
    return EmailMultiAlternatives(subject, body, envelope, to, headers=headers)

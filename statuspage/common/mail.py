"""The one way this site sends e-mail: rendered from templates, plain text."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context, Engine


def send(*, to: list[str], template: str, context: dict, headers: dict | None = None) -> int:
    """Render ``template``_subject.txt and ``template``.txt and send them to ``to``."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    # Collapsing all whitespace keeps a newline out of the header (no header injection).
    subject = " ".join(_render_text(f"{template}_subject.txt", context).split())
    body = _render_text(f"{template}.txt", context)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to, headers=headers)
    return message.send()


def _render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping: `Tom & Jerry` stays as typed.

    Done here, not with ``{% autoescape off %}`` in each template, so that no mail template
    can forget it. Engine.render_to_string keeps a Context's ``autoescape``; the backend's
    ``render_to_string`` would escape.
    """
    return Engine.get_default().render_to_string(template_name, Context(context, autoescape=False))


def send_text(*, to: str, subject: str, body: str, headers: dict | None = None) -> int:
    """Send an already written message; SMTP errors are the caller's to handle."""
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    return message.send()

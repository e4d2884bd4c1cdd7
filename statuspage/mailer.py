"""The one way this site sends e-mail: rendered from templates, plain text."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def send(*, to: list[str], template: str, context: dict, headers: dict | None = None) -> int:
    """Render ``template``_subject.txt and ``template``.txt and send them to ``to``."""
    context = {"site_name": settings.SITE_NAME, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}.txt", context)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to, headers=headers)
    return message.send()


def send_text(*, to: str, subject: str, body: str, headers: dict | None = None) -> int:
    """Send an already written message; SMTP errors are the caller's to handle."""
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    return message.send()

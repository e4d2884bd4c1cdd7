from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext

register = template.Library()


@register.filter
def comment_text(text: str) -> str:
    """A customer's plain text: escaped, paragraphs kept, links made clickable."""
    html = urlize(text, nofollow=True, autoescape=True)
    # urlize escaped the reader's text, so this attribute can only be its own.
    html = html.replace('rel="nofollow"', 'rel="nofollow ugc noopener"')
    return mark_safe(linebreaks(html, autoescape=False))  # noqa: S308 - escaped above


@register.filter
def ago(moment) -> str:
    """“4 hours ago”: the largest unit only, which is all a reader needs; “just now” under
    a minute (or a moment ahead of our clock), rather than “0 minutes ago”."""
    if timezone.now() - moment < timedelta(minutes=1):
        return gettext("just now")
    return gettext("%(time)s ago") % {"time": timesince(moment, depth=1)}

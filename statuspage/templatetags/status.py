from datetime import UTC
from functools import lru_cache

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format, number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from statuspage.common.text import render_markdown
from statuspage.common.times import describe_window, short_date, utc_time
from statuspage.outbox.channels import x

register = template.Library()


@register.filter
def markdown(text: str) -> str:
    """Staff Markdown as sanitised HTML (see statuspage.common.text)."""
    return mark_safe(render_markdown(text))  # noqa: S308 - nh3 has sanitised it


@register.filter
def window_times(window) -> str:
    """“Saturday 26 October 2013, 11:00–15:00 UK time (10:00–14:00 UTC)”."""
    return describe_window(
        window.scheduled_start, window.scheduled_end, window.zone, window.time_zone_label
    )


@register.filter
def hours(duration) -> str:
    total = int(duration.total_seconds() // 60)
    h, m = divmod(total, 60)
    text = f"{h} hour{'s' if h != 1 else ''}" if h else ""
    return f"{text} {m} min".strip() if m else text


@register.filter
def event_time(moment, event) -> str:
    """“26 Oct 2013, 11:05 UK time (10:05 UTC)”: the event's zone first, then UTC."""
    local = moment.astimezone(event.zone)
    utc = moment.astimezone(UTC)
    label = event.time_zone_label or local.tzname()
    if label == "UTC":
        return utc_time(moment)
    return f"{short_date(local)} {local.year}, {local:%H:%M} {label} ({utc:%H:%M} UTC)"


@register.filter
def machine_time(moment) -> str:
    """A moment as ``<time datetime>`` wants it: UTC, to the second (HTML allows no
    microseconds)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


@register.filter
def hashtag_url(hashtag: str) -> str:
    return x.hashtag_url(hashtag)


@register.simple_tag
def uptime_bars(strip, name: str) -> str:
    """A strip of daily bars (statuspage/history.py) as HTML. Built here rather than in a
    template: a page of 30 services draws 2,700 bars, and a template loop over them costs
    twenty times as much. Each bar's words are in the page, hidden until the bar is hovered,
    focused or tapped, and read by screen readers as they are: the date, the downtime, the
    incidents and windows of the day."""
    language = get_language()
    bars = []
    for bar in strip.bars:
        if not (bar.downtime or bar.events):  # most days: the same words for every row
            bars.append(_quiet_bar(bar.day, bool(bar.counted), language))
            continue
        words = escape(_downtime_words(bar.downtime_minutes, language)) if bar.downtime else ""
        events = "".join(
            f'<span>{escape(event.kind)}: <a href="{escape(event.url)}">{escape(event.title)}</a>'
            "</span>"
            for event in bar.events
        )
        # Terse: a page of 30 services has 2,700 of these (site.css: .uptime__days).
        bars.append(
            f'<li class="{bar.level}" tabindex="0"><span><b>{_day_label(bar.day, language)}</b> '
            f'<i aria-hidden="true"></i>{words or escape(_("No downtime"))}{events}</span></li>'
        )
    if strip.uptime_percent is None:
        percent = _("No figures yet")
    else:
        percent = _("%(percent)s%% uptime over 90 days") % {
            "percent": floatformat(strip.uptime_percent, "-2")
        }
    return format_html(
        '<div class="uptime"><ol class="uptime__days" aria-label="{}">{}</ol>'
        '<p class="uptime__legend"><span class="uptime__far" aria-hidden="true">'
        '<span class="uptime__ninety">{}</span><span class="uptime__thirty">{}</span></span> '
        '<span class="uptime__percent">{}</span> <span aria-hidden="true">{}</span></p></div>',
        _("%(name)s, day by day (UTC)") % {"name": name},
        mark_safe("".join(bars)),  # noqa: S308 - every part escaped above
        _("90 days ago"),
        _("30 days ago"),
        percent,
        _("Today"),
    )


@lru_cache(maxsize=1024)
def _day_label(day, language: str) -> str:
    """A bar's date, once per language (``language`` keys the cache)."""
    return date_format(day, "D j M Y")


@lru_cache(maxsize=1024)
def _quiet_bar(day, counted: bool, language: str) -> str:
    """A day with no downtime and nothing to link: tapped or clicked, not tabbed to."""
    words = _("No downtime") if counted else _("No figures yet")
    return (
        f'<li class="{"up" if counted else "none"}" tabindex="-1"><span><b>'
        f'{_day_label(day, language)}</b> <i aria-hidden="true"></i>{escape(words)}</span></li>'
    )


@lru_cache(maxsize=4096)
def _downtime_words(minutes: int, language: str) -> str:
    return ngettext("%(count)s minute of downtime", "%(count)s minutes of downtime", minutes) % {
        "count": number_format(minutes, force_grouping=True)
    }

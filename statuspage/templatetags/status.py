from datetime import UTC
from functools import lru_cache

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext

from statuspage import strips
from statuspage.common.text import render_markdown, spoken_list
from statuspage.common.times import describe_window, short_date, utc_time
from statuspage.outbox.channels import networks_on, x

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


@register.simple_tag
def post_networks() -> str:
    """“X, Mastodon and Bluesky”: the networks progress is posted on ("" if none)."""
    return spoken_list([network.label for network in networks_on()])


@register.simple_tag
def x_is_on() -> bool:
    return not x.CHANNEL.missing_settings()


@register.filter
def hashtag_url(hashtag: str) -> str:
    return x.hashtag_url(hashtag)


@register.simple_tag
def uptime_bars(strip, name: str) -> str:
    """A strip of daily bars (statuspage/history.py) as HTML (statuspage/strips.py)."""
    return strips.render(strip, name)


@register.simple_tag
def uptime_cells(months: list[dict]) -> str:
    """A service's row of months on /uptime/ (statuspage/history.py, ``by_month``), in
    Python: 800 services are 9,600 cells, which a template loop takes a third of a second
    over. Most cells are alike (“100%”), so each cell's words are drawn once per language."""
    language = get_language()
    return mark_safe(  # noqa: S308 - _month_cell escapes
        "".join(
            _month_cell(month["uptime_percent"], month["downtime_minutes"], language)
            for month in months
        )
    )


@lru_cache(maxsize=4096)
def _month_cell(percent: float | None, minutes: int, language: str) -> str:
    if percent is None:
        return "<td>—</td>"
    down = ""
    if minutes:
        words = ngettext("%(count)s min down", "%(count)s min down", minutes) % {
            "count": number_format(minutes, force_grouping=True)
        }
        down = f'<span class="uptime-table__down">{escape(words)}</span>'
    return f"<td>{escape(floatformat(percent, '-2'))}%{down}</td>"

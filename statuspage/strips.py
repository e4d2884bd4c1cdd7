"""Rows of daily bars as HTML, drawn once and kept.

A row's finished days do not change until its history does, so `/` need not walk, count
and draw its 3,600 bars on every render. ``kept`` keeps each row's finished days as the
HTML they were drawn as (``KeptStrip``), with the figures that bring today's bar and the
uptime up to the minute: each service's downtime so far and the status it is in, whose
weight says how its downtime grows until its next change. A committed write the bars read
(a status change, an incident or a window, a service or a group) moves ``HistoryStamp``,
and a row drawn before it is drawn afresh when next read; so is every row on a new UTC day,
and in each language and partial-outage weight.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db.models import F, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from statuspage import history, uptime
from statuspage.common.commits import once_after_commit
from statuspage.models import (
    HistoryStamp,
    Incident,
    KeptStrip,
    MaintenanceWindow,
    Service,
    ServiceGroup,
    StatusChange,
)

# The way rows are drawn and their figures kept: a release that changes either changes this,
# and the rows kept by the one before are drawn again.
DRAWING = 1


def render(strip: history.Strip, name: str) -> str:
    """A strip of daily bars as HTML. Each bar's words are in the page, hidden until the
    bar is hovered, focused or tapped, and read by screen readers as they are: the date,
    the downtime, the incidents and windows of the day."""
    words = _words(get_language())
    if strip.uptime_percent is None:
        percent = words["no figures"]
    else:
        percent = words["uptime"] % {"percent": floatformat(strip.uptime_percent, "-2")}
    return mark_safe(  # noqa: S308 - the words escaped here, the bars by bars() below
        f'<div class="uptime"><ol class="uptime__days" aria-label="'
        f'{escape(words["label"] % {"name": name})}">{strip.kept}{bars(strip.bars)}</ol>'
        f'<p class="uptime__legend"><span class="uptime__far" aria-hidden="true">'
        f'<span class="uptime__ninety">{words["90"]}</span><span class="uptime__thirty">'
        f'{words["30"]}</span></span> <span class="uptime__percent">{escape(percent)}</span> '
        f'<span aria-hidden="true">{words["today"]}</span></p></div>'
    )


@lru_cache(maxsize=64)
def _words(language: str) -> dict[str, str]:
    """A strip's fixed words, once per language (``language`` keys the cache): `/` draws
    40 strips, and looking each word up again costs more than drawing the bars."""
    return {
        "no figures": _("No figures yet"),
        "uptime": _("%(percent)s%% uptime over 90 days"),
        "label": _("%(name)s, day by day (UTC)"),
        "90": escape(_("90 days ago")),
        "30": escape(_("30 days ago")),
        "today": escape(_("Today")),
    }


def bars(days: list[history.Bar]) -> str:
    """Bars as HTML, in Python rather than a template: a page of 30 services draws 2,700,
    and a template loop over them costs twenty times as much."""
    language = get_language()
    drawn = []
    for bar in days:
        if not (bar.downtime or bar.events):  # most days: the same words for every row
            drawn.append(_quiet_bar(bar.day, bool(bar.counted), language))
            continue
        words = escape(_downtime_words(bar.downtime_minutes, language)) if bar.downtime else ""
        events = "".join(
            f'<span>{escape(event.kind)}: <a href="{escape(event.url)}">{escape(event.title)}</a>'
            "</span>"
            for event in bar.events
        )
        # Terse: a page of 30 services has 2,700 of these (site.css: .uptime__days).
        drawn.append(
            f'<li class="{bar.level}" tabindex="0"><span><b>{_day_label(bar.day, language)}</b> '
            f'<i aria-hidden="true"></i>{words or _no_downtime(language)}{events}</span></li>'
        )
    return mark_safe("".join(drawn))  # noqa: S308 - every part escaped above


def kept(keys: list[str], rows: Callable[[], dict], *, now: datetime | None = None) -> dict:
    """``{key: Strip}``: the last 90 days of each row named in ``keys``, from the rows kept
    drawn (one query), drawing and keeping those not kept. ``rows()`` gives ``{key:
    [services]}`` as ``history.strips`` takes them, and is only called for a row to draw."""
    now = now or timezone.now()
    last = history.today(now)
    variant = f"{get_language()}:{settings.UPTIME_PARTIAL_WEIGHT}:{DRAWING}"
    stamp = Coalesce(Subquery(HistoryStamp.objects.filter(pk=1).values("value")), 0)
    kept_rows = KeptStrip.objects.filter(key__in=keys, variant=variant, day=last, stamp=stamp)
    found = {
        key: (html, figures, drawn_at)
        for key, html, figures, drawn_at in kept_rows.values_list(
            "key", "html", "figures", "drawn_at"
        )
    }
    if len(found) < len(keys):
        missing = set(keys) - set(found)
        found.update(_draw({k: v for k, v in rows().items() if k in missing}, variant, now))
    return {key: _to_the_minute(*found[key], now) for key in keys if key in found}


def _draw(rows: dict, variant: str, now: datetime) -> dict[str, tuple[str, dict, datetime]]:
    # Read before the history: a change meanwhile moves it on, and the rows are drawn again.
    stamp = HistoryStamp.objects.filter(pk=1).values_list("value", flat=True).first() or 0
    last = history.today(now)
    first = last - timedelta(days=history.DAYS_SHOWN - 1)
    weight = uptime.weights()
    drawn = []
    for key, strip in history.strips(rows, first, last, now=now).items():
        # A service whose status counts no downtime adds none until it changes (and the row
        # is drawn again): only the others' downtime grows, by its status's weight a minute.
        still = [(before + today, today) for before, today, status in strip.spent.values()]
        figures = {
            "still": [
                max((t for t, _ in still), default=0.0),
                max((d for _, d in still), default=0.0),
            ],
            "growing": [
                [before, today, weight[status]]
                for before, today, status in strip.spent.values()
                if weight.get(status)
            ],
            "counted": sum(bar.counted for bar in strip.bars[:-1]),
            "events": [[event.kind, event.title, event.url] for event in strip.bars[-1].events],
        }
        drawn.append(
            KeptStrip(
                key=key,
                variant=variant,
                day=last,
                stamp=stamp,
                drawn_at=now,
                html=bars(strip.bars[:-1]),
                figures=figures,
            )
        )
    KeptStrip.objects.bulk_create(
        drawn,
        update_conflicts=True,
        unique_fields=["key", "variant"],
        update_fields=["day", "stamp", "drawn_at", "html", "figures"],
    )
    return {row.key: (row.html, row.figures, row.drawn_at) for row in drawn}


def _to_the_minute(html: str, figures: dict, drawn_at: datetime, now: datetime) -> history.Strip:
    """A kept row with today's bar and the uptime as of ``now``: since it was drawn, each of
    its services has stayed in the status it was in (or the row would not hold)."""
    since = max((now - drawn_at).total_seconds() / 60, 0.0)
    today = history.today(now)
    counted_today = (now - uptime.midnight(today)).total_seconds() / 60
    worst, down_today = figures["still"]
    for before, on_the_day, per_minute in figures["growing"]:
        so_far = on_the_day + since * per_minute
        down_today = max(down_today, so_far)
        worst = max(worst, before + so_far)
    counted = figures["counted"] + counted_today
    events = [history.Event(kind, title, url) for kind, title, url in figures["events"]]
    bar = history.Bar(day=today, downtime=down_today, counted=counted_today, events=events)
    return history.Strip(
        bars=[bar],
        uptime_percent=100.0 * (1 - worst / counted) if counted else None,
        kept=html,
    )


def forget_before(day) -> None:
    """Forget the rows drawn before ``day``: no page reads them again, and a service or a
    group deleted since leaves its rows behind."""
    KeptStrip.objects.filter(day__lt=day).delete()


def _move_stamp() -> None:
    if not HistoryStamp.objects.filter(pk=1).update(value=F("value") + 1):
        HistoryStamp.objects.get_or_create(pk=1, defaults={"value": 1})


def _history_written(**kwargs) -> None:
    if kwargs.get("action", "post").startswith("pre"):
        return
    once_after_commit(_move_stamp)


def connect_signals() -> None:
    """Everything a row of bars reads, or (a service's group) which row it is in."""
    for model in (StatusChange, Service, ServiceGroup, Incident, MaintenanceWindow):
        for signal in (post_save, post_delete):
            signal.connect(_history_written, sender=model, dispatch_uid=f"strips-{model}-{signal}")
    for model in (Incident, MaintenanceWindow):
        m2m_changed.connect(
            _history_written, sender=model.services.through, dispatch_uid=f"strips-{model}-m2m"
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


@lru_cache(maxsize=64)
def _no_downtime(language: str) -> str:
    return escape(_("No downtime"))


@lru_cache(maxsize=4096)
def _downtime_words(minutes: int, language: str) -> str:
    return ngettext("%(count)s minute of downtime", "%(count)s minutes of downtime", minutes) % {
        "count": number_format(minutes, force_grouping=True)
    }

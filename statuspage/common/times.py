"""Maintenance times as customers read them: their zone first, UTC beside it."""

from datetime import UTC, datetime, tzinfo


def long_date(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def short_date(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b}"


def utc_time(moment: datetime) -> str:
    """“Sat 26 Oct 2013, 10:05 UTC”: a moment for staff, where no event's zone applies."""
    utc = moment.astimezone(UTC)
    return f"{short_date(utc)} {utc.year}, {utc:%H:%M} UTC"


def _span(start: datetime, end: datetime, *, with_date: bool) -> str:
    if start.date() != end.date():
        return f"{short_date(start)} {start:%H:%M} – {short_date(end)} {end:%H:%M}"
    prefix = f"{long_date(start)}, " if with_date else ""
    return f"{prefix}{start:%H:%M}–{end:%H:%M}"


def describe_window(start: datetime, end: datetime, zone: tzinfo, zone_label: str = "") -> str:
    """E.g. “Saturday 26 October 2013, 11:00–15:00 UK time (10:00–14:00 UTC)”.

    The UTC part repeats the dates only when they differ from the local ones.
    """
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    utc_start, utc_end = start.astimezone(UTC), end.astimezone(UTC)
    local = _span(local_start, local_end, with_date=True)
    if local_start.tzname() == "UTC" and not zone_label:
        return f"{local} UTC"
    same_dates = (utc_start.date(), utc_end.date()) == (local_start.date(), local_end.date())
    utc = _span(utc_start, utc_end, with_date=not same_dates)
    return f"{local} {zone_label or local_start.tzname()} ({utc} UTC)"

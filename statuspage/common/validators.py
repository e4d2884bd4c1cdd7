"""Checks of what staff type: a time zone's name, a hashtag."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a time zone name; use one such as Europe/London.",
            params={"value": value},
        )


validate_hashtag = RegexValidator(
    r"^#\w{1,100}$", "A hashtag is # followed by letters, digits or underscores, e.g. #dMmaint."
)

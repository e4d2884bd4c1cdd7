"""Checks of what staff type: a time zone's name, a hashtag, an update template."""

import string
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a time zone name; use one such as Europe/London.",
            params={"value": value},
        )


validate_hashtag = RegexValidator(
    r"^#\w{1,100}$", "A hashtag is # followed by letters, digits or underscores, e.g. #dMmaint."
)

# What an update template may say in braces; ``statuspage.update_templates`` fills them.
PLACEHOLDERS = ("title", "start", "end", "new_start", "new_end", "link", "hashtag")


def validate_placeholders(value: str) -> None:
    """Every ``{name}`` in ``value`` is one of ``PLACEHOLDERS``, written plainly; a brace
    meant as a brace is doubled, ``{{``."""
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError:
        raise ValidationError(
            _("A brace is not closed. Placeholders are written {title}; a brace itself {{.")
        ) from None
    for _text, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise ValidationError(
                _("“{%(name)s}” is not a placeholder. Use one of: %(known)s.")
                % {
                    "name": name
                    + (f"!{conversion}" if conversion else "")
                    + (f":{spec}" if spec else ""),
                    "known": ", ".join(f"{{{known}}}" for known in PLACEHOLDERS),
                }
            )

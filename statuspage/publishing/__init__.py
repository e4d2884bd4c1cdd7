"""The site for other programs: the Statuspage-compatible API (api/), Atom and RSS feeds,
iCalendar, embeds (badge, banner, holding page) and the static mirror. Reads only: imports
the core, faq's models, caching and common; writes nothing but the mirror's files."""

"""Maintenance FAQs: sections, impact entries, the team, comment threads with official replies,
customer accounts, and the seed FAQ and past incidents as demo content. Imports statuspage's core
models (and its services, for the demo's service history), common, caching and security."""

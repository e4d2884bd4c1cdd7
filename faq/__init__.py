"""Maintenance FAQs: sections, impact entries, the team, comment threads with official replies,
customer accounts, and the seed FAQ as demo content. Imports statuspage's core models, common,
caching and security."""

"""The management API at /api/v1, as Atlassian Statuspage's: staff's API keys, their
authentication and rate limit, its endpoints, and the alert receivers that draft incidents.
Imports the core, common and publishing's serializers; nothing imports it but the project's
urls and apps, and the admin site (the console's drafts from alerts)."""

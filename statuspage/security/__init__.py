"""Who may do what, and how often: two-factor sign-in, lockouts and idle sessions, staff
groups, the audit trail, rate limits, the editor's guarded endpoints and upload checks.
Infrastructure: imports common and the core's models, never a feature package."""

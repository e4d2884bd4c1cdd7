"""Public pages served fast and through outages: the content version, the shared page cache,
last good copies, the query parameters a page reads, the WSGI front layer, the Redis backend.
Infrastructure: imports common, never a feature (models say what readers see themselves)."""

"""Helpers every part of the site uses: Markdown and plain text, e-mail, absolute links, times,
validators, database errors, form errors. Imports Django and libraries only, nothing of ours."""

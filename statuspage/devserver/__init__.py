"""The development server of ``make run`` and ``make dev``, with a thread for tasks.

An app of its own only so that its ``runserver`` comes before whitenoise's in
``INSTALLED_APPS`` (the first app with a command wins) and wraps it.
"""

"""``/favicon.ico``, which browsers, feed readers and crawlers ask for whatever the pages'
``<link rel="icon">`` says.

The icon is the static file ``favicon.ico`` (drawn like ``favicon.svg``), taken from where
whitenoise takes ``/static/favicon.ico``: the source folders when it uses the finders (debug
mode), else the collected copy in ``STATIC_ROOT``, under its plain name, which collectstatic
keeps beside the hashed one.
"""

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import FileResponse, Http404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

NAME = "favicon.ico"


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request):
    found = finders.find(NAME) if getattr(settings, "WHITENOISE_USE_FINDERS", False) else None
    if found:
        icon = open(found, "rb")  # noqa: SIM115 - FileResponse closes it
    elif staticfiles_storage.exists(NAME):
        icon = staticfiles_storage.open(NAME)
    else:
        raise Http404
    return FileResponse(icon, content_type="image/x-icon")

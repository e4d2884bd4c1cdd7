"""The WSGI application, served by granian in production (gunicorn works too).

Django's handler, wrapped twice:

* ``caching.front.FinishedAnswers`` gives anonymous readers of public pages Django's own
  finished answers again, in front of Django, until the content version or the minute
  changes;
* a proxy on this machine that terminates TLS is believed about the scheme and the
  reader's address (``X-Forwarded-Proto``, ``X-Forwarded-For``), as gunicorn does by
  default (``--forwarded-allow-ips 127.0.0.1``) and granian does only when asked. For
  a proxy elsewhere, see ``DJANGO_SECURE_PROXY_SSL_HEADER`` in the README.
"""

import os

from django.core.wsgi import get_wsgi_application
from granian.utils.proxies import wrap_wsgi_with_proxy_headers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuspage.settings")
django_application = get_wsgi_application()  # sets Django up, before our modules load

from statuspage.caching.front import FinishedAnswers  # noqa: E402

_answers = FinishedAnswers(django_application)
_proxied = wrap_wsgi_with_proxy_headers(_answers, trusted_hosts="127.0.0.1")


def application(environ, start_response):
    # granian's wrapper parses the peer's address on every request: only when it matters.
    if "HTTP_X_FORWARDED_FOR" in environ:
        return _proxied(environ, start_response)
    return _answers(environ, start_response)

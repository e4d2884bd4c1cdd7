"""The WSGI application as the servers call it, in a production process (HTTPS only)."""

import json

from tests.production import in_production

# Calls statuspage.wsgi.application for an address that needs no database or template,
# from the given peer address with the given headers; prints statuses and redirects.
CALL = """
import io, json
from statuspage.wsgi import application

def call(peer, **headers):
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/api/v2/no-such-thing.json", "QUERY_STRING": "",
        "SERVER_NAME": "status.example.com", "SERVER_PORT": "80",
        "HTTP_HOST": "status.example.com", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO(),
        "REMOTE_ADDR": peer, **headers,
    }
    answer = []
    b"".join(application(environ, lambda status, headers, exc=None: answer.extend(
        [status.split()[0], dict(headers).get("Location")])))
    return answer

print(json.dumps({
    "plain": call("127.0.0.1"),
    "local proxy": call(
        "127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https"
    ),
    "other peer": call(
        "198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https"
    ),
}))
"""


def test_a_tls_proxy_on_this_machine_is_believed_about_https():
    result = in_production("-c", CALL)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.splitlines()[-1])
    https = "https://status.example.com/api/v2/no-such-thing.json"
    assert answers["plain"] == ["301", https]  # plain http goes to https
    assert answers["local proxy"] == ["404", None]  # already https: the page itself
    assert answers["other peer"] == ["301", https]  # anyone else could claim anything

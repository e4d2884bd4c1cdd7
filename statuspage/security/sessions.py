"""Staff and customer sessions: lockouts after failed sign-ins, and sessions that end when idle.

* django-axes counts failed sign-ins (the admin's and the public one) per pair of
  lower-cased user name and client address, and answers a locked-out pair with
  ``registration/locked_out.html`` (429, ``Retry-After``).
* A staff session ends after ``STAFF_SESSION_IDLE_MINUTES`` without a request of theirs;
  every session, staff or customer, after ``SESSION_COOKIE_AGE`` without one (the
  session is saved again, sliding its expiry, at most once a minute).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, user_logged_in
from django.shortcuts import render

from statuspage.common.db import DATABASE_ERRORS

LAST_SEEN = "last_seen"
# Activity is written to the session at most this often: a write per signed-in
# request would be wasteful, and idle limits are counted in minutes.
TOUCH_SECONDS = 60


def login_username(request, credentials: dict | None) -> str:
    """The user name django-axes counts failures against, in one case: customers sign in
    with their e-mail address typed in any case, and ``Editor`` must not get five more
    guesses than ``editor``."""
    name = (credentials or {}).get("username") or request.POST.get("username") or ""
    return name.strip().lower()


def locked_out(request, response, credentials):
    """django-axes' answer to a sign-in while locked out: how long to wait, as a 429.

    Each try while locked out starts the wait again, so the full time is the true one.
    """
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def _start_idle_clock(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())


def connect_signals() -> None:
    user_logged_in.connect(_start_idle_clock, dispatch_uid="session-last-seen")


def _start_idle_clock(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())


class IdleSessionMiddleware:
    """Sign staff out after ``STAFF_SESSION_IDLE_MINUTES`` without a request of theirs.

    Requests without a session cookie are left alone (they have no user to look up, and
    looking would cost shared pages their cacheability). Timeline polls, which open pages
    send by themselves, do not count as activity.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            try:
                if request.user.is_authenticated:
                    self._check(request)
            except DATABASE_ERRORS:
                pass  # the view meets the same error, and answers as when the database is down
        return self.get_response(request)

    def _check(self, request) -> None:
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN, now)
        idle_limit = settings.STAFF_SESSION_IDLE_MINUTES * 60
        if request.user.is_staff and now - last_seen > idle_limit:
            logout(request)
            messages.info(
                request,
                f"You were signed out after {settings.STAFF_SESSION_IDLE_MINUTES} minutes "
                "without activity. Sign in again to go on.",
            )
            return
        automatic = request.path.endswith("/timeline/")
        if not automatic and (LAST_SEEN not in request.session or now - last_seen >= TOUCH_SECONDS):
            request.session[LAST_SEEN] = now

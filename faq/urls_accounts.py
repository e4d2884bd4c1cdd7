"""Customer accounts: sign up, sign in and out, password reset (filled in by faq.accounts)."""

from django.urls import include, path

urlpatterns = [
    path("", include("django.contrib.auth.urls")),
]

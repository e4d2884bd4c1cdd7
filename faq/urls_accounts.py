"""Customer accounts: sign up, sign in and out, password reset (see faq.accounts).

No namespace: the names stay Django's own ("login", "logout", "password_reset"...),
which the settings and contrib views look up. Ours come first and take precedence
over the same paths in django.contrib.auth.urls; logout stays POST-only.
"""

from django.urls import include, path

from faq import accounts

urlpatterns = [
    path("signup/", accounts.signup, name="signup"),
    path("confirm/<str:token>/", accounts.confirm_address, name="confirm_address"),
    path("login/", accounts.SignInView.as_view(), name="login"),
    path("password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]

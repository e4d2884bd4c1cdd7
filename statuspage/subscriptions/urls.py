"""The subscription pages' addresses, in the status pages' namespace (``statuspage:``)."""

from django.urls import path

from statuspage.subscriptions import views

urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path(
        "subscriptions/confirm/<str:token>/",
        views.subscription_confirm,
        name="subscription_confirm",
    ),
    path("subscriptions/<str:token>/", views.subscription_manage, name="subscription_manage"),
    path(
        "subscriptions/<str:token>/unsubscribe/",
        views.subscription_unsubscribe,
        name="subscription_unsubscribe",
    ),
]

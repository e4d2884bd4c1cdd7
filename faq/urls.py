from django.urls import path

from faq import views

app_name = "faq"

urlpatterns = [
    path("<slug:slug>/", views.faq_detail, name="faq_detail"),
    path("<slug:slug>/comments/", views.comment_create, name="comment_create"),
    path("<slug:slug>/comments/toggle/", views.comments_toggle, name="comments_toggle"),
    path("<slug:slug>/comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("<slug:slug>/comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path(
        "<slug:slug>/comments/<int:pk>/moderate/", views.comment_moderate, name="comment_moderate"
    ),
    path("notifications/stop/<str:token>/", views.stop_reply_mails, name="stop_reply_mails"),
]

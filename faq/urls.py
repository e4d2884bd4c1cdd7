from django.urls import path

from faq import views

app_name = "faq"

urlpatterns = [
    path("<slug:slug>/", views.faq_detail, name="faq_detail"),
]

import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.cache import cache_control
from django.views.generic import TemplateView

from statuspage import views
from statuspage.common import favicon
from statuspage.security import editor
from statuspage.subscriptions import urls as subscription_urls

status_patterns = [
    path("", views.home, name="home"),
    path("timeline/", views.home_timeline, name="home_timeline"),
    path("history/", views.history, name="history"),
    path("social/", views.social, name="social"),
    path("services/", views.services, name="services"),
    path("uptime/", views.uptime, name="uptime"),
    path("services/<slug:slug>/", views.service_detail, name="service_detail"),
    path("maintenance/<slug:slug>/", views.maintenance_detail, name="maintenance_detail"),
    path(
        "maintenance/<slug:slug>/timeline/",
        views.maintenance_timeline,
        name="maintenance_timeline",
    ),
    path("incidents/<slug:slug>/", views.incident_detail, name="incident_detail"),
    path("incidents/<slug:slug>/timeline/", views.incident_timeline, name="incident_timeline"),
    *subscription_urls.urlpatterns,
]

urlpatterns = [
    path(
        "robots.txt",
        cache_control(public=True, max_age=86400)(
            TemplateView.as_view(template_name="robots.txt", content_type="text/plain")
        ),
    ),
    path("favicon.ico", favicon.favicon),
    path("", include((status_patterns, "statuspage"))),
    path("api/v1/", include("statuspage.automation.urls")),
    path("api/v2/", include("statuspage.publishing.api.urls")),
    path("", include("statuspage.publishing.urls")),
    path("faq/", include("faq.urls")),
    path("accounts/", include("faq.urls_accounts")),
    # The names markdownx's widget looks up, served by our guarded views.
    path("markdownx/markdownify/", editor.preview, name="markdownx_markdownify"),
    path("markdownx/upload/", editor.upload, name="markdownx_upload"),
    path("admin/", admin.site.urls),
    # Uploaded images, served inert (statuspage/editor.py), unless a front server takes
    # MEDIA_URL first with the same headers (README).
    re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$", editor.serve_media),
]

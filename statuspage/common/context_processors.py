from django.conf import settings
from django.utils import timezone


def site(request) -> dict:
    return {"site_name": settings.SITE_NAME, "now": timezone.now()}

"""The status pages: home, services, maintenance and incidents, history, social."""

from django.shortcuts import render

from statuspage import selectors
from statuspage.caching.pages import public_page
from statuspage.caching.query import page_number


@public_page
def home(request):
    return render(request, "statuspage/home.html", selectors.home_page())


@public_page
def home_timeline(request):
    """The active events block of `/`, fetched again by open pages."""
    return render(request, "statuspage/includes/home_live.html", selectors.home_live())


@public_page(query={"group": page_number})  # a group's id: a whole number, as a page's
def services(request):
    context = selectors.services_page(group=request.GET.get("group"))
    return render(request, "statuspage/services.html", context)


@public_page
def uptime(request):
    return render(request, "statuspage/uptime.html", selectors.uptime_page())


@public_page
def service_detail(request, slug: str):
    return render(request, "statuspage/service_detail.html", selectors.service_page(slug=slug))


@public_page(query={"page": page_number})
def maintenance_detail(request, slug: str):
    context = selectors.maintenance_page(slug=slug, page=request.GET.get("page"))
    return render(request, "statuspage/maintenance_detail.html", context)


@public_page(query={"page": page_number})
def incident_detail(request, slug: str):
    context = selectors.incident_page(slug=slug, page=request.GET.get("page"))
    return render(request, "statuspage/incident_detail.html", context)


@public_page
def maintenance_timeline(request, slug: str):
    context = selectors.maintenance_page(slug=slug)
    return render(request, "statuspage/includes/event_live.html", context)


@public_page
def incident_timeline(request, slug: str):
    context = selectors.incident_page(slug=slug)
    return render(request, "statuspage/includes/event_live.html", context)


@public_page(query={"page": page_number})
def history(request):
    context = selectors.history_page(page=request.GET.get("page"))
    return render(request, "statuspage/history.html", context)


@public_page
def social(request):
    return render(request, "statuspage/social.html", selectors.social_page())

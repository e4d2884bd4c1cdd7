from django.shortcuts import render

from statuspage import selectors


def home(request):
    return render(request, "statuspage/home.html", selectors.home_page())


def service_detail(request, slug: str):
    return render(request, "statuspage/service_detail.html", selectors.service_page(slug=slug))


def maintenance_detail(request, slug: str):
    return render(
        request, "statuspage/maintenance_detail.html", selectors.maintenance_page(slug=slug)
    )

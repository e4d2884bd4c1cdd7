from django.shortcuts import render

from faq import selectors
from statuspage.cache import public_page


@public_page
def faq_detail(request, slug: str):
    context = selectors.faq_page(
        slug=slug,
        service_slug=request.GET.get("service", ""),
        level=request.GET.get("level", ""),
        words=request.GET.get("q", ""),
    )
    return render(request, "faq/faq_detail.html", context)

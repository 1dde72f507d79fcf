from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pantry.selectors import get_pantry_totals


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The start page: what the pantry holds, with the way in to each part."""
    return render(request, "bakery/home.html", {"pantry": get_pantry_totals()})

from django.shortcuts import render

from kpiportal.accounts import roles


def home(request):
    """The landing page: where each role starts."""
    return render(request, "home.html", {"roles": roles.roles_of(request.user)})


def bad_request(request, message: str, *, back: str = ""):
    """A 400 page saying what is wrong with the address asked for (a query parameter, a form value)."""
    return render(request, "bad_request.html", {"message": message, "back": back}, status=400)

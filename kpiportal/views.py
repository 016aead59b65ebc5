from django.shortcuts import render

from kpiportal.accounts import roles


def home(request):
    """The landing page: where each role starts."""
    return render(request, "home.html", {"roles": roles.roles_of(request.user)})

from django.conf import settings

from kpiportal.accounts import roles


def portal(request):
    """The council's name and the signed-in user's roles, for the header and navigation."""
    user = getattr(request, "user", None)
    return {
        "council_name": settings.COUNCIL_NAME,
        "user_roles": roles.roles_of(user) if user is not None and user.is_authenticated else frozenset(),
    }

"""The four roles of the portal, held as Django groups.

A user's roles are the groups they belong to; superusers count as the
performance team. What each role may do is written as `rules` predicates in
the apps' `rules.py` files; the groups' model permissions only open the
Django admin screens to the performance team.
"""

PERFORMANCE_TEAM = "Performance team"
DIRECTOR = "Director"
RESPONSIBLE_OFFICER = "Responsible officer"
VIEWER = "Viewer"
ALL_ROLES = (PERFORMANCE_TEAM, DIRECTOR, RESPONSIBLE_OFFICER, VIEWER)

# Admin screens open to the performance team: app label -> models (all permissions).
PERFORMANCE_TEAM_ADMIN_APPS = ("indicators", "returns", "benchmarks", "accounts", "django_celery_beat", "alerts")


def roles_of(user) -> frozenset[str]:
    """The role names of `user`, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            names.add(PERFORMANCE_TEAM)
        cached = frozenset(names & set(ALL_ROLES))
        user._portal_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def is_staff_reader(user) -> bool:
    """Roles that may read figures that are not approved yet (everyone but viewers)."""
    return bool(roles_of(user) & {PERFORMANCE_TEAM, DIRECTOR, RESPONSIBLE_OFFICER})


def ensure_role_groups(sender=None, **kwargs):
    """Create the role groups and give the performance team the admin's model permissions."""
    from django.contrib.auth.models import Group, Permission

    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)
    team = Group.objects.get(name=PERFORMANCE_TEAM)
    perms = Permission.objects.filter(content_type__app_label__in=PERFORMANCE_TEAM_ADMIN_APPS)
    team.permissions.add(*perms)

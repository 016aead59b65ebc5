"""The four roles of the portal, held as Django groups.

A user's roles are the groups they belong to; superusers count as the
performance team. Each role has one test here, a `rules` predicate
(`is_performance_team`, `is_director`, `is_responsible_officer`, `is_viewer`,
and `is_staff_reader`, `has_a_role` for the groups of roles the pages use);
every app's rules, views and the navigation ask these and nothing else. What
each role may do with an object is written in the apps (`returns.policy`,
`benchmarks.rules`, ...); the groups' model permissions only open the Django
admin screens to the performance team.
"""

import rules
from django.contrib.auth.models import Group, Permission

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


def forget_cached_roles(user) -> None:
    """After a user's groups change within one request or test."""
    if hasattr(user, "_portal_roles"):
        del user._portal_roles


@rules.predicate
def is_performance_team(user) -> bool:
    return PERFORMANCE_TEAM in roles_of(user)


@rules.predicate
def is_director(user) -> bool:
    return DIRECTOR in roles_of(user)


@rules.predicate
def is_responsible_officer(user) -> bool:
    return RESPONSIBLE_OFFICER in roles_of(user)


@rules.predicate
def is_viewer(user) -> bool:
    return VIEWER in roles_of(user)


# Everyone but viewers reads figures that are not approved yet.
is_staff_reader = is_performance_team | is_director | is_responsible_officer


@rules.predicate
def has_a_role(user) -> bool:
    """Any of the four roles: the scorecards, the catalogue and alerts are open to every role."""
    return bool(roles_of(user))


def ensure_role_groups(sender=None, **kwargs):
    """Create the role groups and give the performance team the admin's model permissions."""
    for name in ALL_ROLES:
        Group.objects.get_or_create(name=name)
    team = Group.objects.get(name=PERFORMANCE_TEAM)
    perms = Permission.objects.filter(content_type__app_label__in=PERFORMANCE_TEAM_ADMIN_APPS)
    team.permissions.add(*perms)

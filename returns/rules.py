"""Who may do what to a monthly return (PRODUCT §1, §3), as `rules` predicates.

The services in `returns.services` test these before every write and the access
helper in `returns.views` before every read, so a hidden button is never the
only guard. The state a return must be in is the state machine's business
(`Return` transitions), not a permission: an officer may edit the returns of
their indicators, and the service then refuses the ones that are submitted or
approved with a message.

The predicates are called directly rather than through `user.has_perm`, which
lets Django superusers through every check; superusers count as the
performance team (`roles.roles_of`) and get exactly its rights.
"""

import rules

from indicators.models import Indicator, ServiceArea
from kpiportal.accounts import roles
from returns.models import State


def owned_indicator_ids(user) -> frozenset[int]:
    """Indicators the user is responsible officer or deputy for (one query, cached on the user)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_returns_owned_ids", None)
    if cached is None:
        cached = frozenset(Indicator.objects.owned_by(user).values_list("pk", flat=True))
        user._returns_owned_ids = cached
    return cached


def directed_area_ids(user) -> frozenset[int]:
    """Service areas the user is a director of (one query, cached on the user)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_returns_area_ids", None)
    if cached is None:
        cached = frozenset(ServiceArea.objects.filter(directors=user).values_list("pk", flat=True))
        user._returns_area_ids = cached
    return cached


def forget_cached_access(user) -> None:
    """After a user's indicators or service areas change within one request or test."""
    for name in ("_returns_owned_ids", "_returns_area_ids", "_portal_roles"):
        if hasattr(user, name):
            delattr(user, name)


@rules.predicate
def is_performance_team(user):
    return roles.has_role(user, roles.PERFORMANCE_TEAM)


@rules.predicate
def is_director(user):
    return roles.has_role(user, roles.DIRECTOR)


@rules.predicate
def is_officer(user):
    return roles.has_role(user, roles.RESPONSIBLE_OFFICER)


@rules.predicate
def is_viewer(user):
    return roles.has_role(user, roles.VIEWER)


is_staff_reader = is_performance_team | is_director | is_officer


@rules.predicate
def owns_indicator(user, ret):
    """Responsible officer or deputy of the return's indicator."""
    return ret.indicator_id in owned_indicator_ids(user)


@rules.predicate
def directs_area(user, ret):
    return ret.indicator.service_area_id in directed_area_ids(user)


@rules.predicate
def is_approved(user, ret):
    return ret.state == State.APPROVED


# Everyone but viewers reads figures in any state; viewers only approved ones.
can_see_return = is_staff_reader | (is_viewer & is_approved)
# Enter, save and submit: the officers named on the indicator (the state is checked by the service).
can_enter_return = is_staff_reader & owns_indicator
# Approve or send back, and reopen: the directors of the indicator's service area, and the performance team.
can_review_return = is_performance_team | (is_director & directs_area)
can_reopen_return = can_review_return
# Correct any figure in any state, recorded as a correction.
can_correct_return = is_performance_team
# Approving one's own submission needs the recorded override, open to the performance team only.
can_override_four_eyes = is_performance_team

# Pages.
can_use_my_returns = is_staff_reader
can_use_review = is_performance_team | is_director
can_use_completeness = is_performance_team | is_director

# Also as permissions, for the admin and other apps (`user.has_perm("returns.review_return", ret)`).
rules.add_perm("returns.see_return", can_see_return)
rules.add_perm("returns.enter_return", can_enter_return)
rules.add_perm("returns.review_return", can_review_return)
rules.add_perm("returns.reopen_return", can_reopen_return)
rules.add_perm("returns.correct_return", can_correct_return)

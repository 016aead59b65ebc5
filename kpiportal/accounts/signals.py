"""Admin access follows the performance-team role, however the role is given or taken away.

Roles are groups, changed in the admin's user page, by `user.groups.add/remove/set/clear`
or from the group's side (`group.user_set…`): every path sends `m2m_changed`.
"""

from django.contrib.auth.models import Group

from kpiportal.accounts import services
from kpiportal.accounts.roles import PERFORMANCE_TEAM


def groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse:  # group.user_set.add(…), .remove(…), .clear()
        if not isinstance(instance, Group) or instance.name != PERFORMANCE_TEAM:
            return
        if action == "pre_clear":
            instance._members_before_clear = list(instance.user_set.values_list("pk", flat=True))
            return
        if action == "post_clear":
            user_ids = instance.__dict__.pop("_members_before_clear", [])
        elif action in ("post_add", "post_remove"):
            user_ids = pk_set or ()
        else:
            return
    else:  # user.groups.add(…), .remove(…), .set(…), .clear()
        if action == "pre_clear":
            instance._was_in_team = instance.groups.filter(name=PERFORMANCE_TEAM).exists()
            return
        if action in ("post_add", "post_remove"):
            if not Group.objects.filter(pk__in=pk_set or (), name=PERFORMANCE_TEAM).exists():
                return
        elif action != "post_clear" or not instance.__dict__.pop("_was_in_team", False):
            return  # clearing other groups leaves admin access alone
        user_ids = [instance.pk]
    services.staff_status_sync(user_ids=user_ids)
    if not reverse:
        instance.refresh_from_db(fields=["is_staff"])

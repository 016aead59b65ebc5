"""Who may do what with alerts (django-rules predicates)."""

import rules

from kpiportal.accounts import roles


@rules.predicate
def is_recipient(user, delivery) -> bool:
    return delivery is not None and delivery.recipient_id == user.pk


# Every signed-in person with a role reads indicator pages, so any of them may follow one.
rules.add_perm("alerts.follow_indicator", rules.is_active & roles.has_a_role)
rules.add_perm("alerts.see_all_alerts", roles.is_performance_team)
rules.add_perm("alerts.see_delivery", is_recipient | roles.is_performance_team)
rules.add_perm("alerts.retry_delivery", roles.is_performance_team)

"""Who may do what with the catalogue (object-level rules with the `rules` library)."""

import rules

from kpiportal.accounts import roles


@rules.predicate
def is_performance_team(user) -> bool:
    return roles.has_role(user, roles.PERFORMANCE_TEAM)


@rules.predicate
def is_staff_reader(user) -> bool:
    """Everyone but viewers may read figures that are not approved yet."""
    return roles.is_staff_reader(user)


# Imports of indicators, figures (as approved history) and populations.
rules.add_perm("indicators.import_data", is_performance_team)
rules.add_perm("indicators.view_unapproved", is_staff_reader)

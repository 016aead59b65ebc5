"""Who may do what with comparators and populations, as `rules` predicates.

Everyone signed in reads comparator values on scorecards and indicator pages;
only the performance team manages sources, values, imports and the rating
comparator. Services check these before every write; views use them to answer
403 to other roles. Superusers count as the performance team (`roles.roles_of`).
"""

import rules

from kpiportal.accounts import roles

can_manage_comparators = roles.is_performance_team

rules.add_rule("benchmarks.manage_comparators", can_manage_comparators)

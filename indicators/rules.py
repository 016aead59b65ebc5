"""Who may do what with the catalogue (object-level rules with the `rules` library)."""

import rules

from kpiportal.accounts import roles

# Imports of indicators, figures (as approved history) and populations.
rules.add_perm("indicators.import_data", roles.is_performance_team)
rules.add_perm("indicators.view_unapproved", roles.is_staff_reader)

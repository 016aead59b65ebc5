"""The returns workflow's rules, registered with django-rules by name for the admin, other apps and the navigation.

The rules themselves are `returns.policy`'s: this module only names them, so
`user.has_perm("returns.review_return", ret)` and `rules.test_rule("returns.use_my_returns", user)`
give the same answer as the services and views that call the policy directly.
"""

import rules

from returns import policy

# Object permissions (`user.has_perm("returns.review_return", ret)`).
rules.add_perm("returns.see_return", policy.may_see)
rules.add_perm("returns.enter_return", policy.may_enter)
rules.add_perm("returns.review_return", policy.may_review)
rules.add_perm("returns.reopen_return", policy.may_reopen)
rules.add_perm("returns.correct_return", policy.may_correct)

# Pages, by name: the navigation asks these without importing this app.
rules.add_rule("returns.use_my_returns", policy.may_use_my_returns)
rules.add_rule("returns.use_review", policy.may_use_review)
rules.add_rule("returns.use_completeness", policy.may_use_completeness)

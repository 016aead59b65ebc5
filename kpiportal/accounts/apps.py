from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate


class AccountsConfig(AppConfig):
    name = "kpiportal.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from kpiportal.accounts import roles, signals
        from kpiportal.accounts.models import User

        # Groups need every app's permissions, which exist only after migrate.
        post_migrate.connect(roles.ensure_role_groups, dispatch_uid="accounts.ensure_role_groups")
        # The performance team's admin access (is_staff) follows their role.
        m2m_changed.connect(
            signals.groups_changed, sender=User.groups.through, dispatch_uid="accounts.staff_follows_role"
        )

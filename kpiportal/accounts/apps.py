from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "kpiportal.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from . import roles

        # Groups need every app's permissions, which exist only after migrate.
        post_migrate.connect(roles.ensure_role_groups, dispatch_uid="accounts.ensure_role_groups")

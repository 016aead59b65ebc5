"""Demo data: one user per role, and (from the seed files) the catalogue and its history.

Idempotent: running it again changes nothing.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from kpiportal.accounts import roles
from kpiportal.accounts.models import User


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str
    initials: str = ""


DEMO_USERS = (
    DemoUser("perf", "perf-demo-2026", roles.PERFORMANCE_TEAM, "Pat", "Analyst"),
    DemoUser("director", "director-demo-2026", roles.DIRECTOR, "Dana", "Director"),
    DemoUser("officer", "officer-demo-2026", roles.RESPONSIBLE_OFFICER, "Olive", "Officer", "OO"),
    DemoUser("viewer", "viewer-demo-2026", roles.VIEWER, "Vic", "Viewer"),
)


@transaction.atomic
def ensure_demo_users() -> list[DemoUser]:
    """Create the demo users (or reset them to their demo roles); returns them for printing."""
    roles.ensure_role_groups()
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "initials": demo.initials,
                "email": f"{demo.username}@council.example",
                "is_staff": demo.role == roles.PERFORMANCE_TEAM,
            },
        )
        if created:
            user.set_password(demo.password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=demo.role))
    return list(DEMO_USERS)

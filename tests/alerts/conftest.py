"""Fixtures for alerts: an indicator with everyone who hears about it, and scorecard results to change."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from indicators import periods
from indicators.alerts.models import Follow
from indicators.models import ScorecardEntry
from indicators.scorecard.store import RagChange
from kpiportal.accounts import roles
from returns.models import State
from tests import factories
from tests.alerts.smtp import SmtpServer


@dataclass
class People:
    officer: object
    deputy: object
    director: object
    follower: object
    digest_reader: object
    no_recoveries: object
    inactive: object
    no_email: object

    @property
    def immediate(self):
        """Everyone who gets an email of their own about a red alert."""
        return [self.officer, self.deputy, self.director, self.follower, self.no_recoveries]


@pytest.fixture
def smtp_server():
    """A real SMTP server in this process (`tests/alerts/smtp.py`)."""
    server = SmtpServer()
    server.start()
    yield server
    server.release.set()
    server.stop()


@pytest.fixture
def period():
    """Last month: recent enough to alert about."""
    return periods.add_months(periods.month_start(timezone.localdate()), -1)


@pytest.fixture
def people(db, indicator, officer, director):
    ro = factories.user_with_role
    deputy = ro(roles.RESPONSIBLE_OFFICER, username="deputy")
    indicator.deputies.add(deputy)
    follower = ro(roles.VIEWER, username="follower")
    digest_reader = ro(roles.VIEWER, username="digester", alert_mode="digest")
    no_recoveries = ro(roles.VIEWER, username="norecovery", notify_recovery=False)
    inactive = ro(roles.VIEWER, username="gone", is_active=False)
    no_email = ro(roles.VIEWER, username="noemail", email="")
    for user in (follower, digest_reader, no_recoveries, inactive, no_email):
        Follow.objects.create(user=user, indicator=indicator)
    # The director also deputises and follows: still one email.
    indicator.deputies.add(director)
    Follow.objects.create(user=director, indicator=indicator)
    return People(officer, deputy, director, follower, digest_reader, no_recoveries, inactive, no_email)


def score(indicator, period, rag, *, value="80", persistent=False, previous_value=None, direction="down"):
    """Write the whole-authority scorecard entry as a recompute would; returns the change it made."""
    existing = ScorecardEntry.objects.filter(indicator=indicator, period=period, team__isnull=True).first()
    change = RagChange(
        indicator_id=indicator.pk,
        period=period,
        old_rag=existing.rag if existing else None,
        new_rag=rag,
        old_persistent=existing.persistent_red if existing else None,
        new_persistent=persistent,
    )
    ScorecardEntry.objects.update_or_create(
        indicator=indicator,
        period=period,
        team=None,
        defaults={
            "value": Decimal(value),
            "previous_value": Decimal(previous_value) if previous_value is not None else None,
            "direction": direction,
            "target": Decimal("90"),
            "tolerance_threshold": Decimal("85.5"),
            "rag": rag,
            "persistent_red": persistent,
        },
    )
    return change


def unscore(indicator, period):
    """Remove an entry as a recompute does when its return is reopened."""
    entry = ScorecardEntry.objects.get(indicator=indicator, period=period, team__isnull=True)
    entry.delete()
    return RagChange(indicator.pk, period, entry.rag, None, entry.persistent_red, None)


def approved_return(indicator, period, value="80", commentary=""):
    return factories.ReturnFactory(
        indicator=indicator, period=period, value=Decimal(value), state=State.APPROVED, commentary=commentary
    )

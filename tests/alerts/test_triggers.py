"""The alert rules (§7) and the outbox's back-off, as pure functions: no database."""

from datetime import date

import pytest

from indicators.alerts import triggers
from indicators.alerts.outbox import retry_delay
from indicators.alerts.triggers import BACK_ON_TRACK, PERSISTENT_RED, TURNED_RED, ScoredPeriod

RED, AMBER, GREEN, GREY = "red", "amber", "green", "grey"


def kinds(now, before=None, previous=None):
    return triggers.alert_kinds(now=now, before=before, previous=previous)


@pytest.mark.parametrize(
    ("now", "before", "previous", "expected"),
    [
        # A newly approved red figure after a period that was not red, or had no value.
        (ScoredPeriod(RED), None, ScoredPeriod(AMBER), [TURNED_RED]),
        (ScoredPeriod(RED), None, ScoredPeriod(GREEN), [TURNED_RED]),
        (ScoredPeriod(RED), None, ScoredPeriod(GREY), [TURNED_RED]),
        (ScoredPeriod(RED), None, None, [TURNED_RED]),
        # Red after red is no news; the run becomes persistent on its own alert.
        (ScoredPeriod(RED), None, ScoredPeriod(RED), []),
        (ScoredPeriod(RED, persistent_red=True), None, ScoredPeriod(RED), [PERSISTENT_RED]),
        (ScoredPeriod(RED, persistent_red=True), None, ScoredPeriod(RED, persistent_red=True), []),
        # A target change turning an amber period red.
        (ScoredPeriod(RED), ScoredPeriod(AMBER), ScoredPeriod(GREEN), [TURNED_RED]),
        # Unchanged red (recomputed, or re-approved with its entry kept) is no news.
        (ScoredPeriod(RED), ScoredPeriod(RED), ScoredPeriod(GREEN), []),
        # Persistence ending or starting without the period turning red.
        (ScoredPeriod(RED), ScoredPeriod(RED, persistent_red=True), None, []),
        (ScoredPeriod(RED, persistent_red=True), ScoredPeriod(RED), ScoredPeriod(RED), [PERSISTENT_RED]),
        # Recovery after a red period, to amber or green.
        (ScoredPeriod(GREEN), None, ScoredPeriod(RED), [BACK_ON_TRACK]),
        (ScoredPeriod(AMBER), None, ScoredPeriod(RED, persistent_red=True), [BACK_ON_TRACK]),
        (ScoredPeriod(GREEN), ScoredPeriod(RED), ScoredPeriod(RED), [BACK_ON_TRACK]),
        (ScoredPeriod(GREEN), ScoredPeriod(GREEN), ScoredPeriod(RED), []),
        (ScoredPeriod(GREEN), None, ScoredPeriod(AMBER), []),
        # A correction of the same period from red to green after a green period: no recovery to report.
        (ScoredPeriod(GREEN), ScoredPeriod(RED), ScoredPeriod(GREEN), []),
        # Grey never alerts.
        (ScoredPeriod(GREY), None, ScoredPeriod(RED), []),
        (ScoredPeriod(GREY), ScoredPeriod(RED), None, []),
    ],
)
def test_alert_kinds(now, before, previous, expected):
    assert kinds(now, before, previous) == expected


def test_reopening_a_month_does_not_alert_about_the_next():
    """Reopening Nov removes its entry, ending Dec's persistent red: Dec, red throughout, raises nothing."""
    assert kinds(ScoredPeriod(RED), before=ScoredPeriod(RED, persistent_red=True), previous=None) == []


@pytest.mark.parametrize(
    ("period", "today", "max_age", "expected"),
    [
        (date(2022, 11, 1), date(2022, 12, 9), 3, True),
        (date(2022, 9, 1), date(2022, 12, 9), 3, True),
        (date(2022, 8, 1), date(2022, 12, 9), 3, False),
        (date(2022, 12, 1), date(2022, 12, 9), 0, True),
        (date(2022, 11, 1), date(2022, 12, 9), 0, False),
        (date(2023, 1, 1), date(2022, 12, 9), 3, False),
        (date(2019, 4, 1), date(2022, 12, 9), 3, False),
    ],
)
def test_only_recent_periods_alert(period, today, max_age, expected):
    assert triggers.is_recent(period, today, max_age) is expected


def test_retry_delay_doubles_up_to_the_cap():
    delays = [retry_delay(n, base=30, cap=900) for n in range(0, 9)]
    assert delays == [0.0, 30.0, 60.0, 120.0, 240.0, 480.0, 900.0, 900.0, 900.0]


def test_total_back_off_of_eight_attempts():
    """With the default 8 attempts the last one comes 45½ minutes after the first."""
    assert sum(retry_delay(n, base=30, cap=900) for n in range(1, 8)) == 30 + 60 + 120 + 240 + 480 + 900 + 900 < 3600

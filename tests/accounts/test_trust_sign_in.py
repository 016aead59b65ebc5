"""Sign-in throttling: five wrong passwords lock the username from that address on both login forms."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kpiportal.accounts import roles
from tests import factories

pytestmark = pytest.mark.django_db

FORMS = {"portal": "login", "admin": "admin:login"}


def _sign_in(client, form, username, password):
    return client.post(reverse(FORMS[form]), {"username": username, "password": password})


def _fail(client, form, username, times=5):
    """`times` wrong passwords: the form again with its error, and the lock-out page at the fifth."""
    for attempt in range(1, times + 1):
        response = _sign_in(client, form, username, "not-the-password")
        assert response.status_code == (429 if attempt >= 5 else 200)


@pytest.mark.parametrize("form", FORMS)
def test_five_failures_lock_the_account_until_the_cool_off_ends(client, performance_user, form, caplog):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _fail(client, form, "perf")
        with caplog.at_level(logging.WARNING):
            locked = _sign_in(client, form, "perf", factories.PASSWORD)
        assert locked.status_code == 429
        page = locked.content.decode()
        assert "Sign-in locked" in page and "Try again in 15 minutes" in page
        assert "ask the performance team to unlock your account" in page
        assert "_auth_user_id" not in client.session
        assert any("Sign-in locked" in r.getMessage() and "perf" in r.getMessage() for r in caplog.records)

        # Another address is not locked out of the same account.
        elsewhere = Client(REMOTE_ADDR="10.0.0.9")
        assert _sign_in(elsewhere, form, "perf", factories.PASSWORD).status_code == 302

        clock.shift(timedelta(minutes=14))
        assert _sign_in(client, form, "perf", factories.PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=2))  # 16 minutes after the lock, but a refused attempt starts it again
        assert _sign_in(client, form, "perf", factories.PASSWORD).status_code == 429
        clock.shift(timedelta(minutes=16))
        assert _sign_in(client, form, "perf", factories.PASSWORD).status_code == 302
        assert "_auth_user_id" in client.session


def test_the_performance_team_unlocks_an_account(client, performance_user, officer, caplog):
    roles.ensure_role_groups()
    _fail(client, "portal", "officer")
    assert _sign_in(client, "portal", "officer", factories.PASSWORD).status_code == 429

    team = Client(REMOTE_ADDR="10.0.0.2")
    team.force_login(performance_user)
    with caplog.at_level(logging.WARNING, logger="kpiportal.accounts"):
        response = team.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "unlock_sign_in", "_selected_action": [officer.pk], "index": "0"},
        )
    assert response.status_code == 302
    assert any("unlocked" in r.getMessage() and "officer" in r.getMessage() for r in caplog.records)

    assert _sign_in(client, "portal", "officer", factories.PASSWORD).status_code == 302


def test_fewer_failures_than_the_limit_leave_the_account_open(client, officer):
    _fail(client, "portal", "officer", times=4)
    assert _sign_in(client, "portal", "officer", factories.PASSWORD).status_code == 302
    client.logout()
    # A success clears the count: four more failures do not lock it either.
    _fail(client, "portal", "officer", times=4)
    assert _sign_in(client, "portal", "officer", factories.PASSWORD).status_code == 302

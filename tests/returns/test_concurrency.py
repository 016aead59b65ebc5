"""Concurrent writes on real PostgreSQL: row locks and version checks leave exactly one winner.

Each test runs two threads, each with its own database connection. A receiver
holds the first writer inside its transaction after it saves, until PostgreSQL
shows (`pg_locks`) the other writer waiting on one of its locks: the two really
collided, and the test then checks that exactly one won.
"""

import threading
import time
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.models.signals import post_save

from returns import services
from returns.models import Return, ReturnEvent, State
from tests import factories
from tests.returns.conftest import NOV, entry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Collision:
    """Holds the first Return save made in a racing thread until another session waits on its locks."""

    TIMEOUT = 20

    def __init__(self):
        self._lock = threading.Lock()
        self.holder_taken = False
        self.proved = False

    def hold(self, sender, **kwargs):
        if threading.current_thread() is threading.main_thread():
            return  # the test's own set-up
        with self._lock:
            if self.holder_taken:
                return  # the second writer, once the first has let go
            self.holder_taken = True
        deadline = time.monotonic() + self.TIMEOUT
        while time.monotonic() < deadline:
            if self._someone_waits_on_me():
                self.proved = True
                return
            time.sleep(0.01)

    @staticmethod
    def _someone_waits_on_me() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted"
                " AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
            )
            return cursor.fetchone()[0]


@pytest.fixture
def collision():
    """The first writer keeps its transaction open until the second is blocked by it (see `Collision`)."""
    watcher = Collision()
    post_save.connect(watcher.hold, sender=Return, dispatch_uid="hold-first-writer")
    yield watcher
    post_save.disconnect(dispatch_uid="hold-first-writer", sender=Return)


def race(*calls):
    """Run the calls at the same moment in threads; returns each call's outcome ('ok' or the error class name)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            call()
            outcomes[index] = "ok"
        except services.ReturnError as error:
            outcomes[index] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_saves_from_the_same_version_one_wins(indicator, officer, draft, collision):
    deputy = factories.user_with_role("Responsible officer", username="deputy", first_name="Dee", last_name="Puty")
    indicator.deputies.add(deputy)

    def save(user, value):
        return lambda: services.return_save_draft(
            indicator=indicator, period=NOV, entry=entry(value), version=1, by=user
        )

    outcomes = race(save(officer, 91), save(deputy, 70))
    assert collision.proved, "the second writer never waited on the first's lock"
    assert sorted(outcomes) == ["StaleReturn", "ok"]
    draft.refresh_from_db()
    winner = D("91") if outcomes[0] == "ok" else D("70")
    assert draft.value == winner and draft.version == 2
    assert ReturnEvent.objects.filter(ret=draft, kind="saved").count() == 1
    assert draft.history.count() == 2  # the factory's insert and the one save that won


def test_two_first_saves_of_a_new_return_one_wins(indicator, officer, collision):
    deputy = factories.user_with_role("Responsible officer", username="deputy", first_name="Dee", last_name="Puty")
    indicator.deputies.add(deputy)

    def save(user, value):
        return lambda: services.return_save_draft(
            indicator=indicator, period=NOV, entry=entry(value), version=0, by=user
        )

    outcomes = race(save(officer, 91), save(deputy, 70))
    assert collision.proved, "the second writer never waited on the first's lock"
    assert sorted(outcomes) == ["StaleReturn", "ok"]
    assert Return.objects.count() == 1
    assert ReturnEvent.objects.filter(kind="created").count() == 1


def test_two_directors_approve_at_once_one_approval_one_refusal(
    indicator, officer, director, service_area, submitted, collision
):
    second = factories.user_with_role("Director", username="director3", first_name="Dev", last_name="Second")
    service_area.directors.add(second)

    def approve(user):
        return lambda: services.return_approve(returns=[submitted], by=user, versions={submitted.pk: submitted.version})

    outcomes = race(approve(director), approve(second))
    assert collision.proved, "the second director never waited on the first's lock"
    assert sorted(outcomes) == ["WrongState", "ok"]
    submitted.refresh_from_db()
    assert submitted.state == State.APPROVED
    assert ReturnEvent.objects.filter(ret=submitted, kind="approved").count() == 1
    assert submitted.approved_by == (director if outcomes[0] == "ok" else second)


def test_approve_racing_a_send_back_one_wins(indicator, officer, director, performance_user, submitted, collision):
    outcomes = race(
        lambda: services.return_approve(returns=[submitted], by=director),
        lambda: services.return_send_back(ret=submitted, by=performance_user, comment="Wrong month"),
    )
    assert collision.proved, "the second action never waited on the first's lock"
    assert sorted(outcomes) == ["WrongState", "ok"]
    submitted.refresh_from_db()
    assert submitted.state == (State.APPROVED if outcomes[0] == "ok" else State.RETURNED)
    assert ReturnEvent.objects.filter(ret=submitted, kind__in=["approved", "returned"]).count() == 1

"""Fixtures shared by the whole suite: one per role, a real Celery worker, an SMTP server, the browser."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import Group

from kpiportal.accounts import roles
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _role_groups(db):
    """The role groups exist in every test database, as after `migrate`."""
    for name in roles.ALL_ROLES:
        Group.objects.get_or_create(name=name)


@pytest.fixture
def service_area(db):
    return factories.ServiceAreaFactory(name="Children's social care")


@pytest.fixture
def other_service_area(db):
    return factories.ServiceAreaFactory(name="Early help")


@pytest.fixture
def performance_user(db):
    return factories.user_with_role(roles.PERFORMANCE_TEAM, username="perf", first_name="Pat", last_name="Analyst")


@pytest.fixture
def director(db, service_area):
    user = factories.user_with_role(roles.DIRECTOR, username="director", first_name="Dana", last_name="Director")
    service_area.directors.add(user)
    return user


@pytest.fixture
def other_director(db, other_service_area):
    user = factories.user_with_role(roles.DIRECTOR, username="director2", first_name="Drew", last_name="Other")
    other_service_area.directors.add(user)
    return user


@pytest.fixture
def officer(db):
    return factories.user_with_role(
        roles.RESPONSIBLE_OFFICER, username="officer", first_name="Olive", last_name="Officer", initials="OO"
    )


@pytest.fixture
def other_officer(db):
    return factories.user_with_role(roles.RESPONSIBLE_OFFICER, username="officer2", first_name="Otto", last_name="Else")


@pytest.fixture
def viewer(db):
    return factories.user_with_role(roles.VIEWER, username="viewer", first_name="Vic", last_name="Viewer")


@pytest.fixture
def indicator(db, service_area, officer):
    ind = factories.IndicatorFactory(
        code="CP 5",
        title="Percentage of ICPCs held within 15 working days",
        service_area=service_area,
        responsible_officer=officer,
        polarity="higher",
        unit="percent",
    )
    factories.TargetFactory(indicator=ind, financial_year=2022, target=90, tolerance=5, tolerance_kind="relative")
    return ind


def client_for(client, user):
    client.force_login(user)
    return client


# --- Real Celery worker on Redis -------------------------------------------------


def _database_url_for_worker() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _reset_broker_connections(app):
    """Drop every pooled broker connection so the next task is published to the current broker_url.

    Closing the app's pool is not enough: kombu keeps closed pools in its registry,
    keyed by URL, and would hand them out again ("Acquire on closed pool").
    """
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker_env():
    """Extra environment for the worker the `celery_worker` fixture starts; override it in a test module."""
    return {}


@pytest.fixture
def celery_worker(transactional_db, settings, worker_env):
    """Start a real `celery worker` on TEST_REDIS_URL sharing the test database.

    The app in this process stops running tasks eagerly and sends them to
    Redis for the duration of the test. Yields a handle with `.stop()` and
    `.kill()` (SIGKILL), and `.start()` to bring up a fresh worker. The worker
    gets the `worker_env` fixture's variables (e.g. EMAIL_HOST and EMAIL_PORT).
    """
    from kpiportal.celery import app

    redis.Redis.from_url(settings.TEST_REDIS_URL).flushdb()
    previous = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.TEST_REDIS_URL
    _reset_broker_connections(app)
    handle = WorkerHandle(database_url=_database_url_for_worker(), broker_url=settings.TEST_REDIS_URL)
    handle.extra_env = dict(worker_env)
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()
        app.conf.task_always_eager, app.conf.broker_url = previous
        _reset_broker_connections(app)
        redis.Redis.from_url(settings.TEST_REDIS_URL).flushdb()


def _queued_messages(queue) -> int:
    """Messages waiting in Redis for the `celery` queue (kombu keeps one list per priority step)."""
    keys = [b"celery", *queue.scan_iter(match="celery\x06\x16*")]
    return sum(queue.llen(key) for key in keys)


def wait_until_idle(app, broker_url: str, *, outbox=(), timeout: float = 30, log_path=None) -> None:
    """Return once everything started has been done; fail (AssertionError) after `timeout` seconds.

    Done means, all at the same time: no row of the `outbox` querysets (rows still
    to be sent or recomputed) is left, the Celery queue in Redis is empty, and the
    worker has no task running, reserved or scheduled (a retry with a countdown
    waits in the worker as "scheduled"). Exact counts asserted afterwards cannot
    change any more: nothing is left that could send. Used by the worker tests and
    by perf/bench_alerts.py.
    """
    queue = redis.Redis.from_url(broker_url)
    deadline = time.monotonic() + timeout
    left = "not checked yet"
    while time.monotonic() < deadline:
        left = _work_left(app, queue, outbox)
        if left is None:
            return
        time.sleep(0.1)
    where = f"; see {log_path}" if log_path else ""
    raise AssertionError(f"the worker was not idle within {timeout}s: {left}{where}")


def _work_left(app, queue, outbox) -> str | None:
    """What is still to be done (None when nothing), checked queue → worker → queue → outbox.

    A message is either in the queue or in the worker; checking the queue on both
    sides of the worker catches one the worker published or took in between.
    """
    if waiting := _queued_messages(queue):
        return f"{waiting} messages queued"
    inspect = app.control.inspect(timeout=2, limit=1)
    replies = {"active": inspect.active(), "reserved": inspect.reserved(), "scheduled": inspect.scheduled()}
    for kind, reply in replies.items():
        if not reply:
            return f"no answer from the worker about its {kind} tasks"
        if busy := sum(len(tasks) for tasks in reply.values()):
            return f"{busy} {kind} tasks in the worker"
    if waiting := _queued_messages(queue):
        return f"{waiting} messages queued"
    for rows in outbox:
        if count := rows.all().count():
            return f"{count} {rows.model.__name__} rows still to do"
    return None


class WorkerHandle:
    def __init__(self, *, database_url: str, broker_url: str):
        self.database_url = database_url
        self.broker_url = broker_url
        self.process: subprocess.Popen | None = None
        self.log_path = ROOT / "test-results" / "celery-worker.log"
        self.extra_env: dict[str, str] = {}

    def start(self, **extra_env):
        self.log_path.parent.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "kpiportal.settings.test",
            "DATABASE_URL": self.database_url,
            "TEST_REDIS_URL": self.broker_url,
            "KPI_TEST_EAGER": "0",
            "PYTHONWARNINGS": "ignore",
            **self.extra_env,
            **extra_env,
        }
        # Only this worker's lines count when waiting for "ready." (the log is shared by all workers).
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        # The child writes to its own copy of the file descriptor; ours is closed at once.
        with open(self.log_path, "ab") as log:
            self.process = self._popen(env, log)
        self._wait_ready()

    def _popen(self, env, log):
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "kpiportal",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                "celery",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def _wait_ready(self, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early; see {self.log_path}")
            if b"ready." in self.log_path.read_bytes()[self._log_offset :]:
                return
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker did not start within {timeout}s; see {self.log_path}")

    def wait_until_idle(self, *, outbox=(), timeout: float = 30):
        """Return once this worker has done everything the test started (see `wait_until_idle`)."""
        from kpiportal.celery import app

        wait_until_idle(app, self.broker_url, outbox=outbox, timeout=timeout, log_path=self.log_path)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


# --- Browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from conftest import CHROMIUM

    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(page, context: str = ""):
    """Run axe-core on the page; fail listing every WCAG A/AA violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    violations = result["violations"]
    if violations:
        lines = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in violations
        ]
        pytest.fail(f"axe found {len(violations)} WCAG violations on {page.url} {context}:\n" + "\n".join(lines))


@pytest.fixture
def login(page, live_server):
    """Sign a user in through the login form; returns the page."""

    def _login(user, password=factories.PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/**")
        return page

    return _login

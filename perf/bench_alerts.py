"""Alerts: approval → email accepted by an SMTP server, through a real Celery worker on Redis.

Starts its own worker (prefork, BENCH_ALERTS_CONCURRENCY processes, default 2)
on TEST_REDIS_URL and an SMTP server (aiosmtpd) in this process. Latency:
single approvals of a red figure (return_approve → recompute on the worker →
alerts in its transaction → one task per delivery → SMTP), from the approval's
commit to each email's acceptance. Throughput: one approval of 1,000 red
returns whose indicators have 10 recipients each (10,000 emails), from the
commit to the last email accepted, then the correctness figures: no email
sent twice, none lost, every delivery recorded as sent (counted once nothing is
left that could send).
"""

import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
LATENCY_SAMPLES = 20
LATENCY_RECIPIENTS = 3
BULK_ALERTS = int(os.environ.get("BENCH_ALERTS_BULK", "1000"))
BULK_RECIPIENTS = 10
# Each alert email names its delivery (emails.alert_email): how duplicates and losses are counted.
MESSAGE_ID = re.compile(rb"^Message-ID: <[^>@]*\.delivery-(\d+)@", re.M | re.I)


def _start_worker(smtp_port: int, broker_url: str, concurrency: int) -> tuple[subprocess.Popen, Path]:
    from django.conf import settings

    db = settings.DATABASES["default"]
    log_path = ROOT / "perf" / "out" / "bench-alerts-worker.log"
    log_path.parent.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kpiportal.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "TEST_REDIS_URL": broker_url,
        "KPI_TEST_EAGER": "0",
        "KPI_TEST_REAL_SMTP": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "PYTHONWARNINGS": "ignore",
        "LOG_LEVEL": "WARNING",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "kpiportal", "worker", f"--concurrency={concurrency}",
             "--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", "celery"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return process, log_path


def _wait_for_worker(app, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=0.5)
        if replies:
            return
    raise RuntimeError("the benchmark's Celery worker did not start")


def _people(prefix: str, count: int):
    from django.contrib.auth.models import Group

    from kpiportal.accounts import roles
    from kpiportal.accounts.models import User

    group = Group.objects.get(name=roles.VIEWER)
    users = User.objects.bulk_create(
        User(username=f"{prefix}{n}", email=f"{prefix}{n}@bench.example", first_name=prefix, last_name=str(n))
        for n in range(count)
    )
    group.user_set.add(*users)
    return users


def _indicators(prefix: str, count: int, *, officer, director, followers, red_month, earlier):
    """Indicators with targets, an approved amber month and a submitted red month."""
    from indicators import periods
    from indicators.alerts.models import Follow
    from indicators.models import Indicator, ServiceArea, Target, Theme
    from returns.models import Return, State

    theme, _ = Theme.objects.get_or_create(name="Bench alerts")
    area, _ = ServiceArea.objects.get_or_create(name=f"Bench alerts {prefix}")
    area.directors.add(director)
    indicators = Indicator.objects.bulk_create(
        Indicator(
            code=f"{prefix} {n}", title=f"Bench alert indicator {n}", theme=theme, service_area=area,
            responsible_officer=officer, unit="percent", polarity="higher", decimals=1, aggregation="ratio",
        )
        for n in range(count)
    )  # fmt: skip
    years = {periods.financial_year_of(red_month), periods.financial_year_of(earlier)}
    Target.objects.bulk_create(
        Target(indicator=i, financial_year=y, target=Decimal("90"), tolerance=Decimal("5"))
        for i in indicators
        for y in years
    )
    Return.objects.bulk_create(
        Return(indicator=i, period=earlier, value=Decimal("87"), state=State.APPROVED) for i in indicators
    )
    now = timezone.now()
    submitted = Return.objects.bulk_create(
        Return(
            indicator=i, period=red_month, value=Decimal("80"), commentary="Bench: two conferences moved.",
            state=State.SUBMITTED, submitted_by=officer, submitted_at=now,
        )
        for i in indicators
    )  # fmt: skip
    Follow.objects.bulk_create(Follow(user=u, indicator=i) for i in indicators for u in followers)
    return indicators, submitted


def run(report):
    import redis
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db import connection
    from kombu import pools

    from indicators import periods
    from indicators.alerts.models import Delivery
    from indicators.models import RecomputeRequest
    from kpiportal.accounts import roles
    from kpiportal.celery import app
    from returns import services as returns
    from tests.alerts.smtp import SmtpServer
    from tests.conftest import wait_until_idle

    if connection.vendor != "postgresql":
        report.add("alerts", "skipped: needs PostgreSQL for the worker to share the database", 0, "")
        return
    broker_url = settings.TEST_REDIS_URL
    redis.Redis.from_url(broker_url).flushdb()
    app.conf.task_always_eager = False
    app.conf.broker_url = broker_url
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None

    roles.ensure_role_groups()
    today = timezone.localdate()
    red_month = periods.add_months(periods.month_start(today), -1)
    earlier = periods.add_months(red_month, -1)
    officer, director, *people = _people("bench-alerts-", 2 + LATENCY_RECIPIENTS - 2 + BULK_RECIPIENTS - 2)
    officer.groups.add(Group.objects.get(name=roles.RESPONSIBLE_OFFICER))
    director.groups.add(Group.objects.get(name=roles.DIRECTOR))
    lat_followers = people[: LATENCY_RECIPIENTS - 2]
    bulk_followers = people[LATENCY_RECIPIENTS - 2 : LATENCY_RECIPIENTS - 2 + BULK_RECIPIENTS - 2]
    _, latency_returns = _indicators(
        "LAT", LATENCY_SAMPLES, officer=officer, director=director, followers=lat_followers,
        red_month=red_month, earlier=earlier,
    )  # fmt: skip
    _, bulk_returns = _indicators(
        "BULK", BULK_ALERTS, officer=officer, director=director, followers=bulk_followers,
        red_month=red_month, earlier=earlier,
    )  # fmt: skip

    smtp = SmtpServer()
    smtp.start()
    concurrency = int(os.environ.get("BENCH_ALERTS_CONCURRENCY", "2"))
    worker, _log = _start_worker(smtp.port, broker_url, concurrency)
    try:
        _wait_for_worker(app)
        # Latency: one approval at a time; each email's acceptance minus the approval's commit.
        latencies = []
        for ret in latency_returns:
            expected = smtp.count + LATENCY_RECIPIENTS
            started = time.monotonic()
            returns.return_approve(returns=[ret], by=director)
            smtp.wait_for(expected, timeout=60)
            with smtp._lock:
                latencies += [at - started for _, _, at in smtp.messages[-LATENCY_RECIPIENTS:]]
        median = statistics.median(latencies)
        report.add(
            "alerts",
            f"approval → email accepted, median of {len(latencies)} emails (s)",
            median,
            "s",
            target="≤ 5 s",
            ok=median <= 5,
        )
        report.add("alerts", "approval → email accepted, slowest (s)", max(latencies), "s")

        # Throughput: 1,000 red returns approved at once, 10 recipients each.
        before = smtp.count
        total = BULK_ALERTS * BULK_RECIPIENTS
        started = time.monotonic()
        returns.return_approve(returns=bulk_returns, by=director)
        approved = time.monotonic()
        with contextlib.suppress(AssertionError):  # counted below as lost emails
            smtp.wait_for(before + total, timeout=900)
        # Then until nothing is left that could send: no delivery unsettled, the queue empty, the worker idle.
        unsettled = Delivery.objects.filter(channel="immediate", state__in=["pending", "sending"])
        wait_until_idle(app, broker_url, outbox=[RecomputeRequest.objects.filter(done_at__isnull=True), unsettled])
        with smtp._lock:
            arrived = smtp.messages[before:]
        times = [at for _, _, at in arrived]
        first, last = min(times), max(times)
        report.add("alerts", f"approve {BULK_ALERTS:,} red returns (web request, s)", approved - started, "s")
        report.add("alerts", f"approval → first of {total:,} emails accepted (s)", first - started, "s")
        report.add("alerts", f"approval → last of {total:,} emails accepted (s)", last - started, "s")
        report.add(
            "alerts",
            f"throughput from commit, {BULK_ALERTS:,} alerts × {BULK_RECIPIENTS} recipients, {concurrency} processes",
            total / (last - approved),
            "emails/s",
        )
        bulk = set(
            Delivery.objects.filter(alert__indicator__code__startswith="BULK", channel="immediate").values_list(
                "pk", flat=True
            )
        )
        received = [int(m.group(1)) for _, raw, _ in arrived if (m := MESSAGE_ID.search(raw))]
        duplicates = len(received) - len(set(received))
        lost = len(bulk - set(received))
        sent = Delivery.objects.filter(pk__in=bulk, state="sent").count()
        report.add("alerts", "bulk deliveries", len(bulk), "", target=f"= {total:,}", ok=len(bulk) == total, must=True)
        report.add("alerts", "duplicate emails (must be 0)", duplicates, "", target="0", ok=duplicates == 0, must=True)
        report.add("alerts", "lost emails (must be 0)", lost, "", target="0", ok=lost == 0, must=True)
        report.add(
            "alerts", "bulk deliveries recorded as sent", sent, "", target=f"= {total:,}", ok=sent == total, must=True
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        smtp.stop()
        redis.Redis.from_url(broker_url).flushdb()

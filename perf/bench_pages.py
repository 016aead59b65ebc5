"""Baseline: a signed-in page and /healthz through the full middleware stack (reference for page ratios)."""

from django.test import Client

from perf.run import timed


def run(report):
    from indicators.demo import ensure_demo_users
    from kpiportal.accounts.models import User

    ensure_demo_users()
    client = Client()
    client.force_login(User.objects.get(username="viewer"))
    client.get("/")
    home = timed(lambda: [client.get("/") for _ in range(50)]) / 50
    health = timed(lambda: [client.get("/healthz") for _ in range(50)]) / 50
    report.add("pages", "home page, signed in (ms per request)", home * 1000, "ms")
    report.add("pages", "/healthz (ms per request)", health * 1000, "ms")

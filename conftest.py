"""Root test configuration: service requirements of marked tests.

Tests marked `postgres`, `worker` or `browser` need the real service. When it
is missing they are not silently skipped: the run prints which tests could not
run and why, and with KPI_REQUIRE_SERVICES=1 (as in CI) the run fails.
"""

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

# Playwright runs an event loop in the test thread; Django must still let the
# test database be created from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("KPI_CHROMIUM", "/usr/bin/chromium")


def _answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def missing_services() -> dict[str, str]:
    """Marker → why its tests cannot run here (empty when everything is present)."""
    from django.conf import settings
    from django.db import connection

    missing = {}
    if connection.vendor != "postgresql":
        missing["postgres"] = "the test database is not PostgreSQL (set DATABASE_URL or start PostgreSQL on 5432)"
    if not _answers(settings.TEST_REDIS_URL, 6379):
        missing["worker"] = f"Redis does not answer at {settings.TEST_REDIS_URL}"
    elif "postgres" in missing:
        missing["worker"] = "a real worker shares the test database, which must be PostgreSQL"
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing["browser"] = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return missing


def pytest_collection_modifyitems(config, items):
    missing = missing_services()
    if not missing:
        return
    required = os.environ.get("KPI_REQUIRE_SERVICES") == "1"
    blocked = [item for item in items if any(item.get_closest_marker(m) for m in missing)]
    if not blocked:
        return
    reasons = "\n".join(f"  - {marker}: {why}" for marker, why in missing.items())
    if required:
        raise pytest.UsageError(
            f"KPI_REQUIRE_SERVICES=1 but {len(blocked)} tests need services that are missing:\n{reasons}"
        )
    config.hook.pytest_deselected(items=blocked)
    items[:] = [item for item in items if item not in blocked]
    config._kpi_not_run = (len(blocked), reasons)


def pytest_terminal_summary(terminalreporter, config):
    not_run = getattr(config, "_kpi_not_run", None)
    if not_run:
        count, reasons = not_run
        terminalreporter.section("TESTS NOT RUN", sep="!", red=True, bold=True)
        terminalreporter.write_line(f"{count} tests were NOT RUN because services are missing:\n{reasons}", red=True)
        terminalreporter.write_line("CI (KPI_REQUIRE_SERVICES=1) fails in this situation.", red=True)

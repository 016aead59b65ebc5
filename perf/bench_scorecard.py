"""Scorecard: full and incremental recompute, board page against a bare view, query counts, board pack.

All figures from one run on one machine, so the ratios compare like with like:
- full recompute of 500 indicators × 120 months × 6 teams (420,000 entries): from an empty table, again with
  nothing changed (it writes nothing), and after every target changed (most entries rewritten), each with the
  CPU it took in Python and in PostgreSQL (the wall time depends on what else runs on the 2 cores: the load
  average is reported with it);
- incremental recompute after one approval (one indicator, from its period on);
- then, on 300 indicators × 25 months × 5 teams: the board scorecard's server time (uncached and cached)
  and its ratio to a bare Django view rendering the same number of rows and cells from a list; SQL
  queries of the board at 30 and at 300 indicators (equal, at most 15); the board pack build time.
"""

import os
import statistics
import time
from datetime import date

from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext

from perf.run import timed
from perf.scorecard_data import generate

END = date(2026, 9, 1)
PERIOD = "2026-09"

BARE_TEMPLATE = engines["django"].from_string(
    "<!DOCTYPE html><html><body><table>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>"
    "{% endfor %}</tr>{% endfor %}</table></body></html>"
)


def bare_view(rows):
    def view(request):
        return HttpResponse(BARE_TEMPLATE.render({"rows": rows}, request))

    return view


def _truncate_figures():
    """Leave only users and settings: the page benchmarks start from their own catalogue."""
    from benchmarks.models import ComparatorValue
    from indicators.models import Indicator, ScorecardEntry, Target
    from returns.models import Return, TeamFigure

    tables = [m._meta.db_table for m in (ScorecardEntry, TeamFigure, Return, ComparatorValue, Target, Indicator)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (when it runs on this machine)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, TypeError):
        return None


def _measured(report, label: str, ok_target: bool = True, **kwargs):
    """One recompute: its wall time against the target, and the CPU it took in Python and in PostgreSQL."""
    from indicators.scorecard.recompute import recompute

    python_cpu, backend_cpu = time.process_time(), _backend_cpu()
    result = recompute(**kwargs)
    python_cpu = time.process_time() - python_cpu
    backend_cpu = _backend_cpu() - backend_cpu if backend_cpu is not None else None
    report.add(
        "scorecard",
        f"{label}: {result.entries:,} entries, {result.written:,} written, {result.deleted:,} deleted (s)",
        result.seconds,
        "s",
        target="≤ 10 s" if ok_target else "",
        ok=result.seconds <= 10 if ok_target else None,
    )
    report.add("scorecard", "  CPU: Python (s)", python_cpu, "s")
    if backend_cpu is not None:
        report.add("scorecard", "  CPU: PostgreSQL backend (s)", backend_cpu, "s")
    for name, seconds in result.timings.items():
        report.add("scorecard", f"  wall: {name} (s)", seconds, "s")
    return result


def _recompute(report):
    from django.db.models import F

    from indicators import periods
    from indicators.models import Target
    from indicators.scorecard.recompute import recompute
    from returns.models import Return

    ids = generate(indicators=500, months=120, teams=6, end=END, prefix="F")
    report.add("scorecard", "machine load average (1 min) before the recompute", os.getloadavg()[0], "")
    _measured(report, "full recompute 500 × 120 × 6, empty table")
    again = _measured(report, "full recompute again, nothing changed")
    assert again.written == again.deleted == 0 and not again.rag_changes, again
    # The worst case of a night: every target changed (a new year's targets imported), so every entry
    # of an indicator with a target is rewritten.
    Target.objects.update(target=F("target") + 1)
    report.add("scorecard", "machine load average (1 min) now", os.getloadavg()[0], "")
    _measured(report, "full recompute after every target changed")
    ret = Return.objects.get(indicator_id=ids[7], period=END)

    def one_approval():
        ret.value = ret.value + 1
        ret.save(update_fields=["value"])
        recompute(indicator_ids=[ret.indicator_id], from_period=periods.add_months(END, -2))

    seconds = timed(one_approval, repeat=5)
    report.add(
        "scorecard", "incremental recompute after one approval (s)", seconds, "s", target="≤ 0.2 s", ok=seconds <= 0.2
    )


def _board_queries(client) -> int:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/indicators/scorecard/", {"period": PERIOD})
    assert response.status_code == 200, response.status_code
    return len(queries)


def _pages(report):
    from django.core.cache import cache

    from indicators.demo import ensure_demo_users
    from indicators.scorecard.recompute import recompute
    from kpiportal.accounts.models import User

    _truncate_figures()
    ensure_demo_users()
    client = Client()
    client.force_login(User.objects.get(username="viewer"))

    generate(indicators=30, months=25, teams=5, end=END, prefix="S", seed=2)
    recompute()
    at_30 = _board_queries(client)
    generate(indicators=270, months=25, teams=5, end=END, prefix="T", seed=3)
    recompute()
    at_300 = _board_queries(client)
    ok = at_30 == at_300 <= 15
    report.add("scorecard", "board page SQL queries, 30 indicators", at_30, "queries", target="= at 300, ≤ 15", ok=ok)
    report.add("scorecard", "board page SQL queries, 300 indicators", at_300, "queries", target="= at 30, ≤ 15", ok=ok)

    def uncached():
        cache.clear()
        response = client.get("/indicators/scorecard/", {"period": PERIOD})
        assert response.status_code == 200

    def cached():
        response = client.get("/indicators/scorecard/", {"period": PERIOD})
        assert response.status_code == 200

    uncached()
    page = statistics.median([timed(uncached) for _ in range(7)])
    cached()
    hit = statistics.median([timed(cached) for _ in range(15)])
    _against_a_bare_view(report, client, page, hit)
    _board_pack(report)


def _against_a_bare_view(report, client, page: float, hit: float):
    from django.urls import clear_url_caches, path

    from indicators.reports.rows import board_months, build_scorecard
    from indicators.reports.views import BOARD
    from kpiportal import urls

    # The bare view: the same rows and cells (as plain strings), same middleware and session.
    period = date(2026, 9, 1)
    sc = build_scorecard(period, months=board_months(period))
    columns = BOARD.columns(sc)
    rows = [[column.cell(row).text for column in columns] for row in sc.rows]
    urls.urlpatterns.append(path("bench/bare/", bare_view(rows)))
    clear_url_caches()
    try:
        assert client.get("/bench/bare/").status_code == 200
        bare = statistics.median([timed(lambda: client.get("/bench/bare/")) for _ in range(15)])
    finally:
        urls.urlpatterns.pop()
        clear_url_caches()
    cells = len(rows) * len(columns)
    report.add("scorecard", f"board page, 300 indicators × {len(columns)} columns, uncached (ms)", page * 1000, "ms")
    report.add("scorecard", "board page, cached tables (ms)", hit * 1000, "ms")
    report.add("scorecard", f"bare Django view, same {cells:,} cells from a list (ms)", bare * 1000, "ms")
    report.add("scorecard", "ratio: board page uncached / bare view", page / bare, "×")
    report.add("scorecard", "ratio: board page cached / bare view", hit / bare, "×")


def _board_pack(report):
    from indicators.reports import boardpack
    from indicators.reports.rows import board_months, build_scorecard
    from indicators.reports.views import BOARD, DASHBOARD, EXCEPTIONS, layout_groups, layout_rows, layout_view

    period = date(2026, 9, 1)

    def pack():
        sc = build_scorecard(period, months=board_months(period), commentary=True)
        sheets = []
        for layout in (BOARD, DASHBOARD, EXCEPTIONS):
            view = layout_view(sc, layout)
            chosen = layout_rows(layout, view, "")
            sheets.append(
                boardpack.Sheet(layout.title, layout.title, layout.columns(view), layout_groups(layout, chosen))
            )
        return boardpack.workbook_bytes(sheets)

    started = time.perf_counter()
    size = len(pack())
    seconds = time.perf_counter() - started
    report.add(
        "scorecard",
        f"board pack, 300 indicators, 3 sheets ({size // 1024} KB) (s)",
        seconds,
        "s",
        target="≤ 2 s",
        ok=seconds <= 2,
    )


def run(report):
    _recompute(report)
    _pages(report)

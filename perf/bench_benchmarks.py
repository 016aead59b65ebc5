"""Comparators: a 50,000-row XLSX import against openpyxl's bare read, and scorecard queries with comparators on/off.

Import: 500 indicators × 10 comparators × 10 financial years = 50,000 rows in
long form, written as one XLSX. The reference is openpyxl opening the same
file read-only and iterating every row's values (nothing else); the import is
the whole path a council's upload takes when confirmed: read (size and
zip-bomb checks, calamine), parse every row, plan against the database, write
50,000 values and their history in one transaction. Then the same file again
(every value unchanged: nothing written) and with every value changed.

Queries: the benchmark scorecard page (every comparator column, rating and
rank) with no comparator values at all, then with the 50,000 loaded — the
count must not change.
"""

import io
import time

from perf.run import timed

INDICATORS = 500
SOURCES = 10
YEARS = 10
FIRST_YEAR = 2011


def _catalogue():
    from benchmarks.models import ComparatorSource
    from indicators.models import Indicator, ServiceArea, Theme

    theme, _ = Theme.objects.get_or_create(name="Comparator bench", defaults={"position": 99})
    area, _ = ServiceArea.objects.get_or_create(name="Comparator bench")
    Indicator.objects.bulk_create(
        [
            Indicator(
                code=f"CB {i}",
                title=f"Comparator bench indicator {i}",
                theme=theme,
                service_area=area,
                unit="percent",
                polarity="higher" if i % 2 else "lower",
                decimals=1,
            )
            for i in range(INDICATORS)
        ],
        ignore_conflicts=True,
    )
    kinds = ["average", "region", "national"] + ["authority"] * (SOURCES - 3)
    for n, kind in enumerate(kinds):
        ComparatorSource.objects.get_or_create(
            name=f"Bench comparator {n}", defaults={"kind": kind, "short_name": f"BC{n}", "position": 100 + n}
        )


def _xlsx(offset: float) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Comparators")
    sheet.append(["indicator_code", "comparator", "period", "value", "note"])
    for i in range(INDICATORS):
        for s in range(SOURCES):
            for y in range(YEARS):
                year = FIRST_YEAR + y
                value = round((i * 7 + s * 3 + y) % 97 + offset, 1)
                sheet.append([f"CB {i}", f"BC{s}", f"{year}/{(year + 1) % 100:02d}", value, f"Published {year + 1}"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _openpyxl_bare_read(data: bytes) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = 0
    for _row in workbook.active.iter_rows(values_only=True):
        rows += 1
    workbook.close()
    return rows


def _import(data: bytes, user):
    from kpiportal.imports import run_file

    report = run_file("comparators", data, by=user, commit=True)
    assert report.ok, report.sorted_errors[:5]
    return report


def run(report):
    from django.conf import settings

    from benchmarks.models import ComparatorValue
    from indicators.demo import ensure_demo_users
    from kpiportal.accounts.models import User

    # A 50,000-row workbook is about 1.5 MB; the default 10 MB upload limit is kept.
    ensure_demo_users()
    user = User.objects.get(username="perf")
    _catalogue()
    ComparatorValue.objects.filter(indicator__code__startswith="CB ").delete()

    queries_without = _scorecard_queries()

    data = _xlsx(0.0)
    rows = INDICATORS * SOURCES * YEARS
    report.add("benchmarks", f"XLSX of {rows:,} comparator rows (MB)", len(data) / 1e6, "MB")
    assert len(data) <= settings.IMPORT_MAX_BYTES
    bare = timed(lambda: _openpyxl_bare_read(data), repeat=2)
    report.add("benchmarks", "openpyxl read-only load, every row (reference)", bare, "s")

    started = time.perf_counter()
    first = _import(data, user)
    created = time.perf_counter() - started
    assert first.count("comparator value", "created") == rows
    report.add("benchmarks", f"import {rows:,} new values (read, check, write + history)", created, "s")
    ratio = created / bare
    report.add("benchmarks", "import ÷ openpyxl bare read (new values)", ratio, "×", target="≤ 1.5×", ok=ratio <= 1.5)

    again = timed(lambda: _import(data, user))
    report.add("benchmarks", "the same file again: all unchanged, nothing written", again, "s")
    changed_data = _xlsx(0.5)
    started = time.perf_counter()
    changed = _import(changed_data, user)
    updated = time.perf_counter() - started
    assert changed.count("comparator value", "updated") == rows
    report.add("benchmarks", f"import {rows:,} changed values (update + history)", updated, "s")
    report.add("benchmarks", "import ÷ openpyxl bare read (changed values)", updated / bare, "×")

    queries_with = _scorecard_queries()
    report.add("benchmarks", "benchmark scorecard queries, no comparator values", queries_without, "queries")
    report.add(
        "benchmarks",
        f"benchmark scorecard queries, {rows:,} comparator values",
        queries_with,
        "queries",
        target="unchanged",
        ok=queries_with == queries_without,
    )


def _scorecard_queries() -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from kpiportal.accounts.models import User

    try:
        url = reverse("indicators:benchmark_scorecard")
    except NoReverseMatch:
        return -1
    client = Client()
    client.force_login(User.objects.get(username="viewer"))
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"nocache": time.perf_counter()})
    assert response.status_code == 200
    return len(captured.captured_queries)

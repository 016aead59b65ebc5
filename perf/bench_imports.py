"""Imports: a 30,000-row figures file (XLSX) read, previewed, imported and imported again, vs a bare calamine read."""

import io
import random
import time
from datetime import date

from perf.run import timed

INDICATORS = 100
MONTHS = 300  # 100 indicators × 300 months = 30,000 rows
FIRST_MONTH = date(2000, 1, 1)


def _figures_file() -> bytes:
    import openpyxl

    from indicators import periods

    rng = random.Random(20261123)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Figures")
    sheet.append(["indicator_code", "period", "value", "numerator", "denominator", "team", "commentary"])
    months = [periods.iso_month(periods.add_months(FIRST_MONTH, m)) for m in range(MONTHS)]
    for i in range(INDICATORS):
        code = f"B {i}"
        for month in months:
            if i % 2:
                denominator = rng.randint(20, 200)
                sheet.append([code, month, None, rng.randint(0, denominator), denominator, None, None])
            else:
                sheet.append(
                    [code, month, round(rng.uniform(0, 100), 1), None, None, None, "Figure from the old system"]
                )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _catalogue():
    from django.contrib.auth.models import Group

    from indicators.models import Indicator, ServiceArea, Theme
    from kpiportal.accounts import roles
    from kpiportal.accounts.models import User

    roles.ensure_role_groups()
    user, _ = User.objects.get_or_create(username="bench-importer")
    user.groups.add(Group.objects.get(name=roles.PERFORMANCE_TEAM))
    theme, _ = Theme.objects.get_or_create(name="Benchmark")
    area, _ = ServiceArea.objects.get_or_create(name="Benchmark")
    Indicator.objects.bulk_create(
        [
            Indicator(
                code=f"B {i}",
                title=f"Benchmark indicator {i}",
                theme=theme,
                service_area=area,
                unit="percent",
                aggregation="ratio" if i % 2 else "mean",
                polarity="higher",
            )
            for i in range(INDICATORS)
        ],
        ignore_conflicts=True,
    )
    return User.objects.get(pk=user.pk)


def run(report):
    import python_calamine

    from indicators.imports.figures import figures_import
    from kpiportal.sheets import reader
    from returns.models import Return

    data = _figures_file()
    by = _catalogue()
    rows = INDICATORS * MONTHS

    def bare_read():
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()

    calamine = timed(bare_read, repeat=3)
    read = timed(lambda: reader.read_bytes(data), repeat=3)
    table = reader.read_bytes(data)
    preview = timed(lambda: figures_import(table, by=by, commit=False))

    before = Return.objects.count()  # other benchmarks in the same database may have left returns
    started = time.perf_counter()
    first = figures_import(table, by=by, commit=True)
    imported = time.perf_counter() - started
    assert first.ok and Return.objects.count() == before + rows, first.sorted_errors[:3]
    again = timed(lambda: figures_import(table, by=by, commit=True))

    report.add("imports", f"file: {rows:,} rows × 7 columns, XLSX (KB)", len(data) / 1024, "KB")
    report.add("imports", "bare calamine read of the sheet", calamine, "s")
    report.add(
        "imports",
        "reader.read_bytes (checks, inflate bound, sheet measured, read in a child, formulas, cells as text)",
        read,
        "s",
    )
    report.add("imports", "ratio read_bytes / bare calamine", read / calamine, "×")
    report.add("imports", "preview: parse, resolve, validate, plan (nothing written)", preview, "s")
    report.add(
        "imports",
        "import into an empty portal (30,000 approved returns, events, history; recompute in-process)",
        imported,
        "s",
        target="< 60 s",
        ok=imported < 60,
    )
    report.add("imports", "ratio import / bare calamine read (same run)", imported / calamine, "×")
    report.add("imports", "import the same file again (all unchanged)", again, "s")
    report.add("imports", "rows imported per second", rows / imported, "rows/s")

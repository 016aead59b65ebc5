"""Synthetic scorecard history for benchmarks: indicators, targets, approved returns, team figures, comparators.

Bulk-loaded (COPY on PostgreSQL) so that generating 360,000 team figures takes
seconds; the figures are plausible (percentages from numerators and
denominators, counts, rates) and deterministic for a given seed.
"""

import random
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone

UNITS = (
    # unit, aggregation, polarity
    ("percent", "ratio", "higher"),
    ("percent", "ratio", "lower"),
    ("count", "sum", "lower"),
    ("rate_per_10k", "latest", "neutral"),
    ("days", "mean", "lower"),
)


def _copy(model, columns: list[str], rows) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        model.objects.bulk_create((model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=2000)


def generate(*, indicators: int, months: int, teams: int, end: date, prefix: str = "B", seed: int = 1) -> list[int]:
    """Create `indicators` indicators with `months` months of approved history up to `end`; returns their ids."""
    from benchmarks.models import ComparatorSource, ComparatorValue
    from indicators import periods
    from indicators.models import Indicator, ServiceArea, Target, Team, Theme
    from kpiportal.accounts.models import User
    from returns.models import Return, TeamFigure

    rng = random.Random(seed)
    themes = [Theme.objects.get_or_create(name=f"Theme {i}", defaults={"position": i})[0] for i in range(8)]
    areas = [ServiceArea.objects.get_or_create(name=f"Service area {i}")[0] for i in range(4)]
    officers = [
        User.objects.get_or_create(username=f"ro{i}", defaults={"first_name": "RO", "last_name": str(i)})[0]
        for i in range(12)
    ]
    team_objs = [Team.objects.get_or_create(name=f"TEAM {i}", defaults={"position": i})[0] for i in range(teams)]
    neighbours, _ = ComparatorSource.objects.get_or_create(
        name="Statistical neighbours", defaults={"kind": "average", "short_name": "SN", "position": 1}
    )
    england, _ = ComparatorSource.objects.get_or_create(
        name="England", defaults={"kind": "national", "short_name": "ENG", "position": 2}
    )
    now = timezone.now()
    created = Indicator.objects.bulk_create(
        [
            Indicator(
                code=f"{prefix} {i}",
                title=f"Benchmark indicator {i}: percentage of children seen within the timescale",
                definition="How the figure is counted.",
                theme=themes[i % len(themes)],
                service_area=areas[i % len(areas)],
                responsible_officer=officers[i % len(officers)],
                unit=UNITS[i % len(UNITS)][0],
                aggregation=UNITS[i % len(UNITS)][1],
                polarity=UNITS[i % len(UNITS)][2],
                decimals=1,
                is_key=i % 7 == 0,
                position=i,
            )
            for i in range(indicators)
        ]
    )
    ids = [ind.pk for ind in created]
    first = periods.add_months(end, -(months - 1))
    month_list = periods.month_range(first, end)
    years = sorted({periods.financial_year_of(m) for m in month_list})
    Target.objects.bulk_create(
        [
            Target(
                indicator=ind,
                financial_year=year,
                target=Decimal(rng.choice([75, 80, 85, 90, 95])) if ind.unit == "percent" else Decimal(40),
                tolerance=Decimal(5),
                tolerance_kind="relative",
            )
            for ind in created
            if ind.polarity != "neutral"
            for year in years
        ]
    )
    comparator_rows = []
    for ind in created:
        for year in years[:-1]:
            for source in (neighbours, england):
                comparator_rows.append(
                    (ind.pk, source.pk, "year", date(year, 4, 1), Decimal(rng.randint(50, 95)), "", now)
                )
    _copy(
        ComparatorValue,
        ["indicator_id", "source_id", "period_kind", "period_start", "value", "note", "loaded_at"],
        comparator_rows,
    )

    return_rows = []
    team_rows = []
    for ind in created:
        for month in month_list:
            parts = []
            for team in team_objs:
                if ind.unit == "percent":
                    denominator = rng.randint(20, 60)
                    numerator = rng.randint(int(denominator * 0.6), denominator)
                    value = (Decimal(100) * numerator / denominator).quantize(Decimal("0.000001"))
                    parts.append((team.pk, value, Decimal(numerator), Decimal(denominator)))
                else:
                    parts.append((team.pk, Decimal(rng.randint(10, 80)), None, None))
            if ind.unit == "percent":
                numerator = sum(p[2] for p in parts)
                denominator = sum(p[3] for p in parts)
                value = (Decimal(100) * numerator / denominator).quantize(Decimal("0.000001"))
            else:
                numerator = denominator = None
                value = sum(p[1] for p in parts)
            return_rows.append((ind.pk, month, value, numerator, denominator, parts))
    _copy(
        Return,
        [
            *("indicator_id", "period", "value", "numerator", "denominator", "not_available"),
            *("not_available_reason", "commentary", "state", "version", "created_at", "updated_at"),
        ],
        (
            (i, m, v, n, d, False, "", "Performance held up this month.", "approved", 1, now, now)
            for i, m, v, n, d, _ in return_rows
        ),
    )
    keys = Return.objects.filter(indicator_id__in=ids).values_list("pk", "indicator_id", "period")
    return_ids = {(i, p): pk for pk, i, p in keys}
    for indicator_id, month, _, _, _, parts in return_rows:
        ret_id = return_ids[(indicator_id, month)]
        for team_id, value, numerator, denominator in parts:
            team_rows.append((ret_id, team_id, value, numerator, denominator))
    _copy(TeamFigure, ["ret_id", "team_id", "value", "numerator", "denominator"], team_rows)
    return ids

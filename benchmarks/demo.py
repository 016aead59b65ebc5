"""Demo comparators: the benchmark seed's SN / SE / ENG / council columns, loaded through the comparator import.

The wide scorecard parser (`indicators.imports.wide`) keeps the columns it does not
import on each row (`extras`), e.g. `SN 2019/20` under the group
`Benchmarking …`. Each such column becomes long-form comparator rows
(`indicator_code, comparator, period, value`) for the same import a council
uses, so a second run changes nothing.
"""

import re

from benchmarks import imports, services
from benchmarks.models import ComparatorSource
from indicators.catalogue.lookup import Catalogue
from kpiportal.imports import ImportReport
from kpiportal.sheets.table import CSV, Row, Table

# Column prefix in the seed → (source name, short name, kind, order).
SEED_SOURCES = {
    "SN": ("Statistical neighbours", "SN", ComparatorSource.Kind.AVERAGE, 1),
    "SE": ("South East", "SE", ComparatorSource.Kind.REGION, 2),
    "ENG": ("England", "ENG", ComparatorSource.Kind.NATIONAL, 3),
    "Bexley": ("Bexley", "", ComparatorSource.Kind.AUTHORITY, 4),
    "Kingston": ("Kingston", "", ComparatorSource.Kind.AUTHORITY, 5),
    "Redbridge": ("Redbridge", "", ComparatorSource.Kind.AUTHORITY, 6),
}
BENCHMARK_GROUP = "benchmarking"
_LABEL = re.compile(r"^(?P<source>.+?)\s+(?P<period>\d{4}\s*/\s*\d{2}(?:\s*Q[1-4])?)$", re.IGNORECASE)


def ensure_seed_sources(*, by) -> None:
    """The seed's six comparators, added when missing (an existing source is left as the team set it)."""
    known = {imports.key(n) for pair in ComparatorSource.objects.values_list("name", "short_name") for n in pair if n}
    for name, short_name, kind, position in SEED_SOURCES.values():
        if imports.key(name) not in known:
            services.comparator_source_create(name=name, short_name=short_name, kind=kind, position=position, by=by)


def comparator_rows(sheet, catalogue) -> list[list[str]]:
    """Long-form rows (with a header) from the benchmarking columns of a parsed wide sheet."""
    columns = [
        (extra.label, match.group("source"), match.group("period"))
        for extra in sheet.extra_columns
        if extra.group.casefold().startswith(BENCHMARK_GROUP)
        and (match := _LABEL.match(extra.label))
        and match.group("source") in SEED_SOURCES
    ]
    rows = [["indicator_code", "comparator", "period", "value", "note"]]
    for row in sheet.rows:
        indicator = catalogue.indicator(row.code) if row.code else catalogue.indicator_by_title(row.title)
        if indicator is None:
            continue
        for label, prefix, period in columns:
            text = row.extras.get(label, "")
            if text:
                rows.append([indicator.code, SEED_SOURCES[prefix][0], period, text, f"Seed scorecard, {label}"])
    return rows


def load_seed_comparators(sheet, *, by) -> ImportReport:
    """Load the benchmarking columns of the benchmark seed (already imported into the catalogue)."""
    ensure_seed_sources(by=by)
    rows = comparator_rows(sheet, Catalogue.load())
    table = Table(tuple(Row(n, tuple(cells)) for n, cells in enumerate(rows, start=1)), CSV)
    return services.comparators_import(table, by=by, commit=True)

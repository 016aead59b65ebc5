"""Imports of the catalogue (PRODUCT §8): indicators with their targets, and the wide scorecard layout.

Two steps, as every import: parse and check every row against the catalogue
(read once, `indicators.catalogue.lookup.Catalogue`), then — only when no row is bad and the caller
commits — write everything in one transaction.

Rules of the indicator import (long form, one row per indicator or per
indicator and financial year):

- `code` is required; codes match whatever their spacing or case (`W1 a` is
  `W 1a`). A code may repeat on rows for different financial years; the
  catalogue columns of those rows must agree.
- A blank cell leaves an existing indicator's value as it is; a new indicator
  needs `title`, `theme` and `service_area` (themes and service areas are
  created when new — the preview lists them).
- Words are read by `indicators.catalogue.cells` (`BIB`, `↑ Higher is better`, `%`, …);
  a word it does not know is a bad row naming the column.
- `responsible_officer` (and `deputies`, separated by `;`) is a username, an
  email or the initials of a portal user; anyone else is a bad row.
- `target`, `tolerance`, `tolerance_kind` and `dot_threshold` need
  `financial_year`; `NA` as a target records that there is none that year.

The plans are made and written by `indicators.imports.plans`; the wide
scorecard layout is imported by `indicators.imports.figures`.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from indicators import periods, recompute_requests
from indicators.catalogue import cells
from indicators.catalogue.lookup import Catalogue, check_can_import
from indicators.imports.plans import (
    NO_TARGET,
    TARGET_FIELDS,
    IndicatorPlan,
    plan_indicator_fields,
    plan_target,
    record_plans,
    write_plans,
)
from indicators.models import Indicator
from kpiportal.accounts.models import User
from kpiportal.imports import ImportReport
from kpiportal.sheets.columns import Column, map_columns
from kpiportal.sheets.table import Table

INDICATOR_COLUMNS = (
    Column("code", ("indicator_code", "indicator number", "indicator no", "ref", "kpi"), required=True),
    Column("title", ("indicator title", "name", "indicator name", "performance measure")),
    Column("definition", ("definitions", "description")),
    Column("theme", ("section",)),
    Column("service_area", ("service",)),
    Column("polarity", ("direction", "good is")),
    Column("unit", ("units",)),
    Column("decimals", ("decimal places", "dp")),
    Column(
        "frequency",
    ),
    Column(
        "measure",
    ),
    Column("aggregation", ("ytd aggregation",)),
    Column("is_key", ("key", "key kpi", "killer kpi")),
    Column(
        "status",
    ),
    Column("responsible_officer", ("ro", "officer", "lead officer")),
    Column("deputies", ("deputy",)),
    Column("numerator_label", ("numerator",)),
    Column("denominator_label", ("denominator",)),
    Column(
        "population_base",
    ),
    Column("info_note", ("info", "note", "notes")),
    Column("financial_year", ("year", "fy", "target year")),
    Column(
        "target",
    ),
    Column(
        "tolerance",
    ),
    Column(
        "tolerance_kind",
    ),
    Column("dot_threshold", ("direction threshold", "direction of travel threshold")),
)

_WORDS = {
    "polarity": cells.parse_polarity,
    "unit": cells.parse_unit,
    "frequency": cells.parse_frequency,
    "measure": cells.parse_measure,
    "aggregation": cells.parse_aggregation,
    "status": cells.parse_status,
    "is_key": cells.parse_bool,
}
_TEXT = ("title", "definition", "numerator_label", "denominator_label", "population_base", "info_note")


@dataclass
class IndicatorRow:
    row: int
    code: str
    values: dict
    columns: dict[str, str]
    year: int | None = None
    target_values: dict = field(default_factory=dict)
    theme: str = ""
    service_area: str = ""
    deputies: list[User] | None = None


def parse_indicator_rows(table: Table, catalogue: Catalogue, report: ImportReport) -> list[IndicatorRow]:
    """Each data row as the values it gives; problems go to `report` with their row and column."""
    header, data = table.rows[0], table.rows[1:]
    mapping = map_columns(header, INDICATOR_COLUMNS, data_rows=data)
    report.errors.extend(mapping.errors)
    if mapping.errors:
        return []
    rows = []
    for row in data:
        text = mapping.values(row)
        columns = {name: mapping.header_of(name) for name in text}
        code = text.get("code", "")
        if not code:
            report.error(row.number, mapping.header_of("code"), "the code is blank")
            continue
        parsed = IndicatorRow(row.number, code, {}, columns)
        for name in _TEXT:
            if text.get(name):
                parsed.values[name] = "" if text[name] in ("-", "–") else text[name]
        for name, parse in _WORDS.items():
            if text.get(name):
                try:
                    parsed.values[name] = parse(text[name])
                except cells.CellError as exc:
                    report.error(row.number, columns[name], str(exc))
        if text.get("decimals"):
            try:
                decimals = cells.parse_whole_number(text["decimals"])
                if decimals > 6:
                    raise cells.CellError("decimals must be between 0 and 6")
                parsed.values["decimals"] = decimals
            except cells.CellError as exc:
                report.error(row.number, columns["decimals"], str(exc))
        parsed.theme = text.get("theme", "")
        parsed.service_area = text.get("service_area", "")
        if text.get("responsible_officer"):
            try:
                parsed.values["responsible_officer"] = catalogue.user(text["responsible_officer"])
            except cells.CellError as exc:
                report.error(row.number, columns["responsible_officer"], str(exc))
        if text.get("deputies"):
            parsed.deputies = []
            for name in filter(None, (n.strip() for n in text["deputies"].replace(",", ";").split(";"))):
                try:
                    parsed.deputies.append(catalogue.user(name))
                except cells.CellError as exc:
                    report.error(row.number, columns["deputies"], str(exc))
        _parse_target_cells(parsed, text, catalogue, report)
        rows.append(parsed)
    return rows


def _parse_target_cells(parsed: IndicatorRow, text: dict, catalogue: Catalogue, report: ImportReport) -> None:
    given = [name for name in TARGET_FIELDS if text.get(name)]
    if text.get("financial_year"):
        try:
            parsed.year = periods.parse_financial_year_or_year(text["financial_year"])
        except periods.PeriodError as exc:
            report.error(parsed.row, parsed.columns["financial_year"], str(exc))
            return
    if not given:
        return
    if parsed.year is None:
        report.error(
            parsed.row,
            parsed.columns.get("financial_year", "financial_year"),
            "give the financial year (e.g. 2022/23) the target is for",
        )
        return
    existing = catalogue.indicator(parsed.code)
    unit = parsed.values.get("unit") or (existing.unit if existing else "count")
    values = parsed.target_values
    try:
        if text.get("target"):
            target = text["target"]
            values["target"] = NO_TARGET if cells.is_not_available(target) else cells.parse_number(target)
    except cells.CellError as exc:
        report.error(parsed.row, parsed.columns["target"], f"the target {exc}")
    try:
        if text.get("tolerance"):
            amount, kind = cells.parse_tolerance(text["tolerance"], unit=unit)
            values["tolerance"] = amount
            if kind:
                values["tolerance_kind"] = kind
    except cells.CellError as exc:
        report.error(parsed.row, parsed.columns["tolerance"], str(exc))
    try:
        if text.get("tolerance_kind"):
            values["tolerance_kind"] = cells.parse_tolerance_kind(text["tolerance_kind"])
    except cells.CellError as exc:
        report.error(parsed.row, parsed.columns["tolerance_kind"], str(exc))
    try:
        if text.get("dot_threshold"):
            values["dot_threshold"] = cells.parse_number(text["dot_threshold"])
    except cells.CellError as exc:
        report.error(parsed.row, parsed.columns["dot_threshold"], str(exc))


def plan_indicator_rows(rows: list[IndicatorRow], catalogue: Catalogue, report: ImportReport) -> list[IndicatorPlan]:
    """Merge the rows of each code and compare them with the catalogue."""
    by_code: dict[str, list[IndicatorRow]] = defaultdict(list)
    for row in rows:
        by_code[cells.code_key(row.code)].append(row)
    plans = []
    for group in by_code.values():
        first = group[0]
        merged: dict = {}
        seen_years: dict[int | None, int] = {}
        for row in group:
            if row.year in seen_years:
                what = f"for {periods.financial_year_label(row.year)}" if row.year else "without a financial year"
                report.error(
                    row.row,
                    row.columns["code"],
                    f"duplicate code '{row.code}' {what} (also on row {seen_years[row.year]})",
                )
                continue
            seen_years[row.year] = row.row
            for name, value in [*row.values.items(), ("theme", row.theme), ("service_area", row.service_area)]:
                if value in ("", None):
                    continue
                if name in merged and merged[name][0] != value:
                    report.error(
                        row.row,
                        row.columns.get(name, name),
                        f"'{value}' differs from '{merged[name][0]}' on row {merged[name][1]} for the same code",
                    )
                merged.setdefault(name, (value, row.row))
        values = {name: value for name, (value, _) in merged.items()}
        existing = catalogue.indicator(first.code)
        if existing is None:
            missing = [n for n in ("title", "theme", "service_area") if not values.get(n)]
            if missing:
                report.error(
                    first.row,
                    first.columns.get(missing[0], missing[0]),
                    f"'{first.code}' is a new indicator: give its {', '.join(m.replace('_', ' ') for m in missing)}",
                )
                continue
            indicator = Indicator(code=first.code, position=catalogue.next_position)
            catalogue.next_position += 1
            plan = IndicatorPlan(indicator, created=True, row=first.row)
        else:
            plan = IndicatorPlan(existing, created=False, row=first.row)
        if values.get("theme"):
            values["theme"] = catalogue.theme(values["theme"], report)
        if values.get("service_area"):
            values["service_area"] = catalogue.service_area(values["service_area"], report)
        plan_indicator_fields(plan, values)
        deputies = next((r.deputies for r in group if r.deputies is not None), None)
        if deputies is not None and (
            plan.created or {u.pk for u in deputies} != set(plan.indicator.deputies.values_list("pk", flat=True))
        ):
            plan.deputies = deputies
        for row in group:
            if row.target_values:
                plan_target(catalogue, plan, row.year, row.target_values)
        if plan.created:
            catalogue.add_indicator(plan.indicator)
        plans.append(plan)
    return plans


def indicators_import(table: Table, *, by, commit: bool) -> ImportReport:
    """Create or update indicators and their targets by financial year; all or nothing."""
    check_can_import(by)
    report = ImportReport("indicators", layout="indicators")
    catalogue = Catalogue.load()
    rows = parse_indicator_rows(table, catalogue, report)
    plans = plan_indicator_rows(rows, catalogue, report) if not report.errors else []
    if report.errors:
        return report
    record_plans(report, plans)
    if commit:
        with transaction.atomic():
            changed = write_plans(catalogue, plans, by=by, reason="Imported indicators")
            recompute_requests.request_recompute(sorted({i.pk for i in changed}), reason="indicators imported")
        report.written = True
    return report

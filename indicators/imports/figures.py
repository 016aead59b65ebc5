"""The figures import (PRODUCT §8): a figures file in the long form, or a scorecard in the wide layout.

`figures_import` recognises the layout. The long form is the returns
workflow's (`returns.imports.long_form`). A scorecard in the wide layout is
parsed by `indicators.imports.wide` and imported here: the catalogue columns it
has (`indicators.imports.plans`), then its figures as approved history,
planned and written by the same steps as the long form
(`returns.imports.plan`, `returns.imports.history.write_approved_history`),
all in one transaction.
"""

from django.db import transaction

from indicators import recompute_requests, scoring
from indicators.catalogue import cells, inference
from indicators.catalogue.lookup import Catalogue, check_can_import
from indicators.imports import wide, wide_figures, wide_headings
from indicators.imports.plans import (
    NO_TARGET,
    IndicatorPlan,
    plan_indicator_fields,
    plan_target,
    record_plans,
    write_plans,
)
from indicators.models import Indicator
from kpiportal.imports import ImportReport, no_rows_message
from kpiportal.sheets.columns import map_columns
from kpiportal.sheets.table import Table
from returns.imports.history import raced_imports_reported, write_approved_history
from returns.imports.long_form import long_form_import
from returns.imports.plan import plan_figures
from returns.imports.rows import FIGURE_COLUMNS, FigureRow, is_long_form

UNASSIGNED = "Unassigned"
NO_LAYOUT = (
    "Not a figures file in the long form (it needs indicator_code, period and value columns) nor a wide "
    "scorecard (it needs a header row with an indicator column — Measure, Indicator, KPI, Description or an "
    "unheaded column of titles — and month columns such as Nov-22): check the header row"
)


def figures_import(table: Table, *, by, commit: bool) -> ImportReport:
    """Import figures as approved history: the long form, or a scorecard in the wide layout (recognised)."""
    check_can_import(by)
    if not is_long_form(table) and wide_headings.looks_wide(table):
        return wide_import(table, by=by, commit=commit)
    if not is_long_form(table) and not map_columns(table.rows[0], FIGURE_COLUMNS).has("indicator_code"):
        # Neither layout: say what each needs (a file naming an indicator_code column is a long form missing
        # its other columns, and is told which).
        report = ImportReport("figures")
        report.error(None, "", NO_LAYOUT)
        return report
    return long_form_import(table, by=by, commit=commit)


def wide_import(table: Table, *, by, commit: bool, sheet=None) -> ImportReport:
    """Import a scorecard in the wide layout: the catalogue columns it has, then its figures as approved history.

    Indicators are found by code (whatever the spacing) or, when the file has
    no code, by title. An indicator the catalogue does not have is created when
    the row gives its code (unit, decimals and aggregation inferred from the
    row, theme from the section row above it); it is never renamed. Targets are
    written for the financial year their column names (or of the file's last
    month). Columns the portal does not import (RAG, comparators) are listed in
    the report, not dropped silently; quarter and annual columns are figures of
    quarterly and annual indicators, else listed. The derived columns the file
    prints are checked against the figures read (`wide_figures.check_reading`).
    """
    check_can_import(by)
    report = ImportReport("figures", layout="wide")
    sheet = sheet or wide.parse(table)
    report.errors.extend(sheet.errors)
    if not sheet.rows and not sheet.errors:  # headings and nothing under them
        report.error(None, "", no_rows_message(table))
    report.notes.extend(sheet.notes)
    catalogue = Catalogue.load()
    plans, figure_rows = plan_wide_rows(sheet, catalogue, report)
    if catalogue.unsectioned:
        report.notes.append(
            f"{len(catalogue.unsectioned)} new indicators have no section row above them and go in the theme "
            f"'{UNASSIGNED}' (change it in the catalogue): {', '.join(catalogue.unsectioned[:10])}"
            + ("…" if len(catalogue.unsectioned) > 10 else "")
        )
    returns_plan = plan_figures(figure_rows, report=report) if not report.errors else None
    if report.errors:
        return report
    record_plans(report, plans)
    returns_plan.record(report)
    if commit:
        with raced_imports_reported(report):
            with transaction.atomic():
                changed = write_plans(catalogue, plans, by=by, reason="Imported from a scorecard")
                write_approved_history(returns_plan, by=by, comment="Imported from a scorecard")
                recompute_requests.request_recompute(sorted({i.pk for i in changed}), reason="scorecard imported")
                recompute_requests.request_recompute(
                    returns_plan.indicator_ids(), from_period=returns_plan.first_period(), reason="scorecard imported"
                )
            report.written = True
    return report


def plan_wide_rows(sheet, catalogue: Catalogue, report: ImportReport):
    """Indicator plans and figure rows from a parsed wide sheet."""
    plans: list[IndicatorPlan] = []
    figure_rows: list[FigureRow] = []
    seen: dict[int, int] = {}
    not_taken = wide_figures.NotTaken()
    for row in sheet.rows:
        indicator = catalogue.indicator(row.code) if row.code else catalogue.indicator_by_title(row.title)
        if indicator is not None and id(indicator) in seen:
            report.error(
                row.row,
                row.code_column or row.title_column,
                f"'{row.code or row.title}' is also on row {seen[id(indicator)]}",
            )
            continue
        if indicator is None and not row.code:
            report.error(
                row.row,
                row.title_column,
                f"'{row.title}' is not in the catalogue and the file gives no code for it: "
                "import the indicator first, or add a code column",
            )
            continue
        if indicator is None:
            plan = _new_wide_indicator(row, catalogue, report)
        else:
            plan = IndicatorPlan(indicator, created=False, row=row.row)
        if plan is None:
            continue
        seen[id(plan.indicator)] = row.row
        _plan_wide_fields(row, plan, catalogue, report)
        wide_figures.check_reading(row, plan, catalogue, report)
        figure_rows.extend(wide_figures.period_figure_rows(row, plan, not_taken))
        plans.append(plan)
        for figure in row.figures:
            figure_rows.append(
                FigureRow(
                    row=row.row,
                    column=figure.column,
                    indicator=plan.indicator,
                    period=figure.period,
                    team=None,
                    value=figure.value,
                    not_available=figure.not_available,
                    not_available_reason="Not available in the imported scorecard" if figure.not_available else "",
                )
            )
    if note := not_taken.note():
        report.notes.append(note)
    return plans, figure_rows


def _new_wide_indicator(row, catalogue: Catalogue, report: ImportReport) -> IndicatorPlan:
    title = row.title or row.code
    indicator = Indicator(
        code=row.code,
        title=title,
        position=catalogue.next_position,
        unit=row.fields.get("unit") or inference.infer_unit(title, row.value_texts),
        decimals=row.decimals,
        aggregation=row.aggregation_hint or scoring.LATEST,
    )
    catalogue.next_position += 1
    if not row.section:
        catalogue.unsectioned.append(row.code)
    indicator.theme = catalogue.theme(row.section or UNASSIGNED, report)
    indicator.service_area = catalogue.service_area(row.fields.get("service_area") or UNASSIGNED, report)
    catalogue.add_indicator(indicator)
    return IndicatorPlan(indicator, created=True, row=row.row)


def _plan_wide_fields(row, plan: IndicatorPlan, catalogue: Catalogue, report: ImportReport) -> None:
    values = {}
    for name in ("polarity", "definition", "status", "is_key", "frequency", "measure"):
        if name in row.fields:
            values[name] = row.fields[name]
    if "unit" in row.fields:
        values["unit"] = row.fields["unit"]
    if row.fields.get("theme") and not plan.created:
        values["theme"] = catalogue.theme(row.fields["theme"], report)
    if row.fields.get("service_area") and not plan.created:
        values["service_area"] = catalogue.service_area(row.fields["service_area"], report)
    if row.responsible_officer:
        try:
            values["responsible_officer"] = catalogue.user(row.responsible_officer)
        except cells.CellError as exc:
            report.error(row.row, row.ro_column, str(exc))
    plan_indicator_fields(plan, values)
    unit = plan.indicator.unit
    for target in row.targets:
        target_values = {"target": NO_TARGET if target.not_available else target.value}
        if target.tolerance_text:
            try:
                amount, kind = cells.parse_tolerance(target.tolerance_text, unit=unit)
            except cells.CellError as exc:
                report.error(row.row, target.tolerance_column, str(exc))
                continue
            target_values["tolerance"] = amount
            target_values["tolerance_kind"] = kind or scoring.ABSOLUTE
        plan_target(catalogue, plan, target.year, target_values)

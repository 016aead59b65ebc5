"""The figures import (PRODUCT §8): a figures file in the long form, or a scorecard in the wide layout.

`figures_import` recognises the layout. The long form is the returns
workflow's (`returns.imports.long_form`). A scorecard in the wide layout is
parsed by `indicators.imports.wide` and imported here: the catalogue columns it
has (`indicators.imports.plans`), then its figures as approved history,
planned and written by the same steps as the long form
(`returns.imports.plan`, `returns.imports.history.write_approved_history`),
all in one transaction.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from indicators import periods, recompute_requests, scoring, units
from indicators.catalogue import cells, inference
from indicators.catalogue.lookup import Catalogue, check_can_import
from indicators.imports import new_indicators, wide, wide_figures, wide_headings
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
from kpiportal.sheets.table import Table, number_text
from returns.imports.history import raced_imports_reported, write_approved_history
from returns.imports.long_form import long_form_import
from returns.imports.plan import plan_figures
from returns.imports.rows import FIGURE_COLUMNS, FigureRow, is_long_form

UNASSIGNED = "Unassigned"
CREATE_OPTION = "tick 'Create the indicators the catalogue does not have' (--create-indicators on the command line)"
UPDATE_OPTION = "tick 'Change existing targets and tolerances' (--update-targets on the command line) to change it"
NO_LAYOUT = (
    "Not a figures file in the long form (it needs indicator_code, period and value columns) nor a wide "
    "scorecard (it needs a header row with an indicator column — Measure, Indicator, KPI, Description or an "
    "unheaded column of titles — and month columns such as Nov-22): check the header row"
)


def figures_import(
    table: Table, *, by, commit: bool, create_indicators: bool = False, update_targets: bool = False
) -> ImportReport:
    """Import figures as approved history: the long form, or a scorecard in the wide layout (recognised).

    The options are the wide layout's: `create_indicators` creates the
    indicators the catalogue does not have, `update_targets` changes existing
    targets and tolerances where the file differs.
    """
    check_can_import(by)
    if not is_long_form(table) and wide_headings.looks_wide(table):
        return wide_import(
            table, by=by, commit=commit, create_indicators=create_indicators, update_targets=update_targets
        )
    if not is_long_form(table) and not map_columns(table.rows[0], FIGURE_COLUMNS).has("indicator_code"):
        # Neither layout: say what each needs (a file naming an indicator_code column is a long form missing
        # its other columns, and is told which).
        report = ImportReport("figures")
        report.error(None, "", NO_LAYOUT)
        return report
    return long_form_import(table, by=by, commit=commit)


def wide_import(
    table: Table, *, by, commit: bool, sheet=None, create_indicators: bool = False, update_targets: bool = False
) -> ImportReport:
    """Import a scorecard in the wide layout: the catalogue columns it has, then its figures as approved history.

    Indicators are found by code (whatever the spacing) or, when the file has
    no code, by title. An indicator the catalogue does not have is a bad row,
    unless `create_indicators` is ticked: then it is created with what the file
    says or implies (`_settle_new_indicator`); it is never renamed. Targets are
    written for the financial year their column names (or of the file's last
    month); a stored target or tolerance the file differs from is changed only
    with `update_targets`, else kept and the difference is a warning. Columns
    the portal does not import (RAG, comparators) are listed in the report,
    not dropped silently; quarter and annual columns are figures of quarterly
    and annual indicators, else listed. The derived columns the file prints
    are checked against the figures read (`wide_figures.check_reading`).
    """
    check_can_import(by)
    report = ImportReport("figures", layout="wide")
    sheet = sheet or wide.parse(table)
    report.errors.extend(sheet.errors)
    if not sheet.rows and not sheet.errors:  # headings and nothing under them
        report.error(None, "", no_rows_message(table))
    report.notes.extend(sheet.notes)
    catalogue = Catalogue.load()
    plans, figure_rows = plan_wide_rows(
        sheet, catalogue, report, create_indicators=create_indicators, update_targets=update_targets
    )
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


def plan_wide_rows(
    sheet, catalogue: Catalogue, report: ImportReport, *, create_indicators: bool = False, update_targets: bool = False
):
    """Indicator plans and figure rows from a parsed wide sheet."""
    plans: list[IndicatorPlan] = []
    figure_rows: list[FigureRow] = []
    seen: dict[int, int] = {}
    new = NewIndicators.of(sheet, catalogue) if create_indicators else None
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
        if indicator is None:
            plan = _plan_unknown_indicator(row, new, catalogue, report)
        else:
            plan = IndicatorPlan(indicator, created=False, row=row.row)
        if plan is None:
            continue
        seen[id(plan.indicator)] = row.row
        _plan_wide_fields(row, plan, catalogue, report, update_targets=update_targets)
        if plan.created and not _settle_new_indicator(row, plan, new, report):
            continue
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
    if new is not None:
        new.record_notes(report)
    if note := not_taken.note():
        report.notes.append(note)
    return plans, figure_rows


def _plan_wide_fields(
    row, plan: IndicatorPlan, catalogue: Catalogue, report: ImportReport, *, update_targets: bool
) -> None:
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
        columns = {"target": target.column, "tolerance": target.tolerance_column}
        columns["tolerance_kind"] = target.tolerance_column
        kept = plan_target(
            catalogue, plan, target.year, target_values, change_existing=update_targets, row=row.row, columns=columns
        )
        if kept:
            stored = plan.targets[target.year].target
            _warn_targets_kept(report, row.row, target, stored, target_values, kept)


# --- Existing targets change only on purpose ------------------------------------------------------


def _warn_targets_kept(report: ImportReport, row: int, target, stored, given: dict, kept: dict[str, tuple]) -> None:
    """One warning per cell whose value differs from the stored target `stored`, which is left as it is."""
    year = periods.financial_year_label(target.year)
    if "target" in kept:
        report.warn(
            row,
            target.column,
            f"the file says {_value(given['target'])}, the catalogue's {year} target is {_value(stored.target)}"
            " — not changed; " + UPDATE_OPTION,
        )
    if "tolerance" in kept or "tolerance_kind" in kept:
        report.warn(
            row,
            target.tolerance_column,
            f"the file says {_tolerance(given.get('tolerance'), given.get('tolerance_kind'))}, the catalogue's "
            f"{year} tolerance is {_tolerance(stored.tolerance, stored.tolerance_kind)} — not changed; "
            + UPDATE_OPTION,
        )


def _value(value) -> str:
    return "no target" if value is None or value is NO_TARGET else number_text(value)


def _tolerance(amount, kind) -> str:
    if amount is None:
        return "no tolerance"
    return f"{number_text(amount)} ({kind})" if kind else number_text(amount)


# --- Indicators the catalogue does not have -------------------------------------------------------


@dataclass
class NewIndicators:
    """What creating the file's unknown indicators needs from the whole sheet, and what it has to say."""

    codes: dict[int, str]  # row number → the row's code, or one made from its section and place
    latest_year: int | None  # the financial year of the file's latest month: the year of the new targets
    legend: dict[str, str]  # arrow → polarity, from the lines above the header
    neutral: list[str] = field(default_factory=list)
    range_notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, sheet, catalogue: Catalogue) -> "NewIndicators":
        rows = [(_section(row), row.code) for row in sheet.rows]
        codes = new_indicators.generated_codes(rows, [i.code for i in catalogue.indicators.values()])
        latest = max(sheet.months) if sheet.months else None
        return cls(
            codes={row.row: code for row, code in zip(sheet.rows, codes, strict=True)},
            latest_year=periods.financial_year_of(latest) if latest else None,
            legend=new_indicators.legend_polarities(sheet.preamble),
        )

    def record_notes(self, report: ImportReport) -> None:
        report.notes.extend(self.range_notes)
        if self.neutral:
            report.notes.append(
                f"{len(self.neutral)} new indicator{'s' if len(self.neutral) != 1 else ''} with no target and no "
                f"polarity in the file {'are' if len(self.neutral) != 1 else 'is'} created with no judgement "
                f"(neutral; change it in the catalogue): {', '.join(self.neutral[:10])}"
                + ("…" if len(self.neutral) > 10 else "")
            )


def _section(row) -> str:
    return row.section or row.fields.get("theme") or ""


def _plan_unknown_indicator(row, new: NewIndicators | None, catalogue: Catalogue, report: ImportReport):
    """A plan creating the row's indicator, or None (a bad row) when creating was not asked for or is unsure."""
    name = row.code or row.title
    if new is None:
        report.error(
            row.row,
            row.code_column or row.title_column,
            f"'{name}' is not in the catalogue: import the indicator first, or {CREATE_OPTION} to create it",
        )
        return None
    if not row.code and len(catalogue.titles.get(cells.title_key(row.title), [])) > 1:
        report.error(
            row.row,
            row.title_column,
            f"'{row.title}' is the title of several indicators in the catalogue: add a code column to say which",
        )
        return None
    return _new_wide_indicator(row, new.codes[row.row], catalogue, report)


def _new_wide_indicator(row, code: str, catalogue: Catalogue, report: ImportReport) -> IndicatorPlan:
    title = row.title or code
    indicator = Indicator(
        code=code,
        title=title,
        position=catalogue.next_position,
        unit=row.fields.get("unit") or inference.infer_unit(title, row.value_texts),
        decimals=row.decimals,
        aggregation=row.aggregation_hint or scoring.LATEST,
    )
    catalogue.next_position += 1
    section = _section(row)
    if not section:
        catalogue.unsectioned.append(code)
    indicator.theme = catalogue.theme(section or UNASSIGNED, report)
    indicator.service_area = catalogue.service_area(row.fields.get("service_area") or UNASSIGNED, report)
    catalogue.add_indicator(indicator)
    return IndicatorPlan(indicator, created=True, row=row.row)


def _settle_new_indicator(row, plan: IndicatorPlan, new: NewIndicators, report: ImportReport) -> bool:
    """The tolerance, polarity and range of a new indicator from its row; False when its polarity must be asked."""
    indicator = plan.indicator
    year = new.latest_year
    target_plan = plan.targets.get(year) if year is not None else None
    target = target_plan.target.target if target_plan is not None else None
    threshold, threshold_column = _printed_threshold(row, report)
    tolerance_from = ""
    if target is not None and threshold is not None and target_plan.target.tolerance is None:
        found = new_indicators.tolerance_from_threshold(target, threshold)
        if found is not None:
            target_plan.target.tolerance, target_plan.target.tolerance_kind = found
            target_plan.columns["tolerance"] = threshold_column
            tolerance_from = f" (from the tolerance threshold {number_text(threshold)})"
    polarity, source = _new_polarity(row, target, threshold, new)
    if polarity is None:
        if any(t.value is not None for t in row.targets):
            report.error(
                row.row,
                row.title_column or row.code_column,
                f"'{row.title or row.code}' is new and the file does not say whether higher or lower is better: "
                "add a Polarity column (BIB or SIB, higher or lower) or a legend above the header such as "
                "'↑ Higher is better'",
            )
            return False
        polarity, source = scoring.NEUTRAL, " (no target to judge against)"
        new.neutral.append(indicator.code)
    indicator.polarity = polarity
    _warn_threshold_against_polarity(row, target, threshold, threshold_column, polarity, report)
    no_min, no_max = new_indicators.range_for_figures(indicator.unit, [f.value for f in row.figures])
    indicator.no_min_value, indicator.no_max_value = no_min, no_max
    ranges = _range_words(row, no_min, no_max)
    if ranges:
        new.range_notes.append(
            f"The new indicator {indicator.code} '{indicator.title}' is created as {units.noun(indicator.unit)} "
            f"with {ranges} (its range can be changed in the catalogue)"
        )
    plan.summary = _new_summary(indicator, polarity, source, year, target_plan, tolerance_from, ranges)
    return True


def _printed_threshold(row, report: ImportReport) -> tuple[Decimal | None, str]:
    cell = row.printed.get(wide_headings.THRESHOLD)
    if cell is None:
        return None, ""
    try:
        value, _ = cells.parse_figure(cell.text)
    except cells.CellError as exc:
        report.warn(row.row, cell.column, f"{exc}: the new indicator's tolerance is not worked out from it")
        return None, cell.column
    return value, cell.column


def _new_polarity(row, target, threshold, new: NewIndicators) -> tuple[str | None, str]:
    """Printed polarity words, else the side of the target the threshold lies on, else the legend."""
    if "polarity" in row.fields:
        return row.fields["polarity"], " (as the file says)"
    if target is not None and threshold is not None:
        side = new_indicators.polarity_from_threshold(target, threshold)
        if side is not None:
            where = "below" if side == scoring.HIGHER else "above"
            return side, f" (the tolerance threshold {number_text(threshold)} is {where} the target)"
    from_legend = new_indicators.polarity_from_legend(new.legend, [row.title, *row.extras.values()])
    if from_legend is not None:
        return from_legend, " (from the legend above the header)"
    return None, ""


def _warn_threshold_against_polarity(row, target, threshold, column: str, polarity: str, report) -> None:
    if target is None or threshold is None:
        return
    side = new_indicators.polarity_from_threshold(target, threshold)
    if side is not None and polarity in (scoring.HIGHER, scoring.LOWER) and side != polarity:
        report.warn(
            row.row,
            column,
            f"the tolerance threshold {number_text(threshold)} is on the wrong side of the target "
            f"{number_text(target)} for '{polarity} is better': check the polarity and the tolerance",
        )


def _range_words(row, no_min: bool, no_max: bool) -> str:
    values = [f.value for f in row.figures if f.value is not None]
    words = []
    if no_max:
        words.append(f"no upper limit, as its figures in the file reach {number_text(max(values))}")
    if no_min:
        words.append(f"no lower limit, as its figures in the file go down to {number_text(min(values))}")
    return " and ".join(words)


def _new_summary(indicator, polarity, source, year, target_plan, tolerance_from: str, ranges: str) -> str:
    parts = [
        indicator.title,
        f"theme {indicator.theme.name}",
        f"unit {units.BY_NAME[indicator.unit].label.lower()}",
        f"{_POLARITY_WORDS[polarity]}{source}",
    ]
    if target_plan is not None and target_plan.target.target is not None:
        target = target_plan.target
        parts.append(
            f"{periods.financial_year_label(year)} target {number_text(target.target)}, "
            f"tolerance {_tolerance_words(target.tolerance, target.tolerance_kind, indicator.unit)}{tolerance_from}"
        )
    elif year is not None:
        parts.append(f"no target for {periods.financial_year_label(year)}")
    if ranges:
        parts.append(ranges)
    return "; ".join(parts)


_POLARITY_WORDS = {
    scoring.HIGHER: "higher is better",
    scoring.LOWER: "lower is better",
    scoring.NEUTRAL: "no judgement",
}


def _tolerance_words(amount, kind: str, unit: str) -> str:
    if amount is None:
        return "none"
    if kind == scoring.RELATIVE:
        return f"{number_text(amount)}% of the target"
    return f"{number_text(amount)} {units.tolerance_word(unit)}".strip()

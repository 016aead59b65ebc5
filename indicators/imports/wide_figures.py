"""What the wide scorecard import does with a row beyond its monthly figures: it checks the reading against the
derived columns the file prints (`wide_checks`), and takes its quarter and annual figures where the
indicator's frequency has them."""

from dataclasses import dataclass, field

from indicators import periods, scoring
from indicators.catalogue.lookup import Catalogue
from indicators.imports import wide_checks
from indicators.imports.plans import IndicatorPlan
from indicators.imports.wide_headings import ANNUAL, QUARTER
from kpiportal.imports import ImportReport
from returns.imports.rows import FigureRow

_FREQUENCY_OF = {QUARTER: "quarterly", ANNUAL: "annual"}
_NOUN = {QUARTER: "quarter", ANNUAL: "annual"}


def check_reading(row, plan: IndicatorPlan, catalogue: Catalogue, report: ImportReport) -> None:
    """Warn of every printed derived value the row's figures do not give (by the target, tolerance and polarity
    the import will use: the row's own, else the catalogue's). A target the import would change on a row
    whose reading disagrees with the file is refused, whether or not the import may change targets: the row
    is probably read from the wrong columns."""
    if not row.figures or not row.printed:
        return
    indicator = plan.indicator
    year = periods.financial_year_of(max(f.period for f in row.figures))
    planned = plan.targets.get(year)
    target = planned.target if planned else catalogue.targets.get((indicator.pk, year)) if indicator.pk else None
    rule = wide_checks.CheckRule(
        target=target.target if target else None,
        tolerance=target.tolerance if target else None,
        tolerance_kind=(target.tolerance_kind if target else "") or scoring.ABSOLUTE,
        polarity=indicator.polarity or scoring.NEUTRAL,
        unit=indicator.unit,
        aggregation=indicator.aggregation or scoring.LATEST,
        frequency=indicator.frequency or "monthly",
        dot_threshold=target.dot_threshold if target else None,
    )
    disagreements = wide_checks.check_row(row, rule)
    for found in disagreements:
        report.warn(found.row, found.column, found.reason)
    differs = planned.changed.get("target") or planned.kept.get("target") if planned is not None else None
    if disagreements and differs:
        old, new = differs
        column = next((t.column for t in row.targets if t.year == year), "")
        columns = ", ".join(f"'{d.column}'" for d in disagreements)
        report.error(
            row.row,
            column,
            f"the file says the {periods.financial_year_label(year)} target is {_number(new)}, not "
            f"{_number(old)}, and the figures read disagree with the file's own {columns}: the row is probably "
            "read from the wrong columns, so nothing is imported — check the row",
        )


def _number(value) -> str:
    return "none" if value is None else f"{value.normalize():f}"


@dataclass
class NotTaken:
    """Quarter and annual figures the indicators' frequencies do not take, by column, for one note."""

    rows: dict[str, list[int]] = field(default_factory=dict)

    def add(self, column: str, row: int) -> None:
        self.rows.setdefault(column, []).append(row)

    def note(self) -> str | None:
        if not self.rows:
            return None
        parts = [
            f"'{column}' (row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows[:10]))}"
            + ("…" if len(rows) > 10 else "")
            + ")"
            for column, rows in self.rows.items()
        ]
        return "Not imported: quarter and annual figures of indicators that are not quarterly or annual: " + "; ".join(
            parts
        )


def period_figure_rows(row, plan: IndicatorPlan, not_taken: NotTaken) -> list[FigureRow]:
    """The row's quarter and annual figures as figures where the indicator's frequency takes them (a quarter's
    figure in its last month, a year's in March, as the returns hold them); the others go in `not_taken`."""
    figures = []
    frequency = plan.indicator.frequency or "monthly"
    monthly = {f.period for f in row.figures}
    for figure in row.period_figures:
        if _FREQUENCY_OF.get(figure.kind) != frequency:
            not_taken.add(figure.column, row.row)
            continue
        months = 3 if figure.kind == QUARTER else 12
        period = periods.add_months(figure.period, months - 1)
        if period in monthly:
            continue  # the month's column already gives the figure of the quarter or year
        figures.append(
            FigureRow(
                row=row.row,
                column=figure.column,
                indicator=plan.indicator,
                period=period,
                team=None,
                value=figure.value,
                not_available=figure.not_available,
                not_available_reason="Not available in the imported scorecard" if figure.not_available else "",
            )
        )
    return figures

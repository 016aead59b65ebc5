"""The long form of a figures file: one row per figure, read and checked against the catalogue.

Columns: `indicator_code, period, value, numerator, denominator, team,
commentary` (team blank = the whole authority). The indicator must be in the
catalogue (codes match whatever their spacing) and the team one the portal
knows: an unknown team is a bad row, not a new team (teams are registered by
the populations import). Cells are read by `indicators.catalogue.cells`
(`48%`, `2,676`, `NA`).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from indicators import periods
from indicators.catalogue import cells
from indicators.catalogue.lookup import Catalogue
from indicators.models import Indicator, Team
from kpiportal.imports import ImportReport
from kpiportal.sheets.columns import Column, map_columns
from kpiportal.sheets.table import Table

NOT_AVAILABLE_REASON = "Not available in the imported file"

FIGURE_COLUMNS = (
    Column("indicator_code", ("code", "indicator", "indicator number", "ref", "kpi"), required=True),
    Column("period", ("month", "date"), required=True),
    Column("value", ("figure", "result", "actual")),
    Column("numerator", ("num",)),
    Column("denominator", ("den", "denom")),
    Column("team", ("area", "locality")),
    Column("commentary", ("comment", "comments", "narrative", "notes")),
)


@dataclass
class FigureRow:
    """One figure to import: the whole authority's (team None) or a team's."""

    row: int
    indicator: Indicator
    period: date
    team: Team | None
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    not_available: bool = False
    not_available_reason: str = ""
    commentary: str = ""
    column: str = ""
    columns: dict[str, str] = field(default_factory=dict)

    def column_of(self, name: str) -> str:
        return self.columns.get(name, self.column or name)


def is_long_form(table: Table) -> bool:
    """A figures file in the long form names a period column (the wide layout has one column per month)."""
    return map_columns(table.rows[0], FIGURE_COLUMNS).has("period")


def parse_figure_rows(table: Table, catalogue: Catalogue, report: ImportReport) -> list[FigureRow]:
    """The rows with no problem; every problem goes on the report with its row and column."""
    header, data = table.rows[0], table.rows[1:]
    mapping = map_columns(header, FIGURE_COLUMNS, data_rows=data)
    report.errors.extend(mapping.errors)
    if mapping.errors:
        return []
    columns = {name: mapping.header_of(name) for name in mapping.positions}
    rows = []
    for row in data:
        problems_before = len(report.errors)
        figure = _figure_row(row.number, mapping.values(row), columns, catalogue, report)
        if len(report.errors) == problems_before:
            rows.append(figure)
    return rows


def _figure_row(number: int, text: dict, columns: dict, catalogue: Catalogue, report: ImportReport) -> FigureRow:
    code = text.get("indicator_code")
    indicator = catalogue.indicator(code) if code else None
    if not code:
        report.error(number, columns["indicator_code"], "the indicator code is blank")
    elif indicator is None:
        report.error(number, columns["indicator_code"], f"'{code}' is not an indicator in the catalogue")
    period = None
    try:
        period = periods.parse_period(text.get("period", ""))
    except periods.PeriodError as exc:
        report.error(number, columns["period"], str(exc))
    team = None
    if text.get("team"):
        team = catalogue.team(text["team"])
        if team is None:
            report.error(
                number,
                columns["team"],
                f"'{text['team']}' is not a team the portal knows (teams are added by the populations import)",
            )
    figure = FigureRow(number, indicator, period, team, commentary=text.get("commentary", ""), columns=columns)
    if text.get("value") and cells.is_not_available(text["value"]):
        figure.not_available = True
        figure.not_available_reason = figure.commentary or NOT_AVAILABLE_REASON
        return figure
    for name in ("value", "numerator", "denominator"):
        try:
            setattr(figure, name, cells.parse_number(text.get(name, "")))
        except cells.CellError as exc:
            report.error(number, columns[name], str(exc))
    return figure

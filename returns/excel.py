"""The Excel round trip: an officer's returns for a month as an XLSX template, and its upload.

The template lists the officer's indicators for the month (code, title, unit,
last period's approved figure, target, state) with the figures entered so
far. Only the cells the officer fills in (value, numerator, denominator, not
available, reason, commentary) are unlocked, and only on returns still open to
them; the sheet and the workbook's structure are protected, and numeric cells
carry data validation. A very hidden sheet holds a signed marker: the period,
the officer and each row's code and the version of its return at download.

An upload is refused whole when the marker is missing or altered, or names
another month or officer, or rows were added, removed or had their codes
changed. Otherwise every row goes through the same service as the entry form
(`return_save_draft`: the same validation, the same version check) in one
transaction: any bad row and nothing is saved, with a report naming each row,
column and reason. Uploads never submit; the report offers to submit the drafts.
"""

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core import signing
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from indicators import numbers, periods, scoring, units
from indicators.models import Indicator, PortalSettings
from kpiportal.exports import XLSX_TYPE, set_cell
from kpiportal.sheets import reader
from kpiportal.sheets.table import MissingSheet, TableError, column_letter
from returns import display, figures, policy, selectors, services, validation
from returns.models import FIGURE_FIELDS, Return, TeamFigure

SHEET = "Returns"
MARKER_SHEET = "Portal"
SALT = "returns.excel-template.v1"
HEADER_ROW = 4
# The marker is one cell (A1) of its own sheet: read alone, bounded, before anything else of the file.
MARKER_LIMITS = reader.SheetLimits(rows=10, columns=10, cells=100)
FIRST_ROW = 5

# (key, header) in column order.
COLUMNS = (
    ("code", "Code"),
    ("title", "Indicator"),
    ("unit", "Unit"),
    ("previous", "Last period"),
    ("target", "Target"),
    ("state", "State"),
    ("value", "Value"),
    ("numerator", "Numerator"),
    ("denominator", "Denominator"),
    ("not_available", "Not available"),
    ("not_available_reason", "Reason not available"),
    ("commentary", "Commentary"),
)
KEYS = [key for key, _ in COLUMNS]
HEADERS = [header for _, header in COLUMNS]
NUMERIC = ("value", "numerator", "denominator")
WIDTHS = {"code": 10, "title": 60, "unit": 14, "previous": 12, "target": 10, "state": 16, "commentary": 60}
YES = {"yes", "y", "true", "1", "na", "n/a", "x"}
NO = {"", "no", "n", "false", "0"}

EDITABLE_FILL = PatternFill("solid", fgColor="FFFFFF")
LOCKED_FILL = PatternFill("solid", fgColor="F3F2F1")


class TemplateRefused(Exception):
    """The file is not this officer's template for this month, or was changed beyond filling it in."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _column_letter(key: str) -> str:
    return column_letter(KEYS.index(key))


def open_for_entry(indicator: Indicator, period: date, ret: Return | None, today: date) -> bool:
    """Whether the officer may fill this row in: as on the entry form (`returns.policy`), state and month alike."""
    return policy.is_open_to_officer(ret) and policy.entry_refusal(indicator, period, today, ret=ret) is None


def closed_message(indicator: Indicator, period: date, ret: Return, today: date) -> str:
    """Why a row the officer may not fill in was changed: its state, or the month closed for entry."""
    if not policy.is_open_to_officer(ret):
        return f"{ret} is {display.STATE_LABELS[ret.state].lower()}: its figures cannot be changed"
    return policy.entry_refusal(indicator, period, today, ret=ret) or f"{ret}: its figures cannot be changed"


def template_indicators(user, period: date) -> list[Indicator]:
    """The indicators in the user's template: those they own or deputise for that take a figure this month."""
    owned = Indicator.objects.live().filter(pk__in=Indicator.objects.owned_by(user).values("pk"))
    return [ind for ind in owned.select_related("service_area") if periods.takes_figure(period, ind.frequency)]


# --- Download -------------------------------------------------------------------------------------------------


def build_template(*, user, period: date) -> bytes:
    """The XLSX template of `user`'s returns for `period`."""
    today = timezone.localdate()
    indicators = template_indicators(user, period)
    rows = selectors.officer_rows(indicators, period, today=today, working_day=PortalSettings.load().due_working_day)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    _write_heading(sheet, user, period)
    checks = _figure_checks(sheet)
    marker_rows = []
    for offset, row in enumerate(rows):
        open_to_officer = open_for_entry(row.indicator, period, row.ret, today)
        _write_row(sheet, FIRST_ROW + offset, row, open_to_officer=open_to_officer, checks=checks)
        marker_rows.append([row.indicator.code, row.ret.version if row.ret else 0])
    _protect(sheet)
    _write_marker(workbook, user=user, period=period, rows=marker_rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class _FigureChecks:
    """The data validations of the cells an officer fills in."""

    numbers: DataValidation
    percentages: DataValidation
    yes_no: DataValidation


def _write_heading(sheet, user, period: date) -> None:
    """Title, instructions and the column headers."""
    sheet["A1"] = f"Returns for {periods.month_label(period)} — {display.person(user)}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = (
        "Fill in the white cells: a value, or numerator and denominator; or 'Yes' under Not available with the "
        "reason. Commentary is required when a figure would be red. Do not add rows or change codes. Uploading "
        "saves drafts; you submit them on the portal. Team breakdowns are entered on the portal."
    )
    sheet["A2"].alignment = Alignment(wrap_text=True)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(COLUMNS))
    sheet.row_dimensions[2].height = 45
    for index, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=header)
        cell.font = Font(bold=True)


def _figure_checks(sheet) -> _FigureChecks:
    """Figures of 0 or more, percentages between 0 and 100, Yes or No; added to the sheet, cells added per row."""
    checks = _FigureChecks(
        numbers=DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Not a figure",
            error="Enter a number of 0 or more.",
        ),
        percentages=DataValidation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2=str(units.BY_NAME[units.PERCENT].at_most),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Not a percentage",
            error="A percentage is between 0 and 100.",
        ),
        yes_no=DataValidation(type="list", formula1='"Yes,No"', allow_blank=True),
    )
    for validation_rule in (checks.numbers, checks.percentages, checks.yes_no):
        sheet.add_data_validation(validation_rule)
    return checks


def _row_values(row: selectors.ReturnRow) -> dict:
    ind, ret = row.indicator, row.ret
    return {
        "code": ind.code,
        "title": ind.title,
        "unit": ind.get_unit_display(),
        "previous": row.previous_value,
        "target": row.target,
        "state": display.STATE_LABELS[row.state],
        "value": ret.value if ret else None,
        "numerator": ret.numerator if ret else None,
        "denominator": ret.denominator if ret else None,
        "not_available": "Yes" if ret and ret.not_available else None,
        "not_available_reason": ret.not_available_reason if ret else None,
        "commentary": ret.commentary if ret else None,
    }


def _write_row(sheet, number: int, row: selectors.ReturnRow, *, open_to_officer: bool, checks: _FigureChecks) -> None:
    """One indicator's row: its cells unlocked and checked only when the officer may fill it in."""
    values = _row_values(row)
    for column, key in enumerate(KEYS, start=1):
        cell = sheet.cell(row=number, column=column)
        value = values[key]
        set_cell(cell, value if value != "" else None)
        editable = key in FIGURE_FIELDS and open_to_officer
        cell.protection = Protection(locked=not editable)
        cell.fill = EDITABLE_FILL if editable else LOCKED_FILL
        if key in ("title", "commentary"):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    if open_to_officer:
        for key in NUMERIC:
            check = checks.percentages if key == "value" and units.is_percentage(row.indicator.unit) else checks.numbers
            check.add(f"{_column_letter(key)}{number}")
        checks.yes_no.add(f"{_column_letter('not_available')}{number}")


def _protect(sheet) -> None:
    for key, width in WIDTHS.items():
        sheet.column_dimensions[_column_letter(key)].width = width
    sheet.freeze_panes = f"C{FIRST_ROW}"
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # officers may widen columns to read their commentary
    sheet.protection.formatRows = False


def _write_marker(workbook, *, user, period: date, rows: list) -> None:
    """The very hidden, signed marker: the month, the officer, and each row's code and version at download."""
    marker = workbook.create_sheet(MARKER_SHEET)
    marker["A1"] = signing.dumps(
        {"period": periods.iso_month(period), "user": user.pk, "rows": rows}, salt=SALT, compress=True
    )
    marker.sheet_state = "veryHidden"
    marker.protection.sheet = True
    workbook.security = WorkbookProtection(lockStructure=True)


# --- Upload ---------------------------------------------------------------------------------------------------


@dataclass
class RowReport:
    number: int
    code: str
    outcome: str = ""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ret: Return | None = None


@dataclass
class UploadReport:
    period: date
    rows: list[RowReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(r.errors for r in self.rows)

    @property
    def errors(self) -> list[str]:
        return [f"Row {r.number} ({r.code}): {e}" for r in self.rows for e in r.errors]

    @property
    def drafts(self) -> list[Return]:
        """Returns left as drafts by this upload (or already drafts), ready to submit."""
        if not self.ok:
            return []
        return [
            r.ret
            for r in self.rows
            if policy.awaits_officer(r.ret) and (r.ret.value is not None or r.ret.not_available)
        ]

    @property
    def has_warnings(self) -> bool:
        return any(r.warnings for r in self.rows)

    @property
    def summary(self) -> str:
        saved = sum(1 for r in self.rows if r.outcome in ("Created draft", "Updated draft"))
        return (
            f"Template for {periods.month_label(self.period)} uploaded: {saved} "
            f"draft{'s' if saved != 1 else ''} saved. Nothing is submitted until you submit it."
        )


def _marker(data: bytes, *, user, period: date) -> list[tuple[str, int]]:
    not_a_template = TemplateRefused(
        "This is not a returns template downloaded from the portal: download the template for "
        f"{periods.month_label(period)} from 'My returns', fill it in and upload that"
    )
    try:
        token = reader.read_first_cell(data, sheet=MARKER_SHEET, limits=MARKER_LIMITS)
    except MissingSheet:
        raise not_a_template from None
    except TableError as error:  # too large, built to expand, damaged, encrypted: say which
        raise TemplateRefused(str(error)) from None
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise TemplateRefused(
            "The template's marker has been altered, so the portal cannot trust it: download a new template"
        ) from None
    if payload.get("user") != user.pk:
        raise TemplateRefused(
            "This template was downloaded by another officer: download your own template from 'My returns'"
        )
    if payload.get("period") != periods.iso_month(period):
        try:
            theirs = periods.month_label(periods.parse_period(payload.get("period")))
        except periods.PeriodError:
            theirs = "another month"
        raise TemplateRefused(
            f"This template is for {theirs}, not {periods.month_label(period)}: upload it on the page for its "
            "month, or download the template for this one"
        )
    return [(code, int(version)) for code, version in payload["rows"]]


def _sheet_limits(rows: int) -> reader.SheetLimits:
    """The template's own size with room: its rows plus some an officer may have typed below, its columns plus some."""
    return reader.SheetLimits(
        rows=FIRST_ROW + rows + 1_000, columns=len(COLUMNS) + 50, cells=(FIRST_ROW + rows + 1_000) * 100
    )


def _decimal(text: str, header: str, errors: list[str]) -> Decimal | None:
    try:
        return numbers.parse(text)
    except numbers.NumberError as exc:
        errors.append(f"column '{header}': {exc}")
        return None


def read_template(data: bytes, *, user, period: date) -> list[tuple[RowReport, dict]]:
    """Check the file is this officer's template for this month, unchanged in shape; read its rows.

    Returns (report, cells) per expected row, cells keyed by column key. Refuses the whole file otherwise.
    """
    expected = _marker(data, user=user, period=period)
    try:
        table = reader.read_bytes(data, sheet=SHEET, limits=_sheet_limits(len(expected)))
    except TableError as error:
        raise TemplateRefused(str(error)) from None
    by_number = {row.number: row for row in table.rows}
    header = by_number.get(HEADER_ROW)
    if header is None or list(header.cells[: len(HEADERS)]) != HEADERS:
        raise TemplateRefused("The template's columns were changed: download a new template and fill that in")
    last = FIRST_ROW + len(expected) - 1
    problems = []
    for row in table.rows:
        if row.number > last:
            problems.append(
                f"Row {row.number}: rows cannot be added to the template (found '{row[0] or row.cells[0]}')"
            )
    read = []
    for offset, (code, version) in enumerate(expected):
        number = FIRST_ROW + offset
        row = by_number.get(number)
        found = row[0] if row is not None else ""
        if found != code:
            if found:
                problems.append(f"Row {number}: the code was '{code}' and is now '{found}': codes cannot be changed")
            else:
                problems.append(f"Row {number}: the row for '{code}' was removed or its code deleted")
            continue
        cells = {key: row[index] for index, key in enumerate(KEYS)}
        cells["version"] = version
        read.append((RowReport(number, code), cells))
    if problems:
        raise TemplateRefused("The template was changed beyond filling it in: " + "; ".join(problems[:20]))
    return read


def _entry(cells: dict, teams, errors: list[str]) -> figures.Entry | None:
    value = _decimal(cells["value"], "Value", errors)
    numerator = _decimal(cells["numerator"], "Numerator", errors)
    denominator = _decimal(cells["denominator"], "Denominator", errors)
    flag = cells["not_available"].strip().lower()
    if flag not in YES | NO:
        errors.append(f"column 'Not available': write Yes or leave it blank (found '{cells['not_available']}')")
    if errors:
        return None
    return figures.Entry(
        whole=scoring.Point(value, numerator, denominator),
        teams=teams,
        not_available=flag in YES,
        not_available_reason=cells["not_available_reason"],
        commentary=cells["commentary"],
    )


def _is_blank(cells: dict) -> bool:
    return not any(cells[key] for key in FIGURE_FIELDS)


def _field_header(problem: validation.Problem) -> str:
    names = dict(COLUMNS)
    return names.get(problem.field, problem.field.replace("_", " "))


def upload_template(*, user, period: date, upload) -> UploadReport:
    """Read a filled template and save its rows as drafts, all or nothing; the report names every row."""
    read = read_template(_read_upload(upload), user=user, period=period)
    stored = _Stored.load([report.code for report, _ in read], period)
    today = timezone.localdate()
    report = UploadReport(period)
    with transaction.atomic():
        for row, cells in read:
            report.rows.append(row)
            _save_row(row, cells, stored, user=user, period=period, today=today)
        if not report.ok:
            transaction.set_rollback(True)
            for row in report.rows:
                if not row.errors:
                    row.outcome = "Not saved (other rows have errors)"
                    row.ret = None
    return report


def _read_upload(upload) -> bytes:
    try:
        reader.check_size(upload.size)
    except TableError as error:
        raise TemplateRefused(str(error)) from None
    upload.seek(0)
    return upload.read()


@dataclass
class _Stored:
    """What the upload's rows are checked against: indicators by code, entry contexts, returns and team rows."""

    indicators: dict[str, Indicator]
    contexts: dict[int, selectors.EntryContext]
    returns: dict[int, Return]
    team_rows: dict[int, dict[int, scoring.Point]]

    @classmethod
    def load(cls, codes: list[str], period: date) -> "_Stored":
        indicators = {ind.code: ind for ind in Indicator.objects.filter(code__in=codes).select_related("service_area")}
        existing = selectors.returns_of([ind.pk for ind in indicators.values()], period)
        team_rows: dict[int, dict[int, scoring.Point]] = {ret.pk: {} for ret in existing.values()}
        for tf in TeamFigure.objects.filter(ret__in=[r.pk for r in existing.values()]):
            team_rows[tf.ret_id][tf.team_id] = scoring.Point(tf.value, tf.numerator, tf.denominator)
        return cls(indicators, selectors.entry_contexts(indicators.values(), period), existing, team_rows)


def _save_row(row: RowReport, cells: dict, stored: _Stored, *, user, period: date, today: date) -> None:
    """One row of the upload: checked as the entry form checks it, then saved as a draft; the outcome on `row`."""
    indicator = stored.indicators.get(row.code)
    if indicator is None:
        row.errors.append("this indicator is no longer in the catalogue")
        return
    ret = stored.returns.get(indicator.pk)
    entry = _entry(cells, stored.team_rows.get(ret.pk, {}) if ret else {}, row.errors)
    if entry is None:
        return
    if ret is None and _is_blank(cells):
        row.outcome = "Left blank"
        return
    context = stored.contexts[indicator.pk]
    if ret is not None and not open_for_entry(indicator, period, ret, today):
        if services.same_figures(ret, context.resolve(entry)):
            row.outcome = f"{display.STATE_LABELS[ret.state]}: left as it is"
            row.ret = ret
        else:
            row.errors.append(closed_message(indicator, period, ret, today))
        return
    if ret is not None and ret.version != cells["version"] and not services.same_figures(ret, context.resolve(entry)):
        row.errors.append(
            services.changed_by_message(ret).replace(
                "here are the current figures. Make your change again if it is still needed.",
                "since the template was downloaded: download a new template",
            )
        )
        return
    try:
        saved = services.return_save_draft(
            indicator=indicator,
            period=period,
            entry=entry,
            version=ret.version if ret is not None else 0,
            by=user,
            context=context,
            skip_unchanged=True,
        )
    except services.InvalidFigures as error:
        row.errors.extend(f"column '{_field_header(p)}': {p.message}" for p in validation.errors(error.problems))
        return
    except services.ReturnError as error:
        row.errors.append(error.message)
        return
    row.ret = saved.ret
    row.warnings = [p.message for p in saved.warnings]
    row.outcome = "Created draft" if saved.created else ("Updated draft" if saved.changed else "Unchanged")

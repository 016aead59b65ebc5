"""Imports of the catalogue (PRODUCT §8): indicators with their targets, and the wide scorecard layout.

Two steps, as every import: parse and check every row against the catalogue
(read once, `Catalogue.load`), then — only when no row is bad and the caller
commits — write everything in one transaction.

Rules of the indicator import (long form, one row per indicator or per
indicator and financial year):

- `code` is required; codes match whatever their spacing or case (`W1 a` is
  `W 1a`). A code may repeat on rows for different financial years; the
  catalogue columns of those rows must agree.
- A blank cell leaves an existing indicator's value as it is; a new indicator
  needs `title`, `theme` and `service_area` (themes and service areas are
  created when new — the preview lists them).
- Words are read by `indicators.imports.cells` (`BIB`, `↑ Higher is better`, `%`, …);
  a word it does not know is a bad row naming the column.
- `responsible_officer` (and `deputies`, separated by `;`) is a username, an
  email or the initials of a portal user; anyone else is a bad row.
- `target`, `tolerance`, `tolerance_kind` and `dot_threshold` need
  `financial_year`; `NA` as a target records that there is none that year.

The wide layout (`wide_import`) is parsed by `indicators.imports.wide` and written
here (catalogue) and by `returns.importing` (figures), in one transaction.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction

from indicators import periods, recompute_requests, scoring
from indicators.imports import cells
from indicators.models import Indicator, ServiceArea, Target, Team, Theme
from kpiportal.accounts.models import User
from kpiportal.imports import CREATED, UNCHANGED, UPDATED, ImportRefused, ImportReport
from kpiportal.sheets import reader
from kpiportal.sheets.reader import Column

UNASSIGNED = "Unassigned"


def check_can_import(by) -> None:
    """The performance team imports; `by=None` is the command line, run by whoever runs the server."""
    if by is not None and not by.has_perm("indicators.import_data"):
        raise ImportRefused("Only the performance team can import files")


# --- The catalogue as imports see it -----------------------------------------------------------


@dataclass
class Catalogue:
    """Indicators, targets, people, themes, service areas and teams, read in a fixed number of queries.

    New themes and service areas that an import needs are made here (unsaved)
    so that every row naming one shares the same object.
    """

    indicators: dict[str, Indicator] = field(default_factory=dict)
    titles: dict[str, list[Indicator]] = field(default_factory=dict)
    targets: dict[tuple[int, int], Target] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    initials: dict[str, list[User]] = field(default_factory=dict)
    themes: dict[str, Theme] = field(default_factory=dict)
    service_areas: dict[str, ServiceArea] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    new_objects: list = field(default_factory=list)
    next_position: int = 0
    unsectioned: list[str] = field(default_factory=list)

    @classmethod
    def load(cls) -> "Catalogue":
        catalogue = cls()
        for indicator in Indicator.objects.select_related("theme", "service_area", "responsible_officer"):
            catalogue.indicators[cells.code_key(indicator.code)] = indicator
            catalogue.titles.setdefault(cells.title_key(indicator.title), []).append(indicator)
            catalogue.next_position = max(catalogue.next_position, indicator.position + 1)
        for target in Target.objects.all():
            catalogue.targets[(target.indicator_id, target.financial_year)] = target
        for user in User.objects.filter(is_active=True):
            catalogue.users[user.username.casefold()] = user
            if user.email:
                catalogue.users.setdefault(user.email.casefold(), user)
            if user.initials:
                catalogue.initials.setdefault(user.initials.upper(), []).append(user)
        catalogue.themes = {t.name.casefold(): t for t in Theme.objects.all()}
        catalogue.service_areas = {s.name.casefold(): s for s in ServiceArea.objects.all()}
        catalogue.teams = {t.name.casefold(): t for t in Team.objects.all()}
        return catalogue

    def indicator(self, code: str) -> Indicator | None:
        return self.indicators.get(cells.code_key(code))

    def indicator_by_title(self, title: str) -> Indicator | None:
        found = self.titles.get(cells.title_key(title), [])
        return found[0] if len(found) == 1 else None

    def user(self, text: str) -> User:
        """A person named by username, email or initials; CellError when nobody (or several people) match."""
        key = text.strip()
        user = self.users.get(key.casefold())
        if user is not None:
            return user
        matches = self.initials.get(key.upper(), [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise cells.CellError(f"'{key}' are the initials of {len(matches)} users: give the username instead")
        raise cells.CellError(
            f"'{key}' is not a user of the portal (give a username, email or initials of an existing user)"
        )

    def team(self, name: str) -> Team | None:
        return self.teams.get(name.strip().casefold())

    def theme(self, name: str, report: ImportReport) -> Theme:
        key = name.strip().casefold()
        if key not in self.themes:
            position = max((t.position for t in self.themes.values()), default=-1) + 1
            self.themes[key] = Theme(name=name.strip(), position=position)
            self.new_objects.append(self.themes[key])
            report.add(CREATED, "theme", name.strip())
        return self.themes[key]

    def service_area(self, name: str, report: ImportReport) -> ServiceArea:
        key = name.strip().casefold()
        if key not in self.service_areas:
            self.service_areas[key] = ServiceArea(name=name.strip())
            self.new_objects.append(self.service_areas[key])
            report.add(CREATED, "service area", name.strip())
        return self.service_areas[key]

    def add_indicator(self, indicator: Indicator) -> None:
        self.indicators[cells.code_key(indicator.code)] = indicator
        self.titles.setdefault(cells.title_key(indicator.title), []).append(indicator)


def save_with_history(obj, by, reason: str, update_fields=None) -> None:
    """Save with the importing user and a reason on the history record."""
    obj._history_user = by
    obj._change_reason = reason
    obj.save(update_fields=update_fields)


# --- Plans: what an import will create or change -----------------------------------------------------

CATALOGUE_FIELDS = (
    "title",
    "definition",
    "theme",
    "service_area",
    "responsible_officer",
    "polarity",
    "unit",
    "decimals",
    "frequency",
    "measure",
    "aggregation",
    "numerator_label",
    "denominator_label",
    "population_base",
    "is_key",
    "status",
    "info_note",
)
TARGET_FIELDS = ("target", "tolerance", "tolerance_kind", "dot_threshold")
NO_TARGET = object()  # `NA` in a target cell: there is no target that year


@dataclass
class TargetPlan:
    target: Target
    created: bool
    changed: dict[str, tuple] = field(default_factory=dict)


@dataclass
class IndicatorPlan:
    indicator: Indicator
    created: bool
    row: int
    changed: dict[str, tuple] = field(default_factory=dict)
    deputies: list[User] | None = None
    targets: dict[int, TargetPlan] = field(default_factory=dict)

    @property
    def has_changes(self) -> bool:
        return (
            self.created
            or bool(self.changed)
            or self.deputies is not None
            or any(t.created or t.changed for t in self.targets.values())
        )


def _shown(value) -> str:
    if value is None or value == "":
        return "blank"
    if isinstance(value, Decimal):
        return reader.number_text(value)
    return str(value)


def _current(obj, name: str):
    """A field's value; None for a relation not set yet (a new indicator's theme)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def plan_indicator_fields(plan: IndicatorPlan, values: dict) -> None:
    """Set the given fields on the plan's indicator, remembering what changes."""
    indicator = plan.indicator
    for name, new in values.items():
        old = _current(indicator, name)
        if isinstance(old, Decimal | int) and isinstance(new, Decimal | int) and old == new:
            continue
        if old == new or (getattr(old, "pk", None) is not None and getattr(old, "pk", None) == getattr(new, "pk", 0)):
            continue
        plan.changed[name] = (old, new)
        setattr(indicator, name, new)


def plan_target(catalogue: Catalogue, plan: IndicatorPlan, year: int, values: dict) -> None:
    """Create or change the target of one financial year from the given values."""
    indicator = plan.indicator
    existing = plan.targets.get(year)
    if existing is None:
        stored = catalogue.targets.get((indicator.pk, year)) if indicator.pk else None
        if stored is None and all(v is None or v is NO_TARGET for v in values.values()):
            return  # "no target" for a year that has none: nothing to record
        existing = TargetPlan(stored or Target(indicator=indicator, financial_year=year), created=stored is None)
        plan.targets[year] = existing
    target = existing.target
    for name, new in values.items():
        new = None if new is NO_TARGET else new
        old = getattr(target, name)
        if old == new:
            continue
        if not existing.created:
            existing.changed[name] = (old, new)
        setattr(target, name, new)


def record_plans(report: ImportReport, plans: list[IndicatorPlan]) -> None:
    for plan in plans:
        code = plan.indicator.code
        if plan.created:
            report.add(CREATED, "indicator", code, plan.indicator.title, plan.row)
        elif plan.changed or plan.deputies is not None:
            details = "; ".join(
                f"{name.replace('_', ' ')} {_shown(a)} → {_shown(b)}" for name, (a, b) in plan.changed.items()
            )
            report.add(UPDATED, "indicator", code, details or "deputies", plan.row)
        else:
            report.add(UNCHANGED, "indicator", code)
        for year, target_plan in sorted(plan.targets.items()):
            key = f"{code} {periods.financial_year_label(year)}"
            target = target_plan.target
            if target_plan.created:
                report.add(
                    CREATED, "target", key, f"target {_shown(target.target)}, tolerance {_shown(target.tolerance)}"
                )
            elif target_plan.changed:
                details = "; ".join(
                    f"{n.replace('_', ' ')} {_shown(a)} → {_shown(b)}" for n, (a, b) in target_plan.changed.items()
                )
                report.add(UPDATED, "target", key, details)
            else:
                report.add(UNCHANGED, "target", key)


def write_plans(catalogue: Catalogue, plans: list[IndicatorPlan], *, by, reason: str) -> list[Indicator]:
    """Save new themes and service areas, then every indicator and target that changes (inside a transaction)."""
    for obj in catalogue.new_objects:
        if obj.pk is None:
            save_with_history(obj, by, reason)
    changed = []
    for plan in plans:
        indicator = plan.indicator
        if plan.created:
            save_with_history(indicator, by, reason)
        elif plan.changed:
            fields = [f"{name}" for name in plan.changed] + ["updated_at"]
            save_with_history(indicator, by, reason, update_fields=fields)
        if plan.deputies is not None:
            indicator._history_user = by
            indicator.deputies.set(plan.deputies)
        for target_plan in plan.targets.values():
            target = target_plan.target
            target.indicator = indicator
            if target_plan.created:
                save_with_history(target, by, reason)
            elif target_plan.changed:
                save_with_history(target, by, reason, update_fields=list(target_plan.changed))
        if plan.has_changes:
            changed.append(indicator)
    return changed


def request_recompute(indicator_ids, *, reason: str, from_period=None) -> None:
    """Ask for the scorecards of these indicators to be recomputed once the import has committed (merged)."""
    recompute_requests.request_recompute(sorted(set(indicator_ids)), from_period=from_period, reason=reason)


# --- Long form: indicators and targets ------------------------------------------------------------------

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


def parse_indicator_rows(table: reader.Table, catalogue: Catalogue, report: ImportReport) -> list[IndicatorRow]:
    """Each data row as the values it gives; problems go to `report` with their row and column."""
    header, data = table.rows[0], table.rows[1:]
    mapping = reader.map_columns(header, INDICATOR_COLUMNS, data_rows=data)
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


def indicators_import(table: reader.Table, *, by, commit: bool) -> ImportReport:
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
            request_recompute([i.pk for i in changed], reason="indicators imported")
        report.written = True
    return report


# --- The wide scorecard layout ----------------------------------------------------------------------------


def wide_import(table: reader.Table, *, by, commit: bool, sheet=None) -> ImportReport:
    """Import a scorecard in the wide layout: the catalogue columns it has, then its figures as approved history.

    Indicators are found by code (whatever the spacing) or, when the file has
    no code, by title. An indicator the catalogue does not have is created when
    the row gives its code (unit, decimals and aggregation inferred from the
    row, theme from the section row above it); it is never renamed. Targets are
    written for the financial year their column names (or of the file's last
    month). Columns the portal does not import (RAG, comparators, quarters) are
    listed in the report, not dropped silently.
    """
    from indicators.imports import wide
    from returns import importing as figure_importing

    check_can_import(by)
    report = ImportReport("figures", layout="wide")
    sheet = sheet or wide.parse(table)
    report.errors.extend(sheet.errors)
    report.notes.extend(sheet.notes)
    catalogue = Catalogue.load()
    plans, figure_rows = plan_wide_rows(sheet, catalogue, report)
    if catalogue.unsectioned:
        report.notes.append(
            f"{len(catalogue.unsectioned)} new indicators have no section row above them and go in the theme "
            f"'{UNASSIGNED}' (change it in the catalogue): {', '.join(catalogue.unsectioned[:10])}"
            + ("…" if len(catalogue.unsectioned) > 10 else "")
        )
    returns_plan = figure_importing.plan_figures(figure_rows, report=report) if not report.errors else None
    if report.errors:
        return report
    record_plans(report, plans)
    returns_plan.record(report)
    if commit:
        with figure_importing.raced_imports_reported(report):
            with transaction.atomic():
                changed = write_plans(catalogue, plans, by=by, reason="Imported from a scorecard")
                figure_importing.write_figures(returns_plan, by=by, comment="Imported from a scorecard")
                request_recompute([i.pk for i in changed], reason="scorecard imported")
                request_recompute(
                    returns_plan.indicator_ids(), from_period=returns_plan.first_period(), reason="scorecard imported"
                )
            report.written = True
    return report


def plan_wide_rows(sheet, catalogue: Catalogue, report: ImportReport):
    """Indicator plans and figure rows from a parsed wide sheet."""
    from returns.importing import FigureRow

    plans: list[IndicatorPlan] = []
    figure_rows: list[FigureRow] = []
    seen: dict[int, int] = {}
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
    return plans, figure_rows


def _new_wide_indicator(row, catalogue: Catalogue, report: ImportReport) -> IndicatorPlan:
    title = row.title or row.code
    indicator = Indicator(
        code=row.code,
        title=title,
        position=catalogue.next_position,
        unit=row.fields.get("unit") or cells.infer_unit(title, row.value_texts),
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

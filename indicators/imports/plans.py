"""Plans of a catalogue import: what it will create or change in indicators and targets, then the writing of it.

Both catalogue imports — the indicator list (`indicators.imports.catalogue`)
and the wide scorecard (`indicators.imports.figures`) — compare their rows
with the catalogue into `IndicatorPlan`s, list them in the report
(`record_plans`), and write them in the caller's transaction (`write_plans`).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist

from indicators import periods, scoring
from indicators.catalogue.lookup import Catalogue, save_with_history
from indicators.models import Indicator, Target
from kpiportal.accounts.models import User
from kpiportal.imports import CREATED, UNCHANGED, UPDATED, ImportReport
from kpiportal.sheets.table import number_text

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
    row: int | None = None  # the file's row, and the heading of the cell each field came from
    columns: dict[str, str] = field(default_factory=dict)
    kept: dict[str, tuple] = field(default_factory=dict)  # what the file says but the import leaves as stored


@dataclass
class IndicatorPlan:
    indicator: Indicator
    created: bool
    row: int
    changed: dict[str, tuple] = field(default_factory=dict)
    deputies: list[User] | None = None
    targets: dict[int, TargetPlan] = field(default_factory=dict)
    summary: str = ""  # what a new indicator is created with, for the preview (else its title)

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
        return number_text(value)
    return str(value)


def _current(obj, name: str):
    """A field's value; None for a relation not set yet (a new indicator's theme)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _kind(target: Target) -> str:
    """' (relative)' after a relative tolerance: 10 is then 10% of the target, not 10 points."""
    return (
        f" ({target.tolerance_kind})"
        if target.tolerance is not None and target.tolerance_kind == scoring.RELATIVE
        else ""
    )


def _cell(target_plan: TargetPlan, name: str) -> str:
    column = target_plan.columns.get(name)
    return f" ('{column}')" if column else ""


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


def plan_target(
    catalogue: Catalogue,
    plan: IndicatorPlan,
    year: int,
    values: dict,
    *,
    change_existing: bool = True,
    row: int | None = None,
    columns: dict[str, str] | None = None,
) -> dict[str, tuple]:
    """Create or change the target of one financial year from the given values.

    With `change_existing=False` a stored target is left as it is: the fields
    the values would change are returned (name → (stored, given)) for the
    caller to report. A target for a year that has none is created either way.
    `row` and `columns` (field → heading) say where in the file the values are.
    """
    indicator = plan.indicator
    existing = plan.targets.get(year)
    if existing is None:
        stored = catalogue.targets.get((indicator.pk, year)) if indicator.pk else None
        if stored is None and all(v is None or v is NO_TARGET for v in values.values()):
            return {}  # "no target" for a year that has none: nothing to record
        existing = TargetPlan(
            stored or Target(indicator=indicator, financial_year=year), created=stored is None, row=row
        )
        plan.targets[year] = existing
    target = existing.target
    kept = {}
    for name, new in values.items():
        new = None if new is NO_TARGET else new
        old = getattr(target, name)
        if old == new:
            continue
        if not existing.created:
            if not change_existing:
                kept[name] = existing.kept[name] = (old, new)
                continue
            existing.changed[name] = (old, new)
        setattr(target, name, new)
        if columns and columns.get(name):
            existing.columns[name] = columns[name]
    return kept


def record_plans(report: ImportReport, plans: list[IndicatorPlan]) -> None:
    for plan in plans:
        code = plan.indicator.code
        if plan.created:
            report.add(CREATED, "indicator", code, plan.summary or plan.indicator.title, plan.row)
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
                    CREATED,
                    "target",
                    key,
                    f"target {_shown(target.target)}, tolerance {_shown(target.tolerance)}{_kind(target)}",
                    target_plan.row,
                )
            elif target_plan.changed:
                details = "; ".join(
                    f"{n.replace('_', ' ')} {_shown(a)} → {_shown(b)}{_cell(target_plan, n)}"
                    for n, (a, b) in target_plan.changed.items()
                )
                report.add(UPDATED, "target", key, details, target_plan.row)
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

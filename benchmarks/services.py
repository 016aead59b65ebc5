"""Every write to comparator data: sources, values, imports and the choice of rating comparator.

Each service checks permission (the performance team), writes in one
transaction with the history user set (django-simple-history keeps the audit
trail, `bulk_*_with_history` for imports), and asks for the affected scorecard
rows to be recomputed once the transaction has committed.
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from benchmarks import import_plan, import_rows, imports, rules
from benchmarks.models import ComparatorSource, ComparatorValue, RatingComparator
from indicators.catalogue.lookup import check_can_import
from indicators.models import Indicator, PortalSettings
from indicators.recompute_requests import request_recompute
from kpiportal import bulk
from kpiportal.imports import ImportReport
from kpiportal.sheets.table import Table


class ComparatorError(Exception):
    """A write the rules refuse, with the message to show."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


def _check_can_manage(by) -> None:
    if not rules.can_manage_comparators(by):
        raise PermissionDenied("Only the performance team manages comparators.")


def _recompute_after_commit(indicator_ids: Iterable[int] | None, reason: str) -> None:
    """Ask for the affected scorecard rows (None: all) to be recomputed, once the transaction has committed."""
    request_recompute(indicator_ids, reason=reason)


# --- Sources -------------------------------------------------------------------------------------


def comparator_source_create(*, name: str, short_name: str = "", kind: str, position: int | None = None, by):
    """Add a comparator source. Names are unique whatever their case; the position defaults to the end."""
    _check_can_manage(by)
    name = " ".join(name.split())
    if kind not in ComparatorSource.Kind.values:
        raise ComparatorError(f"Unknown kind '{kind}'", field="kind")
    with transaction.atomic():
        _check_name_free(name, short_name)
        if position is None:
            position = (ComparatorSource.objects.aggregate(m=Max("position"))["m"] or 0) + 1
        source = ComparatorSource(name=name, short_name=short_name.strip(), kind=kind, position=position)
        source._history_user = by
        source.save()
    return source


def comparator_source_update(*, source: ComparatorSource, name: str, short_name: str, kind: str, position: int, by):
    """Change a source's name, short name, kind or order.

    The kind and order decide the default rating comparator and which sources
    are ranked, so the whole scorecard is recomputed.
    """
    _check_can_manage(by)
    name = " ".join(name.split())
    if kind not in ComparatorSource.Kind.values:
        raise ComparatorError(f"Unknown kind '{kind}'", field="kind")
    with transaction.atomic():
        locked = ComparatorSource.objects.select_for_update().get(pk=source.pk)
        _check_name_free(name, short_name, exclude=locked.pk)
        changed = [
            f
            for f, v in (("name", name), ("short_name", short_name.strip()), ("kind", kind), ("position", position))
            if getattr(locked, f) != v
        ]
        if not changed:
            return locked
        for f, v in (("name", name), ("short_name", short_name.strip()), ("kind", kind), ("position", position)):
            setattr(locked, f, v)
        locked._history_user = by
        locked.save(update_fields=changed)
        # The kind and order choose the default rating comparator of every indicator.
        _recompute_after_commit(None, "comparator source changed")
    return locked


def _check_name_free(name: str, short_name: str, exclude: int | None = None) -> None:
    others = ComparatorSource.objects.exclude(pk=exclude) if exclude else ComparatorSource.objects.all()
    taken = {imports.key(n) for pair in others.values_list("name", "short_name") for n in pair if n}
    if imports.key(name) in taken:
        raise ComparatorError(f"A comparator called '{name}' already exists", field="name")
    if short_name.strip() and imports.key(short_name) in taken:
        raise ComparatorError(f"The short name '{short_name.strip()}' is already used", field="short_name")


# --- Single values -----------------------------------------------------------------------------------


def comparator_value_set(
    *,
    indicator: Indicator,
    source: ComparatorSource,
    period_kind: str,
    period_start: date,
    value: Decimal | None,
    note: str = "",
    by,
) -> tuple[ComparatorValue, bool]:
    """Record one comparator value (creating or replacing it); returns (value, created).

    The value must make sense in the indicator's unit (`imports.unit_problems`).
    """
    _check_can_manage(by)
    ref = imports.IndicatorRef(indicator.pk, indicator.code, indicator.unit)
    problems = imports.unit_problems(ref, value, None)
    if problems:
        raise ComparatorError(problems[0], field="value")
    with transaction.atomic():
        existing = (
            ComparatorValue.objects.select_for_update()
            .filter(indicator=indicator, source=source, period_kind=period_kind, period_start=period_start)
            .first()
        )
        if existing is None:
            obj = ComparatorValue(
                indicator=indicator,
                source=source,
                period_kind=period_kind,
                period_start=period_start,
                value=value,
                note=note,
                loaded_by=by,
            )
            obj._history_user = by
            obj.save()
            created = True
        else:
            obj = existing
            obj.value, obj.note, obj.loaded_by = value, note, by
            obj._history_user = by
            obj.save(update_fields=["value", "note", "loaded_by", "loaded_at"])
            created = False
        _recompute_after_commit([indicator.pk], "comparator value edited")
    return obj, created


def comparator_value_delete(*, comparator_value: ComparatorValue, by) -> None:
    """Remove one comparator value (kept in its history)."""
    _check_can_manage(by)
    with transaction.atomic():
        locked = ComparatorValue.objects.select_for_update().get(pk=comparator_value.pk)
        indicator_id = locked.indicator_id
        locked._history_user = by
        locked.delete()
        _recompute_after_commit([indicator_id], "comparator value removed")


# --- Imports -------------------------------------------------------------------------------------------


def comparator_values_write(plan: import_plan.Plan, *, by) -> None:
    """Write a checked comparator import (`comparators_import` below) in one transaction.

    Creates the new sources the user agreed to, inserts new values and updates
    the changed ones, with a history record for each, attributed to `by`; then
    asks for the affected indicators' scorecards to be recomputed after commit.
    On PostgreSQL the values and their history go by COPY (50,000 rows in a
    couple of seconds); elsewhere through simple-history's bulk helpers.
    """
    check_can_import(by)
    now = timezone.now()
    with transaction.atomic():
        source_ids = {}
        position = ComparatorSource.objects.aggregate(m=Max("position"))["m"] or 0
        for new in plan.new_sources:
            position += 1
            source = ComparatorSource(name=new.name, kind=new.kind, position=position)
            source._history_user = by
            source._change_reason = IMPORT_REASON
            source.save()
            source_ids[imports.key(new.name)] = source.pk

        user_id = by.pk if by is not None else None

        def value_of(row, source_id, pk=None):
            # Positional arguments in field order: tens of thousands of rows build quicker than by keyword.
            fields = {
                "id": pk,
                "indicator_id": row.indicator_id,
                "source_id": source_id,
                "period_kind": row.period_kind,
                "period_start": row.period_start,
                "value": row.value,
                "note": row.note,
                "loaded_by_id": user_id,
                "loaded_at": now,
            }
            return ComparatorValue(*(fields[name] for name in VALUE_ATTNAMES))

        new = [
            value_of(row, row.source_id if row.source_id is not None else source_ids[imports.key(row.source_name)])
            for row in plan.create
        ]
        changed = [value_of(row, row.source_id, pk) for row, pk in plan.update]
        history = {"by": by, "reason": IMPORT_REASON, "now": now}
        bulk.insert_with_history(ComparatorValue, new, **history)
        bulk.update_with_history(ComparatorValue, changed, ["value", "note", "loaded_by", "loaded_at"], **history)
        _recompute_after_commit(plan.indicator_ids, "comparators imported")


IMPORT_REASON = "Imported comparators"
VALUE_ATTNAMES = [f.attname for f in ComparatorValue._meta.concrete_fields]


# --- The rating comparator ------------------------------------------------------------------------------


def rating_comparator_set(
    *, indicator: Indicator | None, source: ComparatorSource | None, band: Decimal | None, by
) -> RatingComparator:
    """Choose the comparator (and band) the comparator rating uses.

    For the whole scorecard (`indicator=None`) the band is the portal's
    `comparator_band` and must be given; for one indicator a blank source or
    band falls back to the scorecard-wide choice (`comparison.rating_rule`).
    The affected indicators are recomputed.
    """
    _check_can_manage(by)
    if band is not None and band < 0:
        raise ComparatorError("The band cannot be negative", field="band")
    if indicator is None and band is None:
        raise ComparatorError("Enter the 'as good as' band", field="band")
    with transaction.atomic():
        choice = RatingComparator.objects.select_for_update().filter(indicator=indicator).first()
        if choice is None:
            choice = RatingComparator(indicator=indicator)
        if indicator is None:
            portal = PortalSettings.load()
            portal = PortalSettings.objects.select_for_update().get(pk=portal.pk)
            if portal.comparator_band != band:
                portal.comparator_band = band
                portal._history_user = by
                portal.save(update_fields=["comparator_band"])
            band = None
        choice.source, choice.band = source, band
        choice._history_user = by
        choice.save()
        _recompute_after_commit([indicator.pk] if indicator is not None else None, "rating comparator changed")
    return choice


# --- The comparator import --------------------------------------------------------------------------


def comparators_import(table: Table, *, by, commit: bool, create_sources: bool = False) -> ImportReport:
    """Import comparator values in the long form; all or nothing (the rules are in `benchmarks.imports`)."""
    check_can_import(by)
    report = ImportReport("comparators", layout="comparators")
    parsed = import_rows.parse_comparators(table, create_sources=create_sources, **import_plan.lookups())
    report.errors.extend(parsed.errors)
    if report.errors:
        return report
    if parsed.new_sources:
        report.notes.append(
            "New comparators will be added: "
            + ", ".join(f"{s.name} ({s.kind_label})" for s in parsed.new_sources)
            + ". Check their kinds before you confirm; you can change them later under Comparators."
        )
    if not commit:
        import_plan.plan(parsed, report)
        return report
    with transaction.atomic():
        # Planned inside the writing transaction, so what is compared is what is updated.
        comparator_values_write(import_plan.plan(parsed, report), by=by)
    report.written = True
    return report

"""The comparator import against the database: what the parser looks up, and what a clean file would change."""

from dataclasses import dataclass, field
from decimal import Decimal

from benchmarks.imports import ComparatorRow, IndicatorRef, NewSource, Parsed, SourceRef, key
from benchmarks.models import ComparatorSource, ComparatorValue
from indicators.catalogue import cells
from indicators.models import Indicator
from kpiportal.imports import CREATED, UNCHANGED, UPDATED, ImportReport
from kpiportal.sheets.table import number_text


def lookups() -> dict:
    """What the parser needs from the database: indicators by code, sources by name and short name."""
    indicators = {
        cells.code_key(code): IndicatorRef(pk, code, unit)
        for pk, code, unit in Indicator.objects.values_list("pk", "code", "unit")
    }
    sources = {}
    for pk, name, short_name, kind in ComparatorSource.objects.values_list("pk", "name", "short_name", "kind"):
        ref = SourceRef(pk, name, kind)
        sources[key(name)] = ref
        if short_name:
            sources.setdefault(key(short_name), ref)
    return {"indicators": indicators, "sources": sources}


@dataclass
class Plan:
    """What an import writes: new sources, new values, changed values (with the existing row)."""

    new_sources: list[NewSource] = field(default_factory=list)
    create: list[ComparatorRow] = field(default_factory=list)
    update: list[tuple[ComparatorRow, int]] = field(default_factory=list)  # (row, existing value's pk)
    unchanged: int = 0

    @property
    def indicator_ids(self) -> list[int]:
        return sorted({r.indicator_id for r in self.create} | {r.indicator_id for r, _ in self.update})


def plan(parsed: Parsed, report: ImportReport) -> Plan:
    """Compare the clean rows with what is held, in one query, and record each change in the report."""
    result = Plan(new_sources=parsed.new_sources)
    for new in parsed.new_sources:
        report.add(CREATED, "comparator", new.name, new.kind_label, new.first_row)
    known = [r for r in parsed.rows if r.source_id is not None]
    existing = {}
    if known:
        for pk, indicator_id, source_id, kind, start, value, note in ComparatorValue.objects.filter(
            indicator_id__in={r.indicator_id for r in known},
            source_id__in={r.source_id for r in known},
            period_start__in={r.period_start for r in known},
        ).values_list("pk", "indicator_id", "source_id", "period_kind", "period_start", "value", "note"):
            existing[(indicator_id, source_id, kind, start)] = (pk, value, note)
    for row in parsed.rows:
        held = existing.get(row.key)
        if held is None:
            result.create.append(row)
            report.add(CREATED, "comparator value", row.label, _shown(row.value), row.number)
        elif _same(held[1], row.value) and held[2] == row.note:
            result.unchanged += 1
            report.add(UNCHANGED, "comparator value", row.label)
        else:
            result.update.append((row, held[0]))
            report.add(UPDATED, "comparator value", row.label, f"{_shown(held[1])} → {_shown(row.value)}", row.number)
    return result


def _shown(value: Decimal | None) -> str:
    return number_text(value) if value is not None else "no value"


def _same(stored: Decimal | None, new: Decimal | None) -> bool:
    if stored is None or new is None:
        return stored is None and new is None
    return stored == new

"""The stored entries: reading them, comparing them with computed rows, and writing only what differs."""

import time
from collections.abc import Iterable, Sized
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.db import connection
from django.db.models import F

from indicators import scoring
from indicators.models import ScorecardEntry
from indicators.scorecard.compute import ENTRY_COLUMNS, EntryRow, new_entry_row
from indicators.scorecard.inputs import fetch_rows
from kpiportal import bulk


class RagChange(NamedTuple):
    """A whole-authority entry whose RAG or persistent-red state a recompute changed.

    `old_rag` is None for a new entry, `new_rag` None for an entry removed (e.g. a reopened return).
    """

    indicator_id: int
    period: date
    old_rag: str | None
    new_rag: str | None
    old_persistent: bool | None
    new_persistent: bool | None

    @property
    def turned_red(self) -> bool:
        return self.new_rag == scoring.RED and self.old_rag != scoring.RED


def entries_in_scope(indicator_ids: Iterable[int] | None, from_period: date | None):
    entries = ScorecardEntry.objects.all()
    if indicator_ids is not None:
        entries = entries.filter(indicator_id__in=list(indicator_ids))
    if from_period is not None:
        entries = entries.filter(period__gte=from_period)
    return entries


def _stored_rows(entries) -> list[EntryRow]:
    """These entries' rows, in the order `compute_rows` gives them, in one query."""
    order = ("indicator_id", F("team_id").asc(nulls_first=True), "period")
    return list(map(new_entry_row, fetch_rows(entries.order_by(*order).values_list(*ENTRY_COLUMNS))))


def _delete(entries, keys: list[tuple]) -> None:
    """Delete these (indicator, period, team) entries, among `entries`."""
    if not keys:
        return
    pks = {
        row[:3]: row[3] for row in fetch_rows(entries.order_by().values_list("indicator_id", "period", "team_id", "pk"))
    }
    # A key may be gone already: deleting a team or an indicator cascades to its entries without the lock.
    ids = [pks[key] for key in keys if key in pks]
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ScorecardEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [ids])  # noqa: S608 - the model's table
        return
    for i in range(0, len(ids), 500):
        ScorecardEntry.objects.filter(pk__in=ids[i : i + 500]).delete()


@dataclass
class Changes:
    """What a recompute found against the stored entries, slice by slice."""

    clock: "Clock"
    entries: int = 0
    written: int = 0
    deleted: int = 0
    rag_changes: list[RagChange] = field(default_factory=list)

    def mark(self) -> tuple[int, int, int, int]:
        """Where the counts stand, to go back to when a slice's savepoint is rolled back."""
        return self.entries, self.written, self.deleted, len(self.rag_changes)

    def reset(self, mark: tuple[int, int, int, int]) -> None:
        self.entries, self.written, self.deleted, noted = mark
        del self.rag_changes[noted:]

    def apply(self, rows: Iterable[EntryRow], entries) -> None:
        """Make `entries` (a queryset: the scope of these rows) hold exactly `rows`, writing only what differs."""
        clock = self.clock
        stored = _stored_rows(entries)
        clock.lap("read entries")
        if not stored:
            self._insert(rows)
            clock.lap("score and write (streamed)")
            return
        rows = list(rows)
        clock.lap("score")
        self.entries += len(rows)
        if rows == stored:  # the usual night: nothing changed, nothing written
            clock.lap("compare")
            return
        changed, stale = self._compare(rows, stored)
        clock.lap("compare")
        _delete(entries, stale)
        if changed:
            bulk.copy_rows(ScorecardEntry, ENTRY_COLUMNS, changed)
        clock.lap("write")
        self.written += len(changed)
        self.deleted += len(stale)

    def _compare(self, rows: list[EntryRow], stored: list[EntryRow]) -> tuple[list[EntryRow], list[tuple]]:
        """The rows to write (new or different) and the keys of the stored entries they replace or that are gone;
        the whole-authority RAG changes are noted on the way."""
        before = {row[:3]: row for row in stored}  # (indicator, period, team) → stored row
        changed: list[EntryRow] = []
        stale: list[tuple] = []
        for row in rows:
            key = row[:3]
            old = before.pop(key, None)
            if old is not None:
                if old == row:
                    continue
                stale.append(key)
            changed.append(row)
            self._note_rag_change(old, row)
        for key, old in before.items():  # no approved figure any more
            stale.append(key)
            self._note_rag_change(old, None)
        return changed, stale

    def _note_rag_change(self, old: EntryRow | None, new: EntryRow | None) -> None:
        """Note a whole-authority entry whose RAG or persistent red differs (alerts are raised from these)."""
        entry = new or old
        if entry.team_id is not None:
            return
        if old is not None and new is not None and (old.rag, old.persistent_red) == (new.rag, new.persistent_red):
            return
        self.rag_changes.append(
            RagChange(
                entry.indicator_id,
                entry.period,
                old and old.rag,
                new and new.rag,
                old and old.persistent_red,
                new and new.persistent_red,
            )
        )

    def _insert(self, rows: Iterable[EntryRow]) -> None:
        """Nothing stored to compare with: the rows stream into the table as they are computed (PostgreSQL
        indexes them on the other core meanwhile), every whole-authority one a new RAG."""
        if isinstance(rows, Sized) and not rows:
            return
        count = 0

        def counted():
            nonlocal count
            for row in rows:
                count += 1
                if row.team_id is None:
                    self._note_rag_change(None, row)
                yield row

        bulk.copy_rows(ScorecardEntry, ENTRY_COLUMNS, counted())
        self.entries += count
        self.written += count


class Clock:
    """Wall time per stage, added up over the slices."""

    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = self.laps.get(name, 0.0) + now - self.last
        self.last = now

    @property
    def total(self) -> float:
        return self.last - self.started

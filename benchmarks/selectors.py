"""Named reads of comparator data: the one place that decides which comparator value is "latest available".

Scorecards show, for each indicator and period, the latest value of each
comparator source whose period (financial year or quarter) started on or before
that period (PRODUCT §5). The scorecard recompute asks for every month of long
histories, so the values are loaded once (`ComparatorHistory`) and looked up in
memory; `latest_comparator_values` is the one-period convenience.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from indicators import periods

from .models import ComparatorSource, ComparatorValue

# On the same start date an annual figure wins over a quarter's: it covers more.
_KIND_RANK = {ComparatorValue.PeriodKind.QUARTER: 0, ComparatorValue.PeriodKind.YEAR: 1}


class ComparatorFigure(NamedTuple):
    """One comparator's latest value for an indicator: (source, value, period label, note)."""

    source: ComparatorSource
    value: Decimal | None
    period_label: str
    note: str


def comparator_period_label(period_kind: str, period_start: date) -> str:
    """'2019/20' for a financial year, '2020/21 Q3' for a quarter."""
    if period_kind == ComparatorValue.PeriodKind.QUARTER:
        return periods.quarter_label(*periods.quarter_of(period_start))
    return periods.financial_year_label(periods.financial_year_of(period_start))


class ComparatorHistory:
    """Every comparator value of some indicators, in two queries, answering "latest as at a period"."""

    def __init__(self, indicator_ids: Iterable[int] | None = None):
        sources = list(ComparatorSource.objects.all())
        self.sources = {s.pk: s for s in sources}
        values = ComparatorValue.objects.all()
        if indicator_ids is not None:
            values = values.filter(indicator_id__in=list(indicator_ids))
        rows = values.values_list("indicator_id", "source_id", "period_kind", "period_start", "value", "note")
        series: dict[tuple[int, int], list] = defaultdict(list)
        for indicator_id, source_id, kind, start, value, note in rows:
            series[(indicator_id, source_id)].append(((start, _KIND_RANK.get(kind, 0)), kind, value, note))
        # Per indicator: its sources in display order, each with its values oldest first.
        self._by_indicator: dict[int, list[tuple[ComparatorSource, list[date], list]]] = defaultdict(list)
        for (indicator_id, source_id), entries in series.items():
            entries.sort(key=lambda e: e[0])
            self._by_indicator[indicator_id].append((self.sources[source_id], [e[0][0] for e in entries], entries))
        for per_source in self._by_indicator.values():
            per_source.sort(key=lambda item: (item[0].position, item[0].name))

    def latest(self, indicator_id: int, period: date) -> list[ComparatorFigure]:
        """The latest value of each source whose period started on or before `period`, in source order."""
        figures = []
        for source, starts, entries in self._by_indicator.get(indicator_id, ()):
            index = bisect_right(starts, period)
            if index == 0:
                continue
            (start, _), kind, value, note = entries[index - 1]
            figures.append(ComparatorFigure(source, value, comparator_period_label(kind, start), note))
        return figures

    def rating(self, indicator_id: int, period: date) -> ComparatorFigure | None:
        """The comparator the RAG-style comparator rating is judged against.

        PRODUCT §4–§6: the statistical-neighbour average (the first source of kind
        `average`, in source order) with a value available at `period`.
        """
        for figure in self.latest(indicator_id, period):
            if figure.source.kind == ComparatorSource.Kind.AVERAGE and figure.value is not None:
                return figure
        return None


def latest_comparator_values(indicator_ids: Iterable[int], period: date) -> dict[int, list[ComparatorFigure]]:
    """{indicator id: [(source, value, period label, note), …]} as at `period`, in two queries."""
    ids = list(indicator_ids)
    history = ComparatorHistory(ids)
    return {i: figures for i in ids if (figures := history.latest(i, period))}

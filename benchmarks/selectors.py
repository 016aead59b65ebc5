"""Named reads of comparator data and populations, each in a fixed number of queries.

The one place that decides which comparator value is "latest available":
scorecards show, for each indicator and period, the latest value of each
comparator source whose period (financial year or quarter) started on or before
that period (PRODUCT §5). The scorecard recompute asks for every month of long
histories, so the values are loaded once (`ComparatorHistory`) and looked up in
memory; `latest_comparator_values` is the one-period convenience.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q

from benchmarks import comparison
from benchmarks.models import ComparatorSource, ComparatorValue, Population, RatingComparator
from indicators import periods, scoring
from indicators.models import PortalSettings

# --- Populations (PRODUCT §3, §8) -----------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationFigure:
    """A 0–17 population and the mid-year estimate it comes from."""

    population: int
    year: int
    team_id: int | None = None

    @property
    def label(self) -> str:
        return f"mid-{self.year} estimate, {self.population:,}"


@dataclass(frozen=True)
class Populations:
    """The populations in force for one period: the whole authority's and each team's."""

    whole: PopulationFigure | None = None
    teams: dict[int, PopulationFigure] = field(default_factory=dict)

    def of(self, team_id: int | None) -> PopulationFigure | None:
        return self.whole if team_id is None else self.teams.get(team_id)


def _in_force(period: date):
    """The rule for which estimate a period uses: the latest year not after the period's, with a population."""
    return Population.objects.filter(year__lte=period.year, population__isnull=False)


def population_for(team_id: int | None, period: date) -> PopulationFigure | None:
    """The population a rate per 10,000 uses for a team (None = the whole authority) in `period`.

    The latest mid-year estimate not after the period's year; years recorded
    without a population are passed over. None when there is none.
    """
    row = (
        _in_force(period)
        .filter(Q(team__isnull=True) if team_id is None else Q(team_id=team_id))
        .order_by("-year")
        .values_list("population", "year")
        .first()
    )
    return PopulationFigure(row[0], row[1], team_id) if row else None


def populations_for(period: date) -> Populations:
    """Every population in force for `period` (the whole authority and each team), in one query."""
    whole = None
    teams: dict[int, PopulationFigure] = {}
    for team_id, population, year in _in_force(period).order_by("-year").values_list("team_id", "population", "year"):
        if team_id is None:
            if whole is None:
                whole = PopulationFigure(population, year)
        elif team_id not in teams:
            teams[team_id] = PopulationFigure(population, year, team_id)
    return Populations(whole, teams)


def population_years_by_period(periods_: Iterable[date], team_id: int | None = None) -> dict[date, PopulationFigure]:
    """For each period, the population its rates used (for saying so on the indicator page), in one query."""
    wanted = sorted(set(periods_))
    if not wanted:
        return {}
    rows = list(
        _in_force(wanted[-1])
        .filter(Q(team__isnull=True) if team_id is None else Q(team_id=team_id))
        .order_by("year")
        .values_list("population", "year")
    )
    found = {}
    for period in wanted:
        usable = [r for r in rows if r[1] <= period.year]
        if usable:
            found[period] = PopulationFigure(usable[-1][0], usable[-1][1], team_id)
    return found


# --- The rating comparator ----------------------------------------------------------------------------------


def comparator_sources() -> list[ComparatorSource]:
    """Every source in display order (position, name)."""
    return list(ComparatorSource.objects.order_by("position", "name"))


def scorecard_band() -> Decimal:
    """The scorecard-wide 'as good as' band (`PortalSettings.comparator_band`), without creating the settings row."""
    band = PortalSettings.objects.filter(pk=1).values_list("comparator_band", flat=True).first()
    return band if band is not None else scoring.DEFAULT_COMPARATOR_BAND


def rating_rules(
    indicator_ids: Iterable[int], *, sources: Iterable[ComparatorSource] | None = None
) -> dict[int, comparison.RatingRule]:
    """The comparator and band that rate each indicator (`comparison.rating_rule`), in three queries or fewer."""
    ids = list(indicator_ids)
    if sources is None:
        sources = comparator_sources()
    refs = [comparison.Source(s.pk, s.kind, s.position, s.name) for s in sources]
    scorecard_choice = None
    own: dict[int, comparison.Choice] = {}
    for indicator_id, source_id, band in RatingComparator.objects.filter(
        Q(indicator__isnull=True) | Q(indicator_id__in=ids)
    ).values_list("indicator_id", "source_id", "band"):
        choice = comparison.Choice(source_id, band)
        if indicator_id is None:
            scorecard_choice = choice
        else:
            own[indicator_id] = choice
    band = scorecard_band()
    return {i: comparison.rating_rule(own.get(i), scorecard_choice, refs, band) for i in ids}


def rating_rule_for(indicator_id: int) -> comparison.RatingRule:
    return rating_rules([indicator_id])[indicator_id]


# --- The latest comparator values -------------------------------------------------------------------------

# On the same start date an annual figure wins over a quarter's: it covers more.
_KIND_RANK = {ComparatorValue.PeriodKind.QUARTER: 0, ComparatorValue.PeriodKind.YEAR: 1}


class ComparatorFigure(NamedTuple):
    """One comparator's latest value for an indicator: (source, value, period label, note)."""

    source: ComparatorSource
    value: Decimal | None
    period_label: str
    note: str


class ComparatorHistory:
    """Every comparator value of some indicators (None: all), in two queries, answering "latest as at a period"."""

    def __init__(self, indicator_ids: Iterable[int] | None = None):
        self.sources = {s.pk: s for s in comparator_sources()}
        values = ComparatorValue.objects.all()
        if indicator_ids is not None:
            values = values.filter(indicator_id__in=list(indicator_ids))
        rows = values.values_list("indicator_id", "source_id", "period_kind", "period_start", "value", "note")
        series: dict[tuple[int, int], list] = defaultdict(list)
        for indicator_id, source_id, kind, start, value, note in rows:
            series[(indicator_id, source_id)].append(((start, _KIND_RANK.get(kind, 0)), kind, value, note))
        # Per indicator and source: the start months (for bisecting) and the values, oldest first.
        self._series: dict[int, dict[int, tuple[list[date], list]]] = defaultdict(dict)
        for (indicator_id, source_id), entries in series.items():
            entries.sort(key=lambda e: e[0])
            self._series[indicator_id][source_id] = ([e[0][0] for e in entries], entries)
        self._labels: dict[tuple[str, date], str] = {}

    def _figure(self, indicator_id: int, source_id: int, period: date) -> ComparatorFigure | None:
        found = self._series.get(indicator_id, {}).get(source_id)
        if found is None:
            return None
        starts, entries = found
        index = bisect_right(starts, period)
        if index == 0:
            return None
        (start, _), kind, value, note = entries[index - 1]
        label = self._labels.get((kind, start))
        if label is None:
            label = self._labels[(kind, start)] = periods.year_or_quarter_label(kind, start)
        return ComparatorFigure(self.sources[source_id], value, label, note)

    def latest(self, indicator_id: int, period: date) -> list[ComparatorFigure]:
        """The latest value of each source whose period started on or before `period`, in source order."""
        figures = []
        for source in self.sources.values():
            figure = self._figure(indicator_id, source.pk, period)
            if figure is not None:
                figures.append(figure)
        return figures

    def latest_of(self, indicator_id: int, source_id: int | None, period: date) -> ComparatorFigure | None:
        """One source's latest value as at `period` (e.g. the rating comparator's), or None."""
        if source_id is None:
            return None
        return self._figure(indicator_id, source_id, period)


def latest_comparator_values(indicator_ids: Iterable[int], period: date) -> dict[int, list[ComparatorFigure]]:
    """{indicator id: [(source, value, period label, note), …]} as at `period`, in two queries."""
    ids = list(indicator_ids)
    history = ComparatorHistory(ids)
    return {i: figures for i in ids if (figures := history.latest(i, period))}

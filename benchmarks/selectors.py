"""Named reads of comparator data and populations, each in a fixed number of queries."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from indicators import scoring
from indicators.models import PortalSettings

from . import comparison
from .models import ComparatorSource, Population, RatingComparator

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

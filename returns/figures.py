"""From what an officer enters to the figures a return stores (PRODUCT §3). Pure: no ORM.

An entry holds the whole-authority figure and optional team rows, each a value
or a numerator and denominator, or the whole marked "not available". `resolve`

1. gives rates per 10,000 the population as their denominator when none was
   entered (the caller looks the populations up: the latest year not after the period),
2. derives each value from its numerator and denominator (`scoring.with_derived_value`),
3. derives the whole from the team rows when the whole was not entered
   (`scoring.whole_from_teams`).

Checking the result is `returns.validation.validate_return`; nothing here decides
whether a figure is acceptable, except that a rate needs a population or a denominator.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from indicators import scoring, units
from returns import validation


def team_key(team_id) -> str:
    """The field prefix of a team row, in forms, problems and uploads."""
    return f"team_{team_id}"


@dataclass(frozen=True)
class Entry:
    whole: scoring.Point = field(default_factory=lambda: scoring.Point(None))
    teams: Mapping[int, scoring.Point] = field(default_factory=dict)
    not_available: bool = False
    not_available_reason: str = ""
    commentary: str = ""

    def without_blank_teams(self) -> "Entry":
        kept = {t: p for t, p in self.teams.items() if not is_blank(p)}
        return Entry(self.whole, kept, self.not_available, self.not_available_reason.strip(), self.commentary.strip())


@dataclass(frozen=True)
class Resolved:
    """What is stored: the whole and team figures with their values derived."""

    entered: Entry
    whole: scoring.Point
    teams: Mapping[int, scoring.Point]
    whole_from_teams: bool = False
    problems: tuple[validation.Problem, ...] = ()

    @property
    def value(self) -> Decimal | None:
        return self.whole.value


def is_blank(point: scoring.Point) -> bool:
    return point.value is None and point.numerator is None and point.denominator is None


def with_population(point: scoring.Point, *, unit: str, population: int | None) -> scoring.Point:
    """A rate's count with no denominator takes the population as its denominator."""
    if unit != units.RATE_PER_10K or point.numerator is None or point.denominator is not None or population is None:
        return point
    return scoring.Point(point.value, point.numerator, Decimal(population))


def _missing_population(point: scoring.Point, unit: str, population: int | None, field_name: str, who: str):
    if unit == units.RATE_PER_10K and point.numerator is not None and point.denominator is None and population is None:
        return validation.Problem(
            field_name, f"No 0–17 population is recorded for {who} for this period: enter the denominator"
        )
    return None


def resolve(
    entry: Entry,
    *,
    unit: str,
    aggregation: str,
    whole_population: int | None = None,
    team_populations: Mapping[int, int | None] | None = None,
    team_names: Mapping[int, str] | None = None,
) -> Resolved:
    """The figures to store for `entry` (see the module docstring for the steps)."""
    entry = entry.without_blank_teams()
    team_populations = team_populations or {}
    team_names = team_names or {}
    if entry.not_available:
        return Resolved(entry, scoring.Point(None), {})

    problems = []
    missing = _missing_population(entry.whole, unit, whole_population, "denominator", "the whole authority")
    if missing:
        problems.append(missing)
    whole_entered = with_population(entry.whole, unit=unit, population=whole_population)
    teams_entered = {}
    for team_id, point in entry.teams.items():
        population = team_populations.get(team_id)
        name = team_names.get(team_id, "this team")
        missing = _missing_population(point, unit, population, f"{team_key(team_id)}_denominator", name)
        if missing:
            problems.append(missing)
        teams_entered[team_id] = with_population(point, unit=unit, population=population)

    entered = Entry(whole_entered, teams_entered, entry.not_available, entry.not_available_reason, entry.commentary)
    whole = scoring.with_derived_value(unit, whole_entered)
    teams = {team_id: scoring.with_derived_value(unit, point) for team_id, point in teams_entered.items()}
    from_teams = False
    if is_blank(whole_entered) and teams:
        whole = scoring.whole_from_teams(unit, aggregation, teams.values())
        from_teams = True
    return Resolved(entered, whole, teams, from_teams, tuple(problems))

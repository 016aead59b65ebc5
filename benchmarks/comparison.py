"""How the authority compares with its comparators (PRODUCT §4, §5). Pure: no ORM, no Django.

- The comparator rating itself (better / as good as / worse, by polarity, within
  a band) is `indicators.scoring.comparator_rating`; this module only chooses
  which comparator and which band it uses, and words it.
- Rank and quartile among the named councils (sources of kind `authority`):
  rank 1 is the best by the indicator's polarity; councils with no value are
  left out; ties share a rank (the authority is ranked after only the councils
  strictly better than it: 1, 2, 2, 4); and there is no rank unless at least
  `MIN_COUNCILS` councils have a value, nor for a neutral polarity.
  With N = the councils with a value plus the authority, the quartile is
  ⌈4 × rank / N⌉: quartile 1 is the best quarter, 4 the worst.
- The authority's annual figure for a financial year is the aggregate of its
  approved months by the indicator's aggregation (`scoring.aggregate`).
- Rating, rank and quartile judge the same figure: the period's value, against
  the latest comparator values available for the period.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from indicators import periods, scoring

AVERAGE = "average"
REGION = "region"
NATIONAL = "national"
AUTHORITY = "authority"

MIN_COUNCILS = 4

RATING_WORDS = {scoring.BETTER: "Better", scoring.SIMILAR: "As good as", scoring.WORSE: "Worse"}


# --- Rank and quartile ---------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """The authority's place among the named councils with a value."""

    rank: int
    of: int
    quartile: int
    tied: bool = False

    @property
    def label(self) -> str:
        shared = "joint " if self.tied else ""
        return f"{shared}{ordinal(self.rank)} of {self.of}"

    @property
    def quartile_label(self) -> str:
        return f"Quartile {self.quartile}"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def standing(
    value: Decimal | None, councils: Iterable[Decimal | None], polarity: str, *, minimum: int = MIN_COUNCILS
) -> Standing | None:
    """Rank and quartile of `value` among the councils' values (see the module docstring).

    None when the authority has no value, the polarity is neutral, or fewer
    than `minimum` councils have a value.
    """
    if value is None or polarity not in (scoring.HIGHER, scoring.LOWER):
        return None
    present = [c for c in councils if c is not None]
    if len(present) < minimum:
        return None
    if polarity == scoring.HIGHER:
        better = sum(1 for c in present if c > value)
    else:
        better = sum(1 for c in present if c < value)
    tied = any(c == value for c in present)
    rank = better + 1
    of = len(present) + 1
    quartile = -(-4 * rank // of)  # ceiling division in integers
    return Standing(rank=rank, of=of, quartile=quartile, tied=tied)


# --- Which comparator the rating uses -----------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A comparator source as the choice needs it: its id, kind and order."""

    id: int
    kind: str
    position: int = 0
    name: str = ""


@dataclass(frozen=True)
class Choice:
    """A stored choice: the source (None = not chosen here) and the band (None = not set here)."""

    source_id: int | None = None
    band: Decimal | None = None


@dataclass(frozen=True)
class RatingRule:
    """The comparator the rating uses for one indicator, and its 'as good as' band."""

    source_id: int | None
    band: Decimal

    def rate(self, value: Decimal | None, comparators: Mapping[int, Decimal | None], polarity: str) -> str | None:
        """The comparator rating of `value` (`scoring.comparator_rating`), None without the chosen comparator."""
        if self.source_id is None:
            return None
        return scoring.comparator_rating(value, comparators.get(self.source_id), polarity, self.band)


def default_source(sources: Iterable[Source]) -> int | None:
    """The default rating comparator: the first source of kind `average` (statistical neighbours) by order."""
    averages = sorted((s for s in sources if s.kind == AVERAGE), key=lambda s: (s.position, s.name, s.id))
    return averages[0].id if averages else None


def rating_rule(
    indicator_choice: Choice | None,
    scorecard_choice: Choice | None,
    sources: Iterable[Source],
    scorecard_band: Decimal = scoring.DEFAULT_COMPARATOR_BAND,
) -> RatingRule:
    """Which comparator and band rate one indicator.

    The indicator's own choice wins; then the scorecard-wide choice; then the
    first statistical-neighbour average. The band is the indicator's override
    or the scorecard-wide band (`PortalSettings.comparator_band`, default ±0.5).
    """
    sources = list(sources)
    known = {s.id for s in sources}
    source_id = None
    for choice in (indicator_choice, scorecard_choice):
        if choice is not None and choice.source_id in known:
            source_id = choice.source_id
            break
    else:
        source_id = default_source(sources)
    band = scorecard_band
    if indicator_choice is not None and indicator_choice.band is not None:
        band = indicator_choice.band
    return RatingRule(source_id=source_id, band=band)


def rating_words(rating: str | None, comparator_name: str = "") -> str:
    """'Better than SN', 'As good as SN', 'Worse than SN'; 'No comparison' without a rating."""
    if rating is None:
        return "No comparison"
    words = RATING_WORDS[rating]
    if not comparator_name:
        return words
    return f"{words} {comparator_name}" if rating == scoring.SIMILAR else f"{words} than {comparator_name}"


def rating_rag(rating: str | None) -> str:
    """The colour of a comparator rating: green better, amber as good as, red worse, grey none."""
    return scoring.COMPARATOR_RATING_RAG.get(rating, scoring.GREY)


def council_standing(
    value: Decimal | None, figures: Iterable[tuple[str, Decimal | None]], polarity: str
) -> Standing | None:
    """The authority's standing among the named councils in `figures` ((source kind, value) pairs)."""
    return standing(value, (v for kind, v in figures if kind == AUTHORITY), polarity)


# --- The authority's annual figure ------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualFigure:
    """One financial year's aggregate of the approved months (`scoring.aggregate`), and how many months it has."""

    year: int
    value: Decimal | None
    months: int

    @property
    def complete(self) -> bool:
        return self.months == 12


def annual_figures(points_by_month: Mapping[date, scoring.Point], aggregation: str, unit: str) -> list[AnnualFigure]:
    """Each financial year's figure by the indicator's aggregation, oldest first (years with no month left out)."""
    by_year: dict[int, list[tuple[date, scoring.Point]]] = {}
    for month, point in points_by_month.items():
        by_year.setdefault(periods.financial_year_of(month), []).append((month, point))
    figures = []
    for year in sorted(by_year):
        months = sorted(by_year[year], key=lambda pair: pair[0])
        points = [point for _, point in months]
        present = sum(1 for p in points if p.value is not None)
        figures.append(AnnualFigure(year, scoring.aggregate(points, aggregation, unit=unit), present))
    return figures

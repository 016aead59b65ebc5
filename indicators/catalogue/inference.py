"""What a scorecard does not say about a new indicator, inferred from its title and figures. Pure."""

import re
from collections.abc import Sequence
from decimal import Decimal

from indicators import scoring, units
from indicators.catalogue import cells


def infer_unit(title: str, value_texts: Sequence[str]) -> str:
    """The unit of an indicator created from a scorecard row, from its title and how its values are written."""
    lowered = title.casefold()
    filled = [t for t in value_texts if t.strip() and not cells.is_not_available(t)]
    if "per 10,000" in lowered or "per 10000" in lowered or "per 10k" in lowered:
        return units.RATE_PER_10K
    if (filled and all(cells.has_percent_sign(t) for t in filled)) or re.match(r"^(%|percentage|proportion)", lowered):
        return units.PERCENT
    if "days" in lowered or "time between" in lowered:
        return units.DAYS
    if "average" in lowered or any("." in t for t in filled):
        return units.AVERAGE
    return units.COUNT


def aggregation_from_year_to_date(months: Sequence[Decimal | None], year_to_date: Decimal | None) -> str | None:
    """What a scorecard's "YTD or latest" figure tells about the aggregation, or None when it does not tell.

    The candidates are computed by the scoring rules and compared with the
    figure as printed (to the places it was printed with): the sum of the
    months means `sum`, the last month `latest`, the mean `mean`. Failing an
    exact match, a figure near the mean (within one printed unit or 5%) means
    `mean`: board papers print percentages worked out from the year's
    numerators and denominators, which the mean of the months only approaches.
    When the last month and the mean round alike, `latest` wins.
    """
    if year_to_date is None:
        return None
    points = [scoring.Point(v) for v in months if v is not None]
    if len(points) < 2:
        return None
    places = max(0, -year_to_date.as_tuple().exponent)
    quantum = Decimal(1).scaleb(-places)
    for aggregation in (scoring.LATEST, scoring.SUM, scoring.MEAN):
        candidate = scoring.aggregate(points, aggregation)
        if candidate is not None and candidate.quantize(quantum) == year_to_date.quantize(quantum):
            return aggregation
    mean = scoring.aggregate(points, scoring.MEAN)
    if abs(mean - year_to_date) <= max(quantum, abs(year_to_date) * Decimal("0.05")):
        return scoring.MEAN
    return None

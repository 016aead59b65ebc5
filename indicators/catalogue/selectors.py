"""Named reads of the catalogue used across apps."""

from collections.abc import Iterable, Mapping

from indicators import periods, scoring
from indicators.models import Indicator, Target


def targets_by_indicator_year(
    indicator_ids: Iterable[int], *, indicators: Mapping[int, Indicator] | None = None
) -> dict[tuple[int, int], Target]:
    """Every target of these indicators keyed by (indicator id, financial year start), in one query.

    Each target's `indicator` is loaded with it (`as_rule` reads its polarity), or taken from
    `indicators` (id → indicator) when the caller already holds them.
    """
    rows = Target.objects.filter(indicator_id__in=list(indicator_ids))
    if indicators is None:
        return {(t.indicator_id, t.financial_year): t for t in rows.select_related("indicator")}
    found = {}
    for target in rows:
        target.indicator = indicators[target.indicator_id]
        found[(target.indicator_id, target.financial_year)] = target
    return found


def target_rule_for(indicator: Indicator, period) -> scoring.TargetRule | None:
    """The rule in force for `period` (its financial year's target), or None when there is no target."""
    target = Target.objects.filter(indicator=indicator, financial_year=periods.financial_year_of(period)).first()
    if target is None:
        return None
    target.indicator = indicator
    return target.as_rule()

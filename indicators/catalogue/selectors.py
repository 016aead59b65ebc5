"""Named reads of the catalogue used across apps."""

from collections.abc import Iterable, Mapping

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

"""Indicators a recompute could not score: why, in words for the performance team, and the record of it.

A recompute scores a slice of indicators inside a savepoint; when the slice fails it scores each
of them on its own, so one indicator whose figures cannot be worked out or stored leaves the
others written (`indicators.scorecard.recompute`). The one that failed keeps the entries it had,
and a `ScorecardFailure` row says why until a recompute scores it again. The performance team
sees the rows above the scorecard pages and in the admin.
"""

import logging
from collections.abc import Iterable

from django.db import DataError
from django.utils import timezone

from indicators.models import ScorecardFailure

logger = logging.getLogger(__name__)

TOO_LARGE = "a figure worked out from its approved figures, target or tolerance is too large to store"
CANNOT_WORK_OUT = (
    "a figure cannot be worked out from its approved figures, target or tolerance (too large or undefined)"
)


def reason_for(indicator_id: int, error: Exception) -> str:
    """Why an indicator could not be scored, in words for the performance team (the error itself is logged)."""
    logger.error("scorecard recompute: could not score indicator %s", indicator_id, exc_info=error)
    if isinstance(error, DataError) and "overflow" in str(error):
        return TOO_LARGE
    if isinstance(error, ArithmeticError):
        return CANNOT_WORK_OUT
    return f"an unexpected error ({type(error).__name__}); the details are in the portal's log"


def record(failed: dict[int, str], scored: Iterable[int] | None) -> None:
    """Note the indicators that failed now, and clear those scored now (`scored` None: every other indicator)."""
    cleared = ScorecardFailure.objects.exclude(indicator_id__in=list(failed))
    if scored is not None:
        cleared = cleared.filter(indicator_id__in=list(scored))
    cleared.delete()
    now = timezone.now()
    for indicator_id, reason in failed.items():
        ScorecardFailure.objects.update_or_create(
            indicator_id=indicator_id, defaults={"reason": reason[:500], "failed_at": now}
        )


def current() -> list[ScorecardFailure]:
    """The indicators whose last recompute failed, by code."""
    return list(ScorecardFailure.objects.select_related("indicator").order_by("indicator__code"))

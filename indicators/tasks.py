"""Celery tasks of the catalogue and scorecards: thin wrappers over services, safe to run twice."""

from datetime import date

from celery import shared_task
from django.db import OperationalError

from indicators import recompute_requests
from indicators.scorecard.recompute import NIGHTLY_REASON, recompute


@shared_task(
    name=recompute_requests.RECOMPUTE_TASK,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def recompute_scorecard(indicator_ids=None, from_period=None, reason="", request_ids=None):
    """Recompute the scorecard entries of these indicators (None: all) from `from_period` (ISO date) on.

    Idempotent: a task delivered twice computes the same rows, and the second writes nothing.
    Cached pages are refreshed after every request but the nightly run's, which refreshes
    them only when an entry changed. The `RecomputeRequest`s it answers are marked done once
    the entries are committed; a full run also settles every request it saw pending (committed)
    before it read its inputs. A copy whose requests are all done already (the relay queued it
    again while the first waited behind a long run) returns at once.
    """
    if request_ids and recompute_requests.requests_all_done(request_ids):
        return {"skipped": "every request already answered"}
    result = recompute(
        indicator_ids=indicator_ids,
        from_period=date.fromisoformat(from_period) if from_period else None,
        refresh_pages=reason != NIGHTLY_REASON,
    )
    recompute_requests.requests_done([*(request_ids or ()), *result.answered_requests])
    return {
        "entries": result.entries,
        "written": result.written,
        "deleted": result.deleted,
        "rag_changes": len(result.rag_changes),
        "failed": len(result.failed),
    }


@shared_task(name="indicators.tasks.recompute_relay", ignore_result=True)
def recompute_relay():
    """Queue again the recompute requests whose task was lost (beat, every minute)."""
    return recompute_requests.recompute_relay()

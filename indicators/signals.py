"""Keep the scorecard current when what it is computed from changes outside a return's workflow.

Targets, an indicator's scoring fields, the portal settings and comparator values
can be edited in the admin or loaded by imports; each change requests a
recompute of the indicators concerned (merged per transaction, queued on commit).
Returns request their own recompute in `returns.services` when approved or reopened.
Bulk writes that bypass model signals (`bulk_create`, `update`) call
`indicators.recompute_requests.request_recompute` themselves.
"""

from django.db.models.signals import post_delete, post_migrate, post_save

from benchmarks.models import ComparatorValue
from indicators.models import Indicator, PortalSettings, Target
from indicators.recompute_requests import request_recompute
from indicators.scorecard.recompute import NIGHTLY_REASON
from kpiportal.schedules import Cron, Every, PeriodicSchedule, ensure

NIGHTLY_TASK_NAME = "Nightly full scorecard recompute"
RELAY_TASK_NAME = "Scorecard: queue recomputes whose task was lost"


def _target_changed(sender, instance, **kwargs):
    request_recompute([instance.indicator_id], reason="target changed")


def _indicator_saved(sender, instance, created, **kwargs):
    if not created:
        request_recompute([instance.pk], reason="indicator changed")


def _settings_saved(sender, instance, created, **kwargs):
    if not created:  # the first load creates the defaults the scorecard already uses
        request_recompute(None, reason="portal settings changed")


def _comparator_changed(sender, instance, **kwargs):
    request_recompute([instance.indicator_id], reason="comparator values changed")


SCHEDULES = (
    PeriodicSchedule(
        name=NIGHTLY_TASK_NAME,
        task="indicators.tasks.recompute_scorecard",
        when=Cron(minute="30", hour="2"),
        kwargs={"reason": NIGHTLY_REASON},
        description="Recomputes every scorecard entry from approved figures, targets and comparators.",
    ),
    PeriodicSchedule(
        name=RELAY_TASK_NAME,
        task="indicators.tasks.recompute_relay",
        when=Every(seconds=60),
        description="Queues again the scorecard recomputes (and so the alerts) whose task was lost, "
        "for example while the broker was down.",
    ),
)


def ensure_nightly_recompute(sender=None, using="default", **kwargs):
    """Receiver of `post_migrate`: create the nightly full recompute and the recompute relay on beat once
    (`kpiportal.schedules`); later edits in the admin are kept."""
    ensure(SCHEDULES, using=using)


def connect(app_config):

    post_save.connect(_target_changed, sender=Target, dispatch_uid="scorecard-target-saved")
    post_delete.connect(_target_changed, sender=Target, dispatch_uid="scorecard-target-deleted")
    post_save.connect(_indicator_saved, sender=Indicator, dispatch_uid="scorecard-indicator-saved")
    post_save.connect(_settings_saved, sender=PortalSettings, dispatch_uid="scorecard-settings-saved")
    post_save.connect(_comparator_changed, sender=ComparatorValue, dispatch_uid="scorecard-comparator-saved")
    post_delete.connect(_comparator_changed, sender=ComparatorValue, dispatch_uid="scorecard-comparator-deleted")
    post_migrate.connect(ensure_nightly_recompute, sender=app_config, dispatch_uid="scorecard-nightly-task")

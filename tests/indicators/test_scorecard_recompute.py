"""The scorecard recompute: hand-worked entries from approved figures, targets and comparators."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from indicators import periods, tasks
from indicators.models import PortalSettings, RecomputeRequest, ScorecardEntry, ScorecardState
from indicators.recompute_requests import request_recompute
from indicators.scorecard import inputs
from indicators.scorecard.compute import ENTRY_COLUMNS
from indicators.scorecard.recompute import NIGHTLY_REASON, recompute
from indicators.scorecard.store import RagChange
from returns.models import State
from tests import factories

pytestmark = pytest.mark.django_db

# Seed scorecard-2019-2021-monthly.txt, CP 5 (BIB): Apr-19 … Sep-20, 2020/21 target 77 %, RAG Red.
CP5_VALUES = [77, 98, 59, 88, 86, 59, 72, 76, 81, 58, 81, 64, 82, 92, 77, 72, 44, 48]
Q6 = D("0.000001")


def months(start, count):
    return [periods.add_months(start, i) for i in range(count)]


def approve(indicator, period, value=None, *, numerator=None, denominator=None, na=False, teams=(), commentary=""):
    ret = factories.ReturnFactory(
        indicator=indicator,
        period=period,
        value=None if value is None else D(str(value)),
        numerator=None if numerator is None else D(str(numerator)),
        denominator=None if denominator is None else D(str(denominator)),
        not_available=na,
        not_available_reason="System outage" if na else "",
        commentary=commentary,
        state=State.APPROVED,
    )
    for team, fields in teams:
        factories.TeamFigureFactory(ret=ret, team=team, **{"value": None, **{k: D(str(v)) for k, v in fields.items()}})
    return ret


def entry(indicator, period, team=None):
    return ScorecardEntry.objects.get(indicator=indicator, period=period, team=team)


def q(value):
    return None if value is None else D(value).quantize(Q6)


@pytest.fixture
def cp5():
    ind = factories.IndicatorFactory(code="CP 5", polarity="higher", unit="percent", decimals=0, aggregation="mean")
    factories.TargetFactory(indicator=ind, financial_year=2020, target=D("77"), tolerance=None)
    for period, value in zip(months(date(2019, 4, 1), 18), CP5_VALUES, strict=True):
        approve(ind, period, value)
    return ind


def test_seed_row_cp5_scores_as_worked_by_hand(cp5):
    result = recompute()
    assert (result.entries, result.deleted) == (18, 0)
    sep = entry(cp5, date(2020, 9, 1))
    assert sep.value == D("48")
    assert sep.previous_value == D("44")
    assert sep.change == D("4")
    assert sep.direction == "up"  # 4 points ≥ the 1.0 threshold of percentages
    assert sep.improving is True
    assert sep.improved_on_last_period is True
    assert sep.target == D("77")
    assert sep.tolerance_threshold == D("77")  # no tolerance: no amber band
    assert sep.distance_from_target == D("-29")
    assert sep.rag == "red"  # as printed in the seed
    assert sep.persistent_red is True  # Jul 72, Aug 44, Sep 48: three reds running
    assert sep.performance_group == "persistent_red"
    assert sep.ytd_value == q(D(82 + 92 + 77 + 72 + 44 + 48) / 6)  # 69.17: the seed prints 69 %
    assert sep.previous_ytd_value == q(D(77 + 98 + 59 + 88 + 86 + 59) / 6)  # Apr-19 … Sep-19
    assert sep.quarter_value == q(D(72 + 44 + 48) / 3)  # Q2: Jul–Sep
    assert sep.rolling_6m_value == q(D(64 + 82 + 92 + 77 + 72 + 44) / 6)  # Mar-20 … Aug-20
    assert sep.polarity == "higher"
    mar = entry(cp5, date(2020, 3, 1))
    assert mar.ytd_value == q(D(sum(CP5_VALUES[:12])) / 12)  # 74.92: the seed prints 75 % for 2019/20
    assert mar.rag == "grey" and mar.target is None  # no target for 2019/20
    jun = entry(cp5, date(2020, 6, 1))
    assert (jun.rag, jun.direction, jun.improving) == ("green", "down", False)
    aug = entry(cp5, date(2020, 8, 1))
    assert aug.rag == "red" and aug.persistent_red is False  # Jun was green: only two reds


def test_recompute_is_idempotent_and_a_second_run_writes_nothing(cp5):
    fields = [f for f in ENTRY_COLUMNS if f != "computed_at"]
    recompute()
    first = sorted(ScorecardEntry.objects.values_list(*fields))
    untouched = sorted(ScorecardEntry.objects.values_list("pk", "computed_at"))
    version = ScorecardState.current_version()
    again = recompute()
    partly = recompute(indicator_ids=[cp5.pk], from_period=date(2020, 1, 1))
    assert sorted(ScorecardEntry.objects.values_list(*fields)) == first
    assert sorted(ScorecardEntry.objects.values_list("pk", "computed_at")) == untouched  # not even rewritten
    assert (again.entries, again.written, again.deleted, again.unchanged, again.rag_changes) == (18, 0, 0, 18, [])
    assert (partly.entries, partly.written, partly.rag_changes) == (9, 0, [])
    assert ScorecardState.current_version() == version + 2  # a requested recompute redraws cached pages


def test_the_nightly_run_keeps_cached_pages_unless_an_entry_changed(cp5):
    recompute()
    version = ScorecardState.current_version()
    tasks.recompute_scorecard(reason=NIGHTLY_REASON)
    assert ScorecardState.current_version() == version
    ret = cp5.returns.get(period=date(2020, 9, 1))
    ret.value = D("78")
    ret.save()
    assert tasks.recompute_scorecard(reason=NIGHTLY_REASON) == {
        "entries": 18,
        "written": 1,
        "deleted": 1,
        "rag_changes": 1,
        "failed": 0,
    }
    assert ScorecardState.current_version() == version + 1
    assert entry(cp5, date(2020, 9, 1)).rag == "green"
    tasks.recompute_scorecard(indicator_ids=[cp5.pk], reason="commentary changed")
    assert ScorecardState.current_version() == version + 2


def test_reopened_return_loses_its_entry_and_later_periods_follow(cp5):
    recompute()
    ret = cp5.returns.get(period=date(2020, 8, 1))
    ret.state = State.DRAFT
    ret.save()
    result = recompute(indicator_ids=[cp5.pk], from_period=ret.period)
    assert not ScorecardEntry.objects.filter(indicator=cp5, period=ret.period).exists()
    sep = entry(cp5, date(2020, 9, 1))
    assert sep.previous_value is None and sep.direction == "" and sep.change is None
    assert sep.persistent_red is False  # the run of reds is broken by the missing month
    assert sep.ytd_value == q(D(82 + 92 + 77 + 72 + 48) / 5)
    assert RagChange(cp5.pk, date(2020, 8, 1), "red", None, False, None) in result.rag_changes
    assert RagChange(cp5.pk, date(2020, 9, 1), "red", "red", True, False) in result.rag_changes
    assert ScorecardEntry.objects.filter(indicator=cp5).count() == 17


def test_rag_changes_report_entries_turning_red():
    ind = factories.IndicatorFactory(code="FD 8", polarity="lower", unit="percent", aggregation="mean")
    factories.TargetFactory(
        indicator=ind, financial_year=2020, target=D("22"), tolerance=D("1"), tolerance_kind="absolute"
    )
    approve(ind, date(2020, 4, 1), 21)
    first = recompute(indicator_ids=[ind.pk])
    assert first.rag_changes == [RagChange(ind.pk, date(2020, 4, 1), None, "green", None, False)]
    approve(ind, date(2020, 5, 1), "22.5")
    approve(ind, date(2020, 6, 1), 24)
    second = recompute(indicator_ids=[ind.pk], from_period=date(2020, 5, 1))
    assert [(c.period, c.new_rag, c.turned_red) for c in second.rag_changes] == [
        (date(2020, 5, 1), "amber", False),
        (date(2020, 6, 1), "red", True),
    ]
    assert recompute(indicator_ids=[ind.pk]).rag_changes == []


def test_ratio_ytd_with_missing_month_na_and_zero_denominator():
    ind = factories.IndicatorFactory(code="AMT 2", polarity="higher", unit="percent", aggregation="ratio")
    factories.TargetFactory(indicator=ind, financial_year=2022, target=D("90"), tolerance=D("5"))
    approve(ind, date(2022, 4, 1), numerator=80, denominator=100)  # value derived: 80 %
    # May missing altogether.
    approve(ind, date(2022, 6, 1), None, na=True)  # NA
    approve(ind, date(2022, 7, 1), numerator=0, denominator=0)  # zero denominator: no value
    approve(ind, date(2022, 8, 1), D("95"), numerator=19, denominator=20)
    recompute()
    apr = entry(ind, date(2022, 4, 1))
    assert apr.value == D("80") and apr.rag == "red" and apr.tolerance_threshold == D("85.5")
    jun = entry(ind, date(2022, 6, 1))
    assert jun.not_available is True and jun.value is None and jun.rag == "grey" and jun.previous_value is None
    jul = entry(ind, date(2022, 7, 1))
    assert jul.value is None and jul.rag == "grey" and jul.ytd_value == D("80")
    aug = entry(ind, date(2022, 8, 1))
    # YTD = Σn/Σd = (80 + 0 + 19) / (100 + 0 + 20) = 82.5 %, never the mean of the monthly percentages.
    assert aug.ytd_value == D("82.5")
    assert aug.quarter_value == D("95")  # Q2 so far: Jul (0/0) and Aug
    assert aug.rolling_6m_value == D("80")  # Feb–Jul: only April has parts (July's are 0/0)
    assert aug.previous_value is None and aug.direction == ""  # July had no value
    assert aug.rag == "green" and aug.persistent_red is False


def test_no_target_neutral_polarity_and_counts():
    ind = factories.IndicatorFactory(code="CLA 3", polarity="neutral", unit="count", aggregation="latest")
    approve(ind, date(2020, 4, 1), 518)
    approve(ind, date(2020, 5, 1), 521)
    approve(ind, date(2020, 6, 1), 521)
    recompute()
    may, jun = entry(ind, date(2020, 5, 1)), entry(ind, date(2020, 6, 1))
    assert may.rag == "grey" and may.target is None and may.distance_from_target is None
    assert (may.direction, may.improving) == ("up", None)  # counts: threshold 0, any change counts
    assert (jun.direction, jun.change) == ("flat", D("0"))
    assert jun.ytd_value == D("521") and jun.previous_ytd_value is None


def test_polarity_change_between_years_judges_each_year_by_its_own_rule():
    ind = factories.IndicatorFactory(code="EH 9", polarity="higher", unit="percent", aggregation="mean")
    factories.TargetFactory(indicator=ind, financial_year=2020, target=D("10"), tolerance=None)
    factories.TargetFactory(indicator=ind, financial_year=2021, target=D("10"), tolerance=None, polarity="lower")
    approve(ind, date(2021, 3, 1), 12)
    approve(ind, date(2021, 4, 1), 14)
    recompute()
    mar, apr = entry(ind, date(2021, 3, 1)), entry(ind, date(2021, 4, 1))
    assert (mar.polarity, mar.rag) == ("higher", "green")
    assert (apr.polarity, apr.rag, apr.direction, apr.improving) == ("lower", "red", "up", False)


def test_team_entries_and_whole_derived_from_teams():
    east, south = factories.TeamFactory(name="EAST"), factories.TeamFactory(name="SOUTH")
    ind = factories.IndicatorFactory(code="CIN 4", polarity="higher", unit="percent", aggregation="ratio")
    factories.TargetFactory(
        indicator=ind, financial_year=2022, target=D("95"), tolerance=D("5"), tolerance_kind="absolute"
    )
    teams = [(east, {"numerator": 45, "denominator": 50}), (south, {"numerator": 10, "denominator": 50})]
    approve(ind, date(2022, 4, 1), None, teams=teams)  # no whole figure: derived from the teams
    east_only = [(east, {"numerator": 30, "denominator": 30})]
    approve(ind, date(2022, 5, 1), 80, numerator=40, denominator=50, teams=east_only)
    recompute()
    whole = entry(ind, date(2022, 4, 1))
    assert (whole.value, whole.numerator, whole.denominator) == (D("55"), D("55"), D("100"))
    e = entry(ind, date(2022, 4, 1), east)
    assert (e.value, e.rag) == (D("90"), "amber")
    assert entry(ind, date(2022, 4, 1), south).rag == "red"
    east_may = entry(ind, date(2022, 5, 1), east)
    assert east_may.value == D("100") and east_may.previous_value == D("90")
    assert east_may.ytd_value == q(D("75") / D("80") * 100)
    assert entry(ind, date(2022, 5, 1)).ytd_value == q(D("95") / D("150") * 100)
    assert not ScorecardEntry.objects.filter(team=south, period=date(2022, 5, 1)).exists()


def test_a_blank_value_is_derived_from_its_parts():
    # returns.figures stores a rate's population as its denominator; a value left blank is derived.
    ind = factories.IndicatorFactory(code="CIN 3", polarity="neutral", unit="rate_per_10k", aggregation="ratio")
    approve(ind, date(2020, 4, 1), None, numerator=300, denominator=40000)
    approve(ind, date(2021, 4, 1), None, numerator=350, denominator=50000)
    recompute()
    assert entry(ind, date(2020, 4, 1)).value == D("75")  # 300 / 40,000 × 10,000
    later = entry(ind, date(2021, 4, 1))
    assert (later.value, later.denominator, later.ytd_value) == (D("70"), D("50000"), D("70"))


def test_only_approved_returns_count():
    ind = factories.IndicatorFactory(code="CP 11", polarity="lower", unit="percent", aggregation="mean")
    factories.ReturnFactory(indicator=ind, period=date(2022, 4, 1), value=D("17"), state=State.SUBMITTED)
    approve(ind, date(2022, 5, 1), 16)
    recompute()
    assert list(ScorecardEntry.objects.values_list("period", flat=True)) == [date(2022, 5, 1)]


def test_persistent_red_follows_the_portal_setting(cp5):
    settings = PortalSettings.load()
    settings.persistent_red_periods = 2
    settings.save()
    recompute()
    assert entry(cp5, date(2020, 8, 1)).persistent_red is True


def test_quarterly_indicator_compares_with_the_previous_quarter():
    ind = factories.IndicatorFactory(
        code="Q 1", polarity="higher", unit="count", aggregation="sum", frequency="quarterly"
    )
    approve(ind, date(2022, 6, 1), 10)
    approve(ind, date(2022, 9, 1), 7)
    recompute()
    sep = entry(ind, date(2022, 9, 1))
    assert (sep.previous_value, sep.change, sep.direction, sep.improving) == (D("10"), D("-3"), "down", False)
    assert sep.ytd_value == D("17")


def test_rating_comparator_is_the_latest_statistical_neighbour_average(cp5):
    neighbours = factories.ComparatorSourceFactory(name="Statistical neighbours", kind="average", position=1)
    england = factories.ComparatorSourceFactory(name="England", kind="national", position=2)
    factories.ComparatorValueFactory(indicator=cp5, source=neighbours, period_start=date(2018, 4, 1), value=D("75"))
    factories.ComparatorValueFactory(indicator=cp5, source=neighbours, period_start=date(2020, 4, 1), value=D("47.8"))
    factories.ComparatorValueFactory(indicator=cp5, source=england, period_start=date(2019, 4, 1), value=D("10"))
    recompute()
    sep = entry(cp5, date(2020, 9, 1))
    assert (sep.comparator_source, sep.comparator_value, sep.comparator_period) == (neighbours, D("47.8"), "2020/21")
    assert sep.comparator_rating == "similar"  # 48 vs 47.8: within ±0.5
    mar = entry(cp5, date(2020, 3, 1))
    assert (mar.comparator_value, mar.comparator_period, mar.comparator_rating) == (D("75"), "2018/19", "worse")
    assert entry(cp5, date(2019, 4, 1)).comparator_rating == "better"  # 77 vs 75


def test_an_indicators_own_rating_comparator_and_band_are_used(cp5):
    from benchmarks.models import RatingComparator

    neighbours = factories.ComparatorSourceFactory(name="Statistical neighbours", kind="average", position=1)
    england = factories.ComparatorSourceFactory(name="England", kind="national", position=2)
    factories.ComparatorValueFactory(indicator=cp5, source=neighbours, period_start=date(2020, 4, 1), value=D("10"))
    factories.ComparatorValueFactory(
        indicator=cp5, source=england, period_kind="quarter", period_start=date(2020, 7, 1), value=D("50")
    )
    RatingComparator.objects.create(indicator=cp5, source=england, band=D("2"))
    recompute()
    sep = entry(cp5, date(2020, 9, 1))
    assert (sep.comparator_source, sep.comparator_value, sep.comparator_period) == (england, D("50"), "2020/21 Q2")
    assert sep.comparator_rating == "similar"  # 48 vs 50 within the indicator's own ±2 band
    assert entry(cp5, date(2020, 6, 1)).comparator_source is None  # England's Q2 value starts in July


def test_recompute_command_and_nightly_task_exist(cp5, capsys):
    call_command("recompute_scorecard")
    out = capsys.readouterr().out
    assert "18 entries, 18 written (0 unchanged), 0 deleted, 18 whole-authority RAG changes" in out
    target = cp5.targets.get()
    target.target = D("40")
    target.save()
    call_command("recompute_scorecard", "--indicator", "CP 5", "--from", "2020-09")
    assert "1 entries, 1 written (0 unchanged), 1 deleted, 1 whole-authority RAG changes" in capsys.readouterr().out
    task = PeriodicTask.objects.get(name="Nightly full scorecard recompute")
    assert task.task == "indicators.tasks.recompute_scorecard" and task.crontab.hour == "2"


def test_recompute_command_refuses_unknown_codes_and_bad_periods():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown indicator code"):
        call_command("recompute_scorecard", "--indicator", "NOPE")
    with pytest.raises(CommandError, match="not a month"):
        call_command("recompute_scorecard", "--from", "2022-13")


@pytest.mark.django_db(transaction=True)
def test_requests_in_one_transaction_queue_one_merged_task(cp5):
    from celery.signals import task_prerun
    from django.db import transaction

    other = factories.IndicatorFactory(code="CP 13")
    approve(other, date(2020, 7, 1), 50)
    started = []

    def record(sender=None, kwargs=None, **extra):
        started.append(kwargs)

    task_prerun.connect(record)
    try:
        with transaction.atomic():
            request_recompute([cp5.pk], from_period=date(2020, 9, 1), reason="return approved")
            request_recompute([other.pk], from_period=date(2020, 7, 1), reason="target changed")
            request_recompute([cp5.pk], from_period=date(2020, 8, 1), reason="return approved")
            assert started == []  # nothing before the commit
    finally:
        task_prerun.disconnect(record)
    reason = "return approved; target changed"
    request = RecomputeRequest.objects.get(reason=reason)
    assert started == [
        {
            "indicator_ids": sorted([cp5.pk, other.pk]),
            "from_period": "2020-07-01",
            "reason": reason,
            "request_ids": [request.pk],
        }
    ]
    assert (request.indicator_ids, request.from_period, request.reason) == (
        sorted([cp5.pk, other.pk]),
        date(2020, 7, 1),
        reason,
    )
    assert request.done_at is not None
    assert ScorecardEntry.objects.filter(indicator=other).count() == 1
    with transaction.atomic():
        request_recompute([cp5.pk], reason="rolled back")
        transaction.set_rollback(True)
    ScorecardEntry.objects.all().delete()
    with transaction.atomic():  # a fresh batch: the rolled-back request is not carried over
        request_recompute([other.pk], reason="after a rollback")
    assert list(ScorecardEntry.objects.values_list("indicator_id", flat=True)) == [other.pk]
    later = RecomputeRequest.objects.filter(pk__gte=request.pk).order_by("pk")
    assert list(later.values_list("reason", flat=True)) == [reason, "after a rollback"]


@pytest.mark.django_db(transaction=True)
def test_a_request_in_a_rolled_back_savepoint_starts_a_fresh_row_and_still_one_task(cp5):
    from celery.signals import task_prerun
    from django.db import transaction

    other = factories.IndicatorFactory(code="CP 13")
    approve(other, date(2020, 7, 1), 50)
    started = []

    def record(sender=None, kwargs=None, **extra):
        started.append(kwargs)

    task_prerun.connect(record)
    try:
        with transaction.atomic():
            with transaction.atomic():
                request_recompute([cp5.pk], reason="undone")
                transaction.set_rollback(True)
            request_recompute([other.pk], from_period=date(2020, 7, 1), reason="kept")
            request_recompute([other.pk], from_period=date(2020, 8, 1), reason="kept")
    finally:
        task_prerun.disconnect(record)
    assert not RecomputeRequest.objects.filter(reason__contains="undone").exists()
    request = RecomputeRequest.objects.get(reason="kept")
    assert started == [
        {"indicator_ids": [other.pk], "from_period": "2020-07-01", "reason": "kept", "request_ids": [request.pk]}
    ]
    assert request.done_at is not None


def _lower_the_2020_target(cp5):
    target = cp5.targets.get(financial_year=2020)
    target.target = D("40")
    target.save()


def test_a_recompute_whose_task_was_lost_is_queued_again_by_the_relay(
    cp5, settings, django_capture_on_commit_callbacks
):
    """The change commits but its task is never queued (the process died after the commit)."""
    settings.SCORECARD_RELAY_GRACE_SECONDS = 0
    recompute()
    with django_capture_on_commit_callbacks(execute=False):
        _lower_the_2020_target(cp5)
    assert entry(cp5, date(2020, 9, 1)).rag == "red"
    request = RecomputeRequest.objects.get()
    assert (request.indicator_ids, request.reason, request.queued_at, request.done_at) == (
        [cp5.pk],
        "target changed",
        None,
        None,
    )
    assert tasks.recompute_relay() == {"queued": 1, "cleared": 0}
    assert entry(cp5, date(2020, 9, 1)).rag == "green"
    request.refresh_from_db()
    assert request.done_at is not None
    assert tasks.recompute_relay() == {"queued": 0, "cleared": 0}


def test_an_unreachable_broker_fails_nothing_and_the_relay_queues_later(
    cp5, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    recompute()
    delay = tasks.recompute_scorecard.delay

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_scorecard, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        _lower_the_2020_target(cp5)  # the change is saved; nothing raised to the user
    request = RecomputeRequest.objects.get()
    assert request.queued_at is not None and request.done_at is None
    settings.SCORECARD_RELAY_GRACE_SECONDS = 3600
    assert tasks.recompute_relay() == {"queued": 0, "cleared": 0}  # within the grace: left to its task
    monkeypatch.setattr(tasks.recompute_scorecard, "delay", delay)
    settings.SCORECARD_RELAY_GRACE_SECONDS = 0
    assert tasks.recompute_relay() == {"queued": 1, "cleared": 0}
    assert entry(cp5, date(2020, 9, 1)).rag == "green"
    assert RecomputeRequest.objects.filter(done_at__isnull=True).count() == 0


def test_a_second_copy_of_an_answered_request_does_nothing(cp5, django_capture_on_commit_callbacks):
    """The relay may queue a request again while its first task waits behind a long run."""
    from django.utils import timezone

    recompute()
    with django_capture_on_commit_callbacks(execute=False):
        _lower_the_2020_target(cp5)
    request = RecomputeRequest.objects.get()
    RecomputeRequest.objects.filter(pk=request.pk).update(done_at=timezone.now())  # answered by the first copy
    result = tasks.recompute_scorecard(indicator_ids=[cp5.pk], reason="relay: target changed", request_ids=[request.pk])
    assert result == {"skipped": "every request already answered"}
    assert entry(cp5, date(2020, 9, 1)).rag == "red"  # not recomputed by the copy


def test_the_nightly_run_settles_requests_made_before_it_and_old_ones_are_cleared(
    cp5, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):
        _lower_the_2020_target(cp5)
    tasks.recompute_scorecard(reason=NIGHTLY_REASON)
    request = RecomputeRequest.objects.get()
    assert request.done_at is not None and entry(cp5, date(2020, 9, 1)).rag == "green"
    RecomputeRequest.objects.update(done_at=timezone.now() - timedelta(days=8))
    assert tasks.recompute_relay() == {"queued": 0, "cleared": 1}
    assert PeriodicTask.objects.get(task="indicators.tasks.recompute_relay").interval.every == 60


def test_the_nightly_run_leaves_pending_a_request_committed_after_it_read_its_inputs(cp5, monkeypatch):
    """A request written before the run started (its `requested_at`) but committed only after the run read
    the figures was not answered by it: marking it done would leave its change to the next night
    when its own task was lost (the broker down)."""
    from datetime import timedelta

    from django.utils import timezone

    read_figures = inputs.read_figures

    def figures_then_a_late_commit(*args, **kwargs):
        figures = read_figures(*args, **kwargs)
        # The officer's transaction wrote its request a minute ago and commits now, after this read.
        RecomputeRequest.objects.create(
            indicator_ids=[cp5.pk], reason="return approved", requested_at=timezone.now() - timedelta(minutes=1)
        )
        return figures

    monkeypatch.setattr(inputs, "read_figures", figures_then_a_late_commit)
    tasks.recompute_scorecard(reason=NIGHTLY_REASON)
    assert RecomputeRequest.objects.get(reason="return approved").done_at is None  # left to the relay


def test_a_target_change_requests_a_recompute(cp5, django_capture_on_commit_callbacks):
    recompute()
    with django_capture_on_commit_callbacks(execute=True):
        target = cp5.targets.get(financial_year=2020)
        target.target = D("40")
        target.save()
    assert entry(cp5, date(2020, 9, 1)).rag == "green"


def test_entries_of_indicators_no_longer_in_the_catalogue_are_removed(cp5):
    recompute()
    gone = cp5.pk + 1000
    ScorecardEntry.objects.bulk_create(
        [
            ScorecardEntry(indicator_id=gone, period=date(2020, 9, 1), rag="red"),
            ScorecardEntry(indicator_id=gone + 1, period=date(2020, 9, 1), rag="green"),
        ]
    )
    asked = recompute(indicator_ids=[cp5.pk, gone], from_period=date(2020, 9, 1))
    assert (asked.entries, asked.written, asked.deleted) == (1, 0, 1)
    assert asked.rag_changes == [RagChange(gone, date(2020, 9, 1), "red", None, False, None)]
    full = recompute()
    assert (full.written, full.deleted) == (0, 1)
    assert set(ScorecardEntry.objects.values_list("indicator_id", flat=True)) == {cp5.pk}


def test_a_year_without_a_target_takes_the_units_default_direction_threshold():
    """No target row for the year: a percentage moving half a point is "no change" (default 1.0); a count
    moving by one is up (default 0) — the catalogue's `Indicator.default_dot_threshold`, scored."""
    percent = factories.IndicatorFactory(code="P 1", unit="percent", polarity="higher")
    count = factories.IndicatorFactory(code="C 1", unit="count", polarity="lower", decimals=0)
    for indicator, values in ((percent, ("80", "80.5", "82")), (count, ("10", "11", "11"))):
        for month, value in zip(months(date(2021, 4, 1), 3), values, strict=True):
            approve(indicator, month, value)
    recompute()

    def directions(indicator):
        entries = ScorecardEntry.objects.filter(indicator=indicator, team__isnull=True).order_by("period")
        return [e.direction for e in entries]

    assert percent.default_dot_threshold == D("1.0") and count.default_dot_threshold == D("0")
    assert directions(percent) == ["", "flat", "up"]
    assert directions(count) == ["", "up", "flat"]


def test_the_rolling_figure_of_a_quarterly_indicator_aggregates_its_six_previous_quarters():
    """§6: `rolling_6m_value` aggregates the six periods before this one — for a quarterly indicator six
    quarters (eighteen months), not the six months that hold only two of its figures."""
    quarterly = factories.IndicatorFactory(
        code="Q 1", unit="count", decimals=0, polarity="lower", frequency="quarterly", aggregation="sum"
    )
    quarter_ends = [periods.add_months(date(2020, 6, 1), 3 * k) for k in range(8)]  # Jun-20 … Mar-22
    for quarter_end, value in zip(quarter_ends, (10, 20, 30, 40, 50, 60, 70, 80), strict=True):
        approve(quarterly, quarter_end, value)
    recompute()
    rolling = dict(
        ScorecardEntry.objects.filter(indicator=quarterly, team__isnull=True).values_list("period", "rolling_6m_value")
    )
    assert rolling[date(2020, 6, 1)] is None  # nothing before the first quarter
    assert rolling[date(2020, 9, 1)] == D("10")
    assert rolling[date(2021, 3, 1)] == D(10 + 20 + 30)  # fewer than six quarters so far: those there are
    assert rolling[date(2021, 12, 1)] == D(10 + 20 + 30 + 40 + 50 + 60)  # Jun-20 … Sep-21
    assert rolling[date(2022, 3, 1)] == D(20 + 30 + 40 + 50 + 60 + 70)  # Sep-20 … Dec-21: six quarters
    assert rolling[date(2022, 3, 1)] != D(60 + 70)  # not Sep-21 … Feb-22, six months

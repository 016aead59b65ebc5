"""The workflow services: state, permission, four-eyes, versions, validation and events."""

from datetime import date
from decimal import Decimal as D

import pytest

from indicators import periods, scoring
from returns import figures, services
from returns.models import Return, ReturnEvent, State, TeamFigure
from tests import factories
from tests.returns.conftest import NOV, OCT, entry

pytestmark = pytest.mark.django_db


def kinds(ret):
    return list(ret.events.values_list("kind", "from_state", "to_state"))


def test_first_save_creates_a_draft_with_an_event_and_history(indicator, officer):
    saved = services.return_save_draft(
        indicator=indicator, period=NOV, entry=entry(None, 45, 50), version=0, by=officer
    )
    ret = saved.ret
    assert saved.created and ret.state == State.DRAFT and ret.version == 1
    assert ret.value == D("90") and ret.numerator == D("45") and ret.denominator == D("50")
    assert kinds(ret) == [("created", "", "draft")]
    assert ret.history.count() == 1 and ret.history.first().history_user == officer


def test_saving_again_needs_the_current_version(indicator, officer, draft):
    saved = services.return_save_draft(indicator=indicator, period=NOV, entry=entry(91), version=1, by=officer)
    assert saved.ret.version == 2 and saved.ret.value == D("91")
    with pytest.raises(services.StaleReturn) as refused:
        services.return_save_draft(indicator=indicator, period=NOV, entry=entry(70), version=1, by=officer)
    assert "changed by Olive Officer at" in refused.value.message
    assert refused.value.ret.value == D("91")
    draft.refresh_from_db()
    assert draft.value == D("91") and draft.version == 2


def test_a_second_first_save_is_refused_as_stale(indicator, officer):
    services.return_save_draft(indicator=indicator, period=NOV, entry=entry(91), version=0, by=officer)
    with pytest.raises(services.StaleReturn):
        services.return_save_draft(indicator=indicator, period=NOV, entry=entry(60), version=0, by=officer)
    assert Return.objects.get().value == D("91")


def test_deputies_may_save_others_may_not(indicator, other_officer, officer):
    with pytest.raises(services.NotAllowed):
        services.return_save_draft(indicator=indicator, period=NOV, entry=entry(91), version=0, by=other_officer)
    indicator.deputies.add(other_officer)
    other_officer = type(other_officer).objects.get(pk=other_officer.pk)
    services.return_save_draft(indicator=indicator, period=NOV, entry=entry(91), version=0, by=other_officer)


def test_invalid_figures_are_refused_naming_the_field(indicator, officer):
    with pytest.raises(services.InvalidFigures) as refused:
        services.return_save_draft(indicator=indicator, period=NOV, entry=entry(None, 30, 25), version=0, by=officer)
    assert "numerator" in {p.field for p in refused.value.problems}
    assert not Return.objects.exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("retired", "CP 5 is retired"),
        ("under_development", "under development"),
        ("to_be_confirmed", "to be confirmed"),
    ],
)
def test_indicators_that_are_not_active_take_no_figures(indicator, officer, status, message):
    indicator.status = status
    indicator.save()
    with pytest.raises(services.ClosedForEntry, match=message):
        services.return_save_draft(indicator=indicator, period=NOV, entry=entry(91), version=0, by=officer)
    assert not Return.objects.exists()


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (date(2022, 12, 1), "has not ended yet"),
        (date(2023, 1, 1), "in the future"),
        (date(2022, 5, 1), "closed for entry"),
    ],
)
def test_periods_that_are_not_open_are_refused(indicator, officer, period, message):
    with pytest.raises(services.ClosedForEntry, match=message):
        services.return_save_draft(indicator=indicator, period=period, entry=entry(91), version=0, by=officer)
    assert not Return.objects.exists()


def test_a_return_reopened_in_a_closed_month_can_be_finished_and_approved_again(indicator, officer, director):
    """The window limits the months an officer starts; a return handed back by a reviewer is finished whenever."""
    from django.utils import timezone

    may = date(2022, 5, 1)
    old = factories.ReturnFactory(
        indicator=indicator,
        period=may,
        value=D("91"),
        state=State.APPROVED,
        submitted_by=officer,
        submitted_at=timezone.now(),
        approved_by=director,
        approved_at=timezone.now(),
    )
    reopened = services.return_reopen(ret=old, by=director, reason="May's count missed late cases")
    saved = services.return_save_draft(
        indicator=indicator,
        period=may,
        entry=entry(93, commentary="Late cases added"),
        version=reopened.version,
        by=officer,
    )
    (submitted,) = services.return_submit(returns=[saved.ret], by=officer, versions={saved.ret.pk: saved.ret.version})
    (approved,) = services.return_approve(returns=[submitted], by=director)
    assert (approved.state, approved.value) == (State.APPROVED, D("93"))


def test_a_draft_never_submitted_in_a_closed_month_stays_closed(indicator, officer):
    draft = factories.ReturnFactory(indicator=indicator, period=date(2022, 5, 1), value=D("91"))
    with pytest.raises(services.ClosedForEntry, match="closed for entry"):
        services.return_submit(returns=[draft], by=officer)
    with pytest.raises(services.ClosedForEntry, match="closed for entry"):
        services.return_save_draft(indicator=indicator, period=draft.period, entry=entry(92), version=1, by=officer)


def test_quarterly_indicator_takes_figures_at_quarter_ends_only(indicator, officer):
    indicator.frequency = "quarterly"
    indicator.save()
    with pytest.raises(services.ClosedForEntry, match="quarterly"):
        services.return_save_draft(indicator=indicator, period=NOV, entry=entry(91), version=0, by=officer)
    services.return_save_draft(indicator=indicator, period=date(2022, 9, 1), entry=entry(91), version=0, by=officer)


def test_submit_requires_a_figure_and_commentary_when_red(indicator, officer, draft):
    draft.value = None
    draft.save()
    with pytest.raises(services.InvalidFigures, match="Enter a value"):
        services.return_submit(returns=[draft], by=officer)
    saved = services.return_save_draft(indicator=indicator, period=NOV, entry=entry(50), version=1, by=officer)
    with pytest.raises(services.InvalidFigures, match="commentary is required") as refused:
        services.return_submit(returns=[saved.ret], by=officer)
    assert refused.value.problems[0].field == "commentary"
    services.return_save_draft(
        indicator=indicator, period=NOV, entry=entry(50, commentary="Two conferences moved"), version=2, by=officer
    )
    (ret,) = services.return_submit(returns=[saved.ret], by=officer)
    assert ret.state == State.SUBMITTED and ret.submitted_by == officer


def test_submit_warnings_must_be_confirmed(indicator, officer):
    for months_back in range(1, 13):
        factories.ReturnFactory(
            indicator=indicator,
            period=periods.add_months(NOV, -months_back),
            value=D("90") + (months_back % 3),
            state=State.APPROVED,
        )
    saved = services.return_save_draft(indicator=indicator, period=NOV, entry=entry(99), version=0, by=officer)
    assert saved.warnings and "3 standard deviations" in saved.warnings[0].message
    with pytest.raises(services.InvalidFigures, match="Confirm the warnings"):
        services.return_submit(returns=[saved.ret], by=officer)
    (ret,) = services.return_submit(returns=[saved.ret], by=officer, confirm_warnings=True)
    assert ret.state == State.SUBMITTED


def test_bulk_submit_is_all_or_nothing(officer, service_area):
    good = factories.ReturnFactory(
        indicator=factories.IndicatorFactory(code="A 1", responsible_officer=officer, service_area=service_area),
        period=NOV,
        value=D("95"),
    )
    bad = factories.ReturnFactory(
        indicator=factories.IndicatorFactory(code="A 2", responsible_officer=officer, service_area=service_area),
        period=NOV,
        value=None,
    )
    with pytest.raises(services.RefusedInPart) as refused:
        services.return_submit(returns=[good, bad], by=officer)
    assert set(refused.value.failures) == {bad}
    good.refresh_from_db()
    assert good.state == State.DRAFT
    bad.value = D("96")
    bad.save()
    assert len(services.return_submit(returns=[good, bad], by=officer)) == 2


def test_submitted_figures_cannot_be_edited_or_resubmitted(indicator, officer, submitted):
    with pytest.raises(services.WrongState, match="is submitted: it cannot be edited"):
        services.return_save_draft(
            indicator=indicator, period=NOV, entry=entry(1), version=submitted.version, by=officer
        )
    with pytest.raises(services.WrongState):
        services.return_submit(returns=[submitted], by=officer)


def test_send_back_needs_a_comment_and_a_director_of_the_area(submitted, director, other_director, officer):
    with pytest.raises(services.MissingReason):
        services.return_send_back(ret=submitted, by=director, comment="  ")
    with pytest.raises(services.NotAllowed):
        services.return_send_back(ret=submitted, by=other_director, comment="No")
    with pytest.raises(services.NotAllowed):
        services.return_send_back(ret=submitted, by=officer, comment="No")
    ret = services.return_send_back(ret=submitted, by=director, comment="Check the October denominator")
    assert ret.state == State.RETURNED
    event = ret.events.last()
    assert (event.kind, event.actor, event.comment) == ("returned", director, "Check the October denominator")


def test_approve_only_submitted_and_only_once(draft, director, officer):
    with pytest.raises(services.WrongState, match="is draft"):
        services.return_approve(returns=[draft], by=director)
    services.return_submit(returns=[draft], by=officer)
    services.return_approve(returns=[draft], by=director)
    with pytest.raises(services.WrongState, match="already approved \\(by Dana Director"):
        services.return_approve(returns=[draft], by=director)
    assert ReturnEvent.objects.filter(kind="approved").count() == 1


def test_director_of_another_area_cannot_approve(submitted, other_director, viewer):
    for user in (other_director, viewer):
        with pytest.raises(services.NotAllowed):
            services.return_approve(returns=[submitted], by=user)
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_four_eyes_nobody_approves_their_own_submission(indicator, director, performance_user):
    indicator.deputies.add(director)
    ret = factories.ReturnFactory(indicator=indicator, period=NOV, value=D("95"))
    services.return_submit(returns=[ret], by=director)
    with pytest.raises(services.NotAllowed, match="four-eyes"):
        services.return_approve(returns=[ret], by=director)
    with pytest.raises(services.NotAllowed, match="Only the performance team"):
        services.return_approve(returns=[ret], by=director, own_approval_override=True, comment="Away")


def test_performance_team_override_is_recorded_with_its_reason(indicator, performance_user):
    indicator.deputies.add(performance_user)
    ret = factories.ReturnFactory(indicator=indicator, period=NOV, value=D("95"))
    services.return_submit(returns=[ret], by=performance_user)
    with pytest.raises(services.NotAllowed):
        services.return_approve(returns=[ret], by=performance_user)
    with pytest.raises(services.MissingReason):
        services.return_approve(returns=[ret], by=performance_user, own_approval_override=True)
    services.return_approve(
        returns=[ret], by=performance_user, own_approval_override=True, comment="Director on leave; board tomorrow"
    )
    event = ret.events.get(kind="approved")
    assert event.own_approval_override and event.comment == "Director on leave; board tomorrow"


def test_four_eyes_whoever_corrected_a_submitted_figure_does_not_approve_it(submitted, performance_user, director):
    """A correction after submission makes the corrector the author of the figure now awaiting approval."""
    saved = services.return_correct(
        ret=submitted, entry=entry("97"), by=performance_user, reason="Double count", version=submitted.version
    )
    with pytest.raises(services.NotAllowed, match="four-eyes"):
        services.return_approve(returns=[saved.ret], by=performance_user)
    saved.ret.refresh_from_db()
    assert saved.ret.state == State.SUBMITTED
    (ret,) = services.return_approve(returns=[saved.ret], by=director)
    assert ret.state == State.APPROVED and ret.value == D("97")


def test_four_eyes_override_covers_a_corrected_figure(submitted, performance_user):
    saved = services.return_correct(
        ret=submitted, entry=entry("97"), by=performance_user, reason="Double count", version=submitted.version
    )
    services.return_approve(
        returns=[saved.ret], by=performance_user, own_approval_override=True, comment="Director on leave"
    )
    assert saved.ret.events.get(kind="approved").own_approval_override


def test_reopen_needs_a_reason_and_goes_back_to_draft(approved, director, other_director, officer):
    with pytest.raises(services.MissingReason):
        services.return_reopen(ret=approved, by=director, reason="")
    with pytest.raises(services.NotAllowed):
        services.return_reopen(ret=approved, by=other_director, reason="x")
    with pytest.raises(services.NotAllowed):
        services.return_reopen(ret=approved, by=officer, reason="x")
    ret = services.return_reopen(ret=approved, by=director, reason="Late cases found")
    assert ret.state == State.DRAFT and ret.approved_by is None
    with pytest.raises(services.WrongState):
        services.return_reopen(ret=ret, by=director, reason="again")


def test_stale_version_refuses_actions(submitted, director):
    with pytest.raises(services.StaleReturn):
        services.return_approve(returns=[submitted], by=director, versions={submitted.pk: submitted.version - 1})
    with pytest.raises(services.StaleReturn):
        services.return_send_back(ret=submitted, by=director, comment="x", version=submitted.version - 1)


def test_correction_by_the_performance_team_in_any_state(approved, performance_user, director):
    with pytest.raises(services.NotAllowed):
        services.return_correct(ret=approved, entry=entry(93), by=director, reason="x", version=approved.version)
    with pytest.raises(services.MissingReason):
        services.return_correct(ret=approved, entry=entry(93), by=performance_user, reason="", version=approved.version)
    saved = services.return_correct(
        ret=approved, entry=entry(93), by=performance_user, reason="Two cases recorded twice", version=approved.version
    )
    ret = saved.ret
    assert ret.state == State.APPROVED and ret.value == D("93")
    event = ret.events.last()
    assert (event.kind, event.from_state, event.to_state, event.comment) == (
        "corrected",
        "approved",
        "approved",
        "Two cases recorded twice",
    )


def test_team_rows_are_stored_and_the_whole_derived(indicator, officer, service_area):
    east, south = factories.TeamFactory(name="EAST"), factories.TeamFactory(name="SOUTH")
    team_entry = figures.Entry(
        teams={east.pk: scoring.Point(None, D("9"), D("10")), south.pk: scoring.Point(None, D("8"), D("10"))}
    )
    ret = services.return_save_draft(indicator=indicator, period=NOV, entry=team_entry, version=0, by=officer).ret
    assert ret.value == D("85.000000") and (ret.numerator, ret.denominator) == (D("17"), D("20"))
    assert TeamFigure.objects.get(ret=ret, team=east).value == D("90.000000")
    # Clearing a team row removes it.
    services.return_save_draft(
        indicator=indicator,
        period=NOV,
        entry=figures.Entry(teams={east.pk: scoring.Point(None, D("9"), D("10"))}),
        version=1,
        by=officer,
    )
    assert list(TeamFigure.objects.values_list("team__name", flat=True)) == ["EAST"]


def test_rate_uses_the_latest_population_not_after_the_period(officer, service_area):
    rate = factories.IndicatorFactory(
        code="CLA 1", unit="rate_per_10k", responsible_officer=officer, service_area=service_area
    )
    factories.PopulationFactory(year=2021, population=40000)
    factories.PopulationFactory(year=2022, population=50000)
    factories.PopulationFactory(year=2023, population=60000)
    ret = services.return_save_draft(indicator=rate, period=OCT, entry=entry(None, 500), version=0, by=officer).ret
    assert ret.denominator == D("50000") and ret.value == D("100.000000")


def test_whole_cycle_with_events_and_history(indicator, officer, director):
    ret = services.return_save_draft(indicator=indicator, period=NOV, entry=entry(88), version=0, by=officer).ret
    services.return_submit(returns=[ret], by=officer)
    services.return_send_back(ret=ret, by=director, comment="Add commentary on EAST")
    ret.refresh_from_db()
    services.return_save_draft(
        indicator=indicator,
        period=NOV,
        entry=entry(88, commentary="EAST short-staffed"),
        version=ret.version,
        by=officer,
    )
    services.return_submit(returns=[ret], by=officer)
    services.return_approve(returns=[ret], by=director)
    services.return_reopen(ret=ret, by=director, reason="Late data")
    ret.refresh_from_db()
    services.return_save_draft(
        indicator=indicator, period=NOV, entry=entry(89, commentary="x"), version=ret.version, by=officer
    )
    services.return_submit(returns=[ret], by=officer)
    services.return_approve(returns=[ret], by=director)
    ret.refresh_from_db()
    assert ret.state == State.APPROVED and ret.value == D("89")
    assert [k for k, _, _ in kinds(ret)] == [
        "created",
        "submitted",
        "returned",
        "saved",
        "submitted",
        "approved",
        "reopened",
        "saved",
        "submitted",
        "approved",
    ]
    assert ret.history.count() == 10
    assert list(ret.history.order_by("history_date").values_list("value", flat=True))[:1] == [D("88")]


def test_approve_reopen_and_correct_rebuild_the_scorecard_on_commit(
    indicator, officer, director, performance_user, submitted, django_capture_on_commit_callbacks
):
    from indicators.models import ScorecardEntry

    def entry_now():
        return ScorecardEntry.objects.whole_authority().filter(indicator=indicator, period=NOV).first()

    with django_capture_on_commit_callbacks(execute=True):
        services.return_approve(returns=[submitted], by=director)
    scored = entry_now()
    assert scored is not None and scored.value == D("92") and scored.rag == "green"

    submitted.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.return_correct(
            ret=submitted,
            entry=entry(80, commentary="Recounted"),
            by=performance_user,
            reason="Recount",
            version=submitted.version,
        )
    scored = entry_now()
    assert scored.value == D("80") and scored.rag == "red"

    submitted.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.return_reopen(ret=submitted, by=director, reason="Late data")
    scored = entry_now()
    assert scored is None


def test_nothing_is_recomputed_when_an_approval_is_refused(
    submitted, other_director, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(services.NotAllowed):
        services.return_approve(returns=[submitted], by=other_director)
    assert callbacks == []

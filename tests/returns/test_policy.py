"""The workflow policy: states asked of the state machine, overdue, four-eyes, the entry window's exemptions."""

from datetime import date
from decimal import Decimal

import pytest

from indicators.alerts import reminders
from indicators.alerts.models import Reminder
from returns import policy
from returns.models import Return, State
from tests import factories
from tests.returns.conftest import NOV


def test_the_officers_states_are_those_the_state_machine_submits_from():
    assert policy.officer_states() == {State.DRAFT, State.RETURNED}
    assert policy.is_open_to_officer(None)
    assert policy.is_open_to_officer(Return(state=State.RETURNED))
    assert not policy.is_open_to_officer(Return(state=State.SUBMITTED))
    assert not policy.is_open_to_officer(Return(state=State.APPROVED))


def test_overdue_only_after_the_due_date_and_only_until_submitted():
    period = date(2022, 11, 1)  # due Wed 7 Dec 2022
    day = 5
    assert not policy.is_overdue(period=period, state=None, today=date(2022, 12, 7), working_day=day)
    assert policy.is_overdue(period=period, state=None, today=date(2022, 12, 8), working_day=day)
    assert policy.is_overdue(period=period, state="draft", today=date(2022, 12, 8), working_day=day)
    assert policy.is_overdue(period=period, state="returned", today=date(2023, 1, 8), working_day=day)
    assert not policy.is_overdue(period=period, state="submitted", today=date(2023, 1, 8), working_day=day)
    assert not policy.is_overdue(period=period, state="approved", today=date(2023, 1, 8), working_day=day)
    # A later due day moves the deadline.
    assert not policy.is_overdue(period=period, state=None, today=date(2022, 12, 8), working_day=6)


@pytest.mark.django_db
def test_four_eyes_refuses_the_submitter_unless_the_performance_user_overrides(indicator, officer, performance_user):
    ret = factories.ReturnFactory(
        indicator=indicator, period=NOV, state=State.SUBMITTED, submitted_by=performance_user, updated_by=officer
    )
    assert policy.own_part(performance_user, ret) == "submitted"
    assert "four-eyes" in policy.four_eyes_refusal(performance_user, ret, override=False)
    assert policy.four_eyes_refusal(performance_user, ret, override=True) is None
    ret.submitted_by = officer
    ret.updated_by = performance_user
    assert policy.own_part(performance_user, ret) == "corrected"
    ret.updated_by = officer
    assert policy.own_part(performance_user, ret) == ""
    assert policy.four_eyes_refusal(performance_user, ret, override=False) is None


@pytest.mark.django_db
def test_reminders_chase_a_return_sent_back_in_a_closed_month_as_the_entry_form_accepts_it(
    django_capture_on_commit_callbacks, indicator, officer, director
):
    """The reminders ask the same entry window as the entry form: a return handed back is open whatever its month."""
    may = date(2022, 5, 1)  # outside the six months open on 15 Dec 2022
    for month in policy.open_periods(date(2022, 12, 15)):
        factories.ReturnFactory(indicator=indicator, period=month, state=State.APPROVED)
    sent_back = factories.ReturnFactory(
        indicator=indicator, period=may, value=Decimal("91"), state=State.RETURNED, submitted_by=officer
    )
    assert sent_back.submitted_at is not None
    never_sent = factories.IndicatorFactory(code="CP 6", responsible_officer=officer)
    for month in policy.open_periods(date(2022, 12, 15)):
        factories.ReturnFactory(indicator=never_sent, period=month, state=State.APPROVED)
    factories.ReturnFactory(indicator=never_sent, period=may, value=Decimal("10"))  # a draft never submitted

    with django_capture_on_commit_callbacks(execute=True):
        reminders.reminders_queue(today=date(2022, 12, 15))

    assert list(Reminder.objects.values_list("indicator__code", "period", "kind")) == [("CP 5", may, "overdue")]

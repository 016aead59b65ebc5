"""The returns workflow policy (PRODUCT §3): the one place that says what a user may do to a return now.

- **Who** may see, enter (save, submit), review (send back, approve), reopen or
  correct a return, whatever its state: `rules` predicates over the roles of
  `kpiportal.accounts.roles` and the people named on the indicator and its
  service area.
- **Which step the state allows** is asked of the state machine (the django-fsm
  transitions on `Return`), never restated: a return is open to its officer
  while it can still be submitted (`officer_states` are the sources of
  `Return.submit`), and its officer's part is done once it cannot.
- **What a user may do now** (`can_enter`, `can_submit`, `can_review`,
  `can_reopen`, `can_correct`, `available_actions`): who and state together.
- **Four-eyes and its override**: `own_part`, `four_eyes_refusal`.
- **The entry window and its exemptions**: `entry_refusal`,
  `template_refusal`, `entry_months`.
- **Overdue**: `is_overdue`, `is_done`.

Services check these before every write, and views, lists, the Excel template,
reminders and the navigation ask the same functions, so a hidden button is
never the only guard and no page disagrees with the service that acts.

The predicates are tested directly (`predicate.test(user, ret)`) rather than
through `user.has_perm`, which lets Django superusers through every check;
superusers count as the performance team (`roles.roles_of`) and get exactly its
rights.
"""

from collections.abc import Iterable
from datetime import date
from functools import cache

import rules
from django.conf import settings
from django_fsm import can_proceed

from indicators import periods
from indicators.models import Indicator, ServiceArea, Status
from kpiportal.accounts import roles
from returns import deadlines
from returns.models import Return, State

# --- Who ---------------------------------------------------------------------------------------------


def owned_indicator_ids(user) -> frozenset[int]:
    """Indicators the user is responsible officer or deputy for (one query, cached on the user)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_returns_owned_ids", None)
    if cached is None:
        cached = frozenset(Indicator.objects.owned_by(user).values_list("pk", flat=True))
        user._returns_owned_ids = cached
    return cached


def directed_area_ids(user) -> frozenset[int]:
    """Service areas the user is a director of (one query, cached on the user)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_returns_area_ids", None)
    if cached is None:
        cached = frozenset(ServiceArea.objects.filter(directors=user).values_list("pk", flat=True))
        user._returns_area_ids = cached
    return cached


def forget_cached_access(user) -> None:
    """After a user's indicators, service areas or roles change within one request or test."""
    for name in ("_returns_owned_ids", "_returns_area_ids"):
        if hasattr(user, name):
            delattr(user, name)
    roles.forget_cached_roles(user)


@rules.predicate
def owns_indicator(user, ret):
    """Responsible officer or deputy of the return's indicator."""
    return ret.indicator_id in owned_indicator_ids(user)


@rules.predicate
def directs_area(user, ret):
    return ret.indicator.service_area_id in directed_area_ids(user)


@rules.predicate
def is_approved(user, ret):
    return on_scorecard(ret)


# Everyone but viewers reads figures in any state (and whether a return was started); viewers only approved ones.
may_see_unapproved = roles.is_staff_reader
may_see = may_see_unapproved | (roles.is_viewer & is_approved)
# Enter, save and submit: the officers named on the indicator (the state is the state machine's).
may_enter = roles.is_staff_reader & owns_indicator
# Approve or send back, and reopen: the directors of the indicator's service area, and the performance team.
may_review = roles.is_performance_team | (roles.is_director & directs_area)
may_reopen = may_review
# Correct any figure in any state, recorded as a correction.
may_correct = roles.is_performance_team
# Approving one's own submission needs the recorded override, open to the performance team only.
may_override_four_eyes = roles.is_performance_team

# Pages.
may_use_my_returns = roles.is_staff_reader
may_use_review = roles.is_performance_team | roles.is_director
may_use_completeness = roles.is_performance_team | roles.is_director
# The review list of every service area rather than the user's own; My returns of any officer.
sees_every_area = roles.is_performance_team


# --- Which step the state allows (asked of the state machine) -------------------------------------------


@cache
def officer_states() -> frozenset[str]:
    """States in which the officer may still change and submit the figures: the sources of `Return.submit`."""
    return frozenset(
        transition.source for transition in Return().get_all_state_transitions() if transition.name == "submit"
    )


def is_open_to_officer(ret: Return | None) -> bool:
    """Whether the officer's part is still open: not started, or a state the return can be submitted from."""
    return ret is None or can_proceed(ret.submit)


def awaits_officer(ret: Return | None) -> bool:
    """A return started and still open to its officer (draft or sent back): one they can submit."""
    return ret is not None and is_open_to_officer(ret)


def is_done(state: str | None) -> bool:
    """Whether the officer's part is done (submitted or further on); None means not started."""
    return state is not None and state not in officer_states()


def is_sent_back(ret: Return) -> bool:
    """Sent back by a reviewer and not resubmitted yet (the reviewer's comment is for the officer)."""
    return ret.state == State.RETURNED


def is_awaiting_review(ret: Return) -> bool:
    """Submitted: a reviewer may approve it or send it back."""
    return "approve" in available_actions(ret)


def on_scorecard(ret: Return) -> bool:
    """Approved: the figure feeds the scorecards, and its RAG is final (a return or one of its history records)."""
    return ret.state == State.APPROVED


def available_actions(ret: Return) -> frozenset[str]:
    """The transitions the state machine allows from the return's state now (names of `Return` methods)."""
    if ret.pk is None:
        return frozenset()
    return frozenset(transition.name for transition in ret.get_available_state_transitions())


# --- What a user may do now ----------------------------------------------------------------------------


def can_enter(user, ret: Return) -> bool:
    """Whether the entry form is open to `user` for this return (not started, draft or sent back)."""
    return may_enter.test(user, ret) and is_open_to_officer(ret)


def can_submit(user, ret: Return) -> bool:
    return ret.pk is not None and may_enter.test(user, ret) and "submit" in available_actions(ret)


def can_review(user, ret: Return) -> bool:
    """Send back or approve (four-eyes aside: see `own_part`)."""
    return may_review.test(user, ret) and not {"approve", "send_back"}.isdisjoint(available_actions(ret))


def can_reopen(user, ret: Return) -> bool:
    return may_reopen.test(user, ret) and "reopen" in available_actions(ret)


def can_correct(user, ret: Return) -> bool:
    """The performance team corrects figures in any state (of a return that exists)."""
    return ret.pk is not None and may_correct.test(user, ret)


# --- Four-eyes -------------------------------------------------------------------------------------------


def own_part(user, ret: Return) -> str:
    """'submitted' or 'corrected' when `user` wrote the figures awaiting approval, else ''.

    A correction after submission (`return_correct`) leaves the corrector as
    `updated_by`: they wrote the figures now awaiting approval, so the four-eyes
    rule applies to them as to the submitter.
    """
    if "approve" not in available_actions(ret):
        return ""
    if ret.submitted_by_id == user.pk:
        return "submitted"
    if ret.updated_by_id == user.pk:
        return "corrected"
    return ""


def four_eyes_refusal(user, ret: Return, *, override: bool) -> str | None:
    """Why `user` may not approve `ret` under the four-eyes rule, or None.

    Nobody approves what they submitted or corrected after submission, unless a
    member of the performance team ticks the override (with a reason, which the
    service records on the event).
    """
    did = own_part(user, ret)
    if not did:
        return None
    if override and may_override_four_eyes.test(user):
        return None
    return f"You {did} {ret}: someone else must approve it (four-eyes rule)"


# --- The entry window and its exemptions -------------------------------------------------------------------


def window_refusal(period: date, today: date) -> str | None:
    """Why `period` is outside the entry window today (the last `RETURNS_OPEN_MONTHS` months that ended), or None."""
    return deadlines.entry_closed_reason(period, today, settings.RETURNS_OPEN_MONTHS)


def open_periods(today: date) -> list[date]:
    """The months of the entry window, newest first."""
    return deadlines.open_periods(today, settings.RETURNS_OPEN_MONTHS)


def is_handed_back(ret: Return | None) -> bool:
    """Sent back, or reopened after approval: a reviewer handed it back after it had been submitted.

    Such a return can be finished whatever its month, or it would stay off the scorecard for good.
    """
    return ret is not None and ret.pk is not None and ret.submitted_at is not None


def entry_refusal(indicator: Indicator, period: date, today: date, *, ret: Return | None = None) -> str | None:
    """Why figures for this indicator and month cannot be entered today, or None.

    An active indicator, in a month it takes a figure, inside the entry window —
    or, whatever its month, a return handed back by a reviewer (`is_handed_back`).
    """
    if indicator.status != Status.ACTIVE:
        return (
            f"{indicator.code} is {indicator.get_status_display().lower()}: it takes no figures "
            "until the performance team makes it active"
        )
    if not periods.takes_figure(period, indicator.frequency):
        frequency = indicator.get_frequency_display().lower()
        return f"{indicator.code} is {frequency}: it has no figure for {periods.month_label(period)}"
    if is_handed_back(ret):
        return None
    return window_refusal(period, today)


def handed_back_to(user, period: date):
    """The user's returns of `period` handed back by a reviewer and still open to them (a queryset)."""
    return Return.objects.of_indicators_owned_by(user).filter(
        period=period, submitted_at__isnull=False, state__in=officer_states()
    )


def template_refusal(user, period: date, today: date) -> str | None:
    """Why the user cannot have an Excel template for `period` today, or None.

    The same window as the entry form, with the same exemption: a month outside it
    takes a template while the user has a return of that month handed back to them.
    """
    reason = window_refusal(period, today)
    if reason is None or (period < periods.month_start(today) and handed_back_to(user, period).exists()):
        return None
    return reason


def entry_months(indicators: Iterable[Indicator], today: date) -> dict[int, dict[date, str | None]]:
    """For each indicator, the months open for entry today and the state of its return in each (None: not started).

    The entry window, plus any older month whose return was handed back and is
    still open to the officer: two queries.
    """
    indicators = list(indicators)
    window = open_periods(today)
    months: dict[int, dict[date, str | None]] = {ind.pk: dict.fromkeys(window) for ind in indicators}
    in_window = Return.objects.filter(indicator__in=indicators, period__in=window).values_list(
        "indicator_id", "period", "state"
    )
    handed_back = Return.objects.filter(
        indicator__in=indicators, period__lt=min(window), submitted_at__isnull=False, state__in=officer_states()
    ).values_list("indicator_id", "period", "state")
    for indicator_id, period, state in [*in_window, *handed_back]:
        months[indicator_id][period] = state
    return months


# --- Overdue -----------------------------------------------------------------------------------------------


def is_overdue(*, period: date, state: str | None, today: date, working_day: int) -> bool:
    """Past its due date and the officer's part not done (state None means not started).

    A return sent back to the officer after the due date is overdue again until resubmitted.
    """
    return not is_done(state) and deadlines.is_past_due(period, today, working_day)

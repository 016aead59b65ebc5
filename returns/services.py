"""Every write to a monthly return (PRODUCT §3): one service per transition.

Each service checks permission and state (`returns.policy`, which asks the `Return`
transitions), then in one transaction locks the row, compares the version the
user saw with the stored one (so nobody overwrites a change they have not
seen), saves with `update_fields`, raises the version and records a
`ReturnEvent` (who, when, from → to, comment). Changes to approved figures ask
for a scorecard recompute once the transaction has committed.

Refusals are `ReturnError`s with a message fit to show the user; `NotAllowed`
is also Django's `PermissionDenied` (a 403 when a view lets it through).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django_fsm import can_proceed

from indicators.models import Indicator
from indicators.recompute_requests import request_recompute
from returns import figures, policy, selectors, validation
from returns.models import FIGURE_FIELDS, Return, ReturnEvent, TeamFigure

# --- Refusals ---------------------------------------------------------------------------------


class ReturnError(Exception):
    """A refused write; `str(error)` is the message for the user."""

    def __init__(self, message: str, *, ret: Return | None = None):
        super().__init__(message)
        self.message = message
        self.ret = ret


class NotAllowed(ReturnError, PermissionDenied):
    """The user may not do this to this return, whatever its state."""


class WrongState(ReturnError):
    """The return is not in a state that allows this (for example a POST replayed after it moved on)."""


class StaleReturn(ReturnError):
    """Someone else changed the return since the user loaded it; `ret` holds the current figures."""


class ClosedForEntry(ReturnError):
    """The period is not open for entry, or the indicator takes no figures."""


class MissingReason(ReturnError):
    """A comment or reason the rule requires was not given; `field` names the form field."""

    def __init__(self, message: str, *, field: str, ret: Return | None = None):
        super().__init__(message, ret=ret)
        self.field = field


class InvalidFigures(ReturnError):
    """The figures fail validation; `problems` name the fields (warnings only when unconfirmed)."""

    def __init__(self, message: str, *, problems: Sequence[validation.Problem], ret: Return | None = None):
        super().__init__(message, ret=ret)
        self.problems = list(problems)


class RefusedInPart(ReturnError):
    """A bulk action refused for some returns; nothing was changed. `failures` maps each return to its refusal."""

    def __init__(self, failures: dict[Return, ReturnError]):
        names = "; ".join(f"{ret}: {error}" for ret, error in failures.items())
        super().__init__(f"Nothing was changed. {names}")
        self.failures = failures


@dataclass
class Saved:
    """A saved return and the warnings its figures carry (to confirm on submission)."""

    ret: Return
    warnings: list[validation.Problem] = field(default_factory=list)
    created: bool = False
    changed: bool = True


# --- Helpers ------------------------------------------------------------------------------------


def changed_by_message(ret: Return) -> str:
    who = ret.updated_by.get_full_name() or ret.updated_by.username if ret.updated_by else "someone else"
    when = timezone.localtime(ret.updated_at)
    return (
        f"{ret} was changed by {who} at {when:%H:%M} on {date_format(when, 'j F Y')} — "
        "here are the current figures. Make your change again if it is still needed."
    )


def _check_version(ret: Return, expected_version: int | None) -> None:
    if expected_version is not None and ret.version != expected_version:
        raise StaleReturn(changed_by_message(ret), ret=ret)


def _state_message(ret: Return, doing: str) -> str:
    state = ret.get_state_display().lower()
    if policy.on_scorecard(ret) and ret.approved_by is not None:
        who = ret.approved_by.get_full_name() or ret.approved_by.username
        when = timezone.localtime(ret.approved_at)
        return f"{ret} is already approved (by {who} at {when:%H:%M}): it cannot be {doing}"
    return f"{ret} is {state}: it cannot be {doing}"


def _record(ret: Return, *, kind: str, by, from_state: str, comment: str = "", override: bool = False) -> ReturnEvent:
    """Record the action that wrote the return's current version: called after `_save` (and the team rows).

    The history page (`returns.trail`) pairs each event with the latest version saved at or before it.
    """
    return ReturnEvent.objects.create(
        ret=ret,
        kind=kind,
        actor=by,
        from_state=from_state,
        to_state=ret.state,
        comment=comment,
        own_approval_override=override,
    )


def _save(ret: Return, by, fields: Iterable[str]) -> None:
    ret.version += 1
    ret.updated_by = by
    ret._history_user = by
    ret.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


def _request_recompute(returns: Iterable[Return], reason: str) -> None:
    """Ask for the scorecard to be rebuilt from approved figures once the transaction has committed.

    From each indicator's earliest changed month on: later months' change, year to date and
    persistent red depend on it.
    """
    returns = list(returns)
    request_recompute({r.indicator_id for r in returns}, from_period=min(r.period for r in returns), reason=reason)


def _lock(ids: Iterable[int]) -> list[Return]:
    """Lock returns by id (in id order, so two bulk actions cannot deadlock)."""
    return list(
        Return.objects.select_for_update(of=("self",))
        .select_related("indicator__service_area", "submitted_by", "approved_by", "updated_by")
        .filter(pk__in=list(ids))
        .order_by("pk")
    )


def _lock_one(ret: Return) -> Return:
    locked = _lock([ret.pk])
    if not locked:
        raise WrongState(f"{ret} no longer exists", ret=ret)
    return locked[0]


def _today() -> date:
    return timezone.localdate()


def _write_figures(ret: Return, resolved: figures.Resolved) -> list[str]:
    entered = resolved.entered
    ret.value = resolved.whole.value
    ret.numerator = resolved.whole.numerator
    ret.denominator = resolved.whole.denominator
    ret.not_available = entered.not_available
    ret.not_available_reason = entered.not_available_reason if entered.not_available else ""
    ret.commentary = entered.commentary
    return list(FIGURE_FIELDS)


def _write_team_figures(ret: Return, resolved: figures.Resolved, by) -> None:
    existing = {tf.team_id: tf for tf in ret.team_figures.all()}
    for team_id, tf in existing.items():
        if team_id not in resolved.teams:
            tf._history_user = by
            tf.delete()
    for team_id, point in resolved.teams.items():
        tf = existing.get(team_id) or TeamFigure(ret=ret, team_id=team_id)
        if tf.pk and (tf.value, tf.numerator, tf.denominator) == (point.value, point.numerator, point.denominator):
            continue
        tf.value, tf.numerator, tf.denominator = point.value, point.numerator, point.denominator
        tf._history_user = by
        tf.save()


def check_figures(
    ctx: selectors.EntryContext, entry: figures.Entry, *, submitting: bool
) -> tuple[figures.Resolved, list[validation.Problem]]:
    """Resolve an entry and validate it: the one path for the form, the upload and submission."""
    resolved = ctx.resolve(entry)
    problems = list(resolved.problems)
    problems += validation.validate_return(
        unit=ctx.indicator.unit,
        aggregation=ctx.indicator.aggregation,
        whole=resolved.entered.whole,
        teams={figures.team_key(t): p for t, p in resolved.entered.teams.items()},
        value=resolved.value,
        not_available=entry.not_available,
        not_available_reason=resolved.entered.not_available_reason,
        commentary=resolved.entered.commentary,
        would_be_rag=ctx.would_be_rag(resolved.value),
        approved_history=ctx.approved_history,
        submitting=submitting,
        resolved_whole=resolved.whole,
    )
    return resolved, problems


def same_figures(ret: Return, resolved: figures.Resolved) -> bool:
    """Whether saving `resolved` would leave the stored figures as they are."""
    entered = resolved.entered
    stored_teams = {tf.team_id: (tf.value, tf.numerator, tf.denominator) for tf in ret.team_figures.all()}
    new_teams = {t: (p.value, p.numerator, p.denominator) for t, p in resolved.teams.items()}
    return (
        (ret.value, ret.numerator, ret.denominator)
        == (resolved.whole.value, resolved.whole.numerator, resolved.whole.denominator)
        and ret.not_available == entered.not_available
        and ret.not_available_reason == (entered.not_available_reason if entered.not_available else "")
        and ret.commentary == entered.commentary
        and stored_teams == new_teams
    )


# --- Transitions ----------------------------------------------------------------------------------


def return_save_draft(
    *,
    indicator: Indicator,
    period: date,
    entry: figures.Entry,
    version: int,
    by,
    context: selectors.EntryContext | None = None,
    skip_unchanged: bool = False,
) -> Saved:
    """Save an officer's figures as a draft, creating the return on its first save.

    Only the responsible officer or a deputy of the indicator, only for an active
    indicator in a period open for entry, and only while the return is a draft or
    sent back. `version` is the version the officer loaded (0 for a return not
    started): if the return changed since, the save is refused with the current
    figures. Errors refuse the save; warnings are returned, to be confirmed on
    submission. Never submits.
    """
    probe = Return(indicator=indicator, period=period)
    if not policy.may_enter.test(by, probe):
        raise NotAllowed(f"You are not the responsible officer or a deputy for {indicator.code}")
    handed_back = Return.objects.filter(indicator=indicator, period=period, submitted_at__isnull=False).only("pk")
    reason = policy.entry_refusal(indicator, period, _today(), ret=handed_back.first())
    if reason:
        raise ClosedForEntry(reason)
    ctx = context or selectors.entry_context(indicator, period)
    resolved, problems = check_figures(ctx, entry, submitting=False)
    if validation.errors(problems):
        raise InvalidFigures("Check the figures: nothing was saved", problems=problems)

    with transaction.atomic():
        existing = Return.objects.filter(indicator=indicator, period=period).values_list("pk", flat=True).first()
        if existing is None:
            if version:
                # The version names a return that is no longer there: treat as changed.
                raise StaleReturn(f"{probe} was changed since you opened it")
            ret = Return(indicator=indicator, period=period, updated_by=by, version=1)
            _write_figures(ret, resolved)
            ret._history_user = by
            try:
                with transaction.atomic():
                    ret.save(force_insert=True)
            except IntegrityError:
                # Someone else created it a moment ago: their figures win, ours are refused.
                current = Return.objects.with_people().get(indicator=indicator, period=period)
                raise StaleReturn(changed_by_message(current), ret=current) from None
            _write_team_figures(ret, resolved, by)
            _record(ret, kind=ReturnEvent.Kind.CREATED, by=by, from_state="")
            return Saved(ret, validation.warnings(problems), created=True)
        ret = _lock([existing])[0]
        if not policy.is_open_to_officer(ret):
            raise WrongState(_state_message(ret, "edited"), ret=ret)
        _check_version(ret, version)
        if skip_unchanged and same_figures(ret, resolved):
            return Saved(ret, validation.warnings(problems), changed=False)
        from_state = ret.state
        fields = _write_figures(ret, resolved)
        _save(ret, by, fields)
        _write_team_figures(ret, resolved, by)
        _record(ret, kind=ReturnEvent.Kind.SAVED, by=by, from_state=from_state)
    return Saved(ret, validation.warnings(problems))


def return_submit(
    *,
    returns: Sequence[Return],
    by,
    confirm_warnings: bool = False,
    versions: dict[int, int] | None = None,
) -> list[Return]:
    """Submit one or many returns for review.

    The officers of each indicator submit drafts and returns sent back to them,
    for active indicators in periods open for entry. Each must pass the full
    validation (a value or "not available", commentary when it would be red); its
    warnings (outlier, breakdown) must be confirmed. All or nothing: one refusal
    and none is submitted. `versions` (return id → version seen) refuses stale ones.
    """
    versions = versions or {}
    today = _today()
    now = timezone.now()
    with transaction.atomic():
        locked = _lock(r.pk for r in returns)
        if len(locked) != len({r.pk for r in returns}):
            raise WrongState("One of the returns no longer exists: nothing was submitted")
        team_rows = _team_figures_of(locked)
        contexts = _contexts_by_period(locked)
        failures: dict[Return, ReturnError] = {}
        for ret in locked:
            try:
                if not policy.may_enter.test(by, ret):
                    raise NotAllowed(f"You are not the responsible officer or a deputy for {ret.indicator.code}")
                if not can_proceed(ret.submit):
                    raise WrongState(_state_message(ret, "submitted"), ret=ret)
                _check_version(ret, versions.get(ret.pk))
                reason = policy.entry_refusal(ret.indicator, ret.period, today, ret=ret)
                if reason:
                    raise ClosedForEntry(reason, ret=ret)
                entry = selectors.entry_of(ret, team_rows.get(ret.pk, []))
                _, problems = check_figures(contexts[(ret.indicator_id, ret.period)], entry, submitting=True)
                if validation.errors(problems):
                    raise InvalidFigures(
                        "; ".join(p.message for p in validation.errors(problems)), problems=problems, ret=ret
                    )
                if validation.warnings(problems) and not confirm_warnings:
                    raise InvalidFigures(
                        "Confirm the warnings before submitting: "
                        + "; ".join(p.message for p in validation.warnings(problems)),
                        problems=validation.warnings(problems),
                        ret=ret,
                    )
            except ReturnError as error:
                failures[ret] = error
        if failures:
            if len(locked) == 1:
                raise next(iter(failures.values()))
            raise RefusedInPart(failures)
        for ret in locked:
            from_state = ret.state
            ret.submit(by=by, at=now)
            _save(ret, by, ["state", "submitted_by", "submitted_at"])
            _record(ret, kind=ReturnEvent.Kind.SUBMITTED, by=by, from_state=from_state)
    return locked


def return_send_back(*, ret: Return, by, comment: str, version: int | None = None) -> Return:
    """Send a submitted return back to its officer with a comment (required) saying what to change.

    Directors of the indicator's service area and the performance team.
    """
    if not (comment or "").strip():
        raise MissingReason("Say what the officer should change: a comment is required", field="comment", ret=ret)
    if not policy.may_review.test(by, ret):
        raise NotAllowed(f"Only the directors of {ret.indicator.service_area} can send {ret} back")
    with transaction.atomic():
        ret = _lock_one(ret)
        if not can_proceed(ret.send_back):
            raise WrongState(_state_message(ret, "sent back"), ret=ret)
        _check_version(ret, version)
        from_state = ret.state
        ret.send_back()
        _save(ret, by, ["state"])
        _record(ret, kind=ReturnEvent.Kind.RETURNED, by=by, from_state=from_state, comment=comment.strip())
    return ret


def return_approve(
    *,
    returns: Sequence[Return],
    by,
    comment: str = "",
    own_approval_override: bool = False,
    versions: dict[int, int] | None = None,
) -> list[Return]:
    """Approve one or many submitted returns: their figures then feed scorecards, feeds and alerts.

    Directors approve only for their service areas; the performance team for any.
    Four-eyes: nobody approves a return they submitted, or whose figures they
    corrected after it was submitted, unless a member of the performance team ticks
    the override and gives the reason, which is recorded on the event. All or
    nothing; a return approved by someone else a moment earlier is refused with who
    approved it. The scorecard recompute is requested on commit.
    """
    versions = versions or {}
    comment = (comment or "").strip()
    if own_approval_override:
        if not policy.may_override_four_eyes.test(by):
            raise NotAllowed("Only the performance team can approve their own submission")
        if not comment:
            raise MissingReason("Give the reason for approving your own submission", field="comment")
    now = timezone.now()
    with transaction.atomic():
        locked = _lock(r.pk for r in returns)
        if len(locked) != len({r.pk for r in returns}):
            raise WrongState("One of the returns no longer exists: nothing was approved")
        failures: dict[Return, ReturnError] = {}
        overridden = set()
        for ret in locked:
            try:
                if not policy.may_review.test(by, ret):
                    raise NotAllowed(f"Only the directors of {ret.indicator.service_area} can approve {ret}")
                if not can_proceed(ret.approve):
                    raise WrongState(_state_message(ret, "approved"), ret=ret)
                _check_version(ret, versions.get(ret.pk))
                refusal = policy.four_eyes_refusal(by, ret, override=own_approval_override)
                if refusal:
                    raise NotAllowed(refusal, ret=ret)
                if policy.own_part(by, ret):
                    overridden.add(ret.pk)
            except ReturnError as error:
                failures[ret] = error
        if failures:
            if len(locked) == 1:
                raise next(iter(failures.values()))
            raise RefusedInPart(failures)
        for ret in locked:
            from_state = ret.state
            ret.approve(by=by, at=now)
            _save(ret, by, ["state", "approved_by", "approved_at"])
            _record(
                ret,
                kind=ReturnEvent.Kind.APPROVED,
                by=by,
                from_state=from_state,
                comment=comment,
                override=ret.pk in overridden,
            )
        _request_recompute(locked, reason="return approved")
    return locked


def return_reopen(*, ret: Return, by, reason: str, version: int | None = None) -> Return:
    """Reopen an approved return: back to draft for the officer, off the scorecard until approved again.

    Directors of the indicator's service area and the performance team; the reason is required.
    """
    if not (reason or "").strip():
        raise MissingReason("Give the reason for reopening the return", field="reason", ret=ret)
    if not policy.may_reopen.test(by, ret):
        raise NotAllowed(f"Only the directors of {ret.indicator.service_area} can reopen {ret}")
    with transaction.atomic():
        ret = _lock_one(ret)
        if not can_proceed(ret.reopen):
            raise WrongState(_state_message(ret, "reopened"), ret=ret)
        _check_version(ret, version)
        from_state = ret.state
        ret.reopen()
        _save(ret, by, ["state", "approved_by", "approved_at"])
        _record(ret, kind=ReturnEvent.Kind.REOPENED, by=by, from_state=from_state, comment=reason.strip())
        _request_recompute([ret], reason="return reopened")
    return ret


def return_correct(
    *,
    ret: Return,
    entry: figures.Entry,
    by,
    reason: str,
    version: int,
    confirm_warnings: bool = False,
) -> Saved:
    """The performance team corrects a return's figures in any state, recorded as a correction.

    The state does not change. The reason is required; the figures pass the same
    validation as a submission (warnings must be confirmed) when the return is
    submitted or approved, as for a draft otherwise. Correcting an approved figure
    requests the scorecard recompute on commit.
    """
    if not policy.may_correct.test(by, ret):
        raise NotAllowed("Only the performance team can correct figures")
    if not (reason or "").strip():
        raise MissingReason("Give the reason for the correction", field="reason", ret=ret)
    problems = validation.validate_period(ret.period, _today())
    if problems:
        raise InvalidFigures(problems[0].message, problems=problems, ret=ret)
    ctx = selectors.entry_context(ret.indicator, ret.period)
    with transaction.atomic():
        ret = _lock_one(ret)
        _check_version(ret, version)
        final = policy.is_done(ret.state)
        resolved, problems = check_figures(ctx, entry, submitting=final)
        if validation.errors(problems):
            raise InvalidFigures("Check the figures: nothing was saved", problems=problems, ret=ret)
        if final and validation.warnings(problems) and not confirm_warnings:
            raise InvalidFigures(
                "Confirm the warnings before saving the correction", problems=validation.warnings(problems), ret=ret
            )
        from_state = ret.state
        fields = _write_figures(ret, resolved)
        _save(ret, by, fields)
        _write_team_figures(ret, resolved, by)
        _record(ret, kind=ReturnEvent.Kind.CORRECTED, by=by, from_state=from_state, comment=reason.strip())
        if policy.on_scorecard(ret):
            _request_recompute([ret], reason="approved figure corrected")
    return Saved(ret, validation.warnings(problems))


# --- Batch helpers ---------------------------------------------------------------------------------


def _team_figures_of(returns: Sequence[Return]) -> dict[int, list[TeamFigure]]:
    rows: dict[int, list[TeamFigure]] = {}
    for tf in TeamFigure.objects.filter(ret__in=[r.pk for r in returns]):
        rows.setdefault(tf.ret_id, []).append(tf)
    return rows


def _contexts_by_period(returns: Sequence[Return]) -> dict[tuple[int, date], selectors.EntryContext]:
    by_period: dict[date, list[Indicator]] = {}
    for ret in returns:
        by_period.setdefault(ret.period, []).append(ret.indicator)
    contexts = {}
    for period, indicators in by_period.items():
        for indicator_id, ctx in selectors.entry_contexts(indicators, period).items():
            contexts[(indicator_id, period)] = ctx
    return contexts

"""Reminders about returns (PRODUCT §3, §7): due soon, overdue, and directors' weekly summaries.

On the schedule the performance team edits (django-celery-beat), the reminder
task finds returns not yet submitted whose reminder day has come or whose
deadline has passed, writes one `Reminder` row per (indicator, period, kind,
person) — a row that exists means that reminder was given, so nobody is
reminded twice — and gathers each person's new reminders of one kind into one
email (`ReminderEmail`), sent through the same outbox as alerts.

The dates come from `returns.deadlines` (working days, England and Wales bank
holidays); which reminder a return calls for from `triggers.reminder_kind`.
"""

import logging
from collections import defaultdict
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from indicators import periods
from indicators.alerts import db, emails, outbox, sending, triggers
from indicators.alerts.models import Reminder, ReminderEmail
from indicators.models import Indicator, PortalSettings
from returns import deadlines, policy
from returns.models import Return, State

logger = logging.getLogger(__name__)

DEFAULT_DAYS_BEFORE = 2


def _open_periods(today: date) -> list[date]:
    return deadlines.open_periods(today, settings.RETURNS_OPEN_MONTHS)


def reminders_queue(*, today: date | None = None, days_before: int = DEFAULT_DAYS_BEFORE) -> list[int]:
    """Remind responsible officers of returns due within `days_before` working days, and of overdue ones.

    Business rules: only live indicators that take a figure for the period, only
    periods open for entry (`policy.entry_months`: the window, and a return sent
    back or reopened whatever its month), only returns whose officer's part is not
    done (`policy.is_done`: a return sent back counts as not submitted); the responsible officer, when
    active and with an email address. Each (indicator, period, kind, officer) is
    reminded once, whenever the task runs; one email per officer and kind lists
    everything new. Returns the ids of the emails queued.
    """
    today = today or timezone.localdate()
    working_day = PortalSettings.load().due_working_day
    indicators = list(
        Indicator.objects.live()
        .filter(responsible_officer__is_active=True)
        .exclude(responsible_officer__email="")
        .select_related("responsible_officer")
    )
    # The months open for entry as the entry form has them: the window, and returns handed back whatever their month.
    entry_months = policy.entry_months(indicators, today)
    candidates = []
    for indicator in indicators:
        for period, state in entry_months[indicator.pk].items():
            if not periods.takes_figure(period, indicator.frequency):
                continue
            due = deadlines.due_date(period, working_day)
            kind = triggers.reminder_kind(
                today=today,
                reminder_day=deadlines.working_days_before(due, days_before),
                due=due,
                done=policy.is_done(state),
            )
            if kind is not None:
                candidates.append(
                    Reminder(
                        kind=kind,
                        indicator=indicator,
                        period=period,
                        recipient=indicator.responsible_officer,
                        due_date=due,
                    )
                )
    return _write_emails(candidates)


def _write_emails(candidates: list[Reminder]) -> list[int]:
    with transaction.atomic():
        created = db.insert_new(Reminder, candidates, unique=("indicator", "period", "kind", "recipient"))
        groups: dict[tuple[int, str], list[int]] = defaultdict(list)
        for reminder in created:
            groups[(reminder.recipient_id, reminder.kind)].append(reminder.pk)
        email_ids = []
        for (recipient_id, kind), reminder_ids in sorted(groups.items()):
            email = ReminderEmail.objects.create(kind=kind, recipient_id=recipient_id)
            Reminder.objects.filter(pk__in=reminder_ids).update(email=email)
            email_ids.append(email.pk)
        if email_ids:
            transaction.on_commit(partial(sending.enqueue, sending.SEND_REMINDER, email_ids), robust=True)
    if email_ids:
        logger.info("Queued %s reminder emails about %s returns", len(email_ids), len(created))
    return email_ids


def week_of(day: date) -> date:
    """The Monday of the week holding `day`."""
    return day - timedelta(days=day.weekday())


def summaries_queue(*, today: date | None = None) -> list[int]:
    """Email each director a summary of their service areas: late returns, and returns awaiting their review.

    One summary per director per week (a second run in the same week sends
    nothing); nothing is sent to a director with nothing to report. The lists are
    kept on the row when it is written.
    """
    today = today or timezone.localdate()
    working_day = PortalSettings.load().due_working_day
    open_periods = _open_periods(today)
    directors = list(
        get_user_model()
        .objects.filter(is_active=True, directed_service_areas__isnull=False)
        .exclude(email="")
        .distinct()
        .prefetch_related("directed_service_areas")
    )
    if not directors:
        return []
    area_ids = {area.pk for d in directors for area in d.directed_service_areas.all()}
    indicators = list(
        Indicator.objects.live().filter(service_area_id__in=area_ids).select_related("responsible_officer")
    )
    returns = {
        (r.indicator_id, r.period): r
        for r in Return.objects.filter(indicator__in=indicators).filter(period__in=open_periods)
        | Return.objects.filter(indicator__in=indicators, state=State.SUBMITTED)
    }
    by_area: dict[int, dict[str, list[dict]]] = defaultdict(lambda: {"late": [], "awaiting": []})
    for indicator in indicators:
        for period in open_periods:
            if not periods.takes_figure(period, indicator.frequency):
                continue
            ret = returns.get((indicator.pk, period))
            state = ret.state if ret is not None else None
            if policy.is_overdue(period=period, state=state, today=today, working_day=working_day):
                line = _line(indicator, period, state, deadlines.due_date(period, working_day))
                by_area[indicator.service_area_id]["late"].append(line)
    by_id = {indicator.pk: indicator for indicator in indicators}
    for (indicator_id, period), ret in returns.items():
        if ret.state == State.SUBMITTED:
            indicator = by_id[indicator_id]
            line = _line(indicator, period, ret.state, deadlines.due_date(period, working_day))
            by_area[indicator.service_area_id]["awaiting"].append(line)
    week = week_of(today)
    rows = []
    for director in directors:
        late, awaiting = [], []
        for area in director.directed_service_areas.all():
            late += by_area[area.pk]["late"]
            awaiting += by_area[area.pk]["awaiting"]
        if not late and not awaiting:
            continue
        rows.append(
            ReminderEmail(
                kind=ReminderEmail.Kind.WEEKLY_SUMMARY,
                recipient=director,
                week=week,
                summary={"late": _sorted(late), "awaiting": _sorted(awaiting), "as_of": today.isoformat()},
            )
        )
    with transaction.atomic():
        created = db.insert_new(ReminderEmail, rows, unique=("recipient", "kind", "week"))
        ids = [row.pk for row in created]
        if ids:
            transaction.on_commit(partial(sending.enqueue, sending.SEND_REMINDER, ids), robust=True)
    return ids


def _line(indicator, period, state, due) -> dict:
    return {
        "code": indicator.code,
        "title": indicator.title,
        "period": periods.iso_month(period),
        "label": periods.month_label(period),
        "state": state or "not_started",
        "due": due.isoformat(),
        "officer": str(indicator.responsible_officer) if indicator.responsible_officer else "",
    }


def _sorted(lines: list[dict]) -> list[dict]:
    return sorted(lines, key=lambda line: (line["period"], line["code"]))


# --- Sending ------------------------------------------------------------------------------------


STATE_WORDS = {
    "not_started": "not started",
    State.DRAFT: "draft",
    State.RETURNED: "sent back",
    State.SUBMITTED: "awaiting review",
}


def reminder_send(*, email_id: int) -> str:
    """Send one reminder email if this call can claim it (safe to call twice)."""
    token = outbox.claim(ReminderEmail, email_id)
    if token is None:
        return "not claimed"
    row = ReminderEmail.objects.select_related("recipient").get(pk=email_id)
    return sending.send_claimed(
        ReminderEmail, row, token, build=lambda: reminder_email(row), retry_task=sending.SEND_REMINDER
    )


def reminder_email(row: ReminderEmail) -> EmailMultiAlternatives:
    context = {
        "row": row,
        "recipient": row.recipient,
        "council_name": settings.COUNCIL_NAME,
        "my_returns": emails.site_link(reverse("returns:mine")),
    }
    if row.kind == ReminderEmail.Kind.WEEKLY_SUMMARY:
        context.update(
            late=[_dated(line) for line in row.summary.get("late", [])],
            awaiting=[_dated(line) for line in row.summary.get("awaiting", [])],
            review=emails.site_link(reverse("returns:review")),
            completeness=emails.site_link(reverse("returns:completeness")),
        )
        subject = f"KPI returns: your week ({row.week:%-d %B %Y})"
        template = "weekly_summary"
    else:
        reminders = row.reminders.select_related("indicator").order_by("period", "indicator__code")
        context["items"] = [
            {
                "code": r.indicator.code,
                "title": r.indicator.title,
                "label": periods.month_label(r.period),
                "due": r.due_date,
                "link": emails.site_link(reverse("returns:enter", args=[r.indicator_id, r.period])),
            }
            for r in reminders
        ]
        count = len(context["items"])
        noun = "return" if count == 1 else "returns"
        if row.kind == ReminderEmail.Kind.DUE_SOON:
            subject = f"KPI returns: {count} {noun} due soon"
            template = "due_soon"
        else:
            subject = f"KPI returns: {count} {noun} overdue"
            template = "overdue"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"alerts/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient.email],
        headers={"Auto-Submitted": "auto-generated"},  # the Message-ID is the row's, set when sent
    )
    message.attach_alternative(render_to_string(f"alerts/email/{template}.html", context), "text/html")
    return message


def _dated(line: dict) -> dict:
    return {
        **line,
        "due": date.fromisoformat(line["due"]),
        "state_words": STATE_WORDS.get(line["state"], line["state"]),
    }

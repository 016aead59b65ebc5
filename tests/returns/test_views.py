"""The returns pages over HTTP: the whole cycle, entry errors, stale saves, lists, replays."""

import re
from datetime import date
from decimal import Decimal as D
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.scoring import Point
from returns import policy
from returns.models import Return, ReturnEvent, State
from tests import factories
from tests.returns.conftest import NOV, entry

pytestmark = pytest.mark.django_db


def enter_url(indicator, period=NOV):
    return reverse("returns:enter", args=[indicator.pk, period.strftime("%Y-%m")])


def form_data(version=0, **fields):
    data = {"version": version, "value": "", "numerator": "", "denominator": "", "commentary": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return data


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_whole_cycle_through_http(client, indicator, officer, director):
    client.force_login(officer)
    page = client.get(reverse("returns:mine"))
    assert page.status_code == 200
    assert b"CP 5" in page.content and b"Not started" in page.content

    # Draft: numerator and denominator; the value is derived.
    response = client.post(enter_url(indicator), form_data(numerator=45, denominator=50, action="save"))
    ret = Return.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("returns:detail", args=[ret.pk])
    assert ret.value == D("90") and ret.state == State.DRAFT
    page = client.get(reverse("returns:detail", args=[ret.pk]))
    assert b"RAG it would get" in page.content and b"kpi-rag--green" in page.content

    # Submit from the form.
    response = client.post(
        reverse("returns:detail", args=[ret.pk]),
        form_data(version=ret.version, numerator=45, denominator=50, action="submit"),
    )
    ret.refresh_from_db()
    assert ret.state == State.SUBMITTED, messages_of(client.get(reverse("returns:detail", args=[ret.pk])))

    # Director sends back with a comment; the officer sees it at the top.
    client.force_login(director)
    assert b"CP 5" in client.get(reverse("returns:review")).content
    client.post(
        reverse("returns:send_back", args=[ret.pk]),
        {"send_back-comment": "October's denominator looks low", "send_back-version": ret.version},
    )
    ret.refresh_from_db()
    assert ret.state == State.RETURNED
    client.force_login(officer)
    page = client.get(reverse("returns:detail", args=[ret.pk]))
    assert b"Sent back" in page.content and b"October&#x27;s denominator looks low" in page.content

    # Resubmit red with commentary; director approves; reopens; approves again.
    client.post(
        reverse("returns:detail", args=[ret.pk]),
        form_data(version=ret.version, value=80, commentary="Two late conferences", action="submit"),
    )
    ret.refresh_from_db()
    assert ret.state == State.SUBMITTED and ret.value == D("80")
    client.force_login(director)
    client.post(reverse("returns:approve", args=[ret.pk]), {"approve-version": ret.version})
    ret.refresh_from_db()
    assert ret.state == State.APPROVED and ret.approved_by == director
    client.post(
        reverse("returns:reopen", args=[ret.pk]), {"reopen-reason": "Late cases", "reopen-version": ret.version}
    )
    ret.refresh_from_db()
    assert ret.state == State.DRAFT
    client.force_login(officer)
    client.post(
        reverse("returns:detail", args=[ret.pk]),
        form_data(version=ret.version, value=81, commentary="Two late conferences; one found", action="submit"),
    )
    client.force_login(director)
    review_page = client.get(reverse("returns:review"))
    assert b"Value 80.0% \xe2\x86\x92 81.0%" in review_page.content  # what changed since the last approval
    ret.refresh_from_db()
    client.post(reverse("returns:approve", args=[ret.pk]), {"approve-version": ret.version})
    ret.refresh_from_db()
    assert ret.state == State.APPROVED and ret.value == D("81")

    kinds = list(ret.events.values_list("kind", flat=True))
    assert kinds == [
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
    history = client.get(reverse("returns:history", args=[ret.pk]))
    assert history.status_code == 200
    assert b"October&#x27;s denominator looks low" in history.content and b"Late cases" in history.content
    entries = history.context["entries"]
    assert len(entries) == ret.history.count() == 10
    # One trail: each version carries the one action recorded with it, newest first.
    assert [a.name for e in entries for a in e.actions] == [
        e.get_kind_display() for e in ret.events.order_by("-at", "-pk")
    ]
    assert all(len(e.actions) == 1 for e in entries)


def test_entry_errors_are_listed_and_linked_to_fields(client, indicator, officer):
    client.force_login(officer)
    response = client.post(enter_url(indicator), form_data(numerator=30, denominator=25))
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    assert b'href="#id_numerator"' in response.content
    assert b"The numerator (30) cannot be more than the denominator (25)" in response.content
    response = client.post(enter_url(indicator), form_data(value="lots"))
    assert b"Enter a number, like 48 or 16.9" in response.content
    assert not Return.objects.exists()


def input_attrs(content: bytes, element_id: str) -> dict[str, str]:
    """The attributes of the form control with id `element_id` on the page."""
    found = {}

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag in ("input", "textarea", "select") and attrs.get("id") == element_id:
                found.update(attrs)

    Finder().feed(content.decode())
    assert found, f"no control with id {element_id}"
    return found


def test_a_refused_figure_is_described_by_its_error_and_marked_in_error(client, indicator, officer):
    """The service's refusal (numerator above denominator) reaches the field after the form was built."""
    client.force_login(officer)
    response = client.post(enter_url(indicator), form_data(numerator=30, denominator=25))
    assert response.status_code == 200
    numerator = input_attrs(response.content, "id_numerator")
    assert "id_numerator-error" in numerator["aria-describedby"].split()
    assert "govuk-input--error" in numerator["class"].split()
    assert numerator["aria-invalid"] == "true"
    commentary = input_attrs(response.content, "id_commentary")  # a hint, no error
    assert commentary["aria-describedby"] == "id_commentary-hint"
    assert "govuk-textarea--error" not in commentary["class"]
    ids = re.findall(r'\bid="([^"]+)"', response.content.decode())
    assert len(ids) == len(set(ids)), "an id used twice: a second error message would not be read"
    ids = set(ids)
    for name in ("id_numerator", "id_value", "id_commentary"):
        for described in input_attrs(response.content, name).get("aria-describedby", "").split():
            assert described in ids, f"{name} is described by {described}, which is not on the page"


def test_a_hint_set_after_the_form_is_built_is_linked(client, officer, service_area):
    rate = factories.IndicatorFactory(code="RATE 1", unit="rate_per_10k", responsible_officer=officer)
    client.force_login(officer)
    page = client.get(enter_url(rate))
    denominator = input_attrs(page.content, "id_denominator")
    assert denominator["aria-describedby"] == "id_denominator-hint"
    assert 'id="id_denominator-hint"' in page.content.decode()


def test_red_figure_needs_commentary_to_submit_but_is_saved(client, indicator, officer):
    client.force_login(officer)
    client.post(enter_url(indicator), form_data(value=50, action="submit"))
    ret = Return.objects.get()
    assert ret.state == State.DRAFT and ret.value == D("50")
    response = client.get(reverse("returns:detail", args=[ret.pk]))
    assert b"commentary is required when it is red" in response.content
    assert b"kpi-rag--red" in response.content and b"Red" in response.content


def test_stale_save_is_refused_with_the_current_figures(client, indicator, officer, draft):
    indicator.deputies.add(
        factories.user_with_role("Responsible officer", username="deputy", first_name="Dee", last_name="Puty")
    )
    client.force_login(officer)
    client.post(reverse("returns:detail", args=[draft.pk]), form_data(version=1, value=91))
    client.force_login(type(officer).objects.get(username="deputy"))
    response = client.post(reverse("returns:detail", args=[draft.pk]), form_data(version=1, value=70))
    assert response.status_code == 200
    assert b"changed by Olive Officer at" in response.content
    assert response.context["form"].initial["value"] == "91"
    draft.refresh_from_db()
    assert draft.value == D("91")


def test_replayed_approval_changes_nothing_and_says_why(client, submitted, director):
    client.force_login(director)
    version = submitted.version
    client.post(reverse("returns:approve", args=[submitted.pk]), {"approve-version": version})
    response = client.post(reverse("returns:approve", args=[submitted.pk]), {"approve-version": version}, follow=True)
    assert "already approved (by Dana Director" in " ".join(messages_of(response))
    assert ReturnEvent.objects.filter(kind="approved").count() == 1


def test_replayed_submit_after_send_back_and_resubmit_is_refused_as_changed(client, submitted, director, officer):
    client.force_login(director)
    seen = submitted.version
    client.post(
        reverse("returns:send_back", args=[submitted.pk]), {"send_back-comment": "x", "send_back-version": seen}
    )
    submitted.refresh_from_db()
    client.force_login(officer)
    client.post(reverse("returns:submit", args=[submitted.pk]), {"version": submitted.version})
    client.force_login(director)
    response = client.post(reverse("returns:approve", args=[submitted.pk]), {"approve-version": seen}, follow=True)
    assert "was changed by" in " ".join(messages_of(response))
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_the_corrector_of_a_submitted_return_is_asked_for_the_override(client, submitted, performance_user):
    client.force_login(performance_user)
    response = client.post(
        reverse("returns:correct", args=[submitted.pk]),
        {"version": submitted.version, "value": "94", "reason": "Double count"},
    )
    assert response.status_code == 302
    page = client.get(reverse("returns:detail", args=[submitted.pk])).content.decode()
    assert "You corrected this return" in page and "own_approval_override" in page
    response = client.post(
        reverse("returns:approve", args=[submitted.pk]), {"approve-version": submitted.version + 1}, follow=True
    )
    assert "You corrected CP 5 Nov-22: someone else must approve it (four-eyes rule)" in " ".join(messages_of(response))
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


@pytest.mark.parametrize(
    ("action", "fixture", "data"),
    [
        ("submit", "draft", {}),
        ("approve", "submitted", {}),
        ("send_back", "submitted", {"send_back-comment": "Check it"}),
        ("reopen", "approved", {"reopen-reason": "Late data"}),
    ],
)
def test_an_action_posted_without_the_version_seen_changes_nothing(
    client, request, officer, director, action, fixture, data
):
    """A crafted or truncated POST cannot skip the lost-update check: the pages always send the version."""
    ret = request.getfixturevalue(fixture)
    before = (ret.state, ret.version)
    client.force_login(officer if action == "submit" else director)
    response = client.post(reverse(f"returns:{action}", args=[ret.pk]), data, follow=True)
    assert "did not say which version of the figures you saw" in " ".join(messages_of(response))
    ret.refresh_from_db()
    assert (ret.state, ret.version) == before


def test_a_version_that_is_not_a_number_is_refused_not_a_server_error(client, draft, officer):
    """'²' passes str.isdigit() but int() refuses it: the action is refused with the message, not a 500."""
    client.force_login(officer)
    before = (draft.state, draft.version)
    response = client.post(reverse("returns:submit", args=[draft.pk]), {"version": "²"}, follow=True)
    assert response.status_code == 200
    assert "did not say which version of the figures you saw" in " ".join(messages_of(response))
    response = client.post(reverse("returns:submit_many"), {"returns": [f"{draft.pk}:²"]}, follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.state, draft.version) == before


def test_send_back_without_comment_shows_the_error_on_the_field(client, submitted, director):
    client.force_login(director)
    response = client.post(reverse("returns:send_back", args=[submitted.pk]), {"send_back-comment": ""})
    assert response.status_code == 200
    assert b'href="#id_send_back-comment"' in response.content
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED


def test_my_returns_lists_owned_and_deputised_with_due_and_overdue(client, indicator, officer, service_area):
    other = factories.IndicatorFactory(code="CP 9", service_area=service_area)
    other.deputies.add(officer)
    factories.IndicatorFactory(code="XX 1", service_area=service_area)  # not theirs
    factories.IndicatorFactory(code="RT 1", service_area=service_area, responsible_officer=officer, status="retired")
    client.force_login(officer)
    response = client.get(reverse("returns:mine"), {"period": "2022-11"})
    codes = [row.indicator.code for row in response.context["table"].data]
    assert sorted(codes) == ["CP 5", "CP 9"]
    assert b"Wed 7 Dec 2022" in response.content and b"Overdue" in response.content
    response = client.get(reverse("returns:mine"), {"period": "2022-11", "state": "draft"})
    assert list(response.context["table"].data) == []
    response = client.get(reverse("returns:mine"), {"period": "2022-11", "overdue": "yes"})
    assert len(response.context["table"].data) == 2


def test_my_returns_lists_drafts_and_sent_back_returns_of_other_months(
    client, indicator, officer, other_officer, service_area
):
    old = factories.ReturnFactory(
        indicator=indicator, period=date(2020, 3, 1), state=State.RETURNED, submitted_at=timezone.now()
    )
    # A draft never submitted whose month closed: the officer cannot finish it, so it is not offered.
    factories.ReturnFactory(indicator=indicator, period=date(2021, 1, 1), state=State.DRAFT)
    october = factories.ReturnFactory(indicator=indicator, period=date(2022, 10, 1), state=State.DRAFT)
    factories.ReturnFactory(indicator=indicator, period=NOV, state=State.DRAFT)  # the month shown
    factories.ReturnFactory(indicator=indicator, period=date(2022, 9, 1), state=State.SUBMITTED)
    factories.ReturnFactory(indicator=indicator, period=date(2022, 8, 1), state=State.APPROVED)
    theirs = factories.IndicatorFactory(code="X 1", service_area=service_area, responsible_officer=other_officer)
    factories.ReturnFactory(indicator=theirs, period=date(2022, 10, 1), state=State.DRAFT)
    client.force_login(officer)

    response = client.get(reverse("returns:mine"), {"period": "2022-11"})

    assert list(response.context["waiting"].data) == [october, old]
    page = response.content.decode()
    assert "Other months waiting for you" in page
    assert reverse("returns:detail", args=[old.pk]) in page and "Mar-20" in page and "Sent back" in page
    assert reverse("returns:detail", args=[october.pk]) in page and "Oct-22" in page
    october_page = client.get(reverse("returns:mine"), {"period": "2022-10"}).context["waiting"]
    assert [r.period for r in october_page.data] == [NOV, date(2020, 3, 1)]


def test_my_returns_without_work_in_other_months_has_no_such_section(client, indicator, officer, draft):
    client.force_login(officer)
    response = client.get(reverse("returns:mine"), {"period": "2022-11"})
    assert response.context["waiting"] is None
    assert "Other months waiting for you" not in response.content.decode()


def test_bulk_submit_is_all_or_nothing_with_a_message(client, officer, service_area):
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
    client.force_login(officer)
    response = client.post(reverse("returns:submit_many"), {"returns": [f"{good.pk}:1", f"{bad.pk}:1"]}, follow=True)
    assert "Nothing was changed" in " ".join(messages_of(response))
    assert set(Return.objects.values_list("state", flat=True)) == {"draft"}
    response = client.post(reverse("returns:submit_many"), {"returns": [f"{good.pk}:1"]}, follow=True)
    assert "1 return submitted for review" in " ".join(messages_of(response))


def test_bulk_approve_and_review_list_oldest_first(client, officer, director, service_area, other_service_area):
    rets = []
    for code in ("B 2", "B 1"):
        ind = factories.IndicatorFactory(code=code, responsible_officer=officer, service_area=service_area)
        ret = factories.ReturnFactory(indicator=ind, period=NOV, value=D("95"))
        rets.append(ret)
    elsewhere = factories.ReturnFactory(
        indicator=factories.IndicatorFactory(code="E 1", responsible_officer=officer, service_area=other_service_area),
        period=NOV,
        value=D("95"),
    )
    from returns import services

    for ret in [*rets, elsewhere]:
        services.return_submit(returns=[ret], by=officer)
    client.force_login(director)
    response = client.get(reverse("returns:review"))
    assert [row.indicator.code for row in response.context["table"].data] == ["B 2", "B 1"]
    response = client.post(
        reverse("returns:approve_many"), {"returns": [f"{r.pk}:{r.version + 1}" for r in rets]}, follow=True
    )
    assert "2 returns approved" in " ".join(messages_of(response))
    response = client.post(reverse("returns:approve_many"), {"returns": [f"{elsewhere.pk}:2"]}, follow=True)
    assert "Only the directors of Early help" in " ".join(messages_of(response))


def test_to_review_reads_a_month_written_as_a_label(client, submitted, director):
    client.force_login(director)
    for asked in ("Nov-22", "2022-11"):
        response = client.get(reverse("returns:review"), {"period": asked})
        assert not response.context["filter"].form.errors, asked
        assert [r.ret.pk for r in response.context["table"].data] == [submitted.pk]
    response = client.get(reverse("returns:review"), {"period": "Oct-22"})
    assert list(response.context["table"].data) == []


def test_completeness_counts_by_service_area_and_officer(
    client, performance_user, indicator, officer, service_area, draft
):
    factories.IndicatorFactory(code="CP 9", service_area=service_area, responsible_officer=officer)
    client.force_login(performance_user)
    response = client.get(reverse("returns:completeness"), {"period": "2022-11"})
    total = response.context["total"]
    assert (len(total.rows), total.not_started, total.in_progress, total.overdue) == (2, 1, 1, 2)
    assert b"Olive Officer" in response.content


def test_completeness_filters_by_state_and_overdue(client, performance_user, indicator, officer, service_area, draft):
    factories.IndicatorFactory(code="CP 9", service_area=service_area, responsible_officer=officer)
    sent = factories.IndicatorFactory(code="CP 10", service_area=service_area, responsible_officer=officer)
    factories.ReturnFactory(indicator=sent, period=NOV, state=State.SUBMITTED)
    client.force_login(performance_user)
    url = reverse("returns:completeness")

    def codes(**params):
        response = client.get(url, {"period": "2022-11", **params})
        assert response.status_code == 200
        return sorted(r.indicator.code for r in response.context["total"].rows)

    assert codes() == ["CP 10", "CP 5", "CP 9"]
    assert codes(state="not_started") == ["CP 9"]
    assert codes(state="draft") == ["CP 5"]
    assert codes(state="submitted") == ["CP 10"]
    assert codes(overdue="yes") == ["CP 5", "CP 9"]  # Nov-22 was due on 7 December
    assert codes(overdue="no") == ["CP 10"]
    assert codes(overdue="yes", state="draft") == ["CP 5"]


def test_a_month_older_than_the_list_is_shown_as_asked(client, performance_user, officer, indicator, director):
    old = factories.ReturnFactory(indicator=indicator, period=date(2019, 1, 1), state=State.SUBMITTED)
    client.force_login(performance_user)
    response = client.get(reverse("returns:completeness"), {"period": "2019-01"})
    assert response.status_code == 200
    assert response.context["period_label"] == "Jan-19"
    assert "Completeness for Jan-19" in response.content.decode()
    assert '<option value="2019-01" selected>Jan-19</option>' in response.content.decode()
    assert [r.ret for r in response.context["total"].rows] == [old]

    client.force_login(officer)
    assert client.get(reverse("returns:mine"), {"period": "Jan-19"}).context["period_label"] == "Jan-19"

    client.force_login(director)
    review = client.get(reverse("returns:review"), {"period": "2019-01"})
    assert [row.ret for row in review.context["table"].data] == [old]


@pytest.mark.parametrize(
    ("asked", "reason"),
    [("2030-01", "Jan-30 is in the future. Showing Nov-22."), ("soon", "“soon” is not a month")],
)
def test_a_month_that_cannot_be_shown_says_so(client, performance_user, asked, reason):
    client.force_login(performance_user)
    response = client.get(reverse("returns:completeness"), {"period": asked})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and 'href="#id_period"' in page and reason in page
    assert response.context["period_label"] == "Nov-22"
    assert "id_period-error" in input_attrs(response.content, "id_period")["aria-describedby"]

    review = client.get(reverse("returns:review"), {"period": asked}).content.decode()
    assert "There is a problem" in review and "Showing every month" in review


def test_exports(client, officer, indicator, draft):
    client.force_login(officer)
    response = client.get(reverse("returns:mine"), {"period": "2022-11", "_export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Code,Indicator,State")
    assert "CP 5" in text and "92" in text
    response = client.get(reverse("returns:mine"), {"period": "2022-11", "_export": "xlsx"})
    assert response.content[:2] == b"PK"


def test_director_sees_the_warnings_the_officer_confirmed(client, indicator, officer, director):
    from indicators import periods

    for months_back in range(1, 13):
        value = D("91") if months_back == 1 else D("90")
        factories.ReturnFactory(
            indicator=indicator, period=periods.add_months(NOV, -months_back), value=value, state=State.APPROVED
        )
    client.force_login(officer)
    client.post(enter_url(indicator), form_data(value=40, commentary="Data system outage", action="submit"))
    ret = Return.objects.get(period=NOV)
    assert ret.state == State.DRAFT  # warnings not confirmed
    client.post(
        reverse("returns:detail", args=[ret.pk]),
        form_data(
            version=ret.version, value=40, commentary="Data system outage", confirm_warnings="on", action="submit"
        ),
    )
    ret.refresh_from_db()
    assert ret.state == State.SUBMITTED
    client.force_login(director)
    page = client.get(reverse("returns:detail", args=[ret.pk]))
    assert b"The officer confirmed these warnings when submitting" in page.content
    assert b"3 standard deviations" in page.content


def _save(indicator, officer, entry, version):
    from returns import services

    policy.forget_cached_access(officer)
    saved = services.return_save_draft(indicator=indicator, period=NOV, entry=entry, version=version, by=officer)
    return saved.ret


def _submit_approve_reopen(ret, officer, director):
    from returns import services

    (ret,) = services.return_submit(returns=[ret], by=officer, confirm_warnings=True)
    (ret,) = services.return_approve(returns=[ret], by=director)
    return services.return_reopen(ret=ret, by=director, reason="Check the teams", version=ret.version)


def test_to_review_names_each_team_changed_since_the_last_approval(client, indicator, officer, director):
    from returns import services

    east, nwc, south = (factories.TeamFactory(name=n, position=p) for p, n in enumerate(("EAST", "NWC", "SOUTH")))
    teams = {east.pk: Point(None, D(45), D(50)), nwc.pk: Point(None, D(46), D(50))}
    ret = _save(indicator, officer, entry(commentary="c", teams=teams), 0)
    ret = _submit_approve_reopen(ret, officer, director)
    changed = {east.pk: Point(None, D(48), D(50)), south.pk: Point(None, D(47), D(50))}
    ret = _save(indicator, officer, entry(commentary="c", teams=changed), ret.version)
    services.return_submit(returns=[ret], by=officer, confirm_warnings=True)

    client.force_login(director)
    (row,) = client.get(reverse("returns:review")).context["table"].data
    assert "EAST value 90.0% → 96.0%" in row.since_approval
    assert "EAST numerator 45 → 48" in row.since_approval
    assert "NWC removed (was 92.0%)" in row.since_approval
    assert "SOUTH added: 94.0%" in row.since_approval
    page = client.get(reverse("returns:review")).content.decode()
    assert "NWC removed (was 92.0%)" in page


def test_a_correction_made_while_approved_counts_as_approved(client, indicator, officer, director, performance_user):
    from returns import services

    east = factories.TeamFactory(name="EAST")
    ret = _save(indicator, officer, entry(commentary="c", teams={east.pk: Point(None, D(45), D(50))}), 0)
    (ret,) = services.return_submit(returns=[ret], by=officer, confirm_warnings=True)
    (ret,) = services.return_approve(returns=[ret], by=director)
    corrected = entry(commentary="c", teams={east.pk: Point(None, D(47), D(50))})
    ret = services.return_correct(
        ret=ret, entry=corrected, by=performance_user, reason="Typo", version=ret.version, confirm_warnings=True
    ).ret
    ret = services.return_reopen(ret=ret, by=director, reason="Look again", version=ret.version)
    ret = _save(indicator, officer, entry(commentary="c2", teams={east.pk: Point(None, D(47), D(50))}), ret.version)
    services.return_submit(returns=[ret], by=officer, confirm_warnings=True)

    client.force_login(director)
    (row,) = client.get(reverse("returns:review")).context["table"].data
    assert row.since_approval == ["Commentary changed"]


def test_to_review_shows_a_changed_reason_for_not_available(client, indicator, officer, director):
    from returns import services

    ret = _save(indicator, officer, entry(not_available=True, not_available_reason="Server down"), 0)
    ret = _submit_approve_reopen(ret, officer, director)
    ret = _save(indicator, officer, entry(not_available=True, not_available_reason="Data migration"), ret.version)
    services.return_submit(returns=[ret], by=officer, confirm_warnings=True)

    client.force_login(director)
    (row,) = client.get(reverse("returns:review")).context["table"].data
    assert row.since_approval == ["Reason not available “Server down” → “Data migration”"]


def test_a_posted_version_longer_than_any_number_is_not_a_500(client, indicator, officer, director):
    # int() refuses more than 4,300 digits with a ValueError: the page must treat it as a stale or missing version.
    client.force_login(officer)
    client.post(enter_url(indicator), form_data(value=80, action="save"))
    ret = Return.objects.get()
    response = client.post(
        reverse("returns:detail", args=[ret.pk]), form_data(version="9" * 5000, value=80, action="submit")
    )
    assert response.status_code in (200, 302, 409)
    client.force_login(director)
    response = client.post(reverse("returns:review"), {"returns": [f"{ret.pk}:{'9' * 5000}"], "action": "approve"})
    assert response.status_code < 500
    ret.refresh_from_db()
    assert ret.state == State.DRAFT

"""Importing figures as approved history: long form and wide layout, derivations, re-imports, bad rows."""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.db import transaction

from benchmarks.models import Population
from indicators.imports.figures import figures_import
from indicators.models import Indicator
from kpiportal import imports
from kpiportal.imports import ImportRefused, ImportReport
from kpiportal.sheets import reader
from returns.imports import history, long_form, plan
from returns.imports.rows import FigureRow
from returns.models import Return, ReturnEvent, State, TeamFigure
from tests import factories
from tests.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["indicator_code", "period", "value", "numerator", "denominator", "team", "commentary"]
DEMO_DATA = Path(__file__).resolve().parents[2] / "indicators" / "demo_data"


def run(rows, by, *, commit=True, xlsx=False, bom=False, crlf=False):
    data = xlsx_bytes(rows) if xlsx else csv_bytes(rows, bom=bom, crlf=crlf)
    return figures_import(reader.read_bytes(data), by=by, commit=commit)


def errors_of(report):
    return [(e.row, e.column, e.reason) for e in report.sorted_errors]


@pytest.fixture
def teams(db):
    return factories.TeamFactory(name="EAST"), factories.TeamFactory(name="NWC")


@pytest.mark.parametrize(("xlsx", "bom", "crlf"), [(False, False, False), (False, True, True), (True, False, False)])
def test_figures_arrive_approved_attributed_to_the_importing_user(performance_user, indicator, xlsx, bom, crlf):
    rows = [
        HEADER,
        ["CP 5", "Sep-20", "48%", "", "", "", "Two conferences moved"],
        ["cp5", "2020-10", "", "30", "40", "", ""],
    ]
    report = run(rows, performance_user, xlsx=xlsx, bom=bom, crlf=crlf)
    assert report.ok, report.errors
    september = Return.objects.get(indicator=indicator, period=date(2020, 9, 1))
    assert september.state == State.APPROVED and september.value == D("48")
    assert september.commentary == "Two conferences moved"
    assert september.approved_by == performance_user and september.updated_by == performance_user
    october = Return.objects.get(period=date(2020, 10, 1))
    assert (october.value, october.numerator, october.denominator) == (D("75"), D("30"), D("40"))
    event = september.events.get()
    assert (event.kind, event.actor, event.to_state) == (ReturnEvent.Kind.IMPORTED, performance_user, State.APPROVED)
    assert september.history.get().history_user == performance_user
    assert report.summary() == ["figures: 2 created"]


def test_reimporting_counts_updates_and_keeps_history(performance_user, indicator):
    run([HEADER, ["CP 5", "Sep-20", "48", "", "", "", ""], ["CP 5", "Oct-20", "50", "", "", "", ""]], performance_user)
    report = run(
        [HEADER, ["CP 5", "Sep-20", "47", "", "", "", ""], ["CP 5", "Oct-20", "50", "", "", "", ""]], performance_user
    )
    assert report.summary() == ["figures: 1 updated, 1 unchanged"]
    assert report.changes[0].details == "value 48 → 47"
    september = Return.objects.get(period=date(2020, 9, 1))
    assert september.value == D("47") and september.version == 2
    assert september.history.count() == 2
    assert [e.kind for e in september.events.all()] == ["imported", "imported"]
    assert Return.objects.count() == 2
    again = run([HEADER, ["CP 5", "Sep-20", "47", "", "", "", ""]], performance_user)
    assert again.summary() == ["figures: 1 unchanged"] and september.history.count() == 2


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.RETURNED])
def test_a_return_in_the_workflow_is_not_overwritten(performance_user, indicator, state):
    factories.ReturnFactory(indicator=indicator, period=date(2020, 9, 1), value=D("40"), state=state)
    report = run([HEADER, ["CP 5", "Sep-20", "48", "", "", "", ""]], performance_user)
    assert errors_of(report) == [
        (
            2,
            "period",
            f"CP 5 Sep-20 has a {state.label.lower()} return in the approval workflow; the import does not "
            "overwrite it: approve, send back or clear it first",
        )
    ]
    assert Return.objects.get().value == D("40")


def _meanwhile(monkeypatch, act):
    """Run `act` after the file is checked and before it is written (an officer or director at work)."""
    original = long_form.plan_figures

    def plan_then_act(*args, **kwargs):
        plan = original(*args, **kwargs)
        act()
        return plan

    monkeypatch.setattr(long_form, "plan_figures", plan_then_act)


def test_a_return_reopened_while_the_file_is_checked_is_not_overwritten(
    monkeypatch, performance_user, director, indicator
):
    from returns import services

    run([HEADER, ["CP 5", "Sep-20", "48", "", "", "", ""], ["CP 5", "Oct-20", "50", "", "", "", ""]], performance_user)
    september = Return.objects.get(period=date(2020, 9, 1))
    _meanwhile(monkeypatch, lambda: services.return_reopen(ret=september, by=director, reason="Late cases"))
    report = run(
        [HEADER, ["CP 5", "Sep-20", "47", "", "", "", ""], ["CP 5", "Nov-20", "52", "", "", "", ""]], performance_user
    )
    assert not report.written
    assert errors_of(report) == [
        (
            2,
            "period",
            "CP 5 Sep-20 was reopened (it is now draft) since the file was checked; nothing was imported: "
            "import the file again to see the figures as they are now",
        )
    ]
    september.refresh_from_db()
    assert (september.state, september.value) == (State.DRAFT, D("48"))
    assert not Return.objects.filter(period=date(2020, 11, 1)).exists()


def test_a_return_started_while_the_file_is_checked_is_not_overwritten(monkeypatch, performance_user, indicator):
    nov = date(2020, 11, 1)
    _meanwhile(
        monkeypatch, lambda: factories.ReturnFactory(indicator=indicator, period=nov, value=D("51"), state=State.DRAFT)
    )
    report = run([HEADER, ["CP 5", "Nov-20", "52", "", "", "", ""]], performance_user)
    assert [e[2] for e in errors_of(report)] == [
        "CP 5 Nov-20 was started by someone since the file was checked; nothing was imported: "
        "import the file again to see the figures as they are now"
    ]
    draft = Return.objects.get(period=nov)
    assert (draft.state, draft.value) == (State.DRAFT, D("51"))


def test_team_rows_make_the_whole_and_unknown_teams_are_refused(performance_user, indicator, teams):
    rows = [
        HEADER,
        ["CP 5", "Sep-20", "", "9", "10", "EAST", ""],
        ["CP 5", "Sep-20", "", "3", "10", "nwc", ""],
    ]
    report = run(rows, performance_user)
    assert report.ok, report.errors
    ret = Return.objects.get()
    assert (ret.value, ret.numerator, ret.denominator) == (D("60"), D("12"), D("20"))
    assert {f.team.name: f.value for f in ret.team_figures.all()} == {"EAST": D("90"), "NWC": D("30")}
    report = run([HEADER, ["CP 5", "Oct-20", "50", "", "", "SOUTH", ""]], performance_user)
    assert errors_of(report) == [
        (2, "team", "'SOUTH' is not a team the portal knows (teams are added by the populations import)")
    ]
    assert not Return.objects.filter(period=date(2020, 10, 1)).exists()


def test_a_whole_that_disagrees_with_its_teams_is_a_warning(performance_user, teams):
    factories.IndicatorFactory(code="MC 8", unit="count", aggregation="sum", polarity="lower")
    rows = [
        HEADER,
        ["MC 8", "Sep-20", "171", "", "", "", ""],
        ["MC 8", "Sep-20", "100", "", "", "EAST", ""],
        ["MC 8", "Sep-20", "60", "", "", "NWC", ""],
    ]
    report = run(rows, performance_user)
    assert report.ok and report.warnings[0].reason.startswith("The teams add up to 160, not 171")
    assert TeamFigure.objects.count() == 2


def test_rates_take_the_population_for_the_latest_year_not_after_the_period(performance_user, teams):
    factories.IndicatorFactory(code="CIN 3", unit="rate_per_10k", aggregation="latest")
    Population.objects.create(team=None, year=2018, population=40000)
    Population.objects.create(team=None, year=2019, population=43000)
    Population.objects.create(team=None, year=2021, population=50000)
    report = run([HEADER, ["CIN 3", "Sep-20", "", "301", "", "", ""]], performance_user)
    assert report.ok, report.errors
    ret = Return.objects.get()
    assert ret.denominator == D("43000") and ret.value == D("70.000000")
    report = run([HEADER, ["CIN 3", "Sep-20", "", "30", "", "EAST", ""]], performance_user)
    assert errors_of(report)[0][:2] == (2, "denominator")
    assert "No 0–17 population is recorded for EAST for this period" in report.errors[0].reason


def test_not_available_with_its_reason(performance_user, indicator):
    report = run([HEADER, ["CP 5", "Aug-20", "NA", "", "", "", "No audits in August"]], performance_user)
    assert report.ok
    ret = Return.objects.get()
    assert ret.not_available and ret.value is None and ret.not_available_reason == "No audits in August"


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (["XX 9", "Sep-20", "48"], "indicator_code", "'XX 9' is not an indicator in the catalogue"),
        (["CP 5", "Smarch-20", "48"], "period", "'Smarch-20' is not a month (expected e.g. Nov-22 or 2022-11)"),
        (["CP 5", "2099-01", "48"], "period", "Jan-99 is in the future"),
        (["CP 5", "Sep-20", "forty"], "value", "'forty' is not a number"),
        (["CP 5", "Sep-20", "148"], "value", "A percentage must be between 0 and 100 (got 148)"),
        (
            ["CP 5", "Sep-20", "", "50", "40"],
            "numerator",
            "The numerator (50) cannot be more than the denominator (40)",
        ),
        (["CP 5", "Sep-20", "", "5", "0"], "denominator", "The denominator must be greater than 0"),
        (["CP 5", "Sep-20", ""], "value", "Enter a value, or numerator and denominator, or mark it not available"),
    ],
)
def test_each_bad_row_names_its_column_and_reason(performance_user, indicator, cells, column, reason):
    row = cells + [""] * (len(HEADER) - len(cells))
    report = run([HEADER, ["CP 5", "Jan-20", "50", "", "", "", ""], row], performance_user)
    assert (3, column, reason) in errors_of(report)
    assert not Return.objects.exists()  # the good row was not written either


def test_duplicate_rows_and_header_problems(performance_user, indicator):
    report = run(
        [HEADER, ["CP 5", "Sep-20", "48", "", "", "", ""], ["CP 5", "2020-09", "49", "", "", "", ""]], performance_user
    )
    assert errors_of(report) == [(3, "period", "CP 5 Sep-20 is also on row 2")]
    report = run([["indicator_code", "period", "figure", "colour"], ["CP 5", "Sep-20", "48", "red"]], performance_user)
    assert errors_of(report)[0][:2] == (1, "colour")
    report = run([["indicator_code", "value"], ["CP 5", "48"]], performance_user)
    assert errors_of(report) == [(1, "period", "the required column 'period' is missing")]


def test_the_wide_layout_is_recognised(performance_user):
    for initials in ("CS", "IL", "RB", "DW", "HD", "RC", "MM", "NP", "SH"):
        factories.UserFactory(username=initials.lower(), initials=initials)
    table = reader.read_path(DEMO_DATA / "scorecard-2019-2021-monthly.txt")
    report = figures_import(table, by=performance_user, commit=True, create_indicators=True)
    assert report.ok, report.sorted_errors[:3]
    assert report.layout == "wide"
    assert report.summary() == [
        "themes: 1 created",
        "service areas: 1 created",
        "indicators: 32 created",
        "targets: 25 created",
        "figures: 576 created",
    ]
    cp5 = Indicator.objects.get(code="CP 5")
    assert cp5.responsible_officer.username == "dw" and cp5.polarity == "higher"
    assert Return.objects.get(indicator=cp5, period=date(2020, 9, 1)).value == D("48")
    assert cp5.targets.get(financial_year=2020).target == D("77")
    assert any("Stats Nbr Average 2018-19" in note for note in report.notes)


def test_the_wide_layout_refuses_unknown_officers_and_unknown_indicators_unless_asked(performance_user):
    rows = [["Performance Measure", "RO", "Apr-20"], ["Referrals received", "ZZ", "208"]]
    report = run(rows, performance_user)
    assert report.layout == "wide"
    assert errors_of(report) == [
        (
            2,
            "Performance Measure",
            "'Referrals received' is not in the catalogue: import the indicator first, or tick 'Create the "
            "indicators the catalogue does not have' (--create-indicators on the command line) to create it",
        )
    ]
    factories.IndicatorFactory(code="FDB 5", title="Referrals received", unit="count")
    report = run(rows, performance_user)
    assert errors_of(report) == [
        (2, "RO", "'ZZ' is not a user of the portal (give a username, email or initials of an existing user)")
    ]


def test_a_file_that_is_not_a_spreadsheet_is_refused_whatever_its_name(performance_user):
    report = imports.run_file("figures", b"%PDF-1.4 not a table", by=performance_user, commit=True)
    assert not report.ok and "PDF" in report.errors[0].reason


def test_an_import_asks_for_the_scorecard_to_be_recomputed(
    performance_user, indicator, django_capture_on_commit_callbacks
):
    from indicators.models import ScorecardEntry

    with django_capture_on_commit_callbacks(execute=True):
        report = run([HEADER, ["CP 5", "Sep-22", "88", "", "", "", ""]], performance_user)
    assert report.ok
    entry = ScorecardEntry.objects.get(indicator=indicator, period=date(2022, 9, 1), team=None)
    assert entry.value == D("88") and entry.rag == "amber"  # target 90, 5% relative tolerance: amber from 85.5


def test_team_rows_in_a_reimport_replace_the_stored_ones(performance_user, indicator, teams):
    rows = [HEADER, ["CP 5", "Sep-20", "", "9", "10", "EAST", ""], ["CP 5", "Sep-20", "", "3", "10", "NWC", ""]]
    run(rows, performance_user)
    report = run([HEADER, ["CP 5", "Sep-20", "", "8", "10", "EAST", ""]], performance_user)
    assert report.ok, report.errors
    details = report.changes[0].details
    assert "team EAST 90 → 80" in details and "team row NWC removed" in details
    ret = Return.objects.get()
    assert ret.value == D("80") and ret.version == 2
    assert {f.team.name: f.value for f in ret.team_figures.all()} == {"EAST": D("80")}
    assert TeamFigure.history.filter(history_type="-").count() == 1


def test_a_return_started_in_the_same_instant_as_the_write_is_reported_not_raised(
    monkeypatch, performance_user, indicator
):
    """The check under lock cannot see a row inserted after it: the unique (indicator, period) catches that one."""
    nov = date(2020, 11, 1)
    monkeypatch.setattr(history, "_lock_planned_returns", lambda plan: None)
    _meanwhile(
        monkeypatch, lambda: factories.ReturnFactory(indicator=indicator, period=nov, value=D("51"), state=State.DRAFT)
    )
    report = run([HEADER, ["CP 5", "Nov-20", "52", "", "", "", ""]], performance_user)
    assert not report.written
    assert [e[2] for e in errors_of(report)] == [
        "A return in the file was started by someone while the file was being written; nothing was imported: "
        "import the file again"
    ]
    assert Return.objects.get(period=nov).value == D("51")


def test_writing_approved_history_is_for_the_performance_team_only(performance_user, director, officer, indicator):
    """The one path besides the transitions that creates approved returns checks who asks, not only the importer."""
    rows = [
        FigureRow(row=2, indicator=indicator, period=date(2020, 11, 1), team=None, value=D("52")),
    ]
    report = ImportReport("figures")
    checked = plan.plan_figures(rows, report=report)
    assert report.ok and len(checked.changes) == 1
    for not_allowed in (director, officer):
        with pytest.raises(ImportRefused):
            history.write_approved_history(checked, by=not_allowed, comment="Imported")
    assert not Return.objects.exists()
    with transaction.atomic():
        history.write_approved_history(checked, by=performance_user, comment="Imported")
    ret = Return.objects.get()
    assert ret.state == State.APPROVED and ret.approved_by == performance_user
    assert ret.events.get().kind == ReturnEvent.Kind.IMPORTED

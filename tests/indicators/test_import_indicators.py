"""Importing indicators and targets (long form): every column, every bad input, all or nothing."""

from decimal import Decimal as D

import pytest

from indicators.imports.catalogue import indicators_import
from indicators.models import Indicator, ServiceArea, Target, Theme
from kpiportal.imports import ImportRefused
from kpiportal.sheets import reader
from tests import factories
from tests.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = [
    "code",
    "title",
    "definition",
    "theme",
    "service_area",
    "polarity",
    "unit",
    "decimals",
    "frequency",
    "measure",
    "aggregation",
    "is_key",
    "status",
    "responsible_officer",
    "financial_year",
    "target",
    "tolerance",
    "tolerance_kind",
    "dot_threshold",
]


def run(rows, by, *, commit=True, xlsx=False):
    data = xlsx_bytes(rows) if xlsx else csv_bytes(rows)
    return indicators_import(reader.read_bytes(data), by=by, commit=commit)


def errors_of(report):
    return [(e.row, e.column, e.reason) for e in report.sorted_errors]


CP5 = [
    "CP 5",
    "ICPCs within 15 working days",
    "Conferences held in time.",
    "Response to Risk",
    "Children's Social Care",
    "BIB",
    "%",
    "1",
    "monthly",
    "in month",
    "ratio",
    "yes",
    "active",
    "officer",
    "2020/21",
    "77%",
    "5",
    "absolute",
    "",
]


@pytest.mark.parametrize("xlsx", [False, True])
def test_a_new_indicator_with_targets_for_two_years(performance_user, officer, xlsx):
    rows = [HEADER, CP5, ["cp5", "", "", "", "", "", "", "", "", "", "", "", "", "", "2021", "80", "3", "", "0.5"]]
    report = run(rows, performance_user, xlsx=xlsx)
    assert report.ok, report.errors
    indicator = Indicator.objects.get(code="CP 5")
    assert (indicator.title, indicator.polarity, indicator.unit, indicator.decimals) == (
        "ICPCs within 15 working days",
        "higher",
        "percent",
        1,
    )
    assert (indicator.aggregation, indicator.measure, indicator.is_key) == ("ratio", "in_month", True)
    assert indicator.theme.name == "Response to Risk" and indicator.service_area.name == "Children's Social Care"
    assert indicator.responsible_officer == officer
    targets = {t.financial_year: t for t in indicator.targets.all()}
    assert targets[2020].target == D("77") and targets[2020].tolerance == D("5")
    assert targets[2021].target == D("80") and targets[2021].dot_threshold == D("0.5")
    assert report.summary() == [
        "themes: 1 created",
        "service areas: 1 created",
        "indicators: 1 created",
        "targets: 2 created",
    ]
    # The history records who imported it.
    assert indicator.history.first().history_user == performance_user


def test_blank_cells_leave_an_existing_indicator_as_it_is_and_changes_are_listed(performance_user, indicator):
    rows = [["code", "title", "polarity", "definition"], ["CP 5", "", "SIB", ""]]
    report = run(rows, performance_user)
    indicator.refresh_from_db()
    assert indicator.polarity == "lower" and indicator.title == "Percentage of ICPCs held within 15 working days"
    assert indicator.definition == "How the figure is counted."
    change = report.changes[0]
    assert (change.action, change.key, change.details) == ("updated", "CP 5", "polarity higher → lower")


def test_importing_the_same_file_twice_changes_nothing(performance_user, officer):
    rows = [HEADER, CP5]
    run(rows, performance_user)
    counts = (Indicator.history.count(), Target.history.count())
    report = run(rows, performance_user)
    assert report.summary() == ["indicators: 1 unchanged", "targets: 1 unchanged"]
    assert (Indicator.history.count(), Target.history.count()) == counts


def test_a_preview_writes_nothing(performance_user, officer):
    report = run([HEADER, CP5], performance_user, commit=False)
    assert report.ok and not report.written
    assert report.count("indicator", "created") == 1
    assert not Indicator.objects.exists() and not Theme.objects.exists()


def test_unknown_and_missing_columns_are_named(performance_user):
    report = run([["title", "colour", "polarity"], ["x", "red", "BIB"]], performance_user)
    assert [(e.column, e.reason.split(";")[0]) for e in report.sorted_errors] == [
        ("code", "the required column 'code' is missing"),
        ("colour", "unknown column 'colour'"),
    ]


@pytest.mark.parametrize(
    ("column", "text", "reason"),
    [
        ("polarity", "sideways", "'sideways' is not a polarity the portal knows"),
        ("unit", "furlongs", "'furlongs' is not a unit the portal knows"),
        ("aggregation", "median", "'median' is not an aggregation the portal knows"),
        ("target", "high", "the target 'high' is not a number"),
        ("tolerance", "lots", "'lots' is not a number"),
        ("responsible_officer", "ZZ", "'ZZ' is not a user of the portal"),
        ("decimals", "1.5", "'1.5' is not a whole number"),
        ("financial_year", "2020/22", "'2020/22' is not a financial year"),
        ("is_key", "maybe", "'maybe' is not yes or no"),
    ],
)
def test_each_bad_cell_names_its_row_column_and_reason(performance_user, officer, column, text, reason):
    bad = list(CP5)
    bad[HEADER.index(column)] = text
    report = run([HEADER, bad], performance_user)
    assert len(report.errors) == 1, report.errors
    error = report.errors[0]
    assert (error.row, error.column) == (2, column)
    assert error.reason.startswith(reason)
    assert not Indicator.objects.exists()


def test_duplicate_codes_and_conflicting_rows(performance_user, officer):
    second = list(CP5)
    second[1] = "Another title"
    report = run([HEADER, CP5, second], performance_user)
    reasons = [e.reason for e in report.errors]
    assert "duplicate code 'CP 5' for 2020/21 (also on row 2)" in reasons
    report = run([HEADER[:2], ["CP 5", "One"], ["CP  5", "Two"]], performance_user)
    assert "duplicate code 'CP  5' without a financial year (also on row 2)" in [e.reason for e in report.errors]
    other_year = [*CP5[:14], "2021/22", "80", "", "", ""]
    other_year[1] = "A different title"
    report = run([HEADER, CP5, other_year], performance_user)
    assert (
        report.errors[0].row == 3 and "differs from 'ICPCs within 15 working days' on row 2" in report.errors[0].reason
    )


def test_a_new_indicator_needs_title_theme_and_service_area(performance_user):
    report = run([["code", "title"], ["NEW 1", "Something"]], performance_user)
    assert errors_of(report) == [(2, "theme", "'NEW 1' is a new indicator: give its theme, service area")]


def test_a_target_needs_its_financial_year(performance_user, indicator):
    report = run([["code", "target"], ["CP 5", "90"]], performance_user)
    assert errors_of(report) == [(2, "financial_year", "give the financial year (e.g. 2022/23) the target is for")]


def test_na_target_clears_it_and_percent_tolerances_are_points(performance_user, indicator):
    report = run(
        [["code", "financial_year", "target", "tolerance"], ["CP 5", "2022/23", "NA", "2.5%"]], performance_user
    )
    assert report.ok
    target = indicator.targets.get(financial_year=2022)
    assert target.target is None and target.tolerance == D("2.5") and target.tolerance_kind == "absolute"


def test_all_or_nothing_one_bad_row_and_nothing_is_written(performance_user, officer):
    bad = list(CP5)
    bad[0] = "CP 6"
    bad[HEADER.index("polarity")] = "upwards-ish"
    report = run([HEADER, CP5, bad], performance_user)
    assert not report.ok and not report.written
    assert not Indicator.objects.exists() and not ServiceArea.objects.exists()


def test_deputies_by_username_email_or_initials(performance_user, officer, other_officer):
    factories.IndicatorFactory(code="CP 5")
    report = run([["code", "deputies"], ["CP 5", "OO; officer2@council.example"]], performance_user)
    assert report.ok
    assert set(Indicator.objects.get(code="CP 5").deputies.all()) == {officer, other_officer}


@pytest.mark.parametrize("role_fixture", ["director", "officer", "viewer"])
def test_only_the_performance_team_imports(request, role_fixture):
    with pytest.raises(ImportRefused):
        run([HEADER, CP5], request.getfixturevalue(role_fixture))

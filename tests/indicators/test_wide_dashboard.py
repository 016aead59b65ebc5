"""A council's thematic dashboard in the wide layout: `Measure` column, themes beside their first measure, repeated
header blocks, rows shifted against their headings, printed derived columns, quarter and annual columns."""

from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from indicators.imports import wide, wide_checks, wide_headings
from indicators.imports.figures import figures_import
from indicators.models import Target
from kpiportal.sheets import reader
from returns.models import Return
from tests import factories
from tests.files import csv_bytes

EH_ASSESSMENTS = "Percentage of Early Help assessments completed within 45 days"
EH_FAMILIES = "Number of families supported by Early Help"
EH_REREFERRALS = "Percentage of re-referrals to Early Help within 12 months"
CIN_REVIEWS = "Percentage of CIN cases with a plan reviewed on time"
CLA_NUMBER = "Number of children looked after"
CARE_LEAVERS = "Percentage of care leavers in suitable accommodation"
HEALTH = "Percentage of looked after children with an up to date health assessment"
DECISIONS = "Percentage of referrals with a decision within 24 hours"

HEADER = [
    "",
    "Measure",
    "Polarity",
    "RO",
    "Sep-22",
    "Oct-22",
    "Nov-22",
    "Target",
    "Change Since Last Month",
    "Distance from target",
    "Tolerance Threshold",
    "D.o.T.",
    "Performance group",
    "Full quarter",
    "Annual return",
]


def dashboard(*, refused_row=False, misread_row=False, wrong_distance=False) -> list[list[str]]:
    """The dashboard as the council keeps it (rows numbered from 1 in the comments)."""
    rows = [
        ["Children's Services Performance Dashboard - November 2022"],  # 1
        HEADER,  # 2
        # 3: the theme beside the first measure of the theme
        [
            *["Early Help", EH_ASSESSMENTS, "Higher is better", "JS", "78.0%", "79.5%", "81.2%", "80%"],
            *["+1.7", "-2.4" if wrong_distance else "1.2", "76.0", "↑ improving", "Group 1", "79.0%", "77.4%"],
        ],
        # 4
        ["", EH_FAMILIES, "BIB", "JS", "412", "430", "445", "420", "15", "25", "400", "↑", "Group 2", "1,290", "5,012"],
        # 5: one column to the right of its headings
        [
            *["", "", EH_REREFERRALS, "SIB", "JS", "15.1%", "14.2%", "13.9%", "15%"],
            *["-0.3", "-1.1", "16.5", "↓ improving", "Group 1", "14.5%", "16.0%"],
        ],
        ["Children in Need"],  # 6: a theme on its own row
        # 7
        ["", CIN_REVIEWS, "↑ Higher is better", "AB", "88%", "90%", "91%", "95%", "1", "-4", "90", "↑", "Group 3"],
    ]
    if misread_row:
        # 8: from Sep-22 on, one column to the right (the months read as if Sep were blank, Nov's value as the
        # target); nothing lands under a heading it does not fit, so only the printed columns show it.
        rows.append(["", DECISIONS, "BIB", "JS", "", "26.5%", "27.1%", "27.6%", "80%", "0.5", "-52.4"])
    rows += [
        HEADER,  # the header repeated for the second block
        # the theme beside its first measure, the whole row one column to the right
        ["", "Children Looked After", CLA_NUMBER, "No judgement", "AB", "301", "305", "298", "", "-7", "", "", "↓"],
        ["Care Leavers", CARE_LEAVERS, "BIB", "AB", "84%", "86%", "87%", "90%", "1", "-3", "85", "→ no change"],
    ]
    if refused_row:
        # polarity and RO swapped as well as shifted: no move fits it
        rows.append(["", "", HEALTH, "AB", "BIB", "90%", "91%", "92%", "95%", "1", "-3", "90", "↑"])
    rows += [
        ["Source: case management system, extracted 5 December 2022."],
    ]
    return rows


def parse(rows):
    return wide.parse(reader.read_bytes(csv_bytes(rows)))


def by_title(sheet):
    return {row.title: row for row in sheet.rows}


def row_number(rows, title):
    return next(n for n, cells in enumerate(rows, start=1) if title in cells)


def test_every_row_of_the_measure_dashboard_is_read_with_its_values_and_theme():
    rows = dashboard()
    sheet = parse(rows)
    assert sheet.errors == []
    read = by_title(sheet)
    assert set(read) == {EH_ASSESSMENTS, EH_FAMILIES, EH_REREFERRALS, CIN_REVIEWS, CLA_NUMBER, CARE_LEAVERS}
    sections = {title: row.section for title, row in read.items()}
    assert sections == {
        EH_ASSESSMENTS: "Early Help",
        EH_FAMILIES: "Early Help",
        EH_REREFERRALS: "Early Help",
        CIN_REVIEWS: "Children in Need",
        CLA_NUMBER: "Children Looked After",
        CARE_LEAVERS: "Care Leavers",
    }
    months = [date(2022, 9, 1), date(2022, 10, 1), date(2022, 11, 1)]
    expected = {
        EH_ASSESSMENTS: ("higher", "JS", ["78.0", "79.5", "81.2"], D("80")),
        EH_FAMILIES: ("higher", "JS", ["412", "430", "445"], D("420")),
        EH_REREFERRALS: ("lower", "JS", ["15.1", "14.2", "13.9"], D("15")),
        CIN_REVIEWS: ("higher", "AB", ["88", "90", "91"], D("95")),
        CLA_NUMBER: ("neutral", "AB", ["301", "305", "298"], None),
        CARE_LEAVERS: ("higher", "AB", ["84", "86", "87"], D("90")),
    }
    for title, (polarity, ro, values, target) in expected.items():
        row = read[title]
        assert row.fields["polarity"] == polarity, title
        assert row.responsible_officer == ro, title
        assert [(f.period, f.value) for f in row.figures] == list(zip(months, map(D, values), strict=True)), title
        assert [(t.year, t.value) for t in row.targets] == ([(2022, target)] if target is not None else []), title
        assert "theme" not in row.fields  # the theme column starts sections; it is not each row's theme
    # The printed derived columns are kept on the row (checked, not imported).
    printed = {kind: cell.text for kind, cell in read[EH_ASSESSMENTS].printed.items()}
    assert printed == {
        "change": "+1.7",
        "distance": "1.2",
        "threshold": "76.0",
        "dot": "↑ improving",
        "group": "Group 1",
    }
    assert read[EH_ASSESSMENTS].printed["distance"].column == "Distance from target"


def test_rows_shifted_against_their_headings_are_moved_back_with_a_note_naming_them():
    rows = dashboard()
    sheet = parse(rows)
    shifted = [row_number(rows, EH_REREFERRALS), row_number(rows, CLA_NUMBER)]
    for number in shifted:
        assert any(n.startswith(f"Row {number} is 1 column to the right of its headings") for n in sheet.notes)
        assert sheet.row_roles[number] == wide.ROLE_INDICATOR
    assert sum("to the right of its headings" in n for n in sheet.notes) == 2
    # Each block's reading is kept for the preview: the unheaded column A is the theme, B the titles.
    assert len(sheet.readings) == 2
    kinds = {c.letter: c.kind for c in sheet.readings[0].columns}
    assert kinds["A"] == wide_headings.THEME and kinds["B"] == wide_headings.TITLE
    assert kinds["E"] == wide_headings.MONTH and kinds["L"] == wide_headings.DOT


def test_a_row_that_cannot_be_realigned_is_refused_with_its_number_and_nothing_is_dropped_silently():
    rows = dashboard(refused_row=True)
    sheet = parse(rows)
    number = row_number(rows, HEALTH)
    errors = [e for e in sheet.errors if e.row == number]
    assert len(errors) == 1
    assert str(errors[0]).startswith(
        f"Row {number}: the cells do not line up with the headings ('Percentage of looked after children with' "
        "is under 'Polarity'; 'BIB' is under 'Sep-22'"
    )
    assert str(errors[0]).endswith("no move of one or two columns makes every cell fit its heading: check the row")
    assert HEALTH not in by_title(sheet)
    # Every row with text is read as something the preview can show, and rows not imported are listed.
    for n, cells in enumerate(rows, start=1):
        if any(cells):
            assert n in sheet.row_roles, n
    assert sheet.row_roles[1] == wide.ROLE_NOTE and sheet.row_roles[number] == wide.ROLE_IGNORED
    source = row_number(rows, "Source: case management system, extracted 5 December 2022.")
    assert sheet.row_roles[source] == wide.ROLE_NOTE
    assert any(n.startswith(f"Ignored row {source}: 'Source:") for n in sheet.notes)
    assert any(n.startswith("Ignored 1 line before the header: 'Children's Services") for n in sheet.notes)


@pytest.mark.parametrize("heading", ["Indicator", "KPI", "PI", "Description", "Performance Measure", ""])
def test_the_indicator_column_is_found_by_what_it_holds(heading):
    rows = [
        [heading, "Polarity", "Oct-22", "Nov-22", "Target"],
        [EH_ASSESSMENTS, "BIB", "79.5%", "81.2%", "80%"],
        [EH_FAMILIES, "BIB", "430", "445", "420"],
    ]
    table = reader.read_bytes(csv_bytes(rows))
    assert wide_headings.looks_wide(table)
    sheet = wide.parse(table)
    assert sheet.errors == []
    assert [(r.code, r.title, [f.value for f in r.figures]) for r in sheet.rows] == [
        ("", EH_ASSESSMENTS, [D("79.5"), D("81.2")]),
        ("", EH_FAMILIES, [D("430"), D("445")]),
    ]


def test_quarter_and_annual_columns_are_read_as_period_figures():
    sheet = parse(dashboard())
    row = by_title(sheet)[EH_ASSESSMENTS]
    # Nov-22 is the latest month: the full quarter is Jul-Sep 2022, the annual return 2021/22.
    assert [(f.kind, f.period, f.value, f.column) for f in row.period_figures] == [
        ("quarter", date(2022, 7, 1), D("79.0"), "Full quarter"),
        ("annual", date(2021, 4, 1), D("77.4"), "Annual return"),
    ]
    table = reader.read_bytes(
        csv_bytes(
            [
                ["Measure", "Jan-21", "Q3 2020/21", "2019/20"],
                [EH_FAMILIES, "12", "40", "150"],
            ]
        )
    )
    named = wide.parse(table).rows[0]
    assert [(f.kind, f.period, f.value) for f in named.period_figures] == [
        ("quarter", date(2020, 10, 1), D("40")),
        ("annual", date(2019, 4, 1), D("150")),
    ]


# --- The check of the reading against the printed columns ----------------------------------------


def test_the_printed_columns_agree_with_a_good_reading_and_name_a_misread_row():
    rule = wide_checks.CheckRule(
        target=D("80"), tolerance=D("5"), tolerance_kind="relative", polarity="higher", unit="percent"
    )
    good = by_title(parse(dashboard()))[EH_ASSESSMENTS]
    assert wide_checks.check_row(good, rule) == []
    rows = dashboard(wrong_distance=True)
    bad = by_title(parse(rows))[EH_ASSESSMENTS]
    assert wide_checks.check_row(bad, rule) == [
        wide_checks.Disagreement(
            row_number(rows, EH_ASSESSMENTS),
            "Distance from target",
            "the file prints -2.4, the figures read give 1.2 — check this row is read from the right columns",
        )
    ]
    # A direction of travel the other way from the figures is named too; a smaller move than the portal's
    # threshold printed as a move is the file's own threshold, not a misreading.
    assert wide_checks.printed_direction("↓ worsening") == ("down", False)
    assert wide_checks.printed_direction("→ no change") == ("flat", None)


def test_ytd_printed_for_the_latest_year_is_checked_by_the_aggregation():
    rows = [
        ["Measure", "Polarity", "Oct-22", "Nov-22", "YTD"],
        [EH_FAMILIES, "BIB", "430", "445", "875"],
        [CLA_NUMBER, "BIB", "301", "298", "700"],
    ]
    sheet = parse(rows)
    read = by_title(sheet)
    rule = wide_checks.CheckRule(aggregation="sum", unit="count")
    assert wide_checks.check_row(read[EH_FAMILIES], rule) == []
    [found] = wide_checks.check_row(read[CLA_NUMBER], rule)
    assert (found.row, found.column) == (3, "YTD")
    assert found.reason.startswith("the file prints 700, the figures read give 599")


# --- Through the import -------------------------------------------------------------------------


@pytest.fixture
def catalogue(db, service_area):
    for initials in ("JS", "AB"):
        factories.UserFactory(username=initials.lower(), initials=initials)
    made = {}
    specs = [
        ("EH 1", EH_ASSESSMENTS, "percent", "higher", D("80"), D("5"), "relative", "monthly"),
        ("EH 2", EH_FAMILIES, "count", "higher", D("420"), D("20"), "absolute", "monthly"),
        ("EH 3", EH_REREFERRALS, "percent", "lower", D("15"), D("10"), "relative", "monthly"),
        ("CIN 1", CIN_REVIEWS, "percent", "higher", D("95"), D("5"), "absolute", "monthly"),
        ("CLA 1", CLA_NUMBER, "count", "neutral", None, None, "absolute", "monthly"),
        ("CL 1", CARE_LEAVERS, "percent", "higher", D("90"), D("5"), "absolute", "monthly"),
        ("CLA 2", HEALTH, "percent", "higher", D("95"), D("5"), "absolute", "monthly"),
        ("FD 1", DECISIONS, "percent", "higher", D("80"), D("5"), "absolute", "monthly"),
    ]
    for code, title, unit, polarity, target, tolerance, kind, frequency in specs:
        indicator = factories.IndicatorFactory(
            code=code,
            title=title,
            unit=unit,
            polarity=polarity,
            aggregation="latest",
            decimals=1,
            frequency=frequency,
            service_area=service_area,
        )
        if target is not None:
            factories.TargetFactory(
                indicator=indicator, financial_year=2022, target=target, tolerance=tolerance, tolerance_kind=kind
            )
        made[title] = indicator
    return made


def write(tmp_path, rows):
    path = tmp_path / "dashboard.csv"
    path.write_bytes(csv_bytes(rows))
    return str(path)


def test_the_dashboard_imports_its_figures_and_lists_the_quarter_and_annual_columns(
    tmp_path, catalogue, performance_user
):
    out = StringIO()
    call_command("import_figures", write(tmp_path, dashboard()), "--user", "perf", stdout=out)
    assert Return.objects.count() == 6 * 3
    shifted = Return.objects.get(indicator=catalogue[EH_REREFERRALS], period=date(2022, 11, 1))
    assert shifted.value == D("13.9")
    assert Return.objects.get(indicator=catalogue[CLA_NUMBER], period=date(2022, 9, 1)).value == D("301")
    assert Target.objects.get(indicator=catalogue[EH_ASSESSMENTS], financial_year=2022).target == D("80")
    report = figures_import(reader.read_bytes(csv_bytes(dashboard())), by=performance_user, commit=False)
    assert report.warnings == []
    note = next(n for n in report.notes if n.startswith("Not imported: quarter and annual figures"))
    assert "'Full quarter' (rows 3, 4, 5)" in note and "'Annual return' (rows 3, 4, 5)" in note


def test_a_misread_distance_is_a_warning_naming_the_row_and_column(catalogue, performance_user):
    rows = dashboard(wrong_distance=True)
    report = figures_import(reader.read_bytes(csv_bytes(rows)), by=performance_user, commit=False)
    assert report.errors == []
    assert [(w.row, w.column) for w in report.warnings] == [(row_number(rows, EH_ASSESSMENTS), "Distance from target")]
    assert "the file prints -2.4, the figures read give 1.2" in report.warnings[0].reason


def test_a_shifted_row_that_would_change_a_target_is_caught_and_the_target_stays(tmp_path, catalogue, performance_user):
    rows = dashboard(misread_row=True)
    number = row_number(rows, DECISIONS)
    report = figures_import(reader.read_bytes(csv_bytes(rows)), by=performance_user, commit=False)
    warned = {w.column for w in report.warnings if w.row == number}
    # The printed columns disagree, and the target differs (kept as it is, without --update-targets).
    assert warned == {"Change Since Last Month", "Distance from target", "Tolerance Threshold", "Target"}
    [error] = report.errors
    assert (error.row, error.column) == (number, "Target")
    assert "the 2022/23 target is 27.6, not 80" in error.reason
    for flags in ((), ("--update-targets",)):
        err = StringIO()
        with pytest.raises(CommandError, match="nothing was written"):
            call_command(
                "import_figures", write(tmp_path, rows), "--user", "perf", *flags, stdout=StringIO(), stderr=err
            )
        assert f"Row {number}, column 'Target': the file says the 2022/23 target is 27.6" in err.getvalue()
    assert Target.objects.get(indicator=catalogue[DECISIONS], financial_year=2022).target == D("80")
    assert not Return.objects.exists()


def test_quarterly_and_annual_indicators_take_the_quarter_and_annual_columns(catalogue, performance_user):
    quarterly, annual = catalogue[EH_FAMILIES], catalogue[CLA_NUMBER]
    quarterly.frequency, annual.frequency = "quarterly", "annual"
    quarterly.save()
    annual.save()
    rows = [
        ["Measure", "Polarity", "Oct-22", "Nov-22", "Full quarter", "Annual return"],
        [EH_FAMILIES, "BIB", "", "", "1,290", "5,012"],
        [CLA_NUMBER, "No judgement", "", "", "", "310"],
        [EH_ASSESSMENTS, "BIB", "79.5%", "81.2%", "79.0%", ""],
    ]
    report = figures_import(reader.read_bytes(csv_bytes(rows)), by=performance_user, commit=True)
    assert report.errors == [], report.errors
    figures = {(r.indicator.code, r.period): r.value for r in Return.objects.select_related("indicator")}
    assert figures == {
        ("EH 2", date(2022, 9, 1)): D("1290"),  # Q2 2022/23, in its last month
        ("CLA 1", date(2022, 3, 1)): D("310"),  # 2021/22, in March
        ("EH 1", date(2022, 10, 1)): D("79.5"),
        ("EH 1", date(2022, 11, 1)): D("81.2"),
    }
    assert any("'Annual return' (row 2)" in n and "'Full quarter' (row 4)" in n for n in report.notes)


def test_a_file_of_neither_layout_says_what_each_needs(performance_user):
    report = figures_import(
        reader.read_bytes(csv_bytes([["Colour", "Size"], ["red", "2"], ["blue", "3"]])),
        by=performance_user,
        commit=False,
    )
    [error] = report.errors
    assert error.row is None
    assert error.reason.startswith(
        "Not a figures file in the long form (it needs indicator_code, period and value columns) nor a wide "
        "scorecard (it needs a header row with an indicator column — Measure, Indicator, KPI"
    )
    assert "month columns such as Nov-22" in error.reason


def test_a_row_shifted_from_its_months_on_is_moved_back_and_agrees_with_its_printed_columns(
    catalogue, performance_user
):
    rows = dashboard()
    # From Sep-22 on, one column to the right: the D.o.T. arrow, group and annual figure sit a column off.
    shifted = ["", DECISIONS, "BIB", "JS", "", "26.5%", "27.1%", "27.6%", "80%", "0.5", "-52.4", "75", "↑"]
    rows.insert(7, [*shifted, "Group 4", "27.0%", "26.0%"])
    number = 8
    sheet = parse(rows)
    assert sheet.errors == []
    assert any(
        n.startswith(f"Row {number} is 1 column to the right of its headings from column F") for n in sheet.notes
    )
    row = by_title(sheet)[DECISIONS]
    assert [f.value for f in row.figures] == [D("26.5"), D("27.1"), D("27.6")]
    assert [(t.year, t.value) for t in row.targets] == [(2022, D("80"))]
    assert (row.printed["dot"].text, row.printed["group"].text) == ("↑", "Group 4")
    assert [f.value for f in row.period_figures] == [D("27.0"), D("26.0")]
    report = figures_import(reader.read_bytes(csv_bytes(rows)), by=performance_user, commit=True)
    assert report.errors == [] and report.warnings == []
    assert Return.objects.get(indicator=catalogue[DECISIONS], period=date(2022, 11, 1)).value == D("27.6")
    assert Target.objects.get(indicator=catalogue[DECISIONS], financial_year=2022).target == D("80")


def test_an_unheaded_column_of_short_distinct_values_left_of_the_titles_is_the_code_column():
    rows = [
        ["", "Measure", "Oct-22", "Nov-22"],
        ["EH 1", EH_ASSESSMENTS, "79.5%", "81.2%"],
        ["EH 2", EH_FAMILIES, "430", "445"],
    ]
    sheet = parse(rows)
    assert [(r.code, r.title, r.section) for r in sheet.rows] == [
        ("EH 1", EH_ASSESSMENTS, ""),
        ("EH 2", EH_FAMILIES, ""),
    ]

"""The wide scorecard layout read as councils keep it: the three seeds as they are, and the awkward cases."""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from indicators.imports import wide, wide_headings, wide_sheet
from kpiportal.sheets import reader
from tests.files import csv_bytes, xlsx_bytes

DEMO_DATA = Path(__file__).resolve().parents[2] / "indicators" / "demo_data"


def seed(name):
    return wide.parse(reader.read_path(DEMO_DATA / name))


def by_code(sheet):
    return {row.code: row for row in sheet.rows}


def test_the_monthly_seed_with_its_shifted_headings():
    sheet = seed("scorecard-2019-2021-monthly.txt")
    assert sheet.errors == []
    rows = by_code(sheet)
    assert len(rows) == 32  # two header blocks, each row once
    cp5 = rows["CP 5"]
    assert cp5.title.startswith("Percentage of children for whom ICPC was held")
    assert cp5.fields["polarity"] == "higher"
    assert cp5.responsible_officer == "DW"
    assert [(t.year, t.value) for t in cp5.targets] == [(2020, D("77"))]
    figures = {f.period: f.value for f in cp5.figures}
    assert len(figures) == 18 and figures[date(2020, 9, 1)] == D("48")
    assert rows["W 1"].figures[0] == wide_sheet.WideFigure(date(2019, 4, 1), D("16.9"), False, "Apr-19")
    # The RO, target, RAG and YTD headings sit a column or two off their values in the board paper.
    assert any("'RO' (row 3) is over column W but its values are in column V" in n for n in sheet.notes)
    assert rows["MC 8"].year_to_date == {2019: D("2676"), 2020: D("173")}
    assert rows["QA 4"].year_to_date == {2019: D("35"), 2020: D("33")}  # second block, shifted differently
    # Blank polarity is "no judgement"; NA is not available; NA target is no target.
    assert rows["CIN 3"].fields["polarity"] == "neutral"
    qa3 = {f.period: f for f in rows["QA 3"].figures}
    assert qa3[date(2019, 8, 1)].not_available and qa3[date(2019, 8, 1)].value is None
    assert rows["MC 8"].targets[0].not_available


def test_aggregations_follow_the_year_to_date_columns():
    rows = by_code(seed("scorecard-2019-2021-monthly.txt"))
    assert rows["MC 8"].aggregation_hint == "sum"  # 2,676 = sum of the months
    assert rows["CLA 3"].aggregation_hint == "latest"  # 528 = March
    assert rows["CP 5"].aggregation_hint == "mean"  # 75% ≈ mean of the months
    assert rows["W 1"].decimals == 1 and rows["CP 5"].decimals == 0


def test_the_benchmark_seed_sections_legends_and_comparator_columns():
    sheet = seed("scorecard-with-benchmarks-dec-2020.txt")
    assert sheet.errors == []
    assert len(sheet.rows) == 48
    first = sheet.rows[0]
    assert (first.code, first.title, first.section) == ("", "Contacts received and completed", "Front Door")
    assert [f.period for f in first.figures] == [date(2020, 4, 1), date(2020, 11, 1), date(2020, 12, 1)]
    rereferrals = next(r for r in sheet.rows if r.title.startswith("% of referrals received that were re-referrals"))
    assert rereferrals.fields["polarity"] == "lower"
    target = rereferrals.targets[0]
    assert (target.year, target.value, target.tolerance_text) == (2020, D("22.0"), "1.0%")
    # Columns the portal does not import are exposed, not dropped: the benchmarks helper loads them.
    labels = [e.label for e in sheet.extra_columns]
    assert labels == [
        "Slough 2020/21 Q3",
        "Slough 2019/20",
        "SN 2019/20",
        "SE 2019/20",
        "ENG 2019/20",
        "Bexley 2019/20",
        "Kingston 2019/20",
        "Redbridge 2019/20",
    ]
    assert sheet.extra_columns[2].group.startswith("Benchmarking")
    assert rereferrals.extras["SN 2019/20"] == "22.0%" and rereferrals.extras["Bexley 2019/20"] == "17.9%"
    assert any(
        n.startswith("Ignored 4 lines before the header: 'Yellow = improved on last month'") for n in sheet.notes
    )
    assert sheet.rows[-1].section == ""  # the repeated header block starts without a section


def test_the_indicator_list_with_statuses_in_titles():
    rows = by_code(seed("indicator-list-oct-2017.txt"))
    assert len(rows) == 33
    assert rows["CIN"].fields["status"] == "to_be_confirmed" and rows["CIN"].title == ""
    assert rows["PLO"].fields["status"] == "under_development" and rows["PLO"].title == "Number of cases in PLO"
    assert rows["P 1"].figures == [] and "status" not in rows["P 1"].fields


def test_months_under_financial_years_and_xlsx_dates():
    data = xlsx_bytes(
        [
            ["Code", "Title", "Polarity", "2021/22", None, None, "Target 2021/22"],
            [None, None, None, "Apr", "Jan", date(2022, 3, 1), None],
            ["X 1", "Thing", "BIB", "50%", "60%", 0.7, "55%"],
        ],
        formats={"F3": "0%"},
    )
    row = wide.parse(reader.read_bytes(data)).rows[0]
    assert [(f.period, f.value) for f in row.figures] == [
        (date(2021, 4, 1), D("50")),
        (date(2022, 1, 1), D("60")),
        (date(2022, 3, 1), D("70")),
    ]
    assert row.targets[0].year == 2021 and row.targets[0].value == D("55")


def test_bad_cells_are_errors_with_row_and_column():
    data = csv_bytes(
        [
            ["Indicator Number", "Indicator Title", "Polarity", "Apr-22", "May-22", "Target"],
            ["A 1", "One", "BIB", "12", "twelve", "10"],
            ["A 2", "Two", "sideways", "5", "6", "ten"],
            ["A 1", "One again", "SIB", "1", "2", "3"],
        ]
    )
    sheet = wide.parse(reader.read_bytes(data))
    found = {(e.row, e.column) for e in sheet.errors}
    assert found == {(2, "May-22"), (3, "Polarity"), (3, "Target"), (4, "Indicator Number")}
    assert "duplicate code 'A 1' (also on row 2)" in str(next(e for e in sheet.errors if e.row == 4))


def test_a_target_without_a_year_in_a_file_without_months_is_refused():
    data = csv_bytes([["Code", "Title", "Target"], ["A 1", "One", "10"]])
    sheet = wide.parse(reader.read_bytes(data))
    assert [(e.row, e.column) for e in sheet.errors] == [(1, "Target")]


def test_a_table_without_the_layout_is_not_wide():
    table = reader.read_bytes(csv_bytes([["colour", "size"], ["red", "2"]]))
    assert not wide_headings.looks_wide(table)
    with pytest.raises(wide_sheet.NotWide):
        wide.parse(table)

"""Comparator imports: the long form through the parser, the service and `import_comparators`."""

from datetime import date
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from benchmarks import import_plan, import_rows, services
from benchmarks.models import ComparatorSource, ComparatorValue
from kpiportal.imports import ImportRefused, run_file
from kpiportal.sheets import reader
from tests import factories
from tests.files import csv_bytes, xlsx_bytes

HEADER = ["indicator_code", "comparator", "period", "value", "note"]


@pytest.fixture
def catalogue(db):
    """Indicators of each unit and the sources of the benchmark seed."""
    return {
        "CP 5": factories.IndicatorFactory(code="CP 5", unit="percent", polarity="higher"),
        "FD 6": factories.IndicatorFactory(code="FD 6", unit="rate_per_10k", polarity="neutral"),
        "FD 5": factories.IndicatorFactory(code="FD 5", unit="count", polarity="neutral"),
        "SN": factories.ComparatorSourceFactory(name="Statistical neighbours", short_name="SN", kind="average"),
        "ENG": factories.ComparatorSourceFactory(name="England", short_name="ENG", kind="national"),
        "Bexley": factories.ComparatorSourceFactory(name="Bexley", kind="authority"),
    }


def table(rows, *, xlsx=False, formats=None):
    return reader.read_bytes(xlsx_bytes(rows, formats=formats) if xlsx else csv_bytes(rows))


def parse(rows, *, create_sources=False, xlsx=False, formats=None):
    return import_rows.parse_comparators(
        table(rows, xlsx=xlsx, formats=formats), create_sources=create_sources, **import_plan.lookups()
    )


def load(rows, by, *, create_sources=False, commit=True):
    return services.comparators_import(table(rows), by=by, commit=commit, create_sources=create_sources)


def counts(report):
    return tuple(report.count("comparator value", action) for action in ("created", "updated", "unchanged"))


def messages(parsed):
    return [str(e) for e in parsed.errors]


def stored():
    return {
        (v.indicator.code, v.source.name, v.period_kind, v.period_start): (v.value, v.note)
        for v in ComparatorValue.objects.select_related("indicator", "source")
    }


# --- Clean files ---------------------------------------------------------------------------------------


def test_a_clean_csv_creates_values_for_years_and_quarters(catalogue, performance_user):
    rows = [
        HEADER,
        ["CP 5", "SN", "2019/20", "80.6", ""],
        ["cp5", "england", "2019/20", "77.7%", "77.7% (England 2019/20)"],
        ["FD 6", "Bexley", "2020/21 Q3", "489.6", ""],
        ["FD 5", "Statistical Neighbours", "2019-20", "5,066", ""],
        ["FD 5", "Bexley", "2019/20", "n/a", "not published"],
    ]
    preview = load(rows, performance_user, commit=False)
    assert preview.ok and not preview.written, [str(e) for e in preview.errors]
    assert counts(preview) == (5, 0, 0)
    assert ComparatorValue.objects.count() == 0
    report = load(rows, performance_user)
    assert report.written and counts(report) == (5, 0, 0)
    assert report.summary() == ["comparator values: 5 created"]
    assert stored() == {
        ("CP 5", "Statistical neighbours", "year", date(2019, 4, 1)): (D("80.6"), ""),
        ("CP 5", "England", "year", date(2019, 4, 1)): (D("77.7"), "77.7% (England 2019/20)"),
        ("FD 6", "Bexley", "quarter", date(2020, 10, 1)): (D("489.6"), ""),
        ("FD 5", "Statistical neighbours", "year", date(2019, 4, 1)): (D("5066"), ""),
        ("FD 5", "Bexley", "year", date(2019, 4, 1)): (None, "not published"),
    }
    value = ComparatorValue.objects.get(source__name="England")
    assert value.loaded_by == performance_user
    assert value.history.get().history_user == performance_user


def test_xlsx_with_percentage_cells_and_columns_in_another_order(catalogue, performance_user):
    rows = [["Value", "Period", "Comparator", "Indicator code"], [0.806, "2019/20", "SN", "CP 5"]]
    parsed = parse(rows, xlsx=True, formats={"A2": "0.0%"})
    assert not parsed.errors, messages(parsed)
    assert parsed.rows[0].value == D("80.6")


def test_reimporting_the_same_file_adds_nothing_and_counts_updates(catalogue, performance_user):
    rows = [HEADER, ["CP 5", "SN", "2019/20", "80.6", ""], ["CP 5", "ENG", "2019/20", "77.7", ""]]
    load(rows, performance_user)
    again = load(rows, performance_user)
    assert counts(again) == (0, 0, 2)
    rows[2][3] = "78.0"
    rows[1][4] = "revised"
    changed = load(rows, performance_user)
    assert counts(changed) == (0, 2, 0)
    assert [c.details for c in changed.changes] == ["80.6 → 80.6", "77.7 → 78"]
    assert ComparatorValue.objects.count() == 2
    assert stored()[("CP 5", "England", "year", date(2019, 4, 1))] == (D("78.0"), "")
    assert ComparatorValue.objects.get(source__name="England").history.count() == 2


# --- Bad input ----------------------------------------------------------------------------------------------


def test_unknown_indicator_codes_are_named_by_row_and_column(catalogue):
    parsed = parse([HEADER, ["CP 5", "SN", "2019/20", "80", ""], ["XX 9", "SN", "2019/20", "80", ""]])
    assert messages(parsed) == ["Row 3, column 'indicator_code': unknown indicator code 'XX 9'"]


def test_unknown_sources_are_refused_with_an_offer_to_create_them(catalogue, performance_user):
    rows = [HEADER, ["CP 5", "Kingston", "2019/20", "94.9", ""], ["CP 5", "South East", "2019/20", "75.9", ""]]
    parsed = parse(rows)
    assert messages(parsed) == [
        "Row 2, column 'comparator': unknown comparator 'Kingston': add it under Comparators, or tick "
        "'Add the new comparators' (--create-sources) to add it as a named authority",
        "Row 3, column 'comparator': unknown comparator 'South East': add it under Comparators, or tick "
        "'Add the new comparators' (--create-sources) to add it as a regional average",
    ]
    report = load(rows, performance_user)
    assert len(report.errors) == 2 and not report.written
    assert not ComparatorSource.objects.filter(name="Kingston").exists()

    parsed = parse(rows, create_sources=True)
    assert not parsed.errors
    assert [(s.name, s.kind) for s in parsed.new_sources] == [("Kingston", "authority"), ("South East", "region")]
    preview = load(rows, performance_user, create_sources=True, commit=False)
    assert preview.notes == [
        "New comparators will be added: Kingston (named authority), South East (regional average). "
        "Check their kinds before you confirm; you can change them later under Comparators."
    ]
    assert not ComparatorSource.objects.filter(name="Kingston").exists()
    report = load(rows, performance_user, create_sources=True)
    assert report.count("comparator", "created") == 2 and counts(report) == (2, 0, 0)
    assert ComparatorSource.objects.get(name="South East").kind == "region"
    assert ComparatorSource.objects.get(name="Kingston").history.get().history_user == performance_user


def test_the_kind_column_names_a_new_sources_kind(catalogue):
    parsed = parse(
        [
            [*HEADER, "kind"],
            ["CP 5", "Havering", "2019/20", "90", "", "region"],
            ["CP 5", "Slough SNs", "2019/20", "90", "", "wizard"],
        ],
        create_sources=True,
    )
    assert messages(parsed) == [
        "Row 3, column 'kind': unknown kind 'wizard' (use average, region, national or authority)"
    ]
    assert [(s.name, s.kind) for s in parsed.new_sources] == [("Havering", "region")]


@pytest.mark.parametrize(
    ("period", "reason"),
    [
        ("2019", "'2019' is not a financial year: write 2019/20 or the year before"),
        ("19/20", "'19/20' is not a financial year or quarter (expected e.g. 2019/20 or 2020/21 Q3)"),
        ("2019/21", "'2019/21' is not a financial year or quarter (expected e.g. 2019/20 or 2020/21 Q3)"),
        ("Q5 2020/21", "'Q5 2020/21' is not a financial year or quarter (expected e.g. 2019/20 or 2020/21 Q3)"),
        ("Nov-20", "'Nov-20' is not a financial year or quarter (expected e.g. 2019/20 or 2020/21 Q3)"),
    ],
)
def test_years_in_the_wrong_form(catalogue, period, reason):
    parsed = parse([HEADER, ["CP 5", "SN", period, "80", ""]])
    assert messages(parsed) == [f"Row 2, column 'period': {reason}"]


@pytest.mark.parametrize(
    ("text", "value"),
    [("23%", D("23")), ("23 %", D("23")), ("n/a", None), ("NA", None), ("-", None), ("", None), ("1,411", D("1411"))],
)
def test_values_with_percent_signs_and_no_value_words(catalogue, text, value):
    code = "FD 5" if "," in text else "CP 5"
    parsed = parse([HEADER, [code, "SN", "2019/20", text, ""]])
    assert not parsed.errors, messages(parsed)
    assert parsed.rows[0].value == value


def test_values_that_are_not_numbers(catalogue):
    parsed = parse([HEADER, ["CP 5", "SN", "2019/20", "about 80", ""]])
    assert messages(parsed) == ["Row 2, column 'value': 'about 80' is not a number (write e.g. 48.2, 23% or n/a)"]


def test_duplicate_rows_for_the_same_key_name_both_rows(catalogue, performance_user):
    rows = [
        HEADER,
        ["CP 5", "SN", "2019/20", "80", ""],
        ["CP 5", "ENG", "2019/20", "77", ""],
        ["cp 5", "Statistical neighbours", "2019-20", "81", ""],
    ]
    report = load(rows, performance_user)
    assert [str(e) for e in report.errors] == [
        "Row 4: rows 2 and 4 both give CP 5 Statistical neighbours 2019/20: keep one"
    ]
    assert not report.written and ComparatorValue.objects.count() == 0


def test_a_count_against_a_rate_is_refused(catalogue):
    parsed = parse(
        [
            [*HEADER, "unit"],
            ["FD 6", "SN", "2019/20", "5066", "", "count"],
            ["FD 6", "ENG", "2019/20", "544.5", "", "rate per 10,000"],
            ["FD 5", "SN", "2019/20", "22%", "", ""],
            ["CP 5", "SN", "2019/20", "80", "", "furlongs"],
        ]
    )
    assert messages(parsed) == [
        "Row 2, column 'unit': a count cannot be compared with FD 6, which is a rate per 10,000",
        "Row 4, column 'value': a percentage cannot be compared with FD 5, which is a count",
        "Row 5, column 'unit': 'furlongs' is not a unit the portal knows; "
        "use percent, rate_per_10k, count, average or days",
    ]


def test_values_impossible_in_the_indicators_unit(catalogue):
    parsed = parse(
        [
            HEADER,
            ["CP 5", "SN", "2019/20", "180", ""],
            ["FD 5", "SN", "2019/20", "-3", ""],
            ["FD 5", "ENG", "2019/20", "409.3", ""],
        ]
    )
    assert messages(parsed) == [
        "Row 2, column 'value': A percentage must be between 0 and 100 (got 180) for CP 5",
        "Row 3, column 'value': A count must be a whole number of 0 or more (got -3) for FD 5",
    ]


def test_header_problems(catalogue):
    parsed = parse([["indicator_code", "comparator", "value", "colour"], ["CP 5", "SN", "80", "red"]])
    assert [e.column for e in parsed.errors] == ["colour", "period"]
    assert parse([HEADER]).errors[0].reason == "The file has a header row but no comparator values"


def test_a_file_that_is_not_a_table(catalogue, performance_user):
    report = run_file("comparators", b"%PDF-1.4 nonsense", by=performance_user, commit=True)
    assert [str(e) for e in report.errors] == ["This is a PDF, not a spreadsheet: upload a CSV or XLSX file"]


def test_only_the_performance_team_imports(catalogue, officer):
    with pytest.raises(ImportRefused):
        load([HEADER, ["CP 5", "SN", "2019/20", "80", ""]], officer)
    assert ComparatorValue.objects.count() == 0


# --- The command ------------------------------------------------------------------------------------------------


def test_command_prints_created_and_updated(catalogue, performance_user, tmp_path):
    path = tmp_path / "comparators.csv"
    path.write_bytes(csv_bytes([HEADER, ["CP 5", "SN", "2019/20", "80.6", ""], ["CP 5", "ENG", "2019/20", "77.7", ""]]))
    out = StringIO()
    call_command("import_comparators", str(path), "--user", "perf", stdout=out)
    assert "Written: comparator values: 2 created" in out.getvalue()
    assert ComparatorValue.objects.filter(loaded_by=performance_user).count() == 2
    path.write_bytes(csv_bytes([HEADER, ["CP 5", "SN", "2019/20", "81", ""], ["CP 5", "ENG", "2019/20", "77.7", ""]]))
    out = StringIO()
    call_command("import_comparators", str(path), stdout=out)
    assert "Written: comparator values: 1 updated, 1 unchanged" in out.getvalue()


def test_command_exits_non_zero_on_a_bad_row_having_written_nothing(catalogue, performance_user, tmp_path):
    path = tmp_path / "comparators.csv"
    path.write_bytes(
        csv_bytes([HEADER, ["CP 5", "SN", "2019/20", "80.6", ""], ["CP 5", "Kingston", "2019", "94.9", ""]])
    )
    err = StringIO()
    with pytest.raises(CommandError, match=r"2 problems in .*comparators\.csv: nothing was written"):
        call_command("import_comparators", str(path), stderr=err)
    assert "Row 3, column 'comparator': unknown comparator 'Kingston'" in err.getvalue()
    assert "Row 3, column 'period': '2019' is not a financial year" in err.getvalue()
    assert ComparatorValue.objects.count() == 0


def test_command_creates_sources_only_when_asked(catalogue, performance_user, tmp_path):
    path = tmp_path / "comparators.xlsx"
    path.write_bytes(xlsx_bytes([HEADER, ["CP 5", "Kingston", "2019/20", "94.9", ""]]))
    with pytest.raises(CommandError):
        call_command("import_comparators", str(path), stderr=StringIO())
    out = StringIO()
    call_command("import_comparators", str(path), "--create-sources", stdout=out)
    assert "Note: New comparators will be added: Kingston (named authority)" in out.getvalue()
    assert "Written: comparators: 1 created; comparator values: 1 created" in out.getvalue()


def test_command_refuses_a_user_outside_the_performance_team(catalogue, officer, tmp_path):
    path = tmp_path / "comparators.csv"
    path.write_bytes(csv_bytes([HEADER, ["CP 5", "SN", "2019/20", "80.6", ""]]))
    with pytest.raises(CommandError, match="Only the performance team"):
        call_command("import_comparators", str(path), "--user", "officer")
    assert ComparatorValue.objects.count() == 0


@pytest.mark.parametrize("copy", [True, False], ids=["copy", "orm"])
def test_both_write_paths_give_the_same_values_and_history(catalogue, performance_user, monkeypatch, copy):
    """PostgreSQL writes by COPY; other databases (the SQLite default) through the ORM. Same result either way."""
    from kpiportal import bulk

    if not copy:
        monkeypatch.setattr(bulk, "_copyable", lambda model: False)
    rows = [HEADER, ["CP 5", "SN", "2019/20", "80.6", "a"], ["CP 5", "Kingston", "2020/21 Q3", "n/a", "b"]]
    load(rows, performance_user, create_sources=True)
    rows[1][3] = "81"
    report = load(rows, performance_user)
    assert counts(report) == (0, 1, 1)
    assert stored() == {
        ("CP 5", "Statistical neighbours", "year", date(2019, 4, 1)): (D("81"), "a"),
        ("CP 5", "Kingston", "quarter", date(2020, 10, 1)): (None, "b"),
    }
    sn = ComparatorValue.objects.get(source__name="Statistical neighbours")
    assert [(h.history_type, h.value, h.history_user, h.history_change_reason) for h in sn.history.all()] == [
        ("~", D("81"), performance_user, "Imported comparators"),
        ("+", D("80.6"), performance_user, "Imported comparators"),
    ]
    assert sn.loaded_by == performance_user
    # New rows after a COPY get fresh keys from the same sequence as any other insert.
    other = factories.ComparatorValueFactory(indicator=catalogue["FD 6"], source=catalogue["ENG"])
    assert other.pk > sn.pk

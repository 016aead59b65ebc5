"""Browser journeys: the performance team uploads comparators (errors, a choice, confirm); a viewer reads the
benchmark scorecard and an indicator's comparators. No WCAG A/AA violations and no CSP violations."""

import re

import pytest
from playwright.sync_api import expect

from benchmarks.models import ComparatorSource, ComparatorValue
from tests.benchmarks.data import build_benchmarked
from tests.conftest import assert_accessible
from tests.files import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _watch_csp(page):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return violations


def test_upload_comparators_with_a_new_council(page, live_server, login, performance_user, tmp_path):
    build_benchmarked()
    violations = _watch_csp(page)
    path = tmp_path / "comparators-2020-21.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["indicator_code", "comparator", "period", "value", "note"],
                ["FDB 7", "SN", "2020/21", "21.5%", "DfE 2021"],
                ["FDB 7", "Barnet", "2020/21", "18.2%", ""],
                ["FDB 7", "ENG", "2020", "22.1%", ""],
            ]
        )
    )
    login(performance_user)
    page.get_by_role("link", name="Comparators").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comparators", use_inner_text=True)
    assert_accessible(page, "(comparator sources)")
    page.get_by_role("link", name="Upload comparator values").click()
    expect(page.get_by_label("Comparator values")).to_be_checked()
    page.get_by_label("File (CSV in UTF-8, or XLSX)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()

    problems = page.get_by_role("region", name="Problems by row and column")
    expect(problems).to_contain_text("unknown comparator 'Barnet'", use_inner_text=True)
    expect(problems).to_contain_text("'2020' is not a financial year", use_inner_text=True)
    assert_accessible(page, "(preview with errors)")
    expect(page.get_by_role("button", name="Import comparators-2020-21.csv")).to_have_count(0)

    # Fix the year and upload again; then choose to add the new council.
    path.write_bytes(path.read_bytes().replace(b",2020,", b",2020/21,"))
    page.get_by_role("link", name="Upload another file").click()
    page.get_by_label("Comparator values").check()
    page.get_by_label("File (CSV in UTF-8, or XLSX)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_label("Add the new comparators").check()
    page.get_by_role("button", name="Check the file again with these choices").click()
    expect(page.get_by_role("main")).to_contain_text(
        "New comparators will be added: Barnet (named authority)", use_inner_text=True
    )
    assert_accessible(page, "(preview with new comparators)")
    page.get_by_role("button", name="Import comparators-2020-21.csv").click()
    expect(page.get_by_role("main")).to_contain_text("comparator values: 3 created", use_inner_text=True)
    assert_accessible(page, "(after import)")
    assert ComparatorSource.objects.get(name="Barnet").kind == "authority"
    assert ComparatorValue.objects.filter(period_start__year=2020, period_kind="year").count() == 3
    assert violations == []


def test_read_the_benchmark_scorecard_and_an_indicators_comparators(page, live_server, login, viewer):
    build_benchmarked()
    violations = _watch_csp(page)
    login(viewer)
    page.get_by_role("link", name="Benchmarks").first.click()
    page.get_by_label("Month").select_option(label="Dec-20")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Benchmark scorecard"), use_inner_text=True)
    table = page.get_by_role("table", name="Front Door")
    expect(table).to_contain_text("SN 2019/20", use_inner_text=True)
    expect(table).to_contain_text("Havering 2018/19", use_inner_text=True)
    expect(table).to_contain_text("joint 2nd of 5, quartile 2", use_inner_text=True)
    assert_accessible(page, "(benchmark scorecard)")

    page.get_by_role("link", name="FDB 7").click()
    expect(page.get_by_role("img", name="FDB 7: annual figure against comparators")).to_be_visible()
    expect(page.get_by_role("region", name="Latest comparator figures")).to_contain_text(
        "2020/21 Q2", use_inner_text=True
    )
    assert_accessible(page, "(indicator page with comparators)")
    assert violations == []

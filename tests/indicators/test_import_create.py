"""A council's own scorecard: its unknown indicators created on purpose, its targets changed only on purpose.

Through the command (`import_figures --create-indicators / --update-targets`)
and the web preview's ticks, with dashboards built here as councils lay them
out: a title above the header, sections on their own rows, a printed
tolerance threshold beside the target, a legend of arrows.
"""

import html
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from indicators import scoring
from indicators.imports import new_indicators
from indicators.imports.figures import figures_import
from indicators.models import ImportBatch, Indicator, Target
from kpiportal.sheets import reader
from returns.models import Return
from tests import factories
from tests.files import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

HEADER = ["Performance Measure", "Sep-22", "Oct-22", "Nov-22", "2022/23 Target", "Tolerance Threshold"]
DASHBOARD = [
    ["Children's Services Performance Dashboard - November 2022"],
    HEADER,
    ["Front Door"],
    ["Contacts actioned within 1 working day", "91%", "93%", "95%", "80%", "72%"],
    ["Re-referrals within 12 months", "24%", "22%", "21%", "22%", "25%"],
    ["Contacts received", "751", "897", "783", "n/a", "n/a"],
    ["Response to Risk"],
    ["ICPCs held within 15 working days", "70%", "75%", "81%", "95%", "90%"],
]


def write(tmp_path, rows, name="dashboard.csv"):
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return str(path)


def import_figures(path, *options):
    out, err = StringIO(), StringIO()
    call_command("import_figures", path, "--user", "perf", *options, stdout=out, stderr=err)
    return out.getvalue()


def refused(path, *options) -> str:
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_figures", path, "--user", "perf", *options, stdout=StringIO(), stderr=err)
    return err.getvalue()


def target_of(code, year=2022):
    return Target.objects.get(indicator__code=code, financial_year=year)


# --- Item 4: the catalogue from the scorecard, on purpose -----------------------------------------------


def test_unknown_indicators_are_bad_rows_without_the_option(tmp_path, performance_user):
    errors = refused(write(tmp_path, DASHBOARD))
    for row, title in ((4, "Contacts actioned within 1 working day"), (8, "ICPCs held within 15 working days")):
        assert (
            f"Row {row}, column 'Performance Measure': '{title}' is not in the catalogue: import the indicator "
            "first, or tick 'Create the indicators the catalogue does not have' (--create-indicators on the "
            "command line) to create it"
        ) in errors
    assert not Indicator.objects.exists() and not Return.objects.exists()


def test_with_the_option_the_indicators_are_created_from_what_the_file_says(tmp_path, performance_user):
    out = import_figures(write(tmp_path, DASHBOARD), "--create-indicators")
    assert "Written: themes: 2 created; service areas: 1 created; indicators: 4 created" in out
    found = {i.code: i for i in Indicator.objects.select_related("theme")}
    assert sorted(found) == ["FD 1", "FD 2", "FD 3", "RR 1"]
    contacts, rereferrals, received, icpc = found["FD 1"], found["FD 2"], found["FD 3"], found["RR 1"]
    assert contacts.title == "Contacts actioned within 1 working day"
    assert (contacts.theme.name, icpc.theme.name) == ("Front Door", "Response to Risk")
    assert (contacts.unit, received.unit) == ("percent", "count")
    # Target 80, threshold 72: 8 points is exactly 10% of the target, so the tolerance is relative.
    assert contacts.polarity == scoring.HIGHER
    assert (target_of("FD 1").target, target_of("FD 1").tolerance, target_of("FD 1").tolerance_kind) == (
        D("80"),
        D("10"),
        scoring.RELATIVE,
    )
    # Target 22, threshold 25: above the target (lower is better), 3 points is no whole percentage of 22.
    assert rereferrals.polarity == scoring.LOWER
    assert (target_of("FD 2").tolerance, target_of("FD 2").tolerance_kind) == (D("3"), scoring.ABSOLUTE)
    assert icpc.polarity == scoring.HIGHER and target_of("RR 1").tolerance == D("5")
    # No target and no polarity words: nothing to judge, said in the notes.
    assert received.polarity == scoring.NEUTRAL and not received.targets.exists()
    assert "1 new indicator with no target and no polarity in the file is created with no judgement" in out
    assert Return.objects.filter(indicator=contacts).count() == 3
    # The list of what was created says where each part came from.
    assert (
        "created indicator FD 1 (Contacts actioned within 1 working day; theme Front Door; unit percentage; "
        "higher is better (the tolerance threshold 72 is below the target); 2022/23 target 80, tolerance 10% of "
        "the target (from the tolerance threshold 72))"
    ) in out
    assert "created target FD 1 2022/23 (target 80, tolerance 10 (relative))" in out
    assert "created target FD 2 2022/23 (target 22, tolerance 3)" in out


def test_generated_codes_are_the_same_on_every_run_and_unique_against_the_catalogue_and_the_file(
    tmp_path, performance_user
):
    factories.IndicatorFactory(code="FD 2", title="Something else entirely")
    rows = [
        ["Ref", "Performance Measure", "Polarity", "Oct-22", "Nov-22"],
        ["Front Door", "", "", "", ""],
        ["", "Contacts received", "neutral", "751", "783"],
        ["", "Referrals received", "neutral", "208", "272"],
        ["FD 3", "Referrals with a decision in 1 day", "BIB", "91%", "95%"],
        ["", "Referrals leading to assessment", "BIB", "61%", "64%"],
    ]
    path = write(tmp_path, rows)
    first = import_figures(path, "--create-indicators", "--dry-run")
    assert first == import_figures(path, "--create-indicators", "--dry-run")
    # The file's own code wins; FD 2 is the catalogue's, so the second row takes FD 2a;
    # the fourth row's place (FD 4) is free.
    for code, title in (
        ("FD 1", "Contacts received"),
        ("FD 2a", "Referrals received"),
        ("FD 3", "Referrals with a decision in 1 day"),
        ("FD 4", "Referrals leading to assessment"),
    ):
        assert f"created indicator {code} ({title};" in first
    import_figures(path, "--create-indicators")
    assert set(Indicator.objects.values_list("code", flat=True)) == {"FD 1", "FD 2", "FD 2a", "FD 3", "FD 4"}
    again = import_figures(path, "--create-indicators")
    assert "indicators: 4 unchanged" in again and Indicator.objects.count() == 5


def test_polarity_from_words_from_a_legend_or_asked(tmp_path, performance_user):
    # The threshold is the target (no side to read), so the words or the legend must say.
    header = ["Ref", "Performance Measure", "Nov-22", "2022/23 Target", "Tolerance Threshold"]
    row = ["A 1", "Assessments completed within 45 days", "88%", "90%", "90%"]
    errors = refused(write(tmp_path, [header, row]), "--create-indicators")
    assert (
        "Row 2, column 'Performance Measure': 'Assessments completed within 45 days' is new and the file does not "
        "say whether higher or lower is better: add a Polarity column (BIB or SIB, higher or lower) or a legend "
        "above the header such as '↑ Higher is better'"
    ) in errors
    assert not Indicator.objects.exists()

    legend = [["Key: ↑ Higher is better"], header, row]
    out = import_figures(write(tmp_path, legend, "legend.csv"), "--create-indicators")
    assert "higher is better (from the legend above the header)" in out
    assert Indicator.objects.get(code="A 1").polarity == scoring.HIGHER

    words = [[*header, "Polarity"], ["A 2", "Repeat assessments", "9%", "10%", "10%", "SIB"]]
    import_figures(write(tmp_path, words, "words.csv"), "--create-indicators")
    assert Indicator.objects.get(code="A 2").polarity == scoring.LOWER


def test_a_threshold_against_the_polarity_words_or_not_a_number_is_a_warning(tmp_path, performance_user):
    rows = [
        ["Ref", "Performance Measure", "Polarity", "Nov-22", "2022/23 Target", "Tolerance Threshold"],
        ["D 1", "Visits within timescale", "BIB", "88%", "90%", "95%"],
        ["D 2", "Reviews within timescale", "BIB", "88%", "90%", "amber"],
    ]
    out = import_figures(write(tmp_path, rows), "--create-indicators")
    assert (
        "Warning: Row 2, column 'Tolerance Threshold': the tolerance threshold 95 is on the wrong side of the "
        "target 90 for 'higher is better': check the polarity and the tolerance"
    ) in out
    assert "Warning: Row 3, column 'Tolerance Threshold': 'amber' is not a number" in out
    assert Indicator.objects.get(code="D 1").polarity == scoring.HIGHER
    assert target_of("D 2").tolerance is None


def test_a_title_several_indicators_share_is_not_created_again(tmp_path, performance_user):
    factories.IndicatorFactory(code="X 1", title="Referrals received")
    factories.IndicatorFactory(code="X 2", title="Referrals received")
    rows = [["Performance Measure", "Polarity", "Nov-22"], ["Referrals received", "neutral", "208"]]
    errors = refused(write(tmp_path, rows), "--create-indicators")
    assert (
        "Row 2, column 'Performance Measure': 'Referrals received' is the title of several indicators in the "
        "catalogue: add a code column to say which"
    ) in errors
    assert Indicator.objects.count() == 2


def test_a_legend_of_both_arrows_reads_the_arrow_on_each_row(tmp_path, performance_user):
    rows = [
        ["↑ Higher is better   ↓ Lower is better"],
        ["Ref", "Performance Measure", "Nov-22", "2022/23 Target"],
        ["B 1", "Visits in timescale ↑", "88%", "90%"],
        ["B 2", "Repeat plans ↓", "19%", "15%"],
        ["B 3", "Plans lasting two years", "4%", "5%"],
    ]
    errors = refused(write(tmp_path, rows), "--create-indicators")
    assert "Row 5, column 'Performance Measure': 'Plans lasting two years' is new and the file does not" in errors
    assert "Row 3" not in errors and "Row 4" not in errors
    rows[-1][1] = "Plans lasting two years ↓"
    import_figures(write(tmp_path, rows, "arrows.csv"), "--create-indicators")
    assert dict(Indicator.objects.values_list("code", "polarity")) == {
        "B 1": scoring.HIGHER,
        "B 2": scoring.LOWER,
        "B 3": scoring.LOWER,
    }


def test_the_target_is_for_the_year_of_the_latest_month_and_the_threshold_read_from_excel_percentages(
    tmp_path, performance_user
):
    header = ["Ref", "Performance Measure", "Feb-23", "Mar-23", "Apr-23", "Target", "Tolerance Threshold"]
    data = xlsx_bytes(
        [header, ["C 1", "Care leavers in touch", 0.81, 0.84, 0.86, 0.8, 0.72]],
        formats={f"{col}2": "0%" for col in "CDEFG"},
    )
    path = tmp_path / "dashboard.xlsx"
    path.write_bytes(data)
    import_figures(str(path), "--create-indicators")
    care = Indicator.objects.get(code="C 1")
    assert care.unit == "percent" and care.polarity == scoring.HIGHER
    (target,) = care.targets.all()
    assert (target.financial_year, target.target, target.tolerance, target.tolerance_kind) == (
        2023,
        D("80"),
        D("10"),
        scoring.RELATIVE,
    )


def test_a_percentage_above_100_makes_an_indicator_with_no_upper_limit_and_the_preview_says_so(performance_user):
    rows = [
        HEADER,
        ["Placements"],
        ["Residential placement utilisation", "98.5%", "100.4%", "99%", "95%", "90%"],
    ]
    report = figures_import(
        reader.read_bytes(csv_bytes(rows)), by=performance_user, commit=False, create_indicators=True
    )
    assert (
        "The new indicator P 1 'Residential placement utilisation' is created as a percentage with no upper limit, "
        "as its figures in the file reach 100.4 (its range can be changed in the catalogue)"
    ) in report.notes
    within = [HEADER, ["Placements"], ["Residential placement utilisation", "98.5%", "99.4%", "99%", "95%", "90%"]]
    report = figures_import(
        reader.read_bytes(csv_bytes(within)), by=performance_user, commit=True, create_indicators=True
    )
    assert report.ok and not any("no upper limit" in note for note in report.notes)
    placement = Indicator.objects.get(code="P 1")
    assert not placement.no_max_value and placement.max_value is None


def test_the_range_rule_and_the_tolerance_rule():
    assert new_indicators.range_for_figures("percent", [D("98.5"), D("100.4")]) == (False, True)
    assert new_indicators.range_for_figures("percent", [D("98.5"), D("100")]) == (False, False)
    assert new_indicators.range_for_figures("count", [D("-3"), D("2000")]) == (True, False)
    assert new_indicators.tolerance_from_threshold(D("80"), D("72")) == (D("10"), scoring.RELATIVE)
    assert new_indicators.tolerance_from_threshold(D("22.0"), D("23.1")) == (D("5"), scoring.RELATIVE)
    assert new_indicators.tolerance_from_threshold(D("95"), D("90")) == (D("5"), scoring.ABSOLUTE)
    assert new_indicators.tolerance_from_threshold(D("90"), D("90")) is None
    assert new_indicators.section_initials("Children Looked After") == "CLA"
    assert new_indicators.section_initials("") == "KPI"


def test_the_web_preview_creates_indicators_only_when_ticked(client, performance_user):
    client.force_login(performance_user)
    response = client.post(
        reverse("indicators:imports"),
        {"kind": "figures", "file": SimpleUploadedFile("dashboard.csv", csv_bytes(DASHBOARD))},
    )
    batch = ImportBatch.objects.get()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "'Contacts received' is not in the catalogue" in page and "Create the indicators the catalogue" in page
    assert client.post(reverse("indicators:import_confirm", args=[batch.pk])).status_code == 409
    assert not Indicator.objects.exists()
    page = html.unescape(client.get(response["Location"], {"create_indicators": "on"}).content.decode())
    assert "There is a problem" not in page and "There are problems" not in page
    assert "Contacts actioned within 1 working day; theme Front Door" in page
    done = client.post(reverse("indicators:import_confirm", args=[batch.pk]), {"create_indicators": "on"})
    assert done.status_code == 302
    assert Indicator.objects.count() == 4 and target_of("FD 1").tolerance_kind == scoring.RELATIVE


# --- Item 5: targets change only on purpose --------------------------------------------------------------

SCORECARD = [
    [
        "Indicator Number",
        "Indicator Title",
        "Polarity",
        "Sep-22",
        "Oct-22",
        "2022/23 Target",
        "Tolerance",
        "2023/24 Target",
    ],
    ["CP 5", "ICPCs within 15 working days", "BIB", "84%", "88%", "80%", "3%", "92%"],
]


def test_an_existing_target_stays_and_each_difference_is_a_warning_without_the_option(
    tmp_path, performance_user, indicator
):
    out = import_figures(write(tmp_path, SCORECARD))
    assert (
        "Warning: Row 2, column '2022/23 Target': the file says 80, the catalogue's 2022/23 target is 90 — not "
        "changed; tick 'Change existing targets and tolerances' (--update-targets on the command line) to change it"
    ) in out
    assert (
        "Warning: Row 2, column 'Tolerance': the file says 3 (absolute), the catalogue's 2022/23 tolerance is 5 "
        "(relative) — not changed; tick 'Change existing targets and tolerances'"
    ) in out
    kept = target_of("CP 5")
    assert (kept.target, kept.tolerance, kept.tolerance_kind) == (D("90"), D("5"), scoring.RELATIVE)
    # A year with no target is not a change: its target is created, and the figures are imported.
    assert target_of("CP 5", 2023).target == D("92")
    assert "targets: 1 created, 1 unchanged" in out and "figures: 2 created" in out


def test_with_the_option_the_changes_are_listed_with_their_row_and_cell_and_written(
    tmp_path, performance_user, indicator
):
    out = import_figures(write(tmp_path, SCORECARD), "--update-targets")
    assert "Warning" not in out
    assert (
        "updated target CP 5 2022/23 (target 90 → 80 ('2022/23 Target'); tolerance 5 → 3 ('Tolerance'); "
        "tolerance kind relative → absolute ('Tolerance'))"
    ) in out
    changed = target_of("CP 5")
    assert (changed.target, changed.tolerance, changed.tolerance_kind) == (D("80"), D("3"), scoring.ABSOLUTE)
    report = figures_import(
        reader.read_bytes(csv_bytes([*SCORECARD[:1], [*SCORECARD[1][:5], "81%", "3%", "92%"]])),
        by=performance_user,
        commit=False,
        update_targets=True,
    )
    (change,) = [c for c in report.changes if c.noun == "target"]
    assert change.row == 2 and change.details == "target 80 → 81 ('2022/23 Target')"


def test_the_web_preview_changes_targets_only_with_its_own_tick(client, performance_user, indicator):
    client.force_login(performance_user)
    response = client.post(
        reverse("indicators:imports"),
        {"kind": "figures", "file": SimpleUploadedFile("scorecard.csv", csv_bytes(SCORECARD))},
    )
    batch = ImportBatch.objects.get()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Row 2, column '2022/23 Target': the file says 80, the catalogue's 2022/23 target is 90" in page
    assert "Change existing targets and tolerances" in page
    ticked = html.unescape(client.get(response["Location"], {"update_targets": "on"}).content.decode())
    assert "the catalogue's 2022/23 target is 90" not in ticked
    assert "target 90 → 80 ('2022/23 Target')" in ticked
    # Confirmed without the tick, the target stays.
    client.post(reverse("indicators:import_confirm", args=[batch.pk]))
    assert target_of("CP 5").target == D("90") and Return.objects.count() == 2

    response = client.post(
        reverse("indicators:imports"),
        {"kind": "figures", "file": SimpleUploadedFile("scorecard.csv", csv_bytes(SCORECARD))},
    )
    second = ImportBatch.objects.get(status="pending")
    done = client.post(reverse("indicators:import_confirm", args=[second.pk]), {"update_targets": "on"})
    assert done.status_code == 302
    assert (target_of("CP 5").target, target_of("CP 5").tolerance_kind) == (D("80"), scoring.ABSOLUTE)

"""`make bench` fails on a wrong correctness figure and only reports a missed speed target."""

from perf.run import Report


def test_a_missed_speed_target_is_reported_and_does_not_fail(capsys):
    report = Report()
    report.add("scorecard", "full recompute (s)", 12.5, "s", target="≤ 10 s", ok=False)
    assert report.summary() == 0
    out = capsys.readouterr()
    assert "✘ MISSES target" in out.out and "1 missing their target, 0 wrong" in out.out and out.err == ""


def test_a_wrong_correctness_figure_fails_the_run_naming_it(capsys):
    report = Report()
    report.add("alerts", "duplicate emails (must be 0)", 3, "", target="0", ok=False, must=True)
    report.add("alerts", "lost emails (must be 0)", 0, "", target="0", ok=True, must=True)
    assert report.summary() == 1
    out = capsys.readouterr()
    assert "✘ WRONG" in out.out and "✔ correct" in out.out
    assert out.err == "FAILED: alerts: duplicate emails (must be 0) is 3, must be 0\n"


def test_a_query_count_off_its_expected_value_is_a_correctness_failure(capsys):
    report = Report()
    report.add("returns", '"My returns" SQL queries, 300 rows', 14, "queries", target="= count at 10 rows", ok=False)
    assert report.summary() == 1
    assert capsys.readouterr().err == (
        'FAILED: returns: "My returns" SQL queries, 300 rows is 14 queries, must be = count at 10 rows\n'
    )

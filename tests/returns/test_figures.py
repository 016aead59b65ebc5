"""From entry to stored figures, and the whole-return validation of §3. No database."""

from decimal import Decimal as D

from indicators import scoring
from returns import figures
from returns import validation as v

P = scoring.Point


def resolve(entry, unit="percent", aggregation="ratio", **kwargs):
    return figures.resolve(entry, unit=unit, aggregation=aggregation, **kwargs)


def check(resolved, unit="percent", aggregation="ratio", submitting=False, **kwargs):
    entered = resolved.entered
    return v.validate_return(
        unit=unit,
        aggregation=aggregation,
        whole=entered.whole,
        teams={figures.team_key(t): p for t, p in entered.teams.items()},
        value=resolved.value,
        not_available=entered.not_available,
        not_available_reason=entered.not_available_reason,
        commentary=entered.commentary,
        submitting=submitting,
        **kwargs,
    )


def test_value_from_numerator_and_denominator():
    r = resolve(figures.Entry(whole=P(None, D("12"), D("25"))))
    assert r.value == D("48.000000") and r.whole.numerator == D("12")


def test_rate_takes_the_population_when_no_denominator_is_given():
    r = resolve(figures.Entry(whole=P(None, D("781"), None)), unit="rate_per_10k", whole_population=43000)
    assert r.whole.denominator == D("43000")
    assert r.value == D("181.627907")
    assert r.problems == ()


def test_rate_without_population_or_denominator_names_the_field():
    r = resolve(
        figures.Entry(whole=P(None, D("5"), None), teams={7: P(None, D("2"), None)}),
        unit="rate_per_10k",
        team_names={7: "EAST"},
    )
    assert [(p.field, p.message) for p in r.problems] == [
        (
            "denominator",
            "No 0–17 population is recorded for the whole authority for this period: enter the denominator",
        ),
        ("team_7_denominator", "No 0–17 population is recorded for EAST for this period: enter the denominator"),
    ]


def test_a_rate_with_its_own_denominator_keeps_it():
    r = resolve(figures.Entry(whole=P(None, D("5"), D("1000"))), unit="rate_per_10k", whole_population=43000)
    assert r.whole.denominator == D("1000") and r.value == D("50.000000")


def test_whole_from_teams_when_not_entered():
    r = resolve(figures.Entry(teams={1: P(None, D("3"), D("4")), 2: P(None, D("1"), D("4")), 3: P(None)}))
    assert r.whole_from_teams
    assert r.whole == P(D("50.000000"), D("4"), D("8"))
    assert set(r.teams) == {1, 2}  # the blank row is dropped
    assert r.teams[1].value == D("75.000000")


def test_counts_from_teams_add_up():
    r = resolve(figures.Entry(teams={1: P(D("3")), 2: P(D("4"))}), unit="count", aggregation="sum")
    assert r.value == D("7")


def test_not_available_stores_no_figures():
    r = resolve(figures.Entry(not_available=True, not_available_reason="  System outage  "))
    assert r.value is None and r.entered.not_available_reason == "System outage"


def test_draft_may_be_incomplete_but_submission_may_not():
    r = resolve(figures.Entry())
    assert check(r) == []
    assert [(p.field, p.message) for p in check(r, submitting=True)] == [
        ("value", "Enter a value, or numerator and denominator, or mark it not available")
    ]


def test_team_rows_that_cannot_make_a_whole_are_refused_on_submission():
    r = resolve(figures.Entry(teams={1: P(D("40")), 2: P(D("60"))}))
    assert r.value is None
    (problem,) = check(r, submitting=True)
    assert problem.field == "value" and "team rows cannot make a whole-authority figure" in problem.message


def test_team_row_problems_are_named_by_the_team_field():
    r = resolve(figures.Entry(whole=P(D("50")), teams={4: P(None, D("9"), D("4"))}))
    assert [(p.field, p.is_error) for p in check(r)] == [("team_4_numerator", True), ("team_4_value", True)]


def test_breakdown_that_does_not_add_up_is_a_warning():
    r = resolve(figures.Entry(whole=P(D("10")), teams={1: P(D("3")), 2: P(D("4"))}), unit="count", aggregation="sum")
    (problem,) = check(r, unit="count", aggregation="sum")
    assert problem.severity == v.WARNING and "teams add up to 7, not 10" in problem.message
    r = resolve(figures.Entry(whole=P(D("7")), teams={1: P(D("3")), 2: P(D("4"))}), unit="count", aggregation="sum")
    assert check(r, unit="count", aggregation="sum") == []


def test_commentary_is_required_on_submission_when_red():
    r = resolve(figures.Entry(whole=P(D("50"))))
    assert check(r, would_be_rag=scoring.RED) == []
    (problem,) = check(r, would_be_rag=scoring.RED, submitting=True)
    assert problem.field == "commentary"
    r = resolve(figures.Entry(whole=P(D("50")), commentary="Staff shortages in EAST"))
    assert check(r, would_be_rag=scoring.RED, submitting=True) == []


def test_outlier_is_a_warning():
    history = [D(x) for x in ("80", "82", "81", "79", "80", "81", "80", "82", "79", "80", "81", "80")]
    r = resolve(figures.Entry(whole=P(D("40"))))
    (problem,) = check(r, approved_history=history)
    assert problem.severity == v.WARNING and "3 standard deviations" in problem.message
    assert check(resolve(figures.Entry(whole=P(D("81")))), approved_history=history) == []


def test_not_available_cannot_have_team_rows():
    r = figures.resolve(
        figures.Entry(not_available=True, not_available_reason="x", teams={1: P(D("3"))}),
        unit="count",
        aggregation="sum",
    )
    problems = v.validate_return(
        unit="count",
        aggregation="sum",
        whole=P(None),
        teams={"team_1": P(D("3"))},
        value=r.value,
        not_available=True,
        not_available_reason="x",
    )
    assert [p.field for p in problems] == ["not_available"]

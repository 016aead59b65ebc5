"""Rank, quartile and the choice of rating comparator: pure rules, no database."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks import comparison as c
from indicators import scoring


def ds(*values):
    return [None if v is None else D(str(v)) for v in values]


# --- Rank and quartile ------------------------------------------------------------------------


def test_seed_row_ranks_the_authority_among_bexley_kingston_redbridge_and_a_fourth():
    # Benchmark seed, "% of ICPCs held within statutory timescale": Slough 40.2 (2019/20),
    # Bexley 78.8, Kingston 94.9, Redbridge 95.4; a fourth council at 60.0. Higher is better.
    result = c.standing(D("40.2"), ds(78.8, 94.9, 95.4, 60.0), scoring.HIGHER)
    assert result == c.Standing(rank=5, of=5, quartile=4, tied=False)
    assert result.label == "5th of 5"


@pytest.mark.parametrize(
    ("value", "polarity", "rank", "quartile"),
    [
        ("100", scoring.HIGHER, 1, 1),
        ("35", scoring.HIGHER, 2, 2),
        ("25", scoring.HIGHER, 3, 3),
        ("15", scoring.HIGHER, 4, 4),
        ("5", scoring.HIGHER, 5, 4),
        ("5", scoring.LOWER, 1, 1),
        ("35", scoring.LOWER, 4, 4),
        ("100", scoring.LOWER, 5, 4),
    ],
)
def test_rank_by_polarity_better_is_rank_one(value, polarity, rank, quartile):
    result = c.standing(D(value), ds(10, 20, 30, 40), polarity)
    assert (result.rank, result.of, result.quartile) == (rank, 5, quartile)


def test_ties_share_a_rank():
    # Two councils tie above the authority; the authority ties with a third.
    result = c.standing(D("20"), ds(30, 30, 20, 10), scoring.HIGHER)
    assert (result.rank, result.tied) == (3, True)
    assert result.label == "joint 3rd of 5"
    # Ties among councils better than the authority both count as better.
    assert c.standing(D("10"), ds(30, 30, 20, 20), scoring.HIGHER).rank == 5
    # Lower is better: equal to the best council shares first place.
    result = c.standing(D("10"), ds(10, 20, 30, 40), scoring.LOWER)
    assert (result.rank, result.tied, result.quartile) == (1, True, 1)


def test_missing_councils_are_left_out_and_four_with_values_are_needed():
    assert c.standing(D("20"), ds(10, 30, None, 40), scoring.HIGHER) is None
    result = c.standing(D("20"), ds(10, 30, None, 40, 50), scoring.HIGHER)
    assert (result.rank, result.of) == (4, 5)
    assert c.standing(D("20"), ds(10, 30, 40), scoring.HIGHER, minimum=3).of == 4


def test_no_standing_without_a_value_or_a_judgement():
    assert c.standing(None, ds(1, 2, 3, 4), scoring.HIGHER) is None
    assert c.standing(D("2"), ds(1, 2, 3, 4), scoring.NEUTRAL) is None
    assert c.standing(D("2"), [], scoring.HIGHER) is None


def test_quartile_with_many_councils():
    councils = ds(*range(1, 20))  # 19 councils, N = 20: five places per quartile
    assert [c.standing(D(v), councils, scoring.LOWER).quartile for v in ("0.5", "5.5", "10.5", "15.5", "19.5")] == [
        1,
        2,
        3,
        4,
        4,
    ]
    assert c.standing(D("5.5"), councils, scoring.LOWER).rank == 6


@given(
    st.decimals(min_value=-1000, max_value=1000, places=2),
    st.lists(st.decimals(min_value=-1000, max_value=1000, places=2), min_size=4, max_size=30),
)
def test_flipping_polarity_and_mirroring_values_keeps_the_standing(value, councils):
    higher = c.standing(value, councils, scoring.HIGHER)
    lower = c.standing(-value, [-x for x in councils], scoring.LOWER)
    assert higher == lower
    assert 1 <= higher.rank <= higher.of
    assert 1 <= higher.quartile <= 4


@pytest.mark.parametrize(
    ("number", "text"), [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (22, "22nd")]
)
def test_ordinal(number, text):
    assert c.ordinal(number) == text


# --- Which comparator the rating uses ---------------------------------------------------------------

SN = c.Source(id=1, kind=c.AVERAGE, position=1, name="Statistical neighbours")
SE = c.Source(id=2, kind=c.REGION, position=2, name="South East")
ENG = c.Source(id=3, kind=c.NATIONAL, position=3, name="England")
OTHER_AVERAGE = c.Source(id=4, kind=c.AVERAGE, position=9, name="Another average")
SOURCES = [ENG, OTHER_AVERAGE, SE, SN]


def test_default_is_the_first_statistical_neighbour_average_and_the_portal_band():
    rule = c.rating_rule(None, None, SOURCES)
    assert rule == c.RatingRule(source_id=SN.id, band=D("0.5"))
    assert c.rating_rule(None, None, SOURCES, D("1.0")).band == D("1.0")


def test_no_average_source_means_no_rating_comparator():
    rule = c.rating_rule(None, None, [SE, ENG])
    assert rule.source_id is None
    assert rule.rate(D("50"), {SE.id: D("40")}, scoring.HIGHER) is None


def test_scorecard_choice_then_indicator_choice_win():
    scorecard = c.Choice(source_id=SE.id)
    assert c.rating_rule(None, scorecard, SOURCES).source_id == SE.id
    indicator = c.Choice(source_id=ENG.id, band=D("2"))
    assert c.rating_rule(indicator, scorecard, SOURCES) == c.RatingRule(source_id=ENG.id, band=D("2"))
    # An indicator override of the band alone keeps the scorecard-wide comparator.
    assert c.rating_rule(c.Choice(band=D("0")), scorecard, SOURCES) == c.RatingRule(source_id=SE.id, band=D("0"))


def test_a_choice_of_a_source_that_no_longer_exists_falls_back():
    assert c.rating_rule(c.Choice(source_id=99), None, SOURCES).source_id == SN.id


def test_the_rule_rates_through_scoring():
    rule = c.rating_rule(None, None, SOURCES)
    values = {SN.id: D("22.0"), SE.id: D("25.1")}
    # Seed: re-referrals 15.4% against SN 22.0%, lower is better.
    assert rule.rate(D("15.4"), values, scoring.LOWER) == scoring.BETTER
    assert rule.rate(D("22.5"), values, scoring.LOWER) == scoring.SIMILAR
    assert rule.rate(D("22.51"), values, scoring.LOWER) == scoring.WORSE
    assert rule.rate(D("15.4"), {}, scoring.LOWER) is None


def test_rating_words_and_colours():
    assert c.rating_words(scoring.BETTER, "SN") == "Better than SN"
    assert c.rating_words(scoring.SIMILAR, "SN") == "As good as SN"
    assert c.rating_words(scoring.WORSE) == "Worse"
    assert c.rating_words(None, "SN") == "No comparison"
    assert [c.rating_rag(r) for r in (scoring.BETTER, scoring.SIMILAR, scoring.WORSE, None)] == [
        scoring.GREEN,
        scoring.AMBER,
        scoring.RED,
        scoring.GREY,
    ]

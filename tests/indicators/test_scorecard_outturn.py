"""Last year's outturn (the whole previous financial year, by the indicator's aggregation) on every entry,
and the windows of the benchmark layout's full quarter and annual return."""

from datetime import date
from decimal import Decimal as D

import pytest

from indicators import periods
from indicators.scorecard.recompute import recompute
from tests import factories
from tests.indicators.test_scorecard_recompute import approve, entry, months, q

pytestmark = pytest.mark.django_db

# --- The windows (pure) ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [
        (date(2020, 9, 1), date(2019, 4, 1), date(2020, 3, 1)),  # Sep-20: the whole of 2019/20
        (date(2020, 4, 1), date(2019, 4, 1), date(2020, 3, 1)),  # the first month of a year
        (date(2021, 3, 1), date(2019, 4, 1), date(2020, 3, 1)),  # its last month: still the year before
        (date(2021, 1, 1), date(2019, 4, 1), date(2020, 3, 1)),  # January belongs to the year begun in April
    ],
)
def test_the_previous_financial_year_is_april_to_march_before_the_periods_year(period, first, last):
    window = periods.previous_financial_year(period)
    assert window == periods.Window(first, last)
    assert len(window.months()) == 12


@pytest.mark.parametrize(
    ("period", "first"),
    [
        (date(2020, 12, 1), date(2020, 10, 1)),  # Dec-20 ends Q3: the quarter itself
        (date(2020, 11, 1), date(2020, 7, 1)),  # Q3 still running: Q2
        (date(2020, 10, 1), date(2020, 7, 1)),
        (date(2020, 4, 1), date(2020, 1, 1)),  # Q1 running: last year's Q4
        (date(2021, 3, 1), date(2021, 1, 1)),  # March ends Q4
    ],
)
def test_the_last_complete_quarter_is_the_periods_own_once_it_has_ended(period, first):
    window = periods.last_complete_quarter(period)
    assert window == periods.Window(first, periods.add_months(first, 2))
    assert periods.quarter_of(window.first) == periods.quarter_of(window.last)


def test_the_last_complete_financial_year_is_the_periods_own_in_march():
    assert periods.last_complete_financial_year(date(2021, 3, 1)) == periods.Window(date(2020, 4, 1), date(2021, 3, 1))
    assert periods.last_complete_financial_year(date(2020, 12, 1)) == periods.Window(date(2019, 4, 1), date(2020, 3, 1))
    assert periods.last_complete_financial_year(date(2020, 4, 1)) == periods.Window(date(2019, 4, 1), date(2020, 3, 1))


# --- The engine ------------------------------------------------------------------------------------------

LAST_YEAR = months(date(2019, 4, 1), 12)  # Apr-19 … Mar-20


def test_a_counts_outturn_is_last_years_twelve_months_added_up():
    # Seed MC 8, 2019/20: twelve in-month counts summing to the printed 2,676.
    ind = factories.IndicatorFactory(code="MC 8", polarity="lower", unit="count", aggregation="sum")
    counts = [230, 210, 245, 199, 201, 236, 240, 222, 190, 238, 225, 240]
    assert sum(counts) == 2676
    for period, value in zip(LAST_YEAR, counts, strict=True):
        approve(ind, period, value)
    approve(ind, date(2020, 4, 1), 250)
    approve(ind, date(2020, 9, 1), 260)
    recompute()
    for period in (date(2020, 4, 1), date(2020, 9, 1)):
        assert entry(ind, period).previous_year_outturn == D("2676")
    sep = entry(ind, date(2020, 9, 1))
    assert sep.ytd_value == D("510") and sep.previous_ytd_value == D("1321")  # Apr–Sep 2019, not the year
    # The first year has no year before it.
    assert entry(ind, date(2019, 4, 1)).previous_year_outturn is None
    assert entry(ind, date(2020, 3, 1)).previous_year_outturn is None


def test_a_snapshots_outturn_is_the_latest_figure_of_last_year():
    # Seed CLA 3: "YTD or latest" of 2019/20 is March's 528; a missing March takes the month before.
    ind = factories.IndicatorFactory(code="CLA 3", polarity="neutral", unit="count", aggregation="latest")
    approve(ind, date(2020, 1, 1), 530)
    approve(ind, date(2020, 2, 1), 524)
    approve(ind, date(2020, 3, 1), 528)
    approve(ind, date(2020, 4, 1), 518)
    approve(ind, date(2021, 4, 1), 500)
    approve(ind, date(2021, 3, 1), None, na=True)
    approve(ind, date(2021, 2, 1), 505)
    recompute()
    assert entry(ind, date(2020, 4, 1)).previous_year_outturn == D("528")
    assert entry(ind, date(2021, 4, 1)).previous_year_outturn == D("505")  # March was not available


def test_a_mean_indicators_outturn_is_the_mean_of_last_years_months():
    ind = factories.IndicatorFactory(code="CP 5", polarity="higher", unit="percent", decimals=0, aggregation="mean")
    values = [77, 98, 59, 88, 86, 59, 72, 76, 81, 58, 81, 64]  # seed CP 5, 2019/20
    for period, value in zip(LAST_YEAR, values, strict=True):
        approve(ind, period, value)
    approve(ind, date(2020, 9, 1), 48)
    recompute()
    assert entry(ind, date(2020, 9, 1)).previous_year_outturn == q(D(sum(values)) / 12)  # 74.92: seed prints 75 %


def test_a_ratio_indicators_outturn_adds_up_numerators_and_denominators():
    ind = factories.IndicatorFactory(code="FD 8", polarity="lower", unit="percent", aggregation="ratio")
    approve(ind, date(2019, 4, 1), 10, numerator=1, denominator=10)
    approve(ind, date(2019, 8, 1), None, na=True)
    approve(ind, date(2020, 3, 1), 50, numerator=45, denominator=90)
    approve(ind, date(2020, 6, 1), 20, numerator=2, denominator=10)
    recompute()
    # (1 + 45) / (10 + 90) = 46 %, never the mean of 10 % and 50 % (30 %).
    assert entry(ind, date(2020, 6, 1)).previous_year_outturn == D("46")


def test_a_rates_outturn_is_scaled_per_10000():
    ind = factories.IndicatorFactory(code="CIN 3", polarity="neutral", unit="rate_per_10k", aggregation="ratio")
    approve(ind, date(2019, 5, 1), None, numerator=300, denominator=40000)
    approve(ind, date(2019, 11, 1), None, numerator=100, denominator=40000)
    approve(ind, date(2020, 5, 1), None, numerator=350, denominator=50000)
    recompute()
    assert entry(ind, date(2020, 5, 1)).previous_year_outturn == D("50")  # 400 / 80,000 × 10,000


def test_a_quarterly_indicators_outturn_takes_last_years_quarters():
    ind = factories.IndicatorFactory(
        code="HLT 1", polarity="lower", unit="days", aggregation="mean", frequency="quarterly"
    )
    for period, value in zip(
        [date(2019, 6, 1), date(2019, 9, 1), date(2019, 12, 1), date(2020, 3, 1)], [10, 20, 30, 41], strict=True
    ):
        approve(ind, period, value)
    approve(ind, date(2020, 6, 1), 12)
    recompute()
    assert entry(ind, date(2020, 6, 1)).previous_year_outturn == D("25.25")


def test_no_figures_last_year_is_no_outturn_and_a_gap_year_is_not_bridged():
    ind = factories.IndicatorFactory(code="EH 7", polarity="lower", unit="count", aggregation="sum")
    approve(ind, date(2019, 6, 1), 7)
    approve(ind, date(2021, 6, 1), 9)  # nothing in 2020/21
    recompute()
    assert entry(ind, date(2021, 6, 1)).previous_year_outturn is None
    assert entry(ind, date(2019, 6, 1)).previous_year_outturn is None


def test_teams_have_their_own_outturn_and_an_incremental_recompute_keeps_it_current():
    east = factories.TeamFactory(name="EAST")
    ind = factories.IndicatorFactory(code="REF 1", polarity="lower", unit="count", aggregation="sum")
    march = approve(ind, date(2020, 3, 1), 30, teams=[(east, {"value": 12})])
    approve(ind, date(2019, 12, 1), 20, teams=[(east, {"value": 8})])
    approve(ind, date(2020, 7, 1), 5, teams=[(east, {"value": 2})])
    recompute()
    assert entry(ind, date(2020, 7, 1)).previous_year_outturn == D("50")
    assert entry(ind, date(2020, 7, 1), east).previous_year_outturn == D("20")
    # A correction of last March reaches this year's entries from that month on.
    march.value = D("40")
    march.save()
    recompute(indicator_ids=[ind.pk], from_period=march.period)
    assert entry(ind, date(2020, 7, 1)).previous_year_outturn == D("60")

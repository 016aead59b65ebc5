"""A small scored scorecard (seed rows CP 5, FD 3, CLA 3 with teams and comparators) for the page, export,
board pack, feed and browser tests. `tests/indicators/conftest.py` makes it the `scored` fixture."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal as D

from indicators import periods
from indicators.models import Indicator
from indicators.scorecard.recompute import recompute
from returns.models import State
from tests import factories

SEP = date(2020, 9, 1)


@dataclass
class Scored:
    cp5: Indicator  # seed CP 5: persistently red in Sep-20
    fd3: Indicator  # seed FD 3: green, key KPI
    cla3: Indicator  # a neutral count, in another theme
    east: object
    south: object
    neighbours: object


def seed_returns(indicator, values, start=date(2019, 4, 1), **extra):
    for i, value in enumerate(values):
        period = periods.add_months(start, i)
        factories.ReturnFactory(
            indicator=indicator,
            period=period,
            value=None if value is None else D(str(value)),
            not_available=value is None,
            state=State.APPROVED,
            commentary=f"{indicator.code} commentary for {periods.month_label(period)}",
            **extra,
        )


def build_scored(officer) -> "Scored":
    front_door = factories.ThemeFactory(name="Front Door", position=1)
    risk = factories.ThemeFactory(name="Response to Risk", position=2)
    looked_after = factories.ThemeFactory(name="Children looked after", position=3)
    cp5 = factories.IndicatorFactory(
        code="CP 5",
        title="Percentage of children for whom ICPC was held in the month within 15 working days",
        theme=risk,
        polarity="higher",
        unit="percent",
        decimals=0,
        aggregation="mean",
        responsible_officer=officer,
    )
    factories.TargetFactory(indicator=cp5, financial_year=2020, target=D("77"), tolerance=None)
    seed_returns(cp5, [77, 98, 59, 88, 86, 59, 72, 76, 81, 58, 81, 64, 82, 92, 77, 72, 44, 48])
    fd3 = factories.IndicatorFactory(
        code="FD 3",
        title="Percentage of completed contacts actioned within 1 working day",
        theme=front_door,
        polarity="higher",
        unit="percent",
        decimals=0,
        aggregation="mean",
        is_key=True,
    )
    factories.TargetFactory(indicator=fd3, financial_year=2020, target=D("94"), tolerance=D("5"))
    seed_returns(fd3, [87, 90, 85, 91, 97, 98, 96, 97, 96, 98, 97, 98, 100, 100, 99, 99, 98, 100])
    cla3 = factories.IndicatorFactory(
        code="CLA 3",
        title="Number of CLA at the end of the month who are Local CLA (Non-UASC)",
        theme=looked_after,
        polarity="neutral",
        unit="count",
        decimals=0,
        aggregation="latest",
    )
    seed_returns(cla3, [528, 518, 521, None, 511, 510, 515], start=date(2020, 3, 1))
    east, south = factories.TeamFactory(name="EAST"), factories.TeamFactory(name="SOUTH")
    ret = cp5.returns.get(period=SEP)
    factories.TeamFigureFactory(ret=ret, team=east, value=D("50"), numerator=D("5"), denominator=D("10"))
    factories.TeamFigureFactory(ret=ret, team=south, value=D("46"), numerator=D("6"), denominator=D("13"))
    neighbours = factories.ComparatorSourceFactory(name="Statistical neighbours", kind="average", position=1)
    england = factories.ComparatorSourceFactory(name="England", kind="national", position=2)
    factories.ComparatorValueFactory(indicator=cp5, source=neighbours, period_start=date(2019, 4, 1), value=D("75"))
    factories.ComparatorValueFactory(indicator=cp5, source=england, period_start=date(2019, 4, 1), value=D("78.5"))
    factories.ComparatorValueFactory(indicator=fd3, source=neighbours, period_start=date(2019, 4, 1), value=D("94"))
    recompute()
    return Scored(cp5, fd3, cla3, east, south, neighbours)

"""A small benchmarked scorecard for the benchmark page, indicator page and browser tests: seed row
'% of referrals … re-referrals' (lower is better) and a neutral count, with SN/SE/ENG and four named councils."""

from datetime import date
from decimal import Decimal as D

from indicators import periods
from indicators.scorecard.recompute import recompute
from returns.models import State
from tests import factories


def approve_months(indicator, start, values):
    for i, value in enumerate(values):
        factories.ReturnFactory(
            indicator=indicator,
            period=periods.add_months(start, i),
            value=None if value is None else D(str(value)),
            state=State.APPROVED,
        )


def build_benchmarked() -> dict:
    """Seed row '% of referrals … re-referrals' (lower is better) and a count, with SN/SE/ENG and four councils."""
    front_door = factories.ThemeFactory(name="Front Door", position=1)
    workforce = factories.ThemeFactory(name="Demand and workforce", position=2)
    rereferrals = factories.IndicatorFactory(
        code="FDB 7",
        title="% of referrals received that were re-referrals (within 12 months)",
        definition="Proportion of referrals received where the previous referral is within 12 months",
        theme=front_door,
        polarity="lower",
        unit="percent",
        decimals=1,
        aggregation="mean",
    )
    factories.TargetFactory(
        indicator=rereferrals, financial_year=2020, target=D("22"), tolerance=D("1"), tolerance_kind="absolute"
    )
    # 2019/20: twelve months averaging 15.4 (the seed's annual return); 2020/21 to Dec: baseline 16.3 … 12.9.
    approve_months(rereferrals, date(2019, 4, 1), [15.4] * 12)
    approve_months(rereferrals, date(2020, 4, 1), [16.3, 17, 18, 19, 16, 15, 20, 19.7, 12.9])
    caseload = factories.IndicatorFactory(
        code="DW 1",
        title="Total open allocated caseload",
        theme=workforce,
        polarity="neutral",
        unit="count",
        decimals=0,
        aggregation="latest",
    )
    approve_months(caseload, date(2020, 10, 1), [1800, 1870, 1834])
    sources = {}
    for position, (name, short, kind) in enumerate(
        [
            ("Statistical neighbours", "SN", "average"),
            ("South East", "SE", "region"),
            ("England", "ENG", "national"),
            ("Bexley", "", "authority"),
            ("Kingston", "", "authority"),
            ("Redbridge", "", "authority"),
            ("Havering", "", "authority"),
        ],
        start=1,
    ):
        sources[short or name] = factories.ComparatorSourceFactory(
            name=name, short_name=short, kind=kind, position=position
        )
    fy19 = date(2019, 4, 1)
    for key, value in {"SN": "22.0", "SE": "25.1", "ENG": "22.6", "Bexley": "17.9", "Kingston": "15.0"}.items():
        factories.ComparatorValueFactory(indicator=rereferrals, source=sources[key], period_start=fy19, value=D(value))
    # Redbridge has published 2020/21 Q2 already; Havering only 2018/19 (latest available, shown with its year).
    factories.ComparatorValueFactory(
        indicator=rereferrals,
        source=sources["Redbridge"],
        period_kind="quarter",
        period_start=date(2020, 7, 1),
        value=D("12.9"),
    )
    factories.ComparatorValueFactory(
        indicator=rereferrals, source=sources["Havering"], period_start=date(2018, 4, 1), value=D("11")
    )
    factories.ComparatorValueFactory(indicator=caseload, source=sources["SN"], period_start=fy19, value=D("3071"))
    recompute()
    return {"rereferrals": rereferrals, "caseload": caseload, **sources}

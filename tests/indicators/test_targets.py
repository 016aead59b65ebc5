"""Targets as scoring rules: the indicator's polarity and unit defaults flow into the rule."""

from datetime import date
from decimal import Decimal as D

import pytest

from indicators import periods, scoring
from indicators.catalogue.selectors import targets_by_indicator_year
from tests import factories

pytestmark = pytest.mark.django_db


def test_target_rule_uses_the_financial_year_of_the_period_and_unit_defaults():
    ind = factories.IndicatorFactory(code="CP 5", polarity="higher", unit="percent")
    factories.TargetFactory(indicator=ind, financial_year=2020, target=D("77"), tolerance=None)
    factories.TargetFactory(indicator=ind, financial_year=2021, target=D("80"), tolerance=D("5"), polarity="lower")
    targets = targets_by_indicator_year([ind.pk])
    assert set(targets) == {(ind.pk, 2020), (ind.pk, 2021)}
    rule_2020 = targets[(ind.pk, periods.financial_year_of(date(2021, 3, 1)))].as_rule()  # March 2021 is in 2020/21
    assert rule_2020 == scoring.TargetRule(D("77"), None, "relative", "higher", D("1.0"))
    assert scoring.rag(D("48"), rule_2020) == scoring.RED
    assert targets[(ind.pk, periods.financial_year_of(date(2021, 4, 1)))].as_rule().polarity == "lower"  # changed
    assert (ind.pk, periods.financial_year_of(date(2019, 4, 1))) not in targets


def test_counts_default_to_a_zero_direction_threshold():
    ind = factories.IndicatorFactory(code="MC 8", polarity="lower", unit="count")
    target = factories.TargetFactory(indicator=ind, financial_year=2020, target=D("150"))
    assert target.as_rule().dot_threshold == D("0")
    target.dot_threshold = D("5")
    assert target.as_rule().dot_threshold == D("5")

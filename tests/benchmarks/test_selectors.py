"""Populations in force for a period, rates per 10,000 from them, and the rating rule per indicator."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import IntegrityError, transaction

from benchmarks import comparison, selectors
from benchmarks.models import RatingComparator
from indicators import scoring
from indicators.models import PortalSettings
from tests import factories


@pytest.fixture
def populations(db):
    east = factories.TeamFactory(name="EAST")
    south = factories.TeamFactory(name="SOUTH")
    factories.PopulationFactory(team=None, year=2018, population=42000)
    factories.PopulationFactory(team=None, year=2020, population=43110)
    factories.PopulationFactory(team=east, year=2019, population=15000)
    factories.PopulationFactory(team=east, year=2021, population=None)  # registered, no estimate yet
    factories.PopulationFactory(team=south, year=2021, population=9000)
    return {"EAST": east, "SOUTH": south}


def test_the_latest_estimate_not_after_the_period(populations):
    assert selectors.population_for(None, date(2019, 12, 1)) == selectors.PopulationFigure(42000, 2018)
    assert selectors.population_for(None, date(2020, 1, 1)) == selectors.PopulationFigure(43110, 2020)
    assert selectors.population_for(None, date(2017, 12, 1)) is None
    east = populations["EAST"].pk
    # 2021 is registered without a population: the 2019 estimate stays in force.
    assert selectors.population_for(east, date(2022, 6, 1)) == selectors.PopulationFigure(15000, 2019, east)
    assert selectors.population_for(populations["SOUTH"].pk, date(2020, 6, 1)) is None


def test_all_populations_for_a_period_in_one_query(populations, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = selectors.populations_for(date(2021, 6, 1))
    assert found.whole == selectors.PopulationFigure(43110, 2020)
    assert found.of(populations["EAST"].pk).year == 2019
    assert found.of(populations["SOUTH"].pk).population == 9000
    assert found.whole.label == "mid-2020 estimate, 43,110"


def test_rates_per_10k_from_whole_authority_and_team_populations(populations):
    # Whole authority, Dec-20: 346 children on a CP plan over the mid-2020 estimate of 43,110.
    whole = selectors.population_for(None, date(2020, 12, 1))
    rate = scoring.derive_value(unit="rate_per_10k", value=None, numerator=D(346), denominator=D(whole.population))
    assert rate == D("80.259801")  # the seed prints 80.3
    # A team uses its own population.
    east = selectors.population_for(populations["EAST"].pk, date(2020, 12, 1))
    rate = scoring.derive_value(unit="rate_per_10k", value=None, numerator=D(120), denominator=D(east.population))
    assert rate == D("80.000000")


def test_population_used_by_each_period_of_a_history(populations, django_assert_num_queries):
    months = [date(2017, 12, 1), date(2019, 3, 1), date(2020, 4, 1)]
    with django_assert_num_queries(1):
        found = selectors.population_years_by_period(months)
    assert {p: f.year for p, f in found.items()} == {date(2019, 3, 1): 2018, date(2020, 4, 1): 2020}


# --- Rating rules ----------------------------------------------------------------------------------------


@pytest.fixture
def sources(db):
    return {
        "SN": factories.ComparatorSourceFactory(
            name="Statistical neighbours", short_name="SN", kind="average", position=1
        ),
        "SE": factories.ComparatorSourceFactory(name="South East", short_name="SE", kind="region", position=2),
        "ENG": factories.ComparatorSourceFactory(name="England", short_name="ENG", kind="national", position=3),
    }


def test_rating_rules_default_scorecard_wide_and_per_indicator(sources, django_assert_max_num_queries):
    a, b = factories.IndicatorFactory(), factories.IndicatorFactory()
    with django_assert_max_num_queries(3):
        rules = selectors.rating_rules([a.pk, b.pk])
    assert rules[a.pk] == comparison.RatingRule(sources["SN"].pk, D("0.5"))

    PortalSettings.objects.update_or_create(pk=1, defaults={"comparator_band": D("1.0")})
    RatingComparator.objects.create(indicator=None, source=sources["SE"])
    RatingComparator.objects.create(indicator=b, source=sources["ENG"], band=D("2"))
    rules = selectors.rating_rules([a.pk, b.pk])
    assert rules[a.pk] == comparison.RatingRule(sources["SE"].pk, D("1.0"))
    assert rules[b.pk] == comparison.RatingRule(sources["ENG"].pk, D("2"))


def test_one_scorecard_wide_choice_only_and_its_band_lives_in_portal_settings(sources):
    RatingComparator.objects.create(indicator=None, source=sources["SE"])
    with transaction.atomic(), pytest.raises(IntegrityError):
        RatingComparator.objects.create(indicator=None, source=sources["ENG"])
    with transaction.atomic(), pytest.raises(IntegrityError):
        RatingComparator.objects.filter(indicator=None).update(band=D("1"))


def test_returns_resolve_rates_from_the_team_and_whole_populations_in_force(populations):
    """The return entry path (returns.selectors → returns.figures) uses these populations for rates."""
    from returns import figures
    from returns.selectors import entry_contexts

    rate = factories.IndicatorFactory(code="CP 2", unit="rate_per_10k", aggregation="ratio")
    context = entry_contexts([rate], date(2021, 12, 1))[rate.pk]
    east, south = populations["EAST"].pk, populations["SOUTH"].pk
    entry = figures.Entry(
        whole=scoring.Point(None),
        teams={east: scoring.Point(None, D(30)), south: scoring.Point(None, D(18))},
    )
    resolved = context.resolve(entry)
    # EAST uses its mid-2019 estimate (15,000), SOUTH its mid-2021 (9,000); the whole is Σcount/Σpopulation.
    assert resolved.teams[east].value == D("20.000000")
    assert resolved.teams[south].value == D("20.000000")
    assert resolved.whole == scoring.Point(D("20.000000"), D(48), D(24000))
    whole_entry = figures.Entry(whole=scoring.Point(None, D(346)))
    assert context.resolve(whole_entry).whole.denominator == D(43110)  # the whole authority's mid-2020 estimate

"""Factories for the test suite: one place, plain defaults, overridden per test."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from benchmarks.models import ComparatorSource, ComparatorValue, Population
from indicators.models import Indicator, ServiceArea, Target, Team, Theme
from kpiportal.accounts import roles
from kpiportal.accounts.models import User
from returns.models import Return, State, TeamFigure

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@council.example")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            group, _ = Group.objects.get_or_create(name=extracted)
            self.groups.add(group)


def user_with_role(role: str, **kwargs) -> User:
    return UserFactory(role=role, **kwargs)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Theme {n}")
    position = factory.Sequence(lambda n: n)


class ServiceAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceArea
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Service area {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"TEAM{n}")
    position = factory.Sequence(lambda n: n)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T {n}")
    title = factory.LazyAttribute(lambda i: f"Test indicator {i.code}")
    definition = "How the figure is counted."
    theme = factory.SubFactory(ThemeFactory)
    service_area = factory.SubFactory(ServiceAreaFactory)
    polarity = "higher"
    unit = "percent"
    decimals = 1
    aggregation = "ratio"
    measure = "in_month"


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target
        django_get_or_create = ("indicator", "financial_year")

    indicator = factory.SubFactory(IndicatorFactory)
    financial_year = 2022
    target = Decimal("90")
    tolerance = Decimal("5")
    tolerance_kind = "relative"


class ReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Return

    indicator = factory.SubFactory(IndicatorFactory)
    period = date(2022, 11, 1)
    value = Decimal("88")
    state = State.DRAFT
    # Every return past draft has been submitted (sent back and reopened ones too).
    submitted_at = factory.LazyAttribute(lambda o: None if o.state == State.DRAFT else timezone.now())


class TeamFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamFigure

    ret = factory.SubFactory(ReturnFactory)
    team = factory.SubFactory(TeamFactory)
    value = Decimal("10")


class ComparatorSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComparatorSource
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Comparator {n}")
    kind = ComparatorSource.Kind.AVERAGE


class ComparatorValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComparatorValue

    indicator = factory.SubFactory(IndicatorFactory)
    source = factory.SubFactory(ComparatorSourceFactory)
    period_start = date(2021, 4, 1)
    value = Decimal("80")


class PopulationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Population

    team = None
    year = 2020
    population = 43000


ALL_ROLES = roles.ALL_ROLES

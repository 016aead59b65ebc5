"""The inputs of a recompute, read once: the catalogue's scoring fields, targets, comparators, settings
(`Context`), and the approved figures of a slice of indicators as series of points (`Figures`)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.db import connection

from benchmarks.comparison import RatingRule
from benchmarks.selectors import ComparatorHistory, rating_rules
from indicators import periods, scoring
from indicators.catalogue.selectors import targets_by_indicator_year
from indicators.models import Indicator, PortalSettings
from returns.models import Return, State, TeamFigure

Point = scoring.Point
# Building hundreds of thousands of points: tuple.__new__ skips the named tuple's Python-level __new__.
new_point = partial(tuple.__new__, Point)
NO_POINT = Point(None)  # a month without a figure, or marked "not available"


@dataclass
class Context:
    """What every slice of indicators is scored with, read once per recompute."""

    indicators: list[tuple]  # (id, unit, aggregation, frequency, polarity)
    rules: dict[tuple[int, int], scoring.TargetRule]
    comparators: ComparatorHistory
    rating_rules: dict[int, RatingRule]  # which comparator and band rate each indicator (benchmarks)
    persistent_red_periods: int


@dataclass
class Figures:
    """The approved figures of a slice of indicators, as series keyed by month number (year × 12 + month − 1)."""

    whole: dict[int, dict[int, scoring.Point]]  # indicator → month number → point
    not_available: dict[int, set[int]]  # indicator → month numbers marked "not available"
    teams: dict[int, dict[int, dict[int, scoring.Point]]]  # indicator → team → month number → point


def fetch_rows(queryset) -> list[tuple]:
    """All rows of a values_list queryset in one fetch.

    On PostgreSQL the ORM's row-by-row iterator costs seconds at this size, so the SQL runs on the
    bare cursor (its values already Python's). SQLite hands back decimals as floats without the ORM's
    converters, so there the ORM reads them.
    """
    if connection.vendor != "postgresql":
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def read_context(indicator_ids: list[int] | None) -> Context:
    indicators = Indicator.objects.all()
    if indicator_ids is not None:
        indicators = indicators.filter(pk__in=indicator_ids)
    rows = list(indicators.order_by("pk").values_list("pk", "unit", "aggregation", "frequency", "polarity"))
    ids = [row[0] for row in rows]
    return Context(
        indicators=rows,
        rules={key: target.as_rule() for key, target in targets_by_indicator_year(ids).items()},
        comparators=ComparatorHistory(ids if indicator_ids is not None else None),
        rating_rules=rating_rules(ids),
        persistent_red_periods=PortalSettings.load().persistent_red_periods,
    )


def read_figures(indicators: Sequence[tuple], everything: bool) -> Figures:
    """The approved returns and team figures of these indicators (`everything`: all there are), in two queries."""
    ids = [row[0] for row in indicators]
    units = {row[0]: row[1] for row in indicators}
    aggregations = {row[0]: row[2] for row in indicators}
    derive = scoring.derive_value

    whole: dict[int, dict[int, scoring.Point]] = defaultdict(dict)
    not_available: dict[int, set[int]] = defaultdict(set)
    teams: dict[int, dict[int, dict[int, scoring.Point]]] = defaultdict(lambda: defaultdict(dict))
    return_keys: dict[int, tuple[int, int]] = {}
    from_teams: dict[int, tuple[int, int, list]] = {}  # returns whose whole is derived from their teams
    returns = Return.objects.filter(state=State.APPROVED)
    team_figures = TeamFigure.objects.filter(ret__state=State.APPROVED)
    if not everything:
        returns = returns.filter(indicator_id__in=ids)
        team_figures = team_figures.filter(ret__indicator_id__in=ids)
    return_rows = returns.values_list(
        "pk", "indicator_id", "period", "value", "numerator", "denominator", "not_available"
    )
    for pk, indicator_id, period, value, numerator, denominator, na in fetch_rows(return_rows):
        if indicator_id not in units:
            continue  # an indicator created since the catalogue was read
        number = periods.month_number(period)
        return_keys[pk] = (indicator_id, number)
        if na:
            whole[indicator_id][number] = NO_POINT
            not_available[indicator_id].add(number)
        elif value is None and numerator is None:
            from_teams[pk] = (indicator_id, number, [])
            whole[indicator_id][number] = NO_POINT
        else:
            # Returns store derived values (returns.figures); a value left blank is derived here the same way.
            if value is None:
                value = derive(unit=units[indicator_id], value=None, numerator=numerator, denominator=denominator)
            whole[indicator_id][number] = new_point((value, numerator, denominator))
    figure_rows = team_figures.values_list("ret_id", "team_id", "value", "numerator", "denominator")
    for ret_id, team_id, value, numerator, denominator in fetch_rows(figure_rows):
        key = return_keys.get(ret_id)
        if key is None:
            continue
        indicator_id, number = key
        if value is None:
            value = derive(unit=units[indicator_id], value=None, numerator=numerator, denominator=denominator)
        p = teams[indicator_id][team_id][number] = new_point((value, numerator, denominator))
        if ret_id in from_teams:
            from_teams[ret_id][2].append(p)
    for indicator_id, number, parts in from_teams.values():
        if parts:
            # §3: a return with team rows but no whole-authority figure takes the whole from its teams.
            whole[indicator_id][number] = scoring.whole_from_teams(
                units[indicator_id], aggregations[indicator_id], parts
            )
    return Figures(whole=whole, not_available=not_available, teams=teams)

"""The recompute against a plain reference computation, on seeded random histories.

The reference below scores every (indicator, period, team) the slow, obvious way:
the months of each window listed with `indicators.periods` and aggregated with
`scoring.aggregate`, the previous period looked up by date, the run of reds read
back period by period, the comparator from `benchmarks.selectors`. The recompute
(full, incremental, run again) must store exactly what the reference gives, and
report exactly the whole-authority RAG changes between two states.

The histories mix what the rules treat specially: teams (some months without a
team's figure, wholes derived from the teams), "not available" months, zero
denominators, missing months inside a year to date, targets missing for a year,
a polarity that changes between years, relative, absolute and no tolerance, a
quarterly indicator, long runs of reds and comparators published by year and by
quarter.
"""

import random
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from benchmarks.selectors import latest_comparator_values, rating_rule_for
from indicators import periods, scoring
from indicators.models import Indicator, PortalSettings, ScorecardEntry, Target
from indicators.scorecard import recompute as recompute_module
from indicators.scorecard.compute import ENTRY_COLUMNS
from indicators.scorecard.recompute import recompute
from indicators.scorecard.store import RagChange
from returns.models import Return, State, TeamFigure
from tests import factories

pytestmark = pytest.mark.django_db

FIRST = date(2020, 1, 1)
MONTHS = 30  # Jan-20 … Jun-22: three financial years, the first and last partial
STORED = Decimal("0.000001")
COLUMNS = [c for c in ENTRY_COLUMNS if c not in ("indicator_id", "period", "team_id")]

# (unit, aggregation, polarity, frequency): one indicator of each.
KINDS = [
    ("percent", "ratio", "higher", "monthly"),
    ("percent", "ratio", "lower", "monthly"),
    ("percent", "mean", "higher", "monthly"),
    ("count", "sum", "lower", "monthly"),
    ("count", "latest", "neutral", "monthly"),
    ("rate_per_10k", "ratio", "lower", "monthly"),
    ("days", "mean", "lower", "quarterly"),
    ("number", "sum", "higher", "monthly"),
]


def _stored(value):
    """What a numeric(18, 6) column keeps of a value: six places, halves away from zero."""
    return value if not isinstance(value, Decimal) else value.quantize(STORED, rounding=ROUND_HALF_UP)


def _figure(rng, unit, low_run):
    """(value, numerator, denominator) of one figure; `low_run` pushes it far below usual (reds)."""
    if unit in ("percent", "rate_per_10k"):
        denominator = rng.choice([0, 7, 12, 40, 60]) if rng.random() < 0.08 else rng.randint(5, 60)
        if unit == "rate_per_10k":
            denominator *= 1000
        numerator = rng.randint(0, max(denominator // 3, 1)) if low_run else rng.randint(0, denominator or 1)
        blank = rng.random() < 0.3  # the value left blank: derived from the parts
        value = (
            None if blank else scoring.derive_value(unit=unit, value=None, numerator=numerator, denominator=denominator)
        )
        return value, Decimal(numerator), Decimal(denominator)
    value = Decimal(rng.randint(0, 12) if low_run else rng.randint(5, 90))
    if rng.random() < 0.2:
        value += Decimal(rng.randint(0, 99)) / 100
    return value, None, None


def build_history(seed: int) -> list[int]:
    """A random but reproducible catalogue and approved history; the indicator ids."""
    rng = random.Random(seed)
    teams = [factories.TeamFactory(name=f"R{seed} TEAM {i}") for i in range(3)]
    neighbours = factories.ComparatorSourceFactory(name=f"R{seed} neighbours", kind="average", position=1)
    england = factories.ComparatorSourceFactory(name=f"R{seed} England", kind="national", position=2)
    ids, returns, team_parts = [], [], []
    for n, (unit, aggregation, polarity, frequency) in enumerate(KINDS):
        ind = factories.IndicatorFactory(
            code=f"R{seed} {n}", unit=unit, aggregation=aggregation, polarity=polarity, frequency=frequency
        )
        ids.append(ind.pk)
        for year in (2019, 2020, 2021, 2022):
            if rng.random() < 0.2:
                continue  # no target that year: grey
            kind = rng.choice(["relative", "absolute", None])
            Target.objects.create(
                indicator=ind,
                financial_year=year,
                target=Decimal(rng.choice([10, 25, 40, 50, 75, 90])),
                tolerance=None if kind is None else Decimal(rng.choice([1, 5, "2.5"])),
                tolerance_kind=kind or "absolute",
                # A polarity that changes between years, now and then; a direction-of-travel threshold of its own.
                polarity=rng.choice(["higher", "lower"]) if rng.random() < 0.3 else "",
                dot_threshold=Decimal(rng.choice([0, 2, "0.5"])) if rng.random() < 0.3 else None,
            )
        for source in (neighbours, england):
            for year in (2019, 2020, 2021):
                if rng.random() < 0.7:
                    factories.ComparatorValueFactory(
                        indicator=ind, source=source, period_start=date(year, 4, 1), value=Decimal(rng.randint(5, 90))
                    )
            if rng.random() < 0.5:
                factories.ComparatorValueFactory(
                    indicator=ind,
                    source=source,
                    period_kind="quarter",
                    period_start=date(2021, 10, 1),
                    value=Decimal(rng.randint(5, 90)) + Decimal("0.5"),
                )
        low_until = None
        for month in periods.month_range(FIRST, periods.add_months(FIRST, MONTHS - 1)):
            if not periods.takes_figure(month, frequency) or rng.random() < 0.1:
                continue  # a missing month
            if low_until is None and rng.random() < 0.1:
                low_until = periods.add_months(month, rng.randint(2, 6))  # a run of reds
            low = low_until is not None and month <= low_until
            if low_until is not None and month > low_until:
                low_until = None
            state = State.APPROVED if rng.random() < 0.93 else rng.choice([State.SUBMITTED, State.DRAFT])
            na = rng.random() < 0.06
            with_teams = rng.random() < 0.8
            parts = []
            if with_teams:
                for team in teams:
                    if rng.random() < 0.15:
                        continue  # this team sent nothing that month
                    parts.append((team, *_figure(rng, unit, low)))
            whole_from_teams = with_teams and parts and rng.random() < 0.25
            if na:
                value = numerator = denominator = None
            elif whole_from_teams:
                value = numerator = denominator = None  # the whole is derived from the teams
            else:
                value, numerator, denominator = _figure(rng, unit, low)
            returns.append(
                Return(
                    indicator=ind,
                    period=month,
                    value=value,
                    numerator=numerator,
                    denominator=denominator,
                    not_available=na,
                    not_available_reason="System outage" if na else "",
                    state=state,
                )
            )
            team_parts.append(parts)
    Return.objects.bulk_create(returns)
    TeamFigure.objects.bulk_create(
        TeamFigure(ret=ret, team=team, value=v, numerator=num, denominator=den)
        for ret, parts in zip(returns, team_parts, strict=True)
        for team, v, num, den in parts
    )
    return ids


# --- The reference ---------------------------------------------------------------------------------------------


def _point(unit, value, numerator, denominator):
    if value is None:
        value = scoring.derive_value(unit=unit, value=None, numerator=numerator, denominator=denominator)
    return scoring.Point(value, numerator, denominator)


def reference_entries() -> dict[tuple, dict]:
    """(indicator id, period, team id) → {column: stored value}, computed the plain way."""
    run = PortalSettings.load().persistent_red_periods
    indicators = list(Indicator.objects.order_by("pk"))
    comparator_periods = set(Return.objects.filter(state=State.APPROVED).values_list("period", flat=True))
    comparators = {p: latest_comparator_values([i.pk for i in indicators], p) for p in comparator_periods}
    result = {}
    for ind in indicators:
        rules = {t.financial_year: t.as_rule() for t in ind.targets.all()}
        rating = rating_rule_for(ind.pk)
        step = periods.FREQUENCY_MONTHS[ind.frequency]
        whole, not_available = {}, set()
        teams = defaultdict(dict)
        for ret in ind.returns.filter(state=State.APPROVED).prefetch_related("team_figures"):
            parts = {}
            for f in ret.team_figures.all():
                parts[f.team_id] = teams[f.team_id][ret.period] = _point(ind.unit, f.value, f.numerator, f.denominator)
            if ret.not_available:
                whole[ret.period] = scoring.Point(None)
                not_available.add(ret.period)
            elif ret.value is None and ret.numerator is None:
                whole[ret.period] = (
                    scoring.whole_from_teams(ind.unit, ind.aggregation, parts.values())
                    if parts
                    else scoring.Point(None)
                )
            else:
                whole[ret.period] = _point(ind.unit, ret.value, ret.numerator, ret.denominator)
        series = [(None, whole), *sorted(teams.items())]
        for team_id, points in series:

            def agg(months, points=points, ind=ind):
                return scoring.aggregate(
                    [points.get(m, scoring.Point(None)) for m in months], ind.aggregation, unit=ind.unit
                )

            rags = {}
            for period in sorted(points):
                p = points[period]
                rule = rules.get(periods.financial_year_of(period))
                polarity = rule.polarity if rule else ind.polarity
                dot = rule.dot_threshold if rule else ind.default_dot_threshold
                before = points.get(periods.previous_period(period, ind.frequency))
                previous = before.value if before is not None else None
                change = scoring.change(p.value, previous)
                direction = scoring.direction(change, dot)
                rag = rags[period] = scoring.rag(p.value, rule)
                run_rags = [rags.get(periods.add_months(period, -k * step), "") for k in range(run - 1, -1, -1)]
                ytd = periods.year_to_date(period)
                row = {
                    "value": p.value,
                    "numerator": p.numerator,
                    "denominator": p.denominator,
                    "not_available": team_id is None and period in not_available,
                    "polarity": polarity,
                    "previous_value": previous,
                    "change": change,
                    "direction": direction or "",
                    "improving": scoring.is_improving(direction, polarity),
                    "improved_on_last_period": scoring.improved_on_last_period(p.value, previous, polarity),
                    "target": rule.target if rule else None,
                    "tolerance_threshold": rule.threshold if rule else None,
                    "distance_from_target": scoring.distance_from_target(p.value, rule.target if rule else None),
                    "rag": rag,
                    "persistent_red": scoring.persistent_red(run_rags, run),
                    "quarter_value": agg(periods.quarter_to_date(period).months()),
                    "ytd_value": agg(ytd.months()),
                    "previous_ytd_value": agg(periods.same_months_a_year_earlier(ytd).months()),
                    # Last year's outturn: the whole previous financial year, whatever the month.
                    "previous_year_outturn": agg(periods.previous_financial_year(period).months()),
                    # §6: "aggregates the six periods before this one" — periods of the indicator's frequency.
                    "rolling_6m_value": agg(periods.rolling_six(period, ind.frequency).months()),
                    "comparator_source_id": None,
                    "comparator_value": None,
                    "comparator_period": "",
                    "comparator_rating": "",
                }
                if team_id is None and rating.source_id is not None:
                    for figure in comparators[period].get(ind.pk, []):
                        if figure.source.pk == rating.source_id:
                            row["comparator_source_id"] = figure.source.pk
                            row["comparator_value"] = figure.value
                            row["comparator_period"] = figure.period_label
                            rated = scoring.comparator_rating(p.value, figure.value, polarity, rating.band)
                            row["comparator_rating"] = rated or ""
                result[(ind.pk, period, team_id)] = {k: _stored(v) for k, v in row.items()}
    return result


def stored_entries() -> dict[tuple, dict]:
    rows = ScorecardEntry.objects.values_list("indicator_id", "period", "team_id", *COLUMNS)
    return {(i, p, t): dict(zip(COLUMNS, rest, strict=True)) for i, p, t, *rest in rows}


def assert_matches_reference():
    expected, stored = reference_entries(), stored_entries()
    assert set(stored) == set(expected), "the recompute wrote other (indicator, period, team) rows"
    wrong = {
        key: {c: (stored[key][c], expected[key][c]) for c in COLUMNS if stored[key][c] != expected[key][c]}
        for key in expected
        if stored[key] != expected[key]
    }
    assert not wrong, f"{len(wrong)} entries differ from the reference (stored, expected): {list(wrong.items())[:3]}"
    return stored


def whole_states() -> dict[tuple, tuple]:
    rows = ScorecardEntry.objects.whole_authority().values_list("indicator_id", "period", "rag", "persistent_red")
    return {(i, p): (rag, red) for i, p, rag, red in rows}


def expected_changes(before: dict, after: dict) -> list[RagChange]:
    changes = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old != new:
            changes.append(RagChange(key[0], key[1], old and old[0], new and new[0], old and old[1], new and new[1]))
    return changes


# --- The tests ---------------------------------------------------------------------------------------------------


@pytest.fixture(params=["one slice", "slices of 3"])
def slices(request, monkeypatch):
    """Run with the usual slice (the whole history fits one) and with slices of 3 indicators."""
    if request.param == "slices of 3":
        monkeypatch.setattr(recompute_module, "SLICE", 3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_full_recompute_stores_what_the_reference_computes(seed, slices):
    ids = build_history(seed)
    result = recompute()
    stored = assert_matches_reference()
    assert result.entries == len(stored) > 300
    assert result.rag_changes == expected_changes({}, whole_states())
    kinds = {(r["rag"], r["persistent_red"]) for r in stored.values()}
    assert {("red", True), ("red", False), ("green", False), ("grey", False)} <= kinds, "the data lacks a case"
    assert any(r["not_available"] for r in stored.values())
    assert len({k[0] for k in stored}) == len(ids)


@pytest.mark.parametrize("persistent_red_periods", [2, 4])
def test_the_reference_holds_for_another_persistent_red_setting(persistent_red_periods):
    settings = PortalSettings.load()
    settings.persistent_red_periods = persistent_red_periods
    settings.save()
    build_history(4)
    recompute()
    assert_matches_reference()


def test_running_again_changes_nothing_and_reports_nothing():
    build_history(5)
    recompute()
    first = stored_entries()
    again = recompute()
    assert again.rag_changes == []
    assert stored_entries() == first
    ids = list(Indicator.objects.values_list("pk", flat=True))
    partly = recompute(indicator_ids=ids[:3], from_period=date(2021, 2, 1))
    assert partly.rag_changes == []
    assert stored_entries() == first


def test_incremental_recomputes_equal_a_full_one_and_report_exact_changes(slices):
    ids = build_history(6)
    recompute()
    rng = random.Random(60)
    # Figures change, a return is reopened, another approved, a target moves: each recomputed from its month.
    touched: dict[int, date] = {}

    def touch(indicator_id, period):
        touched[indicator_id] = min(period, touched.get(indicator_id, period))

    approved = list(Return.objects.filter(indicator_id__in=ids, state=State.APPROVED).order_by("pk"))
    for ret in rng.sample(approved, 12):
        if ret.value is not None:
            ret.value = ret.value / 3
        ret.not_available = False
        ret.save()
        touch(ret.indicator_id, ret.period)
    reopened = rng.choice(approved)
    Return.objects.filter(pk=reopened.pk).update(state=State.DRAFT)
    touch(reopened.indicator_id, reopened.period)
    waiting = Return.objects.filter(indicator_id__in=ids).exclude(state=State.APPROVED).first()
    Return.objects.filter(pk=waiting.pk).update(state=State.APPROVED)
    touch(waiting.indicator_id, waiting.period)
    target = Target.objects.filter(indicator_id__in=ids, financial_year=2021).first()
    target.target = target.target + 30
    target.save()
    touch(target.indicator_id, periods.financial_year_start(2021))

    before = whole_states()
    reported = []
    for indicator_id, period in sorted(touched.items()):
        reported += recompute(indicator_ids=[indicator_id], from_period=period).rag_changes
    incremental = assert_matches_reference()
    assert sorted(reported) == expected_changes(before, whole_states())
    assert reported, "the changes moved no RAG: the test proves nothing"

    full = recompute()
    assert full.rag_changes == []
    assert stored_entries() == incremental


def test_a_removed_indicator_history_and_a_setting_change_are_exact(slices):
    build_history(7)
    recompute()
    before = whole_states()
    Return.objects.filter(indicator__code="R7 2").update(state=State.SUBMITTED)
    settings = PortalSettings.load()
    settings.persistent_red_periods = 2
    settings.save()
    result = recompute()
    assert_matches_reference()
    assert result.rag_changes == expected_changes(before, whole_states())
    assert not ScorecardEntry.objects.filter(indicator__code="R7 2").exists()

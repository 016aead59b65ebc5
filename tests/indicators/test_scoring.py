"""The scoring rules of PRODUCT §4: hand-worked examples, seed rows and invariants. No database."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indicators import scoring as s
from indicators import units


def rule(target, tolerance=None, kind=s.ABSOLUTE, polarity=s.HIGHER, dot="0"):
    return s.TargetRule(
        target=None if target is None else D(str(target)),
        tolerance=None if tolerance is None else D(str(tolerance)),
        tolerance_kind=kind,
        polarity=polarity,
        dot_threshold=D(dot),
    )


# --- Tolerance threshold -------------------------------------------------------------


def test_seed_threshold_is_exactly_85_5_for_a_90_target_with_5_percent_relative_tolerance():
    # Benchmark seed: "% of assessments completed … within 45 working days", target 90.0%, tolerance 5.0%.
    assert rule(90, 5, s.RELATIVE).threshold == D("85.5")
    assert s.rag(D("85.5"), rule(90, 5, s.RELATIVE)) == s.AMBER
    assert s.rag(D("85.4999"), rule(90, 5, s.RELATIVE)) == s.RED
    # The seed's current month, 84.6%, is below the threshold: red.
    assert s.rag(D("84.6"), rule(90, 5, s.RELATIVE)) == s.RED


@pytest.mark.parametrize(
    ("target", "tol", "kind", "polarity", "expected"),
    [
        (90, 5, s.ABSOLUTE, s.HIGHER, D("85")),
        (90, 5, s.RELATIVE, s.HIGHER, D("85.5")),
        (22, 1, s.ABSOLUTE, s.LOWER, D("23")),
        (22, 10, s.RELATIVE, s.LOWER, D("24.2")),
        (18, 5, s.ABSOLUTE, s.LOWER, D("23")),  # seed: caseload 18.0, tolerance "5 cases"
        (95, 0, s.ABSOLUTE, s.HIGHER, D("95")),  # seed: RCPCs, tolerance 0.0% → no amber band
        (90, None, s.ABSOLUTE, s.HIGHER, D("90")),
    ],
)
def test_tolerance_threshold(target, tol, kind, polarity, expected):
    assert rule(target, tol, kind, polarity).threshold == expected


def test_no_threshold_without_a_target_or_for_neutral_polarity():
    assert rule(None, 5).threshold is None
    assert rule(90, 5, polarity=s.NEUTRAL).threshold is None


# --- RAG --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("95", s.GREEN), ("90", s.GREEN), ("89.99", s.AMBER), ("85", s.AMBER), ("84.99", s.RED), ("0", s.RED)],
)
def test_rag_higher_is_better(value, expected):
    assert s.rag(D(value), rule(90, 5)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("10", s.GREEN), ("22", s.GREEN), ("22.5", s.AMBER), ("23", s.AMBER), ("23.01", s.RED)],
)
def test_rag_lower_is_better(value, expected):
    assert s.rag(D(value), rule(22, 1, polarity=s.LOWER)) == expected


def test_rag_without_tolerance_has_no_amber():
    assert s.rag(D("94.9"), rule(95, None)) == s.RED
    assert s.rag(D("95"), rule(95, None)) == s.GREEN


def test_rag_grey_cases():
    assert s.rag(None, rule(90, 5)) == s.GREY  # NA or missing
    assert s.rag(D("50"), rule(None)) == s.GREY  # no target
    assert s.rag(D("50"), None) == s.GREY  # no target row at all
    assert s.rag(D("50"), rule(90, 5, polarity=s.NEUTRAL)) == s.GREY


@pytest.mark.parametrize(
    ("code", "value", "target", "polarity", "seed_rag"),
    [
        ("EH 7", "15", "10", s.LOWER, s.RED),  # Sep-20 15% against 10%, SIB
        ("FD 3", "100", "94", s.HIGHER, s.GREEN),
        ("CP 5", "48", "77", s.HIGHER, s.RED),
        ("CP 11", "18", "18", s.LOWER, s.GREEN),
        ("W 1", "14.8", "17", s.LOWER, s.GREEN),
        ("QA 5", "4", "0", s.LOWER, s.RED),
    ],
)
def test_seed_scorecard_rows_score_as_printed(code, value, target, polarity, seed_rag):
    # scorecard-2019-2021-monthly: Sep-20 against the 2020-21 target; that seed has no tolerance column.
    assert s.rag(D(value), rule(target, None, polarity=polarity)) == seed_rag, code


# --- Persistent red ------------------------------------------------------------------------


def test_persistent_red_needs_n_consecutive_reds_ending_now():
    assert s.persistent_red([s.RED, s.RED, s.RED])
    assert s.persistent_red([s.GREEN, s.RED, s.RED, s.RED])
    assert not s.persistent_red([s.RED, s.RED, s.RED, s.AMBER])
    assert not s.persistent_red([s.RED, s.GREY, s.RED])
    assert not s.persistent_red([s.RED, s.RED])
    assert s.persistent_red([s.RED, s.RED], periods=2)
    assert not s.persistent_red([], periods=3)


# --- Change, direction, improvement ---------------------------------------------------------


def test_change_and_distance_are_signed():
    assert s.change(D("48"), D("44")) == D("4")
    assert s.change(D("44"), D("48")) == D("-4")
    assert s.change(None, D("1")) is None and s.change(D("1"), None) is None
    assert s.distance_from_target(D("48"), D("77")) == D("-29")
    assert s.distance_from_target(D("15"), D("10")) == D("5")  # lower is better: still v − t
    assert s.distance_from_target(D("1"), None) is None


@pytest.mark.parametrize(
    ("delta", "threshold", "expected"),
    [
        ("4", "1.0", s.UP),
        ("1.0", "1.0", s.UP),
        ("0.9", "1.0", s.FLAT),
        ("-0.9", "1.0", s.FLAT),
        ("-1.0", "1.0", s.DOWN),
        ("0", "1.0", s.FLAT),
        ("0.001", "0", s.UP),  # threshold 0: any change counts
        ("-0.001", "0", s.DOWN),
        ("0", "0", s.FLAT),  # no change is flat
    ],
)
def test_direction_of_travel_with_threshold(delta, threshold, expected):
    assert s.direction(D(delta), D(threshold)) == expected


def test_direction_unknown_without_previous_value():
    assert s.direction(None, D("1")) is None
    assert s.movement_words(None, s.HIGHER) == "no previous figure"


def test_improvement_follows_polarity():
    assert s.is_improving(s.UP, s.HIGHER) is True
    assert s.is_improving(s.DOWN, s.HIGHER) is False
    assert s.is_improving(s.UP, s.LOWER) is False
    assert s.is_improving(s.DOWN, s.LOWER) is True
    assert s.is_improving(s.FLAT, s.HIGHER) is None
    assert s.is_improving(s.UP, s.NEUTRAL) is None
    assert s.movement_words(s.UP, s.HIGHER) == "up, improving"
    assert s.movement_words(s.UP, s.LOWER) == "up, worsening"
    assert s.movement_words(s.FLAT, s.LOWER) == "no change"
    assert s.movement_words(s.DOWN, s.NEUTRAL) == "down"


def test_improved_on_last_period_flag_ignores_the_threshold():
    assert s.improved_on_last_period(D("96.4"), D("95.6"), s.HIGHER)
    assert s.improved_on_last_period(D("12.9"), D("19.7"), s.LOWER)
    assert not s.improved_on_last_period(D("12.9"), D("12.9"), s.LOWER)
    assert not s.improved_on_last_period(D("13"), None, s.LOWER)
    assert not s.improved_on_last_period(D("13"), D("12"), s.NEUTRAL)


# --- Aggregation -------------------------------------------------------------------------------


def pts(*values):
    return [s.Point(None if v is None else D(str(v))) for v in values]


def test_sum_latest_mean():
    # Seed MC 8, 2019/20: twelve in-month counts summing to the printed YTD 2,676.
    months = pts(203, 224, 256, 266, 258, 190, 192, 207, 249, 246, 220, 165)
    assert s.aggregate(months, s.SUM) == D("2676")
    # Seed CLA 3 (snapshot): YTD "or latest" is March's 528.
    assert s.aggregate(pts(558, 561, 528), s.LATEST) == D("528")
    assert s.aggregate(pts(1, 2, None), s.LATEST) == D("2")
    assert s.aggregate(pts(10, 20, None, 30), s.MEAN) == D("20")
    for how in (s.SUM, s.LATEST, s.MEAN, s.RATIO):
        assert s.aggregate(pts(None, None), how) is None
        assert s.aggregate([], how) is None


def test_ratio_is_sum_of_numerators_over_sum_of_denominators_never_mean_of_percentages():
    months = [s.Point(D("50"), D("1"), D("2")), s.Point(D("100"), D("98"), D("98"))]
    ratio = s.aggregate(months, s.RATIO, unit=units.PERCENT)
    assert ratio == D("100") * 99 / 100  # 99%
    assert ratio != s.aggregate(months, s.MEAN)  # the mean of percentages would be 75%


def test_ratio_skips_months_without_parts_and_zero_denominators():
    months = [s.Point(D("50"), D("1"), D("2")), s.Point(None), s.Point(D("0"), D("0"), D("0"))]
    assert s.aggregate(months, s.RATIO, unit=units.PERCENT) == D("50")
    assert s.aggregate([s.Point(D("0"), D("0"), D("0"))], s.RATIO, unit=units.PERCENT) is None


def test_rate_ratio_is_per_10000():
    months = [s.Point(None, D("30"), D("43000")), s.Point(None, D("40"), D("43000"))]
    assert s.aggregate(months, s.RATIO, unit=units.RATE_PER_10K) == D("10000") * 70 / 86000


def test_unknown_aggregation_is_refused():
    with pytest.raises(ValueError, match="unknown aggregation"):
        s.aggregate(pts(1), "median")


# --- Derived values and teams ----------------------------------------------------------------------


def test_with_derived_value_takes_the_value_from_its_parts():
    assert s.with_derived_value(units.PERCENT, s.Point(D("40"), D("48"), D("100"))) == s.Point(
        D("48"), D("48"), D("100")
    )
    assert s.with_derived_value(units.PERCENT, s.Point(D("40"))) == s.Point(D("40"))
    assert s.with_derived_value(units.PERCENT, s.Point(None, D("4"), D("0"))) == s.Point(None, D("4"), D("0"))
    assert s.with_derived_value(units.PERCENT, s.Point(None, D("4"), D("-2"))) == s.Point(None, D("4"), D("-2"))


def test_derive_value_from_parts():
    assert s.derive_value(unit=units.PERCENT, value=None, numerator=D("48"), denominator=D("100")) == D("48")
    assert s.derive_value(unit=units.PERCENT, value=None, numerator=D("1"), denominator=D("3")) == D("33.333333")
    assert s.derive_value(unit=units.RATE_PER_10K, value=None, numerator=D("783"), denominator=D("43118")) == D(
        "181.594694"  # 7,830,000 / 43,118 = 181.5946936…
    )
    assert s.derive_value(unit="count", value=D("5"), numerator=None, denominator=None) == D("5")
    assert s.derive_value(unit=units.PERCENT, value=None, numerator=D("1"), denominator=D("0")) is None


def test_whole_from_teams_adds_counts_and_pools_percentages():
    counts = [s.Point(D("10")), s.Point(D("5"))]
    assert s.whole_from_teams("count", s.SUM, counts).value == D("15")
    percents = [s.Point(D("50"), D("1"), D("2")), s.Point(D("100"), D("8"), D("8"))]
    whole = s.whole_from_teams(units.PERCENT, s.RATIO, percents)
    assert whole.value == D("90") and whole.numerator == D("9") and whole.denominator == D("10")
    assert s.whole_from_teams(units.PERCENT, s.RATIO, [s.Point(D("50"))]).value is None
    assert s.whole_from_teams("count", s.SUM, [s.Point(D("1")), s.Point(None)]).value is None
    assert s.whole_from_teams("count", s.SUM, []).value is None


def test_parts_disagree_after_display_rounding():
    assert s.parts_disagree(D("15"), D("16"))
    assert not s.parts_disagree(D("90.0"), D("90.04"))
    assert not s.parts_disagree(None, D("3"))


# --- Outliers ---------------------------------------------------------------------------------------


def test_outlier_beyond_three_standard_deviations_of_last_twelve():
    history = [D(v) for v in ("90", "92", "91", "89", "90", "91", "92", "90", "89", "91", "90", "92")]
    assert s.is_outlier(D("40"), history)
    assert not s.is_outlier(D("93"), history)
    assert not s.is_outlier(D("40"), history[:2])  # too little history
    assert not s.is_outlier(D("40"), [D("5")] * 12)  # no variation


# --- Comparator rating -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "comparator", "polarity", "expected"),
    [
        ("84.6", "84.8", s.HIGHER, s.SIMILAR),  # within ±0.5
        ("84.3", "84.8", s.HIGHER, s.SIMILAR),  # exactly at the band edge
        ("84.2", "84.8", s.HIGHER, s.WORSE),
        ("85.4", "84.8", s.HIGHER, s.BETTER),
        ("12.9", "22.0", s.LOWER, s.BETTER),
        ("25.0", "22.0", s.LOWER, s.WORSE),
        ("22.5", "22.0", s.LOWER, s.SIMILAR),
        ("22.6", "22.0", s.LOWER, s.WORSE),
    ],
)
def test_comparator_rating_by_polarity_and_band(value, comparator, polarity, expected):
    assert s.comparator_rating(D(value), D(comparator), polarity) == expected


def test_comparator_rating_none_when_missing_or_neutral():
    assert s.comparator_rating(None, D("1"), s.HIGHER) is None
    assert s.comparator_rating(D("1"), None, s.HIGHER) is None
    assert s.comparator_rating(D("1"), D("2"), s.NEUTRAL) is None
    assert s.comparator_rating(D("10"), D("12"), s.HIGHER, band=D("2")) == s.SIMILAR


# --- Invariants (property-based) ---------------------------------------------------------------------

figures = st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False, allow_infinity=False)
tolerances = st.one_of(st.none(), st.decimals(min_value=0, max_value=50, places=2))
kinds = st.sampled_from([s.ABSOLUTE, s.RELATIVE])


@given(value=figures, target=figures, tolerance=tolerances)
def test_flipping_polarity_and_mirroring_values_mirrors_the_rag(value, target, tolerance):
    # Absolute tolerances only: a relative band scales with the target, so mirroring the target
    # (t → −t) does not mirror the band (higher: 100 × 0.9 = 90; lower: −100 × 1.1 = −110, not −90).
    higher = s.rag(value, rule(target, tolerance, s.ABSOLUTE, s.HIGHER))
    lower = s.rag(-value, s.TargetRule(-target, tolerance, s.ABSOLUTE, s.LOWER))
    assert higher == lower


@given(value=figures, target=figures, tolerance=tolerances, kind=kinds, polarity=st.sampled_from([s.HIGHER, s.LOWER]))
def test_rag_is_never_grey_with_value_target_and_polarity(value, target, tolerance, kind, polarity):
    assert s.rag(value, rule(target, tolerance, kind, polarity)) in (s.GREEN, s.AMBER, s.RED)


@given(
    target=st.decimals(min_value=1, max_value=1000, places=2),
    tolerance=st.decimals(min_value=0, max_value=99, places=2),
)
def test_the_amber_band_lies_on_the_worse_side_of_the_target(target, tolerance):
    for kind in (s.ABSOLUTE, s.RELATIVE):
        assert rule(target, tolerance, kind, s.HIGHER).threshold <= target
        assert rule(target, tolerance, kind, s.LOWER).threshold >= target


@given(
    value=figures,
    target=figures,
    tolerance=tolerances,
    better=st.decimals(min_value=0, max_value=100, places=2),
)
def test_a_better_value_never_gets_a_worse_rag(value, target, tolerance, better):
    order = {s.RED: 0, s.AMBER: 1, s.GREEN: 2}
    r = rule(target, tolerance, s.ABSOLUTE, s.HIGHER)
    assert order[s.rag(value + better, r)] >= order[s.rag(value, r)]


@given(
    parts=st.lists(
        st.tuples(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=500)).filter(
            lambda t: t[0] <= t[1]
        ),
        min_size=1,
        max_size=12,
    )
)
def test_ratio_aggregation_is_pooled_and_within_the_monthly_range(parts):
    points = [
        s.Point(s.derive_value(unit=units.PERCENT, value=None, numerator=D(n), denominator=D(d)), D(n), D(d))
        for n, d in parts
    ]
    pooled = s.aggregate(points, s.RATIO, unit=units.PERCENT)
    assert pooled == D(100) * sum(D(n) for n, _ in parts) / sum(D(d) for _, d in parts)
    tolerance = D("0.00001")
    assert min(p.value for p in points) - tolerance <= pooled <= max(p.value for p in points) + tolerance


@given(change_=figures, threshold=st.decimals(min_value=0, max_value=10, places=2))
def test_direction_is_symmetric(change_, threshold):
    mirrored = {s.UP: s.DOWN, s.DOWN: s.UP, s.FLAT: s.FLAT}
    assert s.direction(-change_, threshold) == mirrored[s.direction(change_, threshold)]


# --- Windows over a series (the scorecard's quarter, YTD, last year and rolling figures) ----------

stored = st.decimals(min_value=0, max_value=100000, places=6, allow_nan=False, allow_infinity=False)
points_strategy = st.lists(
    st.one_of(
        st.just(s.Point(None)),  # a missing month or NA
        st.builds(lambda v: s.Point(v), stored),  # a value only
        st.builds(lambda n, d: s.Point(n, n, d), stored, stored),  # with parts (the denominator may be zero)
        st.builds(lambda n, d: s.Point(None, n, d), stored, stored),  # parts without a value
    ),
    max_size=30,
)


@given(
    points=points_strategy,
    aggregation=st.sampled_from([s.SUM, s.RATIO, s.LATEST, s.MEAN]),
    unit=st.sampled_from([units.PERCENT, units.RATE_PER_10K, "count"]),
    start=st.integers(min_value=-3, max_value=33),
    length=st.integers(min_value=0, max_value=14),
)
def test_window_aggregates_equal_aggregating_the_window(points, aggregation, unit, start, length):
    windows = s.WindowAggregates(points, aggregation, unit=unit)
    expected = s.aggregate(points[max(start, 0) : max(start + length, 0)], aggregation, unit=unit)
    assert windows.window(start, start + length) == expected


@given(
    points=points_strategy,
    aggregation=st.sampled_from([s.SUM, s.RATIO, s.LATEST, s.MEAN]),
    unit=st.sampled_from([units.PERCENT, units.RATE_PER_10K, "count"]),
    bounds=st.lists(st.tuples(st.integers(min_value=-14, max_value=33), st.integers(min_value=-3, max_value=35))),
)
def test_many_windows_at_once_equal_each_window(points, aggregation, unit, bounds):
    windows = s.WindowAggregates(points, aggregation, unit=unit)
    starts, stops = [a for a, _ in bounds], [b for _, b in bounds]
    expected = [s.aggregate(points[max(a, 0) : max(b, 0)], aggregation, unit=unit) for a, b in bounds]
    assert windows.windows(starts, stops) == [windows.window(a, b) for a, b in bounds] == expected


def test_window_aggregates_hand_worked_year_to_date_with_a_missing_month():
    # Apr 8/10, May missing, Jun 9/10 (90 %), Jul NA: YTD to Jul is 17/20 = 85 %, not the mean of 80 and 90.
    points = [s.Point(D("80"), D("8"), D("10")), s.Point(None), s.Point(D("90"), D("9"), D("10")), s.Point(None)]
    ratio = s.WindowAggregates(points, s.RATIO, unit=units.PERCENT)
    assert ratio.window(0, 4) == D("85")
    assert ratio.window(1, 2) is None
    assert s.WindowAggregates(points, s.LATEST).window(0, 4) == D("90")
    assert s.WindowAggregates(points, s.SUM).window(0, 4) == D("170")
    assert s.WindowAggregates(points, s.MEAN).window(0, 4) == D("85")
    with pytest.raises(ValueError, match="unknown aggregation"):
        s.WindowAggregates(points, "median")


@pytest.mark.parametrize(
    ("unit", "threshold"),
    [("percent", D("1.0")), ("rate_per_10k", D("1.0")), ("count", D("0")), ("average", D("0")), ("days", D("0"))],
)
def test_default_direction_threshold_by_unit(unit, threshold):
    """§2: 1.0 for percentages and rates, 0 for other units."""
    assert s.default_dot_threshold(unit) == threshold

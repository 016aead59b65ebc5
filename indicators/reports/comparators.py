"""The comparator section of the indicator page (PRODUCT §5, §6).

`benchmark_context(indicator, period=…)` gives the template `benchmarks/_indicator_benchmarks.html`:
the latest comparator values available for the indicator's latest approved
month up to the period chosen on the page, each with the year or quarter it is for; the comparator rating of that
month (from the materialised scorecard entry); the rank and quartile among the
named councils where at least four have a value; and the authority's annual
figure (`comparison.annual_figures`) against each comparator's annual values
over the years, as a server-side SVG chart with a data table. A fixed number of
queries, whatever the history.
"""

from dataclasses import dataclass, field
from datetime import date

from benchmarks import comparison, selectors
from benchmarks.models import ComparatorValue
from indicators import formatting, periods, scoring, units
from indicators.models import Indicator, ScorecardEntry
from indicators.reports import charts


@dataclass
class LatestRow:
    name: str
    kind: str
    value: str
    period_label: str
    note: str


@dataclass
class AnnualRow:
    label: str
    authority: str
    comparators: list[str] = field(default_factory=list)


def benchmark_context(indicator: Indicator, *, period: date | None = None) -> dict:
    """The comparators as they stood at `period` (default: the indicator's latest approved month)."""
    unit, decimals = indicator.unit, indicator.decimals

    def fig(value) -> str:
        return formatting.format_figure(value, unit, decimals)

    entries = list(ScorecardEntry.objects.whole_authority().filter(indicator=indicator).order_by("period"))
    if period is not None:
        entries = [e for e in entries if e.period <= period]
    latest_entry = entries[-1] if entries else None
    latest_period = latest_entry.period if latest_entry else None

    latest_rows, standing = [], None
    history = selectors.ComparatorHistory([indicator.pk])
    if latest_period is not None:
        figures = history.latest(indicator.pk, latest_period)
        for figure in figures:
            latest_rows.append(
                LatestRow(
                    figure.source.name,
                    figure.source.get_kind_display(),
                    fig(figure.value) or "No value",
                    figure.period_label,
                    figure.note,
                )
            )
        polarity = latest_entry.polarity or indicator.polarity
        standing = comparison.council_standing(
            latest_entry.value, ((f.source.kind, f.value) for f in figures), polarity
        )
    councils = sum(1 for s in history.sources.values() if s.kind == comparison.AUTHORITY)

    rating = latest_entry.comparator_rating if latest_entry else ""
    rule = selectors.rating_rules([indicator.pk], sources=list(history.sources.values()))[indicator.pk]
    rating_source = history.sources.get(rule.source_id)

    chart, annual_rows, series_names = _annual(indicator, entries, history, fig)
    return {
        "benchmark_period_label": periods.month_label(latest_period) if latest_period else "",
        "benchmark_value": fig(latest_entry.value) if latest_entry else "",
        "latest_comparators": latest_rows,
        "comparator_rating": rating,
        "comparator_rating_words": comparison.rating_words(rating or None),
        "comparator_rating_colour": comparison.rating_rag(rating or None),
        "comparator_rating_against": (
            f"{latest_entry.comparator_source.name} {latest_entry.comparator_period}"
            if latest_entry and latest_entry.comparator_source_id
            else ""
        ),
        "rating_source_name": rating_source.name if rating_source else "",
        "rating_band": formatting.format_number(rule.band, 3).rstrip("0").rstrip(".") if rule.band is not None else "",
        "rating_neutral": (latest_entry.polarity if latest_entry else indicator.polarity) == scoring.NEUTRAL,
        "standing": standing,
        "named_councils": councils,
        "min_councils": comparison.MIN_COUNCILS,
        "annual_chart": chart,
        "annual_rows": annual_rows,
        "annual_series": series_names,
        "annual_aggregation": indicator.get_aggregation_display().lower(),
    }


def _annual(indicator, entries, history, fig):
    """The authority's annual figures and each comparator's annual values, by financial year."""
    points = {e.period: scoring.Point(e.value, e.numerator, e.denominator) for e in entries}
    own = {a.year: a for a in comparison.annual_figures(points, indicator.aggregation, indicator.unit)}
    by_source: dict[int, dict[int, object]] = {}
    for source_id, start, value in ComparatorValue.objects.filter(
        indicator=indicator, period_kind=ComparatorValue.PeriodKind.YEAR
    ).values_list("source_id", "period_start", "value"):
        by_source.setdefault(source_id, {})[periods.financial_year_of(start)] = value
    sources = [s for s in history.sources.values() if s.pk in by_source]
    years = sorted(set(own) | {year for values in by_source.values() for year in values})
    series = [charts.Series("This council", tuple(own[y].value if y in own else None for y in years))]
    series += [charts.Series(s.label, tuple(by_source[s.pk].get(y) for y in years)) for s in sources]
    chart = charts.annual_chart(years, series, unit=indicator.unit, decimals=indicator.decimals)
    rows = []
    for index, year in enumerate(years):
        annual = own.get(year)
        text = fig(annual.value) if annual else ""
        if annual and not annual.complete and text:
            text += f" ({annual.months} of 12 months)"
        rows.append(AnnualRow(periods.financial_year_label(year), text, [fig(s.values[index]) for s in series[1:]]))
    return chart, rows, [s.name for s in series]


def month_populations(indicator: Indicator, months: list[date]) -> dict[date, selectors.PopulationFigure]:
    """For a rate per 10,000: the whole-authority population each month's rate used (`population_for`'s rule)."""
    if indicator.unit != units.RATE_PER_10K or not months:
        return {}
    return selectors.population_years_by_period(months)

"""The indicator page's comparators: latest values with their year, rating, rank, the annual chart; population used."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from indicators.scorecard.recompute import recompute
from returns.models import State
from tests import factories
from tests.benchmarks.test_benchmark_scorecard import benchmarked  # noqa: F401 - the shared fixture
from tests.conftest import client_for


def page(client, user, indicator):
    client_for(client, user)
    response = client.get(reverse("indicators:detail", args=[indicator.pk]))
    assert response.status_code == 200
    return response.content.decode()


def section(html):
    return html[html.index('id="comparators"') : html.index('id="history"')]


def table_rows(html, caption):
    table = html[html.index(caption) :]
    table = table[: table.index("</table>")]
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', table, re.S)
    ]


@pytest.mark.parametrize("role", ["viewer", "officer", "director", "performance_user"])
def test_latest_comparators_with_their_year_rating_and_rank(client, request, benchmarked, role):  # noqa: F811
    html = section(page(client, request.getfixturevalue(role), benchmarked["rereferrals"]))
    assert "The latest comparator figures available for Dec-20, when the council's figure was 12.9%" in html
    assert table_rows(html, "Latest comparator figures")[1:] == [
        ["Statistical neighbours", "Statistical-neighbour average", "22.0%", "2019/20", ""],
        ["South East", "Regional average", "25.1%", "2019/20", ""],
        ["England", "National (England)", "22.6%", "2019/20", ""],
        ["Bexley", "Named authority", "17.9%", "2019/20", ""],
        ["Kingston", "Named authority", "15.0%", "2019/20", ""],
        ["Redbridge", "Named authority", "12.9%", "2020/21 Q2", ""],
        ["Havering", "Named authority", "11.0%", "2018/19", ""],
    ]
    assert '<strong class="kpi-rag kpi-rag--green">Better</strong> Statistical neighbours 2019/20' in html
    assert "within ±0.5 points" in html
    assert "joint 2nd of 5 (1st is best), quartile 2 of 4" in html


def test_fewer_than_four_councils_and_neutral_polarity_say_why_there_is_no_rank(client, viewer, benchmarked):  # noqa: F811
    benchmarked["rereferrals"].comparator_values.filter(source__name__in=["Havering", "Redbridge"]).delete()
    recompute()
    assert "Not ranked: fewer than 4 named councils have a figure." in section(
        page(client, viewer, benchmarked["rereferrals"])
    )
    html = section(page(client, viewer, benchmarked["caseload"]))
    assert "No rating: this indicator has no better direction." in html
    assert "Not ranked: this indicator has no better direction." in html


def test_annual_figure_against_each_comparator_chart_and_table(client, viewer, benchmarked):  # noqa: F811
    factories.ComparatorValueFactory(
        indicator=benchmarked["rereferrals"], source=benchmarked["SN"], period_start=date(2018, 4, 1), value=D("21")
    )
    html = section(page(client, viewer, benchmarked["rereferrals"]))
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "style=" not in html and "<script" not in html
    # The council and each comparator with annual figures (quarters are not years: Redbridge has none).
    assert svg.count('class="kpi-chart__series ') == 7
    assert "<title>This council 2019/20: 15.4%</title>" in svg
    assert "<title>SN 2018/19: 21.0%</title>" in svg
    rows = table_rows(html, "Annual figures in the chart")
    assert rows[0] == ["Financial year", "This council", "SN", "SE", "ENG", "Bexley", "Kingston", "Havering"]
    assert rows[1:] == [
        ["2018/19", "", "21.0%", "", "", "", "", "11.0%"],
        ["2019/20", "15.4%", "22.0%", "25.1%", "22.6%", "17.9%", "15.0%", ""],
        # Mean of Apr–Dec 2020 (16.3 17 18 19 16 15 20 19.7 12.9): a part year, and it says so.
        ["2020/21", "17.1% (9 of 12 months)", "", "", "", "", "", ""],
    ]


def _series_looks(svg: str, group_class: str) -> list[tuple[str, str, str]]:
    """(colour class, marker shape, dash pattern) of each series group of `group_class`, in order."""
    looks = []
    for css, marker, body in re.findall(
        rf'<g class="{group_class} (kpi-chart__series--\d+)" data-marker="([a-z-]+)">(.*?)</g>', svg, re.S
    ):
        dashes = set(
            re.findall(
                r'<(?:polyline|line) class="kpi-chart__series-line"[^>]*?(?: stroke-dasharray="([^"]*)")?/>', body
            )
        )
        assert len(dashes) <= 1  # one pattern for the whole series
        assert "<circle" not in body and 'class="kpi-chart__series-point" d="' in body
        looks.append((css, marker, dashes.pop() if dashes else ""))
    return looks


def test_annual_chart_series_differ_by_marker_and_dash_not_colour_alone(client, viewer, benchmarked):  # noqa: F811
    """WCAG 1.4.1: each line has its own marker shape and dash pattern, and its legend swatch shows the same."""
    # Two years of each comparator, so every series is drawn as a line as well as markers.
    for key, value in {"SN": "21", "SE": "24", "ENG": "22", "Bexley": "18", "Kingston": "16"}.items():
        factories.ComparatorValueFactory(
            indicator=benchmarked["rereferrals"], source=benchmarked[key], period_start=date(2018, 4, 1), value=D(value)
        )
    factories.ComparatorValueFactory(
        indicator=benchmarked["rereferrals"],
        source=benchmarked["Havering"],
        period_start=date(2019, 4, 1),
        value=D("12"),
    )
    html = section(page(client, viewer, benchmarked["rereferrals"]))
    chart = html[html.index("<svg") : html.index("</svg>")]
    legend = html[html.index('<figcaption class="govuk-body-s kpi-chart-legend">') : html.index("</figcaption>")]
    plotted = _series_looks(chart, "kpi-chart__series")
    assert len(plotted) == 7
    assert len({marker for _, marker, _ in plotted}) == 7  # seven shapes
    assert len({dash for _, _, dash in plotted}) == 7  # seven line patterns (the council's solid)
    assert plotted[0][1:] == ("circle", "")
    # The legend: a swatch per series, in the same order, drawing the same marker and dash, named beside it.
    assert _series_looks(legend, "kpi-chart__swatch") == plotted
    assert legend.count('aria-hidden="true"') == 7  # the swatches are pictures of the lines; the names are text
    names = [re.sub(r"<[^>]+>", "", span).strip() for span in re.findall(r"</svg>(.*?)</span>", legend, re.S)]
    assert names == ["This council", "SN", "SE", "ENG", "Bexley", "Kingston", "Havering"]
    assert "Annual figures in the chart" in html  # the text alternative stays


def test_no_comparators_yet(client, viewer, indicator):
    html = page(client, viewer, indicator)
    assert "No comparator figures have been loaded for this indicator." in section(html)
    assert "annual-chart" not in html


def test_rates_say_which_population_year_they_used(client, viewer):
    rate = factories.IndicatorFactory(code="FD 6", unit="rate_per_10k", decimals=1, aggregation="ratio")
    factories.PopulationFactory(team=None, year=2019, population=43000)
    factories.PopulationFactory(team=None, year=2020, population=43110)
    for period, count, denominator in (
        (date(2019, 12, 1), 258, 43000),  # the mid-2019 estimate was in force
        (date(2020, 4, 1), 208, 43110),  # the mid-2020 estimate
        (date(2020, 5, 1), 210, 42000),  # a denominator the officer entered
    ):
        factories.ReturnFactory(
            indicator=rate,
            period=period,
            numerator=D(count),
            denominator=D(denominator),
            value=D(count) * 10000 / D(denominator),
            state=State.APPROVED,
        )
    html = page(client, viewer, rate)
    assert "the latest mid-year estimate not after the month" in html
    rows = {r[0]: r for r in table_rows(html, "Monthly figures, newest first")}
    assert rows["Dec-19"][4] == "mid-2019 estimate, 43,000"
    assert rows["Apr-20"][4] == "mid-2020 estimate, 43,110"
    assert rows["May-20"][4] == "a denominator entered with the figure"


def test_the_page_loads_in_the_same_number_of_queries_with_more_comparators(client, viewer, benchmarked):  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client_for(client, viewer)
    url = reverse("indicators:detail", args=[benchmarked["rereferrals"].pk])

    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured.captured_queries)

    before = count()
    for year in range(2010, 2019):
        factories.ComparatorValueFactory(
            indicator=benchmarked["rereferrals"], source=benchmarked["ENG"], period_start=date(year, 4, 1), value=D(20)
        )
    assert count() == before

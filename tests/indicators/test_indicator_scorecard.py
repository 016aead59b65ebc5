"""The scorecard parts of the indicator page: chart and its data table, teams, commentary and approvals."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from indicators.reports import charts
from indicators.reports.indicator import indicator_scorecard_context
from kpiportal.accounts import roles
from returns.models import ReturnEvent, State
from tests import factories

pytestmark = pytest.mark.django_db

PARTS = (
    "indicators/_indicator_chart.html",
    "indicators/_indicator_teams.html",
    "indicators/_indicator_commentary.html",
)


def render_parts(indicator, user) -> str:
    context = {"indicator": indicator, **indicator_scorecard_context(indicator, user)}
    return "".join(render_to_string(name, context) for name in PARTS)


def test_chart_is_server_side_svg_with_a_data_table_and_no_inline_style(scored, viewer):
    html = render_parts(scored.cp5, viewer)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "style=" not in html and "<script" not in html
    assert svg.count('class="kpi-chart__point"') == 18  # Apr-19 … Sep-20
    assert svg.count('class="kpi-chart__target"') == 1  # 2020/21 only: 2019/20 had no target
    assert svg.count('class="kpi-chart__comparator"') == 18
    assert "<title>Sep-20: 48%</title>" in svg
    table = html[html.index("Figures in the chart") :]
    assert re.search(r"Sep-20</th><td[^>]*>48%</td><td[^>]*>77%</td><td[^>]*>77%</td><td[^>]*>75%</td>", table)
    assert "kpi-rag--persistent-red" in table


def test_team_breakdown_of_the_latest_month(scored, viewer):
    html = render_parts(scored.cp5, viewer)
    teams = html[html.index('id="teams"') : html.index('id="commentary"')]
    assert "Figures by team, Sep-20" in teams
    assert re.search(r"EAST</th><td[^>]*>50%</td><td[^>]*>5</td><td[^>]*>10</td>", teams)
    assert "SOUTH" in teams


def test_commentary_and_approval_history_month_by_month(scored, viewer, director, officer):
    ret = scored.cp5.returns.get(period=date(2020, 9, 1))
    ReturnEvent.objects.create(ret=ret, kind="submitted", actor=officer, from_state="draft", to_state="submitted")
    ReturnEvent.objects.create(
        ret=ret, kind="approved", actor=director, from_state="submitted", to_state="approved", comment="Agreed"
    )
    factories.ReturnFactory(
        indicator=scored.cp5, period=date(2020, 10, 1), value=D("50"), state=State.SUBMITTED, commentary="Pending"
    )
    viewer_html = render_parts(scored.cp5, viewer)
    notes = viewer_html[viewer_html.index('id="commentary"') :]
    assert "Approved months only" in notes and "Pending" not in notes
    assert notes.index("Sep-20") < notes.index("Aug-20")  # newest first
    assert "CP 5 commentary for Sep-20" in notes
    assert "Approved by Dana Director" in notes and "Agreed" in notes and "Submitted by Olive Officer" in notes
    staff_html = render_parts(scored.cp5, director)
    assert "Pending" in staff_html[staff_html.index('id="commentary"') :]


def test_the_parts_load_in_a_fixed_number_of_queries(scored, viewer):
    roles.roles_of(viewer)  # read once per request, with the navigation
    viewer.has_perm("indicators.view_unapproved")  # likewise cached on the user for the request
    with CaptureQueriesContext(connection) as few:
        indicator_scorecard_context(scored.cp5, viewer)
    for month in range(12):
        ret = scored.cp5.returns.get(period=date(2019, 4 + month, 1) if month < 9 else date(2020, month - 8, 1))
        ReturnEvent.objects.create(ret=ret, kind="approved", actor=viewer)
    with CaptureQueriesContext(connection) as many:
        indicator_scorecard_context(scored.cp5, viewer)
    assert len(many) == len(few) <= 4


def test_an_indicator_without_figures(viewer):
    ind = factories.IndicatorFactory(code="NEW 1")
    html = render_parts(ind, viewer)
    assert "No approved figures yet" in html and "<svg" not in html and "No figures yet" in html


def test_chart_geometry_breaks_lines_at_gaps_and_steps_targets_by_year():
    points = [
        charts.ChartPoint(date(2021, 2, 1), D("10"), D("20"), D("18")),
        charts.ChartPoint(date(2021, 3, 1), D("12"), D("20"), D("18")),
        charts.ChartPoint(date(2021, 4, 1), None, D("15"), None),
        charts.ChartPoint(date(2021, 5, 1), D("30"), D("15"), None, comparator=D("25")),
    ]
    chart = charts.history_chart(points, unit="count", decimals=0)
    assert len(chart.value_lines) == 2 and len(chart.value_markers) == 3
    assert len(chart.target_lines) == 2 and len(chart.band_polygons) == 1
    assert len(chart.comparator_markers) == 1
    ys = [m.y for m in chart.value_markers]
    assert ys[0] > ys[1] > ys[2]  # higher values are drawn higher up
    assert [t.label for t in chart.y_ticks] == ["10", "15", "20", "25", "30"]
    assert charts.history_chart([], unit="count", decimals=0).is_empty


@pytest.mark.parametrize("role", ["performance_user", "director", "officer", "viewer"])
def test_the_indicator_page_shows_chart_teams_and_commentary(client, request, scored, role):
    from django.urls import reverse

    from tests.conftest import client_for

    user = request.getfixturevalue(role)
    response = client_for(client, user).get(reverse("indicators:detail", args=[scored.cp5.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1 and "<svg" in html and "style=" not in html
    assert 'id="teams"' in html and "EAST" in html and "CP 5 commentary for Sep-20" in html


def _page(client, user, pk, **params):
    from django.urls import reverse

    from tests.conftest import client_for

    return client_for(client, user).get(reverse("indicators:detail", args=[pk]), params)


def _chart_months(html: str) -> list[str]:
    table = html[html.index("Figures in the chart") :]
    table = table[: table.index("</table>")]
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', table)


def test_the_indicator_page_picks_a_period_defaulting_to_the_latest(client, scored, viewer):
    html = _page(client, viewer, scored.cp5.pk).content.decode()
    assert re.search(r'<option value="2020-09" selected>Sep-20</option>', html)
    assert '<option value="2019-04">Apr-19</option>' in html
    assert _chart_months(html)[-1] == "Sep-20" and "EAST" in html

    response = _page(client, viewer, scored.cp5.pk, period="2020-06")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<option value="2020-06" selected>Jun-20</option>', html)
    months = _chart_months(html)
    assert months[0] == "Apr-19" and months[-1] == "Jun-20" and "Sep-20" not in months
    assert "EAST" not in html  # the teams are June's: none gave a breakdown then
    notes = html[html.index('id="commentary"') :]
    assert "CP 5 commentary for Jun-20" in notes and "CP 5 commentary for Jul-20" not in notes
    assert "The latest comparator figures available for Jun-20" in html


@pytest.mark.parametrize(
    ("period", "message"),
    [("Nov-22", "write it as YYYY-MM"), ("2022-13", "not a month"), ("'; DROP TABLE", "write it as YYYY-MM")],
)
def test_a_bad_period_on_the_indicator_page_is_refused_with_a_message(client, scored, viewer, period, message):
    response = _page(client, viewer, scored.cp5.pk, period=period)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert 'id="id_period-error"' in html and 'href="#id_period"' in html
    assert "'; DROP TABLE" not in html and ("&#x27;; DROP TABLE" in html) == ("DROP TABLE" in period)  # escaped


def test_annual_chart_series_styles_differ_in_shape_and_dash():
    """Eight series before a style repeats, no two with the same marker or the same dash pattern."""
    styles = charts.SERIES_STYLES
    assert len(styles) == 8
    assert len({s.marker for s in styles}) == len({s.dash for s in styles}) == 8
    outlines = {charts.marker_path(s.marker, 0, 0) for s in styles}
    assert len(outlines) == 8  # every shape draws its own outline
    chart = charts.annual_chart(
        [2019, 2020],
        [charts.Series(f"S{k}", (D(k), D(k + 1))) for k in range(9)],
        unit="count",
        decimals=0,
    )
    assert [g.style for g in chart.series] == [*styles, styles[0]]  # a ninth series reuses the first style
    first = chart.series[1]
    assert all(m.path == charts.marker_path("square", m.x, m.y) for m in first.markers)
    with pytest.raises(ValueError):
        charts.marker_path("hexagon", 0, 0)

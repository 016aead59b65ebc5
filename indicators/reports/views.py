"""The scorecard pages: board scorecard, thematic dashboard, exception report, and the board pack.

Every role reads them; they show approved figures only (the materialised
entries). Each has a period picker (default: the latest month with approved
figures), the catalogue filters, sorting and CSV/XLSX export. A page loads in a
fixed number of queries whatever the number of indicators, and its rendered
tables are cached by (page, query string, scorecard version): a recompute
raises the version, so nobody sees a stale scorecard.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from indicators import periods
from indicators.models import Indicator, ScorecardState
from indicators.reports import boardpack, feed, layouts
from indicators.reports.filters import ScorecardFilter
from indicators.reports.rows import (
    Scorecard,
    ScorecardRow,
    board_months,
    build_scorecard,
    filter_by_performance_group,
    last_13_months,
    periods_with_figures,
)
from indicators.reports.tables import scorecard_table
from indicators.scorecard import failures
from kpiportal import exports, table_rows
from kpiportal.accounts import roles

CACHE_SECONDS = 300  # a rename of a theme or an officer shows within five minutes; figures at once


class BadRequest(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Layout:
    name: str
    title: str
    months: Callable[[date], list[date]]
    columns: Callable[[Scorecard], list[layouts.Column]]
    by_theme: bool = False
    exceptions_only: bool = False
    intro: str = ""
    comparators: bool = False  # every comparator's latest value (for comparator columns and rank)
    benchmark: bool = False  # the last complete year's and quarter's figures and the targets in force


BOARD = Layout(
    "board",
    "Board scorecard",
    board_months,
    layouts.board_columns,
    intro="Each indicator's approved monthly figures for last year and this, with its target, RAG, last year's "
    "outturn (the whole year), and the year to date this year and last.",
)
DASHBOARD = Layout(
    "dashboard",
    "Thematic dashboard",
    last_13_months,
    layouts.dashboard_columns,
    by_theme=True,
    intro="Indicators by theme: performance against target, direction of travel and the last 13 months.",
    comparators=True,
)
EXCEPTIONS = Layout(
    "exceptions",
    "Exception report",
    lambda period: [period],
    layouts.exception_columns,
    exceptions_only=True,
    intro="Indicators that are red or persistently red this month, with the responsible officer's commentary.",
)


BENCHMARK = Layout(
    "benchmark",
    "Benchmark scorecard",
    lambda period: [
        periods.financial_year_start(periods.financial_year_of(period)),
        periods.add_months(period, -1),
        period,
    ],
    layouts.benchmark_columns,
    by_theme=True,
    intro="Each indicator's baseline, last and current month, the last full quarter (and this quarter to date "
    "while it runs) and the annual return of the last complete year beside the "
    "latest published comparators (each with the year it is for), the comparator rating and, where at least "
    "four named councils have a figure, the council's rank among them.",
    comparators=True,
    benchmark=True,
)


def check_reader(user) -> None:
    """Every role reads scorecards; a signed-in account with no role reads nothing."""
    if not roles.roles_of(user):
        raise PermissionDenied("Your account has no role in the portal yet: ask the performance team.")


def requested_period(request) -> date | None:
    """The `period` asked for (YYYY-MM), None when not given; BadRequest for anything else."""
    text = request.GET.get("period", "").strip()
    if not text:
        return None
    try:
        return feed.parse_feed_period(text)
    except feed.FeedError as exc:
        raise BadRequest("period", str(exc)) from exc


def layout_groups(layout: Layout, rows: list[ScorecardRow]) -> list[tuple[str, list[ScorecardRow]]]:
    if not layout.by_theme:
        return [("", rows)]
    groups: dict[str, list[ScorecardRow]] = {}
    for row in rows:
        groups.setdefault(row.indicator.theme.name, []).append(row)
    return list(groups.items())


def layout_rows(layout: Layout, scorecard: Scorecard, rag_group: str) -> list[ScorecardRow]:
    rows = filter_by_performance_group(scorecard.rows, rag_group)
    if layout.exceptions_only:
        rows = [r for r in rows if layouts.is_exception(r)]
        rows.sort(key=lambda r: (layouts.RAG_ORDER[r.performance_group], r.indicator.theme.position))
    return rows


def _scorecard_for(layout: Layout, period: date, filterset: ScorecardFilter) -> Scorecard:
    return build_scorecard(
        period,
        indicators=filterset.qs,
        months=layout.months(period),
        commentary=layout.exceptions_only,
        comparators=layout.comparators,
        annual=layout.benchmark,
        full_quarter=layout.benchmark,
        targets=layout.benchmark,
    )


def layout_view(scorecard: Scorecard, layout: Layout) -> Scorecard:
    """The same rows seen through another layout's months (the board's months hold the dashboard's)."""
    return Scorecard(period=scorecard.period, months=sorted(set(layout.months(scorecard.period))), rows=scorecard.rows)


def _cache_key(layout: Layout, request, version: int) -> str:
    query = sorted((k, v) for k, values in request.GET.lists() for v in values if k != "export")
    digest = hashlib.sha256(repr(query).encode()).hexdigest()[:32]
    return f"scorecard-page:{layout.name}:{version}:{digest}"


def _export(layout: Layout, scorecard: Scorecard, rows: list[ScorecardRow], fmt: str) -> HttpResponse:
    columns = layout.columns(scorecard)
    name = f"{layout.name}-{periods.iso_month(scorecard.period)}"
    if fmt == exports.XLSX:
        sheet = boardpack.Sheet(
            layout.title,
            f"{layout.title}, {periods.month_label(scorecard.period)}",
            columns,
            layout_groups(layout, rows),
        )
        response = HttpResponse(boardpack.workbook_bytes([sheet]), content_type=boardpack.XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    headers = [c.header for c in columns]
    if layout.by_theme:
        headers = ["Theme", *headers]
    data = (
        ([row.indicator.theme.name] if layout.by_theme else []) + [c.cell(row).export_value for c in columns]
        for row in rows
    )
    return exports.download(name, exports.CSV, headers, data)


def _problem(request, layout: Layout, error: BadRequest, context: dict) -> HttpResponse:
    context = {**context, "layout": layout, "error": error}
    return render(request, "indicators/scorecard_page.html", context, status=400)


def _page(request, layout: Layout) -> HttpResponse:
    check_reader(request.user)
    options = periods_with_figures()
    filterset = ScorecardFilter(request.GET or None, queryset=Indicator.objects.all())
    context = {"layout": layout, "filter": filterset, "period_options": options}
    if roles.is_performance_team(request.user):
        context["scorecard_failures"] = failures.current()
    try:
        period = requested_period(request)
    except BadRequest as error:
        return _problem(request, layout, error, context)
    if filterset.is_bound and not filterset.is_valid():
        field, errors = next(iter(filterset.form.errors.items()))
        return _problem(request, layout, BadRequest(field, f"{filterset.form[field].label}: {errors[0]}"), context)
    fmt = request.GET.get("export", "")
    if fmt and fmt not in exports.FORMATS:
        return _problem(
            request, layout, BadRequest("export", f"'{fmt}' is not an export format: use csv or xlsx"), context
        )
    period = period or (options[0] if options else None)
    context.update(period=period, period_label=periods.month_label(period) if period else "")
    if period is not None and period not in options:
        context["period_options"] = sorted([*options, period], reverse=True)
    if period is None:
        context["no_figures_yet"] = True
        return render(request, "indicators/scorecard_page.html", context)
    if fmt:
        scorecard = _scorecard_for(layout, period, filterset)
        return _export(layout, scorecard, layout_rows(layout, scorecard, filterset.rag_group), fmt)
    key = _cache_key(layout, request, ScorecardState.current_version())
    fragment = cache.get(key)
    if fragment is None:
        scorecard = _scorecard_for(layout, period, filterset)
        rows = layout_rows(layout, scorecard, filterset.rag_group)
        columns = layout.columns(scorecard)
        tables = []
        for group, group_rows in layout_groups(layout, rows):
            caption = group or f"{layout.title}, {periods.month_label(period)}"
            table = scorecard_table(columns, group_rows, caption=caption)
            table_rows.configure(request, table)
            tables.append(table)
        fragment = render_to_string(
            "indicators/_scorecard_tables.html",
            {
                "tables": tables,
                "has_figures": scorecard.has_figures,
                "rows": rows,
                "layout": layout,
                "period_label": context["period_label"],
                "latest": options[0] if options else None,
                "latest_label": periods.month_label(options[0]) if options else "",
                "filtered": bool(request.GET.keys() - {"period", "sort"}),
            },
            request=request,
        )
        cache.set(key, fragment, CACHE_SECONDS)
    context["tables_html"] = fragment
    pack_query = request.GET.copy()
    for name in ("export", "sort"):
        pack_query.pop(name, None)
    pack_query["period"] = periods.iso_month(period)
    context["board_pack_query"] = pack_query.urlencode()
    return render(request, "indicators/scorecard_page.html", context)


@require_GET
def board(request):
    return _page(request, BOARD)


@require_GET
def dashboard(request):
    return _page(request, DASHBOARD)


@require_GET
def exceptions(request):
    return _page(request, EXCEPTIONS)


@require_GET
def benchmark_scorecard(request):
    return _page(request, BENCHMARK)


@require_GET
def board_pack(request):
    """The XLSX board pack of a period: the board scorecard, the thematic dashboard and the exception report."""
    check_reader(request.user)
    filterset = ScorecardFilter(request.GET or None, queryset=Indicator.objects.all())
    options = periods_with_figures()
    context = {"layout": BOARD, "filter": filterset, "period_options": options}
    try:
        period = requested_period(request)
    except BadRequest as error:
        return _problem(request, BOARD, error, context)
    period = period or (options[0] if options else None)
    if period is None or (filterset.is_bound and not filterset.is_valid()):
        error = BadRequest("period", "There are no approved figures to put in a board pack yet")
        if period is not None:
            error = BadRequest("rag", "Check the filters")
        return _problem(request, BOARD, error, context)
    scorecard = build_scorecard(
        period,
        indicators=filterset.qs,
        months=board_months(period),
        commentary=True,
        comparators=True,
        annual=True,
        full_quarter=True,
        targets=True,
    )
    label = periods.month_label(period)
    sheets = []
    for layout in (BOARD, DASHBOARD, EXCEPTIONS, BENCHMARK):
        view = layout_view(scorecard, layout)
        rows = layout_rows(layout, view, filterset.rag_group)
        sheets.append(
            boardpack.Sheet(layout.title, f"{layout.title}, {label}", layout.columns(view), layout_groups(layout, rows))
        )
    response = HttpResponse(boardpack.workbook_bytes(sheets), content_type=boardpack.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{boardpack.filename("board-pack", period)}"'
    return response

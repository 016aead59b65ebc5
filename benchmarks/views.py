"""The performance team's comparator pages: sources, single values, uploads and the rating comparator.

Thin views: forms check the input, `benchmarks.services` write. Every page
here is the performance team's: other roles get 403 (they read comparator
values on the scorecards and indicator pages instead).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from benchmarks import comparison, rules, selectors, services
from benchmarks.filters import ValueFilter
from benchmarks.forms import RatingForm, SourceForm, ValueForm
from benchmarks.models import ComparatorSource, ComparatorValue, RatingComparator
from benchmarks.tables import SourceTable, ValueTable
from indicators import periods
from indicators.models import Indicator
from kpiportal import exports, query, table_rows
from kpiportal.sheets.table import number_text
from kpiportal.views import bad_request


def _check_manager(request) -> None:
    if not rules.can_manage_comparators(request.user):
        raise PermissionDenied("Only the performance team manages comparators.")


def get_source_for_user(user, pk) -> ComparatorSource:
    """The access helper: 403 for anyone but the performance team, 404 for an unknown source."""
    if not rules.can_manage_comparators(user):
        raise PermissionDenied("Only the performance team manages comparators.")
    return get_object_or_404(ComparatorSource, pk=pk)


def get_value_for_user(user, pk) -> ComparatorValue:
    if not rules.can_manage_comparators(user):
        raise PermissionDenied("Only the performance team manages comparators.")
    return get_object_or_404(ComparatorValue.objects.select_related("indicator", "source"), pk=pk)


def _apply_service_error(form, error: services.ComparatorError) -> None:
    if error.field and error.field in form.fields:
        form.add_error(error.field, error.message)
    else:
        form.add_error(None, error.message)


# --- Sources --------------------------------------------------------------------------------------------


def index(request):
    """Comparator sources, and the ways in to values, uploads and the rating comparator."""
    _check_manager(request)
    sources = ComparatorSource.objects.annotate(value_count=Count("values")).order_by("position", "name")
    return render(
        request, "benchmarks/index.html", {"table": SourceTable(sources), "scorecard_rule": _scorecard_rule_text()}
    )


def _scorecard_rule_text() -> str:
    choice = RatingComparator.objects.filter(indicator__isnull=True).select_related("source").first()
    sources = selectors.comparator_sources()
    rule = selectors.rating_rules([0], sources=sources)[0]
    chosen = next((s for s in sources if s.pk == rule.source_id), None)
    if chosen is None:
        return "No comparator: add a statistical-neighbour average, or choose a comparator."
    how = "chosen" if choice is not None and choice.source_id == chosen.pk else "the default"
    return f"{chosen.name} ({how}), 'as good as' within ±{number_text(rule.band)} points"


def source_add(request):
    _check_manager(request)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.comparator_source_create(**form.cleaned_data, by=request.user)
        except services.ComparatorError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(request, f"Comparator '{source.name}' added.")
            return redirect("benchmarks:index")
    return render(request, "benchmarks/source_form.html", {"form": form, "source": None})


def source_edit(request, pk):
    source = get_source_for_user(request.user, pk)
    initial = {"name": source.name, "short_name": source.short_name, "kind": source.kind, "position": source.position}
    form = SourceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.comparator_source_update(
                source=source,
                name=data["name"],
                short_name=data["short_name"],
                kind=data["kind"],
                position=data["position"] if data["position"] is not None else source.position,
                by=request.user,
            )
        except services.ComparatorError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(request, f"Comparator '{data['name']}' saved.")
            return redirect("benchmarks:index")
    return render(request, "benchmarks/source_form.html", {"form": form, "source": source})


# --- Values ------------------------------------------------------------------------------------------------


def values(request):
    """Every comparator value, filtered; exports to CSV and XLSX."""
    _check_manager(request)
    queryset = ComparatorValue.objects.select_related("indicator", "source", "loaded_by").order_by(
        "indicator__code", "source__position", "source__name", "period_start"
    )
    filterset = ValueFilter(request.GET or None, queryset=queryset)
    rows = filterset.qs
    fmt = request.GET.get("export")
    if fmt in exports.FORMATS:
        return exports.download(
            "comparator-values",
            fmt,
            ["indicator_code", "comparator", "period", "value", "note"],
            (
                (
                    v.indicator.code,
                    v.source.name,
                    periods.year_or_quarter_label(v.period_kind, v.period_start),
                    v.value,
                    v.note,
                )
                for v in rows.iterator()
            ),
            title="Comparator values",
        )
    table = ValueTable(rows)
    table_rows.configure(request, table, per_page=100)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "benchmarks/values.html",
        {"table": table, "filter": filterset, "query": query.urlencode()},
    )


def value_add(request):
    _check_manager(request)
    initial = {}
    if request.GET.get("indicator"):
        initial["indicator"] = request.GET["indicator"]
    form = ValueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        return _save_value(request, form)
    return render(request, "benchmarks/value_form.html", {"form": form, "value": None})


def value_edit(request, pk):
    value = get_value_for_user(request.user, pk)
    initial = {
        "indicator": value.indicator_id,
        "source": value.source_id,
        "period": periods.year_or_quarter_label(value.period_kind, value.period_start),
        "value": "" if value.value is None else number_text(value.value),
        "note": value.note,
    }
    form = ValueForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        return _save_value(request, form, replacing=value)
    return render(request, "benchmarks/value_form.html", {"form": form, "value": value})


def _save_value(request, form, replacing: ComparatorValue | None = None):
    data = form.cleaned_data
    kind, start = data["period"]
    try:
        saved, created = services.comparator_value_set(
            indicator=data["indicator"],
            source=data["source"],
            period_kind=kind,
            period_start=start,
            value=data["value"],
            note=data["note"],
            by=request.user,
        )
        if replacing is not None and replacing.pk != saved.pk:
            # The year, comparator or indicator was changed: the old value moves rather than stays twice.
            services.comparator_value_delete(comparator_value=replacing, by=request.user)
    except services.ComparatorError as exc:
        _apply_service_error(form, exc)
        return render(request, "benchmarks/value_form.html", {"form": form, "value": replacing})
    label = periods.year_or_quarter_label(kind, start)
    messages.success(
        request, f"{data['indicator'].code} {data['source'].name} {label} {'added' if created else 'saved'}."
    )
    return redirect("benchmarks:values")


@require_POST
def value_delete(request, pk):
    value = get_value_for_user(request.user, pk)
    label = periods.year_or_quarter_label(value.period_kind, value.period_start)
    label = f"{value.indicator.code} {value.source.name} {label}"
    services.comparator_value_delete(comparator_value=value, by=request.user)
    messages.success(request, f"{label} removed.")
    return redirect("benchmarks:values")


# --- The rating comparator ------------------------------------------------------------------------------------


def _default_label(sources) -> str:
    default = comparison.default_source([comparison.Source(s.pk, s.kind, s.position, s.name) for s in sources])
    name = next((s.name for s in sources if s.pk == default), None)
    return f"The default: the first statistical-neighbour average ({name})" if name else "The default (none yet)"


def rating(request):
    """The scorecard-wide rating comparator and band, and the indicators that override them."""
    _check_manager(request)
    sources = selectors.comparator_sources()
    choice = RatingComparator.objects.filter(indicator__isnull=True).first()
    initial = {"source": choice.source_id if choice else None, "band": selectors.scorecard_band()}
    form = RatingForm(request.POST or None, initial=initial, scorecard_wide=True, default_label=_default_label(sources))
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_comparator_set(
                indicator=None, source=form.cleaned_data["source"], band=form.cleaned_data["band"], by=request.user
            )
        except services.ComparatorError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(request, "The scorecard's rating comparator is saved; scorecards are being recomputed.")
            return redirect("benchmarks:rating")
    overrides = RatingComparator.objects.filter(indicator__isnull=False).select_related("indicator", "source")
    return render(
        request,
        "benchmarks/rating.html",
        {
            "form": form,
            "overrides": overrides.order_by("indicator__code"),
            "indicators": Indicator.objects.order_by("code").only("pk", "code", "title"),
        },
    )


def rating_indicator(request, indicator_pk=None):
    """One indicator's own rating comparator and band (blank = the scorecard-wide choice)."""
    _check_manager(request)
    if indicator_pk is None:
        try:
            indicator_pk = query.identifier(request.GET.get("indicator"), "indicator", "an indicator")
        except query.QueryError as exc:
            return bad_request(request, exc.message, back=reverse("benchmarks:rating"))
        if indicator_pk is None:
            return redirect("benchmarks:rating")
        return redirect("benchmarks:rating_indicator", indicator_pk=indicator_pk)
    indicator = get_object_or_404(Indicator, pk=indicator_pk)
    sources = selectors.comparator_sources()
    choice = RatingComparator.objects.filter(indicator=indicator).first()
    initial = {"source": choice.source_id, "band": choice.band} if choice else {}
    form = RatingForm(
        request.POST or None,
        initial=initial,
        scorecard_wide=False,
        default_label="The scorecard-wide choice",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_comparator_set(
                indicator=indicator,
                source=form.cleaned_data["source"],
                band=form.cleaned_data["band"],
                by=request.user,
            )
        except services.ComparatorError as exc:
            _apply_service_error(form, exc)
        else:
            messages.success(request, f"The rating comparator of {indicator.code} is saved.")
            return redirect("benchmarks:rating")
    rule = selectors.rating_rules([indicator.pk], sources=sources)[indicator.pk]
    in_force = next((s.name for s in sources if s.pk == rule.source_id), "no comparator")
    return render(
        request,
        "benchmarks/rating_indicator.html",
        {"form": form, "indicator": indicator, "in_force": in_force, "band": number_text(rule.band)},
    )

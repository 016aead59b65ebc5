"""The web import of the performance team (PRODUCT §8): upload → preview with every bad row → confirm.

Thin: each view reads the request and calls one service in `indicators.imports.batches`.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from indicators.imports import batches
from indicators.imports.forms import ImportForm
from indicators.models import ImportBatch
from kpiportal import imports
from kpiportal.sheets.limits import human_size
from kpiportal.sheets.table import TableError

ERRORS_SHOWN = 500
CHANGES_SHOWN = 200


def _require_import(user) -> None:
    if not user.has_perm("indicators.import_data"):
        raise PermissionDenied


def get_batch_for_user(user, pk: int) -> ImportBatch:
    """The user's own upload (404 for anyone else's, or one that has expired); 403 outside the performance team."""
    _require_import(user)
    batch = get_object_or_404(ImportBatch.objects.defer("content"), pk=pk, created_by=user)
    if batch.status == ImportBatch.Status.PENDING and batch.expires_at <= timezone.now():
        raise Http404("This upload has expired")
    return batch


@require_http_methods(["GET", "POST"])
def imports_index(request):
    """Choose the kind of file and upload it; recent uploads below."""
    _require_import(request.user)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
    else:
        form = ImportForm(
            initial={"kind": request.GET.get("kind")} if request.GET.get("kind") in imports.KINDS else None
        )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = batches.import_batch_create(
                kind=form.cleaned_data["kind"], filename=upload.name, content=upload.read(), by=request.user
            )
        except TableError as exc:
            form.add_error("file", exc.reason)
        else:
            return redirect("indicators:import_preview", pk=batch.pk)
    recent = ImportBatch.objects.filter(created_by=request.user).defer("content")[:10]
    return render(
        request,
        "indicators/imports.html",
        {
            "form": form,
            "kinds": imports.KINDS.values(),
            "recent": recent,
            "max_size": human_size(settings.IMPORT_MAX_BYTES),
        },
    )


@require_http_methods(["GET"])
def import_preview(request, pk: int):
    """What the file would create and change, and every bad row with its row, column and reason."""
    batch = get_batch_for_user(request.user, pk)
    if batch.status != ImportBatch.Status.PENDING:
        return render(request, "indicators/import_done.html", {"batch": batch})
    batch = ImportBatch.objects.get(pk=batch.pk)
    options = _options(batch.kind, request.GET)
    report = batches.import_batch_preview(batch=batch, options=options)
    return _render_preview(request, batch, report, options=options)


def _options(kind: str, data) -> dict[str, bool]:
    """The kind's yes/no choices as ticked on the preview (query string) or sent with the confirmation."""
    return {option.name: data.get(option.name) == "on" for option in imports.KINDS[kind].options}


def _render_preview(request, batch, report, status=200, options=None):
    errors = report.sorted_errors
    kind = imports.KINDS[batch.kind]
    options = options or {}
    return render(
        request,
        "indicators/import_preview.html",
        {
            "batch": batch,
            "kind": kind,
            "options": [(option, options.get(option.name, False)) for option in kind.options],
            "report": report,
            "errors": errors[:ERRORS_SHOWN],
            "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
            "changes": report.changes[:CHANGES_SHOWN],
            "changes_hidden": max(0, len(report.changes) - CHANGES_SHOWN),
        },
        status=status,
    )


@require_POST
def import_confirm(request, pk: int):
    """Import the previewed file: checked again and written all or nothing."""
    batch = get_batch_for_user(request.user, pk)
    options = _options(batch.kind, request.POST)
    try:
        report = batches.import_batch_confirm(batch=batch, by=request.user, options=options)
    except batches.BatchError as exc:
        messages.error(request, str(exc))
        return redirect("indicators:imports")
    if not report.ok:
        messages.error(request, "The file no longer imports cleanly: nothing was written. See the problems below.")
        return _render_preview(request, ImportBatch.objects.get(pk=batch.pk), report, status=409, options=options)
    messages.success(request, f"{batch.filename} imported. " + "; ".join(report.summary()))
    return redirect("indicators:imports")


@require_POST
def import_discard(request, pk: int):
    batch = get_batch_for_user(request.user, pk)
    try:
        batches.import_batch_discard(batch=batch, by=request.user)
    except batches.BatchError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{batch.filename} was not imported.")
    return redirect("indicators:imports")

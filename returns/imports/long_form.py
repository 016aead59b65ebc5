"""The figures import in the long form (PRODUCT §8): figures imported as history, approved, attributed to the importer.

Every row is checked before anything is written; one bad row and nothing is.
The rows are read by `returns.imports.rows`, planned by `returns.imports.plan`
and written by the returns workflow's `write_approved_history`. A file in the
wide scorecard layout is recognised by `indicators.imports.figures`, which
plans and writes its figures with the same steps.
"""

from django.db import transaction

from indicators import recompute_requests
from indicators.catalogue.lookup import Catalogue, check_can_import
from kpiportal.imports import ImportReport
from kpiportal.sheets.table import Table
from returns.imports.history import raced_imports_reported, write_approved_history
from returns.imports.plan import plan_figures
from returns.imports.rows import parse_figure_rows

COMMENT = "Imported from a figures file"


def long_form_import(table: Table, *, by, commit: bool) -> ImportReport:
    """Import a figures file in the long form as approved history; all or nothing."""
    check_can_import(by)
    report = ImportReport("figures", layout="figures")
    rows = parse_figure_rows(table, Catalogue.load(), report)
    if report.errors and not rows:
        return report
    plan = plan_figures(rows, report=report)
    if report.errors:
        return report
    plan.record(report)
    if commit:
        with raced_imports_reported(report):
            with transaction.atomic():
                write_approved_history(plan, by=by, comment=COMMENT)
                recompute_requests.request_recompute(
                    plan.indicator_ids(), from_period=plan.first_period(), reason="figures imported"
                )
            report.written = True
    return report

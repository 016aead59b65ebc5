"""The import framework shared by every kind of import (PRODUCT §8).

An import runs in two steps, the same from the web upload and the command
line: read the file into a table (`kpiportal.sheets.reader`), then call the kind's
service with `commit=False` (a preview: parse, check every row, work out what
would be created or updated, write nothing) or `commit=True` (the same, then
write everything in one transaction — or nothing when any row is bad).

Each service returns an `ImportReport`. Kinds are listed in `KINDS` by dotted
path so that apps register without import cycles; a new kind (comparators)
adds one entry here and a command subclassing `ImportCommand`.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

from kpiportal.accounts.models import User
from kpiportal.sheets import reader
from kpiportal.sheets.table import RowError, Table, TableError

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"


class ImportRefused(Exception):
    """The user may not run this import (checked in the service as well as the view)."""


@dataclass(frozen=True)
class Change:
    action: str
    noun: str
    key: str
    details: str = ""
    row: int | None = None


@dataclass
class ImportReport:
    """What an import found and did: errors stop it; warnings and notes are for the reader."""

    kind: str
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    layout: str = ""
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int | None, column: str, reason: str) -> None:
        self.errors.append(RowError(row, column, reason))

    def warn(self, row: int | None, column: str, reason: str) -> None:
        self.warnings.append(RowError(row, column, reason))

    def add(self, action: str, noun: str, key: str, details: str = "", row: int | None = None) -> None:
        """Count a change; created and updated ones are also listed for the preview."""
        self.counts[(noun, action)] += 1
        if action != UNCHANGED:
            self.changes.append(Change(action, noun, key, details, row))

    def count(self, noun: str, action: str) -> int:
        return self.counts[(noun, action)]

    @property
    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.sort_key)

    @property
    def sorted_warnings(self) -> list[RowError]:
        return sorted(self.warnings, key=lambda e: e.sort_key)

    @property
    def nothing_to_do(self) -> bool:
        return not any(action != UNCHANGED for (_, action) in self.counts)

    def summary(self) -> list[str]:
        """One line per noun: '12 figures created, 3 updated, 40 unchanged'."""
        nouns = []
        for noun, _ in self.counts:
            if noun not in nouns:
                nouns.append(noun)
        lines = []
        for noun in nouns:
            parts = [
                f"{self.counts[(noun, action)]} {action}"
                for action in (CREATED, UPDATED, UNCHANGED)
                if self.counts[(noun, action)]
            ]
            if parts:
                lines.append(f"{plural(noun)}: {', '.join(parts)}")
        return lines


def plural(noun: str) -> str:
    return noun if noun.endswith("s") else f"{noun}s"


def no_rows_message(table: Table) -> str:
    """A file with a header row and nothing under it: said so, never previewed as 'already in the portal'."""
    where = f"The sheet '{table.sheet}'" if table.sheet else "The file"
    return f"{where} has headers but no rows under them: there is nothing to import"


def file_error_report(kind: str, error: TableError) -> ImportReport:
    """The report of a file that could not be read at all."""
    return ImportReport(kind=kind, errors=list(error.errors))


# --- The kinds of import ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOption:
    """A yes/no choice a kind of import offers: a checkbox on the upload page, a flag on the command line."""

    name: str  # the service's keyword argument, e.g. `create_sources`
    label: str  # the checkbox label
    flag: str  # the command-line flag, e.g. `--create-sources`
    hint: str = ""


@dataclass(frozen=True)
class ImportKind:
    kind: str
    label: str
    service: str  # dotted path of `run(table, *, by, commit, **options) -> ImportReport`
    columns: str  # shown on the upload page
    hint: str = ""
    options: tuple[ImportOption, ...] = ()

    def run(self, table: Table, *, by, commit: bool, **options) -> ImportReport:
        if len(table.rows) < 2:
            return ImportReport(kind=self.kind, errors=[RowError(None, "", no_rows_message(table))])
        module, name = self.service.rsplit(".", 1)
        function: Callable[..., ImportReport] = getattr(import_module(module), name)
        chosen = {o.name: bool(options.get(o.name)) for o in self.options}
        return function(table, by=by, commit=commit, **chosen)


KINDS: dict[str, ImportKind] = {
    k.kind: k
    for k in (
        ImportKind(
            "indicators",
            "Indicators and targets",
            "indicators.imports.catalogue.indicators_import",
            "code, title, definition, theme, service_area, polarity, unit, decimals, frequency, measure, "
            "aggregation, is_key, status, responsible_officer, financial_year, target, tolerance, "
            "tolerance_kind, dot_threshold",
            "One row per indicator, or per indicator and financial year for targets. A blank cell leaves an "
            "existing indicator's value as it is.",
        ),
        ImportKind(
            "figures",
            "Figures (history)",
            "indicators.imports.figures.figures_import",
            "indicator_code, period (2022-11 or Nov-22), value, numerator, denominator, team (blank = whole "
            "authority), commentary",
            "Or a scorecard in the wide layout: one row per indicator and one column per month (Apr-19, "
            "May-19…), recognised automatically. Figures arrive approved, attributed to you.",
            options=(
                ImportOption(
                    "create_indicators",
                    "Create the indicators the catalogue does not have",
                    "--create-indicators",
                    "For a scorecard in the wide layout: an indicator the catalogue does not have is created (its "
                    "code, or one made from its section and place; theme, unit, target, tolerance, polarity and "
                    "range from the file) instead of being refused.",
                ),
                ImportOption(
                    "update_targets",
                    "Change existing targets and tolerances",
                    "--update-targets",
                    "For a scorecard in the wide layout: where the file's target or tolerance differs from the "
                    "catalogue's, the catalogue's is changed. Otherwise it stays as it is and each difference is a "
                    "warning. Targets for years that have none are created either way.",
                ),
            ),
        ),
        ImportKind(
            "populations",
            "Teams and populations",
            "benchmarks.populations.populations_import",
            "team (blank = whole authority), year (mid-year estimate, e.g. 2015), population (0–17)",
            "A row with a team and no population registers the team.",
        ),
        ImportKind(
            "comparators",
            "Comparator values",
            "benchmarks.services.comparators_import",
            "indicator_code, comparator (name or short name), period (2019/20, or 2020/21 Q3 for a quarter), "
            "value, note; optional unit (%, rate per 10,000, count…) and kind (for new comparators)",
            "Values with % have it stripped; n/a means no value. Loading the same file again updates what "
            "changed and adds nothing twice.",
            options=(
                ImportOption(
                    "create_sources",
                    "Add the new comparators",
                    "--create-sources",
                    "Comparators the portal does not know are added (their kind from the 'kind' column or their "
                    "name) instead of being refused.",
                ),
            ),
        ),
    )
}


def get_kind(kind: str) -> ImportKind:
    return KINDS[kind]


def run_file(kind: str, data: bytes, *, by, commit: bool, **options) -> ImportReport:
    """Read `data` and run the import `kind` on it; a file that cannot be read gives a report of its errors."""
    try:
        table = reader.read_bytes(data)
    except TableError as exc:
        return file_error_report(kind, exc)
    return KINDS[kind].run(table, by=by, commit=commit, **options)


# --- Command line ---------------------------------------------------------------------------------


class ImportCommand(BaseCommand):
    """`manage.py import_<kind> FILE [--user USERNAME] [--dry-run]`: all or nothing, non-zero exit on any bad row."""

    kind = ""
    changes_shown = 25

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8) or XLSX file")
        parser.add_argument("--user", help="username the import is attributed to (recorded in the history)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and show what would change")
        for option in KINDS[self.kind].options:
            parser.add_argument(option.flag, action="store_true", dest=option.name, help=option.hint)

    def handle(self, *args, **options):
        by = None
        if options["user"]:
            by = User.objects.filter(username=options["user"]).first()
            if by is None:
                raise CommandError(f"There is no user '{options['user']}'")
        try:
            table = reader.read_path(options["file"])
        except FileNotFoundError:
            raise CommandError(f"There is no file {options['file']}") from None
        except TableError as exc:
            raise CommandError(f"{options['file']}: nothing was written.\n" + "\n".join(map(str, exc.errors))) from None
        try:
            report = KINDS[self.kind].run(table, by=by, commit=not options["dry_run"], **options)
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        self.print_report(report, dry_run=options["dry_run"])
        if not report.ok:
            raise CommandError(
                f"{len(report.errors)} problem{'s' if len(report.errors) != 1 else ''} in {options['file']}: "
                "nothing was written."
            )

    def print_report(self, report: ImportReport, *, dry_run: bool) -> None:
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        for warning in report.sorted_warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        for error in report.sorted_errors:
            self.stderr.write(self.style.ERROR(str(error)))
        if not report.ok:
            return
        shown: Counter = Counter()
        for change in report.changes:
            shown[change.noun] += 1
            if shown[change.noun] <= self.changes_shown:
                detail = f" ({change.details})" if change.details else ""
                self.stdout.write(f"  {change.action} {change.noun} {change.key}{detail}")
        for noun, count in shown.items():
            if count > self.changes_shown:
                self.stdout.write(f"  … and {count - self.changes_shown} more {plural(noun)} created or updated")
        verb = "Would write" if dry_run else "Written"
        self.stdout.write(self.style.SUCCESS(f"{verb}: " + ("; ".join(report.summary()) or "nothing")))

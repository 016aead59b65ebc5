"""Demo data: one user per role, and (from the seed files) the catalogue and its history.

Idempotent: running it again changes nothing.
"""

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import transaction

from benchmarks.demo import load_seed_comparators
from indicators import recompute_requests
from indicators.imports import wide
from indicators.imports.catalogue import indicators_import
from indicators.imports.figures import UNASSIGNED, wide_import
from indicators.models import ServiceArea, Theme
from kpiportal.accounts import roles
from kpiportal.accounts.models import User
from kpiportal.imports import ImportReport
from kpiportal.sheets import reader


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    last_name: str
    initials: str = ""


DEMO_USERS = (
    DemoUser("perf", "perf-demo-2026", roles.PERFORMANCE_TEAM, "Pat", "Analyst"),
    DemoUser("director", "director-demo-2026", roles.DIRECTOR, "Dana", "Director"),
    DemoUser("officer", "officer-demo-2026", roles.RESPONSIBLE_OFFICER, "Olive", "Officer", "OO"),
    DemoUser("viewer", "viewer-demo-2026", roles.VIEWER, "Vic", "Viewer"),
)


@transaction.atomic
def ensure_demo_users() -> list[DemoUser]:
    """Create the demo users (or reset them to their demo roles); returns them for printing."""
    roles.ensure_role_groups()
    _ensure_users(DEMO_USERS)
    return list(DEMO_USERS)


# --- The catalogue and history from the seed scorecards ---------------------------------------------

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
MONTHLY_SCORECARD = "scorecard-2019-2021-monthly.txt"
INDICATOR_LIST_2017 = "indicator-list-oct-2017.txt"
BENCHMARK_SCORECARD = "scorecard-with-benchmarks-dec-2020.txt"
CATALOGUE_CSV = "catalogue.csv"
SEEDS = (MONTHLY_SCORECARD, INDICATOR_LIST_2017, BENCHMARK_SCORECARD)


class DemoDataError(Exception):
    """A demo file that does not import cleanly (a bug in the demo data or the importers)."""


@dataclass
class DemoResult:
    users: list[DemoUser]
    reports: dict[str, ImportReport]


def ro_users_for(initials: list[str]) -> list[DemoUser]:
    """One responsible officer per set of RO initials in the seeds: username = initials in lower case."""
    return [
        DemoUser(i.lower(), f"{i.lower()}-demo-2026", roles.RESPONSIBLE_OFFICER, f"{i[0]}.", f"{i[1:]}.", i)
        for i in initials
    ]


def _imported(name: str, report: ImportReport) -> ImportReport:
    if not report.ok:
        problems = "\n".join(str(e) for e in report.sorted_errors[:20])
        raise DemoDataError(f"{name} does not import cleanly:\n{problems}")
    return report


@transaction.atomic
def load_demo() -> DemoResult:
    """Users, then the seeds through the same importers a council uses, then what the seeds lack.

    Order matters only for what each file may set: the 2019–21 scorecard
    creates its indicators (units, decimals and aggregations inferred from its
    values and YTD columns); the 2017 list adds the indicators only it has
    (with its statuses); the committed `catalogue.csv` adds definitions,
    themes, service areas, tolerances, codes for the benchmark scorecard's
    measures and the demo officer's indicators; the benchmark scorecard then
    finds its measures by title. Every step leaves alone what it finds
    already as it says, so a second run changes nothing.
    """
    users = ensure_demo_users()
    sheets = {name: wide.parse(reader.read_path(DEMO_DATA / name)) for name in SEEDS}
    initials = sorted({row.responsible_officer for sheet in sheets.values() for row in sheet.rows} - {""})
    officers = ro_users_for(initials)
    _ensure_users(officers)
    perf = User.objects.get(username="perf")
    reports = {}
    for name in (MONTHLY_SCORECARD, INDICATOR_LIST_2017):
        reports[name] = _imported(name, _seed_import(sheets[name], by=perf))
    catalogue = reader.read_path(DEMO_DATA / CATALOGUE_CSV)
    reports[CATALOGUE_CSV] = _imported(CATALOGUE_CSV, indicators_import(catalogue, by=perf, commit=True))
    name = BENCHMARK_SCORECARD
    reports[name] = _imported(name, _seed_import(sheets[name], by=perf))
    reports[f"{name} (comparators)"] = _imported(name, load_seed_comparators(sheets[name], by=perf))
    _tidy_and_assign(users)
    _recompute_all()
    return DemoResult(users + officers, reports)


def _seed_import(sheet, *, by) -> ImportReport:
    """A seed scorecard builds the demo catalogue: its new indicators are created and its targets are the ones kept."""
    return wide_import(None, by=by, commit=True, sheet=sheet, create_indicators=True, update_targets=True)


def _ensure_users(demo_users) -> None:
    for demo in demo_users:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "initials": demo.initials,
                "email": f"{demo.username}@council.example",
            },
        )
        if created:
            user.set_password(demo.password)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=demo.role))  # the performance team gets the admin (accounts.signals)


def _tidy_and_assign(users: list[DemoUser]) -> None:
    """The demo director reviews every service area; empty 'Unassigned' placeholders go."""
    director = User.objects.get(username="director")
    for area in ServiceArea.objects.exclude(directors=director):
        area.directors.add(director)
    Theme.objects.filter(name=UNASSIGNED, indicators__isnull=True).delete()
    ServiceArea.objects.filter(name=UNASSIGNED, indicators__isnull=True).delete()


def _recompute_all() -> None:
    """A full scorecard recompute once the demo data has committed (merged with the imports' own requests)."""
    recompute_requests.request_recompute(None, reason="demo data loaded")

"""`make bench`: run every perf/bench_*.py against a fresh benchmark database and print the figures.

Uses a PostgreSQL database `kpiportal_bench` when PostgreSQL answers on
127.0.0.1:5432 (else a SQLite file in perf/out/). Each benchmark module
defines `run(report)` and calls `report.add(...)` for each figure; ratios are
computed within the same run so they compare like with like.

Two kinds of figure. Speed figures (times, ratios, rates) are reported with
their target, met or missed, and never fail the run: they depend on the
machine. Correctness figures — duplicate or lost emails, SQL query counts, any
figure that "must be" a value — are wrong or right on any machine: the run
exits non-zero when one is wrong, naming it. A figure is a correctness figure
when added with `must=True`, and any query count (unit "queries") is one.

    make bench                 # all benchmarks
    make bench BENCH=scorecard # only perf/bench_scorecard.py
"""

import importlib
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pg_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return True
    except OSError:
        return False


def fresh_postgres_database(name: str) -> str:
    """Drop and create database `name` on the local PostgreSQL; returns its URL."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def configure_database():
    if "DATABASE_URL" in os.environ:
        return os.environ["DATABASE_URL"]
    if pg_answers():
        url = fresh_postgres_database(os.environ.get("KPI_BENCH_DB", "kpiportal_bench"))
    else:
        out = ROOT / "perf" / "out"
        out.mkdir(exist_ok=True)
        db = out / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    os.environ["DATABASE_URL"] = url
    return url


COUNTED_UNITS = {"queries"}


class Report:
    def __init__(self):
        self.rows = []
        self.wrong: list[str] = []  # correctness figures that are wrong, one line each

    def add(
        self,
        benchmark: str,
        figure: str,
        value: float,
        unit: str,
        *,
        target: str = "",
        ok: bool | None = None,
        must: bool | None = None,
    ):
        """Record and print a figure. `ok` says whether it meets `target`; with `must` (implied
        for a query count) a figure that does not is wrong, and the run fails."""
        must = unit in COUNTED_UNITS if must is None else must
        self.rows.append((benchmark, figure, value, unit, target, ok))
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
        if ok is None:
            verdict = ""
        elif ok:
            verdict = "  ✔ correct" if must else "  ✔ meets target"
        elif must:
            verdict = "  ✘ WRONG"
            measured = f"{shown} {unit}".rstrip()
            self.wrong.append(f"{benchmark}: {figure} is {measured}, must be {target or 'as expected'}")
        else:
            verdict = "  ✘ MISSES target"
        print(f"  {figure:<62} {shown:>14} {unit:<8} {target}{verdict}", flush=True)

    def summary(self) -> int:
        """Print the totals and a FAILED line per wrong figure; returns the exit status (1 when any is wrong)."""
        misses = [r for r in self.rows if r[5] is False]
        print(f"{len(self.rows)} figures, {len(misses)} missing their target, {len(self.wrong)} wrong.")
        for line in self.wrong:
            print(f"FAILED: {line}", file=sys.stderr)
        return 1 if self.wrong else 0


def timed(fn, repeat: int = 1) -> float:
    """Best wall time of `repeat` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpiportal.settings.test")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    url = configure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"Benchmark database: {url.split('@')[-1]}  (2 cores; figures from this one run)\n")
    only = os.environ.get("BENCH")
    modules = sorted(p.stem for p in (ROOT / "perf").glob("bench_*.py"))
    if only:
        modules = [m for m in modules if only in m]
    report = Report()
    for name in modules:
        module = importlib.import_module(f"perf.{name}")
        print(f"== {name[len('bench_') :]}: {(module.__doc__ or '').strip().splitlines()[0]}")
        module.run(report)
        print()
    return report.summary()


if __name__ == "__main__":
    sys.exit(main())

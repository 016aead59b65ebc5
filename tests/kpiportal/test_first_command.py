"""The README's first command on a fresh machine: SQLite, tasks in-process, the demo data loaded.

The rest of the suite runs on PostgreSQL; this runs the same steps as `make run`
(migrate, load_demo) on a new SQLite file, in a subprocess with the default
settings, so a code path that only works on PostgreSQL cannot break it unseen.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_migrate_and_load_demo_on_a_fresh_sqlite_file(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, f"manage.py {command[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    assert "perf       / perf-demo-2026" in done.stdout
    check = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from indicators.models import ScorecardEntry; print(ScorecardEntry.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr[-2000:]
    assert int(check.stdout.strip().splitlines()[-1]) > 0  # the scorecard was computed from the demo figures

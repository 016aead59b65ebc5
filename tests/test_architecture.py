"""The import contracts (`[tool.importlinter]` in pyproject.toml) hold, and each one fails on a back-arrow.

`make lint` runs the same contracts with `lint-imports`; these tests show that they are not vacuous: a copy
of the portal with one import added against the arrows breaks the contract that forbids it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("indicators", "returns", "benchmarks", "kpiportal")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    args = [str(LINT_IMPORTS), "--no-cache"]
    for contract in contracts:
        args += ["--contract", contract]
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_portal_keeps_every_import_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def portal_copy(tmp_path) -> Path:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


# (module that gains an import, the import, the contract that must break)
BACK_ARROWS = [
    # A pure rule reaching for the database.
    ("indicators/scoring.py", "from indicators import models", "pure-rules"),
    ("returns/deadlines.py", "import django.db", "pure-rules"),
    # The catalogue reaching up for the engine; returns reaching up for the scorecard pages.
    ("indicators/catalogue/selectors.py", "from indicators.scorecard import recompute", "parts"),
    ("returns/services.py", "from indicators.reports import views", "parts"),
    # Comparators reaching up into the returns workflow.
    ("benchmarks/selectors.py", "from returns import policy", "parts"),
    # A service importing a view; models importing a service.
    ("returns/services.py", "from returns.views import lists", "roles"),
    ("benchmarks/models.py", "from benchmarks import services", "roles"),
    # The shared building blocks importing an app.
    ("kpiportal/exports.py", "from indicators import models", "shared"),
    # A cycle between two modules of one app: the relay answering the notifications' services.
    ("indicators/alerts/outbox.py", "from indicators.alerts import services", "no-cycles"),
]


@pytest.mark.parametrize(("module", "back_arrow", "contract"), BACK_ARROWS)
def test_a_back_arrow_breaks_its_contract(portal_copy, module, back_arrow, contract):
    assert lint_imports(portal_copy, contract).returncode == 0, f"{contract} must hold before the change"
    path = portal_copy / module
    path.write_text(path.read_text() + f"\n{back_arrow}  # noqa\n")
    result = lint_imports(portal_copy, contract)
    assert result.returncode == 1, result.stdout
    assert "BROKEN" in result.stdout

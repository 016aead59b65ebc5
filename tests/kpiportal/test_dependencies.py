"""The portal uses only what requirements/base.txt installs: removed packages stay unused."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Installed once but never used by the portal: django-htmx (no view or template asks
# `request.htmx`, no hx- attribute) and tablib (the exports write XLSX with openpyxl).
REMOVED = ("django_htmx", "tablib")

IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
for name in {removed!r}:
    sys.modules[name] = None  # importing it now fails
import django
django.setup()
from django.core.management import call_command
call_command("check", fail_level="ERROR")
for package in ("kpiportal", "indicators", "returns", "benchmarks"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, prefix=package + "."):
        if module.name != "kpiportal.settings.production":
            importlib.import_module(module.name)
print("imported")
"""


def test_every_module_loads_without_the_removed_packages():
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING.format(removed=REMOVED)],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "kpiportal.settings.test", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("imported")


def test_the_requirements_no_longer_install_them():
    requirements = (ROOT / "requirements" / "base.txt").read_text().lower()
    assert "django-htmx" not in requirements and "tablib" not in requirements

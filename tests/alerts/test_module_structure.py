"""The notifications app has no hidden cycle: its imports are at module level, public, and run one way.

Tasks import the services; the services, the reminders and `sending` queue tasks
by their registered name and never import `tasks.py`. The only imports inside a
function are the app's `ready()` (loading modules once the models are).
"""

import ast
from pathlib import Path

import pytest

import indicators.alerts
from indicators.alerts import sending
from kpiportal.celery import app

APP = Path(indicators.alerts.__file__).parent
MODULES = sorted(APP.glob("*.py"))
PROJECT = {"indicators", "returns", "benchmarks", "kpiportal"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _imports_inside_functions(tree: ast.Module) -> list[tuple[str, int]]:
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or function.name == "ready":
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append((function.name, node.lineno))
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_import_inside_a_function(path):
    assert _imports_inside_functions(_tree(path)) == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_private_name_imported_from_the_project(path):
    private = [
        (node.module, alias.name)
        for node in ast.walk(_tree(path))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").split(".")[0] in {"indicators", "returns", "kpiportal"}
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []


def _imported_modules(tree: ast.Module) -> set[str]:
    """Every module the code imports, `from a import b` counting as both `a` and `a.b`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


@pytest.mark.parametrize("name", ["services", "reminders", "sending", "outbox", "emails", "mail"])
def test_only_entry_points_import_the_tasks(name):
    assert "indicators.alerts.tasks" not in _imported_modules(_tree(APP / f"{name}.py"))


@pytest.mark.parametrize("name", ["SEND_DELIVERY", "SEND_DIGEST", "SEND_REMINDER"])
def test_the_send_tasks_are_registered_under_the_names_they_are_queued_by(name):
    assert getattr(sending, name) in app.tasks

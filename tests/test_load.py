"""`make load` against a real gunicorn on the test database: its table, its JSON, and a failing page failing the run.

Not timing-sensitive: as many connections as pages, so every page gets at least its first request
whatever the machine's speed, and a generous timeout per request; no figure is compared to a time.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perf import load_report
from perf.load_client import Target

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["home", "scorecard", "dashboard", "exceptions", "benchmark scorecard", "indicator page", "my returns", "feed"]
FIELDS = {"path", "requests", "rps", "p50_ms", "p99_ms", "max_ms", "errors", "wrong", "errors_by_kind"}


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_short_load_prints_the_table_writes_the_json_and_fails_naming_the_page_that_errors(tmp_path):
    out = tmp_path / "load.json"
    command = [sys.executable, "perf/load.py", "--seconds=1", "--static-seconds=1", "--warmup-seconds=0"]
    command += ["--connections=10", "--workers=1", "--timeout=60", f"--json={out}"]
    # A page that is not found, and one that sends a signed-in person elsewhere (the sign-in page, to the home page).
    command += ["--url=broken=/no-such-page/", "--url=sign-in page=/accounts/login/"]
    env = {**os.environ, "DATABASE_URL": _database_url(), "PYTHONWARNINGS": "ignore"}
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)

    assert run.returncode == 1, run.stdout + run.stderr
    result = json.loads(out.read_text())
    rows = result["rows"]
    broken, redirected = rows["broken"]["errors"], rows["sign-in page"]["wrong"]
    assert [line for line in run.stderr.splitlines() if line.startswith("FAILED")] == [
        f"FAILED: load: errors and wrong answers, broken /no-such-page/ (HTTP 404 ×{broken}) is {broken}, must be 0",
        "FAILED: load: errors and wrong answers, sign-in page /accounts/login/ "
        f"(HTTP 302 instead of 200 ×{redirected}) is {redirected}, must be 0",
        f"FAILED: load: errors and wrong answers, every request is {broken + redirected}, must be 0",
    ]
    assert list(rows) == [*PAGES, "broken", "sign-in page", "all pages", "static file"]
    for name, row in rows.items():
        assert set(row) >= FIELDS, name
        assert row["requests"] > 0, name
        if name not in ("broken", "sign-in page", "all pages"):
            assert (row["errors"], row["wrong"]) == (0, 0), (name, row["errors_by_kind"], row["wrong_by_kind"])
    assert rows["broken"]["errors_by_kind"] == {"HTTP 404": rows["broken"]["requests"]}
    assert rows["sign-in page"]["wrong_by_kind"] == {"HTTP 302 instead of 200": rows["sign-in page"]["requests"]}
    assert rows["static file"]["path"].startswith("/static/build/portal.")
    assert result["ok"] is False and set(result["cpu"]) == {"pages", "static file"}

    table = run.stdout[run.stdout.index("requests") :].splitlines()
    header = "requests req/s p50 ms p99 ms max ms errors wrong p50 ×st p99 ×st req/s ×st"
    assert table[0].split() == header.split(" ")
    shown = {line[:20].strip(): line[20:].split() for line in table[1:] if line[:20].strip() in rows}
    assert list(shown) == list(rows)
    assert all(len(cells) == 10 for cells in shown.values())
    assert shown["broken"][5] == f"{rows['broken']['errors']:,}"


def test_an_answer_is_right_only_with_status_200_its_content_type_and_its_text():
    page = Target("home", "/", {}, marker=b"Welcome, Vic Viewer.")
    assert page.check(200, "text/html; charset=utf-8", b"<p>Welcome, Vic Viewer.</p>", first=True) == ""
    assert (
        page.check(200, "text/html", b"<p>Welcome, Dana Director.</p>", first=True)
        == "'Welcome, Vic Viewer.' is missing"
    )
    assert page.check(302, "text/html", b"", first=True) == "HTTP 302 instead of 200"
    feed = Target("feed", "/api/v1/scorecard", {}, content_type="application/json", json_list=True)
    assert feed.check(200, "application/json", b'[{"code": "CP 1"}]', first=True) == ""
    assert feed.check(200, "text/html", b"[]", first=False) == "text/html instead of application/json"
    assert feed.check(200, "application/json", b'{"error": "x"}', first=False) == "not a JSON array"
    assert feed.check(200, "application/json", b"[]", first=True) == "an empty JSON array"


def _result(p99_ms: float) -> dict:
    row = {"path": "/", "p99_ms": p99_ms, "errors": 0, "wrong": 0, "errors_by_kind": {}, "wrong_by_kind": {}}
    return {"rows": {"home": row, "all pages": row, "static file": {**row, "p99_ms": 5.0}}}


def test_a_missed_p99_target_is_reported_and_fails_the_run_only_when_strict(capsys):
    assert load_report.verdict(_result(1500.0), 1000, strict=False).summary() == 0
    assert "✘ MISSES target" in capsys.readouterr().out
    assert load_report.verdict(_result(1500.0), 1000, strict=True).summary() == 1
    assert capsys.readouterr().err == (
        "FAILED: load: p99, home is 1,500.000 ms, must be ≤ 1,000 ms\n"
        "FAILED: load: p99, all pages is 1,500.000 ms, must be ≤ 1,000 ms\n"
    )
    assert load_report.verdict(_result(900.0), 1000, strict=True).summary() == 0


def test_the_options_default_to_the_issue_figures_and_refuse_a_url_without_a_path(monkeypatch, capsys):
    from perf import load

    for name in ("LOAD_SECONDS", "LOAD_CONNECTIONS", "LOAD_STATIC_SECONDS", "LOAD_STRICT"):
        monkeypatch.delenv(name, raising=False)
    args = load.options([])
    assert (args.seconds, args.static_seconds, args.connections, args.strict) == (60, 60, 50, False)
    with pytest.raises(SystemExit):
        load.options(["--url", "broken"])
    assert "--url 'broken': write it as NAME=/path" in capsys.readouterr().err

"""`make load`: the portal under gunicorn on PostgreSQL, signed-in sessions over its main pages.

    make load                                   # 50 connections, 60 s of pages then 60 s of the static file
    LOAD_SECONDS=10 LOAD_CONNECTIONS=8 make load
    .venv/bin/python perf/load.py --url "catalogue=/indicators/"   # load one more page as well

Sets up a PostgreSQL database (`kpiportal_load`, dropped and created afresh, or DATABASE_URL as it
is), migrates it, loads the demo data, collects the static files, and starts gunicorn on 127.0.0.1
with the production settings and the Dockerfile's options (3 sync workers, see WORKERS). Once
/healthz answers, the demo users sign in through the sign-in page, one per role, and a closed loop
of N connections (each sends its next request when the previous one is answered) runs for LOAD_SECONDS
over the home page, the scorecard pages (scorecard, dashboard, exceptions, benchmark scorecard), an
indicator page, My returns and the scorecard feed (with an API token), after LOAD_WARMUP_SECONDS
not counted; then the same N connections fetch the portal's stylesheet for LOAD_STATIC_SECONDS,
served by the same gunicorn and WhiteNoise: the floor of the server, to which each page is compared.

Prints a table (requests, requests/s, p50, p99, max, errors, wrong answers, ratios to the static
file) and writes it to perf/out/load.json. Follows `make bench`: errors (4xx/5xx, timeouts,
connection errors) and wrong answers (not the page expected: a redirect to sign-in, the page's text
missing, not JSON) are correctness figures and fail the run; p99 ≤ 1 s is a speed target, reported
met or missed (`--strict` makes a missed target fail the run too).
"""

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perf import load_client as client  # noqa: E402
from perf import load_report  # noqa: E402
from perf.run import fresh_postgres_database, pg_answers  # noqa: E402

OUT = ROOT / "perf" / "out"
# As the Dockerfile: 3 sync workers. gunicorn's 2 × cores + 1 (5 here) assumes workers that wait on
# I/O; these pages spend their time in Python and PostgreSQL on the same 2 cores (with the load
# generator), so more workers than that only queue for the cores. LOAD_WORKERS to try another count.
WORKERS = 3
GUNICORN_TIMEOUT = 120
ROLE_USERS = ("perf", "director", "officer", "viewer")  # indicators.demo.DEMO_USERS, one per role
MY_RETURNS_USERS = ("officer", "director", "perf")  # returns.policy.may_use_my_returns
START_SECONDS = 60  # gunicorn must answer /healthz within this


def options(argv=None):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(env("LOAD_SECONDS", "60")))
    parser.add_argument("--static-seconds", type=float, default=None, help="default: --seconds")
    parser.add_argument("--warmup-seconds", type=float, default=float(env("LOAD_WARMUP_SECONDS", "5")))
    parser.add_argument("--connections", type=int, default=int(env("LOAD_CONNECTIONS", "50")))
    parser.add_argument("--workers", type=int, default=int(env("LOAD_WORKERS", str(WORKERS))))
    parser.add_argument("--timeout", type=float, default=float(env("LOAD_TIMEOUT", "10")), help="per request")
    parser.add_argument("--target-p99", type=float, default=1.0, help="seconds")
    parser.add_argument("--url", action="append", default=[], metavar="NAME=PATH", help="another page to load")
    parser.add_argument("--json", type=Path, default=Path(env("LOAD_JSON", str(OUT / "load.json"))))
    parser.add_argument("--strict", action="store_true", default=env("LOAD_STRICT") == "1")
    args = parser.parse_args(argv)
    if args.static_seconds is None:
        args.static_seconds = float(env("LOAD_STATIC_SECONDS", str(args.seconds)))
    for extra in args.url:
        if "=" not in extra or not extra.split("=", 1)[1].startswith("/"):
            parser.error(f"--url {extra!r}: write it as NAME=/path")
    return args


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if not url.startswith(("postgres://", "postgresql://")):
            sys.exit(f"make load needs PostgreSQL: DATABASE_URL is {url.split(':', 1)[0]}")
        return url
    if not pg_answers():
        sys.exit("make load needs PostgreSQL on 127.0.0.1:5432 (or DATABASE_URL)")
    return fresh_postgres_database(os.environ.get("KPI_LOAD_DB", "kpiportal_load"))


def server_environment(url: str) -> dict:
    """The production settings, as behind the council's TLS proxy, for this process and gunicorn."""
    return {
        "DJANGO_SETTINGS_MODULE": "kpiportal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": url,
        "LOG_LEVEL": "WARNING",
    }


def prepare() -> dict:
    """Migrate, load the demo data, collect the static files; returns what the load needs from the data."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Count, Max
    from django.templatetags.static import static
    from django.utils.html import escape

    from indicators.demo import DEMO_USERS, load_demo
    from indicators.models import Indicator, ScorecardEntry
    from kpiportal.accounts.models import User
    from kpiportal.accounts.services import api_token_create

    call_command("migrate", verbosity=0)
    load_demo()
    call_command("collectstatic", interactive=False, verbosity=0)
    period = ScorecardEntry.objects.whole_authority().aggregate(latest=Max("period"))["latest"]
    indicator = (
        Indicator.objects.filter(scorecard_entries__period=period)
        .annotate(entries=Count("scorecard_entries"))
        .order_by("-entries", "pk")
        .first()
    )
    passwords = {demo.username: demo.password for demo in DEMO_USERS}
    users = {name: User.objects.get(username=name) for name in ROLE_USERS}
    facts = {
        "passwords": {name: passwords[name] for name in ROLE_USERS},
        "names": {name: escape(str(user)) for name, user in users.items()},
        "tokens": {name: api_token_create(user=user, name="make load")[1] for name, user in users.items()},
        # As the pages (HTML-escaped) and the feed (a JSON string) show it.
        "indicator": {
            "pk": indicator.pk,
            "title": escape(indicator.title),
            "json": json.dumps(indicator.title, ensure_ascii=False),
        },
        "period": period.strftime("%Y-%m"),
        "static": static("build/portal.css"),
    }
    connections.close_all()
    return facts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict, log: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "kpiportal.wsgi",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        f"--timeout={GUNICORN_TIMEOUT}",
        f"--access-logfile={log.with_suffix('.access.log')}",
        f"--error-logfile={log}",
    ]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})


def wait_until_ready(server: subprocess.Popen, base: str, log: Path) -> None:
    """Poll /healthz until it answers 200; fail at once if gunicorn exits, or after START_SECONDS."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped (exit {server.returncode}) before answering:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 (our own server)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"gunicorn did not answer /healthz within {START_SECONDS} s:\n{log.read_text()[-2000:]}")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def targets(facts: dict, sessions: dict, extra: list[str]) -> dict[str, list[client.Target]]:
    """Group → the requests of that group, one per user who loads it."""
    indicator, names = facts["indicator"], facts["names"]

    def pages(group, path, users, marker):
        return [
            client.Target(group, path, {**client.PROXY_HEADERS, "Cookie": f"sessionid={sessions[user]}"}, marker=m)
            for user in users
            for m in [marker(user).encode()]
        ]

    title = lambda _user: indicator["title"]  # noqa: E731
    groups = {
        "home": pages("home", "/", ROLE_USERS, lambda user: f"Welcome, {names[user]}."),
        "scorecard": pages("scorecard", "/indicators/scorecard/", ROLE_USERS, title),
        "dashboard": pages("dashboard", "/indicators/dashboard/", ROLE_USERS, title),
        "exceptions": pages("exceptions", "/indicators/exceptions/", ROLE_USERS, lambda _u: "Exception report"),
        "benchmark scorecard": pages(
            "benchmark scorecard", "/indicators/benchmarks/", ROLE_USERS, lambda _u: "Benchmark scorecard"
        ),
        "indicator page": pages("indicator page", f"/indicators/{indicator['pk']}/", ROLE_USERS, title),
        "my returns": pages("my returns", "/returns/mine/", MY_RETURNS_USERS, lambda _u: "My returns for"),
        "feed": [
            client.Target(
                "feed",
                f"/api/v1/scorecard?period={facts['period']}&format=json",
                {**client.PROXY_HEADERS, "Authorization": f"Bearer {facts['tokens'][user]}"},
                content_type="application/json",
                marker=indicator["json"].encode(),
                json_list=True,
            )
            for user in ROLE_USERS
        ],
    }
    for name, path in (item.split("=", 1) for item in extra):
        groups[name] = pages(name, path, ROLE_USERS, lambda _u: "Signed in as")
    return groups


def plans(groups: dict[str, list[client.Target]], connections: int) -> list[list[client.Target]]:
    """Each connection's cycle: every group once, as the connection's user (round robin), starting at a
    different group so that the groups are spread across the connections at every moment."""
    names = list(groups)
    result = []
    for i in range(connections):
        order = names[i % len(names) :] + names[: i % len(names)]
        result.append([groups[name][i % len(groups[name])] for name in order])
    return result


def static_plans(facts: dict, connections: int) -> list[list[client.Target]]:
    target = client.Target("static file", facts["static"], client.PROXY_HEADERS, content_type="text/css")
    return [[target] for _ in range(connections)]


def run_phase(base, phase_plans, seconds, timeout, server) -> tuple[dict, float, dict]:
    """Drive one phase; returns the tallies, the wall time, and the CPU seconds of generator and server."""
    before = load_report.cpu_snapshot(server.pid)
    tallies, wall = asyncio.run(client.drive(base, phase_plans, seconds, timeout))
    after = load_report.cpu_snapshot(server.pid)
    return tallies, wall, load_report.cpu_used(before, after, wall)


def main(argv=None) -> int:
    args = options(argv)
    OUT.mkdir(exist_ok=True)
    url = database_url()
    env = server_environment(url)
    os.environ.update(env)
    print(f"Load database: {url.split('@')[-1]}; migrating, loading the demo data, collecting static files…")
    facts = prepare()
    port, log = free_port(), OUT / "load-gunicorn.log"
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port, args.workers, env, log)
    try:
        wait_until_ready(server, base, log)
        sessions = asyncio.run(client.sign_in_all(base, facts["passwords"]))
        groups = targets(facts, sessions, args.url)
        page_plans = plans(groups, args.connections)
        if args.warmup_seconds > 0:
            asyncio.run(client.drive(base, page_plans, args.warmup_seconds, args.timeout))
        pages = run_phase(base, page_plans, args.seconds, args.timeout, server)
        static = run_phase(base, static_plans(facts, args.connections), args.static_seconds, args.timeout, server)
    except client.SignInError as exc:
        print(f"FAILED: could not sign in: {exc}", file=sys.stderr)
        return 1
    finally:
        stop(server)
    paths = {name: group[0].path for name, group in groups.items()} | {"static file": facts["static"]}
    settings = vars(args) | {"database": url.split("@")[-1]}
    result = load_report.summarise(pages, static, paths, settings)
    return load_report.report(result, args)


if __name__ == "__main__":
    sys.exit(main())

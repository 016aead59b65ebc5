"""Before `make test`: start or install what the tests need where this machine allows.

PostgreSQL and Redis are started when they are installed but down; Chromium is
installed with apt when running as root. Whatever is still missing is printed
loudly; the tests that need it are then reported as NOT RUN (and CI fails).
"""

import glob
import os
import shutil
import socket
import subprocess
import sys

CHROMIUM = os.environ.get("KPI_CHROMIUM", "/usr/bin/chromium")


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def run(cmd: list[str], **kwargs) -> bool:
    try:
        return subprocess.run(cmd, check=False, capture_output=True, timeout=600, **kwargs).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_postgres() -> str | None:
    if answers(5432):
        return None
    versions = sorted(glob.glob("/etc/postgresql/*"))
    if versions and shutil.which("pg_ctlcluster"):
        version = os.path.basename(versions[-1])
        run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"])
    return None if answers(5432) else "PostgreSQL is not running on 127.0.0.1:5432"


def ensure_redis() -> str | None:
    if answers(6379):
        return None
    if shutil.which("redis-server"):
        run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ]
        )
    return None if answers(6379) else "Redis is not running on 127.0.0.1:6379"


def ensure_chromium() -> str | None:
    if os.path.exists(CHROMIUM):
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Chromium with apt-get (about 30 s)…", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", "chromium"], env=env)
    return (
        None
        if os.path.exists(CHROMIUM)
        else f"Chromium is not installed at {CHROMIUM} (run: sudo apt-get install chromium)"
    )


def main() -> int:
    problems = [p for p in (ensure_postgres(), ensure_redis(), ensure_chromium()) if p]
    if problems:
        bar = "!" * 78
        print(f"\n{bar}\nSome tests cannot run on this machine:")
        for problem in problems:
            print(f"  - {problem}")
        print("They will be listed as NOT RUN at the end. CI requires them all.\n" + bar + "\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

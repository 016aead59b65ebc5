"""`make load`'s figures: the table, the targets (as `make bench` reports them), the JSON, and CPU use."""

import json
import math
import os
import resource
import sys
from collections import Counter
from pathlib import Path

from perf.run import Report

STATIC = "static file"
ALL_PAGES = "all pages"


# --- CPU: is the load generator the bottleneck? ---------------------------------------------------------


def _proc_stat(pid: str) -> tuple[str, int, int]:
    """(command name, parent pid, utime + stime in clock ticks) of a process; ("", 0, 0) once it has gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "", 0, 0
    head, tail = text.rsplit(")", 1)
    fields = tail.split()
    return head.split("(", 1)[1], int(fields[1]), int(fields[11]) + int(fields[12])


def cpu_snapshot(server_pid: int) -> dict:
    """CPU seconds so far of this process (the generator), of gunicorn and its workers, of PostgreSQL
    (all its processes: the portal's connections, and any other database's on this machine) and of
    the machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    usage = resource.getrusage(resource.RUSAGE_SELF)
    server = _proc_stat(str(server_pid))[2]
    postgres = {}  # by process: a connection that ends between the snapshots must not count as negative time
    for pid in filter(str.isdigit, os.listdir("/proc")):
        name, parent, used = _proc_stat(pid)
        if parent == server_pid:
            server += used
        elif name == "postgres":
            postgres[pid] = used / ticks
    with open("/proc/stat") as stat:
        counts = [int(x) for x in stat.readline().split()[1:]]
    idle = counts[3] + counts[4]  # idle + iowait
    return {
        "generator": usage.ru_utime + usage.ru_stime,
        "server": server / ticks,
        "postgres": postgres,
        "machine": (sum(counts[:8]) - idle) / ticks,
    }


def cpu_used(before: dict, after: dict, wall: float) -> dict:
    """Cores used on average over `wall` seconds by each of `cpu_snapshot`'s parts."""
    used = {key: round((after[key] - before[key]) / wall, 2) for key in before if key != "postgres"}
    postgres = sum(seconds - before["postgres"].get(pid, 0) for pid, seconds in after["postgres"].items())
    return used | {"postgres": round(postgres / wall, 2), "cores": os.cpu_count()}


# --- Rows ----------------------------------------------------------------------------------------------


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (0 for none)."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def row(tallies: list, wall: float, path: str) -> dict:
    latencies = sorted(x for tally in tallies for x in tally.latencies)
    errors = sum((tally.errors for tally in tallies), start=Counter())
    wrong = sum((tally.wrong for tally in tallies), start=Counter())
    failed = sum(n for kind, n in errors.items() if not kind.startswith("HTTP"))  # never answered
    requests = len(latencies) + failed
    return {
        "path": path,
        "requests": requests,
        "rps": round(requests / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round((latencies[-1] if latencies else 0) * 1000, 1),
        "errors": sum(errors.values()),
        "wrong": sum(wrong.values()),
        "errors_by_kind": dict(errors),
        "wrong_by_kind": dict(wrong),
    }


def _ratio(value: float, floor: float) -> float | None:
    return float(f"{value / floor:.3g}") if floor else None


def summarise(pages: tuple, static: tuple, paths: dict, settings: dict) -> dict:
    """The JSON of a run: a row per page, all pages together, the static file; ratios to the static file."""
    (page_tallies, page_wall, page_cpu), (static_tallies, static_wall, static_cpu) = pages, static
    rows = {name: row([tally], page_wall, paths[name]) for name, tally in page_tallies.items()}
    rows[ALL_PAGES] = row(list(page_tallies.values()), page_wall, "")
    rows[STATIC] = row(list(static_tallies.values()), static_wall, paths[STATIC])
    floor = rows[STATIC]
    for name, figures in rows.items():
        figures["p50_vs_static"] = _ratio(figures["p50_ms"], floor["p50_ms"])
        figures["p99_vs_static"] = _ratio(figures["p99_ms"], floor["p99_ms"])
        # In the mix each page has an equal share of the requests: throughput compares all pages together.
        figures["rps_vs_static"] = _ratio(figures["rps"], floor["rps"]) if name in (ALL_PAGES, STATIC) else None
    return {
        "settings": settings,
        "seconds": {"pages": round(page_wall, 1), STATIC: round(static_wall, 1)},
        "rows": rows,
        "cpu": {"pages": page_cpu, STATIC: static_cpu},
    }


# --- Printing and the verdict ---------------------------------------------------------------------------

COLUMNS = ("requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "wrong", "p50 ×st", "p99 ×st", "req/s ×st")


def _cell(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def table(result: dict) -> str:
    lines = [f"{'':<20}" + "".join(f"{c:>11}" for c in COLUMNS)]
    for name, r in result["rows"].items():
        if name in (ALL_PAGES, STATIC):
            lines.append("-" * (20 + 11 * len(COLUMNS)))
        values = (r["requests"], r["rps"], r["p50_ms"], r["p99_ms"], r["max_ms"], r["errors"], r["wrong"])
        ratios = (r["p50_vs_static"], r["p99_vs_static"], r["rps_vs_static"])
        cells = [_cell(v) for v in values] + ["—" if v is None else f"{v:.3g}" for v in ratios]
        lines.append(f"{name[:20]:<20}" + "".join(f"{cell:>11}" for cell in cells))
    return "\n".join(lines)


def _kinds(r: dict) -> str:
    kinds = {**r["errors_by_kind"], **r["wrong_by_kind"]}
    return "; ".join(f"{kind} ×{n}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:3])


def verdict(result: dict, target_p99_ms: float, strict: bool) -> Report:
    """Errors and wrong answers must be 0 (each failing row named); p99 per page is a speed target."""
    report = Report()
    for name, r in result["rows"].items():
        if name != ALL_PAGES and (r["errors"] or r["wrong"]):
            figure = f"errors and wrong answers, {name} {r['path']} ({_kinds(r)})"
            report.add("load", figure, r["errors"] + r["wrong"], "", target="0", ok=False, must=True)
    everything = result["rows"][ALL_PAGES]["errors"] + result["rows"][ALL_PAGES]["wrong"]
    everything += result["rows"][STATIC]["errors"] + result["rows"][STATIC]["wrong"]
    figure = "errors and wrong answers, every request"
    report.add("load", figure, everything, "", target="0", ok=not everything, must=True)
    for name, r in result["rows"].items():
        if name != STATIC:
            ok, target = r["p99_ms"] <= target_p99_ms, f"≤ {target_p99_ms:,.0f} ms"
            report.add("load", f"p99, {name}", r["p99_ms"], "ms", target=target, ok=ok, must=strict)
    return report


def report(result: dict, args) -> int:
    """Print the table, the CPU use and the targets; write the JSON; the exit status (1 on any wrong figure)."""
    settings = result["settings"]
    print(
        f"\n{settings['connections']} connections; pages {result['seconds']['pages']} s, static file "
        f"{result['seconds'][STATIC]} s; gunicorn {settings['workers']} sync workers; ×st = ratio to the static file\n"
    )
    print(table(result))
    for phase, cpu in result["cpu"].items():
        print(
            f"CPU during {phase}: load generator {cpu['generator']:.2f} cores, gunicorn {cpu['server']:.2f}, "
            f"PostgreSQL {cpu['postgres']:.2f}, whole machine {cpu['machine']:.2f} of {cpu['cores']}"
        )
    print()
    verdicts = verdict(result, args.target_p99 * 1000, args.strict)
    status = verdicts.summary()
    result["targets"] = [
        {"figure": figure, "value": value, "unit": unit, "target": target, "ok": ok}
        for _, figure, value, unit, target, ok in verdicts.rows
    ]
    result["ok"] = status == 0
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, default=str))
    print(f"Figures written to {args.json}", file=sys.stdout)
    return status

"""Checks on the repository itself: no merge leftovers in tracked files."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^(<{7}|>{7})( |$)", re.MULTILINE)


def test_no_tracked_file_holds_a_merge_conflict_marker():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    leftovers = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.suffix in {".xlsx", ".png", ".ico", ".woff2"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if MARKER.search(text):
            leftovers.append(name)
    assert leftovers == []

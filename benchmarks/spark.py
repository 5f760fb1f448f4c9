"""The Spark engine against the DuckDB engine: `accord validate` (and `accord check`) on the
benchmark packages, wall time, peak memory of the whole process tree (Spark's JVM is a child of
accord's Python), and where the time goes.

    .venv/bin/python benchmarks/spark.py benchmarks/data/s1M [--command validate|check] [--engines spark,duckdb]

Prints one JSON line per run: engine, command, wall seconds, peak memory of the process tree
(the sum of the resident memory of accord and its children, polled every 0.2 s), the report's
phases (Spark's start, then each table's read-and-check and keys), errors found and exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import process_tree  # benchmarks/run.py's walk over /proc

ROOT = Path(__file__).resolve().parents[1]


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants."""
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            pass
    return total


def run(package: Path, command: str, engine: str) -> dict:
    # --timeout 0: a run at 10M on Spark outlasts accord's default one-hour limit
    args = [sys.executable, "-m", "accord", command, str(package), "--engine", engine, "--format", "json", "--timeout", "0"]
    started = time.perf_counter()
    # the output goes to files: a report larger than a pipe's buffer would stop the child while it is polled
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen(args, stdout=stdout, stderr=stderr, text=True, cwd=ROOT)
        peak = 0
        while child.poll() is None:
            peak = max(peak, tree_rss(child.pid))
            time.sleep(0.2)
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    wall = time.perf_counter() - started
    report = json.loads(out) if out.strip().startswith("{") else {}
    tasks = report.get("tasks", [])
    notes = report.get("notes", [])
    validated = next((float(n.split(" in ")[1].split()[0]) for n in notes if n.startswith("validated with")), None)
    table_seconds = {t["table"]: t.get("seconds") for t in tasks if t.get("kind") == "validation"}
    return {
        "engine": engine, "command": command, "package": package.name, "wall_s": round(wall, 1),
        "peak_tree_mb": round(peak / 1e6), "validate_s": validated,
        "startup_and_descriptor_s": round(wall - (validated or 0), 1),
        "table_s": table_seconds, "errors": sum(len(t.get("errors", [])) for t in tasks),
        "exit": child.returncode, "stderr": err.strip()[:300],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path)
    parser.add_argument("--command", default="validate", choices=["validate", "check"])
    parser.add_argument("--engines", default="spark,duckdb")
    options = parser.parse_args()
    for engine in options.engines.split(","):
        print(json.dumps(run(options.package.resolve(), options.command, engine)), flush=True)


if __name__ == "__main__":
    main()

"""Benchmarks: accord against its peers and against a bare DuckDB scan, at several sizes.

    python benchmarks/run.py                       # 100k, 1M and 10M statements
    python benchmarks/run.py --sizes 100k,1M --skip-slow

For each size it generates a valid package and a faulty one (benchmarks/generate.py, under
benchmarks/data/), then runs every tool as a child process under /usr/bin/time -v and records
wall time, CPU time (user + system) and peak memory (maximum resident set size):

    validate  accord validate            vs  frictionless validate (up to --frictionless-max rows)
    check     accord check               vs  the same suites through GX's pandas engine
                                             (benchmarks/check_pandas.py)
    build     accord build               vs  frictionless index into SQLite (up to --frictionless-max)
    floor     SELECT count(*) FROM read_csv(...) over every table, in DuckDB
    cli       accord --help, and accord query "select count(*) from statements" on the built database

On the faulty package, accord's errors (code, table, row, field) are compared with
frictionless's own JSON report and with the generator's manifest. Results are merged into
benchmarks/results.json (keyed by size and measurement, so sizes can be run separately) and
printed as a table with ratios and the targets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / "data"
OUT = HERE / "out"
RESULTS = HERE / "results.json"
BIN = Path(sys.executable).parent
TIME = "/usr/bin/time"

sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (benchmarks/ is not a package)

DEFAULT_SIZES = "100k,1M,10M"
FAULTS = {kind: 3 for kind in generate.FAULT_KINDS}
REPEATS_FOR_QUICK_COMMANDS = 5

# frictionless 5.x registers a REGEXP function for SQLite that raises on NULL, so
# `frictionless index` fails on any nullable field with a pattern (every optional id here).
# The peer runs frictionless's own console with that one function made null-safe.
FRICTIONLESS_INDEX = """
import re, sys
import frictionless.formats.sql.adapter as adapter
adapter.regexp = lambda expr, item: item is None or re.search(expr, item) is not None
from frictionless.console import console
sys.argv = ["frictionless", *sys.argv[1:]]
sys.exit(console())
"""

DUCKDB_SCAN = """
import sys, duckdb
con = duckdb.connect()
for path in sys.argv[1:]:
    con.execute("SELECT count(*) FROM read_csv(?, header = true, all_varchar = true)", [path]).fetchone()
"""

TARGETS = [
    # (name, description): the targets of the open issues (one load, conformance, checks)
    ("validate-1M-vs-frictionless", "validate at 1M: at least 30x faster than frictionless validate, same errors"),
    ("build-1M-vs-frictionless-index", "build at 1M: >= 50x faster than frictionless index, <= 1.5x validate"),
    ("build-10M-memory", "build at 10M: peak memory < 2 GB"),
    ("check-10M-vs-validate", "check (validate + every suite) at 10M: <= 3x validate alone"),
    ("check-10M-vs-gx-pandas", "check of the 22 comparable expectations, validating first, at 10M: >= 4x faster than GX on pandas"),
    ("check-1M-vs-soda", "the 22 comparable expectations at 1M: at least as fast as Soda Core on DuckDB, >= 10x GX on pandas"),
    ("many-tables-vs-frictionless", "a package of 91 small tables: validate >= 5x faster than frictionless"),
    ("latin1-vs-frictionless", "a 100k-row table declared iso-8859-1: validate >= 10x faster than frictionless"),
    ("cli-help", "accord --help < 0.5 s"),
    ("cli-query", "accord query \"select count(*) from statements\" < 0.5 s"),
]


# -- measuring --------------------------------------------------------------------------------


def measure(command: list[str], label: str, out_dir: Path, timeout: float | None, cwd: Path | None = None) -> dict[str, Any]:
    """Run command under /usr/bin/time -v; stdout and stderr go to out_dir/label.{out,err}.

    Two memory figures: peak_mb, the maximum resident set size time -v reports (the largest
    process; it counts file pages a process maps, e.g. a CSV read through mmap), and
    peak_anon_mb, the largest sum of anonymous memory (RssAnon) over the process tree,
    polled from /proc every POLL_SECONDS.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    stats_path = out_dir / f"{label}.time"
    started = time.perf_counter()
    peak_anon_kb = 0
    with (out_dir / f"{label}.out").open("wb") as stdout, (out_dir / f"{label}.err").open("wb") as stderr:
        proc = subprocess.Popen([TIME, "-v", "-o", str(stats_path), *command], stdout=stdout, stderr=stderr, cwd=cwd)
        timed_out = False
        while proc.poll() is None:
            peak_anon_kb = max(peak_anon_kb, _tree_anon_kb(proc.pid))
            if timeout is not None and time.perf_counter() - started > timeout:
                timed_out = True
                _stop_tree(proc)
                break
            try:  # wakes as soon as the process ends: a sleep would add up to POLL_SECONDS to the wall time
                proc.wait(timeout=POLL_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        exit_code = proc.wait()
    wall = time.perf_counter() - started
    stats = _time_stats(stats_path.read_text() if stats_path.exists() else "")
    return {
        "command": " ".join(_shorten(c) for c in command),
        "exit_code": "timeout" if timed_out else exit_code,
        "wall_s": round(wall, 3),
        "cpu_s": round(stats.get("user", 0.0) + stats.get("system", 0.0), 3),
        "peak_mb": round(stats.get("max_rss_kb", 0) / 1024, 1),
        "peak_anon_mb": round(peak_anon_kb / 1024, 1) if peak_anon_kb else None,  # None: ended before a poll
        "stdout": str((out_dir / f"{label}.out").relative_to(REPO)),
    }


POLL_SECONDS = 0.1


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    return children


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (Linux /proc)."""
    children, tree, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def _tree_anon_kb(pid: int) -> int:
    total = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        match = re.search(r"RssAnon:\s+(\d+) kB", status)
        total += int(match.group(1)) if match else 0
    return total


def _stop_tree(proc: subprocess.Popen) -> None:
    for member in reversed(process_tree(proc.pid)):
        try:
            os.kill(member, 15)
        except ProcessLookupError:
            pass
    proc.wait()


def measure_quick(command: list[str], label: str, out_dir: Path, repeats: int) -> dict[str, Any]:
    """The median of several runs, for commands that take well under a second."""
    runs = [measure(command, label, out_dir, timeout=60) for _ in range(repeats)]
    median = {key: statistics.median(r[key] for r in runs) for key in ("wall_s", "cpu_s", "peak_mb")}
    return {**runs[-1], **median, "runs": [r["wall_s"] for r in runs]}


def _time_stats(text: str) -> dict[str, float]:
    stats = {}
    for key, pattern in (("user", r"User time \(seconds\): ([\d.]+)"), ("system", r"System time \(seconds\): ([\d.]+)"),
                         ("max_rss_kb", r"Maximum resident set size \(kbytes\): (\d+)")):
        match = re.search(pattern, text)
        if match:
            stats[key] = float(match.group(1))
    return stats


def _shorten(part: str) -> str:
    """Paths relative to the repository, inline scripts named, for a readable command line."""
    if part == FRICTIONLESS_INDEX:
        return "<frictionless console, null-safe REGEXP>"
    if part == DUCKDB_SCAN:
        return "<duckdb count(*) over read_csv of each table>"
    try:
        return str(Path(part).resolve().relative_to(REPO)) if part.startswith("/") else part
    except ValueError:
        return part


# -- error sets -------------------------------------------------------------------------------


def accord_error_keys(report_path: Path) -> set[tuple]:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    errors = report["errors"] + [e for task in report["tasks"] for e in task["errors"]]
    return {(e["code"], e["table"], e["row"], e["field"]) for e in errors}


def frictionless_error_keys(report_path: Path) -> set[tuple]:
    report = json.loads(report_path.read_text(encoding="utf-8"))
    keys = {(e["type"], None, e.get("rowNumber"), e.get("fieldName")) for e in report.get("errors", [])}
    for task in report["tasks"]:
        keys |= {(e["type"], task["name"], e.get("rowNumber"), e.get("fieldName")) for e in task["errors"]}
    return keys


def manifest_error_keys(package: Path) -> set[tuple]:
    manifest = json.loads((package / "faults.json").read_text(encoding="utf-8"))
    return {(e["code"], f["table"], f["row"], e["field"]) for f in manifest["faults"] for e in f["expected"]}


def compare(found: set[tuple], expected: set[tuple]) -> dict[str, Any]:
    def show(keys):
        return sorted([list(k) for k in keys], key=str)[:20]
    return {"same": found == expected, "found": len(found), "expected": len(expected),
            "by_code": dict(sorted(Counter(k[0] for k in found).items())),
            "missing": show(expected - found), "unexpected": show(found - expected)}


# -- one size ---------------------------------------------------------------------------------


def label_of(rows: int) -> str:
    if rows % 1_000_000 == 0:
        return f"{rows // 1_000_000}M"
    if rows % 1_000 == 0:
        return f"{rows // 1_000}k"
    return str(rows)


def ensure_package(rows: int, seed: int, faults: dict[str, int], name: str) -> Path:
    """Generate the package unless the same one (rows, seed, faults) is already there."""
    path = DATA / name
    manifest = path / "faults.json"
    if manifest.exists():
        old = json.loads(manifest.read_text())
        old_faults = Counter(f["kind"] for f in old["faults"])
        same_generator = old.get("generator_sha256") == hashlib.sha256(Path(generate.__file__).read_bytes()).hexdigest()
        if same_generator and old["rows"] == rows and old["seed"] == seed and old_faults == +Counter(faults):
            generate.copy_folders(path)
            return path
    started = time.perf_counter()
    generate.generate(path, rows, seed, faults)
    print(f"  generated {path.relative_to(REPO)} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


SODA_VENV = HERE / ".venv-soda"


def soda_python() -> Path | None:
    """Soda Core in an environment of its own (its DuckDB and dependencies are not accord's)."""
    python = SODA_VENV / "bin" / "python"
    if not python.exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(SODA_VENV)], capture_output=True)
        if made.returncode != 0:
            return None
        installed = subprocess.run([str(SODA_VENV / "bin" / "pip"), "install", "-q", "soda-core-duckdb>=3.5,<4", "pyyaml"],
                                   capture_output=True)
        if installed.returncode != 0:
            return None
    return python


def run_edges(args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Packages at the edges: many small tables, and a table declared iso-8859-1."""
    import edges

    print("== edges", flush=True)
    entry = results["sizes"].setdefault("edges", {})
    entry["context"] = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "code": code_state(),
                        "load_average_at_start": os.getloadavg()}
    out = OUT / "edges"
    accord, frictionless = str(BIN / "accord"), str(BIN / "frictionless")
    for name, make in (("many-tables", edges.many_tables), ("latin1-100k", edges.latin1_table)):
        folder = DATA / "edges" / name
        if not (folder / "datapackage.json").exists():
            make(folder)
        for tool, command in (("accord", [accord, "validate", str(folder), "--format", "json"]),
                              ("frictionless", [frictionless, "validate", str(folder / "datapackage.json"), "--json"])):
            measurement = measure(command, f"{name}-{tool}", out, args.timeout)
            measurement["commit"] = entry["context"]["code"]["commit"]
            entry[f"{name}/{tool}"] = measurement
            print(f"  {name}/{tool:<16} {measurement['wall_s']:>9.2f} s wall {measurement['cpu_s']:>9.2f} s cpu", flush=True)
        mine = json.loads((out / f"{name}-accord.out").read_text())
        entry[f"{name}/accord-notes"] = mine["notes"]
        entry[f"{name}/valid"] = {"accord": mine["valid"],
                                  "frictionless": json.loads((out / f"{name}-frictionless.out").read_text())["valid"]}
        save(results)


def run_size(rows: int, args: argparse.Namespace, results: dict[str, Any]) -> None:
    label = label_of(rows)
    print(f"== {label} statements", flush=True)
    valid = ensure_package(rows, args.seed, {}, f"s{label}")
    faulty = ensure_package(rows, args.seed, FAULTS, f"s{label}-faults")
    out = OUT / label
    accord, frictionless = str(BIN / "accord"), str(BIN / "frictionless")
    slow_peers = not args.skip_slow
    small_enough = rows <= args.frictionless_max
    entry = results["sizes"].setdefault(label, {})
    entry.update(rows=rows, tables=json.loads((valid / "faults.json").read_text())["tables"],
                 context={"started": time.strftime("%Y-%m-%d %H:%M:%S"), "code": code_state(),
                          "load_average_at_start": os.getloadavg()})

    def record(name: str, measurement: dict[str, Any]) -> None:
        measurement["commit"] = entry["context"]["code"]["commit"]  # sizes may be measured in several runs
        entry[name] = measurement
        m = measurement
        print(f"  {name:<28} {m['wall_s']:>9.2f} s wall {m['cpu_s']:>9.2f} s cpu {_mem(m):>14} MB"
              f"  exit {m['exit_code']}", flush=True)
        save(results)

    def wanted(step: str) -> bool:
        return step in args.only

    tables = sorted(str(p) for p in (valid / "tables").glob("*.csv"))
    if wanted("floor"):
        record("floor/duckdb-scan", measure([sys.executable, "-c", DUCKDB_SCAN, *tables], "floor-duckdb-scan", out,
                                            args.timeout))
    if wanted("validate"):
        record("validate/accord", measure([accord, "validate", str(valid), "--format", "json"], "validate-accord",
                                          out, args.timeout))
        record("validate-faults/accord", measure([accord, "validate", str(faulty), "--format", "json"],
                                                 "validate-faults-accord", out, args.timeout))
        found = accord_error_keys(out / "validate-faults-accord.out")
        agreement = {"accord-vs-manifest": compare(found, manifest_error_keys(faulty))}
        if slow_peers and small_enough:
            record("validate/frictionless", measure([frictionless, "validate", str(valid / "datapackage.json"), "--json"],
                                                    "validate-frictionless", out, args.timeout))
            record("validate-faults/frictionless", measure(
                [frictionless, "validate", str(faulty / "datapackage.json"), "--json"],
                "validate-faults-frictionless", out, args.timeout))
            agreement["accord-vs-frictionless"] = compare(found, frictionless_error_keys(
                out / "validate-faults-frictionless.out"))
        entry["errors-agree"] = agreement
        for name, result in agreement.items():
            print(f"  {name:<28} {'same errors' if result['same'] else 'DIFFERENT'}: {result['found']} found, "
                  f"{result['expected']} expected", flush=True)
        save(results)
    if wanted("check"):
        record("check-all/accord", measure([accord, "check", str(valid), "--format", "json"], "check-all-accord", out,
                                           args.timeout))
        # GX's pandas engine cannot run the SQL expectations (unexpected_rows_expectation): the
        # comparison runs both engines on the expectations pandas can run; accord twice, after
        # validating (what `accord check` does) and without (--no-validate: the same work as GX)
        check_pandas = HERE / "check_pandas.py"
        if slow_peers and check_pandas.exists():
            comparable = out / "comparable-checks"
            shutil.rmtree(comparable, ignore_errors=True)
            subprocess.run([sys.executable, str(check_pandas), str(valid), "--comparable-checks", str(comparable)],
                           check=True)
            record("check/accord", measure([accord, "check", str(valid), "--checks", str(comparable), "--format", "json"],
                                           "check-accord", out, args.timeout))
            record("check-suites/accord", measure([accord, "check", str(valid), "--checks", str(comparable), "--no-validate",
                                                   "--format", "json"], "check-suites-accord", out, args.timeout))
            record("check/gx-pandas", measure([sys.executable, str(check_pandas), str(valid)], "check-gx-pandas", out,
                                              args.timeout))
            soda = soda_python()
            if soda:
                record("check/soda", measure([str(soda), str(HERE / "check_soda.py"), str(valid), "--checks", str(comparable)],
                                             "check-soda", out, args.timeout))
            else:
                entry["check/soda"] = {"skipped": "Soda Core could not be installed in benchmarks/.venv-soda"}
        elif slow_peers:
            entry["check/gx-pandas"] = {"skipped": "benchmarks/check_pandas.py does not exist yet"}
    database = out / "accord.duckdb"
    if wanted("build"):
        shutil.rmtree(out / "parquet", ignore_errors=True)
        database.unlink(missing_ok=True)
        record("build/accord", measure([accord, "build", str(valid), "--db", str(database),
                                        "--parquet-dir", str(out / "parquet")], "build-accord", out, args.timeout))
        if slow_peers and small_enough:
            sqlite = out / "frictionless.sqlite"
            sqlite.unlink(missing_ok=True)
            record("build/frictionless-index", measure(
                [sys.executable, "-c", FRICTIONLESS_INDEX, "index", str(valid / "datapackage.json"),
                 "--database", f"sqlite:///{sqlite}"], "build-frictionless-index", out, args.timeout))
    if wanted("cli"):
        record("cli/help", measure_quick([accord, "--help"], "cli-help", out, args.repeat))
        if database.exists():
            record("cli/query", measure_quick([accord, "query", "select count(*) from statements", "--db", str(database)],
                                              "cli-query", out, args.repeat))
    entry["context"]["load_average_at_end"] = os.getloadavg()
    save(results)


# -- results ----------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    versions = {}
    for package in ("duckdb", "frictionless", "great-expectations", "pandas", "pyarrow", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "versions": versions}


def code_state() -> dict[str, Any]:
    """The commit measured, and the code files that differ from it (work in progress)."""
    def git(*words):
        return subprocess.run(["git", *words], cwd=REPO, capture_output=True, text=True).stdout
    return {"commit": git("rev-parse", "--short", "HEAD").strip(),
            "uncommitted": [line[3:] for line in git("status", "--porcelain", "--", "cli").splitlines()]}


def save(results: dict[str, Any]) -> None:
    RESULTS.write_text(json.dumps(results, indent=2, default=list) + "\n", encoding="utf-8")


def load() -> dict[str, Any]:
    if RESULTS.exists():
        return json.loads(RESULTS.read_text(encoding="utf-8"))
    return {}


def ratio(numerator: dict | None, denominator: dict | None, key: str = "wall_s") -> float | None:
    if not numerator or not denominator or key not in numerator or key not in denominator:
        return None
    if numerator.get("exit_code") == "timeout" or denominator.get("exit_code") == "timeout" or not denominator[key]:
        return None
    return round(numerator[key] / denominator[key], 2)


def evaluate(sizes: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target: met, missed or not measured, with the numbers it rests on."""
    def at(label):
        return sizes.get(label, {})

    verdicts = []
    one, ten, edge = at("1M"), at("10M"), at("edges")
    speedup = ratio(one.get("validate/frictionless"), one.get("validate/accord"))
    agree = one.get("errors-agree", {}).get("accord-vs-frictionless", {}).get("same")
    verdicts.append(_verdict(TARGETS[0], speedup is not None and agree is not None,
                             speedup is not None and speedup >= 30 and agree,
                             f"{speedup}x faster; errors {'agree' if agree else 'differ'}"))
    build_speedup = ratio(one.get("build/frictionless-index"), one.get("build/accord"))
    build_vs_validate = ratio(one.get("build/accord"), one.get("validate/accord"))
    verdicts.append(_verdict(TARGETS[1], build_speedup is not None and build_vs_validate is not None,
                             build_speedup is not None and build_speedup >= 50 and build_vs_validate <= 1.5,
                             f"{build_speedup}x frictionless index; {build_vs_validate}x validate"))
    build_peak = ten.get("build/accord", {}).get("peak_mb")
    verdicts.append(_verdict(TARGETS[2], build_peak is not None, build_peak is not None and build_peak < 2048,
                             f"peak RSS {build_peak} MB, anonymous {ten.get('build/accord', {}).get('peak_anon_mb')} MB"))
    check_vs_validate = ratio(ten.get("check-all/accord"), ten.get("validate/accord"))
    verdicts.append(_verdict(TARGETS[3], check_vs_validate is not None, check_vs_validate is not None and check_vs_validate <= 3,
                             f"{check_vs_validate}x validate"))
    validated_speedup = ratio(ten.get("check/gx-pandas"), ten.get("check/accord"))
    verdicts.append(_verdict(TARGETS[4], validated_speedup is not None, validated_speedup is not None and validated_speedup >= 4,
                             f"{validated_speedup}x faster"))
    soda = ratio(one.get("check/soda"), one.get("check-suites/accord"))
    soda_validating = ratio(one.get("check/soda"), one.get("check/accord"))
    pandas = ratio(one.get("check/gx-pandas"), one.get("check-suites/accord"))
    verdicts.append(_verdict(TARGETS[5], soda is not None and pandas is not None,
                             soda is not None and soda >= 1 and pandas is not None and pandas >= 10,
                             f"--no-validate: {soda}x Soda's speed, {pandas}x GX pandas'; validating first: {soda_validating}x Soda's"))
    for target, name, factor in ((TARGETS[6], "many-tables", 5), (TARGETS[7], "latin1-100k", 10)):
        edge_speedup = ratio(edge.get(f"{name}/frictionless"), edge.get(f"{name}/accord"))
        verdicts.append(_verdict(target, edge_speedup is not None, edge_speedup is not None and edge_speedup >= factor,
                                 f"{edge_speedup}x faster"))
    for target, key in ((TARGETS[8], "cli/help"), (TARGETS[9], "cli/query")):
        walls = {label: sizes[label][key]["wall_s"] for label in sizes if key in sizes[label]}
        worst = max(walls.values()) if walls else None
        verdicts.append(_verdict(target, worst is not None, worst is not None and worst < 0.5,
                                 "median " + ", ".join(f"{w:.3f} s at {label}" for label, w in walls.items())))
    return verdicts


def _verdict(target: tuple[str, str], measured: bool, met: bool, evidence: str) -> dict[str, Any]:
    return {"target": target[0], "description": target[1],
            "status": "not measured" if not measured else ("met" if met else "missed"),
            "evidence": evidence if measured else None}


COMPARISONS = [
    # (step, accord measurement, peer measurement)
    ("validate", "validate/accord", "validate/frictionless"),
    ("validate (faulty)", "validate-faults/accord", "validate-faults/frictionless"),
    ("check (all suites)", "check-all/accord", None),
    ("check (suites pandas can run), validating first", "check/accord", "check/gx-pandas"),
    ("check (suites pandas can run), --no-validate", "check-suites/accord", "check/gx-pandas"),
    ("check (suites pandas can run), --no-validate, against Soda", "check-suites/accord", "check/soda"),
    ("check (suites pandas can run), validating first, against Soda", "check/accord", "check/soda"),
    ("build", "build/accord", "build/frictionless-index"),
]


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table: one row per size and step."""
    lines = ["| size | step | accord wall s | accord cpu s | accord peak RSS MB (anon) | peer | peer wall s "
             "| peer peak RSS MB (anon) | peer / accord (time) | accord / peer (memory) | accord / floor (time) |",
             "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    for label, sizes in results["sizes"].items():
        floor = sizes.get("floor/duckdb-scan")
        if floor:
            lines.append(f"| {label} | floor: DuckDB count(*) scan | {floor['wall_s']:.2f} | {floor['cpu_s']:.2f} "
                         f"| {_mem(floor)} | | | | | | 1 |")
        for step, mine, peer in COMPARISONS:
            m, p = sizes.get(mine), sizes.get(peer) if peer else None
            if not m:
                continue
            peer_name = peer.split("/")[1] if peer else ""
            has_peer = bool(p and "wall_s" in p)
            lines.append(
                f"| {label} | {step} | {m['wall_s']:.2f} | {m['cpu_s']:.2f} | {_mem(m)} "
                f"| {peer_name if has_peer else ('(not run)' if peer else '')} | {_seconds(p) if has_peer else ''} "
                f"| {_mem(p) if has_peer else ''} | {_x(ratio(p, m))} | {_x(ratio(m, p, 'peak_mb'))} "
                f"| {_x(ratio(m, floor)) if step.startswith(('validate', 'check', 'build')) else ''} |")
        for key, step in (("cli/help", "accord --help"), ("cli/query", "accord query count(*)")):
            if key in sizes:
                q = sizes[key]
                lines.append(f"| {label} | {step} (median of {len(q.get('runs', [1]))}) | {q['wall_s']:.3f} "
                             f"| {q['cpu_s']:.3f} | {_mem(q)} | | | | | | |")
    return "\n".join(lines)


def _seconds(measurement: dict[str, Any]) -> str:
    return f"{measurement['wall_s']:.2f}"


def _mem(measurement: dict[str, Any]) -> str:
    """Peak RSS, and in brackets the peak anonymous memory of the process tree, in MB."""
    anon = measurement.get("peak_anon_mb")
    return f"{measurement['peak_mb']:.0f}" + (f" ({anon:.0f})" if anon else "")


def _x(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"statement rows per package (default {DEFAULT_SIZES})")
    parser.add_argument("--skip-slow", action="store_true",
                        help="leave out the peers (frictionless, GX on pandas): accord and the DuckDB floor only")
    parser.add_argument("--frictionless-max", default="1M",
                        help="largest size frictionless validate and index run at (default 1M)")
    parser.add_argument("--only", default="floor,validate,check,build,cli,edges",
                        help="steps to run (default floor,validate,check,build,cli)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--repeat", type=int, default=REPEATS_FOR_QUICK_COMMANDS,
                        help="runs of --help and query, the median is kept (default 5)")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds before a run is stopped (default 4 h)")
    args = parser.parse_args(argv)
    args.only = set(args.only.split(","))
    args.frictionless_max = generate.parse_rows(args.frictionless_max)
    if not Path(TIME).exists():
        print(f"Error: {TIME} is missing (apt-get install -y time)", file=sys.stderr)
        return 2
    results = load()
    results["machine"] = machine()
    results.setdefault("sizes", {})
    for rows in (generate.parse_rows(s) for s in args.sizes.split(",") if s):
        run_size(rows, args, results)
    if "edges" in args.only:
        run_edges(args, results)
    results["targets"] = evaluate(results["sizes"])
    save(results)
    print()
    print(table(results))
    print()
    for verdict in results["targets"]:
        print(f"{verdict['status']:>12}  {verdict['description']}" + (f"  ({verdict['evidence']})" if verdict["evidence"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

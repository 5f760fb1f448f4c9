"""Limits: an untrusted package cannot hang or exhaust the gate (accord.limits, accord.guard,
accord.validate.patterns). Each limit reached is one line, exit 2, nothing half-written; every
command runs as a subprocess under a generous timeout, so a hang fails the test instead of
stalling CI. (The broken corpus holds a pathological pattern and a 70 MB line too; the crash
tests and the compressed-input tests have files of their own.)"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import duckdb
import pytest
from conftest import copy_package, run_accord, run_accord_process
from hypothesis import given, settings
from hypothesis import strategies as st

from accord import limits
from accord.validate import patterns

HEAVY_QUERY = "select count(*) from range(100000000000) t(x) where x % 7 = 3"  # minutes of work


def one_error_line(run) -> str:
    (line,) = run.stderr.splitlines()
    assert line.startswith("Error: ") and "Traceback" not in run.stderr, run.stderr
    return line


def table_package(folder: Path, csv_text: str, fields: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t.csv").write_text(csv_text, encoding="utf-8")
    descriptor = {"name": "limits", "resources": [{"name": "t", "path": "t.csv", "schema": {"fields": fields}}]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder / "datapackage.json"


# --- option values ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, size", [("512MB", 512 * 1000**2), ("2GiB", 2 * 1024**3), ("1.5 gb", 1_500_000_000),
                                        ("4096", 4096), ("64MiB", 64 * 1024**2)])
def test_sizes_read_as_people_write_them(text, size):
    assert limits.parse_size(text) == size


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("0.5s", 0.5), ("0", None)])
def test_durations_read_as_people_write_them(text, seconds):
    assert limits.parse_seconds(text) == seconds


@pytest.mark.parametrize("option, value", [("--timeout", "soon"), ("--memory-limit", "lots"), ("--max-cell", "0"),
                                           ("--max-expanded", "-1GB"), ("--pattern-timeout", "0")])
def test_a_bad_limit_is_a_usage_error_naming_the_option(tmp_path, option, value):
    run = run_accord("validate", copy_package(tmp_path), option, value)
    assert run.exit_code == 2
    assert option in run.stderr and "Traceback" not in run.stderr


def test_every_command_takes_the_limit_options():
    from accord.cli import COMMANDS

    for name in COMMANDS:
        args = [name, "init", "--help"] if name == "suite" else [name, "--help"]
        text = run_accord(*args).stdout
        for option in ("--timeout", "--memory-limit", "--max-expanded", "--max-cell", "--pattern-timeout"):
            assert option in text, (name, option)


# --- wall time and memory --------------------------------------------------------------------

def test_a_query_past_its_time_limit_stops_within_it(tmp_path):
    copy_package(tmp_path)
    assert run_accord("build", tmp_path).exit_code == 0
    started = time.monotonic()
    run = run_accord_process("query", HEAVY_QUERY, "--package", tmp_path, "--timeout", "2", timeout=120)
    elapsed = time.monotonic() - started
    assert run.exit_code == 2, run.stderr
    assert "time limit of 2 s (--timeout)" in one_error_line(run)
    assert elapsed < 2 + 10  # the query was stopped, not waited for (the guard's own last resort is 15 s)


def test_a_query_that_would_use_all_memory_ends_in_one_line(tmp_path):
    copy_package(tmp_path)
    assert run_accord("build", tmp_path).exit_code == 0
    # DuckDB's own limit (its share of --memory-limit) stops a query that builds one huge value
    run = run_accord_process("query", "select list(x) from range(300000000) t(x)", "--package", tmp_path,
                             "--memory-limit", "1GB", timeout=120)
    assert run.exit_code == 2 and "Out of Memory" in one_error_line(run)
    # the process's resident memory is watched too: here the rows pile up in Python, not in DuckDB
    run = run_accord_process("query", "select * from range(30000000)", "--package", tmp_path, "-F", "csv",
                             "--memory-limit", "600MB", timeout=120)
    assert run.exit_code == 2
    assert "memory than its limit of" in one_error_line(run) and "--memory-limit" in run.stderr


def tree_state(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("seconds", ["0.3", "0.8", "1.5"])
def test_a_build_stopped_at_its_time_limit_leaves_the_previous_build_whole(tmp_path, seconds):
    copy_package(tmp_path)
    assert run_accord("build", tmp_path).exit_code == 0
    before = tree_state(tmp_path / "build")
    (tmp_path / "tables" / "conventions.csv").write_text(
        (tmp_path / "tables" / "conventions.csv").read_text(encoding="utf-8"), encoding="utf-8")  # same rows, new mtime
    run = run_accord_process("build", tmp_path, "--timeout", seconds, timeout=120)
    if run.exit_code == 0:  # faster than the limit on this machine: nothing to see at this limit
        pytest.skip(f"build finished within {seconds} s")
    assert run.exit_code == 2 and "--timeout" in one_error_line(run)
    after = tree_state(tmp_path / "build")
    assert after.keys() == before.keys()  # nothing half-written beside the outputs, no temporary file left
    if after != before:  # stopped after the database was in place: it is the new one, whole
        with duckdb.connect(str(tmp_path / "build" / "accord.duckdb"), read_only=True) as con:
            assert con.execute("select count(*) from statements").fetchone()[0] > 0


# --- the largest cell ------------------------------------------------------------------------

def long_cell_package(folder: Path, cell_bytes: int) -> Path:
    text = "id,text\n1,short\n" + "".join(f"{i},row {i}\n" for i in range(2, 400)) + f"400,{'x' * cell_bytes}\n401,end\n"
    return table_package(folder, text, [{"name": "id", "type": "integer"}, {"name": "text", "type": "string"}])


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_a_line_past_max_cell_ends_in_one_line_on_both_engines(tmp_path, engine):
    package = long_cell_package(tmp_path, 3_000_000)
    run = run_accord_process("validate", package, "--engine", engine, "--max-cell", "1MiB", timeout=120)
    assert run.exit_code == 2
    line = one_error_line(run)
    assert "t.csv" in line and "--max-cell" in line and "1 MiB" in line


def test_a_line_longer_than_duckdbs_default_is_read_by_duckdb_itself(tmp_path):
    """A 3 MB cell (DuckDB's reader stops at 2 MB lines by default) is read in the fast engine,
    with room up to --max-cell: no second read of the file by frictionless."""
    package = long_cell_package(tmp_path, 3_000_000)
    run = run_accord("validate", package, "--format", "json")
    assert run.exit_code == 0, run.stdout
    (task,) = run.report["tasks"]
    assert task["engine"] == "duckdb" and task["rows"] == 401


# --- patterns --------------------------------------------------------------------------------

PATTERNS = [r"[a-z]+", r"\w+", r"\d{2,4}", r"(a|aa)+", r"x$", r"a.b", r"\s*", r"[^a]+", r"(ab)*c?", r"é+|\W",
            r"(?=a)\w+", r"(\w)\1", r"(?!b).*", r"a(?<=a)b", r"[a-c]+?"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATTERNS), st.text(alphabet="abcx é1\n\t_-٣", max_size=12))
def test_a_pattern_matches_as_pythons_re_decides(pattern, cell):
    assert patterns.matcher(pattern)(cell) == (re.match(f"^{pattern}$", cell) is not None)


def test_a_pattern_re2_can_run_takes_linear_time_where_re_backtracks():
    started = time.monotonic()
    assert not patterns.matcher(r"(a|aa)+")("a" * 40 + "b")  # Python's re: about a minute
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_a_pattern_that_backtracks_for_ever_is_stopped_per_value(tmp_path, engine):
    rows = "".join(f"{i},{'a' * 40}b\n" for i in range(1, 2001))
    package = table_package(tmp_path, "id,code\n" + rows, [
        {"name": "id", "type": "integer"},
        {"name": "code", "type": "string", "constraints": {"pattern": "(?=a)(a|aa)+$"}}])
    run = run_accord_process("validate", package, "--engine", engine, "--pattern-timeout", "0.2s", timeout=120)
    assert run.exit_code == 2
    line = one_error_line(run)
    for fragment in ("t.csv", "row 2", "'code'", "(?=a)(a|aa)+$", "--pattern-timeout"):
        assert fragment in line


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_a_lookahead_pattern_that_is_quick_still_validates(tmp_path, engine):
    package = table_package(tmp_path, "id,code\n1,abc\n2,ABC\n", [
        {"name": "id", "type": "integer"},
        {"name": "code", "type": "string", "constraints": {"pattern": "(?=[a-z])[a-z]+"}}])
    run = run_accord("validate", package, "--engine", engine, "--format", "json")
    assert run.exit_code == 1
    errors = [e for t in run.report["tasks"] for e in t["errors"]]
    assert [(e["code"], e["row"], e["field"]) for e in errors] == [("constraint-error", 3, "code")]

"""The synthetic package generator (benchmarks/generate.py): deterministic, valid by default,
and its fault manifest says exactly what validation finds. Small sizes only; no timings."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import generate as generator  # benchmarks/generate.py (conftest puts benchmarks/ on the path)
import pytest
from accord.validate import validate
from conftest import ROOT

ROWS = 1500
ALL_FAULTS = {"type-error": 4, "constraint-error": 6, "primary-key": 2, "foreign-key": 3, "extra-cell": 2, "missing-cell": 2}


@pytest.fixture(scope="module")
def valid_package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("valid") / "package"
    generator.generate(out, ROWS, seed=11)
    return out


@pytest.fixture(scope="module")
def faulty_package(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("faulty") / "package"
    generator.generate(out, ROWS, seed=11, faults=ALL_FAULTS)
    return out


def file_digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def error_keys(report) -> list[tuple]:
    return [e.key() for e in report.all_errors()]


def expected_keys(package: Path) -> list[tuple]:
    manifest = json.loads((package / "faults.json").read_text(encoding="utf-8"))
    return [(e["code"], f["table"], f["row"], e["field"]) for f in manifest["faults"] for e in f["expected"]]


def test_the_same_seed_writes_the_same_bytes(tmp_path, faulty_package):
    again = tmp_path / "again"
    generator.generate(again, ROWS, seed=11, faults=ALL_FAULTS)
    assert file_digests(again) == file_digests(faulty_package)


def test_another_seed_writes_other_data(tmp_path, valid_package):
    other = tmp_path / "other"
    generator.generate(other, ROWS, seed=12)
    for table in ("statements", "memberships", "actors", "organizations"):
        name = f"tables/{table}.csv"
        assert (other / name).read_bytes() != (valid_package / name).read_bytes(), name


def test_faults_change_only_the_faulty_rows(valid_package, faulty_package):
    manifest = json.loads((faulty_package / "faults.json").read_text(encoding="utf-8"))
    for table in ("statements", "memberships", "actors"):
        clean = (valid_package / f"tables/{table}.csv").read_text(encoding="utf-8").splitlines()
        dirty = (faulty_package / f"tables/{table}.csv").read_text(encoding="utf-8").splitlines()
        changed = {number for number, (a, b) in enumerate(zip(clean, dirty), start=1) if a != b}
        assert changed == {f["row"] for f in manifest["faults"] if f["table"] == table}, table


def test_table_sizes_follow_the_statements():
    assert generator.table_sizes(1_000_000) == {"sources": 112, "actors": 50_000, "organizations": 20_000,
                                                "conventions": 1_000, "mentions": 71_800, "statements": 1_000_000,
                                                "memberships": 500_000}
    small = generator.table_sizes(100)  # at least one row in every table
    assert small == {"sources": 4, "actors": 5, "organizations": 2, "conventions": 1, "mentions": 9,
                     "statements": 100, "memberships": 50}
    assert min(generator.table_sizes(1).values()) == 1


def test_the_smallest_package_passes_its_checks(tmp_path):
    from accord.check import check

    generator.generate(tmp_path / "tiny", 1, seed=5)
    report = check(tmp_path / "tiny")
    failed = [t.name for t in report.tasks if t.outcome != "passed"]
    assert report.status == "valid" and not failed, failed


def test_the_tables_have_the_sizes_the_manifest_says(valid_package):
    manifest = json.loads((valid_package / "faults.json").read_text(encoding="utf-8"))
    assert manifest["faults"] == []
    assert manifest["tables"] == generator.table_sizes(ROWS)
    for table, rows in manifest["tables"].items():
        with (valid_package / f"tables/{table}.csv").open(encoding="utf-8", newline="") as handle:
            assert sum(1 for _ in csv.reader(handle)) == rows + 1, table


def test_the_descriptor_has_our_schemas(valid_package):
    ours = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    theirs = json.loads((valid_package / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["schema"] for r in theirs["resources"]] == [r["schema"] for r in ours["resources"]]
    assert [r["path"] for r in theirs["resources"]] == [f"tables/{r['name']}.csv" for r in ours["resources"]]


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_the_valid_package_passes_validation(valid_package, engine):
    report = validate(valid_package, engine=engine)
    assert report.valid, error_keys(report)[:10]


def test_the_valid_package_passes_its_checks(valid_package):
    from accord.check import check

    report = check(valid_package)
    failed = [t.name for t in report.tasks if t.outcome != "passed"]
    assert report.status == "valid" and not failed, failed


def read_table(package: Path, table: str) -> list[dict[str, str]]:
    with (package / f"tables/{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_evidence_and_names_are_at_their_offsets_and_checksums_hold(valid_package):
    sources = {row["source_id"]: row for row in read_table(valid_package, "sources")}
    texts = {}
    for source_id, row in sources.items():
        if row["path"]:
            data = (valid_package / row["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == row["sha256"]
            texts[source_id] = data.decode("utf-8")
    assert any(not text.isascii() for text in texts.values())  # offsets count code points, not bytes
    quoted = {"statements": "evidence", "memberships": "evidence", "mentions": "name_as_written"}
    for table, column in quoted.items():
        located = 0
        for row in read_table(valid_package, table):
            assert row["source_id"] in sources
            if row["source_id"] in texts:  # a stored text: evidence at its offsets, no locator
                start, end = int(row["evidence_start"]), int(row["evidence_end"])
                assert texts[row["source_id"]][start:end] == row[column] and not row["locator"], (table, row)
            else:  # no stored text: a locator, no offsets
                assert row["locator"] and not row["evidence_start"] and not row["evidence_end"], (table, row)
                located += 1
        assert located, f"no {table} row cites a source by locator"


def test_the_package_uses_the_many_source_model(valid_package):
    sources = {row["source_id"]: row for row in read_table(valid_package, "sources")}
    assert {row["kind"] for row in sources.values()} == {"reference", "press-release", "report"}
    for table, key in (("mentions", "mention_id"), ("statements", "statement_id"), ("memberships", "membership_id")):
        rows = read_table(valid_package, table)
        assert all(row[key].split(":")[0] == row["source_id"] for row in rows), table
    keys = {"actors": "actor_id", "organizations": "organization_id", "conventions": "convention_id"}
    entities = {(key, row[key]) for table, key in keys.items() for row in read_table(valid_package, table)}
    mentions = read_table(valid_package, "mentions")
    mentioned = {(key, row[key]) for row in mentions for key in keys.values() if row[key]}
    assert mentioned == entities
    assert any("," in row["name_as_written"] for row in mentions if row["actor_id"])  # "Last, First": an alias
    memberships = read_table(valid_package, "memberships")
    relations = {row["relation"] for row in memberships}
    assert {"depositary", "party", "signatory", "member", "observer", "post"} <= relations
    assert {row["status"] for row in memberships} == {"current", "planned", "under-consideration", "suspended",
                                                      "ended", "withdrawn"}
    for row in memberships:  # as_of given exactly where the source is dated
        assert bool(row["as_of"]) == bool(sources[row["source_id"]]["published"]), row
    dates = [row["date"] for row in read_table(valid_package, "statements") if row["date"]]
    assert {len(d) for d in dates} == {4, 7, 10}  # years, months and days
    starts = [row["start_date"] for row in memberships if row["start_date"]]
    assert {len(d) for d in starts} == {4, 7, 10}


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_validation_finds_exactly_the_injected_faults(faulty_package, engine):
    report = validate(faulty_package, engine=engine)
    found, expected = error_keys(report), expected_keys(faulty_package)
    assert Counter(key[0] for key in found) == Counter(key[0] for key in expected)
    assert sorted(found, key=str) == sorted(expected, key=str)


def test_every_kind_of_fault_is_in_the_manifest(faulty_package):
    manifest = json.loads((faulty_package / "faults.json").read_text(encoding="utf-8"))
    assert Counter(f["kind"] for f in manifest["faults"]) == Counter(ALL_FAULTS)
    assert len({(f["table"], f["row"]) for f in manifest["faults"]}) == len(manifest["faults"])  # one per row
    assert {f["table"] for f in manifest["faults"]} == {"statements", "memberships", "actors"}


def test_too_many_faults_for_the_size_is_refused(tmp_path):
    with pytest.raises(generator.GeneratorError, match="do not fit"):
        generator.generate(tmp_path / "small", 50, faults={"primary-key": 40})


def test_a_folder_that_is_not_a_generated_package_is_not_overwritten(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(generator.GeneratorError, match="not overwriting"):
        generator.generate(tmp_path, 100)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("text, rows", [("1000", 1000), ("100k", 100_000), ("2.5M", 2_500_000)])
def test_row_counts_read_with_suffixes(text, rows):
    assert generator.parse_rows(text) == rows


@pytest.mark.parametrize("item", ["type-error", "nope=1", "foreign-key=x"])
def test_a_malformed_fault_is_refused(item):
    with pytest.raises(generator.GeneratorError, match="not a fault"):
        generator.parse_faults([item])


def test_its_command_line_writes_a_package(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tmp_path / "out"), "--rows", "200",
                           "--seed", "3", "--faults", "foreign-key=2"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Wrote {tmp_path / 'out'}: sources 4,")
    manifest = json.loads((tmp_path / "out" / "faults.json").read_text(encoding="utf-8"))
    assert [f["kind"] for f in manifest["faults"]] == ["foreign-key", "foreign-key"]


def test_its_command_line_refuses_a_malformed_fault_in_one_line(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(tmp_path / "out"),
                           "--faults", "nope=1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "not a fault: 'nope=1'" in done.stderr and "Traceback" not in done.stderr

"""One load per run: validate reads each CSV once; build and check use the tables it read.

- strace counts every open of each CSV: check opens each file exactly as often as validate
  alone does, build once more to hash its bytes, so neither parses a table a second time.
- On tables the fast engine hands to frictionless (a `%x` date, an `any` date, a declared
  iso-8859-1 encoding, a JSON resource without a schema), validate, build and check agree, and
  the built values equal what frictionless reads, cell by cell.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from accord.build import build_package
from accord.check import check
from accord.validate import validate
from conftest import ROOT, copy_package, run_accord

STRACE = shutil.which("strace")


def csv_opens(args: list[str], cwd: Path, trace: Path) -> dict[str, int]:
    """How many times the process tree opened each CSV file (strace: every open, by any library)."""
    done = subprocess.run([STRACE, "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", str(trace),
                           sys.executable, "-m", "accord", *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    opened: dict[str, int] = {}
    for line in trace.read_text().splitlines():
        found = re.search(r'open(?:at2?)?\((?:[^,]+, )?"([^"]+\.csv)"', line)
        if found and "ENOENT" not in line:
            name = Path(found.group(1)).name
            opened[name] = opened.get(name, 0) + 1
    return opened


@pytest.mark.skipif(STRACE is None, reason="strace is not installed here; .ci/run installs it")
@pytest.mark.slow
def test_build_and_check_open_each_csv_no_more_often_than_validate(tmp_path):
    copy_package(tmp_path / "package", checks=True)
    package = tmp_path / "package"
    validated = csv_opens(["validate"], package, tmp_path / "validate.trace")
    built = csv_opens(["build"], package, tmp_path / "build.trace")
    checked = csv_opens(["check"], package, tmp_path / "check.trace")
    assert set(validated) == {p.name for p in (ROOT / "tables").glob("*.csv")}
    # build reads each file once more, as bytes: the SHA-256 it records in accord_files (on a
    # thread of its own, while the database is written); it parses nothing again
    assert built == {name: count + 1 for name, count in validated.items()}
    assert checked == validated


FIELDS_EVENTS = [
    {"name": "id", "type": "integer"},
    {"name": "place", "type": "string", "constraints": {"required": True}},
    {"name": "day", "type": "date", "format": "%x", "constraints": {"required": True}},
    {"name": "month", "type": "date", "format": "any"},
    {"name": "at", "type": "datetime"},
    {"name": "score", "type": "number"},
]
EVENTS = (
    "id,place,day,month,at,score\n"
    "1,Zürich,09/25/20,1979-01,2023-10-07T10:00:00+02:00,1.5\n"
    "2,Liège,12/31/99,2001-02,2023-10-07T10:00:00Z,\n"
    "3,Ñuñoa,01/02/03,,2023-10-08T00:30:00,-2\n"
)
PLACES = [{"place_id": 1, "city": "Zürich", "seen": "2020-01-02"}, {"place_id": 2, "city": "Liège", "seen": None}]


def write_odd_package(root: Path) -> Path:
    (root / "checks").mkdir(parents=True)
    (root / "events.csv").write_bytes(EVENTS.encode("iso-8859-1"))
    (root / "places.json").write_text(json.dumps(PLACES, ensure_ascii=False), encoding="utf-8")
    descriptor = {
        "name": "odd",
        "resources": [
            {"name": "events", "path": "events.csv", "encoding": "iso-8859-1", "schema": {"fields": FIELDS_EVENTS}},
            {"name": "places", "path": "places.json", "format": "json", "type": "table"},
        ],
    }
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (root / "checks" / "events.json").write_text(json.dumps({
        "name": "events",
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": column},
             "meta": {"rule": f"{column}-not-null", "description": f"every event has a {column}"}}
            for column in ("day", "place")
        ] + [{"type": "expect_table_row_count_to_equal", "kwargs": {"value": 3},
              "meta": {"rule": "three-events", "description": "three events"}}],
    }), encoding="utf-8")
    return root / "datapackage.json"


def plain(value):
    """A value as a comparable Python value, written out independently of accord's own conversion."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def frictionless_rows(descriptor: Path, name: str) -> tuple[list[str], list[list]]:
    from frictionless import Package

    resource = Package(str(descriptor)).get_resource(name)
    rows = resource.read_rows()
    names = resource.schema.field_names
    return names, [[plain(row[n]) for n in names] for row in rows]


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_tables_frictionless_reads_build_and_check_with_frictionless_values(tmp_path, engine):
    descriptor = write_odd_package(tmp_path / "odd")
    report = validate(descriptor, engine=engine)
    assert report.status == "valid", [e.message for e in report.all_errors()]
    result = build_package(descriptor, tmp_path / "odd.duckdb", engine=engine)
    assert result.tables == {"events": 3, "places": 2}
    with duckdb.connect(str(result.database), read_only=True) as con:
        for table in ("events", "places"):
            names, expected = frictionless_rows(descriptor, table)
            columns = [c for (c,) in con.execute(
                f"SELECT column_name FROM duckdb_columns() WHERE table_name = '{table}' ORDER BY column_index").fetchall()]
            built = [list(row) for row in con.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()]
            assert columns == names
            assert built == expected, table
    assert all(v is not None for row in frictionless_rows(descriptor, "events")[1] for v in row[2:3])
    checked = check(descriptor, engine=engine)
    assert checked.status == "valid", [e.message for e in checked.all_errors()]
    assert [t.outcome for t in checked.tasks if t.kind == "expectation"] == ["passed"] * 3


def test_the_cli_agrees_on_the_odd_package(tmp_path):
    descriptor = write_odd_package(tmp_path / "odd")
    for command in (["validate"], ["build", "--db", str(tmp_path / "out.duckdb")], ["check"]):
        run = run_accord(*command, str(descriptor))
        assert run.exit_code == 0, (command, run.stdout, run.stderr)

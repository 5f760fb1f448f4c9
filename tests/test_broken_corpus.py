"""Hostile and broken packages: every one gets a clear error, and none a traceback.

Each case of tests/fixtures/broken/manifest.json (a folder there, or one written by
make_fixtures.py) is run as a user runs accord, in a subprocess: validate (both engines, JSON
and text), check, build and info. The manifest says, per case, the exit status of each command
(0 valid, 1 invalid, 2 unreadable), the codes and locations validate reports, and the file, row
and field the messages must name. Where a build succeeds, its tables must hold exactly what
frictionless reads from the files: nothing lost, nothing changed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from accord.errors import PackageError
from accord.package import load_package
from conftest import run_accord


FIXTURES = Path(__file__).parent / "fixtures" / "broken"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))["cases"]
CASES = sorted(MANIFEST)


def cases(predicate=lambda case: True) -> list:
    """The cases to run a test on; the generated ones (a 10 MB cell, long lines) are slow."""
    return [pytest.param(c, marks=pytest.mark.slow) if MANIFEST[c].get("generated") else c
            for c in CASES if predicate(c)]

# Run as a user runs them, in a subprocess: the four commands.
SUBPROCESS = {
    "validate-json": ["validate", "{package}", "--format", "json"],
    "check-json": ["check", "{package}", "--format", "json"],
    "build": ["build", "{package}", "--db", "{out}/db.duckdb"],
    "info-text": ["info", "{package}"],
}
# The same commands in other formats and the reference engine: in this process (accord.cli.main), to stay fast.
IN_PROCESS = {
    "validate-text": ["validate", "{package}"],
    "validate-frictionless": ["validate", "{package}", "--format", "json", "--engine", "frictionless"],
    "info-json": ["info", "{package}", "--format", "json"],
}
COMMANDS = {**SUBPROCESS, **IN_PROCESS}
EXIT_OF = {name: name.split("-")[0] for name in COMMANDS}


@dataclass
class Done:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def _load_make_fixtures():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _accord(args: list[str], cwd: Path) -> Done:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "accord", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    return Done(args, done.returncode, done.stdout, done.stderr)


def _accord_in_process(args: list[str], cwd: Path) -> Done:
    run = run_accord(*args, cwd=cwd)
    return Done(args, run.exit_code, run.stdout, run.stderr)


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    """Each case's folder: committed ones in place, generated ones written into a temporary folder."""
    make_fixtures = _load_make_fixtures()
    generated = tmp_path_factory.mktemp("generated")
    found = {}
    for case, spec in MANIFEST.items():
        if spec.get("generated"):
            found[case] = make_fixtures.GENERATED[case](generated / case).parent
        else:
            found[case] = FIXTURES / case
    return found


class Runs:
    """Every command on a case, run once when the case is first asked for: the subprocesses two
    at a time, the in-process commands meanwhile. Lazy, so a run of the fast tier (`-m "not
    slow"`) never runs the large generated cases."""

    def __init__(self, packages: dict[str, Path], root: Path):
        self.packages, self.root, self.done = packages, root, {}

    def __getitem__(self, key: tuple[str, str]) -> Done:
        case = key[0]
        if key not in self.done:
            out = self.root / case
            out.mkdir()
            with ThreadPoolExecutor(max_workers=2) as pool:
                futures = {
                    (case, name): pool.submit(_accord, [a.format(package=self.packages[case], out=out) for a in template], out)
                    for name, template in SUBPROCESS.items()
                }
                for name, template in IN_PROCESS.items():
                    args = [a.format(package=self.packages[case], out=out) for a in template]
                    self.done[(case, name)] = _accord_in_process(args, out)
                self.done.update({k: f.result() for k, f in futures.items()})
        return self.done[key]


@pytest.fixture(scope="module")
def runs(packages, tmp_path_factory) -> Runs:
    return Runs(packages, tmp_path_factory.mktemp("runs"))


def _report_errors(done) -> list[dict]:
    report = json.loads(done.stdout)
    return [*report["errors"], *(e for t in report["tasks"] for e in t["errors"])]


def _locations(errors: list[dict]) -> set[tuple]:
    return {(e["code"], e["table"], e["row"], e["field"]) for e in errors}


@pytest.mark.parametrize("case", cases())
def test_exit_status_of_every_command(runs, case):
    expected = MANIFEST[case]["exit"]
    got = {name: runs[(case, name)].returncode for name in COMMANDS}
    assert got == {name: expected[EXIT_OF[name]] for name in COMMANDS}, {
        name: runs[(case, name)].stderr[-300:] for name in COMMANDS
    }


@pytest.mark.parametrize("case", cases())
def test_no_traceback_and_no_internal_error(runs, case):
    for name in COMMANDS:
        done = runs[(case, name)]
        assert "Traceback" not in done.stderr, (name, done.stderr[-2000:])
        assert "internal error" not in done.stderr, (name, done.stderr)


@pytest.mark.parametrize("case", cases())
def test_errors_on_stderr_are_one_line_each(runs, case):
    # stderr holds only `Error: ...` (one, at most) and `note: ...` lines; never a message broken over lines
    for name in COMMANDS:
        lines = runs[(case, name)].stderr.splitlines()
        assert all(line.startswith(("Error: ", "note: ")) for line in lines), (name, lines)
        assert sum(line.startswith("Error: ") for line in lines) <= 1, (name, lines)


@pytest.mark.parametrize("case", cases(lambda c: "message" in MANIFEST[c]))
def test_a_package_that_cannot_be_loaded_is_one_error_line_naming_the_problem(runs, case):
    for name in COMMANDS:
        done = runs[(case, name)]
        if name in ("validate-json", "check-json", "validate-frictionless"):  # a CI step still gets a report
            report = json.loads(done.stdout)
            assert report["status"] == "unreadable" and [e["code"] for e in report["errors"]] == ["package-error"]
        else:
            assert done.stdout == "", name
        (line,) = done.stderr.splitlines()
        for fragment in MANIFEST[case]["message"]:
            assert fragment in line, (name, line)


@pytest.mark.parametrize("case", cases(lambda c: "codes" in MANIFEST[c]))
def test_validate_json_reports_the_expected_codes_at_the_expected_places(runs, case):
    spec = MANIFEST[case]
    errors = _report_errors(runs[(case, "validate-json")])
    assert sorted({e["code"] for e in errors}) == spec["codes"]
    assert _locations(errors) == _locations(spec["errors"])
    for expected in spec["errors"]:
        (found,) = [e for e in errors if _locations([e]) == _locations([expected])]
        assert found["message"].startswith(f"{expected['file']}: "), found["message"]


@pytest.mark.parametrize("case", cases(lambda c: "codes" in MANIFEST[c]))
def test_the_duckdb_engine_agrees_with_frictionless(runs, case):
    duck, reference = runs[(case, "validate-json")], runs[(case, "validate-frictionless")]
    assert duck.returncode == reference.returncode
    assert _locations(_report_errors(duck)) == _locations(_report_errors(reference))


@pytest.mark.parametrize("case", cases(lambda c: "codes" in MANIFEST[c]))
def test_check_json_reports_the_expected_codes(runs, case):
    spec = MANIFEST[case]
    errors = _report_errors(runs[(case, "check-json")])
    assert sorted({e["code"] for e in errors}) == spec.get("check_codes", spec["codes"])


def _place(error: dict) -> list[str]:
    """What a message about this error must name: its row and field, where it has them."""
    return [text for text in (f"row {error['row']}" if error["row"] else None,
                              f"field {error['field']}" if error["field"] else None) if text]


# (a limit reached stops the command: its one line is tested below, with the machine report)
@pytest.mark.parametrize("case", cases(lambda c: MANIFEST[c].get("errors") and "error_line" not in MANIFEST[c]))
def test_validate_text_names_file_row_and_field_of_every_problem(runs, case):
    lines = runs[(case, "validate-text")].stdout.splitlines()
    for error in MANIFEST[case]["errors"]:
        # one head line per problem (code, table, row, field), its message on the next line (file first)
        heads = [
            i
            for i, line in enumerate(lines)
            if f": {error['code']}" in line and all(p in line for p in _place(error)) and i + 1 < len(lines)
        ]
        assert any(lines[i + 1].strip().startswith(f"{error['file']}: ") for i in heads), (error, lines)


@pytest.mark.parametrize("case", cases(lambda c: MANIFEST[c].get("errors") and MANIFEST[c]["exit"]["build"]
                                     and "error_line" not in MANIFEST[c]))
def test_a_refused_build_names_the_first_problem_in_one_line(runs, case):
    first = MANIFEST[case]["errors"][0]
    (line,) = [line for line in runs[(case, "build")].stderr.splitlines() if line.startswith("Error: ")]
    assert f"{first['code']}: {first['file']}: " in line, line
    for place in _place(first):
        assert place in line, line


@pytest.mark.parametrize("case", cases(lambda c: MANIFEST[c]["exit"]["build"]))
def test_a_refused_build_writes_nothing(runs, case):
    done = runs[(case, "build")]
    out = Path(done.args[done.args.index("--db") + 1]).parent
    assert sorted(p.name for p in out.iterdir()) == []


@pytest.mark.parametrize("case", cases(lambda c: "rows" in MANIFEST[c]))
def test_info_counts_rows_and_says_which_tables_it_cannot_read(runs, case):
    info = json.loads(runs[(case, "info-json")].stdout)
    assert {t["name"]: t["rows"] for t in info["tables"]} == MANIFEST[case]["rows"]
    text = runs[(case, "info-text")].stdout
    for table in info["tables"]:
        if table["rows"] is None:
            assert f"unreadable: {table['error']}" in text


def _comparable(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return value


@pytest.mark.parametrize("case", cases(lambda c: MANIFEST[c]["exit"]["build"] == 0))
def test_a_built_table_holds_exactly_what_frictionless_reads(runs, packages, case):
    from frictionless import Package

    done = runs[(case, "build")]
    database = done.args[done.args.index("--db") + 1]
    reference = Package(str(packages[case] / "datapackage.json"))
    with duckdb.connect(database, read_only=True) as con:
        for resource in reference.resources:
            names = resource.schema.field_names
            expected = [tuple(_comparable(row[n]) for n in names) for row in resource.read_rows()]
            columns = ", ".join(f'"{n}"' for n in names)
            rows = con.execute(f'SELECT {columns} FROM "{resource.name}"').fetchall()
            built = [tuple(map(_comparable, row)) for row in rows]
            assert built == expected, resource.name


# Descriptor shapes, constraints and CSV quirks, one at a time (in this process)

PEOPLE = {"name": "people", "path": "people.csv", "format": "csv",
          "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}}


def _package(root, descriptor, csv="id,name\n1,Ann\n"):
    (root / "people.csv").write_text(csv, encoding="utf-8")
    path = root / "datapackage.json"
    path.write_text(descriptor if isinstance(descriptor, str) else json.dumps(descriptor), encoding="utf-8")
    return path


def _with_schema(**schema):
    return {"name": "demo", "resources": [{**PEOPLE, "schema": {**PEOPLE["schema"], **schema}}]}


def test_a_descriptor_nested_too_deeply_is_refused_in_one_line(tmp_path):
    path = _package(tmp_path, '{"resources": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(PackageError, match="descriptor is nested too deeply to read"):
        load_package(path)
    for command in ("validate", "build", "info"):
        run = run_accord(command, str(path), cwd=tmp_path)
        assert run.exit_code == 2 and run.stderr.count("\n") == 1 and "nested too deeply" in run.stderr, (command, run.stderr)


@pytest.mark.parametrize(
    ("descriptor", "problem"),
    [
        (_with_schema(fields=["id", "name"]), "schema field 1 must be an object with a non-empty 'name'"),
        (_with_schema(fields=[{"type": "integer"}]), "schema field 1 must be an object with a non-empty 'name'"),
        (_with_schema(fields=[{"name": 7}]), "schema field 1 must be an object with a non-empty 'name'"),
        (_with_schema(fields=[{"name": "id", "constraints": ["required"]}]), "'constraints' must be an object"),
        (_with_schema(primaryKey=[["id"]]), "schema 'primaryKey' must be a field name or a list of them"),
        (_with_schema(foreignKeys="id"), "schema 'foreignKeys' must be a list"),
        (_with_schema(foreignKeys=[{"fields": "id", "reference": "people"}]), "foreign key 1 must be an object with"),
        ({"name": "demo", "resources": [{**PEOPLE, "encoding": 8}]}, "its encoding must be a string"),
        ({"name": "demo", "resources": [{**PEOPLE, "dialect": ["delimiter", ";"]}]}, "its dialect must be an object"),
    ],
)
def test_shapes_accord_cannot_walk_are_reported_with_the_other_problems(tmp_path, descriptor, problem):
    """Such a resource is kept, with its problems, so that the report lists every problem of the
    descriptor (frictionless's profile, and accord's own where the profile misses one); nothing
    reads its table."""
    path = _package(tmp_path, descriptor)
    (resource,) = load_package(path).resources
    assert any(problem in p for p in resource.problems), resource.problems
    run = run_accord("validate", str(path), "--format", "json", cwd=tmp_path)
    report = json.loads(run.stdout)
    assert run.exit_code == 2 and report["status"] == "unreadable" and report["errors"] and not report["tasks"]
    assert all(e["table"] in ("people", None) for e in report["errors"]), report["errors"]
    build = run_accord("build", str(path), cwd=tmp_path)
    assert build.exit_code == 2 and build.stderr.count("\n") == 1 and "the package cannot be read" in build.stderr
    info = run_accord("info", str(path), "--format", "json", cwd=tmp_path)
    assert info.exit_code == 0 and json.loads(info.stdout)["tables"][0]["rows"] is None


def test_a_package_name_that_is_not_text_falls_back_to_the_folder_name(tmp_path):
    path = _package(tmp_path, {"name": 42, "resources": [PEOPLE]})
    assert load_package(path).name == tmp_path.name


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_a_descriptor_error_is_located_at_its_resource_and_field(tmp_path, engine):
    fields = [{"name": "id", "type": "integer"}, {"name": "name", "type": "colour"}]
    path = _package(tmp_path, _with_schema(fields=fields))
    run = run_accord("validate", str(path), "--format", "json", "--engine", engine)
    (error,) = _report_errors(run)
    assert run.exit_code == 2
    assert (error["code"], error["table"], error["field"]) == ("field-error", "people", "name")
    assert error["message"] == 'datapackage.json: Field is not valid: field type "colour" is not supported'


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"name": "id", "type": "integer", "constraints": {"minimum": "one"}},
         "datapackage.json: field 'id': constraint minimum 'one' is not a valid integer"),
        ({"name": "id", "type": "number", "constraints": {"maximum": "NaN"}},
         "datapackage.json: field 'id': constraint maximum is NaN"),
        ({"name": "id", "type": "date", "constraints": {"minimum": 5}},
         "datapackage.json: field 'id': constraint minimum 5 is not a valid date"),
        ({"name": "id", "type": "string", "constraints": {"pattern": "(unclosed"}},
         "datapackage.json: field 'id': constraint pattern '(unclosed' is not a regular expression"),
    ],
)
def test_a_constraint_frictionless_cannot_use_is_a_field_error_for_both_engines(tmp_path, engine, field, message):
    # frictionless 5 itself stops with a Python error (TypeError, re.error) on these
    path = _package(tmp_path, _with_schema(fields=[field, {"name": "name", "type": "string"}]))
    run = run_accord("validate", str(path), "--format", "json", "--engine", engine)
    (error,) = _report_errors(run)
    assert run.exit_code == 2 and "internal error" not in run.stderr
    assert (error["code"], error["table"], error["field"]) == ("field-error", "people", "id")
    assert error["message"].startswith(message)


def _built_rows(database, table="people"):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f'SELECT * FROM "{table}"').fetchall()


@pytest.mark.parametrize(
    ("csv", "rows"),
    [
        # DuckDB's strict reader refuses these; frictionless reads them, and so does build, the same way
        ("id,name\r\n1,Ann\n2,Bob\r\n3,Carl\n", [(1, "Ann"), (2, "Bob"), (3, "Carl")]),
        ('id,name\n1,"An"n\n2,Bob\n', [(1, "Ann"), (2, "Bob")]),
        ('id,name\n1,"Ann\n2,Bob\n', [(1, "Ann\n2,Bob\n")]),
        # longer than DuckDB's default 2 MB line
        ("id,name\n1," + "x" * 3_000_000 + "\n2,Bob\n", [(1, "x" * 3_000_000), (2, "Bob")]),
    ],
    ids=["mixed-line-endings", "stray-quote", "unterminated-quote", "3-MB-line"],
)
def test_build_stores_what_validation_read_where_duckdb_alone_would_refuse(tmp_path, csv, rows):
    path = _package(tmp_path, {"name": "demo", "resources": [PEOPLE]}, csv=csv)
    run = run_accord("build", str(path), "--db", str(tmp_path / "out" / "demo.duckdb"), cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert _built_rows(tmp_path / "out" / "demo.duckdb") == rows


def test_build_refuses_a_table_whose_row_count_differs_from_what_validation_read(tmp_path):
    """The guard that no row is lost between the load and the database: a load whose count is
    not the number of rows written is refused."""
    from accord.build import write_database
    from accord.errors import DatabaseError
    from accord.validate import open_validation

    path = _package(tmp_path, {"name": "demo", "resources": [PEOPLE]}, csv="id,name\n1,Ann\n2,Bob\n")
    (tmp_path / "out").mkdir()
    with open_validation(path, keep="all", outputs=[tmp_path / "out"]) as run:
        run.tables["people"].rows += 1
        with pytest.raises(DatabaseError, match=r"^table 'people': 2 rows written where validation read 3; not built"):
            write_database(run, tmp_path / "out" / "demo.duckdb", tmp_path / "out")


@pytest.mark.parametrize(
    ("resource", "code"),
    [
        ({"format": True}, "resource-error"),
        ({"dialect": {"delimiter": []}}, "control-error"),
        ({"schema": {"fields": [{"name": "id", "type": None}, {"name": "name", "type": ["string"]}]}}, "field-error"),
    ],
    ids=["format-not-text", "delimiter-not-text", "type-not-text"],
)
def test_descriptor_values_of_the_wrong_kind_are_reported_not_crashed_on(tmp_path, resource, code):
    # found by test_properties: info crashed on a format or type that is not text, and the DuckDB
    # engine on a dialect frictionless refuses only when it opens the package
    path = _package(tmp_path, {"name": "demo", "resources": [{**PEOPLE, **resource}]})
    for engine in ("duckdb", "frictionless"):
        run = run_accord("validate", str(path), "--format", "json", "--engine", engine, cwd=tmp_path)
        assert code in {e["code"] for e in _report_errors(run)} and run.exit_code in (1, 2), run.stderr
    run = run_accord("build", str(path), "--db", str(tmp_path / "out" / "db.duckdb"), cwd=tmp_path)
    assert run.exit_code in (1, 2) and run.stderr.startswith("Error: ") and "internal error" not in run.stderr
    info = run_accord("info", str(path), cwd=tmp_path)
    assert info.exit_code == 0 and info.stderr == ""


def test_a_profile_check_that_crashes_frictionless_is_a_descriptor_error(monkeypatch, tmp_path):
    from frictionless import Package

    def crash(descriptor):
        raise KeyError("fields")

    monkeypatch.setattr(Package, "metadata_validate", staticmethod(crash))
    run = run_accord("validate", str(_package(tmp_path, {"name": "demo", "resources": [PEOPLE]})), "--format", "json")
    (error,) = _report_errors(run)
    assert run.exit_code == 2
    assert error["code"] == "package-error"
    assert error["message"] == "datapackage.json: Package is not valid: frictionless cannot check it (KeyError: 'fields')"


def test_a_huge_bad_cell_is_cut_short_in_text_and_in_the_build_error(tmp_path):
    path = _package(tmp_path, {"name": "demo", "resources": [PEOPLE]}, csv="id,name\n" + "9" * 1_000_000 + "x,Ann\n")
    run = run_accord("validate", str(path), cwd=tmp_path)
    assert run.exit_code == 1 and len(run.stdout) < 5_000
    assert "more characters)" in run.stdout
    build = run_accord("build", str(path), "--db", str(tmp_path / "out" / "db.duckdb"), cwd=tmp_path)
    (line,) = build.stderr.splitlines()
    assert build.exit_code == 1 and len(line) < 1_000 and line.startswith("Error: demo is invalid, not built: ")
    assert "people, row 2, field id: type-error: people.csv: Type error in the cell" in line


@pytest.mark.parametrize("case", cases(lambda c: "error_line" in MANIFEST[c]))
def test_a_limit_reached_is_one_error_line_and_a_machine_report(runs, case):
    """Hostile input (a pattern that backtracks for ever, a line past --max-cell) ends every command
    that reads the rows with exit 2 and one line naming the problem; a CI step still gets a report."""
    for name in COMMANDS:
        done = runs[(case, name)]
        if name.startswith("info"):
            continue
        (line,) = done.stderr.splitlines()
        for fragment in MANIFEST[case]["error_line"]:
            assert fragment in line, (name, line)
        if name in ("validate-json", "check-json", "validate-frictionless"):
            report = json.loads(done.stdout)
            assert report["status"] == "unreadable" and [e["code"] for e in report["errors"]] == ["limit-reached"]

"""Hostile and broken packages: every one gets a clear error, and none a traceback."""

from __future__ import annotations

import json

import pytest
from accord.errors import PackageError
from accord.package import load_package
from build_helpers import run_main

PEOPLE = {"name": "people", "path": "people.csv", "format": "csv",
          "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}}


def _package(root, descriptor, csv="id,name\n1,Ann\n"):
    (root / "people.csv").write_text(csv, encoding="utf-8")
    path = root / "datapackage.json"
    path.write_text(descriptor if isinstance(descriptor, str) else json.dumps(descriptor), encoding="utf-8")
    return path


def _with_schema(**schema):
    return {"name": "demo", "resources": [{**PEOPLE, "schema": {**PEOPLE["schema"], **schema}}]}


@pytest.mark.parametrize(
    ("descriptor", "message"),
    [
        ('{"resources": ' + "[" * 100_000 + "]" * 100_000 + "}", "descriptor is nested too deeply to read"),
        (_with_schema(fields=["id", "name"]), "resource 'people': schema field 1 must be an object with a non-empty 'name'"),
        (_with_schema(fields=[{"type": "integer"}]), "schema field 1 must be an object with a non-empty 'name'"),
        (_with_schema(fields=[{"name": 7}]), "schema field 1 must be an object with a non-empty 'name'"),
        (_with_schema(fields=[{"name": "id", "constraints": ["required"]}]), "field 'id': 'constraints' must be an object"),
        (_with_schema(primaryKey=[["id"]]), "schema 'primaryKey' must be a field name or a list of them"),
        (_with_schema(foreignKeys="id"), "schema 'foreignKeys' must be a list"),
        (_with_schema(foreignKeys=[{"fields": "id", "reference": "people"}]), "foreign key 1 must be an object with"),
        ({"name": "demo", "resources": [{**PEOPLE, "encoding": 8}]}, "resource 'people': encoding must be a string"),
        ({"name": "demo", "resources": [{**PEOPLE, "dialect": ["delimiter", ";"]}]}, "dialect must be an object"),
    ],
)
def test_shapes_accord_cannot_walk_are_refused_in_one_line(tmp_path, descriptor, message):
    path = _package(tmp_path, descriptor)
    with pytest.raises(PackageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_package(path)
    for command in ("validate", "build", "info"):
        run = run_main(command, str(path), cwd=tmp_path)
        assert run.exit_code == 2 and run.stderr.count("\n") == 1 and message in run.stderr, (command, run.stderr)


def test_a_package_name_that_is_not_text_falls_back_to_the_folder_name(tmp_path):
    path = _package(tmp_path, {"name": 42, "resources": [PEOPLE]})
    assert load_package(path).name == tmp_path.name


def _report(run):
    report = json.loads(run.stdout)
    return [*report["errors"], *(e for t in report["tasks"] for e in t["errors"])]


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_a_descriptor_error_is_located_at_its_resource_and_field(tmp_path, engine):
    path = _package(tmp_path, _with_schema(fields=[{"name": "id", "type": "integer"}, {"name": "name", "type": "colour"}]))
    run = run_main("validate", str(path), "--format", "json", "--engine", engine)
    (error,) = _report(run)
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
    run = run_main("validate", str(path), "--format", "json", "--engine", engine)
    (error,) = _report(run)
    assert run.exit_code == 2 and "internal error" not in run.stderr
    assert (error["code"], error["table"], error["field"]) == ("field-error", "people", "id")
    assert error["message"].startswith(message)


def _built_rows(database, table="people"):
    import duckdb

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
    run = run_main("build", str(path), "--db", str(tmp_path / "out" / "demo.duckdb"), cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert _built_rows(tmp_path / "out" / "demo.duckdb") == rows


def test_build_refuses_a_table_whose_row_count_differs_from_what_validation_read(tmp_path):
    from accord.build import _check_row_counts
    from accord.errors import DatabaseError
    from accord.report import Report, Task

    report = Report(tasks=[Task(name="validate:people", kind="validation", table="people", stats={"rows": 3})])
    _check_row_counts({"people": 3}, report)
    with pytest.raises(DatabaseError, match=r"^table 'people': DuckDB read 2 rows where validation read 3; not built"):
        _check_row_counts({"people": 2}, report)

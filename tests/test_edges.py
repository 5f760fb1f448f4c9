"""Packages at the edges of the specifications, each read as frictionless reads it, by every
command: string-form keys, multipart paths, inline data, YAML descriptors, resources without a
schema, names with '-', non-ASCII field names, declared encodings, wide and empty tables, and
descriptors with several problems."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from accord.build import build_package
from accord.check import check
from accord.report import Report
from accord.validate import validate
from conftest import run_accord


def write(root: Path, descriptor: dict | str, files: dict[str, str | bytes], name: str = "datapackage.json") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    text = descriptor if isinstance(descriptor, str) else json.dumps(descriptor, ensure_ascii=False)
    (root / name).write_text(text, encoding="utf-8")
    return root / name


def keys(report: Report) -> set[tuple]:
    return {e.key() for e in report.all_errors() if e.severity == "error"}


def both(path: Path) -> tuple[Report, Report]:
    return validate(path, engine="duckdb"), validate(path, engine="frictionless")


STRING_KEYS = {
    "name": "cells",
    "resources": [
        {"name": "cells", "path": "cells.csv", "schema": {
            "fields": [{"name": "id", "type": "integer"}, {"name": "cell", "type": "string"}],
            "primaryKey": "id"}},
        {"name": "readings", "path": "readings.csv", "schema": {
            "fields": [{"name": "cell_id", "type": "integer"}, {"name": "value", "type": "number"}],
            "foreignKeys": [{"fields": "cell_id", "reference": {"resource": "cells", "fields": "id"}}]}},
    ],
}


def test_string_form_keys_are_keys(tmp_path):
    path = write(tmp_path, STRING_KEYS, {"cells.csv": "id,cell\n1,a\n2,b\n", "readings.csv": "cell_id,value\n1,0.5\n3,1\n"})
    duck, reference = both(path)
    assert keys(duck) == keys(reference) == {("foreign-key", "readings", 3, None)}
    (tmp_path / "readings.csv").write_text("cell_id,value\n1,0.5\n2,1\n")
    assert validate(path).status == "valid"
    result = build_package(path, tmp_path / "out.duckdb")
    with duckdb.connect(str(result.database), read_only=True) as con:
        assert ("cells", "PRIMARY KEY", ["id"]) in con.execute(
            "SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints()").fetchall()


def test_multipart_paths_and_inline_data_are_read_as_frictionless_reads_them(tmp_path):
    descriptor = {"name": "parts", "resources": [
        {"name": "parts", "path": ["one.csv", "two.csv"], "schema": {"fields": [{"name": "id", "type": "integer"}]}},
        {"name": "inline", "data": [["id", "name"], [1, "a"], [2, "b"]],
         "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]}},
    ]}
    path = write(tmp_path, descriptor, {"one.csv": "id\n1\n2\n", "two.csv": "id\n3\nx\n"})
    duck, reference = both(path)
    assert keys(duck) == keys(reference) and ("type-error", "parts", 5, "id") in keys(duck)
    assert any("parts: validated with frictionless: its path has several parts" == n for n in duck.notes)
    (tmp_path / "two.csv").write_text("id\n3\n4\n")
    result = build_package(path, tmp_path / "out.duckdb")
    assert result.tables == {"parts": 4, "inline": 2}
    with duckdb.connect(str(result.database), read_only=True) as con:
        assert con.execute("SELECT id FROM parts").fetchall() == [(1,), (2,), (3,), (4,)]
        assert con.execute("SELECT * FROM inline").fetchall() == [(1, "a"), (2, "b")]


def test_a_yaml_descriptor_is_read(tmp_path):
    yaml_text = "name: cells\nresources:\n  - name: cells\n    path: cells.csv\n    schema:\n      fields:\n" \
                "        - {name: id, type: integer}\n      primaryKey: id\n"
    path = write(tmp_path, yaml_text, {"cells.csv": "id\n1\n1\n"}, name="datapackage.yaml")
    duck, reference = both(path)
    assert keys(duck) == keys(reference) == {("primary-key", "cells", 3, None)}
    run = run_accord("validate", str(tmp_path))  # the folder: datapackage.yaml is found
    assert run.exit_code == 1 and "primary-key" in run.stdout


def test_a_descriptor_whose_name_holds_brackets_is_validated(tmp_path):
    path = write(tmp_path, {"name": "b", "resources": [{"name": "t", "path": "t.csv", "schema": {"fields": [
        {"name": "n", "type": "integer"}]}}]}, {"t.csv": "n\nx\n"}, name="[table].json")
    duck, reference = both(path)
    assert [t.table for t in duck.tasks] == [t.table for t in reference.tasks] == ["t"]
    assert keys(duck) == keys(reference) == {("type-error", "t", 2, "n")}


def test_a_resource_without_a_schema_gets_the_schema_frictionless_infers(tmp_path):
    path = write(tmp_path, {"name": "s", "resources": [{"name": "t", "path": "t.csv"}]}, {"t.csv": "a,b\n1,x\n2,y\n"})
    duck, reference = both(path)
    assert duck.status == reference.status == "valid"
    result = build_package(path, tmp_path / "out.duckdb")
    with duckdb.connect(str(result.database), read_only=True) as con:
        assert con.execute("SELECT * FROM t").fetchall() == [(1, "x"), (2, "y")]


def test_a_table_named_with_a_hyphen_is_checked(tmp_path):
    path = write(tmp_path, {"name": "h", "resources": [{"name": "my-table", "path": "t.csv", "schema": {"fields": [
        {"name": "n", "type": "integer"}, {"name": "mês", "type": "integer"}]}}]}, {"t.csv": "n,mês\n1,1\n2,13\n"})
    (tmp_path / "checks").mkdir()
    run = run_accord("suite", "init", "my-table", str(path))
    assert run.exit_code == 0, run.stderr
    assert f"then run `accord check {path} --suite my-table`" in run.stderr
    suite = json.loads((tmp_path / "checks" / "my-table.json").read_text(encoding="utf-8"))
    assert "mes-range" in [e["meta"]["rule"] for e in suite["expectations"]]
    suite["expectations"].append({"type": "unexpected_rows_expectation", "meta": {"rule": "quoted-name", "description": "d"},
                                  "kwargs": {"unexpected_rows_query": 'SELECT b.n FROM {batch} b JOIN "my-table" t ON t.n = b.n WHERE t.n > 5'}})
    (tmp_path / "checks" / "my-table.json").write_text(json.dumps(suite), encoding="utf-8")
    report = check(path)
    expectations = [t for t in report.tasks if t.kind == "expectation"]
    assert expectations and all(t.outcome == "passed" for t in expectations), [e.message for t in expectations for e in t.errors]


def test_a_declared_encoding_is_read_by_the_fast_engine(tmp_path):
    descriptor = {"name": "e", "resources": [{"name": "t", "path": "t.csv", "encoding": "iso-8859-1", "schema": {
        "fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string", "constraints": {"maxLength": 5}}]}}]}
    path = write(tmp_path, descriptor, {"t.csv": "id,name\n1,Zürich\n2,Liège\n3,x\n".encode("iso-8859-1")})
    duck, reference = both(path)
    assert duck.tasks[0].engine == "duckdb"
    assert keys(duck) == keys(reference) == {("constraint-error", "t", 2, "name")}  # "Liège" is five letters
    assert [e.values for e in duck.all_errors()] == [e.values for e in reference.all_errors()] == [["Zürich"]]


def test_a_wide_table_and_an_empty_file_are_handed_to_frictionless_with_the_reason(tmp_path):
    width = 1200
    fields = [{"name": f"c{i}", "type": "integer"} for i in range(width)]
    descriptor = {"name": "w", "resources": [{"name": "wide", "path": "w.csv", "schema": {"fields": fields}},
                                             {"name": "empty", "path": "e.csv"}]}
    path = write(tmp_path, descriptor, {"w.csv": ",".join(f["name"] for f in fields) + "\n" + ",".join(["1"] * width) + "\n",
                                        "e.csv": ""})
    duck, reference = both(path)
    assert keys(duck) == keys(reference) == {("source-error", "empty", None, None)}
    assert "wide: validated with frictionless: it has 1200 fields" in " ".join(duck.notes)
    assert "empty: validated with frictionless: it has no fields" in " ".join(duck.notes)


def test_every_descriptor_problem_is_reported_where_it_is(tmp_path):
    bad_field = {"name": "d", "type": "date", "format": 5}
    resources = [{"name": f"r{i}", "path": "t.csv", "schema": {"fields": [bad_field]}} for i in range(3)]
    resources[1]["schema"]["fields"].append({"name": "d", "type": "string"})  # a name used twice
    resources[2]["primaryKey"] = ["d"]  # outside the schema
    path = write(tmp_path, {"name": "p", "resources": resources}, {"t.csv": "d\n2020-01-01\n"})
    report = validate(path)
    errors = [(e.code, e.table, e.field) for e in report.errors if e.severity == "error"]
    assert errors == [("field-error", "r0", "d"), ("field-error", "r1", "d"), ("field-error", "r2", "d")]
    warnings = [(e.code, e.table, e.field) for e in report.errors if e.severity == "warning"]
    assert warnings == [("schema-error", "r1", "d"), ("key-outside-schema", "r2", None)]


def test_a_key_outside_the_schema_warns_and_the_verdict_stays_valid(tmp_path):
    path = write(tmp_path, {"name": "k", "resources": [{"name": "t", "path": "t.csv", "primaryKey": ["id"], "schema": {
        "fields": [{"name": "id", "type": "integer"}]}}]}, {"t.csv": "id\n1\n1\n"})
    duck, reference = both(path)
    assert duck.status == reference.status == "valid"
    (warning,) = [e for e in duck.all_errors() if e.severity == "warning"]
    assert warning.code == "key-outside-schema" and "the key is not checked" in warning.message


def test_an_unloadable_package_still_gives_a_json_report(tmp_path):
    (tmp_path / "datapackage.json").write_text('{"resources": [', encoding="utf-8")
    run = run_accord("validate", str(tmp_path), "--format", "json")
    assert run.exit_code == 2 and run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1
    report = json.loads(run.stdout)
    assert report["status"] == "unreadable" and report["errors"][0]["code"] == "package-error"


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_a_table_no_engine_read_is_an_error_not_a_pass(tmp_path, engine, monkeypatch):
    """The safety net under the engines: a resource without a task fails the gate."""
    from accord.validate import frictionless_engine

    path = write(tmp_path, {"name": "n", "resources": [{"name": "t", "path": "t.csv", "format": "json",
                                                        "schema": {"fields": [{"name": "a"}]}}]}, {"t.csv": "a\n1\n"})
    monkeypatch.setattr(frictionless_engine, "validate_with_frictionless", lambda *args, **kwargs: [])
    report = validate(path, engine=engine)
    assert report.status == "unreadable" and [e.code for e in report.all_errors()] == ["engine-error"]

"""The reference engine through accord's Report: where frictionless itself crashes, the report
says so (exit 2, could not run) instead of an internal error."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from accord.cli import app
from accord.validate import validate


def list_keyed_package(tmp_path):
    (tmp_path / "t.csv").write_text("tags,n\na;b,1\na;b,2\n", encoding="utf-8")
    schema = {"fields": [{"name": "tags", "type": "list", "delimiter": ";"}, {"name": "n", "type": "integer"}],
              "primaryKey": ["tags"]}
    descriptor = {"name": "lk", "resources": [{"name": "t", "path": "t.csv", "schema": schema}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return tmp_path / "datapackage.json"


def test_a_frictionless_crash_is_a_task_that_could_not_run(tmp_path):
    report = validate(list_keyed_package(tmp_path), engine="frictionless")

    (task,) = report.tasks
    assert task.outcome == "error"
    assert [e.code for e in task.errors] == ["engine-error"]
    assert "TypeError" in task.errors[0].message
    assert report.status == "unreadable"


def test_the_duckdb_engine_still_finds_the_duplicate_list_key(tmp_path):
    report = validate(list_keyed_package(tmp_path), engine="duckdb")

    assert [e.key() for e in report.all_errors()] == [("primary-key", "t", 3, None)]
    assert report.status == "invalid"


def test_the_cli_prints_no_internal_error(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(list_keyed_package(tmp_path)), "--engine", "frictionless"])
    assert result.exit_code == 2
    assert "internal error" not in result.output and "engine-error" in result.output

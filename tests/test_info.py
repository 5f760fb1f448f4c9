"""accord info: tables, row counts, fields, types, constraints and keys."""

from __future__ import annotations

import json

from accord.info import package_info
from conftest import run_accord
from build_helpers import demo_package


def test_info_lists_tables_rows_fields_and_keys(tmp_path):
    descriptor = demo_package(tmp_path)
    info = package_info(descriptor)
    assert info["name"] == "demo" and info["descriptor"] == str(descriptor)
    organizations, people = info["tables"]
    assert (organizations["name"], organizations["rows"], organizations["error"]) == ("organizations", 3, None)
    assert organizations["title"] == "Organizations" and organizations["path"] == "tables/organizations.csv"
    assert organizations["primary_key"] == ["organization_id"]
    # a self-reference ("resource": "") is named
    assert organizations["foreign_keys"] == [
        {"fields": ["parent_id"], "reference": {"resource": "organizations", "fields": ["organization_id"]}}
    ]
    classification = organizations["fields"][2]
    assert classification == {
        "name": "classification",
        "type": "string",
        "format": None,
        "duckdb_type": '"organizations_classification"',
        "constraints": {"required": True, "enum": ["state", "international-organization", "organ"]},
        "title": None,
        "description": None,
    }
    assert [(f["name"], f["duckdb_type"]) for f in people["fields"][:5]] == [
        ("person_id", "BIGINT"),
        ("name", "VARCHAR"),
        ("organization_id", "VARCHAR"),
        ("active", "BOOLEAN"),
        ("score", "DOUBLE"),
    ]
    assert people["rows"] == 3 and people["description"] == "People, one row each."


def test_rows_count_quoted_newlines_as_one_row(tmp_path):
    descriptor = demo_package(tmp_path)
    (tmp_path / "tables" / "organizations.csv").write_text(
        'organization_id,name,classification,parent_id,founded,aliases\nx,"two\nlines",state,,,\n'
    )
    assert package_info(descriptor)["tables"][0]["rows"] == 1


def test_an_unreadable_table_has_no_row_count_and_an_error(tmp_path):
    descriptor = demo_package(tmp_path)
    (tmp_path / "tables" / "people.csv").unlink()
    people = package_info(descriptor)["tables"][1]
    assert people["rows"] is None and people["error"].startswith("tables/people.csv: The data source could not be successfully loaded")


def test_cli_json_is_the_library_dict(tmp_path):
    descriptor = demo_package(tmp_path)
    run = run_accord("info", str(descriptor), "--format", "json")
    assert run.exit_code == 0 and json.loads(run.stdout) == package_info(descriptor)


def test_cli_text_shows_tables_fields_and_keys(tmp_path):
    demo_package(tmp_path)
    run = run_accord("info", cwd=tmp_path)
    assert run.exit_code == 0
    assert run.stdout.startswith("demo: 2 tables (")
    assert "foreign key (organization_id) -> organizations (organization_id)" in run.stdout
    assert "organizations — Organizations" in run.stdout
    lines = run.stdout.splitlines()
    assert any(
        "people" in line and "3" in line and "person_id" in line and "tables/people.csv" in line for line in lines
    )
    assert any("email" in line and "unique" in line for line in lines)
    assert any("classification" in line and 'enum=["state"' in line for line in lines)
    assert "\x1b[" not in run.stdout


def test_cli_rejects_an_unknown_format(tmp_path):
    demo_package(tmp_path)
    run = run_accord("info", "--format", "yaml", cwd=tmp_path)
    assert run.exit_code == 2 and run.stderr == "Error: unknown format 'yaml'; choose one of: text, json\n"


def test_a_missing_package_exits_2(tmp_path):
    run = run_accord("info", cwd=tmp_path)
    assert run.exit_code == 2 and run.stderr.startswith("Error: datapackage.json: no such file")


def test_help_has_an_example():
    run = run_accord("info", "--help")
    assert run.exit_code == 0 and "Example: accord info" in run.stdout


def test_rows_of_the_wrong_length_are_still_counted(tmp_path):
    descriptor = demo_package(tmp_path)
    (tmp_path / "tables" / "people.csv").write_text("person_id,name\n1,Ann\n2\n3,Carl,x,y,z,a,b,c,d\n")
    assert package_info(descriptor)["tables"][1]["rows"] == 3


def test_cli_text_escapes_control_characters_in_titles(tmp_path):
    descriptor = demo_package(tmp_path)
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data["title"] = "\x1b]0;pwned\x07Title"
    descriptor.write_text(json.dumps(data), encoding="utf-8")

    run = run_accord("info", str(descriptor))

    assert run.exit_code == 0
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout
    assert "\\x1b]0;pwned\\x07Title" in run.stdout

"""accord suite init: a starter suite from a table's schema and data, that runs as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ENGINE, copy_package, run_accord
from check_helpers import check_json

TABLES = ("sources", "actors", "organizations", "conventions", "statements", "memberships")

READINGS_CSV = """\
station,day,code,kind,status,level
a,2024-01-01,AB-001,river,ok,1.5
a,2024-01-02,AB-002,river,ok,2
b,2024-01-01,CD-010,lake,ok,
b,2024-01-02,CD-011,lake,late,7.25
c,2024-01-01,EF-100,river,ok,3
"""


def tiny_package(root: Path) -> Path:
    """Any package, not ours: a compound key, a pattern with braces, an enum, numbers and dates."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "readings.csv").write_text(READINGS_CSV, encoding="utf-8")
    descriptor = {
        "name": "tiny",
        "resources": [{
            "name": "readings",
            "path": "readings.csv",
            "schema": {
                "fields": [
                    {"name": "station", "type": "string", "constraints": {"required": True}},
                    {"name": "day", "type": "date", "constraints": {"required": True}},
                    {"name": "code", "type": "string", "constraints": {"unique": True, "pattern": "[A-Z]{2}-[0-9]{3}"}},
                    {"name": "kind", "type": "string", "constraints": {"enum": ["river", "lake", "sea"]}},
                    {"name": "status", "type": "string"},
                    {"name": "level", "type": "number"},
                ],
                "primaryKey": ["station", "day"],
            },
        }],
    }
    (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return root / "datapackage.json"


def test_starter_suites_for_every_table_run_and_pass_on_the_data_they_came_from(tmp_path):
    descriptor = copy_package(tmp_path / "package", checks=False)
    checks = tmp_path / "starters"
    for table in TABLES:
        run = run_accord("suite", "init", table, str(descriptor), "--output", str(checks / f"{table}-starter.json"))
        assert run.exit_code == 0, run.stderr
        assert f"--checks {checks} --suite {table}-starter" in run.stderr
    run = check_json(descriptor, "--checks", str(checks))
    assert run.exit_code == 0, run.stdout[-3000:]
    expectations = [t for t in run.report["tasks"] if t["kind"] == "expectation"]
    assert len(expectations) > 6 * 5 and all(t["status"] == "passed" for t in expectations)


def test_the_rules_follow_the_schema_and_the_data(tmp_path):
    descriptor = tiny_package(tmp_path / "tiny")
    run = run_accord("suite", "init", "readings", str(descriptor), "--output", "-")
    assert run.exit_code == 0, run.stderr
    suite = json.loads(run.stdout)
    assert suite["name"] == "readings" and suite["meta"]["table"] == "readings"
    rules = {e["meta"]["rule"]: e for e in suite["expectations"]}
    assert all(e["meta"]["severity"] in ("error", "warning") and e["meta"]["description"] for e in rules.values())
    assert rules["row-count-floor"]["kwargs"] == {"min_value": 2}
    assert rules["row-count-ceiling"]["kwargs"] == {"max_value": 10} and rules["row-count-ceiling"]["meta"]["severity"] == "warning"
    assert rules["primary-key-unique"]["kwargs"] == {"column_list": ["station", "day"]}
    assert rules["station-not-null"]["type"] == "expect_column_values_to_not_be_null"
    assert rules["code-unique"]["type"] == "expect_column_values_to_be_unique"
    assert "regexp_full_match" in rules["code-pattern"]["kwargs"]["unexpected_rows_query"]
    assert "[A-Z]{{2}}-[0-9]{{3}}" in rules["code-pattern"]["kwargs"]["unexpected_rows_query"]  # literal braces for GX
    assert rules["kind-in-set"]["kwargs"]["value_set"] == ["river", "lake", "sea"]
    assert rules["status-in-set"]["kwargs"]["value_set"] == ["late", "ok"]  # few values that repeat
    assert rules["level-range"]["kwargs"] == {"column": "level", "min_value": 1.5, "max_value": 7.25}
    assert rules["day-range"]["kwargs"] == {"column": "day", "min_value": "2024-01-01", "max_value": "2024-01-02"}
    assert "station-in-set" not in rules  # part of the key


def test_a_starter_suite_catches_what_it_describes(tmp_path):
    descriptor = tiny_package(tmp_path / "tiny")
    assert run_accord("suite", "init", "readings", str(descriptor)).exit_code == 0
    assert (descriptor.parent / "checks" / "readings.json").is_file()
    ok = check_json(descriptor)
    assert ok.exit_code == 0, ok.stdout[-2000:]
    csv = descriptor.parent / "readings.csv"
    csv.write_text(csv.read_text().replace("AB-002", "AB-02X").replace("7.25", "9"), encoding="utf-8")
    run = run_accord("check", str(descriptor), "--engine", ENGINE, "--format", "json")
    # The pattern is also the schema's, so validation fails too; the suite names its own rules.
    assert run.exit_code == 1
    assert {"readings/code-pattern", "readings/level-range"} <= run.failed_rules()


def test_it_refuses_to_overwrite_without_force(tmp_path):
    descriptor = copy_package(tmp_path / "package", checks=True)
    existing = descriptor.parent / "checks" / "memberships.json"
    before = existing.read_text(encoding="utf-8")
    run = run_accord("suite", "init", "memberships", str(descriptor))
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: ") and "already exists" in run.stderr and "--force" in run.stderr
    assert existing.read_text(encoding="utf-8") == before
    run = run_accord("suite", "init", "memberships", str(descriptor), "--force")
    assert run.exit_code == 0, run.stderr
    assert json.loads(existing.read_text(encoding="utf-8"))["meta"]["description"].startswith("Starter suite for memberships")


def test_an_unknown_table_exits_2(tmp_path):
    descriptor = tiny_package(tmp_path / "tiny")
    run = run_accord("suite", "init", "nope", str(descriptor), "--output", "-")
    assert run.exit_code == 2 and "no resource named 'nope'" in run.stderr


@pytest.mark.parametrize("args", [["suite", "--help"], ["suite", "init", "--help"]])
def test_help_has_an_example(args):
    run = run_accord(*args)
    assert run.exit_code == 0 and "Example: accord suite init" in run.stdout

"""Great Expectations interoperability: suites GX 1.x saves run unchanged (names derived, its
severity honoured), and every suite accord writes or ships loads in GX."""

from __future__ import annotations

import json

import pytest
from check_helpers import Tables
from conftest import ROOT, copy_package, run_accord

TABLES = ("sources", "actors", "organizations", "conventions", "statements", "memberships")


@pytest.fixture(scope="module")
def gx():
    import great_expectations

    great_expectations.get_context(mode="ephemeral")  # GX's suites need a context to exist
    return great_expectations


def load_in_gx(gx, document: dict) -> list[str]:
    """The suite as GX loads it: the class name of each expectation."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    suite = ExpectationSuite(**document)
    return [type(e).__name__ for e in suite.expectations]


@pytest.mark.parametrize("path", sorted((ROOT / "checks").glob("*.json")), ids=lambda p: p.stem)
def test_every_suite_shipped_loads_in_gx(gx, path):
    document = json.loads(path.read_text(encoding="utf-8"))
    assert len(load_in_gx(gx, document)) == len(document["expectations"])


def test_every_starter_suite_loads_in_gx(gx, tmp_path):
    descriptor = copy_package(tmp_path / "package")
    for table in TABLES:
        output = tmp_path / f"{table}.json"
        assert run_accord("suite", "init", table, str(descriptor), "--output", str(output)).exit_code == 0
        document = json.loads(output.read_text(encoding="utf-8"))
        assert len(load_in_gx(gx, document)) == len(document["expectations"]) > 1


def saved_by_gx(gx) -> dict:
    """A suite on memberships built with GX's API and serialized as GX saves it: no accord meta."""
    import great_expectations.expectations as gxe
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.row_conditions import Column

    suite = ExpectationSuite(name="memberships")
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="membership_id"))
    # two of one type on one column: the second derived name is numbered
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(
        column="convention_id", row_condition=Column("relation") == "party"))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(
        column="convention_id", row_condition=Column("relation") == "participant"))
    # fails on our data (there are other statuses), but GX's severity says it only warns
    suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["current"], severity="warning"))
    suite.add_expectation(gxe.UnexpectedRowsExpectation(
        unexpected_rows_query="SELECT membership_id FROM {batch} WHERE evidence_end <= evidence_start",
        description="Every quote has at least one character."))
    return suite.to_json_dict()


@pytest.mark.parametrize("engine", ["duckdb", "gx"])
def test_a_suite_saved_by_gx_runs_unchanged_with_its_severity(gx, tmp_path, engine):
    descriptor = copy_package(tmp_path / "package")
    (tmp_path / "package" / "checks").mkdir()
    document = saved_by_gx(gx)
    assert all("rule" not in e["meta"] for e in document["expectations"])
    (tmp_path / "package" / "checks" / "memberships.json").write_text(json.dumps(document), encoding="utf-8")
    run = run_accord("check", str(descriptor), "--engine", engine, "--format", "json")
    assert run.exit_code == 0, run.stdout[-3000:]
    tasks = {t["name"]: t for t in json.loads(run.stdout)["tasks"] if t["kind"] == "expectation"}
    assert {name: t["status"] for name, t in tasks.items()} == {
        "memberships/column-values-to-not-be-null-membership-id": "passed",
        "memberships/column-values-to-not-be-null-convention-id": "passed",
        "memberships/column-values-to-not-be-null-convention-id-2": "passed",
        "memberships/column-values-to-be-in-set-status": "passed",  # with a warning: GX's severity
        "memberships/unexpected-rows-expectation": "passed",
    }
    assert tasks["memberships/unexpected-rows-expectation"]["stats"]["description"] == "Every quote has at least one character."
    (warning,) = tasks["memberships/column-values-to-be-in-set-status"]["errors"]
    others = sum(1 for row in Tables(descriptor)["memberships"] if row["status"] != "current")
    assert warning["severity"] == "warning" and warning["count"] == others > 0


def test_gx_critical_severity_fails_the_gate(gx, tmp_path):
    descriptor = copy_package(tmp_path / "package")
    (tmp_path / "package" / "checks").mkdir()
    document = saved_by_gx(gx)
    for expectation in document["expectations"]:
        expectation["severity"] = "critical"
    (tmp_path / "package" / "checks" / "memberships.json").write_text(json.dumps(document), encoding="utf-8")
    run = run_accord("check", str(descriptor), "--format", "json")
    assert run.exit_code == 1
    failed = [t["name"] for t in json.loads(run.stdout)["tasks"] if t["status"] == "failed"]
    assert failed == ["memberships/column-values-to-be-in-set-status"]


def test_descriptive_keys_gx_accepts_inside_kwargs_are_read_there_too(tmp_path):
    descriptor = copy_package(tmp_path / "package")
    (tmp_path / "package" / "checks").mkdir()
    document = {"name": "actors", "expectations": [{
        "type": "expect_column_values_to_not_be_null",
        "kwargs": {"column": "name", "description": "Everyone has a name.", "severity": "warning"},
    }]}
    (tmp_path / "package" / "checks" / "actors.json").write_text(json.dumps(document), encoding="utf-8")
    run = run_accord("check", str(descriptor), "--format", "json")
    assert run.exit_code == 0, run.stdout[-2000:]
    (task,) = [t for t in json.loads(run.stdout)["tasks"] if t["kind"] == "expectation"]
    assert (task["name"], task["stats"]["description"], task["stats"]["severity"]) == (
        "actors/column-values-to-not-be-null-name", "Everyone has a name.", "warning")


def test_windows_are_not_silently_ignored(tmp_path):
    """GX Cloud's windows (bounds from earlier runs) are not compiled to SQL: the rule goes to GX,
    whose verdict is reported; it is never a quiet pass of the bounds alone."""
    descriptor = copy_package(tmp_path / "package")
    (tmp_path / "package" / "checks").mkdir()
    document = {"name": "actors", "expectations": [{
        "type": "expect_table_row_count_to_be_between",
        "kwargs": {"min_value": 1, "windows": [{"constraint_fn": "mean", "parameter_name": "p", "range": 3,
                                                "offset": {"positive": 0.1, "negative": 0.1}}]},
    }]}
    (tmp_path / "package" / "checks" / "actors.json").write_text(json.dumps(document), encoding="utf-8")
    run = run_accord("check", str(descriptor), "--format", "json")
    (task,) = [t for t in json.loads(run.stdout)["tasks"] if t["kind"] == "expectation"]
    assert task["engine"] == "great_expectations", task

"""The Spark engine through Spark Connect: SPARK_REMOTE=local[2] has PySpark start a Spark Connect
server of its own and talk to it over gRPC, as accord talks to a cluster's Connect endpoint
(`--spark-master sc://...` or SPARK_REMOTE). Each test runs accord as a child process (one
Connect session per process; the other Spark tests use the classic session in this one).

Skipped where pyspark's Connect client (grpcio: `pip install 'accord[spark]'`) or Java is missing.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import copy_package, needs_spark, run_accord_process
from differential_helpers import FIXTURES

pytestmark = [pytest.mark.slow, needs_spark("grpc")]  # a Connect server starts for each test: about 30 s each

CONNECT = {"SPARK_REMOTE": "local[2]"}


def errors(report: dict) -> set[tuple]:
    return {(e["code"], t["table"], e.get("row"), e.get("field")) for t in report["tasks"] for e in t["errors"]}


@pytest.mark.parametrize("case", ["foreign-key", "type-error"])
def test_validation_over_spark_connect_finds_the_duckdb_engines_errors(case):
    connect = run_accord_process("validate", FIXTURES / case, "--engine", "spark", "--format", "json", env=CONNECT)
    duck = run_accord_process("validate", FIXTURES / case, "--format", "json")
    assert connect.exit_code == duck.exit_code == 1, connect.stderr[-2000:]
    assert errors(connect.report) == errors(duck.report) and errors(duck.report)
    assert {t["engine"] for t in connect.report["tasks"]} == {"spark"}
    assert connect.stderr == ""  # the local Connect server's own log goes to a file


def test_this_package_checked_over_spark_connect_as_on_duckdb(tmp_path):
    descriptor = copy_package(tmp_path / "package", checks=True)
    connect = run_accord_process("check", descriptor, "--engine", "spark", "--format", "json", env=CONNECT)
    duck = run_accord_process("check", descriptor, "--format", "json")
    assert connect.exit_code == duck.exit_code == 0, connect.stdout[-2000:] + connect.stderr[-2000:]
    outcome = {t["name"]: (t["status"], len(t["errors"])) for t in duck.report["tasks"]}
    assert {t["name"]: (t["status"], len(t["errors"])) for t in connect.report["tasks"]} == outcome


def test_tables_at_urls_over_spark_connect(tmp_path):
    """A table named by a Hadoop URL (file:// here: the Connect server's file system) is planned
    through the Connect session: sample, line scan and size (accord.spark.files)."""
    package = tmp_path / "package"
    shutil.copytree(FIXTURES / "foreign-key", package)
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource["path"] = (package / resource["path"]).as_uri()
    (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    connect = run_accord_process("validate", package, "--engine", "spark", "--trusted", "--format", "json", env=CONNECT)
    duck = run_accord_process("validate", FIXTURES / "foreign-key", "--format", "json")
    assert connect.exit_code == duck.exit_code == 1, connect.stderr[-2000:]
    assert errors(connect.report) == errors(duck.report)
    assert all(t["path"].startswith("file://") for t in connect.report["tasks"])


def test_great_expectations_on_spark_over_spark_connect(tmp_path):
    """An expectation type accord does not compile runs through GX's Spark engine on the Connect
    session's DataFrame, its failing values numbered by CSV row."""
    from test_spark import _people_list

    descriptor, checks = _people_list(tmp_path / "package", {
        "name-is-a-year": ("expect_column_values_to_match_strftime_format", {"column": "name", "strftime_format": "%Y"}),
        "stdev": ("expect_column_stdev_to_be_between", {"column": "id", "min_value": 0, "max_value": 100})})
    run = run_accord_process("check", descriptor, "--engine", "spark", "--checks", checks, "--format", "json", env=CONNECT)
    assert run.exit_code == 1, run.stderr[-2000:]
    found = {t["name"]: t for t in run.report["tasks"] if t["kind"] == "expectation"}
    assert {name: (t["status"], t["engine"]) for name, t in found.items()} == {
        "people/name-is-a-year": ("failed", "great_expectations-spark"), "people/stdev": ("passed", "great_expectations-spark")}
    assert found["people/name-is-a-year"]["errors"][0]["message"].endswith("(9 of 10 values fail; rows 2, 3, 4, 5, 6 ...)")

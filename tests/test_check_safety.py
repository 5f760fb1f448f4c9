"""Suites are data from the package: their SQL runs with no file or network access."""

from __future__ import annotations

import json

from conftest import copy_package
from check_helpers import check_json


def test_a_suite_cannot_read_files_outside_the_check_database(tmp_path):
    descriptor = copy_package(tmp_path / "package", checks=True)
    suite_path = descriptor.parent / "checks" / "actors.json"
    suite = json.loads(suite_path.read_text(encoding="utf-8"))
    suite["expectations"].append({
        "type": "unexpected_rows_expectation",
        "kwargs": {"unexpected_rows_query": "SELECT * FROM {batch} CROSS JOIN read_csv('/etc/passwd', header=false, sep=':')",
                   "description": "Reads a file."},
        "meta": {"rule": "reads-a-file", "severity": "error", "description": "Reads a file."},
    })
    suite_path.write_text(json.dumps(suite), encoding="utf-8")

    run = check_json(descriptor, "--suite", "actors")

    assert run.exit_code == 1
    assert "root:" not in run.stdout and '"root"' not in run.stdout
    (task,) = [t for t in run.report["tasks"] if t["name"] == "actors/reads-a-file"]
    assert task["status"] == "error"
    assert "Permission Error" in task["errors"][0]["message"]

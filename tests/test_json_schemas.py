"""Every JSON output has a versioned JSON Schema, shipped in the package (accord/schemas/), and
real outputs are valid against it."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from check_helpers import Tables
from conftest import copy_package, run_accord
from jsonschema import Draft202012Validator


def schema(name: str) -> Draft202012Validator:
    text = resources.files("accord").joinpath("schemas", f"{name}.schema.json").read_text(encoding="utf-8")
    document = json.loads(text)
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    good = copy_package(tmp_path_factory.mktemp("good"), checks=True)
    bad = copy_package(tmp_path_factory.mktemp("bad"), checks=True)
    tables = Tables(bad)
    tables.row("memberships", "kazakh-mfa-2023-10-07:kazakhstan-member-greco").update(start_date="2020-01-01", end_date="2019-12",
                                                                                      status="lost")
    tables.save()
    return good, bad


@pytest.mark.parametrize("command", ["validate", "check"])
def test_reports_are_valid_against_their_schema(packages, command):
    validator = schema("report")
    for descriptor in packages:
        run = run_accord(command, str(descriptor), "--format", "json")
        document = json.loads(run.stdout)
        assert not list(validator.iter_errors(document)), list(validator.iter_errors(document))[:3]
        assert document["report_version"] == 1
    unreadable = run_accord(command, str(packages[0].parent / "nowhere"), "--format", "json")
    assert not list(validator.iter_errors(json.loads(unreadable.stdout)))


def test_info_and_diff_are_valid_against_their_schemas(packages):
    good, bad = packages
    info = json.loads(run_accord("info", str(good), "--format", "json").stdout)
    assert not list(schema("info").iter_errors(info)) and info["info_version"] == 1
    diff = json.loads(run_accord("diff", str(good), str(bad), "--format", "json").stdout)
    assert not list(schema("diff").iter_errors(diff)) and diff["diff_version"] == 1


def test_a_schema_catches_a_report_that_breaks_it():
    assert list(schema("report").iter_errors({"report_version": 2, "status": "fine"}))

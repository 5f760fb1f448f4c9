"""Conformance: on a corpus of real material (tests/fixtures/conformance: frictionless-py's own
test data, the Data Package specification's examples, published packages), accord reaches
frictionless's verdict, with the same errors, on both engines.

frictionless's results were recorded by tests/fixtures/conformance/make_manifest.py (frictionless
5.21's own CLI). A resource descriptor or a lone CSV file is validated by accord as a package of
one resource written beside it. Where accord deliberately differs, DIVERGENCES says why, from the
specifications; docs/conformance.md lists them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from accord.errors import AccordError
from accord.report import Error, Report
from accord.validate import validate

CORPUS = Path(__file__).parent / "fixtures" / "conformance"
CASES = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
BY_ID = {case["id"]: case for case in CASES}

# case id -> why accord's report differs from frictionless's (docs/conformance.md).
REMOTE = ("accord refuses a resource path that is a URL (the gate reads no network on a descriptor it does not "
          "trust; --trusted allows it, and `accord download` fetches a package): one package-error, where frictionless "
          "tries the network and reports what it finds")
DIVERGENCES: dict[str, str] = {
    "fpy-table-csv-2": ("the file is named '[table].csv': frictionless reads '[' and ']' in a path as a glob pattern and "
                        "reports a package-error; accord reads the file of that name"),
    "fpy-issue-494-package-json": REMOTE,  # CKAN's "url", which frictionless reads as a remote path
    "fpy-package-with-pipeline-json": REMOTE,  # sqlite:///database.db
    "fpy-package-with-pipeline-multiple-tables-to-write-json": REMOTE,
}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """A copy of the corpus, where a resource or a CSV file gets a package descriptor beside it."""
    root = tmp_path_factory.mktemp("conformance") / "corpus"
    shutil.copytree(CORPUS, root)
    return root


def package_for(case: dict, root: Path) -> Path:
    """The descriptor accord validates for a case."""
    path = root / case["descriptor"]
    if case["kind"] == "package":
        return path
    if case["kind"] == "csv":
        resource = {"name": "table", "path": path.name}
    else:
        from accord.package import _read_json

        resource = _read_json(path, "resource")
    wrapper = path.with_name(f"{path.name}.accord-package.json")
    wrapper.write_text(json.dumps({"name": "case", "resources": [resource]}, ensure_ascii=False), encoding="utf-8")
    return wrapper


def reference_errors(case: dict) -> set[tuple]:
    """frictionless's errors as (code, resource, row, field); the resource is left out for a one-resource case."""
    found = set()
    for code, task, row, field in case["frictionless"].get("errors", []):
        found.add((code, None if case["kind"] != "package" or task is None else task, row, field))
    return found


def accord_errors(report, case: dict) -> set[tuple]:
    found = {(e.code, None, None, None) for e in report.errors if e.severity == "error"}
    for task in report.tasks:
        for e in task.errors:
            if e.severity == "error":
                found.add((e.code, e.table if case["kind"] == "package" else None, e.row, e.field))
    return found


def outcome(case: dict, root: Path, engine: str) -> Report:
    """accord's report; a package refused before validating (not JSON, an unsafe path ...) gives
    the report the CLI prints for it: one package-error."""
    try:
        return validate(package_for(case, root), engine=engine)
    except AccordError as exc:
        return Report(errors=[Error(code="package-error", message=str(exc))])


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
@pytest.mark.parametrize("case_id", [c["id"] for c in CASES])
def test_verdict_and_errors_equal_frictionless(corpus, case_id, engine):
    case = BY_ID[case_id]
    reference = case["frictionless"]
    result = outcome(case, corpus, engine)
    if case_id in DIVERGENCES:  # what accord reports instead, as docs/conformance.md says
        expected = {("package-error", None, None, None)} if DIVERGENCES[case_id] == REMOTE else set()
        assert accord_errors(result, case) == expected, DIVERGENCES[case_id]
        assert accord_errors(result, case) != reference_errors(case)
        return
    if "crashed" in reference:  # frictionless refused with a message: accord says why, as unreadable input
        assert result.status == "unreadable", (reference["crashed"], result)
        return
    assert result.valid == reference["valid"], (accord_errors(result, case), reference_errors(case))
    assert accord_errors(result, case) == reference_errors(case)


VALID = [c["id"] for c in CASES if c["frictionless"].get("valid") and c["id"] not in DIVERGENCES]


def comparable(fld, value):
    """A value frictionless read, as the built column holds it (written out here, not borrowed)."""
    import datetime as dt
    import decimal

    if value is None:
        return None
    if fld.type == "number":
        return float(value) if not isinstance(value, bool) else None
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(value, dt.time) and value.tzinfo is not None:
        moment = dt.datetime.combine(dt.date(2000, 1, 1), value.replace(tzinfo=None)) - value.utcoffset()
        return moment.time()
    if fld.type in ("object", "array", "geojson"):
        return value
    if fld.type == "list":
        return [float(v) if isinstance(v, decimal.Decimal) else v for v in value]
    if fld.type == "geopoint":
        return f"{value[0]},{value[1]}"
    if fld.type in ("any", "yearmonth", "duration") and not isinstance(value, str):
        return value if isinstance(value, (dict, list)) else fld.create_value_writer()(value)
    return value


def built_value(fld, value):
    if value is not None and fld.type in ("object", "array", "geojson"):
        return json.loads(value)
    if value is not None and fld.type == "any" and isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@pytest.mark.slow
@pytest.mark.parametrize("case_id", VALID)
def test_a_valid_case_builds_checks_releases_and_diffs(corpus, case_id, tmp_path):
    """info, build (the values frictionless reads, cell by cell), suite init then check (every rule
    evaluates), release, and diff of the release against the source (no change)."""
    import duckdb
    from accord.build import build_package
    from accord.check import check
    from accord.check.starter import starter_suite, to_json
    from accord.diff import diff_packages
    from accord.info import package_info
    from accord.package import load_package
    from accord.release import release_package
    from frictionless import Package as FrictionlessPackage

    case = BY_ID[case_id]
    descriptor = package_for(case, corpus)
    package = load_package(descriptor)
    info = package_info(package)
    result = build_package(package, tmp_path / "db" / "case.duckdb")
    reference = FrictionlessPackage(json.loads(json.dumps(package.descriptor, default=str)), basepath=str(package.basepath))
    tables = [r for r in reference.resources if r.tabular]
    assert {t["name"]: t["rows"] for t in info["tables"] if t["name"] in result.tables} == result.tables
    with duckdb.connect(str(result.database), read_only=True) as con:
        for resource in tables:
            rows = resource.read_rows()
            fields = resource.schema.fields
            expected = [[comparable(f, row[f.name]) for f in fields] for row in rows]
            built = [[built_value(f, v) for f, v in zip(fields, row)]
                     for row in con.execute(f'SELECT * FROM "{resource.name}" ORDER BY rowid').fetchall()]
            assert built == expected, resource.name
    checks = tmp_path / "checks"
    checks.mkdir()
    for resource in tables:
        (checks / f"{resource.name}.json").write_text(to_json(starter_suite(package, resource.name)), encoding="utf-8")
    report = check(package, checks_dir=checks)
    assert not [t.name for t in report.tasks if t.outcome == "error"], [e.message for e in report.all_errors()]
    versioned = descriptor.with_name(descriptor.name + ".release.json")
    versioned.write_text(json.dumps({**package.descriptor, "version": "1.0.0"}, ensure_ascii=False, default=str),
                         encoding="utf-8")
    released = release_package(versioned, out=tmp_path / "dist")
    changes = diff_packages(released.folder, versioned)
    assert changes.identical, changes.to_dict()

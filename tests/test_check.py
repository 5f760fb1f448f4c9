"""accord check: real Great Expectations runs on real DuckDB files, no mocks.

Every rule in checks/ is broken on purpose, one at a time, in a copy of the package; the copy's
check (its suite only, to stay fast) must name the broken rule and exit 1 (0 for a warning
rule, which is reported but does not fail the gate). A rule added to checks/ without a breaking
mutation here fails test_every_rule_has_a_breaking_mutation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ENGINE, ROOT, copy_package, run_accord
from check_helpers import Tables, check_json

from accord.check.suites import load_suites


def all_rules() -> dict[str, str]:
    """'<suite>/<rule>' -> severity, for every expectation in checks/."""
    return {rule.task_name: rule.severity for suite in load_suites(ROOT / "checks") for rule in suite.rules}


# --- mutations: each breaks one rule and keeps the package valid against its Table Schema ----------


def _foreign_keys() -> list[tuple[str, str, str, bool]]:
    """(table, field, referenced table, field is required) for every one-field foreign key."""
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    found = []
    for resource in descriptor["resources"]:
        fields = {f["name"]: f for f in resource["schema"]["fields"]}
        for fk in resource["schema"].get("foreignKeys", []):
            (name,) = fk["fields"]
            target = fk["reference"]["resource"] or resource["name"]
            found.append((resource["name"], name, target, bool(fields[name].get("constraints", {}).get("required"))))
    return found


def delete_with_references(t: Tables, table: str, key: str) -> None:
    """Delete a row; rows that must reference it go too, optional references to it are blanked."""
    t.delete(table, key)
    for referring, field, target, required in _foreign_keys():
        if target != table:
            continue
        for row in list(t[referring]):
            if row[field] == key:
                if required:
                    delete_with_references(t, referring, row[next(iter(row))])
                else:
                    row[field] = ""


def add_copies(t: Tables, table: str, key: str, count: int, **unique: str) -> None:
    """Append `count` copies of a row with fresh ids; `unique` gives format strings for other unique fields."""
    template = t.row(table, key)
    id_field = next(iter(template))
    for i in range(count):
        row = dict(template, **{id_field: f"{key}-copy-{i}"})
        row.update({field: pattern.format(i) for field, pattern in unique.items()})
        t[table].append(row)


def set_(table: str, key: str, **values: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        t.row(table, key).update(values)

    return mutate


def both(*mutations: Callable[[Tables], None]) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        for m in mutations:
            m(t)

    return mutate


def altered_quote(table: str, key: str) -> Callable[[Tables], None]:
    """Same length, one letter different: the offsets still fit, the text no longer matches."""

    def mutate(t: Tables) -> None:
        row = t.row(table, key)
        evidence = row["evidence"]
        i = next(i for i, c in enumerate(evidence) if c.isalpha())
        row["evidence"] = evidence[:i] + ("X" if evidence[i] != "X" else "Y") + evidence[i + 1:]

    return mutate


def longer_offsets(table: str, key: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        row = t.row(table, key)
        row["evidence_end"] = str(int(row["evidence_end"]) + 1)

    return mutate


def empty_span(table: str, key: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        row = t.row(table, key)
        row["evidence_end"] = row["evidence_start"]

    return mutate


def add_new_actor(actor_id: str, name: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        t["actors"].append({"actor_id": actor_id, "name": name, "aliases": "", "country": "", "reference_source_id": ""})

    return mutate


def add_mentioned_copies(t: Tables, table: str, key: str, count: int, key_field: str, **unique: str) -> None:
    """add_copies, and a mention of each copy in the press release (as the original's), so the
    copies break the ceiling and nothing else."""
    add_copies(t, table, key, count, **unique)
    mention = next(m for m in t["mentions"] if m[key_field] == key and m["source_id"] == MFA)
    for i in range(count):
        t["mentions"].append(dict(mention, mention_id=f"{MFA}:{key}-copy-{i}", **{key_field: f"{key}-copy-{i}"}))


def delete_all(table: str) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        first = next(iter(t[table][0]))
        for row in list(t[table]):
            delete_with_references(t, table, row[first])

    return mutate


def unmention(key_field: str, key: str) -> Callable[[Tables], None]:
    """Drop every mention of an entity: the entity stays, no source names it any more."""

    def mutate(t: Tables) -> None:
        t["mentions"][:] = [m for m in t["mentions"] if m[key_field] != key]

    return mutate


MFA = "kazakh-mfa-2023-10-07"
GREXT = "coe-gr-ext-2023-6"


def pr(slug: str) -> str:
    """An id of the press release's rows."""
    return f"{MFA}:{slug}"


MUTATIONS: dict[str, Callable[[Tables], None]] = {
    # sources
    "sources/row-count-floor": delete_all("sources"),
    "sources/row-count-ceiling": lambda t: add_copies(t, "sources", "coe-treaty-list", 100),
    "sources/published-not-in-future": set_("sources", MFA, published="2999-01-01"),
    "sources/curated-source-has-path": set_("sources", MFA, path="", sha256=""),
    "sources/curated-source-has-date": set_("sources", MFA, published=""),
    "sources/sha256-for-path-given": set_("sources", MFA, sha256=""),
    "sources/sha256-for-path-absent": set_("sources", "coe-treaty-list", sha256="0" * 64),
    "sources/source-file-readable": set_("sources", MFA, path="sources/no-such-file.txt"),
    "sources/sha256-matches-file": set_("sources", MFA, sha256="0" * 64),
    # actors
    "actors/row-count-floor": delete_all("actors"),
    "actors/row-count-ceiling": lambda t: add_mentioned_copies(t, "actors", "klaus-neukirch", 1000, "actor_id", name="Person {0}"),
    "actors/country-reference-given": set_("actors", "roman-vassilenko", reference_source_id=""),
    "actors/country-reference-absent": set_("actors", "roman-vassilenko", country=""),
    "actors/mentioned-by-a-source": unmention("actor_id", "maria-spasova"),
    # organizations
    "organizations/row-count-floor": delete_all("organizations"),
    "organizations/row-count-ceiling": lambda t: add_mentioned_copies(t, "organizations", "osce", 1000, "organization_id",
                                                                       name="Body {0}"),
    "organizations/state-has-country": set_("organizations", "morocco", country="", reference_source_id=""),
    "organizations/country-reference-given": set_("organizations", "bulgaria", reference_source_id=""),
    "organizations/country-matches-parent": set_("organizations", "kz-mfa", country="FR"),
    "organizations/parent-chain-acyclic": set_("organizations", "coe", parent_id="coe-cm"),
    "organizations/mentioned-by-a-source": unmention("organization_id", "osce"),
    # conventions
    "conventions/row-count-floor": delete_all("conventions"),
    "conventions/row-count-ceiling": lambda t: add_mentioned_copies(
        t, "conventions", "coe-kazakhstan-priorities-2024-2027", 500, "convention_id", title="Programme {0}"),
    "conventions/treaty-has-number": set_("conventions", "ets-185", treaty_number=""),
    "conventions/programme-has-no-number": set_("conventions", "coe-kazakhstan-priorities-2024-2027", treaty_number="CETS 999"),
    "conventions/treaty-number-series": set_("conventions", "ets-018", treaty_number="CETS 018"),
    "conventions/id-matches-treaty-number": set_("conventions", "cets-210", treaty_number="CETS 211"),
    "conventions/period-order": set_("conventions", "coe-kazakhstan-priorities-2024-2027", period_start_year="2027",
                                     period_end_year="2024"),
    "conventions/opened-after-coe-founding": set_("conventions", "ets-018", opened="1948-12-19"),
    "conventions/mentioned-by-a-source": unmention("convention_id", "coe-kazakhstan-priorities-2019-2023"),
    # mentions
    "mentions/row-count-floor": delete_all("mentions"),
    "mentions/row-count-ceiling": lambda t: add_copies(t, "mentions", pr("coe"), 5000, name_as_written="Council {0}"),
    "mentions/one-entity": set_("mentions", pr("coe"), actor_id="roman-vassilenko"),
    "mentions/id-names-its-source": set_("mentions", pr("coe"), mention_id="coe-treaty-list:coe-again"),
    "mentions/evidence-or-locator": set_("mentions", pr("coe"), locator="first paragraph"),
    "mentions/evidence-offsets-ordered": empty_span("mentions", pr("coe")),
    "mentions/one-row-per-spelling": lambda t: add_copies(t, "mentions", pr("coe"), 1),
    # statements
    "statements/row-count-floor": delete_all("statements"),
    "statements/row-count-ceiling": lambda t: add_copies(t, "statements", pr("vassilenko-visited-coe"), 2000),
    "statements/one-speaker-given": set_("statements", pr("united-kingdom-delegation-supported-priorities"),
                                         speaker_organization_id=""),
    "statements/one-speaker-only": set_("statements", pr("vassilenko-visited-coe"), speaker_organization_id="kz-mfa"),
    "statements/unit-for-quantity-given": set_("statements", pr("vassilenko-noted-four-conventions"), unit=""),
    "statements/unit-for-quantity-absent": set_("statements", pr("vassilenko-visited-coe"), unit="conventions"),
    "statements/evidence-offsets-ordered": empty_span("statements", pr("vassilenko-visited-coe")),
    "statements/evidence-length-matches-offsets": longer_offsets("statements", pr("vassilenko-visited-coe")),
    "statements/id-names-its-source": set_("statements", pr("vassilenko-visited-coe"), source_id=GREXT),
    "statements/evidence-or-locator": set_("statements", pr("vassilenko-visited-coe"), locator="second paragraph"),
    "statements/date-valid": set_("statements", pr("vassilenko-visited-coe"), date="2023-02-30"),
    # memberships
    "memberships/row-count-floor": delete_all("memberships"),
    "memberships/row-count-ceiling": lambda t: add_copies(t, "memberships", pr("tunisia-partner-coe"), 2000),
    "memberships/one-member-given": set_("memberships", pr("kazakhstan-member-greco"), member_organization_id=""),
    "memberships/one-member-only": set_("memberships", pr("roman-vassilenko-post-kz-mfa"), member_organization_id="kz-mfa"),
    "memberships/one-target-given": set_("memberships", pr("kazakhstan-member-greco"), organization_id=""),
    "memberships/one-target-only": set_("memberships", pr("kazakhstan-member-greco"), convention_id="ets-173"),
    "memberships/date-order": set_("memberships", pr("kazakhstan-member-greco"), start_date="2020-01-01", end_date="2019-12",
                                   status="ended"),
    "memberships/party-of-convention": set_("memberships", pr("kazakhstan-member-greco"), relation="party"),
    "memberships/member-of-organization": set_("memberships", pr("kazakhstan-party-ets-018"), relation="member"),
    "memberships/post-held-by-person": set_("memberships", pr("kazakhstan-member-greco"), relation="post"),
    "memberships/evidence-offsets-ordered": empty_span("memberships", pr("kazakhstan-member-greco")),
    "memberships/evidence-length-matches-offsets": longer_offsets("memberships", pr("kazakhstan-member-greco")),
    "memberships/id-names-its-source": set_("memberships", pr("kazakhstan-member-greco"), membership_id=f"{GREXT}:kazakhstan-member-greco-2"),
    "memberships/evidence-or-locator": set_("memberships", pr("kazakhstan-member-greco"), evidence="", evidence_start="",
                                            evidence_end=""),
    "memberships/dates-valid": set_("memberships", pr("kazakhstan-member-greco"), start_date="2020-02-30"),
    "memberships/ended-status-has-no-future": set_("memberships", pr("kazakhstan-member-greco"), end_date="2021-06"),
    # cross_table
    "cross_table/statement-evidence-in-source": altered_quote("statements", pr("vassilenko-visited-coe")),
    "cross_table/membership-evidence-in-source": altered_quote("memberships", pr("kazakhstan-member-greco")),
    "cross_table/mention-name-in-source": set_("mentions", pr("roman-vassilenko"), name_as_written="Roman Vasilenko_"),
    "cross_table/statement-date-not-after-source": set_("statements", pr("vassilenko-visited-coe"), date="2023-10-08"),
    "cross_table/membership-statement-same-source": set_("memberships", pr("kazakhstan-party-ets-018"),
                                                         statement_id=f"{GREXT}:gr-ext-meeting-scheduled"),
    "cross_table/opened-not-after-citing-source": set_("conventions", "cets-210", opened="2023-10-08"),
    "cross_table/no-near-duplicate-names": add_new_actor("bjorn-berge-2", "Bjorn Berge"),
    "cross_table/statement-evidence-where-text-stored": set_("statements", f"{GREXT}:gr-ext-meeting-scheduled", locator="",
                                                             evidence="Roman", evidence_start="38", evidence_end="43"),
    "cross_table/membership-evidence-where-text-stored": set_("memberships", pr("kazakhstan-member-greco"), evidence="",
                                                              evidence_start="", evidence_end="", locator="paragraph 6"),
    "cross_table/mention-evidence-where-text-stored": set_("mentions", pr("coe"), evidence_start="", evidence_end="",
                                                           locator="first paragraph"),
    "cross_table/as-of-not-after-source": set_("memberships", pr("kazakhstan-member-greco"), as_of="2023-10-08"),
    "cross_table/as-of-given-for-dated-source": set_("memberships", pr("kazakhstan-member-greco"), as_of=""),
}


def test_every_rule_has_a_breaking_mutation():
    rules = set(all_rules())
    assert not rules - set(MUTATIONS), f"rules in checks/ without a breaking mutation here: {sorted(rules - set(MUTATIONS))}"
    assert not set(MUTATIONS) - rules, f"mutations for rules no longer in checks/: {sorted(set(MUTATIONS) - rules)}"


def test_every_rule_is_documented_with_its_severity():
    doc = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    missing = [f"{name} ({severity})" for name, severity in all_rules().items() if f"| `{name}` | {severity} |" not in doc]
    assert not missing, f"docs/checks.md does not list: {missing}"


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_breaking_a_rule_fails_the_check_and_names_it(tmp_path, name):
    suite = name.split("/")[0]
    descriptor = copy_package(tmp_path / "package", checks=True)
    tables = Tables(descriptor)
    MUTATIONS[name](tables)
    tables.save()
    run = check_json(descriptor, "--suite", suite)
    report = run.report
    validation = [t for t in report["tasks"] if t["kind"] == "validation"]
    assert validation and all(t["valid"] for t in validation), (
        f"the mutation for {name} breaks the Table Schema too, so it proves nothing about the rule: "
        + json.dumps([e for t in validation for e in t["errors"]], indent=1)[:2000]
    )
    errored = [t["name"] for t in report["tasks"] if t["status"] == "error"]
    assert not errored, f"could not evaluate: {errored}"
    severity = all_rules()[name]
    assert name in run.failed_rules(severity), f"{name} did not fail; failed: {sorted(run.failed_rules())}"
    assert run.exit_code == (1 if severity == "error" else 0), run.stdout[-3000:]
    (error,) = next(t for t in report["tasks"] if t["name"] == name)["errors"]
    assert error["rule"] == name.split("/")[1] and error["severity"] == severity
    assert error["count"] or "row-count" in name, error  # a row count has an observed value, not failing rows
    assert error["values"], error


@pytest.fixture(scope="module")
def intact(tmp_path_factory):
    descriptor = copy_package(tmp_path_factory.mktemp("intact"), checks=True)
    return descriptor, check_json(descriptor)


def test_the_intact_package_passes_every_rule(intact):
    _, run = intact
    assert run.exit_code == 0, run.stdout[-3000:]
    report = run.report
    expectations = [t for t in report["tasks"] if t["kind"] == "expectation"]
    assert sorted(t["name"] for t in expectations) == sorted(all_rules())
    assert all(t["status"] == "passed" and not t["errors"] for t in expectations), [
        (t["name"], t["errors"]) for t in expectations if t["errors"]
    ]
    assert report["valid"] is True


def test_the_report_says_what_ran(intact):
    _, run = intact
    task = next(t for t in run.report["tasks"] if t["name"] == "memberships/evidence-offsets-ordered")
    assert task == {
        **task,
        "kind": "expectation",
        "table": "memberships",
        "suite": "memberships",
        "engine": "duckdb",
        "status": "passed",
    }
    assert task["stats"]["expectation"] == "expect_column_pair_values_a_to_be_greater_than_b"
    assert task["path"] == "tables/memberships.csv" or task["path"].endswith("tables/memberships.csv")
    assert any(note.startswith(f"checked {len(all_rules())} expectations with DuckDB SQL") for note in run.report["notes"])


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """A copy with three broken rules (two errors, one warning-free), checked in json and junit."""
    descriptor = copy_package(tmp_path_factory.mktemp("broken"), checks=True)
    tables = Tables(descriptor)
    for name in ("memberships/one-target-only", "statements/evidence-length-matches-offsets", "organizations/state-has-country"):
        MUTATIONS[name](tables)
    tables.save()
    return descriptor


def test_a_failure_names_table_row_field_and_values(broken):
    run = check_json(broken, "--suite", "memberships")
    assert run.exit_code == 1
    (error,) = next(t for t in run.report["tasks"] if t["name"] == "memberships/one-target-only")["errors"]
    tables = Tables(broken)
    row = tables["memberships"].index(tables.row("memberships", pr("kazakhstan-member-greco"))) + 2
    looked_at = sum(1 for m in tables["memberships"] if m["organization_id"])  # the rows the row_condition keeps
    assert error == {
        "code": "expectation-failed",
        "message": f"A relation has one target: an organization or a convention, not both. (1 of {looked_at} values fail; row {row})",
        "table": "memberships",
        "row": row,
        "field": "convention_id",
        "severity": "error",
        "rule": "one-target-only",
        "values": ["ets-173"],
        "count": 1,
    }


def test_junit_counts_the_same_failures_as_json(broken, tmp_path):
    as_json = check_json(broken)
    junit = tmp_path / "check.xml"
    run = run_accord("check", str(broken), "--engine", "frictionless", "--format", "junit", "--output", str(junit))
    assert run.exit_code == as_json.exit_code == 1
    assert run.stdout == ""  # the report went to the file
    root = ET.parse(junit).getroot()
    stats = as_json.report["stats"]
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == stats["tasks"] == int(root.get("tests"))
    assert len(root.findall("./testsuite/testcase/failure")) == stats["failed"] == int(root.get("failures")) >= 3
    assert len(root.findall("./testsuite/testcase/error")) == stats["errored"] == int(root.get("errors")) == 0
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {t["name"] for t in as_json.report["tasks"] if t["status"] == "failed"}
    suites = {s.get("name") for s in root.findall("testsuite")}
    assert {"check.memberships", "check.cross_table", "validate.memberships"} <= suites


def test_one_run_writes_several_reports(broken, tmp_path):
    reports = tmp_path / "reports"
    run = check_json(broken, "--suite", "memberships", "--report", f"junit:{reports / 'check.xml'}",
                     "--report", f"html:{reports / 'check.html'}")
    assert run.exit_code == 1
    root = ET.parse(reports / "check.xml").getroot()
    assert int(root.get("failures")) == run.report["stats"]["failed"] == 1
    assert "memberships/one-target-only" in (reports / "check.html").read_text(encoding="utf-8")
    bad = check_json(broken, "--report", "junit")
    assert bad.exit_code == 2 and "give FORMAT:FILE" in bad.stderr


def test_warn_only_reports_but_exits_0(broken):
    run = check_json(broken, "--suite", "memberships", "--warn-only")
    assert run.exit_code == 0
    assert "memberships/one-target-only" in run.failed_rules("error")
    assert run.report["valid"] is False


# --- could not evaluate, could not run --------------------------------------------------------------


def _suite_file(folder: Path, name: str, expectations: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"name": name, "meta": {"table": "memberships"}, "expectations": expectations}), encoding="utf-8")
    return folder


def _meta(rule: str) -> dict:
    return {"rule": rule, "severity": "error", "description": f"Probe {rule}."}


def test_suites_that_name_their_columns_load_only_those_with_the_same_results(tmp_path):
    """Loading only the columns the expectations name (and the primary key, for row numbers)
    gives the same results as loading every column, which a SQL rule forces."""
    descriptor = copy_package(tmp_path / "package", checks=False)
    tables = Tables(descriptor)
    row = tables.row("memberships", pr("bjorn-berge-post-coe"))
    row["evidence_start"], row["evidence_end"] = row["evidence_end"], row["evidence_start"]
    tables.save()
    named = [
        {"type": "expect_column_pair_values_a_to_be_greater_than_b",
         "kwargs": {"column_A": "evidence_end", "column_B": "evidence_start"}, "meta": _meta("offsets-in-order")},
        {"type": "expect_column_values_to_not_be_null", "meta": _meta("posts-have-roles"),
         "kwargs": {"column": "role", "row_condition": {"type": "comparison", "column": {"name": "relation"},
                                                        "operator": "==", "parameter": "post"}}},
    ]
    sql = {"type": "unexpected_rows_expectation", "meta": _meta("any-column"),
           "kwargs": {"unexpected_rows_query": "SELECT * FROM {batch} WHERE evidence IS NULL"}}
    pruned = check_json(descriptor, "--checks", str(_suite_file(tmp_path / "named", "probe", named)), "--no-validate")
    whole = check_json(descriptor, "--checks", str(_suite_file(tmp_path / "whole", "probe", [*named, sql])), "--no-validate")
    assert "loaded only the columns the expectations read, and the primary keys" in pruned.report["notes"]
    assert not any(n.startswith("loaded only") for n in whole.report["notes"])
    results = [{t["name"]: (t["status"], t["errors"]) for t in run.report["tasks"] if t["name"] != "probe/any-column"}
               for run in (pruned, whole)]
    assert results[0] == results[1]
    assert results[0]["probe/offsets-in-order"][0] == "failed"
    (error,) = results[0]["probe/offsets-in-order"][1]
    assert error["row"] == tables["memberships"].index(row) + 2
    assert results[0]["probe/posts-have-roles"][0] == "passed"


def test_columns_used_gives_up_on_what_may_read_any_column():
    from accord.check.suites import Rule, Suite, columns_used

    def suite(*configs):
        rules = [Rule("s", f"r{i}", "t", "error", "", {"meta": {}, **c}) for i, c in enumerate(configs)]
        return [Suite("s", Path("s.json"), {}, rules)]

    pair = {"type": "expect_column_pair_values_a_to_be_greater_than_b", "kwargs": {"column_A": "b", "column_B": "a"}}
    both = {"type": "and", "conditions": [{"type": "comparison", "column": {"name": "c"}, "operator": "==", "parameter": 1},
                                          {"type": "nullity", "column": {"name": "d"}, "is_null": True}]}
    conditioned = {"type": "expect_column_values_to_be_null", "kwargs": {"column": "e", "row_condition": both}}
    assert columns_used(suite(pair, conditioned)) == {"t": {"a", "b", "c", "d", "e"}}
    assert columns_used(suite(pair, {"type": "unexpected_rows_expectation", "kwargs": {}})) is None
    assert columns_used(suite({"type": "expect_table_columns_to_match_ordered_list", "kwargs": {"column_list": ["a"]}})) is None
    assert columns_used(suite({"type": "expect_column_values_to_be_null", "kwargs": {"column": "a", "row_condition": 'col("b")>1'}})) is None


def test_an_expectation_that_cannot_be_evaluated_is_an_error_with_its_cause(tmp_path):
    descriptor = copy_package(tmp_path / "package", checks=False)
    checks = _suite_file(tmp_path / "checks", "probe", [
        {"type": "unexpected_rows_expectation",
         "kwargs": {"unexpected_rows_query": "SELECT m.membership_id FROM {batch} AS m JOIN no_such_table AS x USING (membership_id)"},
         "meta": _meta("missing-table")},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "no_such_column"}, "meta": _meta("missing-column")},
        {"type": "expect_no_such_thing", "kwargs": {}, "meta": _meta("unknown-type")},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "membership_id"}, "meta": _meta("holds")},
    ])
    run = check_json(descriptor, "--checks", str(checks))
    assert run.exit_code == 1
    tasks = {t["name"]: t for t in run.report["tasks"] if t["kind"] == "expectation"}
    assert tasks["probe/holds"]["status"] == "passed"
    for name, cause in (
        ("probe/missing-table", "no_such_table does not exist"),
        ("probe/missing-column", "no_such_column"),
        ("probe/unknown-type", "expect_no_such_thing"),
    ):
        task = tasks[name]
        assert task["status"] == "error" and task["valid"] is False, task
        (error,) = task["errors"]
        assert error["code"] == "expectation-error" and error["severity"] == "error"
        assert cause in error["message"], error["message"]
        assert error["message"].startswith(f"could not evaluate {name} (Probe "), error["message"]
    assert run.report["stats"]["errored"] == 3


@pytest.mark.parametrize(
    "result",
    [
        {"success": False, "result": {}, "exception_info": {"raised_exception": False}},  # GX #10738's symptom
        {"success": None, "result": {"details": {}}, "exception_info": {}},
        {"success": False, "result": {"observed_value": 3},
         "exception_info": {"metric-id": {"raised_exception": True, "exception_message": "boom\nat line 2"}}},
    ],
)
def test_a_result_without_an_outcome_is_an_error_never_a_pass_or_a_bare_fail(result):
    from accord.check.results import task_from_result
    from accord.check.suites import Rule

    rule = Rule(suite="s", name="r", table="t", severity="warning", description="Probe.",
                config={"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}, "meta": {}})
    task, rows = task_from_result(rule, result, [], "great_expectations")
    assert task.outcome == "error" and rows == []
    (error,) = task.errors
    assert error.code == "expectation-error" and error.severity == "error"
    assert error.message.startswith("could not evaluate s/r (Probe.): ")
    assert "\n" not in error.message


def test_a_suite_on_a_table_not_in_the_package_is_an_error(tmp_path):
    descriptor = copy_package(tmp_path / "package", checks=False)
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "ghost.json").write_text(json.dumps({"name": "ghost", "expectations": [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}, "meta": _meta("rows")}]}))
    run = check_json(descriptor, "--checks", str(checks))
    assert run.exit_code == 1
    (task,) = [t for t in run.report["tasks"] if t["kind"] == "expectation"]
    assert task["status"] == "error" and "table 'ghost' is not in the package" in task["errors"][0]["message"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "is not valid JSON"),
        ('{"name": "bad", "expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {"minimum": 1}}]}',
         "'minimum' is not a parameter of expect_table_row_count_to_be_between"),
        ('{"name": "bad", "expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {}, "rule": "r"}]}',
         "'rule' is not a key of an expectation"),
        ('{"name": "bad", "expectations": [{"type": "t", "kwargs": {}, "meta": {"rule": "Bad Name", "description": "d"}}]}',
         "kebab-case"),
        ('{"name": "bad", "expectations": [{"type": "t", "kwargs": {}, "meta": {"rule": "r", "severity": "fatal", "description": "d"}}]}',
         "'error' or 'warning'"),
        ('{"name": "bad", "expectations": [{"type": "unexpected_rows_expectation", "kwargs": {"unexpected_rows_query": '
         '["SELECT 1"]}, "meta": {"rule": "r", "description": "d"}}]}', "unexpected_rows_query must be SQL text"),
        ('{"name": "bad", "expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {}, '
         '"severity": "fatal"}]}', "severity must be one of critical, warning, info"),
    ],
)
def test_a_suite_file_that_cannot_be_read_exits_2_with_one_line(tmp_path, content, message):
    descriptor = copy_package(tmp_path / "package", checks=False)
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "bad.json").write_text(content, encoding="utf-8")
    run = check_json(descriptor, "--checks", str(tmp_path / "checks"))
    assert run.exit_code == 2
    assert [e["code"] for e in run.report["errors"]] == ["package-error"]  # --format json: still a report
    assert message in run.report["errors"][0]["message"]
    assert run.stderr.startswith("Error: ") and message in run.stderr and run.stderr.count("\n") == 1


def test_an_unknown_suite_is_a_usage_error(intact):
    descriptor, _ = intact
    run = check_json(descriptor, "--suite", "no-such-suite")
    assert run.exit_code == 2 and "no suite named 'no-such-suite'" in run.stderr


def test_an_unreadable_package_exits_2_and_runs_no_suite(tmp_path):
    descriptor = copy_package(tmp_path / "package", checks=True)
    (descriptor.parent / "tables" / "statements.csv").unlink()
    run = check_json(descriptor)
    assert run.exit_code == 2
    assert not [t for t in run.report["tasks"] if t["kind"] == "expectation"]
    assert "expectation suites not run: the tables could not be read" in run.report["notes"]


def test_no_validate_runs_the_suites_on_the_data_as_it_loads(broken):
    full = check_json(broken, "--suite", "memberships")
    run = check_json(broken, "--suite", "memberships", "--no-validate")
    assert run.exit_code == full.exit_code == 1
    read = [t for t in run.report["tasks"] if t["kind"] == "validation"]
    assert read and all(t["status"] == "skipped" and not t["errors"] for t in read)  # read, not validated
    assert any(t["kind"] == "validation" and t["status"] == "passed" for t in full.report["tasks"])
    expectations = [t for t in full.report["tasks"] if t["kind"] == "expectation"]
    assert [(t["name"], t["status"], t["errors"]) for t in run.report["tasks"] if t["kind"] == "expectation"] == [
        (t["name"], t["status"], t["errors"]) for t in expectations
    ]
    assert "tables not validated (--no-validate): the suites ran on the data as it loads" in run.report["notes"]


def test_no_validate_still_checks_the_descriptor(tmp_path):
    descriptor = copy_package(tmp_path / "package", checks=True)
    (descriptor.parent / "tables" / "statements.csv").unlink()
    run = check_json(descriptor, "--no-validate")
    assert run.exit_code == 2
    (missing,) = [t for t in run.report["tasks"] if t["table"] == "statements"]
    assert [e["code"] for e in missing["errors"]] == ["scheme-error"]
    assert not [t for t in run.report["tasks"] if t["kind"] == "expectation"]
    assert "expectation suites not run: the tables could not be read" in run.report["notes"]


def test_json_is_exactly_the_library_report(intact):
    from accord.check import check

    descriptor, run = intact
    report = check(descriptor, engine=ENGINE).to_dict()
    cli = run.report
    # Timings and the time of the run differ from run to run; everything else is the same.
    for r in (report, cli):
        r["context"].pop("generated")
        r["notes"] = [n.split(" in ")[0] for n in r["notes"]]
        for task in r["tasks"]:
            task.pop("seconds")
    assert cli == report


def test_help_does_not_import_great_expectations():
    probe = (
        "import sys\n"
        "sys.argv = ['accord', '--help']\n"
        "from accord.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('GX' if 'great_expectations' in sys.modules else 'NO-GX')\n"
    )
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "NO-GX"
    assert "great_expectations" not in result.stderr  # -X importtime lists every module imported


@pytest.mark.parametrize("rule", ["statement-evidence-in-source", "membership-evidence-in-source", "mention-name-in-source"])
def test_a_quote_rule_cutting_each_span_once_flags_what_a_per_row_cut_flags(rule):
    """The *-in-source rules cut each distinct (source, start, end) span from its text once and
    join the rows back (at 10M synthetic rows, 27 s a rule became 1.2 s): on rows with NULLs,
    unknown sources, non-ASCII text and repeated spans they flag exactly the rows the plain
    definition (one cut per row) flags, with the same cut text."""
    import duckdb

    (expectation,) = [e for e in json.loads((ROOT / "checks" / "cross_table.json").read_text(encoding="utf-8"))["expectations"]
                      if e["meta"].get("rule") == rule]
    query = expectation["kwargs"]["unexpected_rows_query"].format(batch="x_rows")
    key, value = query.split(",")[0].removeprefix("SELECT x."), query.rsplit("x.", 1)[1]
    con = duckdb.connect()
    con.execute("CREATE TABLE source_texts (source_id VARCHAR, text VARCHAR)")
    con.execute("INSERT INTO source_texts VALUES ('a', 'Astana – Strasbourg: ministers met'), ('b', NULL)")
    con.execute(f"CREATE TABLE x_rows ({key} VARCHAR, source_id VARCHAR, evidence_start BIGINT, evidence_end BIGINT, {value} VARCHAR)")
    rows = [("r1", "a", 0, 6, "Astana"), ("r2", "a", 0, 6, "Astana"), ("r3", "a", 0, 6, "astana"),  # a shared span, one wrong
            ("r4", "a", 7, 8, "–"), ("r5", "a", 7, 8, "-"),  # a non-ASCII character is one character
            ("r6", "a", 0, None, "Astana"), ("r7", "a", 0, None, None), ("r8", None, 0, 6, "Astana"),
            ("r9", "c", 0, 6, "Astana"), ("r10", "b", 0, 6, "Astana"), ("r11", "a", None, None, "x"),
            ("r12", "a", 9, 19, "Strasbourg"), ("r13", "a", 30, 90, "met"), ("r14", "a", 0, 6, None)]
    con.executemany("INSERT INTO x_rows VALUES (?, ?, ?, ?, ?)", rows)
    per_row = (f"SELECT x.{key}, substring(t.text, x.evidence_start + 1, x.evidence_end - x.evidence_start) FROM x_rows AS x"
               f" LEFT JOIN source_texts AS t ON t.source_id = x.source_id WHERE x.evidence_start IS NOT NULL AND"
               f" (t.text IS NULL OR substring(t.text, x.evidence_start + 1, x.evidence_end - x.evidence_start) IS DISTINCT FROM x.{value})")
    expected = sorted(con.execute(per_row).fetchall())
    assert [k for k, _ in expected] == sorted(["r3", "r5", "r6", "r8", "r9", "r10", "r13", "r14"])
    assert sorted((k, cut) for k, _, _, cut in con.execute(query).fetchall()) == expected

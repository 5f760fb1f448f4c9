"""docs/adding-a-source.md, followed on a copy: a made-up second press release about a later
visit is added; the package stays valid and checked, no existing id changes, and `accord diff`
shows only added rows."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from check_helpers import Tables
from conftest import ENGINE, copy_package, run_accord

from accord.diff import diff_packages

FIXTURE = Path(__file__).parent / "fixtures" / "second-source"


def add_source(descriptor: Path) -> str:
    """The recipe's steps: the text under sources/ with its sha256, one sources row, then the
    mentions, statements and relations, each quote at its offsets in the text."""
    plan = json.loads((FIXTURE / "rows.json").read_text(encoding="utf-8"))
    source = dict(plan["source"])
    sid = source["source_id"]
    stored = descriptor.parent / source["path"]
    shutil.copy(FIXTURE / Path(source["path"]).name, stored)
    data = stored.read_bytes()
    text = data.decode("utf-8")
    source["sha256"] = hashlib.sha256(data).hexdigest()
    tables = Tables(descriptor)
    tables["sources"].append({f: source.get(f, "") for f in tables["sources"][0]})

    def span(quote: str) -> dict[str, str]:
        start = text.index(quote)  # the first occurrence, in code points
        return {"evidence_start": str(start), "evidence_end": str(start + len(quote))}

    for table, key, quoted in (("mentions", "mention_id", "name_as_written"), ("statements", "statement_id", "evidence"),
                               ("memberships", "membership_id", "evidence")):
        for item in plan[table]:
            row = dict.fromkeys(tables[table][0], "")
            row.update({k: v for k, v in item.items() if k not in ("slug", "statement")}, source_id=sid,
                       **{key: f"{sid}:{item['slug']}"}, **span(item[quoted]))
            if "statement" in item:  # the statement a relation is claimed in, of the same source
                row["statement_id"] = f"{sid}:{item['statement']}"
            tables[table].append(row)
    tables.save()
    return sid


def test_a_second_source_is_added_without_changing_any_existing_row(tmp_path):
    old = copy_package(tmp_path / "old", checks=True)
    new = copy_package(tmp_path / "new", checks=True)
    sid = add_source(new)

    for command in ("validate", "check"):
        run = run_accord(command, str(new), "--engine", ENGINE, "--format", "json")
        assert run.exit_code == 0, run.stdout[-3000:]
        report = json.loads(run.stdout)
        assert report["stats"]["errors"] == 0 and report["stats"]["warnings"] == 0, report["stats"]

    diff = diff_packages(old, new)
    assert not diff.schema_changes and not diff.resources_added and not diff.resources_removed
    for table in diff.tables:
        assert not table.rows_removed and not table.rows_changed, table.name
    added = {t.name: len(t.rows_added) for t in diff.tables if t.rows_added}
    assert added == {"sources": 1, "mentions": 7, "statements": 3, "memberships": 1}
    assert all(r[t.key[0]].startswith(f"{sid}") for t in diff.tables for r in t.rows_added)
    assert diff.level == "patch"  # rows only: a patch release
    run = run_accord("diff", str(old), str(new))
    assert run.exit_code == 1 and "[breaking]" not in run.stdout and "removed" not in run.stdout.replace("0 removed", "")

    # the newest state of the relation is the later source's, the earlier rows stay
    db = tmp_path / "accord.duckdb"
    assert run_accord("build", str(new), "--db", str(db), "--engine", ENGINE).exit_code == 0
    latest = run_accord("query", "SELECT relation, status, source_id FROM memberships_latest "
                                 "WHERE member_organization_id = 'kazakhstan' AND convention_id = 'ets-173' ORDER BY 1",
                        "--db", str(db), "--format", "json")
    rows = json.loads(latest.stdout)
    assert {"relation": "signatory", "status": "current", "source_id": sid} in rows
    assert any(r["relation"] == "invited-to-accede" for r in rows)


def test_a_quote_at_the_wrong_offsets_in_the_new_source_is_caught(tmp_path):
    new = copy_package(tmp_path / "new", checks=True)
    sid = add_source(new)
    tables = Tables(new)
    row = tables.row("statements", f"{sid}:berge-welcomed-signature")
    row["evidence_start"] = str(int(row["evidence_start"]) + 1)
    row["evidence_end"] = str(int(row["evidence_end"]) + 1)
    tables.save()
    run = run_accord("check", str(new), "--engine", ENGINE, "--format", "json")
    assert run.exit_code == 1
    failed = {t["name"] for t in json.loads(run.stdout)["tasks"] if t["status"] == "failed"}
    assert failed == {"cross_table/statement-evidence-in-source"}

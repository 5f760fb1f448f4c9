"""The curated package itself: valid for frictionless, evidence exact, sources unchanged, keys enforced."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import frictionless
import pytest

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in DESCRIPTOR["resources"]}


def read_rows(name: str, base: Path = ROOT) -> list[dict[str, str]]:
    with open(base / RESOURCES[name]["path"], encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def source_texts() -> dict[str, str]:
    texts = {}
    for row in read_rows("sources"):
        if row["path"]:
            texts[row["source_id"]] = (ROOT / row["path"]).read_bytes().decode("utf-8")
    return texts


def test_frictionless_reports_valid_with_no_errors_or_warnings():
    report = frictionless.validate(str(ROOT / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])
    assert report.stats["errors"] == 0
    assert report.stats["warnings"] == 0
    assert all(task.stats["warnings"] == 0 for task in report.tasks)


def test_stored_sources_match_their_recorded_sha256():
    rows = [r for r in read_rows("sources") if r["path"]]
    assert rows, "at least one stored source"
    for row in rows:
        digest = hashlib.sha256((ROOT / row["path"]).read_bytes()).hexdigest()
        assert digest == row["sha256"], f"{row['path']} changed: sha256 {digest} != recorded {row['sha256']}"


def test_the_press_release_is_the_shared_original_byte_for_byte():
    original = ROOT.parent / "shared" / "sources" / "000_3877c1d6e4665035.txt"
    if not original.exists():
        pytest.skip("shared/sources is not beside this checkout")
    stored = ROOT / "sources" / "kazakh-mfa-2023-10-07-kazakhstan-council-of-europe.txt"
    assert stored.read_bytes() == original.read_bytes()


@pytest.mark.parametrize("table", ["statements", "memberships"])
def test_every_evidence_quote_is_the_source_text_at_its_offsets(table):
    texts = source_texts()
    rows = read_rows(table)
    assert rows
    for row in rows:
        text = texts[row["source_id"]]
        start, end = int(row["evidence_start"]), int(row["evidence_end"])
        assert 0 <= start < end <= len(text), row
        assert text[start:end] == row["evidence"], f"{table} {row[RESOURCES[table]['schema']['primaryKey'][0]]}"


def test_a_name_spelled_two_ways_is_one_actor_with_an_alias():
    actors = {r["actor_id"]: r for r in read_rows("actors")}
    assert actors["mustafa-ferati"]["aliases"] == "Mustafa Ferrati"
    names = [r["name"] for r in actors.values()] + [a for r in actors.values() for a in r["aliases"].split(";") if a]
    assert len(names) == len(set(names))


def test_every_convention_named_in_the_source_has_its_official_treaty_number():
    conventions = {r["convention_id"]: r for r in read_rows("conventions")}
    text = source_texts()["kazakh-mfa-2023-10-07"]
    treaties = {cid: r for cid, r in conventions.items() if r["kind"] == "treaty"}
    assert set(treaties) == {"ets-018", "ets-127", "ets-141", "ets-165", "ets-173", "ets-185", "cets-198", "cets-210"}
    for cid, row in treaties.items():
        assert row["title_in_source"] in text
        assert row["treaty_number"].lower().replace(" ", "-") == cid
        assert row["reference_source_id"] == "coe-treaty-list"


def test_kazakhstan_relations_carry_their_status():
    status = {
        (r["convention_id"] or r["organization_id"]): r["status"]
        for r in read_rows("memberships")
        if r["member_organization_id"] == "kazakhstan"
    }
    assert {c for c, s in status.items() if s == "current" and c.startswith("ets")} == {"ets-018", "ets-127", "ets-141", "ets-165"}
    assert status["cets-198"] == "intended"
    assert {c for c, s in status.items() if s == "invitation-under-consideration"} == {"cets-210", "ets-173", "ets-185"}
    assert status["venice-commission"] == status["greco"] == "current"


def foreign_keys():
    for resource in DESCRIPTOR["resources"]:
        for fk in resource["schema"].get("foreignKeys", []):
            yield pytest.param(resource["name"], fk, id=f"{resource['name']}.{'+'.join(fk['fields'])}")


@pytest.mark.parametrize("table, fk", list(foreign_keys()))
def test_frictionless_rejects_a_dangling_reference_for_every_foreign_key(tmp_path, table, fk):
    for item in ("datapackage.json", "tables", "sources"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / item)
    path = tmp_path / RESOURCES[table]["path"]
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = reader.fieldnames, list(reader)
    field = fk["fields"][0]
    rows[0][field] = "no-such-row"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    report = frictionless.validate(str(tmp_path / "datapackage.json"))

    assert not report.valid
    errors = [e for task in report.tasks for e in task.errors]
    assert [e.type for e in errors] == ["foreign-key"], [e.message for e in errors]
    assert errors[0].row_number == 2
    assert f'"{field}"' in errors[0].note or field in errors[0].message

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


MFA = "kazakh-mfa-2023-10-07"


@pytest.mark.parametrize("table, column", [("statements", "evidence"), ("memberships", "evidence"), ("mentions", "name_as_written")])
def test_every_quote_is_the_stored_source_text_at_its_offsets_and_every_other_row_has_a_locator(table, column):
    texts = source_texts()
    rows = read_rows(table)
    assert rows
    quoted = 0
    for row in rows:
        key = row[RESOURCES[table]["schema"]["primaryKey"][0]]
        assert key.split(":")[0] == row["source_id"], key
        if row["source_id"] not in texts:
            assert row["locator"] and not row["evidence_start"], f"{table} {key}: a source without a stored text needs a locator"
            continue
        start, end = int(row["evidence_start"]), int(row["evidence_end"])
        text = texts[row["source_id"]]
        assert 0 <= start < end <= len(text), row
        assert text[start:end] == row[column], f"{table} {key}"
        assert not row["locator"]
        quoted += 1
    assert quoted


def test_a_name_spelled_two_ways_is_one_actor_with_an_alias_and_two_mentions():
    actors = {r["actor_id"]: r for r in read_rows("actors")}
    assert actors["mustafa-ferati"]["aliases"] == "Mustafa Ferrati"
    names = [r["name"] for r in actors.values()] + [a for r in actors.values() for a in r["aliases"].split(";") if a]
    assert len(names) == len(set(names))
    written = {m["name_as_written"] for m in read_rows("mentions") if m["actor_id"] == "mustafa-ferati" and m["source_id"] == MFA}
    assert written == {"Mustafa Ferati", "Mustafa Ferrati"}


def test_every_entity_is_named_by_a_source():
    mentioned = {(k, m[f"{k}_id"]) for m in read_rows("mentions") for k in ("actor", "organization", "convention") if m[f"{k}_id"]}
    for table, kind in (("actors", "actor"), ("organizations", "organization"), ("conventions", "convention")):
        for row in read_rows(table):
            assert (kind, row[f"{kind}_id"]) in mentioned, f"{table} {row[f'{kind}_id']} is named by no source"


def test_every_treaty_the_press_release_names_has_its_official_number_and_title():
    conventions = {r["convention_id"]: r for r in read_rows("conventions")}
    mentions = read_rows("mentions")
    named = {m["convention_id"] for m in mentions if m["source_id"] == MFA and m["convention_id"]}
    treaties = {cid for cid in named if conventions[cid]["kind"] == "treaty"}
    assert treaties == {"ets-018", "ets-127", "ets-141", "ets-165", "ets-173", "ets-185", "cets-198", "cets-210"}
    official = {m["convention_id"]: m["name_as_written"] for m in mentions if m["source_id"] == "coe-treaty-list"}
    for cid in treaties:
        row = conventions[cid]
        assert row["treaty_number"].lower().replace(" ", "-") == cid
        assert row["reference_source_id"] == "coe-treaty-list"
        assert official[cid] == row["title"], cid


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    import duckdb

    from accord.build import build_package

    out = tmp_path_factory.mktemp("db")
    build_package(ROOT / "datapackage.json", db_path=out / "accord.duckdb", parquet=False)
    con = duckdb.connect(str(out / "accord.duckdb"), read_only=True)
    yield con
    con.close()


def test_one_equality_filter_returns_the_four_conventions_kazakhstan_is_party_to(database):
    """The query docs/data-model.md documents: the newest state of each relation."""
    found = database.execute(
        "SELECT DISTINCT convention_id FROM memberships_latest WHERE member_organization_id = 'kazakhstan' "
        "AND relation = 'party' AND status = 'current' ORDER BY 1").fetchall()
    assert [c for (c,) in found] == ["ets-018", "ets-127", "ets-141", "ets-165"]
    other = dict(database.execute(
        "SELECT convention_id, relation FROM memberships_latest WHERE member_organization_id = 'kazakhstan' "
        "AND convention_id IN ('cets-198', 'cets-210', 'ets-173', 'ets-185')").fetchall())
    assert other == {"cets-198": "intends-to-accede", "cets-210": "invited-to-accede", "ets-173": "invited-to-accede",
                     "ets-185": "invited-to-accede"}


def test_the_dated_facts_are_recorded_each_with_its_source(database):
    def relation(member, target, relation):
        return set(database.execute(
            "SELECT start_date, source_id FROM memberships WHERE member_organization_id = ? AND coalesce(organization_id, convention_id) = ? "
            "AND relation = ? AND start_date IS NOT NULL", [member, target, relation]).fetchall())

    # the GR-EXT meeting that examined the 2024-2027 priorities
    meeting = database.execute(
        "SELECT date, source_id FROM statements WHERE act = 'scheduled' AND about_convention_id = 'coe-kazakhstan-priorities-2024-2027'").fetchall()
    assert meeting == [("2023-10-05", "coe-gr-ext-2023-6")]
    # GRECO: two sources disagree by two weeks, both kept
    assert relation("kazakhstan", "greco", "member") == {("2020-01-01", "coe-gr-ext-2023-6"), ("2020-01-16", "greco-eval-kazakhstan-2022")}
    assert relation("kazakhstan", "venice-commission", "member") == {("2012-03", "kz-mfa-brussels-coe")}
    for convention, month in (("cets-210", "2020-04"), ("ets-173", "2022-07"), ("ets-185", "2023-04")):
        assert relation("kazakhstan", convention, "invited-to-accede") == {(month, "coe-gr-ext-2023-6")}, convention
    # the earlier priorities, from 2014
    assert ("2014", MFA) in relation("kazakhstan", "coe-kazakhstan-priorities-2014-2015", "participant")
    # every source of these facts is a row of sources, with a locator into it
    sources = {s: (kind, url) for s, kind, url in database.execute("SELECT source_id, kind, url FROM sources").fetchall()}
    for source in ("coe-gr-ext-2023-6", "greco-eval-kazakhstan-2022", "kz-mfa-brussels-coe", "pace-doc-14436"):
        assert sources[source][1], source
    unlocated = database.execute("SELECT count(*) FROM memberships m JOIN sources s USING (source_id) "
                                 "WHERE s.path IS NULL AND m.locator IS NULL").fetchone()
    assert unlocated == (0,)


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
    pattern = next(f for f in RESOURCES[table]["schema"]["fields"] if f["name"] == field).get("constraints", {}).get("pattern", "")
    rows[0][field] = "no-such-source:no-such-row" if ":" in pattern else "no-such-row"
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


@pytest.mark.parametrize("table, field", [("memberships", "relation"), ("memberships", "status"), ("statements", "act"),
                                          ("sources", "kind"), ("organizations", "classification")])
def test_every_vocabulary_value_is_documented(table, field):
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    values = next(f for f in RESOURCES[table]["schema"]["fields"] if f["name"] == field)["constraints"]["enum"]
    assert [v for v in values if f"`{v}`" not in doc] == []

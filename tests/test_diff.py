"""accord diff: schema and row changes between two versions; exit 0 identical, 1 different, 2 unreadable."""

from __future__ import annotations

import json
import zipfile

import pytest
from conftest import ROOT, copy_package, run_accord
from build_helpers import write_package
from release_helpers import edit_statements

from accord.diff import FieldChange, diff_packages
from accord.formats import render
from accord.errors import PackageError


@pytest.fixture
def edited(tmp_path):
    descriptor = copy_package(tmp_path / "new")
    return descriptor, edit_statements(descriptor)


def test_one_row_added_removed_and_changed_are_exactly_what_is_reported(edited):
    descriptor, edits = edited
    diff = diff_packages(ROOT, descriptor.parent)
    assert not diff.identical
    assert diff.resources_added == diff.resources_removed == []
    changed_tables = [t for t in diff.tables if not t.identical]
    assert [t.name for t in changed_tables] == ["statements"]
    statements = changed_tables[0]
    assert statements.key == ["statement_id"] and not statements.schema_changed
    assert [row["statement_id"] for row in statements.rows_added] == [edits.added]
    assert [row["statement_id"] for row in statements.rows_removed] == [edits.removed]
    assert len(statements.rows_changed) == 1
    change = statements.rows_changed[0]
    assert change.key == {"statement_id": edits.changed}
    assert change.changes == [FieldChange("summary", edits.old_summary, edits.new_summary)]
    assert statements.new_rows == statements.old_rows


def test_cli_exits_1_on_differences_and_prints_them(edited):
    descriptor, edits = edited
    run = run_accord("diff", str(ROOT), str(descriptor))
    assert run.exit_code == 1, run.stderr
    assert f"  added    statement_id={edits.added}" in run.stdout
    assert f"  removed  statement_id={edits.removed}" in run.stdout
    expected = f"  changed  statement_id={edits.changed}: summary: {json.dumps(edits.old_summary)} -> "
    assert expected in run.stdout
    assert run.stdout.endswith("different: rows changed (a patch version)\n")


def test_cli_json_is_the_library_result(edited):
    descriptor, _ = edited
    run = run_accord("diff", str(ROOT), str(descriptor), "--format", "json")
    assert run.exit_code == 1
    assert json.loads(run.stdout) == diff_packages(str(ROOT), str(descriptor)).to_dict()


def test_markdown_has_a_summary_table_and_the_changed_rows(edited):
    descriptor, edits = edited
    text = render("diff", "markdown", diff_packages(ROOT, descriptor))
    assert "| table | rows before | rows after | added | removed | changed | schema |" in text
    assert f"- Removed: `statement_id={edits.removed}`" in text


def test_identical_versions_exit_0(tmp_path):
    copy = copy_package(tmp_path / "same")
    run = run_accord("diff", str(ROOT / "datapackage.json"), str(copy.parent))
    assert run.exit_code == 0, run.stdout + run.stderr
    assert run.stdout.endswith("identical\n")


def test_a_zip_of_the_package_compares_like_its_folder(tmp_path):
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(ROOT.glob("tables/*.csv")) + [ROOT / "datapackage.json"]:
            zf.write(path, path.relative_to(ROOT).as_posix())
    assert diff_packages(archive, ROOT).identical


def test_an_unreadable_version_exits_2(tmp_path):
    run = run_accord("diff", str(ROOT), str(tmp_path / "missing"))
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: ") and "no such file" in run.stderr
    with pytest.raises(PackageError):
        diff_packages(ROOT, tmp_path / "missing")


def test_an_unknown_format_is_a_usage_error():
    run = run_accord("diff", str(ROOT), str(ROOT), "--format", "yaml")
    assert run.exit_code == 2 and "unknown format 'yaml'" in run.stderr


SCORES = {
    "schema": {
        "fields": [
            {"name": "id", "type": "string"},
            {"name": "score", "type": "number"},
            {"name": "note", "type": "string"},
        ],
        "primaryKey": ["id"],
    },
    "csv": "id,score,note\na,1,x\nb,2.5,y\n",
}
PAIRS = {"schema": {"fields": [{"name": "left", "type": "string"}, {"name": "right", "type": "string"}]}}


def test_schema_changes_fields_added_removed_retyped_and_primary_key(tmp_path):
    old_scores = {**SCORES, "csv": "id,score,note\na,1,x\nb,2.0,y\n"}
    old = write_package(tmp_path / "old", {"scores": old_scores, "pairs": {**PAIRS, "csv": "left,right\n1,2\n"}})
    new_scores = {
        "schema": {
            "fields": [
                {"name": "id", "type": "string"},
                {"name": "score", "type": "integer"},
                {"name": "weight", "type": "number"},
            ],
            "primaryKey": ["id", "score"],
        },
        "csv": "id,score,weight\na,1,3\nb,2,4\n",
    }
    new = write_package(tmp_path / "new", {"scores": new_scores, "extra": {**PAIRS, "csv": "left,right\n"}})
    diff = diff_packages(old, new)
    assert diff.resources_added == ["extra"] and diff.resources_removed == ["pairs"]
    (scores,) = diff.tables
    assert scores.fields_added == ["weight"] and scores.fields_removed == ["note"]
    assert scores.fields_retyped == [FieldChange("score", "number", "integer")]
    assert scores.primary_key_changed and scores.old_primary_key == ["id"] and scores.new_primary_key == ["id", "score"]
    # rows matched on the new key (2.0 and 2 are one number); only the fields both versions have are compared
    assert not scores.rows_differ
    text = render("diff", "text", diff)
    assert "[compatible] resource added: extra\n[breaking] resource removed: pairs\n" in text
    assert "  [breaking] scores.score: type changed (number -> integer)\n" in text
    assert "  [breaking] scores.note: field removed\n" in text and "  [compatible] scores.weight: field added\n" in text
    assert text.endswith("different: breaking changes (a major version)\n")


def test_values_are_compared_as_validation_reads_them(tmp_path):
    """1 and 1.0 are one number (a new way of writing it is not a change in the data); 2.5 to 2.75 is."""
    old = write_package(tmp_path / "old", {"scores": SCORES})
    new = write_package(tmp_path / "new", {"scores": {**SCORES, "csv": "id,score,note\na,1.0,x\nb,2.75,y\n"}})
    (scores,) = diff_packages(old, new).tables
    assert [(c.key, c.changes) for c in scores.rows_changed] == [({"id": "b"}, [FieldChange("score", 2.5, 2.75)])]


def test_without_a_primary_key_whole_rows_are_added_or_removed(tmp_path):
    old = write_package(tmp_path / "old", {"pairs": {**PAIRS, "csv": "left,right\n1,2\n3,4\n3,4\n"}})
    new = write_package(tmp_path / "new", {"pairs": {**PAIRS, "csv": "left,right\n3,4\n5,6\n1,2\n"}})
    (pairs,) = diff_packages(old, new).tables
    assert pairs.key == []
    assert pairs.rows_added == [{"left": "5", "right": "6"}]  # string fields: as written
    assert pairs.rows_removed == [{"left": "3", "right": "4"}]  # one of the two duplicates
    assert pairs.rows_changed == []


def test_text_for_people_shows_escape_sequences_in_data_escaped(tmp_path):
    """A key cell holding an escape sequence must not drive the terminal: shown as \\x1b."""
    hostile = {**SCORES, "csv": "id,score,note\n\x1b]0;pwned\x07,1,x\nb,2.5,y\n"}
    old = write_package(tmp_path / "old", {"scores": SCORES})
    new = write_package(tmp_path / "new", {"scores": hostile})
    text = render("diff", "text", diff_packages(old, new))
    assert "\x1b" not in text and "\x07" not in text
    assert "added    id=\\x1b]0;pwned\\x07" in text
    markdown = render("diff", "json", diff_packages(old, new))
    assert "\\u001b]0;pwned\\u0007" in markdown  # machine formats keep the data, escaped the JSON way

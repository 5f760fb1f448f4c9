"""Schema changes classified breaking or compatible (docs/releases.md), and the version numbers
`accord release` accepts for them."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ENGINE, ROOT, VERSION, copy_package, run_accord
from release_helpers import tree_bytes

from accord.diff import diff_packages
from accord.errors import UsageError
from accord.release import check_version

Descriptor = dict


def column(table: str, name: str) -> list[str]:
    with open(ROOT / "tables" / f"{table}.csv", encoding="utf-8", newline="") as handle:
        return [row[name] for row in csv.DictReader(handle)]


def field(descriptor: Descriptor, table: str, name: str) -> dict:
    resource = next(r for r in descriptor["resources"] if r["name"] == table)
    return next(f for f in resource["schema"]["fields"] if f["name"] == name)


def fields(descriptor: Descriptor):
    for resource in descriptor["resources"]:
        for f in resource["schema"]["fields"]:
            yield resource["name"], f


def make_required(d: Descriptor) -> None:
    """A field every row fills already, made required."""
    _, f = next((t, f) for t, f in fields(d)
                if not f.get("constraints", {}).get("required") and all(column(t, f["name"])))
    f.setdefault("constraints", {})["required"] = True


def drop_foreign_key(d: Descriptor) -> None:
    resource = next(r for r in d["resources"] if r["name"] == "statements")
    resource["schema"]["foreignKeys"] = [
        fk for fk in resource["schema"]["foreignKeys"] if fk["fields"] not in (["about_convention_id"], "about_convention_id")]


def widen_enum(d: Descriptor) -> None:
    field(d, "statements", "act")["constraints"]["enum"].append("denied")


def change_missing_values(d: Descriptor) -> None:
    resource = next(r for r in d["resources"] if r["name"] == "actors")
    resource["schema"]["missingValues"] = ["", "n/a"]


def unchanged(d: Descriptor) -> None:
    pass


# change -> (edit of the old version, edit of the new one, the line diff prints)
BREAKING: dict[str, tuple[Callable[[Descriptor], None], Callable[[Descriptor], None], str]] = {
    # every value of our enums is used: the old version had one more
    "narrowed enum": (widen_enum, unchanged, "  [breaking] statements.act: enum narrowed ("),
    "field made required": (unchanged, make_required, ": required added"),
    "dropped foreign key": (unchanged, drop_foreign_key,
                            "  [breaking] statements: foreign key removed ((about_convention_id) -> conventions"),
    "missing values changed": (unchanged, change_missing_values, "  [breaking] actors: missing values changed"),
}


def edited(tmp_path: Path, edit: Callable[[Descriptor], None], version: str) -> Path:
    path = copy_package(tmp_path / f"v{version}-{edit.__name__}")
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    edit(descriptor)
    descriptor["version"] = version
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize("change", sorted(BREAKING))
def test_a_breaking_change_is_reported_breaking_and_release_refuses_a_patch_bump(tmp_path, change):
    old_edit, new_edit, line = BREAKING[change]
    old, new = edited(tmp_path, old_edit, "0.1.0"), edited(tmp_path, new_edit, "0.1.1")
    run = run_accord("diff", str(old), str(new))
    assert run.exit_code == 1, run.stderr
    (reported,) = [text for text in run.stdout.splitlines() if line in text]
    assert reported.startswith("  [breaking] ")
    assert run.stdout.endswith("different: breaking changes (a major version)\n")
    assert diff_packages(old, new).level == "major"

    refused = run_accord("release", str(new), "--previous", str(old), "--out",
                         str(tmp_path / "dist"), "--engine", ENGINE)
    assert refused.exit_code == 2
    assert refused.stderr == ("Error: breaking changes since 0.1.0 need version 0.2.0 or later, not 0.1.1 "
                              "(`accord diff` lists them; --any-version releases it anyway)\n")
    assert not (tmp_path / "dist").exists() or tree_bytes(tmp_path / "dist") == {}


def test_the_right_bump_releases_and_any_version_overrides(tmp_path):
    major, minor_number, patch_number = map(int, VERSION.split("."))
    bumped = f"{major + 1}.0.0" if major else f"0.{minor_number + 1}.0"  # what a breaking change needs
    minor = edited(tmp_path, drop_foreign_key, bumped)
    done = run_accord("release", str(minor), "--previous", str(ROOT / "datapackage.json"), "--out",
                      str(tmp_path / "dist"), "--engine", ENGINE)
    assert done.exit_code == 0, done.stderr
    changelog = (tmp_path / "dist" / f"accord-{bumped}" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "breaking" in changelog and "about_convention_id" in changelog
    patch = edited(tmp_path, drop_foreign_key, f"{major}.{minor_number}.{patch_number + 1}")
    forced = run_accord("release", str(patch), "--previous", str(ROOT / "datapackage.json"), "--out",
                        str(tmp_path / "dist"), "--engine", ENGINE, "--any-version")
    assert forced.exit_code == 0, forced.stderr


def test_compatible_changes_need_a_minor_bump(tmp_path):
    new = edited(tmp_path, widen_enum, "0.1.1")
    diff = diff_packages(ROOT, new)
    assert [(c.kind, c.breaking) for c in diff.schema_changes] == [("enum-widened", False)]
    assert diff.level == "minor"
    run = run_accord("diff", str(ROOT), str(new))
    assert "  [compatible] statements.act: enum widened" in run.stdout
    assert run.stdout.endswith("different: compatible schema changes (a minor version)\n")


@pytest.mark.parametrize("version, previous, level, refusal", [
    ("0.1.1", "0.1.0", "patch", None),
    ("0.2.0", "0.1.0", "major", None),  # below 1.0 a minor bump may break
    ("0.1.1", "0.1.0", "major", "need version 0.2.0 or later"),
    ("1.1.0", "1.0.0", "major", "need version 2.0.0 or later"),
    ("2.0.0", "1.4.2", "major", None),
    ("1.0.1", "1.0.0", "minor", "need version 1.1.0 or later"),
    ("1.1.0", "1.0.0", "minor", None),
    ("0.1.0", "0.1.0", "patch", "a release needs a higher version"),
    ("0.1.0", "0.2.0", "none", "a release needs a higher version"),
    ("2024.1", "0.1.0", "patch", "is not MAJOR.MINOR.PATCH"),
    ("0.2.0", None, "major", None),  # a first release follows from nothing
])
def test_version_rule(version, previous, level, refusal):
    if refusal is None:
        check_version(version, previous, level)
    else:
        with pytest.raises(UsageError, match=refusal):
            check_version(version, previous, level)


@pytest.mark.parametrize("old, new, kind, breaking", [
    ({"type": "integer"}, {"type": "number"}, "type-changed", True),
    ({"constraints": {"maximum": 10}}, {"constraints": {"maximum": 5}}, "maximum-lowered", True),
    ({"constraints": {"maximum": 5}}, {"constraints": {"maximum": 10}}, "maximum-relaxed", False),
    ({"constraints": {"minLength": 1}}, {"constraints": {"minLength": 3}}, "minLength-raised", True),
    ({"constraints": {"minimum": 1}}, {}, "minimum-dropped", False),
    ({}, {"constraints": {"pattern": "[a-z]+"}}, "pattern-changed", True),
    ({"constraints": {"pattern": "[a-z]+"}}, {}, "pattern-dropped", False),
    ({}, {"constraints": {"unique": True}}, "unique-added", True),
    ({"constraints": {"required": True}}, {}, "required-dropped", False),
    ({"constraints": {"enum": [1, 2]}}, {}, "enum-dropped", False),
    ({"format": "default"}, {"format": "email"}, "format-changed", True),
])
def test_field_changes_are_classified(old, new, kind, breaking):
    from accord.schema_diff import field_changes

    (change,) = field_changes("t", {"name": "x", "type": "integer", **old}, {"name": "x", "type": "integer", **new})
    assert (change.kind, change.breaking) == (kind, breaking)

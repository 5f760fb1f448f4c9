"""accord release: the artifacts, their checksums, byte-for-byte reproducibility, refusals, atomicity."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import duckdb
import frictionless
import pyarrow.parquet as pq
import pytest

from conftest import ENGINE, ROOT, VERSION, copy_package, run_accord
from release_helpers import Edits, edit_statements, read_table, tree_bytes, write_table

from accord.diff import diff_packages
from accord.errors import DatabaseError, InvalidData, PackageError
from accord.release import release_package

TABLES = [r["name"] for r in json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["resources"]]
PACKAGE_FILES = {"datapackage.json", "README.md"} | {
    p.relative_to(ROOT).as_posix()
    for folder in ("tables", "sources", "views", "queries", "checks")
    for p in (ROOT / folder).rglob("*")
    if p.is_file()
}


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Our package, with its expectation suites, released twice into two folders."""
    first = release_package(ROOT / "datapackage.json", out=tmp_path_factory.mktemp("one"), engine=ENGINE)
    second = release_package(ROOT / "datapackage.json", out=tmp_path_factory.mktemp("two"), engine=ENGINE)
    return first, second


MAJOR, MINOR, _PATCH = map(int, VERSION.split("."))
NEXT = f"{MAJOR}.{MINOR + 1}.0"  # a version a release of changed rows may take


@pytest.fixture(scope="module")
def release(releases):
    return releases[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_release_folder_is_named_and_holds_every_artifact(release):
    assert release.folder.name == f"accord-{VERSION}" and release.version == VERSION
    expected = PACKAGE_FILES | {
        f"accord-{VERSION}.zip",
        "accord.duckdb",
        "CHANGELOG.md",
        "SHA256SUMS",
        *(f"parquet/{t}.parquet" for t in TABLES),
    }
    assert set(release.files) == expected
    assert sorted(p.relative_to(release.folder).as_posix() for p in release.folder.rglob("*") if p.is_file()) == sorted(
        expected
    )
    assert not [p for p in release.folder.parent.iterdir() if p.name.startswith(".")], "no temporary folder left"


def test_rebuilding_gives_the_same_bytes_for_every_file(releases):
    first, second = releases
    assert (first.folder / "SHA256SUMS").read_bytes() == (second.folder / "SHA256SUMS").read_bytes()
    zip_name = f"{first.folder.name}.zip"
    for name in [zip_name, "accord.duckdb", *(f"parquet/{t}.parquet" for t in TABLES)]:
        assert (first.folder / name).read_bytes() == (second.folder / name).read_bytes(), name
    assert tree_bytes(first.folder) == tree_bytes(second.folder)


def test_sha256sums_lists_every_other_file_sorted_and_sha256sum_accepts_it(release):
    lines = (release.folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = [line.split("  ", 1)[1] for line in lines]
    assert listed == sorted(set(release.files) - {"SHA256SUMS"})
    for line in lines:
        digest, path = line.split("  ", 1)
        assert digest == sha256(release.folder / path)
    if shutil.which("sha256sum"):
        checked = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=release.folder, capture_output=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_descriptor_carries_bytes_and_sha256_that_frictionless_verifies(release, tmp_path):
    descriptor = json.loads((release.folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        file = release.folder / resource["path"]
        assert resource["bytes"] == file.stat().st_size
        assert resource["hash"] == f"sha256:{sha256(file)}"
    listed = {entry["path"]: entry for entry in descriptor["accord:files"]}
    assert set(listed) == PACKAGE_FILES - {"datapackage.json"} - {r["path"] for r in descriptor["resources"]}
    assert listed["README.md"]["hash"] == f"sha256:{sha256(release.folder / 'README.md')}"
    report = frictionless.validate(str(release.folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "message"])

    tampered = tmp_path / "tampered"
    shutil.copytree(release.folder, tampered)
    actors = tampered / "tables" / "actors.csv"
    actors.write_bytes(actors.read_bytes().replace(b"Roman", b"Raman"))  # same size, other bytes
    report = frictionless.validate(str(tampered / "datapackage.json"))
    assert ["hash-count"] == [error.type for task in report.tasks for error in task.errors]


def test_the_zip_is_sorted_dated_1980_and_holds_the_package(release, tmp_path):
    with zipfile.ZipFile(release.folder / f"{release.folder.name}.zip") as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(PACKAGE_FILES)
        assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {info.external_attr >> 16 for info in infos} == {0o100644}
        assert {info.compress_type for info in infos} == {zipfile.ZIP_DEFLATED}
        for name in names:
            assert archive.read(name) == (release.folder / name).read_bytes(), name
    # the zip is the package: nothing differs from the source
    assert diff_packages(ROOT, release.folder / f"{release.folder.name}.zip").identical


def test_parquet_and_duckdb_hold_the_typed_tables(release):
    with duckdb.connect(str(release.folder / "accord.duckdb"), read_only=True) as con:
        names = {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
    assert counts == release.tables == {t: len(read_table(ROOT / "tables" / f"{t}.csv")[1]) for t in TABLES}
    assert names == set(TABLES) | {"accord_metadata", "accord_files", "source_texts"}
    metadata = pq.read_metadata(release.folder / "parquet" / "actors.parquet").metadata
    schema = json.loads(metadata[b"table_schema"])
    assert schema["primaryKey"] == ["actor_id"]
    assert metadata[b"description:actor_id"]


def test_the_duckdb_header_holds_a_content_derived_identifier(release):
    from accord.release import DUCKDB_IDENTIFIER, _duckdb_checksum

    data = (release.folder / "accord.duckdb").read_bytes()
    header = bytearray(data[:4096])
    assert int.from_bytes(header[:8], "little") == _duckdb_checksum(header[8:]), "the header checksum verifies"
    identifier = bytes(header[DUCKDB_IDENTIFIER])
    header[DUCKDB_IDENTIFIER] = bytes(16)
    assert identifier == hashlib.sha256(bytes(header[8:]) + data[4096:]).digest()[:16]


def test_readme_tells_data_users_the_tables_rows_licence_and_how_to_open(release):
    readme = (release.folder / "README.md").read_text(encoding="utf-8")
    for table, rows in release.tables.items():
        assert f"| {table} | {rows} | One row per" in readme
    assert "CC-BY-4.0" in readme
    assert "ATTACH 'accord.duckdb'" in readme and "pd.read_parquet" in readme
    assert "sha256sum -c SHA256SUMS" in readme


def test_without_previous_the_changelog_lists_every_table(release):
    changelog = (release.folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith(f"# Changelog: accord\n\n## {release.version}\n")
    for table, rows in release.tables.items():
        assert f"| {table} | {rows} |" in changelog


def next_version(tmp_path: Path) -> tuple[Path, Edits]:
    """A copy of the package as the next version, with one statement added, one removed, one changed."""
    descriptor = copy_package(tmp_path / "next")
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data["version"] = NEXT
    descriptor.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return descriptor, edit_statements(descriptor)


def test_previous_release_gives_a_changelog_of_rows_added_removed_and_changed(release, tmp_path):
    descriptor, edits = next_version(tmp_path)
    result = release_package(descriptor, out=tmp_path / "dist", previous=release.folder, engine=ENGINE)
    assert result.folder.name == f"accord-{NEXT}" and result.previous_version == release.version
    changelog = (result.folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith(f"# Changelog: accord\n\n## {NEXT}\n\nCompared with {release.version}.")
    statements = release.tables["statements"]
    assert f"| statements | {statements} | {statements} | 1 | 1 | 1 | same |" in changelog
    actors = release.tables["actors"]
    assert f"| actors | {actors} | {actors} | 0 | 0 | 0 | same |" in changelog
    assert f"- Added: `statement_id={edits.added}`" in changelog
    assert f"- Removed: `statement_id={edits.removed}`" in changelog
    assert f"- Changed: `statement_id={edits.changed}`" in changelog
    assert f"  - summary: {json.dumps(edits.old_summary)} → {json.dumps(edits.new_summary)}" in changelog
    # the earlier release's entries follow
    assert f"\n## {VERSION}\n" in changelog


def test_previous_may_be_a_zip_or_a_descriptor(release, tmp_path):
    descriptor, _ = next_version(tmp_path)
    statements = release.tables["statements"]
    zipped = release.folder / f"{release.folder.name}.zip"
    for number, previous in enumerate((zipped, release.folder / "datapackage.json")):
        result = release_package(descriptor, out=tmp_path / f"dist{number}", previous=previous, engine=ENGINE)
        changelog = (result.folder / "CHANGELOG.md").read_text(encoding="utf-8")
        assert f"| statements | {statements} | {statements} | 1 | 1 | 1 | same |" in changelog


def test_refuses_data_that_fails_check_with_exit_1_and_writes_nothing(tmp_path):
    descriptor = copy_package(tmp_path / "bad")
    path = descriptor.parent / "tables" / "actors.csv"
    header, rows = read_table(path)
    rows.append(dict(rows[0]))  # a duplicate primary key
    write_table(path, header, rows)
    with pytest.raises(InvalidData, match="fails `accord check`, not released"):
        release_package(descriptor, out=tmp_path / "dist", engine=ENGINE)
    run = run_accord("release", str(descriptor), "--out", str(tmp_path / "dist"), "--engine", ENGINE)
    assert run.exit_code == 1
    assert run.stderr.startswith(f"Error: accord {VERSION} fails `accord check`, not released: ")
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_a_failed_release_writes_nothing_and_leaves_earlier_releases_as_they_were(tmp_path):
    descriptor = copy_package(tmp_path / "pkg")
    (descriptor.parent / "views" / "99_broken.sql").write_text("CREATE VIEW broken AS SELECT * FROM nowhere;\n")
    earlier = tmp_path / "dist" / "accord-0.0.9"
    earlier.mkdir(parents=True)
    (earlier / "sentinel.txt").write_text("the earlier release")
    with pytest.raises(DatabaseError, match="nowhere"):
        release_package(descriptor, out=tmp_path / "dist", engine=ENGINE)
    assert tree_bytes(tmp_path / "dist") == {"accord-0.0.9/sentinel.txt": b"the earlier release"}


def test_a_released_version_is_never_replaced(tmp_path):
    descriptor = copy_package(tmp_path / "pkg")
    earlier = tmp_path / "dist" / f"accord-{VERSION}"
    earlier.mkdir(parents=True)
    (earlier / "SHA256SUMS").write_text("the earlier release")
    for extra in ([], ["--any-version"]):
        run = run_accord("release", str(descriptor), "--out", str(tmp_path / "dist"), "--engine", ENGINE, *extra)
        assert run.exit_code == 2
        assert run.stderr == (f"Error: {earlier}: version {VERSION} is released already; a release is never replaced "
                              "(raise the version in datapackage.json)\n")
    assert tree_bytes(tmp_path / "dist") == {f"accord-{VERSION}/SHA256SUMS": b"the earlier release"}


def test_a_package_without_a_version_is_refused_with_exit_2(tmp_path):
    descriptor = copy_package(tmp_path / "pkg")
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    del data["version"]
    descriptor.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(PackageError, match="has no 'version'"):
        release_package(descriptor, out=tmp_path / "dist", engine=ENGINE)
    assert run_accord("release", str(descriptor), "--out", str(tmp_path / "dist"), "--engine", ENGINE).exit_code == 2


def test_release_tells_a_terminal_each_step(tmp_path):
    """On a terminal (stderr a pty) each step is a line as it starts; off one, nothing (other tests)."""
    import os
    import pty
    import sys

    descriptor = copy_package(tmp_path / "pkg")
    primary, secondary = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "accord", "release", str(descriptor), "--out", str(tmp_path / "dist")],
                          stdout=subprocess.PIPE, stderr=secondary) as process:
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the pty closes when the process ends
                break
            if not chunk:
                break
            seen += chunk
        stdout = process.stdout.read().decode()
    os.close(primary)
    assert process.returncode == 0, seen.decode(errors="replace")
    lines = [line for line in seen.decode().splitlines() if line.startswith("accord release: ")]
    assert lines == [f"accord release: validating and checking accord {VERSION}",
                     "accord release: building the database and the Parquet files",
                     "accord release: writing the package files, the zip and the checksums"]
    assert stdout.startswith(f"Released accord {VERSION} to ")

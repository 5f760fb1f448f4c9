"""Compressed tables (gzip, zip, bz2, xz): the fast engine reads them, with frictionless's errors
on the same files; every engine expands a file once and no further than --max-expanded.

The reference is frictionless itself, run here on the compressed files as they are: both engines
report its (code, table, row, field), and accord's frictionless engine, which reads an expanded
copy, its exact messages (the compressed file's path, its declared hash and size).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import duckdb
import pytest
from accord import limits
from accord.validate import compressed, validate
from conftest import copy_package, run_accord, run_accord_process
from differential_helpers import error_keys, handed_off, write_package

PEOPLE = (
    "id,name,score,group_id\n"
    "1,Ada,1.5,1\n"
    "2,Grace,-1,2\n"  # below the minimum
    "x,Linus,2,1\n"  # not an integer
    "\n"  # an empty line: a blank row
    "2,Alan,3,9\n"  # a repeated key, a group that does not exist
    "4,Barbara\n"  # a missing cell
    "5,Ken,4,1,extra\n"  # an extra cell
    "6,,5,2\n"  # a required name missing
)
GROUPS = "id,label\n1,one\n2,two\n"
PEOPLE_SCHEMA = {
    "fields": [{"name": "id", "type": "integer"}, {"name": "name", "type": "string", "constraints": {"required": True}},
               {"name": "score", "type": "number", "constraints": {"minimum": 0}}, {"name": "group_id", "type": "integer"}],
    "primaryKey": ["id"],
    "foreignKeys": [{"fields": ["group_id"], "reference": {"resource": "groups", "fields": ["id"]}}],
}
GROUPS_SCHEMA = {"fields": [{"name": "id", "type": "integer"}, {"name": "label", "type": "string"}], "primaryKey": ["id"]}

# how a file is written and named: (suffix after ".csv", what the descriptor declares)
KINDS = {
    "gz": (".gz", {}),
    "zip": (".zip", {}),
    "bz2": (".bz2", {}),
    "xz": (".xz", {}),
    "declared-gz": ("", {"compression": "gz"}),
    "declared-zip": ("", {"compression": "zip"}),
}


def compress(data: bytes, compression: str, member: str = "table.csv") -> bytes:
    if compression == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(member, data)
        return buffer.getvalue()
    if compression == "gz":
        return gzip.compress(data, mtime=0)  # the same bytes every time
    return {"bz2": bz2.compress, "xz": lzma.compress}[compression](data)


def compressed_package(folder: Path, kind: str, people: str = PEOPLE, declared: dict | None = None) -> Path:
    """people and groups, both compressed the same way (declared: more properties per resource)."""
    suffix, extra = KINDS[kind]
    compression = kind.removeprefix("declared-")
    resources, files = [], {}
    for name, text, schema in (("people", people, PEOPLE_SCHEMA), ("groups", GROUPS, GROUPS_SCHEMA)):
        path = f"{name}.csv{suffix}"
        files[path] = compress(text.encode(), compression, f"{name}.csv")
        resources.append({"name": name, "path": path, "schema": schema, **extra, **(declared or {}).get(name, {})})
    return write_package(folder, resources, files)


def frictionless_errors(descriptor: Path) -> list[tuple]:
    """frictionless's own report on the package as it is: (code, table, row, field, message)."""
    from frictionless import Package

    package = Package(json.loads(descriptor.read_text()), basepath=str(descriptor.parent))
    paths = {r.name: r.path for r in package.resources}
    report = package.validate()
    return [(e.type, task.name, getattr(e, "row_number", None), getattr(e, "field_name", None), f"{paths[task.name]}: {e.message}")
            for task in report.tasks for e in task.errors]


def accord_errors(report) -> list[tuple]:
    return [(e.code, e.table, e.row, e.field, e.message) for task in report.tasks for e in task.errors]


def keys(errors: list[tuple]) -> set[tuple]:
    return {e[:4] for e in errors}


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_fast_engine_reads_compressed_tables_with_frictionlesss_errors(tmp_path, kind):
    descriptor = compressed_package(tmp_path / kind, kind)
    reference = frictionless_errors(descriptor)
    duck, slow = validate(descriptor, engine="duckdb"), validate(descriptor, engine="frictionless")
    assert not handed_off(duck)
    assert [t.engine for t in duck.tasks] == ["duckdb", "duckdb"]
    assert {"type-error", "constraint-error", "blank-row", "primary-key", "foreign-key", "missing-cell",
            "extra-cell"} <= {e[0] for e in reference}
    assert error_keys(duck) == keys(reference) == error_keys(slow)
    assert accord_errors(slow) == reference  # the same messages, in the same order, naming the compressed file
    suffix = KINDS[kind][0]
    assert all(e.message.startswith(f"people.csv{suffix}: ") for e in duck.all_errors())


def test_valid_compressed_tables_are_valid_on_both_engines(tmp_path):
    people = "id,name,score,group_id\n1,Ada,1.5,1\n2,Grace,2,2\n"
    for kind in ("gz", "zip"):
        descriptor = compressed_package(tmp_path / kind, kind, people=people)
        duck, slow = validate(descriptor, engine="duckdb"), validate(descriptor, engine="frictionless")
        assert duck.valid and slow.valid and not handed_off(duck)
        assert [t.rows for t in duck.tasks] == [t.rows for t in slow.tasks] == [2, 2]


def test_declared_hash_and_bytes_are_the_compressed_files_as_frictionless_counts_them(tmp_path):
    expanded = PEOPLE.encode()
    gzipped = compress(expanded, "gz")
    declared = {"people": {"bytes": len(gzipped), "hash": hashlib.md5(expanded).hexdigest()},  # right size, wrong hash
                "groups": {"bytes": len(GROUPS), "hash": f"sha256:{hashlib.sha256(compress(GROUPS.encode(), 'gz')).hexdigest()}"}}
    descriptor = compressed_package(tmp_path / "p", "gz", declared=declared)
    reference = frictionless_errors(descriptor)
    assert [e[:2] for e in reference if e[0] in ("hash-count", "byte-count")] == [("hash-count", "people"), ("byte-count", "groups")]
    duck, slow = validate(descriptor, engine="duckdb"), validate(descriptor, engine="frictionless")
    assert not handed_off(duck)
    assert accord_errors(slow) == reference
    assert error_keys(duck) == keys(reference)


def test_a_zip_archive_is_read_at_its_first_entry_or_its_innerpath(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("first.csv", "id,label\n1,one\nx,two\n")
        archive.writestr("second.csv", "id,label\n1,one\n2,two\ny,three\n\n")
    files = {"groups.zip": buffer.getvalue()}
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "label"}]}
    for name, extra in (("first", {}), ("second", {"innerpath": "second.csv"})):
        descriptor = write_package(tmp_path / name, [{"name": "groups", "path": "groups.zip", "format": "csv",
                                                      "schema": schema, **extra}], files)
        reference = frictionless_errors(descriptor)
        duck, slow = validate(descriptor, engine="duckdb"), validate(descriptor, engine="frictionless")
        assert not handed_off(duck)
        assert error_keys(duck) == keys(reference) == error_keys(slow)
        assert accord_errors(slow) == reference
        assert {e.row for e in duck.all_errors()} == ({3} if name == "first" else {4, 5})


def test_a_gzip_file_of_several_members_is_read_whole(tmp_path):
    members = gzip.compress(b"id,label\n1,one\n") + gzip.compress(b"2,two\nx,three\n")
    descriptor = write_package(tmp_path / "p", [{"name": "groups", "path": "groups.csv.gz", "schema": GROUPS_SCHEMA}],
                               {"groups.csv.gz": members})
    reference = frictionless_errors(descriptor)
    duck = validate(descriptor, engine="duckdb")
    assert not handed_off(duck)
    assert error_keys(duck) == keys(reference) == {("type-error", "groups", 4, "id"), ("primary-key", "groups", 4, None)}
    assert duck.tasks[0].rows == 3


def test_a_compressed_latin1_table_is_read_through_its_utf8_copy(tmp_path):
    text = "id,label\n1,Zürich\n2,Liège\nx,Malmö\n"
    descriptor = write_package(tmp_path / "p", [{"name": "groups", "path": "groups.csv.gz", "encoding": "iso-8859-1",
                                                 "schema": GROUPS_SCHEMA}], {"groups.csv.gz": gzip.compress(text.encode("iso-8859-1"))})
    reference = frictionless_errors(descriptor)
    duck = validate(descriptor, engine="duckdb")
    assert not handed_off(duck)
    assert error_keys(duck) == keys(reference) == {("type-error", "groups", 4, "id"), ("primary-key", "groups", 4, None)}


def test_gzip_files_expand_to_the_bytes_gzip_open_reads_or_not_at_all(tmp_path, monkeypatch):
    """Members, zero padding, truncation and trailing bytes, cut in small steps at every edge."""
    monkeypatch.setattr(compressed, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(compressed, "READ_BYTES", 300)
    rng = random.Random(3)
    cases = [b"", gzip.compress(b""), b"\0\0", gzip.compress(b"abc") + b"\0" * 5000, gzip.compress(b"abc") + b"junk"]
    for _ in range(200):
        parts = []
        for _member in range(rng.randint(1, 4)):
            parts.append(gzip.compress(bytes(rng.choice(b"ab,\n") for _ in range(rng.randint(0, 3000))) * rng.randint(1, 30)))
            parts.append(b"\0" * rng.randint(1, 2000) if rng.random() < 0.3 else b"")
        data = b"".join(parts)
        cases.append(rng.choice([data, data[:rng.randint(0, len(data))], data + bytes([rng.randint(1, 255)])]))
    path = tmp_path / "case.gz"
    for data in cases:
        path.write_bytes(data)
        try:
            expected = gzip.GzipFile(fileobj=io.BytesIO(data)).read()
        except (OSError, EOFError):
            expected = None
        try:
            found = b"".join(compressed.expanded_chunks(path, "gz", None))
        except compressed.NotExpanded:
            found = None
        assert found == expected


@pytest.mark.parametrize("damage", ["truncated", "not-gzip", "empty-zip", "missing-innerpath"])
def test_a_file_that_cannot_be_expanded_is_handed_to_frictionless(tmp_path, damage):
    gzipped = gzip.compress(PEOPLE.encode() * 50)
    path, data, extra = {
        "truncated": ("people.csv.gz", gzipped[: len(gzipped) // 2], {}),
        "not-gzip": ("people.csv.gz", PEOPLE.encode(), {}),
        "empty-zip": ("people.csv.zip", _empty_zip(), {}),
        "missing-innerpath": ("people.csv.zip", compress(PEOPLE.encode(), "zip"), {"innerpath": "other.csv"}),
    }[damage]
    schema = {**PEOPLE_SCHEMA, "foreignKeys": []}
    descriptor = write_package(tmp_path / damage, [{"name": "people", "path": path, "schema": schema, **extra}], {path: data})
    duck, slow = validate(descriptor, engine="duckdb"), validate(descriptor, engine="frictionless")
    assert [n.split(": ", 1)[0] for n in handed_off(duck)] == ["people"]
    assert "cannot be expanded" in handed_off(duck)[0]
    assert accord_errors(duck) == accord_errors(slow)
    assert not duck.valid


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return buffer.getvalue()


# -- the bound on expanded bytes ---------------------------------------------------------------

BOMB_LINES = 200  # MiB of "1,2\n" lines after the header "a,b"


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    """200 MiB of CSV, gzipped and zipped (about 200 kB each), each in a package of its own."""
    folder = tmp_path_factory.mktemp("bombs")
    lines = b"1,2\n" * (1 << 18)  # 1 MiB
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip stream
    gzipped = b"".join([deflate.compress(b"a,b\n"), *(deflate.compress(lines) for _ in range(BOMB_LINES)), deflate.flush()])
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("bomb.csv", "w") as member:
        member.write(b"a,b\n")
        for _ in range(BOMB_LINES):
            member.write(lines)
    packages = {}
    for name, data in (("bomb.csv.gz", gzipped), ("bomb.csv.zip", zipped.getvalue())):
        assert len(data) < 300_000
        schema = {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}]}
        packages[name] = write_package(folder / name.replace(".", "-"), [{"name": "bomb", "path": name, "schema": schema}],
                                       {name: data})
    return packages


@pytest.fixture
def small_expansion_limit():
    saved = limits.current
    limits.set_current(limits.Limits(expanded=10 * 1024**2))
    yield
    limits.set_current(saved)


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
@pytest.mark.parametrize("name", ["bomb.csv.gz", "bomb.csv.zip"])
def test_expansion_stops_at_the_limit(bombs, small_expansion_limit, name, engine, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # where the run's temporary folder goes
    with pytest.raises(limits.LimitReached) as reached:
        validate(bombs[name], engine=engine)
    assert str(reached.value) == f"{name}: expands to more than 10 MiB (--max-expanded); nothing was validated"
    assert list(tmp_path.iterdir()) == []  # the partial copy and the run's folder are gone


@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_the_cli_stops_a_gzip_bomb_with_one_line_and_exit_2(bombs, tmp_path, engine):
    temp = tmp_path / "tmp"
    temp.mkdir()
    run = run_accord_process("validate", bombs["bomb.csv.gz"], "--engine", engine, "--max-expanded", "10MB",
                             env={"TMPDIR": str(temp)})
    assert run.exit_code == 2
    assert run.stderr == "Error: bomb.csv.gz: expands to more than 10 MB (--max-expanded); nothing was validated\n"
    assert run.stdout == ""
    assert list(temp.iterdir()) == []


@pytest.mark.slow
def test_within_the_limit_the_bomb_is_just_a_large_table(bombs):
    duck = validate(bombs["bomb.csv.gz"], engine="duckdb")  # the default limit, 1 GiB
    assert duck.valid and not handed_off(duck)
    assert duck.tasks[0].rows == BOMB_LINES * (1 << 18)


def lie_about_size(zipped: bytes, size: int) -> bytes:
    """The archive with its one member's uncompressed size (local header and central directory) set to size."""
    data = bytearray(zipped)
    assert data[:4] == b"PK\x03\x04"
    struct.pack_into("<I", data, 22, size)
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


def test_a_zip_header_is_not_trusted_either_way(tmp_path, small_expansion_limit):
    """The bound counts the bytes expanded: a header claiming 4 GB over a small table is read; a
    header claiming 100 bytes over 200 MiB expands no further than Python's reader, which stops
    at the declared size and rejects the member (frictionless reports it)."""
    honest = compress(GROUPS.encode(), "zip", "groups.csv")
    descriptor = write_package(tmp_path / "big-claim", [{"name": "groups", "path": "groups.csv.zip", "schema": GROUPS_SCHEMA}],
                               {"groups.csv.zip": lie_about_size(honest, 0xFFFFFFF0)})
    duck = validate(descriptor, engine="duckdb")
    assert duck.valid and not handed_off(duck)

    lines = b"a,b\n" + b"1,2\n" * (50 << 18)  # 50 MiB
    small_claim = lie_about_size(compress(lines, "zip", "bomb.csv"), 100)
    schema = {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "integer"}]}
    descriptor = write_package(tmp_path / "small-claim", [{"name": "bomb", "path": "bomb.csv.zip", "schema": schema}],
                               {"bomb.csv.zip": small_claim})
    duck, slow = validate(descriptor, engine="duckdb"), validate(descriptor, engine="frictionless")
    assert "cannot be expanded" in handed_off(duck)[0]
    assert [e.code for e in duck.all_errors()] == [e.code for e in slow.all_errors()] == ["compression-error"]


def test_compressed_json_and_files_that_are_not_tables_go_to_frictionless_within_the_bound(tmp_path, small_expansion_limit):
    rows = [{"id": 1, "name": "a"}, {"id": "x", "name": "b"}, {"id": 3}]
    files = {"rows.json.gz": gzip.compress(json.dumps(rows).encode(), mtime=0),
             "notes.txt.gz": gzip.compress(b"hello\n" * 10, mtime=0)}
    resources = [{"name": "rows", "path": "rows.json.gz", "type": "table", "schema": {"fields": [{"name": "id", "type": "integer"}, {"name": "name"}]}},
                 {"name": "notes", "path": "notes.txt.gz", "profile": "data-resource", "bytes": 6}]  # not the compressed size
    descriptor = write_package(tmp_path / "small", resources, files)
    reference = frictionless_errors(descriptor)
    assert [e[0] for e in reference] == ["type-error", "byte-count"]
    for engine in ("duckdb", "frictionless"):
        assert accord_errors(validate(descriptor, engine=engine)) == reference

    many = b"[" + b'{"id": 1, "name": "a"}, ' * 600_000 + b'{"id": 2}]'  # 15 MB of JSON
    files = {"rows.json.gz": gzip.compress(many, compresslevel=1), "notes.txt.gz": files["notes.txt.gz"]}
    descriptor = write_package(tmp_path / "large", resources, files)
    for engine in ("duckdb", "frictionless"):
        with pytest.raises(limits.LimitReached, match=r"^rows\.json\.gz: expands to more than 10 MiB"):
            validate(descriptor, engine=engine)


# -- one read, and build and check ---------------------------------------------------------------

STRACE = shutil.which("strace")


@pytest.mark.skipif(STRACE is None, reason="strace is not installed here; .ci/run installs it")
@pytest.mark.parametrize("engine", ["duckdb", "frictionless"])
def test_each_compressed_file_is_opened_once(tmp_path, engine):
    descriptor = compressed_package(tmp_path / "p", "zip")
    trace = tmp_path / "trace"
    done = subprocess.run([STRACE, "-f", "-qq", "-e", "trace=open,openat,openat2", "-o", str(trace), sys.executable, "-m",
                           "accord", "validate", str(descriptor), "--engine", engine], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    opened = re.findall(r'open(?:at2?)?\((?:[^,]+, )?"[^"]*/([^/"]+\.csv\.zip)"', trace.read_text())
    assert sorted(opened) == ["groups.csv.zip", "people.csv.zip"]


def test_build_reads_compressed_tables_with_the_plain_tables_values(tmp_path):
    databases = {}
    for variant in ("plain", "compressed"):
        descriptor = copy_package(tmp_path / variant)
        if variant == "compressed":
            package = json.loads(descriptor.read_text())
            for resource, compression in (("statements", "gz"), ("organizations", "zip"), ("mentions", "xz")):
                entry = next(r for r in package["resources"] if r["name"] == resource)
                plain = descriptor.parent / entry["path"]
                (plain.parent / f"{plain.name}.{compression}").write_bytes(compress(plain.read_bytes(), compression, plain.name))
                plain.unlink()
                entry["path"] += f".{compression}"
            descriptor.write_text(json.dumps(package, indent=2))
            assert not handed_off(validate(descriptor))  # the fast engine reads them
        databases[variant] = tmp_path / f"{variant}.duckdb"
        run = run_accord("build", str(descriptor), "--db", str(databases[variant]))
        assert run.exit_code == 0, run.stderr
    tables = {}
    for variant, database in databases.items():
        with duckdb.connect(str(database), read_only=True) as con:
            names = [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal "
                                               "AND NOT starts_with(table_name, 'accord_') ORDER BY 1").fetchall()]
            tables[variant] = {n: con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall() for n in names}
    assert {"statements", "organizations", "mentions"} <= set(tables["plain"])
    assert tables["compressed"] == tables["plain"]
    assert len(tables["compressed"]["statements"]) > 10


def test_check_reads_compressed_tables(tmp_path):
    descriptor = copy_package(tmp_path / "p", checks=True)
    package = json.loads(descriptor.read_text())
    entry = next(r for r in package["resources"] if r["name"] == "statements")
    plain = descriptor.parent / entry["path"]
    (plain.parent / f"{plain.name}.gz").write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    entry["path"] += ".gz"
    descriptor.write_text(json.dumps(package, indent=2))
    run = run_accord("check", str(descriptor), "--format", "json")
    assert run.exit_code == 0, run.stderr
    assert not [n for n in run.report["notes"] if "validated with frictionless" in n]


def test_nothing_is_left_in_the_temporary_folder(tmp_path, monkeypatch):
    descriptor = compressed_package(tmp_path / "p", "gz")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    validate(descriptor, engine="duckdb")
    validate(descriptor, engine="frictionless")
    assert os.listdir(temp) == []

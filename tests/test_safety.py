"""Nothing escapes: paths outside the package, queries that write or read files, hostile views, CSV formulas.

A package is data from someone else. Without --trusted, accord reads only files inside the
package's folder; queries and views run with DuckDB's file and network access off; CSV
output cannot carry a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import run_accord, run_accord_process
from build_helpers import demo_package

FIELDS = [{"name": "id", "type": "integer"}, {"name": "name", "type": "string"}]
PASSWD = Path("/etc/passwd")
COMMANDS = ("validate", "check", "build", "info")


def _package(root: Path, path: str, **resource) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "people.csv").write_text("id,name\n1,Ann\n2,Bob\n", encoding="utf-8")
    descriptor = root / "datapackage.json"
    entry = {"name": "people", "path": path, "format": "csv", "schema": {"fields": FIELDS}, **resource}
    descriptor.write_text(json.dumps({"name": "hostile", "resources": [entry]}), encoding="utf-8")
    return descriptor


def _outside_package(root: Path) -> Path:
    """root/pkg/datapackage.json whose one resource is ../outside.csv."""
    (root / "outside.csv").write_text("id,name\n1,Ann\n2,Bob\n", encoding="utf-8")
    return _package(root / "pkg", "../outside.csv")


def _secret_lines() -> list[str]:
    """Lines of /etc/passwd that would show it was read (its first entries)."""
    return [line for line in PASSWD.read_text().splitlines()[:3] if line]


# Paths outside the package ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../outside.csv", "climbs out of the package folder with '..'"),
        ("tables/../../outside.csv", "climbs out of the package folder with '..'"),
        ("/etc/passwd", "is absolute"),
        ("C:\\Windows\\win.ini", "is absolute"),
        ("\\\\server\\share\\people.csv", "is absolute"),
        ("https://example.com/people.csv", "is a URL"),
        ("file:///etc/passwd", "is a URL"),
    ],
)
@pytest.mark.parametrize("command", COMMANDS)
def test_a_path_outside_the_package_is_refused_without_trusted(tmp_path, command, path, reason):
    descriptor = _package(tmp_path / "pkg", path)
    run = run_accord(command, str(descriptor), cwd=tmp_path)
    assert run.exit_code == 2
    where = "datapackage.json: resource 'people'"
    assert run.stderr == f"Error: {where}: path {path!r} {reason}; refused (use --trusted to allow)\n"
    assert run.stdout == "" and not (tmp_path / "build").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_link_out_of_the_package_folder_is_refused_without_trusted(tmp_path, command):
    descriptor = _package(tmp_path / "pkg", "people-link.csv")
    os.symlink(PASSWD, tmp_path / "pkg" / "people-link.csv")
    run = run_accord(command, str(descriptor), cwd=tmp_path)
    assert run.exit_code == 2
    assert run.stderr == (
        "Error: datapackage.json: resource 'people': path 'people-link.csv' leaves the package folder; "
        "refused (use --trusted to allow)\n"
    )


@pytest.mark.parametrize("what", ["schema", "dialect"])
def test_a_schema_or_dialect_file_outside_the_package_is_refused(tmp_path, what):
    (tmp_path / f"{what}.json").write_text(json.dumps({"fields": FIELDS} if what == "schema" else {}))
    descriptor = _package(tmp_path / "pkg", "people.csv", **{what: f"../{what}.json"})
    run = run_accord("validate", str(descriptor), cwd=tmp_path)
    assert run.exit_code == 2 and f"path '../{what}.json' climbs out of the package folder" in run.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_with_trusted_a_path_outside_the_package_is_read(tmp_path, command):
    descriptor = _outside_package(tmp_path)
    done = run_accord_process(command, str(descriptor), "--trusted", cwd=tmp_path)
    assert done.exit_code == 0, done.stderr
    assert "Error" not in done.stderr


def test_with_trusted_an_absolute_path_is_read(tmp_path):
    (tmp_path / "elsewhere.csv").write_text("id,name\n1,Ann\n")
    descriptor = _package(tmp_path / "pkg", str(tmp_path / "elsewhere.csv"))
    run = run_accord("validate", str(descriptor), "--trusted", cwd=tmp_path)
    assert run.exit_code == 0, run.stdout + run.stderr


def test_with_trusted_a_url_is_still_not_fetched(tmp_path):
    # accord reads local files only; `accord download` fetches, verifies and keeps a package first
    descriptor = _package(tmp_path / "pkg", "https://example.com/people.csv")
    run = run_accord("validate", str(descriptor), "--trusted", cwd=tmp_path)
    assert run.exit_code == 2
    assert "remote path 'https://example.com/people.csv' is not supported; download it first" in run.stderr


def test_a_fifo_is_not_read_as_a_table(tmp_path):
    descriptor = _package(tmp_path / "pkg", "pipe.csv")
    os.mkfifo(tmp_path / "pkg" / "pipe.csv")
    run = run_accord("validate", str(descriptor), "--format", "json", cwd=tmp_path)
    assert run.exit_code == 2
    (error,) = json.loads(run.stdout)["errors"]
    assert (error["code"], error["message"]) == ("scheme-error", "pipe.csv: is not a regular file")


# Queries -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The demo package with its database built into build/demo.duckdb."""
    root = tmp_path_factory.mktemp("built")
    demo_package(root)
    assert run_accord("build", cwd=root).exit_code == 0
    return root


def test_a_query_reading_a_file_is_refused_and_prints_nothing_of_it(built):
    done = run_accord_process("query", "SELECT * FROM read_csv('/etc/passwd')", "--format", "csv", cwd=built)
    assert done.exit_code == 2
    assert done.stdout == ""
    assert done.stderr.startswith('Error: refused: Permission Error: Cannot access file "/etc/passwd"')
    assert done.stderr.count("\n") == 1
    for line in _secret_lines():
        assert line not in done.stderr


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE TABLE stolen AS SELECT 1 AS x",
        "INSERT INTO people (person_id, name) VALUES (99, 'Mallory')",
        "UPDATE people SET name = 'Mallory'",
        "DELETE FROM people",
        "DROP TABLE people",
        "COPY people TO '{out}'",
        "COPY people FROM '{out}'",
        "EXPLAIN ANALYZE COPY people TO '{out}'",
        "EXPLAIN ANALYZE CREATE TABLE stolen AS SELECT 1",
        "EXPORT DATABASE '{out}'",
        "ATTACH '{out}' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "CREATE MACRO leak(x) AS x",
        "CREATE SECRET s (TYPE s3)",
        "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM glob('/etc/*')",
        "SUMMARIZE SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_parquet('https://example.com/x.parquet')",
        "PRAGMA import_database('{out}')",
    ],
)
def test_a_query_that_writes_or_reaches_outside_is_refused_and_the_database_is_unchanged(built, tmp_path, sql):
    database = built / "build" / "demo.duckdb"
    before = database.read_bytes()
    out = tmp_path / "out"
    run = run_accord("query", sql.format(out=out), cwd=built)
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: refused: ") and run.stderr.count("\n") == 1, run.stderr
    assert run.stdout == ""
    assert not out.exists()
    assert database.read_bytes() == before
    assert sorted(p.name for p in database.parent.iterdir()) == ["demo.duckdb", "parquet"]


def test_a_named_query_linked_out_of_the_package_is_refused(built, tmp_path):
    root = tmp_path / "pkg"
    demo_package(root)
    os.symlink(PASSWD, root / "queries" / "passwd.sql")
    for args in (["--list"], ["passwd"]):
        run = run_accord("query", *args, cwd=root)
        assert run.exit_code == 2
        assert run.stderr == (
            "Error: queries/passwd.sql: links outside the package folder; refused (use --trusted to allow)\n"
        )


# Views of a hostile package --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "message"),
    [
        ("CREATE VIEW leak AS SELECT * FROM read_csv('/etc/passwd');",
         'Permission Error: Cannot access file "/etc/passwd"'),
        ("CREATE VIEW leak AS SELECT * FROM read_text('../../outside.txt');", "Permission Error: Cannot access file"),
        ("CREATE VIEW ok AS SELECT 1 AS one;\nCOPY people TO '{out}';",
         "only CREATE VIEW and COMMENT ON statements are allowed, found: COPY people TO"),
        ("CREATE VIEW ok AS SELECT 1 AS one; ATTACH '{out}' AS other;",
         "only CREATE VIEW and COMMENT ON statements are allowed, found: ATTACH"),
        ("/* a comment */ INSTALL httpfs;", "only CREATE VIEW and COMMENT ON statements are allowed, found: INSTALL httpfs"),
    ],
)
def test_views_of_a_hostile_package_cannot_read_or_write_files(tmp_path, view, message):
    root = tmp_path / "pkg"
    descriptor = demo_package(root)
    (tmp_path / "outside.txt").write_text("secret\n")
    out = tmp_path / "written"
    (root / "views" / "99_hostile.sql").write_text(view.format(out=out))
    run = run_accord("build", str(descriptor), "--db", str(tmp_path / "build" / "demo.duckdb"), cwd=tmp_path)
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: views/99_hostile.sql: ") and message in run.stderr, run.stderr
    assert "secret" not in run.stderr and not out.exists()
    assert not (tmp_path / "build").exists() or list((tmp_path / "build").iterdir()) == []


@pytest.mark.parametrize("target", [PASSWD, Path("/dev/zero")])
def test_a_view_file_linked_out_of_the_package_is_refused_before_it_is_read(tmp_path, target):
    root = tmp_path / "pkg"
    descriptor = demo_package(root)
    os.symlink(target, root / "views" / "99_linked.sql")
    run = run_accord("build", str(descriptor), "--db", str(tmp_path / "build" / "demo.duckdb"), cwd=tmp_path)
    assert run.exit_code == 2
    assert run.stderr == (
        "Error: views/99_linked.sql: links outside the package folder; refused (use --trusted to allow)\n"
    )


def test_a_view_file_that_is_a_fifo_is_refused(tmp_path):
    root = tmp_path / "pkg"
    descriptor = demo_package(root)
    os.mkfifo(root / "views" / "99_pipe.sql")
    run = run_accord("build", str(descriptor), "--db", str(tmp_path / "build" / "demo.duckdb"), cwd=tmp_path)
    assert run.exit_code == 2 and run.stderr == "Error: views/99_pipe.sql: is not a regular file\n"


# CSV output ----------------------------------------------------------------------------------


def test_csv_output_neutralises_spreadsheet_formulas_from_the_data_and_the_sql(built):
    sql = (
        "SELECT name, '=HYPERLINK(\"http://x\")' AS \"=col\", '+1+1' AS plus, '-2-2' AS minus, '@SUM(A1)' AS at, "
        "-1.5 AS number, '-1.5' AS numeric_text FROM people WHERE person_id = 3"
    )
    done = run_accord_process("query", sql, "--format", "csv", cwd=built)
    assert done.exit_code == 0, done.stderr
    header, row = list(csv.reader(io.StringIO(done.stdout)))
    assert header == ["name", "'=col", "plus", "minus", "at", "number", "numeric_text"]
    # the demo data itself holds =HYPERLINK("http://x") as a name
    formula = "'=HYPERLINK(\"http://x\")"
    assert row == [formula, formula, "'+1+1", "'-2-2", "'@SUM(A1)", "-1.5", "-1.5"]


# Terminal output ------------------------------------------------------------------------------

HOSTILE_CELL = "\x1b[2J\x1b]0;pwned\x07\u202eevil"


def test_data_cannot_drive_the_terminal_through_messages(tmp_path):
    descriptor = _package(tmp_path / "pkg", "people.csv")
    (tmp_path / "pkg" / "people.csv").write_text(f'id,name\n{HOSTILE_CELL},Ann\n"a\nb",Bob\n', encoding="utf-8")
    validate = run_accord("validate", str(descriptor), cwd=tmp_path)
    build = run_accord("build", str(descriptor), "--db", str(tmp_path / "out" / "db.duckdb"), cwd=tmp_path)
    assert (validate.exit_code, build.exit_code) == (1, 1)
    for text in (validate.stdout, build.stderr):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert '"\\x1b[2J\\x1b]0;pwned\\x07\\u202eevil"' in text
    # one line per problem: the cell's line break is shown, not followed
    assert 'Type error in the cell "a\\nb" in row "3"' in validate.stdout
    assert build.stderr.count("\n") == 1


def test_query_table_output_shows_control_characters_escaped(built):
    run = run_accord("query", "SELECT chr(27) || '[31mred' AS x, 'two' || chr(10) || 'lines' AS y", cwd=built)
    assert run.exit_code == 0
    assert "\x1b" not in run.stdout and "\\x1b[31mred" in run.stdout
    assert "two" in run.stdout and "lines" in run.stdout  # a line break in data stays one


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed here; .ci/run installs it")
@pytest.mark.parametrize("command", [["build"], ["validate", "--format", "json", "--output", "report.json"]])
def test_a_file_is_flushed_to_disk_before_it_replaces_the_old_one_and_then_its_folder(tmp_path, command):
    """After a power cut the target is the old file or the new one, whole: fsync of the new file,
    the rename, then fsync of the folder (strace sees every call, by any library)."""
    import re
    import subprocess
    import sys

    from conftest import copy_package

    package = copy_package(tmp_path / "package").parent
    trace = tmp_path / "trace"
    done = subprocess.run([shutil.which("strace"), "-f", "-qq", "-y", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2",
                           "-o", str(trace), sys.executable, "-m", "accord", *command], cwd=package,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    target = package / ("build/accord.duckdb" if command[0] == "build" else "report.json")
    calls = []
    for line in trace.read_text().splitlines():
        synced = re.search(r"f(?:data)?sync\(\d+<([^>]+)>", line)
        renamed = re.search(r'rename(?:at2?)?\((?:[^,]+, )?"([^"]+)", (?:[^,]+, )?"([^"]+)"', line)
        if synced:
            calls.append(("sync", synced.group(1)))
        elif renamed and renamed.group(2).endswith(target.name) and "= 0" in line:
            calls.append(("rename", renamed.group(1)))
    renames = [i for i, call in enumerate(calls) if call[0] == "rename"]
    assert renames, calls
    moved = calls[renames[-1]][1]
    before, after = calls[:renames[-1]], calls[renames[-1] + 1:]
    assert any(kind == "sync" and Path(path).name == Path(moved).name for kind, path in before), calls
    assert ("sync", str(target.parent.resolve())) in after, calls


@pytest.mark.parametrize(("path", "hadoop"), [
    ("hdfs://namenode:8020/data/t.csv", True), ("s3a://bucket/t.csv", True), ("abfss://c@a.dfs.core.windows.net/t.csv", True),
    ("viewfs://cluster/t.csv", True), ("file:///data/t.csv", True), ("https://example.com/t.csv", False),
    ("HTTP://example.com/t.csv", False), ("ftp://example.com/t.csv", False), ("tables/t.csv", False), ("1x://a/b", False),
])
def test_which_paths_are_hadoop_urls(path, hadoop):
    from accord.package import cluster_url

    assert cluster_url(path) is hadoop


def test_a_hadoop_url_is_read_only_by_the_spark_engine_and_only_when_trusted(tmp_path):
    """The package loader gives a table at a Hadoop URL to the Spark engine (Resource.location)
    only with --trusted; a web URL stays `accord download`'s; one file per resource."""
    from accord.errors import PackageError
    from accord.package import load_package

    def package(path) -> Path:
        folder = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        descriptor = {"name": "p", "resources": [{"name": "t", "path": path, "schema": {"fields": [{"name": "a"}]}}]}
        (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        return folder

    url = "s3a://bucket/tables/t.csv"
    with pytest.raises(PackageError, match="is a URL; refused"):
        load_package(package(url), cluster_paths=True)
    with pytest.raises(PackageError, match=r"download it first or read it on a Spark cluster \(--engine spark\)"):
        load_package(package(url), trusted=True)
    (resource,) = load_package(package(url), trusted=True, cluster_paths=True).resources
    assert (resource.location, resource.paths, resource.relpath) == (url, [], url)
    with pytest.raises(PackageError, match="download it first$"):
        load_package(package("https://example.com/t.csv"), trusted=True, cluster_paths=True)
    with pytest.raises(PackageError, match="a multipart path of Hadoop URLs is not supported"):
        load_package(package([url, "s3a://bucket/tables/t2.csv"]), trusted=True, cluster_paths=True)

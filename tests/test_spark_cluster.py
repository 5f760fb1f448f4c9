"""Tables at Hadoop file system URLs, read by Spark only (accord.spark.files).

The URLs are viewfs:// ones: Hadoop's client-side mount table maps viewfs://<name>/data to a
local folder, so Spark reads the files through the Hadoop file system API while Python cannot
open the URL at all; what accord learns of the file comes through Spark, as on a cluster.
Skipped where pyspark or a Java runtime is missing (CI installs both: .ci/run).
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import uuid
from pathlib import Path

import duckdb
import pytest

from accord.validate import validate
from accord.validate.bytescan import BOM, ScanRequest, scan_bytes
from conftest import copy_package, needs_spark, run_accord
from differential_helpers import CASES, FIXTURES, handed_off

pytestmark = needs_spark()
EVERYDAY = {"valid", "type-error", "foreign-key"}
# why a table at a URL is refused where the DuckDB engine reads a local file itself: these need a
# local copy of the whole file (accord.spark.files)
NEEDS_A_COPY = ("empty lines", "encoding is", "compressed", "U+FFFD")


@pytest.fixture
def cluster(tmp_path):
    """(a local folder, the viewfs:// URL Spark reads it at)."""
    from accord.spark.session import session

    authority = f"accord{uuid.uuid4().hex[:12]}"
    folder = tmp_path / "cluster"
    folder.mkdir()
    session().sparkContext._jsc.hadoopConfiguration().set(f"fs.viewfs.mounttable.{authority}.link./data", folder.as_uri())
    return folder, f"viewfs://{authority}/data"


def on_cluster(package: Path, cluster: tuple[Path, str], target: Path) -> Path:
    """The package with its resource files moved to the cluster: the descriptor (in target) names
    each by URL; everything else (checks/, sources/ ...) stays beside the descriptor."""
    folder, url = cluster
    package = package if package.is_dir() else package.parent
    shutil.copytree(package, target)
    descriptor = json.loads((target / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        path = resource.get("path")
        if isinstance(path, str) and (target / path).is_file():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).rename(folder / path)
            resource["path"] = f"{url}/{path}"
    (target / "datapackage.json").write_text(json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8")
    return target


def by_table(report) -> dict[str, set[tuple]]:
    found: dict[str, set[tuple]] = {}
    for error in report.all_errors():
        found.setdefault(error.table, set()).add(error.key())
    return found


@pytest.mark.parametrize("case", [pytest.param(c, marks=() if c in EVERYDAY else pytest.mark.slow) for c in CASES])
def test_tables_at_urls_give_the_errors_of_local_files(case, cluster, tmp_path):
    """Each table Spark reads at a URL has exactly the DuckDB engine's errors on the local file;
    a table it cannot read as frictionless would is an unreadable error with the reason, never
    handed to frictionless (which cannot read the URL) and never passed."""
    local = validate(FIXTURES / case, engine="duckdb")
    remote = validate(on_cluster(FIXTURES / case, cluster, tmp_path / "package"), engine="spark", trusted=True)
    assert not handed_off(remote)
    local_errors, remote_errors = by_table(local), by_table(remote)
    local_handed_off = {n.split(":")[0] for n in handed_off(local)}
    read = 0
    for task in remote.tasks:
        refused = [e for e in task.errors if e.code == "engine-error"]
        if refused:
            (error,) = refused
            assert task.table in local_handed_off or any(r in error.message for r in NEEDS_A_COPY), error.message
            assert error.message.startswith("viewfs://")
            continue
        read += 1
        assert remote_errors.get(task.table, set()) == local_errors.get(task.table, set()), task.table
        assert task.path.startswith("viewfs://") and task.engine == "spark"
    if case in EVERYDAY:
        assert read == len(remote.tasks) and remote.status == local.status


def test_the_scan_of_lines_equals_the_byte_scan(tmp_path):
    """The byte scan's findings (lone CR, empty lines, line breaks, spaces beside quotes), made by
    Spark over the file's lines, equal accord.validate.bytescan's over its bytes, on files built
    of the pieces where they differ; with skipinitialspace the line pattern may find more spaces,
    never fewer."""
    from accord.spark.files import ClusterFiles
    from accord.spark.session import session

    files = ClusterFiles(session())
    pieces = [b"a", b",", b" ", b'"', b"\n", b"\r\n", b"\r", b"x y", b"\n\n"]
    rng = random.Random(7)
    contents = [b'a,b\n"x" ,2\n', b'a, "y"\n', b"\r", b"a\r", b"a\n\r", b"\r\r\n", BOM + b"\na\n", BOM + b' "a",b\n',
                b"a,b\n\n", b"a,b\r\n\r\n1,2", b'"a" \r\n', b'a,  "b"\n', b'a,"b" ,c']
    contents += [b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))) for _ in range(40)]
    for number, content in enumerate(contents):
        path = tmp_path / f"{number}.csv"
        path.write_bytes(content)
        for skip in (False, True):
            expected = scan_bytes(content, ScanRequest(path, b",", b'"', skip), file_start=True)
            found = files.scan(path.as_uri(), ",", '"', skip)
            assert (found.lone_carriage_return, found.empty_line, found.line_breaks) == (
                expected.lone_carriage_return, expected.empty_line, expected.line_breaks), content
            assert found.spaces_beside_quotes == expected.spaces_beside_quotes or (skip and found.spaces_beside_quotes), content


def test_a_url_needs_trusted_and_the_spark_engine(cluster, tmp_path):
    package = on_cluster(FIXTURES / "valid", cluster, tmp_path / "package")
    untrusted = run_accord("validate", package, "--engine", "spark")
    assert untrusted.exit_code == 2 and "is a URL; refused (use --trusted to allow)" in untrusted.stderr
    duck = run_accord("validate", package, "--trusted")
    assert duck.exit_code == 2 and "download it first or read it on a Spark cluster (--engine spark)" in duck.stderr
    assert len(duck.stderr.strip().splitlines()) == 1
    spark = run_accord("validate", package, "--engine", "spark", "--trusted", "--format", "json")
    assert spark.exit_code == 0, spark.stdout[-2000:]


def test_a_missing_file_at_a_url_is_unreadable(cluster, tmp_path):
    package = on_cluster(FIXTURES / "foreign-key", cluster, tmp_path / "package")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    gone = descriptor["resources"][0]
    (cluster[0] / gone["path"].split("/data/", 1)[1]).unlink()
    run = run_accord("validate", package, "--engine", "spark", "--trusted", "--format", "json")
    assert run.exit_code == 2, run.stdout[-2000:]
    task = next(t for t in json.loads(run.stdout)["tasks"] if t["table"] == gone["name"])
    assert [(e["code"], e["message"]) for e in task["errors"]] == [("scheme-error", f"{gone['path']}: no such file")]


def test_declared_bytes_and_hash_are_checked_through_spark(cluster, tmp_path):
    """A wrong declared size and hash give the DuckDB engine's errors on the local file; right ones pass."""
    package = on_cluster(FIXTURES / "valid", cluster, tmp_path / "package")
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    resource = descriptor["resources"][0]
    data = (cluster[0] / resource["path"].split("/data/", 1)[1]).read_bytes()
    for declared, expected in [({"bytes": len(data), "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}, set()),
                               ({"bytes": len(data) + 1, "hash": hashlib.md5(b"other").hexdigest()},
                                {"byte-count", "hash-count"})]:
        resource.update(declared)
        (package / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        report = validate(package, engine="spark", trusted=True)
        assert {e.code for e in report.all_errors()} == expected


def test_build_records_a_url_files_size_and_sha256(cluster, tmp_path):
    package = on_cluster(FIXTURES / "foreign-key", cluster, tmp_path / "package")
    database = tmp_path / "out" / "p.duckdb"
    run = run_accord("build", package, "--engine", "spark", "--trusted", "--db", database, "--force")
    assert run.exit_code == 0, run.stdout[-2000:] + run.stderr
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    expected = set()
    for resource in descriptor["resources"]:
        data = (cluster[0] / resource["path"].split("/data/", 1)[1]).read_bytes()
        expected.add((resource["name"], resource["path"], len(data), hashlib.sha256(data).hexdigest()))
    with duckdb.connect(str(database), read_only=True) as con:
        assert set(con.execute("SELECT * FROM accord_files").fetchall()) == expected


@pytest.mark.slow
def test_this_package_checked_on_spark_from_urls_as_on_duckdb_from_files(cluster, tmp_path):
    local = copy_package(tmp_path / "local", checks=True)
    remote = on_cluster(local.parent, cluster, tmp_path / "remote")
    on_duckdb = run_accord("check", local, "--format", "json")
    on_spark = run_accord("check", remote, "--engine", "spark", "--trusted", "--format", "json")
    assert (on_spark.exit_code, on_duckdb.exit_code) == (0, 0), on_spark.stdout[-3000:]
    outcome = {t["name"]: (t["status"], len(t["errors"])) for t in json.loads(on_duckdb.stdout)["tasks"]}
    spark_tasks = json.loads(on_spark.stdout)["tasks"]
    assert {t["name"]: (t["status"], len(t["errors"])) for t in spark_tasks} == outcome
    assert all(t["path"].startswith("viewfs://") for t in spark_tasks if t["kind"] == "validation")

"""What a built database says about itself: accord_metadata (the package, its version and
licences, the versions of accord and DuckDB, when it was built) and accord_files (each resource
file's path, bytes and sha256), and the text files the suites name (e.g. source_texts), so that
SQL can check an evidence quote against its offsets."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import os
from typing import Any

from accord.fsutil import file_digest
from accord.package import Package
from accord.sql import quote_identifier


def built_at() -> str:
    """Now, in UTC; or SOURCE_DATE_EPOCH where it is set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch and epoch.isdigit() else dt.datetime.now(dt.timezone.utc)
    return moment.replace(microsecond=0).isoformat()


def start_hashing(package: Package) -> concurrent.futures.Future:
    """The resource files' sizes and sha256, computed on a thread of their own (hashlib leaves
    Python's lock while it hashes), while the database is written."""
    def digests() -> list[tuple[str, str, int, str]]:
        found = []
        for resource in package.resources:
            for relpath, path in zip(resource.relpaths, resource.paths):
                found.append((resource.name, relpath, path.stat().st_size, file_digest(path)))
            if resource.location:
                found.append(cluster_file_row(resource))
        return found

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="accord-hash")
    future = pool.submit(digests)
    pool.shutdown(wait=False)
    return future


def cluster_file_row(resource: Any) -> tuple[str, str, int, str | None]:
    """A file at a Hadoop URL (the Spark engine read it): its size and sha256, computed by Spark;
    no sha256 for a file Spark cannot hash whole (over 2 GiB)."""
    from accord.spark.files import ClusterFiles, ClusterUnreadable
    from accord.spark.session import session

    files = ClusterFiles(session())
    try:
        digest = files.digest(resource.location, "sha256")
    except ClusterUnreadable:
        digest = None
    return resource.name, resource.location, files.size(resource.location), digest


METADATA_TABLES = ("accord_metadata", "accord_files")


def write_metadata(con: Any, package: Package, when: str, hashes: list[tuple[str, str, int, str]],
                   notes: list[str]) -> None:
    import duckdb

    taken = [name for name in METADATA_TABLES if name in {r.name for r in package.resources}]
    if taken:
        notes.append(f"no metadata tables: the package has a resource named {taken[0]!r}")
        return

    from accord import __version__

    descriptor = package.descriptor
    rows = [
        ("package", package.name),
        ("title", descriptor.get("title")),
        ("version", descriptor.get("version")),
        ("licenses", json.dumps(descriptor.get("licenses"), ensure_ascii=False, default=str) if descriptor.get("licenses") else None),
        ("built_at", when),
        ("built_with", f"accord {__version__}, DuckDB {duckdb.__version__}"),
    ]
    con.execute("CREATE TABLE accord_metadata (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.executemany("INSERT INTO accord_metadata VALUES (?, ?)", [(k, None if v is None else str(v)) for k, v in rows])
    con.execute("COMMENT ON TABLE accord_metadata IS 'The package this database was built from, and the build.'")
    con.execute("CREATE TABLE accord_files (resource VARCHAR, path VARCHAR, bytes BIGINT, sha256 VARCHAR)")
    if hashes:
        con.executemany("INSERT INTO accord_files VALUES (?, ?, ?, ?)", hashes)
    con.execute("COMMENT ON TABLE accord_files IS 'Each resource file the tables were read from: its size and SHA-256.'")


def write_text_files(con: Any, package: Package, tables: set[str], notes: list[str]) -> list[str]:
    """The text-file tables the package's suites declare (meta.text_files); the tables written."""
    from accord.check.database import text_file_rows
    from accord.check.suites import default_checks_dir, load_suites
    from accord.errors import PackageError

    try:
        specs = [s.text_files for s in load_suites(default_checks_dir(package.descriptor_path)) if s.text_files]
    except PackageError as exc:
        notes.append(f"no text-file tables: the suites cannot be read ({exc})")
        return []
    written = []
    for spec in specs:
        if spec.into in tables or spec.into in written or spec.source not in tables:
            continue
        into = quote_identifier(spec.into)
        con.execute(f"CREATE TABLE {into} ({quote_identifier(spec.key)} VARCHAR, path VARCHAR, text VARCHAR, "
                    "sha256 VARCHAR, error VARCHAR)")
        rows = text_file_rows(con, package, spec, quote_identifier(spec.source))
        if rows:
            con.executemany(f"INSERT INTO {into} VALUES (?, ?, ?, ?, ?)", rows)
        con.execute(f"COMMENT ON TABLE {into} IS "
                    f"'The files named in {spec.source}.{spec.path}: their text (UTF-8), sha256, and why one could not be read.'")
        written.append(spec.into)
    return written

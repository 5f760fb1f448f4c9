"""The database the suites run on: the package's typed tables, and the text files they cite.

Tables are loaded by accord.build.load_tables without integrity constraints (strict=False):
the suites must be able to look at data that breaks them. A suite may also ask, in its meta,
for text files named in a column to be loaded into a table of their own, so that rules can
compare quotes and checksums with the files in SQL:

    "meta": {"text_files": {"from": "sources", "key": "source_id", "path": "path",
                            "into": "source_texts"}}

gives source_texts(source_id, path, text, sha256, error): text is the file decoded as UTF-8
(NULL when it cannot be read, error says why), sha256 the hex digest of its bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.errors import DatabaseError, PackageError
from accord.package import Package, safe_path

CHECK_MEMORY_LIMIT = "1GB"  # per DuckDB connection, loading the tables and running the suites


@dataclass
class TextFiles:
    """Where a suite's text files are named: table `source`, key column, path column."""

    source: str
    key: str
    path: str
    into: str

    @classmethod
    def from_meta(cls, meta: Any, where: str) -> TextFiles:
        if not isinstance(meta, dict) or not all(isinstance(meta.get(k), str) and meta.get(k) for k in ("from", "key", "path", "into")):
            raise PackageError(f"{where}: meta.text_files needs the strings 'from', 'key', 'path' and 'into'")
        return cls(source=meta["from"], key=meta["key"], path=meta["path"], into=meta["into"])


@dataclass
class CheckDatabase:
    path: Path
    tables: dict[str, int]  # table -> rows, the package's tables and the text-file tables
    notes: list[str] = field(default_factory=list)


def build_check_database(
    package: Package, path: Path, text_files: list[TextFiles], columns: dict[str, set[str]] | None = None
) -> CheckDatabase:
    """Create the database at `path` (a new file); raises DatabaseError when a table cannot be loaded.
    columns: only these columns of each table (see accord.build.load_tables), or every one."""
    import duckdb

    from accord.build import load_tables, quote_identifier

    con = duckdb.connect(str(path))
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{CHECK_MEMORY_LIMIT}'")  # DuckDB spills to disk beyond it
        # a temporary database: written uncompressed it loads about 1.4x faster, for about 4x
        # the disk (some 4 GB with every column of 10M statements), freed when the check ends
        con.execute("SET force_compression = 'uncompressed'")
        loaded = load_tables(con, package, strict=False, columns=columns)
        tables = dict(loaded.rows)
        for spec in text_files:
            if spec.into in tables:
                continue
            rows = _read_text_files(con, package, spec)
            con.execute(
                f"CREATE TABLE {quote_identifier(spec.into)} ({quote_identifier(spec.key)} VARCHAR, "
                "path VARCHAR, text VARCHAR, sha256 VARCHAR, error VARCHAR)"
            )
            if rows:
                con.executemany(f"INSERT INTO {quote_identifier(spec.into)} VALUES (?, ?, ?, ?, ?)", rows)
            tables[spec.into] = len(rows)
    except duckdb.Error as exc:
        raise DatabaseError(f"{path.name}: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    return CheckDatabase(path=path, tables=tables, notes=list(loaded.notes))


def _read_text_files(con: Any, package: Package, spec: TextFiles) -> list[tuple]:
    from accord.build import quote_identifier

    try:
        found = con.execute(
            f"SELECT CAST({quote_identifier(spec.key)} AS VARCHAR), CAST({quote_identifier(spec.path)} AS VARCHAR) "
            f"FROM {quote_identifier(spec.source)} WHERE {quote_identifier(spec.path)} IS NOT NULL"
        ).fetchall()
    except Exception as exc:
        raise DatabaseError(f"text files from {spec.source}.{spec.path}: {str(exc).splitlines()[0]}") from exc
    where = f"{spec.source}.{spec.path}"
    return [(key, relpath, *_read_text(package, relpath, where)) for key, relpath in found]


def _read_text(package: Package, relpath: str, where: str) -> tuple[str | None, str | None, str | None]:
    """(text, sha256, error) of a file named relative to the descriptor, with the package's path rules."""
    try:
        path = safe_path(package.basepath, relpath, where, package.trusted)
        data = path.read_bytes()
    except PackageError as exc:
        return None, None, str(exc)
    except OSError as exc:
        return None, None, f"{relpath}: cannot read: {exc.strerror or exc}"
    digest = hashlib.sha256(data).hexdigest()
    try:
        return data.decode("utf-8"), digest, None
    except UnicodeDecodeError as exc:
        return None, digest, f"{relpath}: not UTF-8 text (byte {exc.start})"

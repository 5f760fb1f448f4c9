"""query: read-only SQL on the built database, inline, from a file, or named in queries/.

The database is opened read-only with file and network access disabled and the
configuration locked, so a query can neither write nor reach anything outside the
database; only one reading statement (SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE,
EXPLAIN, PRAGMA, CALL) runs at a time. This module must stay fast to import: no
frictionless, pandas or pyarrow here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from accord import limits
from accord.errors import DatabaseError, QueryRefused, UsageError
from accord.formats.rows import Rows
from accord.fsutil import finish_commit
from accord.package import load_package, package_file
from accord.sql import error_message, first_line, track

QUERIES_DIR = "queries"
QUERY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
READING_STATEMENTS = frozenset(
    {
        duckdb.StatementType.SELECT,
        duckdb.StatementType.EXPLAIN,
        duckdb.StatementType.PRAGMA,
        duckdb.StatementType.CALL,
    }
)
NO_FILES_OR_NETWORK = {"enable_external_access": False}
# DuckDB's messages when a statement would write or change settings on a locked, read-only database.
REFUSAL_MESSAGES = ("read-only mode", "configuration has been locked")


@dataclass
class NamedQuery:
    name: str
    path: Path
    description: str  # the first comment line of the file


def _package(package: str | Path | None):
    # Only the descriptor's name and folder are needed; no resource file is read.
    return load_package(package, trusted=True, resources=False)


def default_database(package: str | Path | None = None) -> Path:
    """build/<package-name>.duckdb for the package (default ./datapackage.json)."""
    from accord.build import default_database_path

    return default_database_path(_package(package))


def _description(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            stripped = line.strip()
            return stripped[2:].strip() if stripped.startswith("--") else ""
    return ""


def named_queries(package: str | Path | None = None) -> list[NamedQuery]:
    """The queries/<NAME>.sql files beside the descriptor, by name; a link out of the package folder is refused."""
    base = _package(package).basepath
    folder = base / QUERIES_DIR
    if not folder.is_dir():
        return []
    found = [p for p in sorted(folder.glob("*.sql")) if QUERY_NAME.fullmatch(p.stem)]
    return [
        NamedQuery(p.stem, package_file(base, p, f"{QUERIES_DIR}/{p.name}", trusted=False), _description(p))
        for p in found
    ]


def named_query_sql(name: str, package: str | Path | None = None) -> str:
    for query in named_queries(package):
        if query.name == name:
            return query.path.read_text(encoding="utf-8")
    raise UsageError(f"no named query {name!r} in {QUERIES_DIR}/ (see `accord query --list`)")


def sql_text(sql: str | None = None, file: str | Path | None = None, package: str | Path | None = None) -> str:
    """The SQL to run: given inline, read from file, or, for a bare NAME, queries/<NAME>.sql."""
    if (sql is None) == (file is None):
        raise UsageError("give SQL, a query NAME, or -f FILE (one of them)")
    if file is not None:
        try:
            return Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"{file}: cannot read: {exc}") from exc
    if QUERY_NAME.fullmatch(sql):
        return named_query_sql(sql, package)
    return sql


FETCH_ROWS = 50_000


def open_read_only(database: str | Path) -> duckdb.DuckDBPyConnection:
    """The database, read-only, with file and network access disabled and settings locked."""
    path = Path(database)
    finish_commit(path)  # a build killed between renaming the database and the Parquet folder
    if not path.is_file():
        raise DatabaseError(f"{path}: no such database; run `accord build` first")
    try:
        con = duckdb.connect(str(path), read_only=True, config=NO_FILES_OR_NETWORK)
    except duckdb.Error as exc:
        raise DatabaseError(f"{path}: cannot open: {first_line(exc)}") from exc
    # DuckDB draws a progress bar on stdout for long queries, even into a pipe; then no query may
    # change a setting again.
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = '{limits.current.duckdb_memory()}'")  # a share of --memory-limit
    con.execute("SET lock_configuration = true")
    return track(con)


def run_query(sql: str, database: str | Path) -> Rows:
    """Run one reading statement; refusals raise QueryRefused, SQL errors DatabaseError."""
    con = open_read_only(database)
    try:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise DatabaseError(error_message(exc)) from exc
        if len(statements) != 1:
            raise UsageError(f"give exactly one SQL statement (found {len(statements)})")
        kind = statements[0].type
        if kind not in READING_STATEMENTS:
            raise QueryRefused(f"refused: {kind.name} statements cannot run; queries only read the database")
        try:
            cursor = con.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            rows = []
            while columns:  # in batches: a stop at --timeout or --memory-limit takes effect between them
                batch = cursor.fetchmany(FETCH_ROWS)
                rows.extend(batch)
                if len(batch) < FETCH_ROWS:
                    break
        except duckdb.PermissionException as exc:
            raise QueryRefused(f"refused: {first_line(exc)}") from exc
        except duckdb.Error as exc:
            message = error_message(exc)
            if any(m in message for m in REFUSAL_MESSAGES):
                raise QueryRefused(f"refused: {first_line(exc)}") from exc
            raise DatabaseError(message) from exc
        return Rows(columns=columns, rows=rows)
    finally:
        con.close()

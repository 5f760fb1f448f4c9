"""The database the suites run on: the tables validation loaded, and the text files they cite.

The tables are copied from the validation's DuckDB connection (what validation read, with
NULL where a cell is not of its field's type: no integrity constraints, so the suites can look
at data that breaks them) into a file Great Expectations opens. A suite may also ask, in its
meta, for text files named in a column to be loaded into a table of their own, so that rules
can compare quotes and checksums with the files in SQL:

    "meta": {"text_files": {"from": "sources", "key": "source_id", "path": "path",
                            "into": "source_texts"}}

gives source_texts(source_id, path, text, sha256, error): text is the file decoded as UTF-8
(NULL when it cannot be read, error says why), sha256 the hex digest of its bytes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.errors import DatabaseError, PackageError
from accord.package import Package, safe_path
from accord.sql import first_line, quote_identifier, quote_literal
from accord.validate import Validation

CHECK_DATABASE = "accord_check"  # the catalog the check database is written through


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
    sql_names: dict[str, str] = field(default_factory=dict)  # table -> its name in the database

    def sql_name(self, table: str) -> str:
        return self.sql_names.get(table, table)


PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def sql_name(table: str, index: int) -> str:
    """A table's name in the check database: its own when SQL can write it bare, else a plain
    one (Great Expectations puts a batch's table name into its SQL unquoted: a name holding
    '-', a space or a non-ASCII letter would break every rule on it)."""
    if PLAIN_NAME.fullmatch(table):
        return table
    slug = re.sub(r"[^A-Za-z0-9]+", "_", table).strip("_")[:40]
    return f"accord_table_{index}_{slug}".rstrip("_")


def write_check_database(run: Validation, path: Path, text_files: list[TextFiles]) -> CheckDatabase:
    """Copy the loaded tables, and the text-file tables, into a new database file at `path` (in a
    folder the validation may write into); raises DatabaseError when that fails."""
    con = run.con
    tables: dict[str, int] = {}
    names = {name: sql_name(name, index) for index, name in enumerate([*run.tables, *(s.into for s in text_files)])}
    con.execute(f"ATTACH {quote_literal(path)} AS {CHECK_DATABASE}")
    try:
        con.execute(f"USE {CHECK_DATABASE}")
        for table in run.tables.values():
            if not table.fields:
                continue  # no rule reads it
            columns = ", ".join(quote_identifier(f.name) for f in table.fields)
            con.execute(f"CREATE TABLE {quote_identifier(names[table.name])} AS SELECT {columns} FROM {table.relation} AS loaded")
            tables[table.name] = table.rows or 0
        for spec in text_files:
            if spec.into in tables:
                continue
            rows = text_file_rows(con, run.package, spec, quote_identifier(names.get(spec.source, spec.source)))
            into = quote_identifier(names[spec.into])
            con.execute(f"CREATE TABLE {into} ({quote_identifier(spec.key)} VARCHAR, "
                        "path VARCHAR, text VARCHAR, sha256 VARCHAR, error VARCHAR)")
            if rows:
                con.executemany(f"INSERT INTO {into} VALUES (?, ?, ?, ?, ?)", rows)
            tables[spec.into] = len(rows)
        for name, plain in names.items():
            if plain != name and name in tables:  # suites' own SQL may name the table, quoted
                con.execute(f"CREATE VIEW {quote_identifier(name)} AS SELECT * FROM {quote_identifier(plain)}")
    except Exception as exc:
        raise DatabaseError(f"{path.name}: {first_line(exc)}") from exc
    finally:
        con.execute("USE memory")
        con.execute(f"DETACH {CHECK_DATABASE}")
    return CheckDatabase(path=path, tables=tables, sql_names=names)


def text_file_rows(con: Any, package: Package, spec: TextFiles, source: str) -> list[tuple]:
    """(key, path, text, sha256, error) of each file named in `source` (a relation, as SQL)."""
    try:
        found = con.execute(
            f"SELECT CAST({quote_identifier(spec.key)} AS VARCHAR), CAST({quote_identifier(spec.path)} AS VARCHAR) "
            f"FROM {source} WHERE {quote_identifier(spec.path)} IS NOT NULL"
        ).fetchall()
    except Exception as exc:
        raise DatabaseError(f"text files from {spec.source}.{spec.path}: {first_line(exc)}") from exc
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

"""build: a typed DuckDB database (constraints, enums, comments, views) and Parquet files.

Data is read with DuckDB's read_csv as text (all VARCHAR) and cast in SQL, so the same rules
as the Table Schema apply: missingValues become NULL, booleans honour trueValues/falseValues,
lists are split on their delimiter. Table Schema type -> DuckDB type:

    string     VARCHAR, or an ENUM type named <table>_<field> when it has an enum constraint
    integer    BIGINT
    number     DOUBLE: the schema declares no precision or scale, so DECIMAL would need a guess,
               and DECIMAL cannot hold the NaN and INF that Table Schema numbers allow
    boolean    BOOLEAN
    date       DATE
    datetime   TIMESTAMP, in UTC: a value with an offset (Z, +02:00) is converted to UTC
    time       TIME
    year       INTEGER
    list       <item type>[], split on the field's delimiter (default ",")
    object, array, geojson   JSON
    others     VARCHAR (yearmonth, duration, geopoint, any)

Constraints: required -> NOT NULL, unique -> UNIQUE, primaryKey -> PRIMARY KEY, uniqueKeys ->
UNIQUE (...), foreignKeys -> FOREIGN KEY, with tables created parents first. DuckDB checks a
foreign key against rows already in the table, so a table cannot reference rows inserted in
the same statement: self-referencing foreign keys are therefore not declared (validation
enforces them; DuckDB's EXPORT DATABASE also refuses them). Foreign keys DuckDB cannot hold
(to fields that are not a key, between different types, closing a cycle of tables) are not
declared either; BuildResult.notes says which.

Reading: DuckDB's CSV reader is strict about quoting and line endings; a file it refuses
(mixed CRLF and LF line endings, an unterminated quote that Python's csv module reads to the
end of the file) is read by frictionless instead, as validation read it, and rewritten as plain
CSV for DuckDB. A strict build then checks that every table holds as many rows as validation
read, so no row is silently lost.

Views: every views/*.sql beside datapackage.json, in name order, holding CREATE VIEW
statements; they run with file and network access disabled, so a package cannot use them
to read or write outside the database.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import re
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from accord.errors import DatabaseError, InvalidData, PackageError, UsageError
from accord.fsutil import atomic_directory, atomic_path
from accord.package import Package, Resource, load_package, package_file
from accord.render import location, shorten
from accord.report import Error

BUILD_DIR = Path("build")
VIEWS_DIR = "views"

SCALAR_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "time": "TIME",
    "year": "INTEGER",
    "object": "JSON",
    "array": "JSON",
    "geojson": "JSON",
}
DEFAULT_TRUE_VALUES = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE_VALUES = ["false", "False", "FALSE", "0"]
DUCKDB_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "iso8859-1": "latin-1",
    "utf-16": "utf-16",
}
COMPRESSION_SUFFIXES = {".gz", ".zst"}
# frictionless reads cells of up to 2 GiB (csv.field_size_limit); DuckDB's default of 2 MB per
# line would refuse a long line that validated: read_csv_rows raises it to this when needed.
MAX_LINE_SIZE = 2**31 - 1
# A datetime that ends in a UTC offset: "...10:00:00Z", "...10:00+02:00", "...10:00:00.5-0300".
OFFSET_PATTERN = r"\d:\d\d(:\d\d(\.\d*)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$"
LEADING_COMMENTS = re.compile(r"^(\s+|--[^\n]*(\n|$)|/\*.*?\*/)*", re.DOTALL)
CREATE_VIEW = re.compile(r"CREATE\s+(OR\s+REPLACE\s+)?VIEW\b", re.IGNORECASE)


@dataclass
class LoadResult:
    rows: dict[str, int]  # table name -> rows loaded, in creation order
    notes: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    database: Path
    tables: dict[str, int]  # table name -> rows
    views: list[str]
    parquet_files: list[Path]
    seconds: float
    notes: list[str] = field(default_factory=list)


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def default_database_path(package: Package) -> Path:
    """build/<package-name>.duckdb, relative to the current folder."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", package.name).strip(".-") or "package"
    return BUILD_DIR / f"{name}.duckdb"


def enum_type_name(resource: Resource, field_: dict[str, Any]) -> str:
    return f"{resource.name}_{field_['name']}"


def _enum_values(field_: dict[str, Any]) -> list[str] | None:
    if field_.get("type", "string") != "string":
        return None
    values = (field_.get("constraints") or {}).get("enum")
    if not values:
        return None
    return list(dict.fromkeys(str(v) for v in values))


def column_type(resource: Resource, field_: dict[str, Any]) -> str:
    """The DuckDB type of a Table Schema field (see the module docstring)."""
    if _enum_values(field_):
        return quote_identifier(enum_type_name(resource, field_))
    type_ = field_.get("type", "string")
    if type_ == "list":
        item_type = field_.get("itemType", "string")
        return (SCALAR_TYPES.get(item_type, "VARCHAR") if isinstance(item_type, str) else "VARCHAR") + "[]"
    # a type that is not text (invalid: validation says so) is described, by info, as VARCHAR
    return SCALAR_TYPES.get(type_, "VARCHAR") if isinstance(type_, str) else "VARCHAR"


def _csv_options(resource: Resource) -> dict[str, Any]:
    # Frictionless v5 nests CSV options under "csv"; the v1 CSV Dialect has them at the top.
    dialect = {**resource.dialect, **(resource.dialect.get("csv") or {})}
    suffixes = [s.lower() for s in Path(resource.relpath).suffixes if s.lower() not in COMPRESSION_SUFFIXES]
    declared = resource.descriptor.get("format")
    fmt = (declared if isinstance(declared, str) and declared else (suffixes[-1][1:] if suffixes else "")).lower()
    if fmt not in ("csv", "tsv"):
        raise PackageError(
            f"resource {resource.name!r}: format {fmt or 'unknown'!r} cannot be built (only CSV and TSV)"
        )
    encoding = DUCKDB_ENCODINGS.get(resource.encoding)
    if encoding is None:
        raise PackageError(f"resource {resource.name!r}: encoding {resource.encoding!r} is not supported by DuckDB")
    quote = dialect.get("quoteChar", '"')
    options = {
        "header": bool(dialect.get("header", True)),
        "delim": dialect.get("delimiter", "\t" if fmt == "tsv" else ","),
        "quote": quote,
        "escape": dialect.get("escapeChar") or quote,
        "encoding": encoding,
    }
    if dialect.get("commentChar"):
        options["comment"] = dialect["commentChar"]
    return options


def _option_literal(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, int) else quote_literal(value)


def read_csv_sql(resource: Resource, lenient: bool = False, parallel: bool = True, long_lines: bool = False) -> str:
    """A read_csv(...) call giving every field of the resource as text, NULL only for absent cells.

    lenient pads short rows and ignores extra cells (for data known to be invalid). DuckDB
    cannot pad rows in parallel where quoted cells hold line breaks, and refuses lines longer
    than 2 MB unless told (its read buffers then grow to the file's size): read_csv_rows
    retries as the file requires.
    """
    if not resource.fields:
        raise PackageError(f"resource {resource.name!r}: has no schema fields to build a table from")
    columns = ", ".join(f"{quote_literal(f['name'])}: 'VARCHAR'" for f in resource.fields)
    options = {**_csv_options(resource), "auto_detect": False, "allow_quoted_nulls": False}
    if long_lines:
        options["max_line_size"] = MAX_LINE_SIZE
    if lenient:
        options.update(null_padding=True, strict_mode=False, parallel=parallel)
    rendered = ", ".join(f"{key}={_option_literal(value)}" for key, value in options.items())
    return f"read_csv({quote_literal(resource.path)}, columns={{{columns}}}, {rendered})"


def _number_text(field_: dict[str, Any], text: str, integer: bool) -> str:
    if field_.get("groupChar"):
        text = f"replace({text}, {quote_literal(field_['groupChar'])}, '')"
    if field_.get("decimalChar", ".") != ".":
        text = f"replace({text}, {quote_literal(field_['decimalChar'])}, '.')"
    if field_.get("bareNumber", True) is False:
        pattern = r"[-+]?\d+" if integer else r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?"
        text = f"regexp_extract({text}, {quote_literal(pattern)})"
    return text


def _scalar_cast(field_: dict[str, Any], type_: str, text: str, strict: bool) -> str:
    """SQL turning the non-missing cell text into the field's DuckDB type."""
    cast = "CAST" if strict else "TRY_CAST"
    strptime = "strptime" if strict else "try_strptime"
    fmt = field_.get("format") or "default"
    pattern = fmt if fmt not in ("default", "any") else None
    if type_ in ("integer", "number"):
        return f"{cast}({_number_text(field_, text, type_ == 'integer')} AS {SCALAR_TYPES[type_]})"
    if type_ == "boolean":
        trues = ", ".join(map(quote_literal, field_.get("trueValues", DEFAULT_TRUE_VALUES)))
        falses = ", ".join(map(quote_literal, field_.get("falseValues", DEFAULT_FALSE_VALUES)))
        otherwise = f"error('not a boolean: ' || {text})" if strict else "NULL"
        return f"CASE WHEN {text} IN ({trues}) THEN true WHEN {text} IN ({falses}) THEN false ELSE {otherwise} END"
    if type_ in ("date", "time"):
        if pattern:
            return f"CAST({strptime}({text}, {quote_literal(pattern)}) AS {SCALAR_TYPES[type_]})"
        return f"{cast}({text} AS {SCALAR_TYPES[type_]})"
    if type_ == "datetime":
        if pattern:
            parsed = f"{strptime}({text}, {quote_literal(pattern)})"
            return f"timezone('UTC', {parsed})" if "%z" in pattern or "%Z" in pattern else parsed
        return (
            f"CASE WHEN regexp_matches({text}, {quote_literal(OFFSET_PATTERN)}) "
            f"THEN timezone('UTC', {cast}({text} AS TIMESTAMPTZ)) ELSE {cast}({text} AS TIMESTAMP) END"
        )
    if type_ in SCALAR_TYPES and SCALAR_TYPES[type_] != "VARCHAR":
        return f"{cast}({text} AS {SCALAR_TYPES[type_]})"
    return text


def cast_sql(resource: Resource, field_: dict[str, Any], strict: bool = True) -> str:
    """SQL for one typed column, from the text column of the same name (NULL when absent)."""
    text = f"coalesce({quote_identifier(field_['name'])}, '')"
    missing = field_.get("missingValues", resource.schema.get("missingValues", [""]))
    type_ = field_.get("type", "string")
    cast = "CAST" if strict else "TRY_CAST"
    if _enum_values(field_):
        typed = f"{cast}({text} AS {column_type(resource, field_)})"
    elif type_ == "list":
        items = f"string_split({text}, {quote_literal(field_.get('delimiter', ','))})"
        item_type = field_.get("itemType", "string")
        item_cast = _scalar_cast(field_, item_type, "item", strict)
        typed = items if item_cast == "item" else f"list_transform({items}, lambda item: {item_cast})"
    else:
        typed = _scalar_cast(field_, type_, text, strict)
    if not missing:
        return typed
    return f"CASE WHEN {text} IN ({', '.join(map(quote_literal, missing))}) THEN NULL ELSE {typed} END"


def _comment(descriptor: dict[str, Any]) -> str | None:
    parts = [descriptor[k] for k in ("title", "description") if isinstance(descriptor.get(k), str) and descriptor[k]]
    return " — ".join(parts) or None


def _unique_keys(resource: Resource) -> list[list[str]]:
    keys = [[f["name"]] for f in resource.fields if (f.get("constraints") or {}).get("unique")]
    for key in resource.schema.get("uniqueKeys") or []:
        keys.append([key] if isinstance(key, str) else list(key))
    return keys


def _creation_order(package: Package) -> list[Resource]:
    """Referenced tables before the tables that reference them.

    When every remaining table waits for another, they wait in a cycle: it is broken at the
    table in a cycle with the fewest foreign keys to tables not yet created (those keys
    cannot be declared), the first in the descriptor on a tie.
    """
    remaining = {r.name: r for r in package.resources}

    def waits_for(resource: Resource) -> list[str]:
        return [
            fk["resource"]
            for fk in resource.foreign_keys
            if fk["resource"] != resource.name and fk["resource"] in remaining
        ]

    def in_cycle(resource: Resource) -> bool:
        seen, stack = set(), waits_for(resource)
        while stack:
            name = stack.pop()
            if name == resource.name:
                return True
            if name not in seen:
                seen.add(name)
                stack.extend(waits_for(remaining[name]))
        return False

    order = []
    while remaining:
        free = [r for r in remaining.values() if not waits_for(r)]
        if free:
            ready = free[0]
        else:
            ready = min((r for r in remaining.values() if in_cycle(r)), key=lambda r: len(waits_for(r)))
        order.append(ready)
        del remaining[ready.name]
    return order


def _undeclarable_reason(package: Package, resource: Resource, fk: dict[str, Any], created: set[str]) -> str | None:
    """Why DuckDB cannot hold this foreign key, or None when it can."""
    if fk["resource"] == resource.name:
        return "a self-reference; DuckDB checks it against rows already inserted"
    if fk["resource"] not in created:
        return f"{fk['resource']!r} is created later, in a cycle of references"
    target = package.resource(fk["resource"])
    if fk["reference_fields"] != target.primary_key and fk["reference_fields"] not in _unique_keys(target):
        return f"the referenced fields are not the primary key or a unique key of {target.name!r}"
    own = {f["name"]: f for f in resource.fields}
    theirs = {f["name"]: f for f in target.fields}
    for name, ref in zip(fk["fields"], fk["reference_fields"], strict=False):
        if name not in own or ref not in theirs:
            return "a field it names does not exist"
        if column_type(resource, own[name]) != column_type(target, theirs[ref]):
            return f"{name!r} and {target.name}.{ref} have different DuckDB types"
    return None


def _kept_fields(resource: Resource, columns: dict[str, set[str]] | None) -> list[dict[str, Any]]:
    if columns is None:
        return resource.fields
    wanted = columns.get(resource.name, set()) | set(resource.primary_key)
    return [f for f in resource.fields if f["name"] in wanted] or resource.fields[:1]


def _create_table_sql(
    package: Package, resource: Resource, fields: list[dict[str, Any]], created: set[str], strict: bool, notes: list[str]
) -> str:
    primary_key = resource.primary_key if strict else []
    lines = []
    for field_ in fields:
        line = f"{quote_identifier(field_['name'])} {column_type(resource, field_)}"
        constraints = field_.get("constraints") or {}
        if strict and constraints.get("required") and field_["name"] not in primary_key:
            line += " NOT NULL"
        lines.append(line)
    if primary_key:
        lines.append(f"PRIMARY KEY ({', '.join(map(quote_identifier, primary_key))})")
    if strict:
        for key in _unique_keys(resource):
            if key != primary_key:
                lines.append(f"UNIQUE ({', '.join(map(quote_identifier, key))})")
        for fk in resource.foreign_keys:
            reason = _undeclarable_reason(package, resource, fk, created)
            described = (
                f"{resource.name}({', '.join(fk['fields'])}) -> {fk['resource']}({', '.join(fk['reference_fields'])})"
            )
            if reason:
                notes.append(f"foreign key {described} is not declared in DuckDB ({reason}); validation enforces it")
                continue
            lines.append(
                f"FOREIGN KEY ({', '.join(map(quote_identifier, fk['fields']))}) "
                f"REFERENCES {quote_identifier(fk['resource'])} "
                f"({', '.join(map(quote_identifier, fk['reference_fields']))})"
            )
    return f"CREATE TABLE {quote_identifier(resource.name)} (\n  " + ",\n  ".join(lines) + "\n)"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_csv_rows(con: duckdb.DuckDBPyConnection, query: str, resource: Resource, lenient: bool) -> Any:
    """Run `query` ending in FROM, followed by the read_csv call, and fetch one row. First in
    parallel with DuckDB's usual buffers; again with room for long lines when a line is longer
    than 2 MB, and on one thread when a lenient read meets quoted line breaks."""
    parallel, long_lines = True, False
    while True:
        try:
            return con.execute(query + read_csv_sql(resource, lenient, parallel, long_lines)).fetchone()
        except duckdb.Error as exc:
            if not long_lines and "Maximum line size" in str(exc):
                long_lines = True
            elif lenient and parallel and "quoted new lines" in str(exc):
                parallel = False
            else:
                raise


def _duckdb_reads(con: duckdb.DuckDBPyConnection, resource: Resource, lenient: bool) -> bool:
    try:
        read_csv_rows(con, "SELECT count(*) FROM ", resource, lenient)
    except duckdb.Error:
        return False
    return True


@contextlib.contextmanager
def _plain_csv_copy(package: Package, resource: Resource):
    """The table as frictionless reads it (the reference reader), rewritten as plain UTF-8 CSV in a
    temporary folder: for a file DuckDB's reader refuses. Yields a Resource pointing at the copy."""
    from frictionless import FrictionlessException, system
    from frictionless import Package as FrictionlessPackage

    width = len(resource.fields)
    with tempfile.TemporaryDirectory(prefix="accord-build-") as folder:
        path = Path(folder) / "table.csv"
        try:
            with system.use_context(trusted=package.trusted):
                fresource = FrictionlessPackage(str(package.descriptor_path)).get_resource(resource.name)
                with fresource, path.open("w", encoding="utf-8", newline="") as out:
                    writer = csv.writer(out, lineterminator="\n")
                    writer.writerow(resource.field_names)
                    for row in fresource.row_stream:
                        cells = ["" if cell is None else str(cell) for cell in row.cells[:width]]
                        writer.writerow(cells + [""] * (width - len(cells)))
        except FrictionlessException as exc:
            raise PackageError(f"{resource.relpath}: cannot be read: {exc.error.message}") from exc
        yield dataclasses.replace(
            resource, path=path, dialect={}, encoding="utf-8", descriptor={**resource.descriptor, "format": "csv"}
        )


def load_tables(
    con: duckdb.DuckDBPyConnection, package: Package, strict: bool = True, columns: dict[str, set[str]] | None = None
) -> LoadResult:
    """Create and fill one typed table per resource in an empty database.

    strict (for valid data) declares NOT NULL, UNIQUE, primary and foreign keys and fails on a
    cell that does not cast; strict=False (for data that may be invalid, e.g. before running
    expectations on it) declares no integrity constraints and turns such cells into NULL.
    Enum types and comments are created either way. columns (with strict=False) keeps only
    the named columns of each table, and its primary key (or its first column): storing
    long text no one reads is most of the cost of loading a wide table.
    """
    if columns is not None and strict:
        raise ValueError("columns: only a lenient load may leave columns out")
    notes: list[str] = []
    rows: dict[str, int] = {}
    created: set[str] = set()
    for resource in _creation_order(package):
        where = f"table {resource.name!r}"
        try:
            for field_ in resource.fields:
                values = _enum_values(field_)
                if values:
                    con.execute(
                        f"CREATE TYPE {quote_identifier(enum_type_name(resource, field_))} "
                        f"AS ENUM ({', '.join(map(quote_literal, values))})"
                    )
            fields = _kept_fields(resource, columns)
            con.execute(_create_table_sql(package, resource, fields, created, strict, notes))
            table = quote_identifier(resource.name)
            comment = _comment(resource.descriptor)
            if comment:
                con.execute(f"COMMENT ON TABLE {table} IS {quote_literal(comment)}")
            for field_ in fields:
                comment = _comment(field_)
                if comment:
                    con.execute(
                        f"COMMENT ON COLUMN {table}.{quote_identifier(field_['name'])} IS {quote_literal(comment)}"
                    )
            casts = ", ".join(cast_sql(resource, f, strict) for f in fields)
            insert = f"INSERT INTO {table} SELECT {casts} FROM "
            try:
                inserted = read_csv_rows(con, insert, resource, lenient=not strict)
            except duckdb.Error:
                if _duckdb_reads(con, resource, lenient=not strict):
                    raise  # the file reads: the error is in the data or the casts
                with _plain_csv_copy(package, resource) as copy:
                    inserted = read_csv_rows(con, insert, copy, lenient=not strict)
                notes.append(f"{where}: DuckDB's CSV reader refused {resource.relpath}; frictionless read it instead")
        except duckdb.Error as exc:
            raise DatabaseError(f"{where}: {_first_line(exc)}") from exc
        rows[resource.name] = inserted[0] if inserted else 0
        created.add(resource.name)
    return LoadResult(rows=rows, notes=notes)


def _parquet_metadata(resource: Resource) -> str:
    """A DuckDB KV_METADATA struct: the Table Schema as JSON, and each field's description."""
    entries = {"table_schema": json.dumps(resource.schema, ensure_ascii=False)}
    for key in ("title", "description"):
        if isinstance(resource.descriptor.get(key), str):
            entries[key] = resource.descriptor[key]
    for field_ in resource.fields:
        if isinstance(field_.get("description"), str):
            entries[f"description:{field_['name']}"] = field_["description"]
    return "{" + ", ".join(f"{quote_literal(k)}: {quote_literal(v)}" for k, v in entries.items()) + "}"


def export_parquet(con: duckdb.DuckDBPyConnection, package: Package, directory: Path) -> list[Path]:
    """Write <table>.parquet for every resource into directory; returns the files written."""
    files = []
    for resource in package.resources:
        target = directory / f"{resource.name}.parquet"
        try:
            con.execute(
                f"COPY {quote_identifier(resource.name)} TO {quote_literal(target)} "
                f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {_parquet_metadata(resource)})"
            )
        except duckdb.Error as exc:
            raise DatabaseError(f"{target.name}: {_first_line(exc)}") from exc
        files.append(target)
    return files


def view_files(package: Package) -> list[Path]:
    """views/*.sql in name order; a link out of the package folder is refused (unless trusted)."""
    folder = package.basepath / VIEWS_DIR
    found = sorted(folder.glob("*.sql")) if folder.is_dir() else []
    return [package_file(package.basepath, p, f"{VIEWS_DIR}/{p.name}", package.trusted) for p in found]


def apply_views(con: duckdb.DuckDBPyConnection, package: Package) -> list[str]:
    """Run views/*.sql in name order; every statement must be CREATE [OR REPLACE] VIEW."""
    for path in view_files(package):
        where = f"{VIEWS_DIR}/{path.name}"
        try:
            sql = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PackageError(f"{where}: cannot read: {exc}") from exc
        try:
            for statement in con.extract_statements(sql):
                text = LEADING_COMMENTS.sub("", statement.query, count=1)
                if not CREATE_VIEW.match(text):
                    found = (text.splitlines() or [""])[0][:60]
                    raise PackageError(f"{where}: only CREATE VIEW statements are allowed, found: {found}")
                con.execute(statement.query)
        except duckdb.Error as exc:
            raise DatabaseError(f"{where}: {_first_line(exc)}") from exc
    found = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary ORDER BY view_name"
    ).fetchall()
    return [name for (name,) in found]


def _check_replaceable(directory: Path, database: Path) -> None:
    """Refuse to swap out a folder that holds the database or anything but Parquet files (it is not ours)."""
    if directory.resolve() in database.resolve().parents:
        raise UsageError(f"{directory}: the Parquet folder cannot hold the database; choose another --parquet-dir")
    if not directory.exists():
        return
    if not directory.is_dir():
        raise UsageError(f"{directory}: exists and is not a folder; choose another --parquet-dir")
    foreign = [p.name for p in directory.iterdir() if p.suffix != ".parquet" or not p.is_file()]
    if foreign:
        raise UsageError(
            f"{directory}: holds {foreign[0]!r}, not only .parquet files; "
            "refusing to replace it (choose another --parquet-dir)"
        )


def _describe(error: Error) -> str:
    where = location(error)
    message = shorten(" ".join(error.message.split()))
    return f"{where + ': ' if where else ''}{error.code}: {message}"


def _hold_signals():
    """Hold SIGINT and SIGTERM until the returned function is called, which then delivers them.

    Python runs signal handlers in the main thread, so a handler that only notes the signal holds
    it whichever thread the system gave it to (a thread signal mask would not: DuckDB has threads).
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    held: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: held.append(signum))
                for signum in (signal.SIGINT, signal.SIGTERM)}

    def release() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in held:
            signal.raise_signal(signum)

    return release


def _check_row_counts(loaded: dict[str, int], report) -> None:
    """Refuse a build that holds fewer or more rows than validation read: DuckDB and the validator
    must read the same file the same way."""
    for task in report.tasks:
        expected = task.stats.get("rows")
        if task.table in loaded and isinstance(expected, int) and loaded[task.table] != expected:
            raise DatabaseError(
                f"table {task.table!r}: DuckDB read {loaded[task.table]} rows where validation read {expected}; "
                "not built (please report this file)"
            )


def build_database(
    package: str | Path | Package | None = None,
    db_path: str | Path | None = None,
    parquet_dir: str | Path | None = None,
    force: bool = False,
    engine: str = "duckdb",
    trusted: bool = False,
) -> BuildResult:
    """Validate, then build the database and the Parquet files; nothing is replaced unless all succeed.

    Invalid data raises InvalidData unless force, which builds without integrity constraints
    (cells that do not cast become NULL). A package that cannot be read raises PackageError.
    """
    started = time.perf_counter()
    package = package if isinstance(package, Package) else load_package(package, trusted=trusted)
    view_files(package)  # refuse a views/ file that cannot be read before any work
    from accord.validate import validate

    report = validate(package, engine=engine)
    errors = [e for e in report.all_errors() if e.severity == "error"]
    notes = []
    if errors:
        summary = f"{len(errors)} error{'s' if len(errors) != 1 else ''}; first: {_describe(errors[0])}"
        if report.exit_code == 2:
            raise PackageError(f"{package.name}: the package cannot be read: {summary}")
        if not force:
            raise InvalidData(
                f"{package.name} is invalid, not built: {summary} (see `accord validate`; --force builds anyway)"
            )
        notes.append(
            f"built from invalid data (--force, {summary}): "
            "no keys or NOT NULL declared; cells that do not cast are NULL"
        )
    db_path = Path(db_path) if db_path else default_database_path(package)
    parquet_dir = Path(parquet_dir) if parquet_dir else db_path.parent / "parquet"
    _check_replaceable(parquet_dir, db_path)
    release_signals = None
    try:
        with atomic_path(db_path) as tmp_db, atomic_directory(parquet_dir) as tmp_parquet:
            try:
                con = duckdb.connect(str(tmp_db))
            except duckdb.Error as exc:
                raise DatabaseError(f"{db_path}: {_first_line(exc)}") from exc
            con.execute("SET enable_progress_bar = false")  # it would print into our output
            try:
                loaded = load_tables(con, package, strict=not errors)
                if not errors:
                    _check_row_counts(loaded.rows, report)
                written = export_parquet(con, package, tmp_parquet)
                # From here on the database only talks to itself: views cannot read or write files.
                con.execute("SET enable_external_access = false")
                views = apply_views(con, package)
            finally:
                con.close()
            # The Parquet folder and the database are renamed into place on leaving this block:
            # an interrupt waits until both are, so they always come from the same build.
            release_signals = _hold_signals()
    finally:
        if release_signals:
            release_signals()
    return BuildResult(
        database=db_path,
        tables=loaded.rows,
        views=views,
        parquet_files=[parquet_dir / p.name for p in written],
        seconds=round(time.perf_counter() - started, 3),
        notes=notes + loaded.notes,
    )

"""DuckDB's side of the engine: the CSV read as text cells in file order, the rows numbered,
and a connection that reads the package's files and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord import sql
from accord.sql import quote_literal
from accord.validate.constraint_sql import CellCheck
from accord.validate.plan import HandOff, TablePlan
from accord.validate.row_sql import data_rows_sql, row_checks_sql

NULL_TEXT = "\x01accord:no-cell\x01"  # never in data: DuckDB's NULL means "no such cell"


class EncodingProblem(Exception):
    """The file is not valid UTF-8 beyond the sample frictionless read."""


@dataclass
class CsvReadOptions:
    width: int
    null_padding: bool
    parallel: bool = True
    max_line_size: int | None = None  # DuckDB's default (2 MB), until a longer line is found


def utf8_copy(source: Path, target: Path, encoding: str, chunk_size: int = 1 << 24) -> bool:
    """Write the file as UTF-8, decoded with its declared encoding (Python's codecs, as
    frictionless decodes it); False, writing nothing, when its bytes are plain ASCII (already
    UTF-8). EncodingProblem when a byte does not decode."""
    with open(source, "rb") as reader:
        if all(chunk.isascii() for chunk in iter(lambda: reader.read(chunk_size), b"")):
            return False
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    with open(source, "rb") as reader, open(target, "wb") as writer:
        offset = 0
        for chunk in iter(lambda: reader.read(chunk_size), b""):
            try:
                writer.write(decoder.decode(chunk).encode("utf-8"))
            except UnicodeDecodeError as exc:
                raise EncodingProblem(f"{exc.reason} at byte {offset + exc.start}") from exc
            offset += len(chunk)
        writer.write(decoder.decode(b"", final=True).encode("utf-8"))
    return True


def write_with_empty_line_markers(source: Path, target: Path, marker: str, chunk_size: int = 1 << 24) -> None:
    """Copy the file, writing the marker on each empty line: DuckDB skips empty lines, but
    frictionless counts them (as blank rows)."""
    marker_bytes = marker.encode()
    empty_line = re.compile(rb"\n(?=\r?\n)")
    with open(source, "rb") as reader, open(target, "wb") as writer:
        at_line_start = True
        first = True
        while True:
            chunk = reader.read(chunk_size)
            if not chunk:
                break
            chunk += reader.readline()  # end chunks at a line break
            if first and chunk.startswith(b"\xef\xbb\xbf"):
                writer.write(chunk[:3])
                chunk = chunk[3:]
            first = False
            if at_line_start and (chunk.startswith(b"\n") or chunk.startswith(b"\r\n")):
                chunk = marker_bytes + chunk
            chunk = empty_line.sub(b"\n" + marker_bytes, chunk)
            writer.write(chunk)
            at_line_start = chunk.endswith(b"\n")


def csv_rows_sql(plan: TablePlan, options: CsvReadOptions) -> str:
    """The CSV's rows in file order, header included, with every cell as text (c1 .. c<width>)."""
    if plan.source_is_empty:
        cells = ", ".join(f"CAST(NULL AS VARCHAR) AS c{i}" for i in range(1, options.width + 1))
        return f"SELECT {cells} WHERE FALSE"
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, options.width + 1))
    quote = quote_literal(plan.quote_char)
    return (
        f"SELECT * FROM read_csv({quote_literal(str(plan.read_path))}, header = false, auto_detect = false,"
        f" delim = {quote_literal(plan.delimiter)}, quote = {quote}, escape = {quote},"
        f" columns = {{{columns}}}, nullstr = {quote_literal(NULL_TEXT)}, strict_mode = true,"
        f" null_padding = {str(options.null_padding).lower()}, parallel = {str(options.parallel).lower()}"
        + (f", max_line_size = {options.max_line_size})" if options.max_line_size else ")")
    )


COLUMN_COUNT = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
LINE_TOO_LONG = re.compile(r"Maximum line size of \d+ bytes exceeded\. Actual Size: ?(\d+)")
# DuckDB's parallel reader says this where a line is longer than its buffer
LONG_LINE_HINTS = ("Maximum line size", "does not support a full read on this file")


def materialize_checked(con: Any, plan: TablePlan, table: str, checks: list[CellCheck], check_rows: bool = True) -> None:
    """Check every row in one parallel pass and keep the result in file order, so that a row's
    number is its rowid + 1 (DuckDB keeps insertion order; a window function numbering the
    rows would make the pass single-threaded). Then a view of the data rows, with numbers.

    DuckDB's reader options are retried as the file requires: padding for short rows, more
    columns for long ones, a serial scan for quoted line breaks in padded rows, room for lines
    up to the largest cell accord reads (--max-cell); a longer one is LimitReached, not a
    hand-off: frictionless would read the whole file again only to hold that cell in memory."""
    import duckdb

    from accord import limits

    options = CsvReadOptions(width=plan.width, null_padding=plan.ragged_sample or plan.empty_line_marker is not None)
    for _attempt in range(8):
        plan.width = options.width
        try:
            con.execute(
                f"CREATE OR REPLACE TABLE {table}_rows AS"
                f" {row_checks_sql(plan, checks, f'({csv_rows_sql(plan, options)})', errors=check_rows)}"
            )
            break
        except duckdb.Error as exc:
            message = str(exc)
            if "Invalid unicode" in message:
                line = re.search(r"CSV Error on Line: (\d+)", message)
                raise EncodingProblem(f"not valid UTF-8 (line {line.group(1) if line else '?'})") from exc
            if "does not support null_padding in conjunction with quoted new lines" in message:
                options.parallel = False
                continue
            too_long = LINE_TOO_LONG.search(message)
            if too_long and options.max_line_size == limits.current.cell:
                raise limits.cell_limit_reached(plan.resource.relpath, f"a line of {int(too_long.group(1)):,} bytes") from exc
            if any(hint in message for hint in LONG_LINE_HINTS) and options.max_line_size is None:
                options.max_line_size = limits.current.cell
                continue
            counts = COLUMN_COUNT.search(message)
            if counts:
                expected, found = map(int, counts.groups())
                # a file with short rows often has long ones too: make room for both at once,
                # as every retry reads the file again (extra columns are NULL where unused)
                if found > expected or not options.null_padding:
                    options.width = max(found, options.width * 2)
                options.null_padding = True
                continue
            first = message.splitlines()[0].strip()
            patterns = [f.name for f in plan.fields if f.field.constraints.get("pattern") is not None]
            if patterns and "regular expression" in message.lower():
                raise HandOff(f"a pattern constraint (field {', '.join(map(repr, patterns))}) is not valid RE2 ({first})") from exc
            if "CSV" in message:
                raise HandOff(f"DuckDB's CSV parser rejects it ({first})") from exc
            raise HandOff(f"DuckDB cannot run its checks ({first})") from exc
    else:
        raise HandOff("its rows vary too much in width")
    numbered = f"(SELECT rowid + 1 AS row_number, * FROM {table}_rows)"
    con.execute(f"CREATE OR REPLACE VIEW {table} AS {data_rows_sql(plan, numbered)}")


# DuckDB holds a key's index (an ART) in memory while build writes it: 497 MB for 10M keys of 34
# characters, about 52 bytes a key. Build's budget is room for its indexes beside a working share
# (the tables spill to disk); with the usual 1 GB alone a build of 15.7M rows ran out of memory.
INDEX_BYTES_PER_KEY = 64
WORKING_MEMORY = 512 * 1024 * 1024


def connect(plans: list[TablePlan], temp_dir: Path, directories: list[Path] = (), indexes: bool = False) -> Any:
    """An in-memory DuckDB that can read the package's files and nothing else, and write only in
    its temporary folder and the given folders (where build and check write their databases).
    indexes: the connection will write the tables' keys (build), so its memory has room for them."""
    con = sql.connect(memory_limit=memory_for(plans, indexes))
    # DuckDB pushes a TRY_CAST of a CSV column into the reader as a cast that fails: keep casts here
    con.execute("SET disabled_optimizers = 'type_pushdown'")
    con.execute(f"SET temp_directory = {quote_literal(str(temp_dir))}")
    readable = [p.read_path for p in plans if not p.source_is_empty]
    sql.lock_down(con, readable=readable, directories=[temp_dir, *directories])
    return con


def memory_for(plans: list[TablePlan], indexes: bool) -> int:
    """DuckDB's memory limit for the validation (the command's share caps it: accord.limits)."""
    return max(sql.MEMORY_LIMIT, WORKING_MEMORY + index_room(plans)) if indexes else sql.MEMORY_LIMIT


def index_room(plans: list[TablePlan]) -> int:
    """Bytes for the key indexes build writes: INDEX_BYTES_PER_KEY for each row and key (the
    primary key, each unique field that is not it), the rows being the line breaks the byte scan
    counted (a quoted value that spans lines only makes the room larger)."""
    room = 0
    for plan in plans:
        keys = {(f.name,) for f in plan.unique_fields}  # a one-field primary key is one of them too
        if plan.primary_key:
            keys.add(tuple(f.name for f in plan.primary_key))
        room += len(keys) * INDEX_BYTES_PER_KEY * plan.line_breaks
    return room

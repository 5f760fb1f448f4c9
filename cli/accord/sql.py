"""SQL text and DuckDB connections, in one place for every command.

Names from a package (tables, fields: with '-', spaces, dots, quotes, non-ASCII letters or
reserved words) reach SQL only through quote_identifier, and values only through
quote_literal; every DuckDB connection accord opens comes from connect(), with the progress
bar off (DuckDB draws it on stdout, even into a pipe, where our reports go).
"""

from __future__ import annotations

import os
import weakref
from pathlib import Path
from typing import Any

# every open connection, so that a command stopped at a limit stops its running queries too
# (accord.guard; DuckDB does not always look at Python's signals while a query runs)
OPEN: weakref.WeakSet = weakref.WeakSet()


def track(con: Any) -> Any:
    OPEN.add(con)
    return con


def interrupt_all() -> None:
    for con in list(OPEN):
        try:
            con.interrupt()
        except Exception:  # closed meanwhile
            pass

# Temporary databases and the validation pass spill to disk beyond this (per connection), or
# sooner: every connection stays within its share of the command's --memory-limit.
MEMORY_LIMIT = 1000**3


def quote_identifier(name: str) -> str:
    """A table, column or type name as a DuckDB identifier, whatever characters it holds."""
    return '"' + str(name).replace('"', '""') + '"'


def quote_literal(value: Any) -> str:
    """A string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def qualified(schema: str, name: str) -> str:
    return f"{quote_identifier(schema)}.{quote_identifier(name)}"


def first_line(exc: BaseException | str) -> str:
    """The first line of an error message (DuckDB's carry context lines and carets after it)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def connect(path: str | Path = ":memory:", *, read_only: bool = False, memory_limit: int | None = None,
            config: dict[str, Any] | None = None):
    """A DuckDB connection with accord's settings: no progress bar, all cores, a memory limit
    (memory_limit bytes, or less: the connection's share of the command's limit)."""
    import duckdb

    from accord import limits

    # one checkpoint, when a written database is detached, rather than one whenever the WAL
    # passes 16 MB (build at 1M rows: 0.5 s less)
    settings = {"threads": os.cpu_count() or 1, "checkpoint_threshold": "1TB", **(config or {})}
    con = duckdb.connect(str(path), read_only=read_only, config=settings)
    con.execute("SET enable_progress_bar = false")
    # no FSST string compression: it trains its symbol table on a random sample, so the same rows
    # gave different database bytes from one build to the next (a release must be reproducible)
    con.execute("SET disabled_compression_methods = 'fsst'")
    con.execute(f"SET memory_limit = {quote_literal(limits.current.duckdb_memory(memory_limit))}")
    return track(con)


def lock_down(con: Any, *, readable: list[Path] = (), directories: list[Path] = ()) -> None:
    """No file or network access beyond the given files and folders, then no setting may change."""
    con.execute(f"SET allowed_paths = [{', '.join(quote_literal(p) for p in readable)}]")
    con.execute(f"SET allowed_directories = [{', '.join(quote_literal(str(d) + os.sep) for d in directories)}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def arrow_table(con: Any, query: str) -> Any:
    """A query's rows as an Arrow table (DuckDB 2 renamed fetch_arrow_table to to_arrow_table)."""
    with con.cursor() as cursor:  # its own connection: whatever result the caller's has open
        relation = cursor.sql(query)
        return (getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table)()


def error_message(exc: BaseException | str) -> str:
    """DuckDB's whole message on one line: its hints kept ("Did you mean "statements"?", the
    candidate bindings), and the place a caret marks given as line and column."""
    lines = str(exc).strip().splitlines()
    if not lines:
        return type(exc).__name__
    parts = [lines[0]]
    place = None
    for number, line in enumerate(lines[1:], start=1):
        if not line.strip():
            continue
        if line.startswith("LINE ") and ":" in line:
            caret = lines[number + 1] if number + 1 < len(lines) else ""
            head = line[: line.index(":") + 2]
            if "^" in caret:
                place = f"{head[:-2].lower()}, column {caret.index('^') - len(head) + 1}"
            continue
        if set(line.strip()) <= {"^"}:
            continue
        parts.append(line.strip())
    return " ".join(parts) + (f" (at {place})" if place else "")

"""The fast engine: frictionless's checks compiled to SQL and run by DuckDB.

How one table is validated (docs/validation-engine.md tells it at length):

1. Plan (accord.validate.planner): frictionless opens the resource on a sample, as
   `frictionless validate` does; a scan of the bytes finds what DuckDB would read differently.
2. Read and check (accord.validate.reader, row_sql): one parallel pass reads every cell as
   text, types it following frictionless's rules, runs its checks and keeps per row the
   errors and the typed values of keys (and of the fields build and check read), in file
   order: a row's number is its place (the header is row 1).
3. Keys (accord.validate.key_sql): unique fields, primary and foreign keys as set-based
   queries on those values.
4. Report (here): errors in frictionless's order, at most MAX_ERRORS per table; the true
   total goes in Task.errors_total.

Whatever the engine does not cover is validated by frictionless, and a note says which table
and why. docs/validation-engine.md lists the deliberate differences.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.fsutil import file_digest
from accord.report import Error, Task
from accord.validate.constraint_sql import CellCheck, cell_checks
from accord.validate.key_sql import (
    foreign_key_violations_sql,
    missing_key_sql,
    primary_key_violations_sql,
    unique_violations_sql,
)
from accord.validate.plan import MAX_ERRORS, FieldPlan, ForeignKeyPlan, HandOff, PackagePlan, TablePlan
from accord.validate.planner import foreign_key_closure
from accord.validate.reader import EncodingProblem, materialize_checked, utf8_copy, write_with_empty_line_markers
from accord.validate.row_sql import parse_error_tokens

@dataclass
class RowError:
    """An error found in a row, with what frictionless_order needs to place it."""

    row: int
    kind: str  # "cell" (type or constraint), "cells" (extra or missing), "blank", "unique", "primary-key", "foreign-key"
    key: Any  # the field name (cell, unique), the foreign key's index (foreign-key), else None
    error: Error


def frictionless_order(plan: TablePlan, found: list[RowError]) -> list[Error]:
    """The errors as frictionless reports them, which decides what its 1000-error limit keeps.

    Row by row; within a row frictionless reads the key fields first (unique fields, primary
    key, foreign keys, in that order) and reads the rest of the row when it first reports a
    key error, or at the end: cells in field order, then extra or missing cells. A blank row
    replaces the row's cell errors."""
    by_row: dict[int, list[RowError]] = {}
    for e in found:
        by_row.setdefault(e.row, []).append(e)
    ordered: list[Error] = []
    for row in sorted(by_row):
        errors = by_row[row]
        cell_errors_of = {f.name: [e.error for e in errors if e.kind == "cell" and e.key == f.name] for f in plan.fields}
        in_order: list[Error] = []
        read: set[str] = set()
        whole_row_read = False

        def read_field(name: str) -> None:
            if name not in read:
                read.add(name)
                in_order.extend(cell_errors_of.get(name, []))

        def read_whole_row() -> None:
            nonlocal whole_row_read, in_order
            if whole_row_read:
                return
            whole_row_read = True
            for f in plan.fields:
                read_field(f.name)
            in_order.extend(e.error for e in errors if e.kind == "cells")
            blank = [e.error for e in errors if e.kind == "blank"]
            if blank:
                in_order = blank

        def key_error(kind: str, key: Any, fields: list[str]) -> None:
            for name in fields:
                read_field(name)
            reported = [e.error for e in errors if e.kind == kind and e.key == key]
            if reported:
                read_whole_row()
                in_order.extend(reported)

        for f in plan.unique_fields:
            key_error("unique", f.name, [f.name])
        if plan.primary_key:
            key_error("primary-key", None, [f.name for f in plan.primary_key])
        for fk in plan.foreign_keys:
            key_error("foreign-key", fk.index, fk.fields)
        read_whole_row()
        ordered.extend(in_order)
    return ordered


def read_and_check(con: Any, plan: PackagePlan, temp_dir: Path, check_rows: bool = True) -> dict[str, Task]:
    """Read every planned table once, then run the key checks; tables DuckDB cannot read (and
    the tables whose foreign keys need them) move to plan.handed_off. Each table read leaves
    its data rows in the view checked_relation(index), in file order with their numbers, and
    the typed values of its kept fields. check_rows=False reads and types the rows without
    checking them (each task is then "skipped")."""
    tables = plan.tables
    tasks: dict[str, Task] = {}
    unread: set[str] = set()
    for name, table in tables.items():
        try:
            prepare_read_path(table, temp_dir)
        except EncodingProblem:
            plan.handed_off[name] = f"its bytes do not all decode as {table.transcode_from}"
            unread.add(name)
    checked_tables = {name: checked_relation(index) for index, name in enumerate(tables)}
    for name, table in tables.items():
        table.relation = checked_tables[name]
    checks = {name: cell_checks(table) if check_rows else [] for name, table in tables.items()}
    read_seconds: dict[str, float] = {}
    for name, table in tables.items():
        if name in unread:
            continue
        started = time.perf_counter()
        try:
            materialize_checked(con, table, checked_tables[name], checks[name], check_rows)
        except EncodingProblem as problem:
            tasks[name] = encoding_error_task(table, str(problem))
            tasks[name].seconds = round(time.perf_counter() - started, 3)
            unread.add(name)
        except HandOff as reason:
            plan.handed_off[name] = str(reason)
            unread.add(name)
        read_seconds[name] = time.perf_counter() - started
    tasks.update(key_tasks(con, plan, unread, checked_tables, checks, read_seconds, check_rows, "duckdb"))
    return tasks


ENGINE_NAMES = {"duckdb": "DuckDB", "spark": "Spark"}


def key_tasks(con: Any, plan: PackagePlan, unread: set[str], checked: dict[str, str], checks: dict[str, list],
              read_seconds: dict[str, float], check_rows: bool, engine: str) -> dict[str, Task]:
    """After an engine has read the tables: those whose foreign keys lead to a table it could not
    read are handed to frictionless too, every handed-off table leaves plan.tables, and each
    table read gets its task (its keys checked, or with check_rows=False its rows counted)."""
    tables = plan.tables
    readable = {name: t for name, t in tables.items() if name not in unread}
    for name in foreign_key_closure(readable, unread):
        plan.handed_off[name] = f"its foreign key refers to a table {ENGINE_NAMES[engine]} could not read"
        readable.pop(name)
    for name in list(tables):
        if name in plan.handed_off:
            del tables[name]
    tasks: dict[str, Task] = {}
    for name, table in readable.items():
        started = time.perf_counter()
        if check_rows:
            tasks[name] = table_task(con, table, tables, checked, checks[name])
        else:
            (rows,) = con.execute(f"SELECT count(*) FROM {checked[name]}").fetchone()
            tasks[name] = Task(name=f"validate:{name}", kind="validation", table=name, status="skipped",
                               rows=int(rows), notes=["rows read, not validated"])
        tasks[name].engine = engine
        tasks[name].seconds = round(read_seconds[name] + time.perf_counter() - started, 3)
    return tasks


def prepare_read_path(table: TablePlan, temp_dir: Path) -> None:
    """The file DuckDB reads: the table's source (the resource's file, or its expanded copy), or
    a copy in UTF-8 (a declared encoding other than UTF-8) with a marker on each empty line
    (DuckDB skips empty lines, frictionless counts them as blank rows)."""
    if table.location:  # Spark reads the URL (the planner refused what would need a copy)
        table.read_path = table.location
        return
    source = table.source_path
    if table.transcode_from:
        copy = temp_dir / f"{len(os.listdir(temp_dir))}.csv"
        if utf8_copy(source, copy, table.transcode_from):
            source = copy
    table.read_path = source
    if table.empty_line_marker:
        table.read_path = temp_dir / f"{len(os.listdir(temp_dir))}.csv"
        write_with_empty_line_markers(source, table.read_path, table.empty_line_marker)


def checked_relation(index: int) -> str:
    """The view of a table's data rows (row_number, key and kept values) in the engine's connection
    (named in full: build and check switch the connection's default catalog to the one they write)."""
    return f"memory.main.checked_{index}"


def encoding_error_task(plan: TablePlan, problem: str) -> Task:
    error = Error(
        code="encoding-error",
        table=plan.name,
        message=f"{plan.resource.relpath}: The data source could not be successfully decoded: {problem}",
    )
    return Task(
        name=f"validate:{plan.name}", kind="validation", table=plan.name, engine="duckdb",
        errors=[*plan.header_errors, error], errors_total=len(plan.header_errors) + 1,
        notes=["rows were not checked: the file must be valid UTF-8 first"],
    )


def table_task(con: Any, plan: TablePlan, plans: dict[str, TablePlan], checked_tables: dict[str, str], checks: list[CellCheck]) -> Task:
    """The table's errors in frictionless's order (header, then row by row, then the file),
    the first MAX_ERRORS of them, and the total."""
    checked = checked_tables[plan.name]
    rows, cell_error_total = con.execute(f"SELECT count(*), COALESCE(sum(error_count), 0) FROM {checked}").fetchone()
    found: list[RowError] = []
    total = len(plan.header_errors) + int(cell_error_total)
    if cell_error_total:
        found += pass_errors(con, plan, checked, checks)
    duplicates: dict[str, tuple[list[tuple], int]] = {}
    for f in plan.unique_fields:
        violations, count = fetch_limited(con, unique_violations_sql(checked, f))
        duplicates[f.name] = ([(row, previous) for row, previous, *_ in violations], count)
        total += count
        found += [unique_error(plan, f, row, previous, values) for row, previous, *values in violations]
    if plan.primary_key:
        if len(plan.primary_key) == 1 and plan.primary_key[0].name in duplicates:
            # a one-field key that is also unique: its duplicates are the unique field's, found above
            repeated, count = duplicates[plan.primary_key[0].name]
            missing, missing_count = fetch_limited(con, missing_key_sql(checked, plan.primary_key))
            violations = sorted([*repeated, *missing], key=lambda v: v[0])[:MAX_ERRORS]
            count += missing_count
        else:
            violations, count = fetch_limited(con, primary_key_violations_sql(checked, plan.primary_key))
        total += count
        found += [primary_key_error(plan, row, previous) for row, previous in violations]
    if plan.foreign_keys:
        violations, count = foreign_key_errors(con, plan, plans, checked_tables)
        total += count
        found += violations
    errors = [*plan.header_errors, *frictionless_order(plan, found)]
    if total < MAX_ERRORS:  # frictionless checks the file as a whole only when it read every row
        file_errors = declared_stats_errors(plan, int(rows))
        errors += file_errors
        total += len(file_errors)
    task = Task(
        name=f"validate:{plan.name}", kind="validation", table=plan.name, engine="duckdb",
        errors=errors[:MAX_ERRORS], rows=int(rows), errors_total=total,
    )
    if total > len(task.errors):
        task.notes.append(f"showing the first {len(task.errors)} of {total} errors")
    return task


def foreign_key_errors(con: Any, plan: TablePlan, plans: dict[str, TablePlan], checked_tables: dict[str, str]) -> tuple[list[RowError], int]:
    """The errors in the first MAX_ERRORS rows that break each foreign key, and how many in all."""
    found: list[RowError] = []
    total = 0
    for fk in plan.foreign_keys:
        reference = plans[fk.reference_table]
        sql = foreign_key_violations_sql(
            checked_tables[plan.name], [plan.field_named(n) for n in fk.fields],
            checked_tables[fk.reference_table], [reference.field_named(n) for n in fk.reference_fields],
        )
        violations, count = fetch_limited(con, sql)
        total += count
        found += [foreign_key_error(plan, fk, row, shown(values)) for row, *values in violations]
    return found, total


def pass_errors(con: Any, plan: TablePlan, checked: str, checks: list[CellCheck]) -> list[RowError]:
    """The errors the reading pass found, in the first MAX_ERRORS rows that have any."""
    records = con.execute(
        f"SELECT row_number, errors FROM {checked} WHERE errors IS NOT NULL ORDER BY row_number LIMIT {MAX_ERRORS}"
    ).fetchall()
    check_by_id = {str(c.id): c for c in checks}
    return [e for row, record in records for e in row_errors(plan, row, parse_error_tokens(record), check_by_id)]


def shown(values: list[Any]) -> str:
    return ", ".join("None" if v is None else str(v) for v in values)


def unique_error(plan: TablePlan, f: FieldPlan, row: int, previous: int, values: list[Any]) -> RowError:
    return RowError(row, "unique", f.name, Error(
        code="unique-error", table=plan.name, row=row, field=f.name, rule="unique", values=values[:1],
        message=(f'{plan.resource.relpath}: Row at position "{row}" has unique constraint violation in field '
                 f'"{f.name}" at position "{f.number}": the same as in the row at position {previous}'),
    ))


def primary_key_error(plan: TablePlan, row: int, previous: int | None) -> RowError:
    note = f"the same as in the row at position {previous}" if previous else 'cells composing the primary keys are all "None"'
    return RowError(row, "primary-key", None, Error(
        code="primary-key", table=plan.name, row=row, rule="primaryKey",
        message=f'{plan.resource.relpath}: Row at position "{row}" violates the primary key: {note}',
    ))


def foreign_key_error(plan: TablePlan, fk: ForeignKeyPlan, row: int, values: str) -> RowError:
    note = (f'for "{", ".join(fk.fields)}": values "{values}" not found in the lookup table '
            f'"{fk.reference_table}" as "{", ".join(fk.reference_fields)}"')
    return RowError(row, "foreign-key", fk.index, Error(
        code="foreign-key", table=plan.name, row=row, rule="foreignKey", values=[values],
        message=f'{plan.resource.relpath}: Row at position "{row}" violates the foreign key: {note}',
    ))


def declared_stats_errors(plan: TablePlan, rows: int) -> list[Error]:
    """The resource's declared hash, bytes, fields and rows against the file (checked last)."""
    from frictionless import helpers

    declared = plan.declared_stats
    path = plan.resource.path
    actual: dict[str, Any] = {}
    try:
        if declared.get("hash"):
            algorithm, expected = helpers.parse_resource_hash_v1(declared["hash"])
            actual["hash"] = (expected, plan.cluster.digest(plan.location, algorithm) if plan.location
                              else file_digest(path, algorithm))
        if declared.get("bytes"):
            actual["bytes"] = (declared["bytes"], plan.cluster.size(plan.location) if plan.location else path.stat().st_size)
    except HandOff as problem:  # a file at a Hadoop URL Spark could not hash
        return [Error(code=problem.code, table=plan.name, rule="hash", message=f"{plan.resource.relpath}: {problem}")]
    if declared.get("fields"):
        actual["fields"] = (declared["fields"], plan.schema_field_count)
    if declared.get("rows"):
        actual["rows"] = (declared["rows"], rows)
    codes = {"hash": "hash-count", "bytes": "byte-count", "fields": "field-count", "rows": "row-count"}
    return [
        Error(code=codes[name], table=plan.name, rule=name,
              message=f'{plan.resource.relpath}: The data source does not match the expected {name}: expected is "{expected}" and actual is "{found}"')
        for name, (expected, found) in actual.items()
        if expected != found
    ]


def fetch_limited(con: Any, sql: str) -> tuple[list[tuple], int]:
    """The first MAX_ERRORS rows of a violations query, in row order, and how many there are."""
    rows = con.execute(
        f"SELECT *, count(*) OVER () AS total FROM ({sql}) AS violations ORDER BY 1 LIMIT {MAX_ERRORS}"
    ).fetchall()
    total = rows[0][-1] if rows else 0
    return [r[:-1] for r in rows], int(total)


def row_errors(plan: TablePlan, row: int, tokens: list[tuple[str, str]], check_by_id: dict[str, CellCheck]) -> list[RowError]:
    """The errors found in one row's pass, from its error record (see parse_error_tokens)."""
    path = plan.resource.relpath
    out: list[RowError] = []
    for tag, text in tokens:
        if tag == "blank":
            out.append(RowError(row, "blank", None, Error(code="blank-row", table=plan.name, row=row,
                                                      message=f'{path}: Row at position "{row}" is completely blank')))
        elif tag == "n":
            n_cells = int(text)
            for f in plan.fields[n_cells:]:
                out.append(RowError(row, "cells", None, Error(
                    code="missing-cell", table=plan.name, row=row, field=f.name,
                    message=f'{path}: Row at position "{row}" has a missing cell in field "{f.name}" at position "{f.number}"',
                )))
        elif tag.startswith("x"):
            number = int(tag[1:])
            out.append(RowError(row, "cells", None, Error(
                code="extra-cell", table=plan.name, row=row, field="", values=[text],
                message=f'{path}: Row at position "{row}" has an extra value in field at position "{number}"',
            )))
        else:
            check = check_by_id[tag]
            f = check.field
            cell = text
            if check.code == "type-error":
                message = f'Type error in the cell "{cell}" in row "{row}" and field "{f.name}" at position "{f.number}": {check.note}'
            else:
                message = f'The cell "{cell}" in row at position "{row}" and field "{f.name}" at position "{f.number}" does not conform to a constraint: {check.note}'
            out.append(RowError(row, "cell", f.name, Error(
                code=check.code, table=plan.name, row=row, field=f.name, rule=check.note,
                values=[cell] if cell else [], message=f"{path}: {message}",
            )))
    return out


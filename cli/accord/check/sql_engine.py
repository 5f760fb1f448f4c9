"""The expectation engine of our own: suites run as DuckDB SQL on the tables validation read.

Every compiled expectation of one table (accord.check.compile) is answered by one aggregate
query over that table: per expectation, how many rows it looks at, how many count, how many
are unexpected, and the first few unexpected values with their CSV row numbers; aggregates
(row count, min, max, mean, median) in the same query. An expectation written as SQL
(unexpected_rows_expectation) runs its own query, on views named like the tables.

The SQL runs in validation's connection: no file is written and Great Expectations is not
imported. An expectation this engine does not compile is left to Great Expectations
(accord.check.runner); the report names the engine that ran each one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from accord.check.compile import Compiled, Unsupported, compile_rule
from accord.check.database import TextFiles, text_file_rows
from accord.check.results import SAMPLE, add_row_numbers, error_task, name_rows, plain, primary_key, task_from_result
from accord.check.suites import Rule
from accord.report import Task
from accord.sql import first_line, quote_identifier
from accord.validate import ROW_NUMBER, Validation

ENGINE = "duckdb"
SCHEMA = "memory.accord_suites"  # views named like the tables, for the suites' own SQL
ROWS_SHOWN = 200  # rows an unexpected_rows_expectation keeps, as GX's COMPLETE result format


def split(rules: list[Rule]) -> tuple[list[Compiled], list[tuple[Rule, str]]]:
    """(what this engine runs, [(rule, why not)] for Great Expectations)."""
    compiled, left = [], []
    for index, rule in enumerate(rules):
        try:
            compiled.append(compile_rule(rule, index))
        except Unsupported as reason:
            left.append((rule, str(reason)))
    return compiled, left


def prepare(run: Validation, text_files: list[TextFiles]) -> None:
    """Views named like the tables (and the text-file tables) for the suites' SQL."""
    con = run.con
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    for table in run.tables.values():
        if not table.fields:
            continue  # no rule reads it
        columns = ", ".join(quote_identifier(f.name) for f in table.fields)
        con.execute(f"CREATE OR REPLACE VIEW {SCHEMA}.{quote_identifier(table.name)} AS "
                    f"SELECT {columns} FROM {table.relation} AS loaded")
    for spec in text_files:
        if spec.into in run.tables:
            continue
        into = f"{SCHEMA}.{quote_identifier(spec.into)}"
        con.execute(f"CREATE OR REPLACE TABLE {into} ({quote_identifier(spec.key)} VARCHAR, "
                    "path VARCHAR, text VARCHAR, sha256 VARCHAR, error VARCHAR)")
        rows = text_file_rows(con, run.package, spec, f"{SCHEMA}.{quote_identifier(spec.source)}")
        if rows:
            con.executemany(f"INSERT INTO {into} VALUES (?, ?, ?, ?, ?)", rows)


def run_table(run: Validation, table: str, compiled: list[Compiled]) -> dict[str, Task]:
    """Each compiled expectation of one table -> its Task."""
    tasks: dict[str, Task] = {}
    loaded = run.tables.get(table)
    if loaded is None and not _is_view(run, table):
        return {c.rule.name: error_task(c.rule, ENGINE, f"table {table!r} is not in the package") for c in compiled}
    folded = [c for c in compiled if c.kind in ("map", "aggregate")]
    if folded:
        relation = loaded.relation if loaded else f"{SCHEMA}.{quote_identifier(table)}"
        try:
            tasks.update(_fold(run, relation, folded, loaded is not None))
        except Exception:  # one of them does not run: run each alone to say which
            for c in folded:
                try:
                    tasks.update(_fold(run, relation, [c], loaded is not None))
                except Exception as exc:
                    tasks[c.rule.name] = error_task(c.rule, ENGINE, first_line(exc))
    failures = []
    for c in compiled:
        if c.kind == "rows":
            task, rows = _rows(run, table, c)
            tasks[c.rule.name] = task
            failures.append((task, rows))
    add_row_numbers(run, failures)
    return tasks


def _is_view(run: Validation, table: str) -> bool:
    found = run.con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'memory' "
                            "AND schema_name = 'accord_suites' AND table_name = ?", [table]).fetchall()
    return bool(found[0][0])


def _fold(run: Validation, relation: str, compiled: list[Compiled], numbered: bool) -> dict[str, Task]:
    """One query for every map and aggregate expectation of a table."""
    row = ROW_NUMBER if numbered else "NULL"
    windows = [f"count(*) FILTER (WHERE {c.condition} AND {c.considered}) OVER (PARTITION BY {sql}) AS {name}"
               for c in compiled for name, sql in c.window.items()]
    source = f"(SELECT *{''.join(', ' + w for w in windows)} FROM {relation} AS loaded) AS t"
    columns = []
    for i, c in enumerate(compiled):
        if c.kind == "aggregate":
            columns.append(f"{c.aggregate} FILTER (WHERE {c.condition}) AS a{i}")
            continue
        failing = failing_sql(c)
        columns += [
            *count_columns(i, c),
            # wrapped: min_by leaves out a NULL value, and a missing value is what some rules show
            f"min_by({{'v': {c.shown}}}, {row}, {SAMPLE}) FILTER (WHERE {failing}) AS s{i}",
            f"min_by({row}, {row}, {SAMPLE}) FILTER (WHERE {failing}) AS r{i}",
        ]
    cursor = run.con.execute(f"SELECT {', '.join(columns)} FROM {source}")
    names = [d[0] for d in cursor.description]
    values = dict(zip(names, cursor.fetchall()[0]))

    def sample(i: int, c: Compiled) -> tuple[list[Any], list[int]]:
        return ([_shown(v["v"]) for v in values[f"s{i}"] or []], [r for r in values[f"r{i}"] or [] if r is not None])

    return folded_tasks(compiled, values, numbered, sample, ENGINE)


def failing_sql(c: Compiled) -> str:
    """The rows a map expectation counts as unexpected."""
    return f"{c.condition} AND {c.considered} AND {c.unexpected}"


def count_columns(i: int, c: Compiled) -> list[str]:
    """The counts GX reports for map expectation i: its rows (e), those considered (n), the unexpected (u)."""
    return [f"count(*) FILTER (WHERE {c.condition}) AS e{i}",
            f"count(*) FILTER (WHERE {c.condition} AND {c.considered}) AS n{i}",
            f"count(*) FILTER (WHERE {failing_sql(c)}) AS u{i}"]


def folded_tasks(compiled: list[Compiled], values: dict[str, Any], numbered: bool,
                 sample: Callable[[int, Compiled], tuple[list[Any], list[int]]], engine: str) -> dict[str, Task]:
    """Each expectation's Task from the folded query's values (a{i} for an aggregate, e/n/u{i} for
    a map expectation) and, for a failing map expectation, sample(i, c): its first values shown
    and their CSV row numbers."""
    tasks = {}
    for i, c in enumerate(compiled):
        if c.kind == "aggregate":
            observed = values[f"a{i}"]
            result = {"success": _holds(c, observed), "result": {"observed_value": plain(observed)}}
            tasks[c.rule.name], _ = task_from_result(c.rule, result, [], engine)
            continue
        element, considered, unexpected = values[f"e{i}"], values[f"n{i}"], values[f"u{i}"]
        shown, rows = sample(i, c) if unexpected else ([], [])
        result = {"success": _map_success(c, considered, unexpected), "result": {
            "element_count": element, "missing_count": element - considered, "unexpected_count": unexpected,
            "partial_unexpected_list": shown}}
        task, _ = task_from_result(c.rule, result, [], engine)
        if task.errors and numbered:
            name_rows(task.errors[0], rows)
        tasks[c.rule.name] = task
    return tasks


def _map_success(c: Compiled, considered: int, unexpected: int) -> bool:
    """GX: vacuously true without rows; else every row, or `mostly` of them, as expected."""
    if considered == 0 or unexpected == 0:
        return True
    if c.mostly is None:
        return False
    return (considered - unexpected) / considered >= c.mostly


def _holds(c: Compiled, observed: Any) -> bool:
    try:
        return bool(c.holds(observed))
    except TypeError:  # a date observed, a bound written as text: compare as GX does, the bound read as a date
        return bool(c.holds(_as_text_comparable(observed)))


def _as_text_comparable(observed: Any) -> Any:
    return observed.isoformat() if isinstance(observed, (dt.date, dt.datetime, dt.time)) else observed


def _shown(value: Any) -> Any:
    return plain(value)


def _rows(run: Validation, table: str, c: Compiled) -> tuple[Task, list[dict[str, Any]]]:
    """An expectation written as SQL: its query, with {batch} the table, on the views. The query
    is filled in as GX fills it (str.format: a brace the SQL means is written doubled)."""
    try:
        query = c.query.format(batch=f"{SCHEMA}.{quote_identifier(table)}")
    except (KeyError, IndexError, ValueError) as exc:
        return error_task(c.rule, ENGINE, f"unexpected_rows_query cannot be filled in: {exc}"), []
    try:
        statements = run.con.extract_statements(query)
        if len(statements) != 1 or statements[0].type.name != "SELECT":
            return error_task(c.rule, ENGINE, "unexpected_rows_query must be one SELECT"), []
        cursor = run.con.cursor()
        try:
            cursor.execute(f"USE {SCHEMA}")
            # one run of the query gives the sample, and the count too when it is small; the
            # count query runs only when there are more rows than are shown (GX runs both always)
            found = cursor.execute(f"SELECT * FROM ({query}) AS unexpected_rows LIMIT {ROWS_SHOWN + 1}")
            names = [d[0] for d in found.description]
            fetched = found.fetchall()
            if len(fetched) > ROWS_SHOWN:
                (count,) = cursor.execute(f"SELECT count(*) FROM ({query}) AS unexpected_rows").fetchone()
            else:
                count = len(fetched)
            rows = [dict(zip(names, r)) for r in fetched[:ROWS_SHOWN]]
        finally:
            cursor.close()
    except Exception as exc:
        return error_task(c.rule, ENGINE, first_line(exc)), []
    result = {"success": count == 0, "result": {"observed_value": count, "details": {"unexpected_rows": rows}}}
    return task_from_result(c.rule, result, primary_key(run, table), ENGINE)


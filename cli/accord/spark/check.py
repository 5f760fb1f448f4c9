"""Expectation suites on Spark (`accord check --engine spark`): accord's compiled SQL, transpiled,
and Great Expectations' Spark engine for the rest.

The built-in expectations accord compiles (accord.check.compile) are answered per table by one
aggregate query on Spark, with the same predicates as on DuckDB; the few failing values and
their CSV row numbers come from one small query per failing expectation. An expectation written
as SQL (unexpected_rows_expectation, DuckDB's dialect) is transpiled by sqlglot and runs on
views named like the tables. A built-in expectation accord does not compile runs through Great
Expectations' Spark engine on the table's DataFrame, as the DuckDB engine hands such expectations
to GX's SQL engine; its failing rows are named by the primary key, then numbered on Spark. SQL
that does not transpile or fails on Spark, or an expectation GX cannot evaluate (or without
great_expectations installed), is reported "could not run" (expectation-error), never passed.
"""

from __future__ import annotations

import time
from typing import Any

from accord.check.compile import Compiled
from accord.check.results import SAMPLE, error_task, name_rows, plain, primary_key, task_from_result
from accord.report import Task
from accord.spark.dialect import spark_identifier
from accord.sql import first_line, quote_identifier, quote_literal
from accord.validate import ROW_NUMBER, Validation

ENGINE = "spark"
GX_ENGINE = "great_expectations-spark"  # GX's Spark execution engine, for what accord does not compile
ROWS_SHOWN = 200


def run_suites(run: Validation, selected: list, text_files: list, progress=None) -> list[Task]:
    """One task per expectation of the selected suites, in the suites' order."""
    from accord.check import sql_engine
    from accord.spark.engine import SparkSQL

    from accord.spark import functions

    started = time.perf_counter()
    con = SparkSQL(run.spark)
    functions.register(run.spark)  # DuckDB's strip_accents and jaro_winkler_similarity, for the suites' SQL
    _views(run, con, text_files)
    tasks: list[Task] = []
    gx = _GreatExpectations(run, con)
    for suite in selected:
        by_name: dict[str, Task] = {}
        for table in dict.fromkeys(rule.table for rule in suite.rules):
            compiled, rest = sql_engine.split([r for r in suite.rules if r.table == table])
            if progress and compiled:
                progress(f"suite {suite.name}: {len(compiled)} expectations on {table} (spark)")
            by_name.update(_run_table(run, con, table, compiled))
            if rest:
                if progress:
                    progress(f"suite {suite.name}: {len(rest)} expectations on {table} (Great Expectations on Spark)")
                by_name.update(gx.run_table(table, rest))
        tasks += [by_name[rule.name] for rule in suite.rules if rule.name in by_name]
    by_gx = sum(t.engine == GX_ENGINE for t in tasks)
    run.report.notes.append(f"checked {len(tasks) - by_gx} expectations with Spark SQL"
                            + (f" and {by_gx} with Great Expectations on Spark ({'; '.join(sorted(gx.reasons))})"
                               if by_gx else "") + f" in {time.perf_counter() - started:.3f} s")
    return tasks


class _GreatExpectations:
    """Great Expectations' Spark engine, for the expectations accord does not compile: one Spark
    datasource, one DataFrame asset per table (the table's fields, as the suites' views show them)."""

    def __init__(self, run: Validation, con: Any):
        self.run, self.con = run, con
        self.datasource = None
        self.reasons: set[str] = set()

    def run_table(self, table: str, rules: list[tuple[Any, str]]) -> dict[str, Task]:
        from accord.check.runner import gx_not_installed, validate_batch

        self.reasons.update(why for _, why in rules)
        missing = gx_not_installed("great_expectations")
        if missing or not _has_table(self.run, table):
            cause = f"could not run on Spark: {missing}" if missing else f"table {table!r} is not in the package"
            return {rule.name: error_task(rule, GX_ENGINE, cause) for rule, _ in rules}

        key = primary_key(self.run, table)
        tasks: dict[str, Task] = {}
        for rule, task, rows in validate_batch(lambda: self._batch(table), table, [r for r, _ in rules], key, GX_ENGINE):
            tasks[rule.name] = task
            _row_numbers(self.run, self.con, task, rows)
        return tasks

    def _batch(self, table: str) -> Any:
        if self.datasource is None:
            from accord.check.runner import DATASOURCE, gx_context

            self.datasource = gx_context().data_sources.add_spark(name=DATASOURCE)
        try:
            asset = self.datasource.get_asset(table)  # a second suite on the same table
        except LookupError:
            asset = self.datasource.add_dataframe_asset(name=table)
        try:
            definition = asset.get_batch_definition("whole-table")
        except KeyError:
            definition = asset.add_batch_definition_whole_dataframe("whole-table")
        frame = self.con.frame(f"SELECT * FROM {quote_identifier(table)}")  # the view _views made
        return definition.get_batch(batch_parameters={"dataframe": frame})


def _views(run: Validation, con: Any, text_files: list) -> None:
    """Views named like the tables, for the suites' SQL: Spark's tables as they are, a table
    frictionless read (in DuckDB) copied over through Arrow; then the text-file tables."""
    from accord.check.database import text_file_rows

    spark = run.spark
    for table in run.tables.values():
        if not table.fields:
            continue
        columns = ", ".join(quote_identifier(f.name) for f in table.fields)
        if table.engine == "spark":
            frame = con.frame(f"SELECT {columns} FROM {table.relation} AS loaded")
        else:
            frame = spark.createDataFrame(run.con.execute(f"SELECT {columns} FROM {table.relation} AS loaded").arrow())
        frame.createOrReplaceTempView(spark_identifier(table.name))
    for spec in text_files:
        if spec.into in run.tables:
            continue
        rows = text_file_rows(con, run.package, spec, quote_identifier(spec.source)) if spec.source in run.tables else []
        schema = f"`{spec.key}` STRING, path STRING, text STRING, sha256 STRING, error STRING"
        spark.createDataFrame(rows, schema=schema).createOrReplaceTempView(spark_identifier(spec.into))


def _run_table(run: Validation, con: Any, table: str, compiled: list[Compiled]) -> dict[str, Task]:
    tasks: dict[str, Task] = {}
    loaded = run.tables.get(table)
    if not _has_table(run, table):
        return {c.rule.name: error_task(c.rule, ENGINE, f"table {table!r} is not in the package") for c in compiled}
    relation = quote_identifier(table)
    numbered = loaded is not None and loaded.engine == "spark"
    folded = [c for c in compiled if c.kind in ("map", "aggregate")]
    if folded:
        source = f"{loaded.relation} AS loaded" if numbered else f"{relation} AS loaded"
        try:
            tasks.update(_fold(con, source, folded, numbered))
        except Exception:  # one of them does not run: each alone says which
            for c in folded:
                try:
                    tasks.update(_fold(con, source, [c], numbered))
                except Exception as exc:
                    tasks[c.rule.name] = error_task(c.rule, ENGINE, f"could not run on Spark: {first_line(exc)}")
    for c in compiled:
        if c.kind == "rows":
            task, rows = _rows(run, con, table, c)
            tasks[c.rule.name] = task
            _row_numbers(run, con, task, rows)
    return tasks


def _has_table(run: Validation, table: str) -> bool:
    """A table the package loaded, or a view of the suites' (a text-file table)."""
    return table in run.tables or table in _view_names(run)


def _view_names(run: Validation) -> list[str]:
    return [row.viewName if hasattr(row, "viewName") else row[1] for row in run.spark.sql("SHOW VIEWS").collect()]


def _fold(con: Any, source: str, compiled: list[Compiled], numbered: bool) -> dict[str, Task]:
    """One aggregate query for every map and aggregate expectation of a table, then the first
    failing values of each failing one."""
    from accord.check.sql_engine import count_columns, failing_sql, folded_tasks

    windows = [f"sum(CASE WHEN {c.condition} AND {c.considered} THEN 1 ELSE 0 END) OVER (PARTITION BY {sql}) AS {name}"
               for c in compiled for name, sql in c.window.items()]
    relation = f"(SELECT *{''.join(', ' + w for w in windows)} FROM {source}) AS t"
    columns = []
    for i, c in enumerate(compiled):
        columns += ([f"{c.aggregate} FILTER (WHERE {c.condition}) AS a{i}"] if c.kind == "aggregate"
                    else count_columns(i, c))
    cursor = con.execute(f"SELECT {', '.join(columns)} FROM {relation}")
    values = dict(zip([d[0] for d in cursor.description], cursor.fetchall()[0]))

    def sample(i: int, c: Compiled) -> tuple[list[Any], list[int]]:
        """The first failing values and their row numbers: one small query (Spark's min_by takes no count)."""
        row = ROW_NUMBER if numbered else "NULL"
        found = con.execute(f"SELECT {c.shown} AS v, {row} AS r FROM {relation} WHERE {failing_sql(c)} "
                            f"ORDER BY r NULLS LAST LIMIT {SAMPLE}").fetchall()
        return [plain(v) for v, _ in found], [r for _, r in found if r is not None]

    return folded_tasks(compiled, values, numbered, sample, ENGINE)


def _rows(run: Validation, con: Any, table: str, c: Compiled) -> tuple[Task, list[dict[str, Any]]]:
    """An expectation written as SQL: its query transpiled, {batch} the table's view."""
    from accord.spark.dialect import NotTranspiled

    try:
        query = c.query.format(batch=quote_identifier(table))
    except (KeyError, IndexError, ValueError) as exc:
        return error_task(c.rule, ENGINE, f"unexpected_rows_query cannot be filled in: {exc}"), []
    try:
        found = con.execute(f"SELECT * FROM ({query}) AS unexpected_rows LIMIT {ROWS_SHOWN + 1}")
        names = [d[0] for d in found.description]
        fetched = found.fetchall()
        count = len(fetched)
        if count > ROWS_SHOWN:
            (count,) = con.execute(f"SELECT count(*) FROM ({query}) AS unexpected_rows").fetchone()
        rows = [dict(zip(names, r)) for r in fetched[:ROWS_SHOWN]]
    except NotTranspiled as reason:
        return error_task(c.rule, ENGINE, f"could not run on Spark: {reason}"), []
    except Exception as exc:
        return error_task(c.rule, ENGINE, f"could not run on Spark: {first_line(exc)[:300]}"), []
    result = {"success": count == 0, "result": {"observed_value": count, "details": {"unexpected_rows": rows}}}
    return task_from_result(c.rule, result, primary_key(run, table), ENGINE)


def _row_numbers(run: Validation, con: Any, task: Task, rows: list[dict[str, Any]]) -> None:
    """Failing rows' key values as CSV row numbers (accord.check.results.add_row_numbers, on Spark)."""
    table = run.tables.get(task.table)
    if not rows or not task.errors or table is None or table.engine != "spark":
        return
    key = primary_key(run, task.table)
    joined = "concat_ws(chr(31), " + ", ".join(f"CAST({quote_identifier(k)} AS VARCHAR)" for k in key) + ")"
    wanted = [chr(31).join("" if row[k] is None else str(row[k]) for k in key) for row in rows]
    found = dict(con.execute(f"SELECT {joined}, {ROW_NUMBER} FROM {table.relation} AS loaded "
                             f"WHERE {joined} IN ({', '.join(quote_literal(w) for w in wanted)})").fetchall())
    name_rows(task.errors[0], [found[k] for k in wanted if k in found])

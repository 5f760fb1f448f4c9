"""Run expectation suites with Great Expectations' SQL engine on the check database.

GX connects to the DuckDB file through duckdb-engine (a SQL datasource on duckdb:///<file>),
so every metric is a query run inside DuckDB. Each expectation becomes one Task:

- passed: GX says success;
- failed: one Error (code expectation-failed) with the rule's severity, the number of
  unexpected rows, a few failing values and the CSV row numbers where the table has a key;
- error: GX could not evaluate it (an exception, or a result without what it should hold);
  one Error (code expectation-error) carrying the cause. Never a pass, never a bare fail.

Two GX runs per table: expectations written as SQL (UnexpectedRowsExpectation) in GX's
COMPLETE result format, which is the only one that returns their rows, and the built-in
expectations in SUMMARY format with the table's primary key as the index columns, so that
their failures name rows without fetching every failing value.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from typing import Any

from accord.check.database import CheckDatabase
from accord.check.suites import UNEXPECTED_ROWS, Rule, Suite
from accord.report import Error, Task
from accord.sql import first_line, quote_identifier
from accord.validate import Validation

ENGINE = "great_expectations"
SAMPLE = 5  # failing values (and row numbers) kept per failed expectation
DATASOURCE = "accord"

Progress = Callable[[str], None]


def run_suites(
    database: CheckDatabase, suites: list[Suite], run: Validation, progress: Progress | None = None
) -> list[Task]:
    context = _context()
    datasource = context.data_sources.add_sql(
        name=DATASOURCE,
        connection_string=f"duckdb:///{database.path}",
        kwargs={"connect_args": {"read_only": True}},
    )
    _lock_down_duckdb(datasource)
    tasks: list[Task] = []
    keys: list[tuple[Task, list[dict[str, Any]]]] = []
    try:
        for number, suite in enumerate(suites, 1):
            if progress:
                progress(f"suite {number}/{len(suites)}: {suite.name} ({len(suite.rules)} expectations)")
            tables = list(dict.fromkeys(rule.table for rule in suite.rules))
            results: dict[str, tuple[Task, list[dict[str, Any]]]] = {}
            for table in tables:
                rules = [rule for rule in suite.rules if rule.table == table]
                for rule, task, rows in _run_table(datasource, database, run, table, rules):
                    results[rule.name] = (task, rows)
            for rule in suite.rules:  # the suite's order, whatever order GX answered in
                task, rows = results[rule.name]
                tasks.append(task)
                keys.append((task, rows))
    finally:
        # Close GX's connections: DuckDB refuses a second connection with another configuration.
        datasource.get_execution_engine().close()
        datasource.get_engine().dispose()
    _add_row_numbers(run, keys)
    return tasks


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from accord.check import duckdb_fix

    duckdb_fix.install()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _lock_down_duckdb(datasource) -> None:
    """Every connection GX opens: no progress bar (DuckDB draws it on stdout even into a pipe), and
    no file or network access, since suites are data from the package and their SQL must not read
    outside the (read-only) check database; then no setting may change."""
    from sqlalchemy import event

    from accord.sql import MEMORY_LIMIT

    def lock_down(dbapi_connection, _record) -> None:
        dbapi_connection.execute("SET enable_progress_bar = false")
        dbapi_connection.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        dbapi_connection.execute("SET enable_external_access = false")
        dbapi_connection.execute("SET lock_configuration = true")

    event.listen(datasource.get_execution_engine().engine, "connect", lock_down)


def _run_table(datasource, database: CheckDatabase, run: Validation, table: str, rules: list[Rule]):
    """Yield (rule, task, failing-row keys) for each rule on one table."""
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    if table not in database.tables:
        for rule in rules:
            yield rule, _error_task(rule, f"table {table!r} is not in the package"), []
        return
    runnable = []
    for rule in rules:
        try:
            ExpectationConfiguration(**rule.config).to_domain_obj()
        except Exception as exc:  # GX raises many types for a bad configuration
            yield rule, _error_task(rule, f"invalid expectation: {first_line(exc)}"), []
            continue
        runnable.append(rule)
    if not runnable:
        return
    try:
        batch = _batch(datasource, database.sql_name(table))
    except Exception as exc:
        for rule in runnable:
            yield rule, _error_task(rule, f"cannot read table {table!r}: {first_line(exc)}"), []
        return
    key = _primary_key(run, table)
    groups = (
        ([r for r in runnable if r.type == UNEXPECTED_ROWS], {"result_format": "COMPLETE"}),
        (
            [r for r in runnable if r.type != UNEXPECTED_ROWS],
            {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE, **({"unexpected_index_column_names": key} if key else {})},
        ),
    )
    for group, result_format in groups:
        if not group:
            continue
        by_name = {rule.name: rule for rule in group}
        try:
            suite = ExpectationSuite(name=f"{group[0].suite}:{table}", expectations=[rule.config for rule in group])
            outcome = batch.validate(suite, result_format=result_format)
        except Exception as exc:
            for rule in group:
                yield rule, _error_task(rule, first_line(exc)), []
            continue
        answered = set()
        for result in outcome.results:
            rule = by_name.get((result.expectation_config.meta or {}).get("rule"))
            if rule is None or rule.name in answered:
                continue
            answered.add(rule.name)
            yield rule, *_task(rule, result.to_json_dict(), key)
        for rule in group:
            if rule.name not in answered:
                yield rule, _error_task(rule, "GX returned no result for this expectation"), []


def _batch(datasource, table: str):
    try:
        asset = datasource.get_asset(table)
    except LookupError:
        asset = datasource.add_table_asset(name=table, table_name=table)
    try:
        definition = asset.get_batch_definition("whole-table")
    except KeyError:
        definition = asset.add_batch_definition_whole_table("whole-table")
    return definition.get_batch()


def _primary_key(run: Validation, table: str) -> list[str]:
    """The table's primary key, where the loaded table holds it (a text-file table has none)."""
    loaded = run.tables.get(table)
    key = list(loaded.schema.primary_key) if loaded else []
    return key if key and set(key) <= set(loaded.field_names) else []


def _task(rule: Rule, result: dict[str, Any], key: list[str]) -> tuple[Task, list[dict[str, Any]]]:
    task = _new_task(rule)
    cause = _exception(result)
    body = result.get("result") or {}
    if cause is None and result.get("success") is not True and not _has_outcome(body):
        cause = "GX returned an empty result (no observed value, no unexpected count)"
    if cause is not None:
        return _error_task(rule, cause), []
    task.stats.update(_stats(body))
    if result.get("success"):
        return task, []
    rows = _failing_rows(rule, body, key)
    count = body.get("unexpected_count")
    if count is None and rule.type == UNEXPECTED_ROWS:
        count = body.get("observed_value")
    values = _values(rule, body)
    task.errors.append(
        Error(
            code="expectation-failed",
            message=_failure_message(rule, body, count),
            table=rule.table,
            field=rule.column,
            severity=rule.severity,
            rule=rule.name,
            values=values,
            count=count,
        )
    )
    return task, rows


def _new_task(rule: Rule) -> Task:
    return Task(
        name=rule.task_name,
        kind="expectation",
        table=rule.table,
        suite=rule.suite,
        engine=ENGINE,
        stats={"expectation": rule.type, "severity": rule.severity},
    )


def _error_task(rule: Rule, cause: str) -> Task:
    task = _new_task(rule)
    task.status = "error"
    task.errors.append(
        Error(
            code="expectation-error",
            message=f"could not evaluate {rule.task_name} ({rule.description}): {cause}",
            table=rule.table,
            field=rule.column,
            severity="error",
            rule=rule.name,
        )
    )
    return task


def _exception(result: dict[str, Any]) -> str | None:
    """The first exception GX caught while evaluating, or None."""
    info = result.get("exception_info") or {}
    found = [info] if "raised_exception" in info else list(info.values())
    for item in found:
        if isinstance(item, dict) and item.get("raised_exception"):
            return first_line(item.get("exception_message") or "an exception without a message")
    return None


def _has_outcome(body: dict[str, Any]) -> bool:
    return "observed_value" in body or "unexpected_count" in body


def _stats(body: dict[str, Any]) -> dict[str, Any]:
    keep = ("observed_value", "element_count", "unexpected_count", "missing_count")
    return {k: _plain(body[k]) for k in keep if k in body and not isinstance(body[k], (dict, list))}


def _failure_message(rule: Rule, body: dict[str, Any], count: Any) -> str:
    """The rule's description, then what failed in parentheses (row numbers are added later)."""
    if rule.type == UNEXPECTED_ROWS:
        return f"{rule.description} ({count} failing row{'' if count == 1 else 's'})"
    if "unexpected_count" in body:
        total = body.get("element_count")
        return f"{rule.description} ({count}{f' of {total}' if total is not None else ''} values fail)"
    bounds = {k: rule.config["kwargs"][k] for k in ("min_value", "max_value", "value") if k in rule.config["kwargs"]}
    expected = ", ".join(f"{k.removesuffix('_value')} {v}" for k, v in bounds.items())
    return f"{rule.description} (observed {_plain(body.get('observed_value'))}{'; expected ' + expected if expected else ''})"


def _values(rule: Rule, body: dict[str, Any]) -> list[Any]:
    if rule.type == UNEXPECTED_ROWS:
        rows = ((body.get("details") or {}).get("unexpected_rows")) or []
        return [_plain(row) for row in rows[:SAMPLE]]
    if "partial_unexpected_list" in body:
        return [_plain(v) for v in body["partial_unexpected_list"][:SAMPLE]]
    if "observed_value" in body:
        return [_plain(body["observed_value"])]
    return []


def _failing_rows(rule: Rule, body: dict[str, Any], key: list[str]) -> list[dict[str, Any]]:
    """Key values of a few failing rows, where the result carries the table's key."""
    if not key:
        return []
    if rule.type == UNEXPECTED_ROWS:
        rows = ((body.get("details") or {}).get("unexpected_rows")) or []
    else:
        rows = body.get("partial_unexpected_index_list") or []
    return [row for row in rows[:SAMPLE] if isinstance(row, dict) and all(k in row for k in key)]


def _plain(value: Any) -> Any:
    """JSON-friendly: dates as ISO text, decimals as numbers, containers recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _add_row_numbers(run: Validation, failures: list[tuple[Task, list[dict[str, Any]]]]) -> None:
    """Turn failing rows' key values into CSV row numbers (the header is row 1), from the rows
    as validation read them."""
    from accord.validate import ROW_NUMBER

    for task, rows in failures:
        if not rows or not task.errors or task.table not in run.tables:
            continue
        table = run.tables[task.table]
        key = _primary_key(run, task.table)
        joined = "concat_ws(chr(31), " + ", ".join(f"CAST({quote_identifier(k)} AS VARCHAR)" for k in key) + ")"
        wanted = [chr(31).join("" if row[k] is None else str(row[k]) for k in key) for row in rows]
        found = dict(
            run.con.execute(
                f"SELECT {joined}, {ROW_NUMBER} FROM {table.relation} AS loaded "
                f"WHERE {joined} IN ({', '.join('?' for _ in wanted)})",
                wanted,
            ).fetchall()
        )
        numbers = sorted({found[k] for k in wanted if k in found})
        if not numbers:
            continue
        error = task.errors[0]
        error.row = numbers[0]
        shown = ", ".join(map(str, numbers)) + (" ..." if (error.count or 0) > len(numbers) else "")
        error.message = error.message.removesuffix(")") + f"; row{'s' if len(numbers) > 1 else ''} {shown})"

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

import importlib.util
from collections.abc import Callable
from typing import Any

from accord.check.database import CheckDatabase
from accord.check.results import SAMPLE, add_row_numbers, error_task, primary_key, task_from_result
from accord.check.suites import UNEXPECTED_ROWS, Rule, Suite
from accord.report import Task
from accord.sql import first_line
from accord.validate import Validation

ENGINE = "great_expectations"
DATASOURCE = "accord"

Progress = Callable[[str], None]


def run_suites(
    database: CheckDatabase, suites: list[Suite], run: Validation, progress: Progress | None = None
) -> list[Task]:
    context = gx_context()
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
    add_row_numbers(run, keys)
    return tasks


def gx_not_installed(*modules: str) -> str | None:
    """Why an expectation Great Expectations runs cannot run here (a module of the check extra is
    missing), or None."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return (f"Great Expectations runs this expectation, and {missing[0]} is not installed: pip install 'accord[check]'"
            if missing else None)


def gx_context():
    """An ephemeral GX context, quiet (no progress bars), with the DuckDB result-freezing fix installed."""
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

    from accord import limits
    from accord.sql import MEMORY_LIMIT

    def lock_down(dbapi_connection, _record) -> None:
        dbapi_connection.execute("SET enable_progress_bar = false")
        dbapi_connection.execute(f"SET memory_limit = '{limits.current.duckdb_memory(MEMORY_LIMIT)}'")
        dbapi_connection.execute("SET enable_external_access = false")
        dbapi_connection.execute("SET lock_configuration = true")

    event.listen(datasource.get_execution_engine().engine, "connect", lock_down)


def _run_table(datasource, database: CheckDatabase, run: Validation, table: str, rules: list[Rule]):
    """Yield (rule, task, failing-row keys) for each rule on one table."""
    if table not in database.tables:
        for rule in rules:
            yield rule, error_task(rule, ENGINE, f"table {table!r} is not in the package"), []
        return
    yield from validate_batch(lambda: _batch(datasource, database.sql_name(table)), table, rules,
                              primary_key(run, table), ENGINE)


def validate_batch(get_batch: Callable[[], Any], table: str, rules: list[Rule], key: list[str], engine: str):
    """Yield (rule, task, failing-row keys) for each rule, run by GX on the batch get_batch()
    returns (a table of the check database, or a Spark DataFrame); key: the table's primary key,
    which names the failing rows."""
    from great_expectations.core import ExpectationSuite
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    runnable = []
    for rule in rules:
        try:
            ExpectationConfiguration(**rule.config).to_domain_obj()
        except Exception as exc:  # GX raises many types for a bad configuration
            yield rule, error_task(rule, engine, f"invalid expectation: {first_line(exc)}"), []
            continue
        runnable.append(rule)
    if not runnable:
        return
    try:
        batch = get_batch()
    except Exception as exc:
        for rule in runnable:
            yield rule, error_task(rule, engine, f"cannot read table {table!r}: {first_line(exc)}"), []
        return
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
                yield rule, error_task(rule, engine, first_line(exc)), []
            continue
        answered = set()
        for result in outcome.results:
            rule = by_name.get((result.expectation_config.meta or {}).get("rule"))
            if rule is None or rule.name in answered:
                continue
            answered.add(rule.name)
            yield rule, *task_from_result(rule, result.to_json_dict(), key, engine)
        for rule in group:
            if rule.name not in answered:
                yield rule, error_task(rule, engine, "GX returned no result for this expectation"), []


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



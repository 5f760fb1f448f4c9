"""Results of expectations, whichever engine evaluated them, as report Tasks.

Each engine gives a result in Great Expectations' shape (success; result with observed_value,
element_count, missing_count, unexpected_count, partial_unexpected_list ...; exception_info),
and each becomes one Task:

- passed: success;
- failed: one Error (code expectation-failed) with the rule's severity, the number of
  unexpected rows, a few failing values and their CSV row numbers;
- error: the engine could not evaluate it (an exception, or a result without what it should
  hold); one Error (code expectation-error) carrying the cause. Never a pass, never a bare fail.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from accord.check.suites import UNEXPECTED_ROWS, Rule
from accord.report import Error, Task
from accord.sql import first_line, quote_identifier
from accord.validate import ROW_NUMBER, Validation

SAMPLE = 5  # failing values (and row numbers) kept per failed expectation


def task_from_result(rule: Rule, result: dict[str, Any], key: list[str], engine: str) -> tuple[Task, list[dict[str, Any]]]:
    """A Task from a result in GX's shape (success, result, exception_info), and the key values
    of a few failing rows (row numbers follow from them: add_row_numbers)."""
    task = new_task(rule, engine)
    cause = exception_of(result)
    body = result.get("result") or {}
    if cause is None and result.get("success") is not True and not has_outcome(body):
        cause = "GX returned an empty result (no observed value, no unexpected count)"
    if cause is not None:
        return error_task(rule, engine, cause), []
    task.stats.update(stats_of(body))
    if result.get("success"):
        return task, []
    rows = failing_rows(rule, body, key)
    count = body.get("unexpected_count")
    if count is None and rule.type == UNEXPECTED_ROWS:
        count = body.get("observed_value")
    values = values_of(rule, body)
    task.errors.append(
        Error(
            code="expectation-failed",
            message=failure_message(rule, body, count),
            table=rule.table,
            field=rule.column,
            severity=rule.severity,
            rule=rule.name,
            values=values,
            count=count,
        )
    )
    return task, rows


def new_task(rule: Rule, engine: str) -> Task:
    return Task(
        name=rule.task_name,
        kind="expectation",
        table=rule.table,
        suite=rule.suite,
        engine=engine,
        stats={"expectation": rule.type, "severity": rule.severity, "description": rule.description},
    )


def error_task(rule: Rule, engine: str, cause: str) -> Task:
    task = new_task(rule, engine)
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


def exception_of(result: dict[str, Any]) -> str | None:
    """The first exception GX caught while evaluating, or None."""
    info = result.get("exception_info") or {}
    found = [info] if "raised_exception" in info else list(info.values())
    for item in found:
        if isinstance(item, dict) and item.get("raised_exception"):
            return first_line(item.get("exception_message") or "an exception without a message")
    return None


def has_outcome(body: dict[str, Any]) -> bool:
    return "observed_value" in body or "unexpected_count" in body


def stats_of(body: dict[str, Any]) -> dict[str, Any]:
    keep = ("observed_value", "element_count", "unexpected_count", "missing_count")
    return {k: plain(body[k]) for k in keep if k in body and not isinstance(body[k], (dict, list))}


def failure_message(rule: Rule, body: dict[str, Any], count: Any) -> str:
    """The rule's description, then what failed in parentheses (row numbers are added later)."""
    if rule.type == UNEXPECTED_ROWS:
        return f"{rule.description} ({count} failing row{'' if count == 1 else 's'})"
    if "unexpected_count" in body:
        total = body.get("element_count")
        return f"{rule.description} ({count}{f' of {total}' if total is not None else ''} values fail)"
    bounds = {k: rule.config["kwargs"][k] for k in ("min_value", "max_value", "value") if k in rule.config["kwargs"]}
    expected = ", ".join(f"{k.removesuffix('_value')} {v}" for k, v in bounds.items())
    return f"{rule.description} (observed {plain(body.get('observed_value'))}{'; expected ' + expected if expected else ''})"


def values_of(rule: Rule, body: dict[str, Any]) -> list[Any]:
    if rule.type == UNEXPECTED_ROWS:
        rows = ((body.get("details") or {}).get("unexpected_rows")) or []
        return [plain(row) for row in rows[:SAMPLE]]
    if "partial_unexpected_list" in body:
        return [plain(v) for v in body["partial_unexpected_list"][:SAMPLE]]
    if "observed_value" in body:
        return [plain(body["observed_value"])]
    return []


def failing_rows(rule: Rule, body: dict[str, Any], key: list[str]) -> list[dict[str, Any]]:
    """Key values of a few failing rows, where the result carries the table's key."""
    if not key:
        return []
    if rule.type == UNEXPECTED_ROWS:
        rows = ((body.get("details") or {}).get("unexpected_rows")) or []
    else:
        rows = body.get("partial_unexpected_index_list") or []
    return [row for row in rows[:SAMPLE] if isinstance(row, dict) and all(k in row for k in key)]


def plain(value: Any) -> Any:
    """JSON-friendly: dates as ISO text, decimals as numbers, containers recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def primary_key(run: Validation, table: str) -> list[str]:
    """The table's primary key, where the loaded table holds it (a text-file table has none)."""
    loaded = run.tables.get(table)
    key = list(loaded.schema.primary_key) if loaded else []
    return key if key and set(key) <= set(loaded.field_names) else []


def name_rows(error: Error, numbers: list[int]) -> None:
    """Put failing rows' CSV numbers into the error (the first as its row, the rest in the message)."""
    numbers = sorted(set(numbers))
    if not numbers:
        return
    error.row = numbers[0]
    shown = ", ".join(map(str, numbers)) + (" ..." if (error.count or 0) > len(numbers) else "")
    error.message = error.message.removesuffix(")") + f"; row{'s' if len(numbers) > 1 else ''} {shown})"


def add_row_numbers(run: Validation, failures: list[tuple[Task, list[dict[str, Any]]]]) -> None:
    """Turn failing rows' key values into CSV row numbers (the header is row 1), from the rows
    as validation read them."""
    for task, rows in failures:
        if not rows or not task.errors or task.table not in run.tables:
            continue
        table = run.tables[task.table]
        key = primary_key(run, task.table)
        joined = "concat_ws(chr(31), " + ", ".join(f"CAST({quote_identifier(k)} AS VARCHAR)" for k in key) + ")"
        wanted = [chr(31).join("" if row[k] is None else str(row[k]) for k in key) for row in rows]
        found = dict(
            run.con.execute(
                f"SELECT {joined}, {ROW_NUMBER} FROM {table.relation} AS loaded "
                f"WHERE {joined} IN ({', '.join('?' for _ in wanted)})",
                wanted,
            ).fetchall()
        )
        name_rows(task.errors[0], [found[k] for k in wanted if k in found])

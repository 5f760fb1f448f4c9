"""Great Expectations 1.x expectations compiled to DuckDB SQL, with GX's semantics.

A map expectation (a yes or no for each row) becomes three predicates over the table's rows:
the row_condition (which rows the expectation looks at), `considered` (which of those count:
GX leaves missing values out, except where missing values are what the expectation is about)
and `unexpected`; an aggregate expectation becomes one SQL aggregate and a test of its value.
The engine (accord.check.sql_engine) folds every expectation of a table into one query.

An expectation type not listed in COMPILERS, or a configuration this module does not read
(a row_condition written as a string, a parameter it does not know), raises Unsupported: that
expectation runs through Great Expectations instead, and the report says so.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accord.check.suites import COMMON_KWARGS, KNOWN_KWARGS, UNEXPECTED_ROWS, Rule
from accord.sql import quote_identifier, quote_literal


class Unsupported(Exception):
    """This engine does not compile this expectation: Great Expectations runs it."""


@dataclass
class Compiled:
    rule: Rule
    kind: str  # "map", "aggregate" or "rows"
    condition: str = "TRUE"  # row_condition
    considered: str = "TRUE"  # rows that count (GX leaves missing values out)
    unexpected: str = "FALSE"
    shown: str = "NULL"  # the value shown for an unexpected row
    window: dict[str, str] = field(default_factory=dict)  # column -> window SQL the predicates read
    mostly: float | None = None
    aggregate: str = "NULL"  # aggregate: the observed value
    holds: Callable[[Any], bool] | None = None  # aggregate: whether the observed value passes
    query: str = ""  # rows: the unexpected rows query, {batch} not yet replaced


def compile_rule(rule: Rule, index: int) -> Compiled:
    compiler = COMPILERS.get(rule.type)
    if compiler is None:
        raise Unsupported(f"{rule.type} is not compiled to SQL")
    kwargs = dict(rule.config.get("kwargs") or {})
    known = KNOWN_KWARGS.get(rule.type, set()) | COMMON_KWARGS
    extra = set(kwargs) - known | ({"windows"} if kwargs.get("windows") else set())
    if extra:
        raise Unsupported(f"parameter {sorted(extra)[0]!r} is not compiled to SQL")
    compiled = compiler(rule, kwargs, index)
    if compiled.kind == "map":
        compiled.condition = condition_sql(kwargs.get("row_condition"))
        mostly = kwargs.get("mostly")
        if mostly is not None and not (isinstance(mostly, (int, float)) and 0 <= mostly <= 1):
            raise Unsupported(f"mostly {mostly!r} is not a fraction")
        compiled.mostly = mostly
    elif kwargs.get("row_condition") is not None:
        compiled.condition = condition_sql(kwargs["row_condition"])
    return compiled


# -- row_condition ------------------------------------------------------------------------------

OPERATORS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def condition_sql(condition: Any) -> str:
    """GX 1.x's structured row_condition (comparison, nullity, and, or) as SQL."""
    if condition is None:
        return "TRUE"
    if not isinstance(condition, dict):
        raise Unsupported("a row_condition written as a string is parsed by GX only")
    kind = condition.get("type")
    if kind in ("and", "or"):
        parts = [condition_sql(c) for c in condition.get("conditions") or []]
        return "(" + f" {kind.upper()} ".join(parts) + ")" if parts else "TRUE"
    column = condition.get("column")
    if not isinstance(column, dict) or not isinstance(column.get("name"), str):
        raise Unsupported("a row_condition without a column name")
    name = quote_identifier(column["name"])
    if kind == "nullity":
        return f"({name} IS {'' if condition.get('is_null') else 'NOT '}NULL)"
    if kind != "comparison":
        raise Unsupported(f"row_condition of type {kind!r}")
    operator, parameter = condition.get("operator"), condition.get("parameter")
    if operator in ("IN", "NOT_IN"):
        values = ", ".join(literal(v) for v in parameter or [])
        return f"({name} {'NOT ' if operator == 'NOT_IN' else ''}IN ({values or 'NULL'}))"
    if operator not in OPERATORS:
        raise Unsupported(f"row_condition operator {operator!r}")
    return f"({name} {OPERATORS[operator]} {literal(parameter)})"


def literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)) and not (isinstance(value, float) and not math.isfinite(value)):
        return repr(value)
    if isinstance(value, str):
        return quote_literal(value)
    raise Unsupported(f"a parameter of type {type(value).__name__}")


def column_of(kwargs: dict[str, Any], key: str = "column") -> str:
    name = kwargs.get(key)
    if not isinstance(name, str) or not name:
        raise Unsupported(f"{key} must name a column")
    return quote_identifier(name)


def bound_sql(value: str, kwargs: dict[str, Any]) -> str:
    """GX's between: a missing bound is open; strict_min and strict_max exclude the bound."""
    parts = []
    if kwargs.get("min_value") is not None:
        parts.append(f"{value} {'<=' if kwargs.get('strict_min') else '<'} {literal(kwargs['min_value'])}")
    if kwargs.get("max_value") is not None:
        parts.append(f"{value} {'>=' if kwargs.get('strict_max') else '>'} {literal(kwargs['max_value'])}")
    if not parts:
        raise Unsupported("between needs min_value or max_value")
    return "(" + " OR ".join(parts) + ")"


def between_holds(kwargs: dict[str, Any]) -> Callable[[Any], bool]:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")

    def holds(observed: Any) -> bool:
        if observed is None:
            return False
        if low is not None and (observed <= low if kwargs.get("strict_min") else observed < low):
            return False
        return not (high is not None and (observed >= high if kwargs.get("strict_max") else observed > high))

    if low is None and high is None:
        raise Unsupported("between needs min_value or max_value")
    return holds


# -- the expectations ---------------------------------------------------------------------------------


def _not_null(rule, kwargs, index):
    c = column_of(kwargs)
    return Compiled(rule, "map", unexpected=f"({c} IS NULL)", shown=c)


def _null(rule, kwargs, index):
    c = column_of(kwargs)
    return Compiled(rule, "map", unexpected=f"({c} IS NOT NULL)", shown=c)


def _non_missing(rule, kwargs, unexpected: str, shown: str, columns: list[str]) -> Compiled:
    return Compiled(rule, "map", considered=" AND ".join(f"{c} IS NOT NULL" for c in columns),
                    unexpected=unexpected, shown=shown)


def _in_set(rule, kwargs, index, negate=False):
    c = column_of(kwargs)
    values = kwargs.get("value_set")
    if not isinstance(values, list):
        raise Unsupported("value_set must be a list")
    listed = ", ".join(literal(v) for v in values) or "NULL"
    test = f"({c} IN ({listed}))" if negate else f"(NOT COALESCE({c} IN ({listed}), FALSE))"
    return _non_missing(rule, kwargs, test, c, [c])


def _between(rule, kwargs, index):
    c = column_of(kwargs)
    return _non_missing(rule, kwargs, bound_sql(c, kwargs), c, [c])


def _lengths(rule, kwargs, index):
    c = column_of(kwargs)
    return _non_missing(rule, kwargs, bound_sql(f"length(CAST({c} AS VARCHAR))", kwargs), c, [c])


def _regex(rule, kwargs, index, negate=False):
    c = column_of(kwargs)
    regex = kwargs.get("regex")
    if not isinstance(regex, str):
        raise Unsupported("regex must be text")
    try:
        re.compile(regex)
    except re.error as exc:
        raise Unsupported(f"regex {regex!r} does not compile: {exc}") from exc
    found = f"regexp_matches(CAST({c} AS VARCHAR), {quote_literal(regex)})"
    return _non_missing(rule, kwargs, found if negate else f"(NOT {found})", c, [c])


def _unique(rule, kwargs, index):
    c = column_of(kwargs)
    window = f"u{index}"
    compiled = _non_missing(rule, kwargs, f"({window} > 1)", c, [c])
    compiled.window[window] = c
    return compiled


def _columns(kwargs: dict[str, Any]) -> list[str]:
    names = kwargs.get("column_list")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise Unsupported("column_list must name columns")
    return [quote_identifier(n) for n in names]


def _ignore(columns: list[str], mode: str) -> str:
    """The rows GX leaves out: ignore_row_if."""
    if mode in ("all_values_are_missing", "both_values_are_missing"):
        return "NOT (" + " AND ".join(f"{c} IS NULL" for c in columns) + ")"
    if mode in ("any_value_is_missing", "either_value_is_missing"):
        return " AND ".join(f"{c} IS NOT NULL" for c in columns)
    if mode == "never":
        return "TRUE"
    raise Unsupported(f"ignore_row_if {mode!r}")


def _row_of(kwargs: dict[str, Any]) -> str:
    """A multicolumn expectation shows a failing row as GX does: {column: value}."""
    return "{" + ", ".join(f"{quote_literal(n)}: {quote_identifier(n)}" for n in kwargs["column_list"]) + "}"


def _compound_unique(rule, kwargs, index):
    columns = _columns(kwargs)
    window = f"u{index}"
    compiled = Compiled(rule, "map", considered=_ignore(columns, kwargs.get("ignore_row_if", "all_values_are_missing")),
                        unexpected=f"({window} > 1)", shown=_row_of(kwargs))
    compiled.window[window] = ", ".join(columns)
    return compiled


def _pair(rule, kwargs, index, comparison: str):
    a, b = column_of(kwargs, "column_A"), column_of(kwargs, "column_B")
    return Compiled(rule, "map", considered=_ignore([a, b], kwargs.get("ignore_row_if", "both_values_are_missing")),
                    # as GX's SQL: a row where the comparison is NULL (one value missing) is not unexpected
                    unexpected=f"(NOT ({comparison.format(a=a, b=b)}))", shown=f"[{a}, {b}]")


def _greater(rule, kwargs, index):
    return _pair(rule, kwargs, index, "{a} >= {b}" if kwargs.get("or_equal") else "{a} > {b}")


def _equal(rule, kwargs, index):
    return _pair(rule, kwargs, index, "{a} = {b}")


def _sum_equal(rule, kwargs, index):
    columns = _columns(kwargs)
    total = kwargs.get("sum_total")
    if not isinstance(total, (int, float)):
        raise Unsupported("sum_total must be a number")
    return Compiled(rule, "map", considered=_ignore(columns, kwargs.get("ignore_row_if", "all_values_are_missing")),
                    unexpected=f"(NOT (({' + '.join(columns)}) = {literal(total)}))", shown=_row_of(kwargs))


def _aggregate(function: str):
    def compiler(rule, kwargs, index):
        c = column_of(kwargs)
        return Compiled(rule, "aggregate", aggregate=function.format(c=c), holds=between_holds(kwargs))
    return compiler


def _row_count_between(rule, kwargs, index):
    return Compiled(rule, "aggregate", aggregate="count(*)", holds=between_holds(kwargs))


def _row_count_equal(rule, kwargs, index):
    value = kwargs.get("value")
    if not isinstance(value, int):
        raise Unsupported("value must be an integer")
    return Compiled(rule, "aggregate", aggregate="count(*)", holds=lambda observed: observed == value)


def _unexpected_rows(rule, kwargs, index):
    query = kwargs.get("unexpected_rows_query")
    if not isinstance(query, str) or "{batch}" not in query:
        raise Unsupported("unexpected_rows_query must read its table as {batch}")
    return Compiled(rule, "rows", query=query)


COMPILERS: dict[str, Callable[[Rule, dict[str, Any], int], Compiled]] = {
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_null": _null,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_values_to_not_be_in_set": lambda r, k, i: _in_set(r, k, i, negate=True),
    "expect_column_values_to_be_between": _between,
    "expect_column_value_lengths_to_be_between": _lengths,
    "expect_column_values_to_match_regex": _regex,
    "expect_column_values_to_not_match_regex": lambda r, k, i: _regex(r, k, i, negate=True),
    "expect_column_values_to_be_unique": _unique,
    "expect_compound_columns_to_be_unique": _compound_unique,
    "expect_column_pair_values_a_to_be_greater_than_b": _greater,
    "expect_column_pair_values_to_be_equal": _equal,
    "expect_multicolumn_sum_to_equal": _sum_equal,
    "expect_column_min_to_be_between": _aggregate("min({c})"),
    "expect_column_max_to_be_between": _aggregate("max({c})"),
    "expect_column_mean_to_be_between": _aggregate("avg({c})"),
    "expect_column_median_to_be_between": _aggregate("median({c})"),
    "expect_table_row_count_to_be_between": _row_count_between,
    "expect_table_row_count_to_equal": _row_count_equal,
    UNEXPECTED_ROWS: _unexpected_rows,
}

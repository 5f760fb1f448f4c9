"""Constraints as portable SQL: each constraint value read by frictionless's own value reader,
Python regular expressions translated to RE2, and the cell checks of a table in frictionless's
order within a row (a type check, then each constraint of the field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from accord.sql import quote_literal
from accord.validate.plan import (
    FieldPlan,
    TablePlan,
    UnreadableConstraint,
    aware_column,
    column,
    missing_column,
    value_column,
)
from accord.validate.typing_sql import (
    MICROS_PER_SECOND,
    PY_WHITESPACE,
    list_length_sql,
    typed_cell_sql,
)

def constraint_literals(f: FieldPlan) -> dict[str, Any]:
    """Each constraint's value as frictionless reads it (its value reader), as SQL literals."""
    fld = f.field
    reader = fld.create_value_reader()
    literals: dict[str, Any] = {}
    for name in fld.supported_constraints:
        value = fld.constraints.get(name)
        if value is None:
            continue
        if name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            parsed = reader(value)
            if parsed is None:
                raise UnreadableConstraint(f"constraint {name} {value!r} is not a {fld.type}")
            if is_nan(parsed):
                raise UnreadableConstraint(f"constraint {name} is NaN")
            literals[name] = sql_literal(fld, parsed)
        elif name == "enum":
            # a NaN equals nothing in Python, not even a NaN (each is its own object)
            values = [v for v in map(reader, value) if v is not None and not is_nan(v)]
            if fld.type == "any":
                values = [v for v in values if isinstance(v, str)]  # a cell is text
            literals[name] = [sql_literal(fld, v) for v in values]
        elif name == "pattern":
            literals[name] = python_pattern_to_sql(value)
        else:
            literals[name] = value
    return literals


def is_nan(value: Any) -> bool:
    if isinstance(value, Decimal):
        return value.is_nan()
    return isinstance(value, float) and value != value


def sql_literal(fld: Any, value: Any) -> tuple[str, str | None]:
    """(value literal, awareness literal for datetime/time) for a Python value frictionless read."""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, int):
        return f"CAST({quote_literal(str(value))} AS DECIMAL(38,0))", None
    if isinstance(value, (float, Decimal)):
        if is_nan(value):
            text = "nan"
        elif value in (Decimal("Infinity"), Decimal("-Infinity")):
            text = "inf" if value > 0 else "-inf"
        else:
            text = str(value)
        return f"CAST({quote_literal(text)} AS DOUBLE)", None
    if isinstance(value, datetime):
        aware = value.utcoffset() is not None
        if aware:
            value = (value - value.utcoffset()).replace(tzinfo=None)
        return f"CAST({quote_literal(value.isoformat(sep=' '))} AS TIMESTAMP)", "TRUE" if aware else "FALSE"
    if isinstance(value, date):
        return f"CAST({quote_literal(value.isoformat())} AS DATE)", None
    if hasattr(value, "hour") and hasattr(value, "microsecond"):  # datetime.time
        offset = value.utcoffset()
        micros = ((value.hour * 3600 + value.minute * 60 + value.second) * MICROS_PER_SECOND + value.microsecond)
        if offset is not None:
            micros -= int(offset / timedelta(microseconds=1))
        return str(micros), "TRUE" if offset is not None else "FALSE"
    if isinstance(value, str):
        return quote_literal(value), None
    return quote_literal(str(value)), None


# Python's \w, \d and \s are Unicode-aware; RE2's are ASCII
PY_CLASS_ESCAPES = {
    "w": r"\p{L}\p{N}_",
    "d": r"\p{Nd}",
    "s": PY_WHITESPACE[1:-1],
}
RE2_LACKS = re.compile(r"\(\?[=!<#>]|\(\?P=|\\[1-9]|[*+?}][+]|\\[bB]")
PY_END = r"(?:\n?\z)"  # Python's $: the end, or before a newline that ends the text


def python_pattern_to_sql(pattern: str) -> str:
    """re.compile(f"^{pattern}$").match(cell) as an RE2 pattern for a search of the whole text.

    Python's match anchors at the start; its `$` also matches before a final newline."""
    return f"^(?:^{python_regex_to_re2(pattern)}{PY_END})"


def python_regex_to_re2(pattern: str) -> str:
    """Translate Python regex syntax RE2 reads differently; UnreadableConstraint if RE2 lacks it."""
    if RE2_LACKS.search(pattern):
        raise UnreadableConstraint(f"pattern {pattern!r} uses syntax the engine does not translate")
    out, index, in_class = [], 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escape = pattern[index + 1]
            if escape.lower() in PY_CLASS_ESCAPES:
                members = PY_CLASS_ESCAPES[escape.lower()]
                if in_class and escape.isupper():
                    raise UnreadableConstraint(f"pattern {pattern!r} negates a class inside a class")
                if in_class:
                    out.append(members)
                else:
                    out.append(f"[{'^' if escape.isupper() else ''}{members}]")
                index += 2
                continue
            if escape == "Z":
                out.append(r"\z")
                index += 2
                continue
            if escape in "uU":
                digits = 4 if escape == "u" else 8
                out.append(f"\\x{{{pattern[index + 2:index + 2 + digits]}}}")
                index += 2 + digits
                continue
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            index += 1
            # a ']' first in a class is a member
            for prefix in ("^]", "]", "^"):
                if pattern.startswith(prefix, index):
                    out.append(prefix.replace("]", "\\]"))
                    index += len(prefix)
                    break
            continue
        if char == "]" and in_class:
            in_class = False
        out.append(PY_END if char == "$" and not in_class else char)
        index += 1
    return "".join(out)


# -- the checks ---------------------------------------------------------------------------------


@dataclass
class CellCheck:
    """One check of one cell: a type check or one constraint."""

    id: int
    code: str  # "type-error" or "constraint-error"
    field: FieldPlan
    note: str  # frictionless's note, e.g. 'type is "integer/default"'
    failed: str  # SQL, true when the check fails (over the typed relation)


def cell_checks(plan: TablePlan) -> list[CellCheck]:
    """Every cell check of a table, in frictionless's order within a row."""
    checks: list[CellCheck] = []
    for f in plan.fields:
        fld = f.field
        typed = typed_cell_sql(fld, column(f))
        value, aware = value_column(f), aware_column(f)
        if not typed.never_invalid:
            note = f'type is "{fld.type}/{fld.format}"'
            if fld.type == "list":
                note = f'expected item type is "{fld.item_type}"'
            checks.append(CellCheck(len(checks) + 1, "type-error", f, note, f"(NOT {missing_column(f)} AND {value} IS NULL)"))
        literals = constraint_literals(f)
        for name, literal in literals.items():
            failed = constraint_failed_sql(fld, name, literal, value, aware, f)
            if failed is None:
                continue
            if name != "required":
                failed = f"({value} IS NOT NULL AND {failed})"  # frictionless checks only values
            note = f'constraint "{name}" is "{fld.constraints[name]}"'
            checks.append(CellCheck(len(checks) + 1, "constraint-error", f, note, failed))
    return checks


def constraint_failed_sql(fld: Any, name: str, literal: Any, value: str, aware: str | None, f: FieldPlan) -> str | None:
    """SQL true when the constraint fails; NULL (not counted) when the value is missing."""
    if name == "required":
        return missing_column(f) if literal else None
    if name in ("minLength", "maxLength"):
        length = list_length_sql(fld, value) if fld.type == "list" else f"length({value})"
        return f"({length} {'<' if name == 'minLength' else '>'} {int(literal)})"
    if name == "pattern":
        return f"(NOT regexp_matches({value}, {quote_literal(literal)}))"
    if name == "enum":
        if not literal:
            return f"({value} IS NOT NULL)"
        if aware is None:
            return f"({value} NOT IN ({', '.join(v for v, _ in literal)}))"
        equal_any = " OR ".join(f"({value} = {v} AND {aware} = {a})" for v, a in literal)
        return f"(NOT ({equal_any}))"
    operator = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}[name]
    bound, _ = literal
    failed = f"{value} {operator} {bound}"
    if fld.type == "number":
        failed = f"{failed} OR isnan({value})"  # Python: NaN fails every bound
    return f"({failed})"



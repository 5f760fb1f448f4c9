"""The pass over a table's rows as portable SQL: every cell typed and checked, each row's errors
kept as one record, and the typed values that the key checks (and build and check) read.

The per-row error record is NULL for a row without errors; otherwise tokens
"<tag>:<length>:<text>", tag a check id (text: the cell), "x<n>" an extra cell at position n
(text: the cell), "n" (text: how many cells the row has, when not as many as fields) or "blank".
"""

from __future__ import annotations

from accord.sql import quote_literal
from accord.validate.constraint_sql import CellCheck
from accord.validate.plan import (
    TablePlan,
    aware_column,
    column,
    key_columns,
    missing_column,
    value_column,
)
from accord.validate.typing_sql import typed_cell_sql

EMPTY = "''"


def balanced(operator: str, terms: list[str], empty: str) -> str:
    """terms joined by an associative operator as a balanced tree: a table of thousands of
    columns stays within SQL engines' expression depth (DuckDB's is 1000)."""
    if not terms:
        return empty
    while len(terms) > 1:
        terms = [f"({' '.join([terms[i], operator, terms[i + 1]])})" if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return terms[0]


def error_token_sql(tag: str, text: str) -> str:
    return f"'{tag}:' || CAST(length({text}) AS VARCHAR) || ':' || {text}"


def parse_error_tokens(record: str) -> list[tuple[str, str]]:
    tokens, index = [], 0
    while index < len(record):
        tag_end = record.index(":", index)
        length_end = record.index(":", tag_end + 1)
        length = int(record[tag_end + 1 : length_end])
        tokens.append((record[index:tag_end], record[length_end + 1 : length_end + 1 + length]))
        index = length_end + 1 + length
    return tokens


def row_checks_sql(plan: TablePlan, checks: list[CellCheck], source: str, carried: tuple[str, ...] = (),
                   errors: bool = True) -> str:
    """One pass over a table's CSV rows, each on its own: how many errors the row has, what
    they are (see parse_error_tokens), the typed values of key fields and of the fields kept for
    build and check (plan.kept), and whether frictionless skips the row (a comment, or a blank
    row under skipBlankRows).

    `source` is a relation with columns c1 .. c<width>: a CSV row's cells as text, NULL where
    the row has fewer cells; `carried` columns of it (such as a row number) pass through. Which
    rows are data rows depends on their numbers: see data_rows_sql. errors=False (rows read, not
    checked: --no-validate) leaves out the error count and record, so that the database reads
    and types only the cells of the kept fields."""
    fields = plan.fields
    width = plan.width
    marker = plan.empty_line_marker

    def cell(position: int) -> str:
        raw = f"ltrim(c{position}, ' ')" if plan.skip_initial_space else f"c{position}"
        if marker is None:
            return raw
        # an empty line was written as the marker alone; a marker inside a quoted value is removed
        empty_line = f"c1 = {quote_literal(marker)}" + (" AND c2 IS NULL" if width > 1 else "")
        return f"CASE WHEN {empty_line} THEN NULL ELSE replace({raw}, {quote_literal(marker)}, '') END"

    skipped = []
    if plan.comment_char:
        skipped.append(f"COALESCE(substr(c1, 1, {len(plan.comment_char)}) = {quote_literal(plan.comment_char)}, FALSE)")
    if plan.skip_blank_rows:
        skipped.append(balanced("AND", [f"COALESCE(c{i}, '') = ''" for i in range(1, width + 1)], "TRUE"))
    cells = ", ".join(f"{cell(i)} AS c{i}" for i in range(1, width + 1))
    source_rows = f"SELECT {''.join(c + ', ' for c in carried)}{cells} FROM {source}"
    carried_columns = list(carried)

    n_cells = balanced("+", [f"CASE WHEN c{i} IS NULL THEN 0 ELSE 1 END" for i in range(1, width + 1)], "0")
    missing = [
        f"({column(f)} IS NULL OR {column(f)} IN ({', '.join(quote_literal(v) for v in f.missing_values)})) AS {missing_column(f)}"
        if f.missing_values
        else f"({column(f)} IS NULL) AS {missing_column(f)}"
        for f in fields
    ]
    extra_columns = [f"c{i}" for i in range(len(fields) + 1, width + 1)]
    counted = (
        "SELECT " + ", ".join([*carried_columns, f"{' OR '.join(skipped) or 'FALSE'} AS skipped", f"{n_cells} AS n_cells",
                               *(column(f) for f in fields), *extra_columns, *missing])
        + f" FROM ({source_rows}) AS source_rows"
    )

    typed_columns = []
    for f in fields:
        typed = typed_cell_sql(f.field, column(f))
        value = f"CASE WHEN {missing_column(f)} THEN NULL ELSE {typed.value} END"
        typed_columns.append(f"{value} AS {value_column(f)}")
        if aware_column(f):
            # a time zone counts only where there is a value: an unreadable cell is None in Python
            typed_columns.append(f"CASE WHEN ({value}) IS NULL THEN NULL ELSE {typed.aware} END AS {aware_column(f)}")
    passthrough = [*carried_columns, "skipped", "n_cells", *(column(f) for f in fields), *extra_columns, *(missing_column(f) for f in fields)]
    typed_rows = f"SELECT {', '.join(passthrough + typed_columns)} FROM ({counted}) AS typed_source"

    n_fields = len(fields)
    blank = balanced("AND", [missing_column(f) for f in fields], "FALSE")
    failed_flags = [f"COALESCE({check.failed}, FALSE) AS f{check.id}" for check in checks]
    keys = [c for f in plan.key_fields.values() for c in key_columns(f)]
    # the typed values build and check read: the same values the checks read, in the same pass
    keys += [value_column(f) for f in fields if f.name in plan.kept and value_column(f) not in keys]
    flagged = (
        "SELECT " + ", ".join([*carried_columns, "skipped", "n_cells", *(column(f) for f in fields), *extra_columns, *keys,
                               f"{blank} AS blank", *failed_flags])
        + f" FROM ({typed_rows}) AS typed_rows"
    )
    if not errors:
        return "SELECT " + ", ".join([*carried_columns, "skipped", *keys]) + f" FROM ({flagged}) AS flagged"

    count_terms = [f"CASE WHEN f{c.id} THEN 1 ELSE 0 END" for c in checks] + [f"abs(n_cells - {n_fields})"]
    tokens = [f"CASE WHEN f{c.id} THEN {error_token_sql(str(c.id), f'COALESCE({column(c.field)}, {EMPTY})')} END" for c in checks]
    tokens += [f"CASE WHEN c{i} IS NOT NULL THEN {error_token_sql(f'x{i}', f'c{i}')} END" for i in range(n_fields + 1, width + 1)]
    tokens.append(f"CASE WHEN n_cells <> {n_fields} THEN {error_token_sql('n', 'CAST(n_cells AS VARCHAR)')} END")
    # most rows have no error: the count and the record are built only for those that have one
    has_error = balanced("OR", ["blank", f"n_cells <> {n_fields}", *(f"f{c.id}" for c in checks)], "FALSE")
    error_count = f"CASE WHEN blank THEN 1 WHEN {has_error} THEN {balanced('+', count_terms, '0')} END"
    record = f"CASE WHEN blank THEN {quote_literal('blank:0:')} WHEN {has_error} THEN concat_ws('', {', '.join(tokens)}) END"
    return (
        "SELECT " + ", ".join([*carried_columns, "skipped", f"{error_count} AS error_count", f"{record} AS errors", *keys])
        + f" FROM ({flagged}) AS flagged"
    )


def data_rows_sql(plan: TablePlan, rows: str) -> str:
    """The data rows, over the output of row_checks_sql with row numbers (the header is row 1):
    those after the header that frictionless does not skip."""
    conditions = [f"row_number >= {plan.first_data_row}", "NOT skipped"]
    if plan.comment_rows:
        conditions.append(f"row_number NOT IN ({', '.join(str(n) for n in plan.comment_rows)})")
    return f"SELECT * FROM {rows} WHERE {' AND '.join(conditions)}"


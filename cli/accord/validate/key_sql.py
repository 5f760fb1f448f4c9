"""Unique fields, primary keys and foreign keys as portable set-based SQL over a table's checked
relation (row_number and the typed key values), with Python's equality: NULLs in a key compare
equal (tuples), a NaN equals nothing, values of different types are never equal except
True == 1.
"""

from __future__ import annotations

from accord.validate.plan import FieldPlan, key_columns, value_column
from accord.validate.typing_sql import key_domain


def duplicate_rows_sql(checked: str, key: list[str]) -> str:
    """Rows whose key (NULLs compare equal, as Python tuples) appeared in an earlier row, with
    that earlier row: frictionless reports every occurrence after the first."""
    equal = " AND ".join(f"t.{k} IS NOT DISTINCT FROM d.{k}" for k in key)
    partition = ", ".join(f"t.{k}" for k in key)
    # group 64-bit hashes first, then the few values whose hash repeats: far cheaper than
    # grouping every value when nearly all are unique
    return (
        f"WITH repeated_hashes AS (SELECT hash({', '.join(key)}) AS h FROM {checked} GROUP BY h HAVING count(*) > 1),"
        f" duplicated AS (SELECT {', '.join(key)} FROM {checked} WHERE hash({', '.join(key)}) IN (SELECT h FROM repeated_hashes)"
        f" GROUP BY {', '.join(key)} HAVING count(*) > 1)"
        f" SELECT row_number, previous_row, {key[0]} AS value FROM ("
        f"SELECT t.row_number, lag(t.row_number) OVER (PARTITION BY {partition} ORDER BY t.row_number) AS previous_row,"
        f" {', '.join(f't.{k}' for k in key)}"
        f" FROM {checked} AS t JOIN duplicated AS d ON {equal}) AS occurrences WHERE previous_row IS NOT NULL"
    )


def not_nan_sql(fields: list[FieldPlan], alias: str = "") -> str:
    """No number in the key is NaN: Python finds a NaN equal to nothing, itself included."""
    terms = [f"NOT COALESCE(isnan({alias}{value_column(f)}), FALSE)" for f in fields if f.type == "number"]
    return " AND ".join(terms) or "TRUE"


def unique_violations_sql(checked: str, f: FieldPlan) -> str:
    key = key_columns(f)
    values = f"(SELECT row_number, {', '.join(key)} FROM {checked} WHERE {key[0]} IS NOT NULL AND {not_nan_sql([f])})"
    return duplicate_rows_sql(values, key)


def all_missing_sql(fields: list[FieldPlan]) -> str:
    """True where every one of the key's cells is missing (its typed values are all NULL)."""
    return " AND ".join(f"{value_column(f)} IS NULL" for f in fields)


def missing_key_sql(checked: str, fields: list[FieldPlan]) -> str:
    """(row_number, NULL): rows whose key cells are all missing."""
    return f"SELECT row_number, NULL AS previous_row FROM {checked} WHERE {all_missing_sql(fields)}"


def primary_key_violations_sql(checked: str, fields: list[FieldPlan]) -> str:
    """(row_number, previous_row): duplicates, and rows whose key cells are all missing (previous_row NULL)."""
    key = [c for f in fields for c in key_columns(f)]
    keyed_rows = f"(SELECT row_number, {', '.join(key)} FROM {checked} WHERE NOT ({all_missing_sql(fields)}) AND {not_nan_sql(fields)})"
    return (
        f"SELECT row_number, previous_row FROM ({duplicate_rows_sql(keyed_rows, key)}) AS duplicates"
        f" UNION ALL {missing_key_sql(checked, fields)}"
    )


def foreign_key_violations_sql(checked: str, fields: list[FieldPlan], referenced: str, reference_fields: list[FieldPlan | None]) -> str:
    """Rows whose key is not all missing and matches no row of the referenced table, NULLs
    comparing equal (frictionless looks the key tuple up in a set of tuples)."""
    conditions = []
    for f, r in zip(fields, reference_fields):
        if r is None or key_domain(f.field) != key_domain(r.field):
            conditions.append("FALSE")  # values of different types are never equal in Python
            continue
        for mine, theirs in zip(key_columns(f), key_columns(r)):
            mine, theirs = f"c.{mine}", f"r.{theirs}"
            if f.type != r.type:  # True == 1 in Python
                mine = f"CAST({mine} AS INTEGER)" if f.type == "boolean" else mine
                theirs = f"CAST({theirs} AS INTEGER)" if r.type == "boolean" else theirs
            conditions.append(f"{theirs} IS NOT DISTINCT FROM {mine}")
    key = [c for f in fields for c in key_columns(f)]
    same_key = " AND ".join(f"t.{k} IS NOT DISTINCT FROM b.{k}" for k in key)
    # each distinct key is looked up once, and rows are fetched only for the keys not found
    return (
        f"WITH keys AS (SELECT DISTINCT {', '.join(key)} FROM {checked} WHERE NOT ({all_missing_sql(fields)})),"
        f" broken AS (SELECT * FROM keys AS c"
        f" WHERE NOT ({not_nan_sql(fields, 'c.')} AND EXISTS (SELECT 1 FROM {referenced} AS r WHERE {' AND '.join(conditions)})))"
        f" SELECT t.row_number, {', '.join(f't.{value_column(f)}' for f in fields)} FROM {checked} AS t JOIN broken AS b ON {same_key}"
    )


def transpile(sql: str, dialect: str) -> str:
    """The check SQL for another engine (e.g. "spark"), through sqlglot."""
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE)[0]


"""A starter expectation suite for one table, from its Table Schema and its data, for review.

Works on any package. What it proposes, each as one expectation with a rule name:

- row-count-floor / row-count-ceiling: between half and twice today's rows (the ceiling warns);
- <field>-not-null for required fields; <field>-unique for unique fields and a one-field primary
  key, primary-key-unique for a compound one;
- <field>-pattern for a pattern constraint, as SQL with DuckDB's regexp_full_match (GX's regex
  expectations do not run on DuckDB: "Regex is not supported for dialect duckdb");
- <field>-in-set for enum constraints, and for strings with few distinct values that repeat;
- <field>-range: the observed minimum and maximum of numbers, years and dates.

The data is what validation reads, as `accord check` sees it.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import unicodedata
from typing import Any

from accord.errors import PackageError
from accord.package import Package, Resource
from accord.sql import quote_identifier, quote_literal

FEW_VALUES = 10  # a string column with at most this many distinct values that repeat gets a value set
RANGE_TYPES = ("integer", "number", "year", "date", "datetime")


def starter_suite(package: Package, table: str, name: str | None = None, engine: str = "duckdb") -> dict[str, Any]:
    """The suite as a dict in GX's suite JSON shape (name, meta, expectations)."""
    from accord.validate import open_validation

    resource = package.resource(table)
    with open_validation(package, engine=engine, keep={table: set(resource.field_names)}) as run:
        loaded = run.tables.get(table)
        if loaded is None:
            raise PackageError(f"{table}: the table could not be read ({run.report.first_errors()})")
        rows = run.con.execute(f"SELECT count(*) FROM {loaded.relation} AS loaded").fetchone()[0]
        observed = {f["name"]: _observe(run.con, loaded.relation, f) for f in resource.fields}
    expectations = [*_row_counts(table, rows), *_key_rules(resource)]
    for field_ in resource.fields:
        expectations.extend(_field_rules(resource, field_, observed[field_["name"]]))
    return {
        "name": name or table,
        "meta": {
            "table": table,
            "description": (
                f"Starter suite for {table}, proposed by `accord suite init` from its Table Schema and its "
                f"{rows} rows on {datetime.date.today().isoformat()}: review every rule before relying on it."
            ),
        },
        "expectations": _unique_rule_names(expectations),
    }


def to_json(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def _observe(con, relation: str, field_: dict[str, Any]) -> dict[str, Any]:
    column = quote_identifier(field_["name"])
    type_ = field_.get("type", "string")
    if type_ in ("list", "object", "array", "geojson"):
        return {}
    found = con.execute(
        f"SELECT count({column}), count(DISTINCT {column}), min({column}), max({column}) FROM {relation} AS loaded"
    ).fetchone()
    observed = {"count": found[0], "distinct": found[1], "min": found[2], "max": found[3]}
    if type_ == "string" and 0 < found[1] <= FEW_VALUES:
        values = con.execute(
            f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM {relation} AS loaded WHERE {column} IS NOT NULL ORDER BY 1"
        ).fetchall()
        observed["values"] = [v for (v,) in values]
    return observed


def _expectation(type_: str, kwargs: dict[str, Any], rule: str, description: str, severity: str = "error") -> dict[str, Any]:
    return {"type": type_, "kwargs": kwargs, "meta": {"rule": rule, "severity": severity, "description": description}}


def _row_counts(table: str, rows: int) -> list[dict[str, Any]]:
    floor, ceiling = rows // 2, max(1, math.ceil(rows * 2))
    return [
        _expectation("expect_table_row_count_to_be_between", {"min_value": floor}, "row-count-floor",
                     f"{table} has at least {floor} rows (half of the {rows} it had): fewer means rows were lost."),
        _expectation("expect_table_row_count_to_be_between", {"max_value": ceiling}, "row-count-ceiling",
                     f"{table} has at most {ceiling} rows (twice the {rows} it had): more is worth a look.", "warning"),
    ]


def _key_rules(resource: Resource) -> list[dict[str, Any]]:
    key = resource.primary_key
    if len(key) < 2:
        return []  # a one-field key is covered field by field
    return [_expectation("expect_compound_columns_to_be_unique", {"column_list": key}, "primary-key-unique",
                         f"No two rows share the primary key ({', '.join(key)}).")]


def _rule_name(field_name: str, suffix: str) -> str:
    """A kebab-case rule name from a field name: accents dropped ("mês" -> "mes"), anything else
    that is not a letter or digit of ASCII becomes a hyphen."""
    ascii_name = unicodedata.normalize("NFKD", field_name).encode("ascii", "ignore").decode().lower()
    slug = "-".join(part for part in re.split(r"[^a-z0-9]+", ascii_name) if part) or "field"
    return f"{slug}-{suffix}"


def _unique_rule_names(expectations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two fields may give one rule name ("a b" and "a-b", or two names with no ASCII letters): number the repeats."""
    seen: dict[str, int] = {}
    for expectation in expectations:
        rule = expectation["meta"]["rule"]
        seen[rule] = seen.get(rule, 0) + 1
        if seen[rule] > 1:
            expectation["meta"]["rule"] = f"{rule}-{seen[rule]}"
    return expectations


def _field_rules(resource: Resource, field_: dict[str, Any], observed: dict[str, Any]) -> list[dict[str, Any]]:
    name = field_["name"]
    type_ = field_.get("type", "string")
    constraints = field_.get("constraints") or {}
    in_key = resource.primary_key == [name]
    rules = []
    if constraints.get("required") or in_key:
        rules.append(_expectation("expect_column_values_to_not_be_null", {"column": name}, _rule_name(name, "not-null"),
                                  f"Every row has a {name}."))
    if constraints.get("unique") or in_key:
        rules.append(_expectation("expect_column_values_to_be_unique", {"column": name}, _rule_name(name, "unique"),
                                  f"No two rows share a {name}."))
    if constraints.get("pattern") and type_ == "string":
        rules.append(_pattern_rule(resource, name, constraints["pattern"]))
    values = constraints.get("enum") or (observed.get("values") if _few_repeating(observed, constraints, in_key) else None)
    if values and type_ == "string":
        source = "the schema's enum" if constraints.get("enum") else "the values seen today"
        rules.append(_expectation("expect_column_values_to_be_in_set", {"column": name, "value_set": list(values)},
                                  _rule_name(name, "in-set"), f"{name} is one of {source}: {', '.join(map(str, values))}."))
    if type_ in RANGE_TYPES and observed.get("min") is not None:
        low, high = _plain(observed["min"]), _plain(observed["max"])
        rules.append(_expectation("expect_column_values_to_be_between", {"column": name, "min_value": low, "max_value": high},
                                  _rule_name(name, "range"), f"{name} lies between {low} and {high}, the range seen today."))
    return rules


def _few_repeating(observed: dict[str, Any], constraints: dict[str, Any], in_key: bool) -> bool:
    if in_key or constraints.get("unique") or "values" not in observed:
        return False
    return observed["distinct"] * 2 <= observed["count"]  # values repeat: a category, not free text


def _pattern_rule(resource: Resource, name: str, pattern: str) -> dict[str, Any]:
    key = [k for k in resource.primary_key if k != name]
    shown = ", ".join(quote_identifier(c) for c in [*key, name])
    # {batch} is GX's placeholder; braces of the pattern itself are doubled to stay literal.
    literal = quote_literal(pattern).replace("{", "{{").replace("}", "}}")
    column = quote_identifier(name)
    query = (f"SELECT {shown} FROM {{batch}} WHERE {column} IS NOT NULL "
             f"AND NOT regexp_full_match(CAST({column} AS VARCHAR), {literal})")
    return _expectation("unexpected_rows_expectation", {"unexpected_rows_query": query}, _rule_name(name, "pattern"),
                        f"{name} matches the schema's pattern {pattern}.")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value

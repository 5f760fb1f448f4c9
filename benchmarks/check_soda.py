"""The same expectations through Soda Core on DuckDB, for comparison with `accord check`.

    python benchmarks/check_soda.py PACKAGE --checks DIR      # with the Python of benchmarks/.venv-soda

Soda Core lives in its own environment (benchmarks/run.py makes it: `python -m venv
benchmarks/.venv-soda && benchmarks/.venv-soda/bin/pip install soda-core-duckdb duckdb`), so
this script imports nothing from accord: it reads the descriptor and the GX suite files as
JSON. It loads every table a suite reads into an in-memory DuckDB, typed from the Table Schema
(as accord's check and GX on pandas load theirs), writes each GX expectation as its SodaCL
check, runs one Soda scan and prints one JSON document: timings, and per check its outcome.

The translation covers the built-in expectations the comparable suites hold (row counts,
not null and null with a row condition, between, A greater than B); any other type stops the
script, so a comparison never leaves a check out silently.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

DUCKDB_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE", "year": "INTEGER"}
OPERATORS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return repr(value)


def condition(c) -> str:
    if c is None:
        return "TRUE"
    if c["type"] in ("and", "or"):
        return "(" + f" {c['type'].upper()} ".join(condition(p) for p in c["conditions"]) + ")"
    column = q(c["column"]["name"])
    if c["type"] == "nullity":
        return f"({column} IS {'' if c.get('is_null') else 'NOT '}NULL)"
    if c["operator"] in ("IN", "NOT IN"):
        return f"({column} {c['operator']} ({', '.join(literal(p) for p in c['parameter'])}))"
    return f"({column} {OPERATORS[c['operator']]} {literal(c['parameter'])})"


def sodacl(expectation: dict, name: str) -> dict:
    """One GX expectation as a SodaCL check (a one-key mapping)."""
    kind, kwargs = expectation["type"], expectation.get("kwargs", {})
    if kind == "expect_table_row_count_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None and high is not None:
            return {f"row_count between {low} and {high}": {"name": name}}
        return {f"row_count {'>=' if low is not None else '<='} {low if low is not None else high}": {"name": name}}
    where = condition(kwargs.get("row_condition"))
    if kind == "expect_column_values_to_not_be_null":
        return {"failed rows": {"name": name, "fail condition": f"{where} AND {q(kwargs['column'])} IS NULL"}}
    if kind == "expect_column_values_to_be_null":
        return {"failed rows": {"name": name, "fail condition": f"{where} AND {q(kwargs['column'])} IS NOT NULL"}}
    if kind == "expect_column_values_to_be_between":
        column, parts = q(kwargs["column"]), []
        if kwargs.get("min_value") is not None:
            parts.append(f"{column} {'<=' if kwargs.get('strict_min') else '<'} {literal(kwargs['min_value'])}")
        if kwargs.get("max_value") is not None:
            parts.append(f"{column} {'>=' if kwargs.get('strict_max') else '>'} {literal(kwargs['max_value'])}")
        return {"failed rows": {"name": name, "fail condition": f"{where} AND {column} IS NOT NULL AND ({' OR '.join(parts)})"}}
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = q(kwargs["column_A"]), q(kwargs["column_B"])
        mode = kwargs.get("ignore_row_if", "both_values_are_missing")
        considered = {"both_values_are_missing": f"NOT ({a} IS NULL AND {b} IS NULL)",
                      "either_value_is_missing": f"{a} IS NOT NULL AND {b} IS NOT NULL", "never": "TRUE"}[mode]
        comparison = f"{a} >= {b}" if kwargs.get("or_equal") else f"{a} > {b}"
        return {"failed rows": {"name": name, "fail condition": f"{where} AND {considered} AND NOT ({comparison})"}}
    raise SystemExit(f"check_soda.py: no SodaCL for {kind} ({name}): the comparison would leave it out")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", type=Path, help="the package's folder")
    parser.add_argument("--checks", type=Path, required=True, help="folder of GX suite JSON files")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    import duckdb
    import yaml
    from soda.scan import Scan

    imported = time.perf_counter()
    descriptor = json.loads((args.package / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in descriptor["resources"]}
    suites = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(args.checks.glob("*.json"))]
    checks: dict[str, list] = {}
    warning_only: set[str] = set()  # GX severity "warning": a failure is a warning, as accord reports it
    for suite in suites:
        table = (suite.get("meta") or {}).get("table", suite["name"])
        for expectation in suite["expectations"]:
            name = f"{suite['name']}/{expectation['meta']['rule']}"
            checks.setdefault(table, []).append(sodacl(expectation, name))
            if (expectation.get("severity") or expectation["meta"].get("severity")) == "warning":
                warning_only.add(name)
    con = duckdb.connect()
    for table in checks:
        resource = resources[table]
        fields = resource["schema"]["fields"]
        columns = ", ".join(f"{literal(f['name'])}: {literal(DUCKDB_TYPES.get(f.get('type', 'string'), 'VARCHAR'))}"
                            for f in fields)
        path = args.package / resource["path"]
        con.execute(f"CREATE TABLE {q(table)} AS SELECT * FROM read_csv({literal(str(path))}, header = true, "
                    f"columns = {{{columns}}}, nullstr = '', auto_detect = false)")
    loaded = time.perf_counter()
    scan = Scan()
    scan.set_data_source_name("accord")
    scan.add_duckdb_connection(duckdb_connection=con, data_source_name="accord")
    scan.add_sodacl_yaml_str(yaml.safe_dump({f"checks for {table}": items for table, items in checks.items()},
                                            sort_keys=False))
    scan.execute()
    done = time.perf_counter()
    outcomes = [{"name": c.name, "outcome": str(c.outcome.value) if c.outcome else None} for c in scan._checks]
    print(json.dumps({
        "engine": "soda-core duckdb",
        "checks": len(outcomes),
        "seconds": {"imports": round(imported - started, 3), "load": round(loaded - imported, 3),
                    "scan": round(done - loaded, 3), "total": round(done - started, 3)},
        "failed": [o["name"] for o in outcomes if o["outcome"] != "pass" and o["name"] not in warning_only],
        "warned": [o["name"] for o in outcomes if o["outcome"] != "pass" and o["name"] in warning_only],
        "results": outcomes,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

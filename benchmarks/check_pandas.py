"""The expectation suites in checks/ through Great Expectations' pandas engine, for comparison
with `accord check` (GX's SQL engine on DuckDB).

    python benchmarks/check_pandas.py PACKAGE [--checks DIR] [--comparable-checks OUT]

Reads every table's CSV into a pandas DataFrame (typed from the Table Schema), then validates
each suite on a pandas datasource. UnexpectedRowsExpectation is SQL and does not run on
pandas, so those expectations are listed as not comparable and skipped. --comparable-checks
writes the comparable expectations as a suite folder, to time `accord check --checks OUT` on
exactly the same work. Prints one JSON document: timings, and per expectation its outcome.
Run it under /usr/bin/time -v for peak memory.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from accord.check.suites import UNEXPECTED_ROWS, default_checks_dir, load_suites
from accord.package import Package, Resource, load_package

PANDAS_TYPES = {"integer": "Int64", "year": "Int64", "number": "float64", "boolean": "boolean"}


def read_table(resource: Resource):
    """One CSV as a DataFrame: numbers as numbers, missing cells as NA, dates as datetime.date.

    GX's pandas engine parses a suite's "1949-05-05" bound into a datetime.date and raises
    comparing it with text or with pandas Timestamps, so date columns hold datetime.date.
    """
    import pandas as pd

    dtypes, dates = {}, []
    for field in resource.fields:
        if field.get("type") == "date":
            dates.append(field["name"])
        dtypes[field["name"]] = PANDAS_TYPES.get(field.get("type", "string"), "string")
    missing = resource.schema.get("missingValues", [""])
    frame = pd.read_csv(resource.path, dtype=dtypes, keep_default_na=False, na_values=missing, encoding="utf-8")
    for name in dates:
        frame[name] = pd.to_datetime(frame[name], errors="coerce").dt.date
    return frame


def comparable(suites) -> list:
    """The suites with only the expectations that run on pandas (not SQL)."""
    out = []
    for suite in suites:
        rules = [r for r in suite.rules if r.type != UNEXPECTED_ROWS]
        if rules:
            out.append((suite, rules))
    return out


def write_comparable(suites, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for suite, rules in comparable(suites):
        document = {**suite.document, "expectations": [r.config for r in rules]}
        (folder / f"{suite.name}.json").write_text(json.dumps(document, indent=2), encoding="utf-8")


def run(package: Package, suites) -> dict:
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig

    started = time.perf_counter()
    frames = {}
    tables = {rule.table for suite in suites for rule in suite.rules if rule.type != UNEXPECTED_ROWS}
    for table in sorted(tables):
        frames[table] = read_table(package.resource(table))
    loaded = time.perf_counter()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_pandas("pandas")
    results, skipped = [], []
    for suite in suites:
        for rule in suite.rules:
            if rule.type == UNEXPECTED_ROWS:
                skipped.append(rule.task_name)
    for suite, rules in comparable(suites):
        for table in dict.fromkeys(r.table for r in rules):
            group = [r for r in rules if r.table == table]
            asset = datasource.add_dataframe_asset(name=f"{suite.name}-{table}")
            batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frames[table]})
            began = time.perf_counter()
            outcome = batch.validate(ExpectationSuite(name=f"{suite.name}:{table}", expectations=[r.config for r in group]),
                                     result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
            seconds = time.perf_counter() - began
            for result in outcome.results:
                info = result.exception_info or {}
                raised = info.get("raised_exception") or any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())
                results.append({"name": f"{suite.name}/{result.expectation_config.meta['rule']}", "table": table,
                                "success": result.success, "raised": bool(raised)})
            results[-1]["group_seconds"] = round(seconds, 3)
    done = time.perf_counter()
    return {
        "engine": "great_expectations pandas",
        "rows": {t: len(f) for t, f in frames.items()},
        "seconds": {"read_csv": round(loaded - started, 3), "validate": round(done - loaded, 3),
                    "total": round(done - started, 3)},
        "comparable": len(results),
        "not_comparable_sql": skipped,
        "failed": [r["name"] for r in results if not r["success"] and not r["raised"]],
        "raised": [r["name"] for r in results if r["raised"]],
        "results": results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", help="datapackage.json or its folder")
    parser.add_argument("--checks", type=Path, help="suite folder (default: checks/ beside the descriptor)")
    parser.add_argument("--comparable-checks", type=Path, help="write the comparable expectations here as suites, and stop")
    args = parser.parse_args(argv)
    package = load_package(args.package)
    suites = load_suites(args.checks or default_checks_dir(package.descriptor_path))
    if args.comparable_checks:
        write_comparable(suites, args.comparable_checks)
        return 0
    started = time.perf_counter()
    report = run(package, suites)
    report["seconds"]["with_imports"] = round(time.perf_counter() - started, 3)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

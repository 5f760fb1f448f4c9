"""validate: descriptor + CSV structure + types + constraints + keys, as one Report.

Two engines give the same Report shape: `duckdb` (compiled SQL, fast) and `frictionless`
(the reference). The descriptor itself is always checked by frictionless.
"""

from __future__ import annotations

import time
from pathlib import Path

from accord.package import Package, load_package
from accord.report import Report

ENGINES = ("duckdb", "frictionless")


def validate(path: str | Path | Package | None = None, engine: str = "duckdb", trusted: bool = False) -> Report:
    from accord.errors import UsageError

    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    package = path if isinstance(path, Package) else load_package(path, trusted=trusted)
    started = time.perf_counter()
    from accord.validate.descriptor import descriptor_errors

    report = Report(package=package.name, errors=descriptor_errors(package))
    if any(e.severity == "error" for e in report.errors):
        return report  # the tables cannot be read reliably against a broken descriptor
    if engine == "frictionless":
        from accord.validate.frictionless_engine import validate_with_frictionless

        report.tasks = validate_with_frictionless(package)
    else:
        from accord.validate.duckdb_engine import validate_with_duckdb

        report.tasks, report.notes = validate_with_duckdb(package)
    paths = {r.name: r.relpath for r in package.resources}
    for task in report.tasks:
        if task.table in paths:
            task.stats.setdefault("path", paths[task.table])  # lets annotations name the CSV file
    report.notes.append(f"validated with {engine} in {time.perf_counter() - started:.3f} s")
    return report

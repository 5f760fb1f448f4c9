"""check: validate, then run the expectation suites in checks/ with Great Expectations on DuckDB.

One Report holds both: the validation tasks first, then one task per expectation. The suites
run only when validation could read the tables; they run on a DuckDB database built in a
temporary folder (accord.check.database), through GX's SQL engine (accord.check.runner).
Great Expectations is imported only here, when suites actually run: it takes seconds.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from accord.check.suites import Suite, default_checks_dir, load_suites, select_suites
from accord.package import Package, load_package
from accord.report import Error, Report, Task

__all__ = ["check", "load_suites", "select_suites"]


def check(
    path: str | Path | Package | None = None,
    suites: list[str] | None = None,
    engine: str = "duckdb",
    trusted: bool = False,
    warn_only: bool = False,
    checks_dir: str | Path | None = None,
    progress=None,
    validate_first: bool = True,
) -> Report:
    """Validate the package, then run the named suites (default: all) from checks_dir.

    checks_dir defaults to checks/ beside the descriptor. A suite file that cannot be read,
    or an unknown suite name, raises (exit 2); bad data never does. validate_first=False
    checks only the descriptor before the suites, for a pipeline that has just validated.
    """
    from accord.validate import validate
    from accord.validate.descriptor import descriptor_errors

    package = path if isinstance(path, Package) else load_package(path, trusted=trusted)
    folder = Path(checks_dir) if checks_dir else default_checks_dir(package.descriptor_path)
    available = load_suites(folder)
    selected = select_suites(available, suites)
    if validate_first:
        if progress:
            progress(f"validating {package.name} ({engine})")
        report = validate(package, engine=engine)
    else:
        report = Report(package=package.name, errors=descriptor_errors(package))
        report.notes.append("tables not validated (--no-validate): the suites ran on the data as it loads")
    report.warn_only = warn_only
    if not selected:
        report.notes.append(f"no expectation suites in {folder}")
    elif report.exit_code == 2 or (not validate_first and not report.valid):
        report.notes.append("expectation suites not run: the tables could not be read")
    else:
        _run(report, package, available, selected, progress)
    _add_paths(report, package)
    return report


def _run(report: Report, package: Package, available: list[Suite], selected: list[Suite], progress) -> None:
    from accord.check.database import build_check_database
    from accord.check.runner import run_suites
    from accord.check.suites import columns_used
    from accord.errors import AccordError

    # Text-file tables come from every suite, so one suite may read a table another declares.
    text_files = [s.text_files for s in available if s.text_files]
    columns = columns_used(selected)
    if columns is not None:
        for spec in text_files:
            columns.setdefault(spec.source, set()).update({spec.key, spec.path})
    with tempfile.TemporaryDirectory(prefix="accord-check-") as tmp:
        if progress:
            progress("loading the tables into DuckDB")
        started = time.perf_counter()
        try:
            database = build_check_database(package, Path(tmp) / "check.duckdb", text_files, columns)
        except AccordError as exc:
            report.tasks.append(
                Task(
                    name="check:database",
                    kind="expectation",
                    status="error",
                    errors=[Error(code="expectation-error", message=f"could not load the tables for the suites: {exc}")],
                )
            )
            return
        loaded = time.perf_counter()
        report.notes.extend(database.notes)
        if columns is not None:
            report.notes.append("loaded only the columns the expectations read, and the primary keys")
        report.notes.append(f"loaded {sum(database.tables.values())} rows into DuckDB in {loaded - started:.3f} s")
        report.tasks.extend(run_suites(database, selected, package, progress))
        report.notes.append(
            f"checked {sum(len(s.rules) for s in selected)} expectations in {len(selected)} suite{'s' if len(selected) != 1 else ''} "
            f"with Great Expectations on DuckDB in {time.perf_counter() - loaded:.3f} s"
        )


def _add_paths(report: Report, package: Package) -> None:
    """Task.stats["path"]: the table's file, relative to the working folder where it lies inside it
    (GitHub annotations name files from the repository root)."""
    cwd = Path.cwd().resolve()
    paths = {
        r.name: str(r.path.relative_to(cwd)) if r.path.is_relative_to(cwd) else r.relpath for r in package.resources
    }
    for task in report.tasks:
        if task.table in paths:
            task.stats.setdefault("path", paths[task.table])

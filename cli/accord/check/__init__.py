"""check: validate, then run the expectation suites in checks/ on the tables validation read.

One Report holds both: the validation tasks first, then one task per expectation. The suites
run on the typed tables of the same read (accord.validate.open_validation): compiled to DuckDB
SQL where accord compiles the expectation (accord.check.sql_engine), else through Great
Expectations' SQL engine on a copy of the tables (accord.check.runner). Great Expectations is
imported only when an expectation needs it: it takes seconds.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

from accord.check.suites import Suite, columns_used, default_checks_dir, load_suites, select_suites
from accord.errors import AccordError
from accord.package import Package, load_package
from accord.report import Error, Report, Task
from accord.validate import Validation, name_paths, open_validation
from accord.validate.plan import Keep

__all__ = ["check", "check_validation", "load_suites", "select_suites", "suites_to_run"]


def suites_to_run(package: Package, suites: list[str] | None, checks_dir: str | Path | None) -> tuple[Path, list[Suite], list[Suite]]:
    """(the checks folder, every suite in it, the ones selected); raises for a bad suite or name."""
    folder = Path(checks_dir) if checks_dir else default_checks_dir(package.descriptor_path)
    available = load_suites(folder)
    return folder, available, select_suites(available, suites)


def kept_columns(run_package: Package, available: list[Suite], selected: list[Suite]) -> Keep:
    """The fields validation keeps for the suites: those their expectations name and the primary
    keys (to name failing rows), or all of them when an expectation may read any column."""
    columns = columns_used(selected)
    if columns is None:
        return "all"
    for spec in (s.text_files for s in available if s.text_files):
        columns.setdefault(spec.source, set()).update({spec.key, spec.path})
    for resource in run_package.resources:
        if resource.name in columns:
            # the key names failing rows; a table of no named column still needs one to count rows
            columns[resource.name].update(resource.primary_key or resource.field_names[:1])
    return columns


def check(
    path: str | Path | Package | None = None,
    suites: list[str] | None = None,
    engine: str = "duckdb",
    trusted: bool = False,
    checks_dir: str | Path | None = None,
    progress=None,
    validate_first: bool = True,
    expectations: str = "duckdb",
) -> Report:
    """Validate the package, then run the named suites (default: all) from checks_dir.

    checks_dir defaults to checks/ beside the descriptor. A suite file that cannot be read,
    or an unknown suite name, raises; bad data never does. expectations: "duckdb" runs what it
    compiles as SQL (the rest through Great Expectations), "gx" runs every one through GX. validate_first=False reads the
    tables without validating their rows (the descriptor is still checked), for a pipeline
    that has just validated.
    """
    package = path if isinstance(path, Package) else load_package(path, trusted=trusted, cluster_paths=engine == "spark")
    folder, available, selected = suites_to_run(package, suites, checks_dir)
    if progress:
        progress(f"validating {package.name} ({engine})")
    with tempfile.TemporaryDirectory(prefix="accord-check-") as work:
        keep = kept_columns(package, available, selected) if selected else None
        with open_validation(package, engine=engine, keep=keep, outputs=[Path(work)], check_rows=validate_first) as run:
            if not validate_first:
                run.report.notes.append("tables not validated (--no-validate): the suites ran on the data as it loads")
            if isinstance(keep, dict):
                run.report.notes.append("loaded only the columns the expectations read, and the primary keys")
            return check_validation(run, folder, available, selected, Path(work), progress, expectations)


def check_validation(run: Validation, folder: Path, available: list[Suite], selected: list[Suite], work: Path,
                     progress=None, expectations: str = "duckdb") -> Report:
    """Run the selected suites on what `run` loaded; their tasks join its report, which is returned.
    `work` is a folder the validation may write into."""
    report = run.report
    if not selected:
        report.notes.append(f"no expectation suites in {folder}")
    elif report.status == "unreadable" or any(e.severity == "error" for e in report.errors):
        report.notes.append("expectation suites not run: the tables could not be read")
    else:
        _run(run, available, selected, work, progress, expectations)
    return report


def _run(run: Validation, available: list[Suite], selected: list[Suite], work: Path, progress,
         expectations: str) -> None:
    """The suites' expectations: those the DuckDB engine compiles there (one query per table),
    the rest (or all, with expectations="gx") through Great Expectations."""
    from accord.check import sql_engine

    report = run.report
    text_files = [s.text_files for s in available if s.text_files]
    if expectations == "spark":  # every expectation on Spark, where validation left the tables
        from accord.spark.check import run_suites

        report.tasks += run_suites(run, selected, text_files, progress)
        name_paths(run)
        return
    tasks: dict[tuple[str, str], Task] = {}
    left: dict[str, list] = {}  # suite -> [(rule, why)] for Great Expectations
    started = time.perf_counter()
    if expectations == "duckdb":
        sql_engine.prepare(run, text_files)
        for suite in selected:
            for table in dict.fromkeys(rule.table for rule in suite.rules):
                compiled, rest = sql_engine.split([r for r in suite.rules if r.table == table])
                if progress and compiled:
                    progress(f"suite {suite.name}: {len(compiled)} expectations on {table}")
                for name, task in sql_engine.run_table(run, table, compiled).items():
                    tasks[(suite.name, name)] = task
                left.setdefault(suite.name, []).extend(rest)
        ran = len(tasks)
        report.notes.append(f"checked {ran} expectation{'s' if ran != 1 else ''} with DuckDB SQL in "
                            f"{time.perf_counter() - started:.3f} s")
    else:
        left = {suite.name: [(rule, "--engine gx") for rule in suite.rules] for suite in selected}
    by_gx = [dataclasses.replace(suite, rules=[rule for rule, _ in left[suite.name]])
             for suite in selected if left.get(suite.name)]
    if by_gx:
        if expectations == "duckdb":
            reasons = sorted({why for pairs in left.values() for _, why in pairs})
            report.notes.append(f"{sum(len(s.rules) for s in by_gx)} expectations ran with Great Expectations: "
                                + "; ".join(reasons))
        tasks.update(_run_gx(run, by_gx, text_files, work, progress))
    report.tasks += [tasks[(suite.name, rule.name)] for suite in selected for rule in suite.rules
                     if (suite.name, rule.name) in tasks]
    name_paths(run)


def _run_gx(run: Validation, suites: list[Suite], text_files: list, work: Path, progress) -> dict[tuple[str, str], Task]:
    from accord.check.database import write_check_database
    from accord.check.results import error_task

    report = run.report
    from accord.check.runner import gx_not_installed, run_suites

    cause = gx_not_installed("great_expectations", "sqlalchemy", "duckdb_engine")
    if cause:  # the check extra is not installed: each of these could not run
        return {(s.name, r.name): error_task(r, "great_expectations", cause) for s in suites for r in s.rules}
    if progress:
        progress("copying the tables for Great Expectations")
    started = time.perf_counter()
    try:
        database = write_check_database(run, work / "check.duckdb", text_files)
    except AccordError as exc:
        report.tasks.append(Task(name="check:database", kind="expectation", status="error", errors=[
            Error(code="expectation-error", message=f"could not load the tables for the suites: {exc}")]))
        return {}
    copied = time.perf_counter()
    report.notes.append(f"copied {sum(database.tables.values())} rows for Great Expectations in {copied - started:.3f} s")
    tasks = run_suites(database, suites, run, progress)
    report.notes.append(
        f"checked {sum(len(s.rules) for s in suites)} expectations in {len(suites)} suite{'s' if len(suites) != 1 else ''} "
        f"with Great Expectations on DuckDB in {time.perf_counter() - copied:.3f} s"
    )
    return {(task.suite, task.name.split("/", 1)[1]): task for task in tasks}

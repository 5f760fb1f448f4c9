"""accord check: validate, then run the expectation suites in checks/ (a CI data-quality gate)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from accord.commands import options


def command(
    package: str = options.PACKAGE,
    suite: list[str] = typer.Option(None, "--suite", "-s", metavar="NAME", help="Run only this suite (repeatable; default: every suite)."),
    warn_only: bool = typer.Option(False, "--warn-only", help="Report failures but exit 0 (unless the package cannot be read)."),
    fmt: str = options.REPORT_FORMAT,
    output: Path = options.OUTPUT,
    engine: list[str] = typer.Option(
        None, "--engine", metavar="ENGINE",
        help="duckdb (the default: fast validation, expectations as DuckDB SQL), frictionless (the reference "
             "validator), gx (every expectation through Great Expectations, the reference) or spark (validation and "
             "expectations on Apache Spark); repeatable, e.g. --engine frictionless --engine gx for both references."),
    spark_master: str = options.SPARK_MASTER,
    checks: Path = typer.Option(None, "--checks", metavar="DIR", help="Folder of suite JSON files (default: checks/ beside the descriptor)."),
    reports: list[str] = typer.Option(None, "--report", metavar="FORMAT:FILE",
                                      help="Also write the report in FORMAT to FILE (repeatable): one run, several reports."),
    trusted: bool = options.TRUSTED,
    no_validate: bool = typer.Option(False, "--no-validate",
                                     help="Run the suites without validating the tables first (the descriptor is still checked): "
                                          "for a pipeline that has just run accord validate."),
) -> None:
    """Validate the package, then run its expectation suites on the tables it read, as DuckDB SQL.

    Exit codes: 0 every error-severity rule holds (warnings allowed), 1 a rule or validation
    failed or a rule could not be evaluated, 2 the package or a suite cannot be read.

    Example: accord check --suite memberships --format junit --output reports/check.xml

    Example (CI): accord check --format github --report junit:reports/check.xml --report html:reports/check.html
    """
    from accord.check import check
    from accord.formats import render

    validator, expectations = _engines(engine or [])
    options.use_spark_master(spark_master, engine)
    extra = [_report_option(value) for value in reports or []]  # a bad --report is a usage error before the slow part
    # GX logs what it could not compute; the report carries each cause, so the log would repeat it.
    logging.getLogger("great_expectations").setLevel(logging.CRITICAL)
    progress = _progress if sys.stderr.isatty() else None
    with options.report_even_if_unreadable(fmt, output, package):
        report = check(package, suites=suite or None, engine=validator, trusted=trusted, checks_dir=checks,
                       progress=progress, validate_first=not no_validate, expectations=expectations)
    if warn_only and report.status == "invalid":
        report.notes.append("--warn-only: the failures above do not fail the run (exit 0)")
    for extra_fmt, path in extra:
        options.emit(render("report", extra_fmt, report), path)
    options.emit(render("report", fmt, report, color=options.to_terminal(output)), output)
    options.job_summary(report)
    raise typer.Exit(options.exit_code(report.status, warn_only=warn_only))


def _engines(names: list[str]) -> tuple[str, str]:
    """(validation engine, expectation engine) from --engine values."""
    from accord.errors import UsageError

    unknown = [n for n in names if n not in ("duckdb", "frictionless", "gx", "spark")]
    if unknown:
        raise UsageError(f"unknown engine {unknown[0]!r}; choose one of: duckdb, frictionless, gx, spark")
    if "spark" in names:
        if len(set(names)) > 1:
            raise UsageError("--engine spark runs validation and expectations on Spark: it takes no other engine")
        return "spark", "spark"
    return ("frictionless" if "frictionless" in names else "duckdb"), ("gx" if "gx" in names else "duckdb")


def _report_option(value: str) -> tuple[str, Path]:
    from accord.errors import UsageError
    from accord.formats import lookup

    fmt, sep, path = value.partition(":")
    if not sep or not path:
        raise UsageError(f"--report {value!r}: give FORMAT:FILE, e.g. junit:reports/check.xml")
    lookup("report", fmt)
    return fmt, Path(path)


def _progress(message: str) -> None:
    typer.echo(f"accord check: {message}", err=True)

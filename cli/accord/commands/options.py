"""Options shared by several commands, defined once, and how a command ends: only the CLI
turns a result into an exit code (0 success, 1 the data failed, 2 could not run)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import typer

from accord.formats.choice import format_option

EXIT_CODES = {"valid": 0, "invalid": 1, "unreadable": 2}

PACKAGE = typer.Argument(
    None,
    help="A datapackage.json, or the folder holding one (default: ./datapackage.json).",
    show_default=False,
)
TRUSTED = typer.Option(
    False, "--trusted", help="Allow resource paths that are absolute, contain '..' or are URLs."
)
REPORT_FORMAT = format_option("report", "text", "Report format.")
OUTPUT = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout.")
ENGINE = typer.Option("duckdb", "--engine", help="Validation engine: duckdb (fast) or frictionless (reference).")
SPARK_ENGINE = typer.Option(
    "duckdb", "--engine",
    help="Validation engine: duckdb (fast), frictionless (reference) or spark (Apache Spark: pip install 'accord[spark]').")
SPARK_MASTER = typer.Option(
    None, "--spark-master", metavar="URL",
    help="Where --engine spark runs: local[*] (the default), spark://host:7077, yarn, or sc://host:15002 for Spark Connect "
         "(default: $SPARK_REMOTE, else the master spark-submit set, else local[*]).")
DATABASE = typer.Option(None, "--db", help="The DuckDB database (default: build/<package-name>.duckdb beside the descriptor).")
ROWS_FORMAT = format_option("rows", "table", "Rows format.")


def use_spark_master(master: str | None, engine: str | list[str] | None) -> None:
    """--spark-master, for the engine's session (pyspark is imported only when the engine starts)."""
    from accord.errors import UsageError

    if master and "spark" not in ([engine] if isinstance(engine, str) else engine or []):
        raise UsageError("--spark-master needs --engine spark")
    if master:
        from accord.spark.session import use_master

        use_master(master)


def exit_code(status: str, warn_only: bool = False) -> int:
    """A report's status as an exit code; warn_only turns failing data (not unreadable input) into 0."""
    code = EXIT_CODES[status]
    return 0 if warn_only and code == 1 else code


def to_terminal(output: Path | None) -> bool:
    """Whether what we print goes to a terminal that shows colour."""
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


@contextlib.contextmanager
def report_even_if_unreadable(fmt: str, output: Path | None, package: str | None) -> Iterator[None]:
    """A package that cannot be loaded, or a command stopped at a limit, still gives a report in a
    machine format (json, junit, github, html: a CI step reads it), with the one error; the error
    line follows on stderr."""
    from accord import guard
    from accord.errors import PackageError
    from accord.limits import LimitReached

    try:
        yield
    except BaseException as raised:
        exc = LimitReached(guard.tripped) if guard.tripped else raised  # DuckDB says "Query interrupted"
        if not isinstance(exc, (PackageError, LimitReached)):
            raise
        if fmt != "text":
            from accord.formats import render
            from accord.report import Error, Report

            code = "limit-reached" if isinstance(exc, LimitReached) else "package-error"
            report = Report(package=package or "package", errors=[Error(code=code, message=str(exc))])
            emit(render("report", fmt, report), output)
        if exc is raised:
            raise
        raise exc from None


def job_summary(report) -> None:
    """In a GitHub Actions job, the report in Markdown on the job's summary page ($GITHUB_STEP_SUMMARY)."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary:
        return
    from accord.formats import render

    with open(summary, "a", encoding="utf-8") as handle:
        handle.write(render("report", "markdown", report))


def emit(text: str, output: Path | None) -> None:
    """Print to stdout, or write the file atomically."""
    if output is None:
        # Not typer.echo: off a terminal it strips escape sequences, which are data in csv and markdown.
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    from accord.errors import UsageError
    from accord.fsutil import atomic_write_text

    if output.is_dir():
        raise UsageError(f"{output}: is a folder; give --output a file name")
    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise UsageError(f"{output}: cannot write: {exc.strerror or exc}") from exc

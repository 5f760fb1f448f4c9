"""accord check: validate, then run the expectation suites in checks/ (a CI data-quality gate)."""

from __future__ import annotations

import logging
import os
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
    engine: str = options.ENGINE,
    checks: Path = typer.Option(None, "--checks", metavar="DIR", help="Folder of suite JSON files (default: checks/ beside the descriptor)."),
    trusted: bool = options.TRUSTED,
) -> None:
    """Validate the package, then run its expectation suites with Great Expectations on DuckDB.

    Exit codes: 0 every error-severity rule holds (warnings allowed), 1 a rule or validation
    failed or a rule could not be evaluated, 2 the package or a suite cannot be read.

    Example: accord check --suite memberships --format junit --output reports/check.xml
    """
    from accord.check import check
    from accord.render import render, renderer_for

    renderer_for(fmt)  # an unknown format is a usage error before the slow part
    # GX logs what it could not compute; the report carries each cause, so the log would repeat it.
    logging.getLogger("great_expectations").setLevel(logging.CRITICAL)
    progress = _progress if sys.stderr.isatty() else None
    report = check(package, suites=suite or None, engine=engine, trusted=trusted, warn_only=warn_only,
                   checks_dir=checks, progress=progress)
    color = output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    options.emit(render(report, fmt, color=color), output)
    raise typer.Exit(report.exit_code)


def _progress(message: str) -> None:
    typer.echo(f"accord check: {message}", err=True)

"""accord validate: structure, schema and keys of a data package."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.commands import options


def command(
    package: str = options.PACKAGE,
    engine: str = options.SPARK_ENGINE,
    spark_master: str = options.SPARK_MASTER,
    fmt: str = options.REPORT_FORMAT,
    output: Path = options.OUTPUT,
    trusted: bool = options.TRUSTED,
) -> None:
    """Validate the descriptor, CSV structure, types, constraints and keys.

    Example: accord validate datapackage.json --format json
    """
    from accord.formats import render
    from accord.validate import validate

    options.use_spark_master(spark_master, engine)
    with options.report_even_if_unreadable(fmt, output, package):
        report = validate(package, engine=engine, trusted=trusted)
    options.emit(render("report", fmt, report, color=options.to_terminal(output)), output)
    options.job_summary(report)
    raise typer.Exit(options.exit_code(report.status))

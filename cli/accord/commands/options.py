"""Options shared by several commands, defined once."""

from __future__ import annotations

from pathlib import Path

import typer

PACKAGE = typer.Argument(
    None,
    help="A datapackage.json, or the folder holding one (default: ./datapackage.json).",
    show_default=False,
)
TRUSTED = typer.Option(
    False, "--trusted", help="Allow resource paths that are absolute, contain '..' or are URLs."
)
REPORT_FORMAT = typer.Option("text", "--format", "-F", help="Report format: text, json, junit, github or html.")
OUTPUT = typer.Option(None, "--output", "-o", help="Write the report to this file instead of stdout.")
ENGINE = typer.Option("duckdb", "--engine", help="Validation engine: duckdb (fast) or frictionless (reference).")
DATABASE = typer.Option(None, "--db", help="The DuckDB database (default: build/<package-name>.duckdb).")
ROWS_FORMAT = typer.Option("table", "--format", "-F", help="Rows format: table, csv, json or markdown.")


def emit(text: str, output: Path | None) -> None:
    """Print to stdout, or write the file atomically."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    from accord.fsutil import atomic_write_text

    atomic_write_text(output, text)

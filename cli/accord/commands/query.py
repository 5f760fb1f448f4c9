"""accord query: read-only SQL on the built database."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import typer

from accord.commands import options


def command(
    sql: str = typer.Argument(
        None, help="SQL to run, or the NAME of a query in queries/<NAME>.sql.", show_default=False
    ),
    file: Path = typer.Option(None, "--file", "-f", help="Read the SQL from this file."),
    db: Path = options.DATABASE,
    fmt: str = options.ROWS_FORMAT,
    package: str = typer.Option(
        None, "--package", "-p", help="The package whose database and queries/ to use (default: ./datapackage.json)."
    ),
    list_queries: bool = typer.Option(False, "--list", help="List the named queries with their descriptions."),
) -> None:
    """Run SQL on the built database, read-only, with no access to files or the network.

    Example: accord query "select count(*) from organizations" --format csv
    """
    from accord import query
    from accord.formats import render
    from accord.formats.rows import Rows

    if list_queries:
        result = Rows(["name", "description"], [(q.name, q.description) for q in query.named_queries(package)])
    else:
        result = query.run_query(query.sql_text(sql, file, package), db or query.default_database(package))
    terminal = sys.stdout.isatty()
    width = shutil.get_terminal_size().columns if terminal else None
    options.emit(render("rows", fmt, result, color=terminal, width=width), None)

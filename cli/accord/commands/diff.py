"""accord diff: schema and row changes between two versions of a package."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.commands import options
from accord.formats.choice import format_option


def command(
    old: str = typer.Argument(..., metavar="OLD", help="The old version: a folder, datapackage.json or zip, or the http(s) URL of a descriptor or zip.", show_default=False),
    new: str = typer.Argument(..., metavar="NEW", help="The new version: as OLD.", show_default=False),
    fmt: str = format_option("diff", "text"),
    output: Path = typer.Option(None, "--output", "-o", help="Write the differences to this file instead of stdout."),
    trusted: bool = options.TRUSTED,
) -> None:
    """Compare two versions: every schema change, classified breaking or compatible, then rows by primary key.

    Schema changes: resources, fields, types and formats, constraints (required, unique, enum,
    pattern, bounds), primary, unique and foreign keys, missing values. The last line names the
    version bump the changes need (docs/releases.md has the rule).

    Exit codes: 0 identical, 1 different, 2 a version cannot be read.

    Example: accord diff dist/accord-0.1.0 . --format markdown
    """
    from accord.diff import diff_packages
    from accord.formats import render

    result = diff_packages(old, new, trusted=trusted)
    options.emit(render("diff", fmt, result, color=options.to_terminal(output)), output)
    raise typer.Exit(0 if result.identical else 1)

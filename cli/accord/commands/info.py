"""accord info: tables, row counts, fields, types, constraints and keys of a package."""

from __future__ import annotations

import shutil
import sys

from accord.commands import options
from accord.formats.choice import format_option


def command(
    package: str = options.PACKAGE,
    fmt: str = format_option("info", "text"),
    trusted: bool = options.TRUSTED,
) -> None:
    """Show the tables, row counts, fields, types, constraints and keys of a package.

    Example: accord info datapackage.json --format json
    """
    from accord.formats import render
    from accord.info import package_info

    info = package_info(package, trusted=trusted)
    terminal = sys.stdout.isatty()
    width = shutil.get_terminal_size().columns if terminal else None
    options.emit(render("info", fmt, info, color=terminal, width=width), None)

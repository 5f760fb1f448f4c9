"""Every output format, in one table: which kind of result it renders (a report, rows, a diff,
a package's info), its name, and the module and function that render it.

Renderers are imported only when used (the table itself imports nothing), so the common
formats cost nothing extra and no format module imports another through this one. Every
`--format` option takes its choices from here (FormatChoice: listed in --help, completed by the
shell, one message for a name that is not a format).

A renderer is `function(value, color=False, width=None) -> str`. Formats for people (`text`,
`table`) show data through accord.formats.terminal, which escapes the control characters a
package's data may hold; formats for machines keep the data as it is.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Format:
    kind: str  # "report", "rows", "diff" or "info"
    name: str
    module: str
    function: str
    description: str


FORMATS = [
    Format("report", "text", "accord.formats.reports", "render_text", "for people: verdict, a table per table, each failure"),
    Format("report", "json", "accord.formats.reports", "render_json", "the library's report as JSON"),
    Format("report", "junit", "accord.formats.junit", "render_junit", "JUnit XML for CI test views"),
    Format("report", "github", "accord.formats.github", "render_github", "GitHub Actions annotations"),
    Format("report", "html", "accord.formats.html", "render_html", "one HTML page"),
    Format("report", "markdown", "accord.formats.reports", "render_markdown", "Markdown: a GitHub job summary or a comment"),
    Format("rows", "table", "accord.formats.rows", "to_table", "a table for people"),
    Format("rows", "csv", "accord.formats.rows", "to_csv", "CSV (RFC 4180)"),
    Format("rows", "json", "accord.formats.rows", "to_json", "a JSON list of objects"),
    Format("rows", "markdown", "accord.formats.rows", "to_markdown", "a Markdown table"),
    Format("diff", "text", "accord.formats.diff", "render_text", "for people"),
    Format("diff", "json", "accord.formats.diff", "render_json", "the library's diff as JSON"),
    Format("diff", "markdown", "accord.formats.diff", "render_markdown", "Markdown, for a changelog or a pull request"),
    Format("info", "text", "accord.formats.info", "render_text", "for people"),
    Format("info", "json", "accord.formats.info", "render_json", "the library's info as JSON"),
]


def names(kind: str) -> list[str]:
    return [f.name for f in FORMATS if f.kind == kind]


def unknown_format(kind: str, name: str) -> str:
    """The one message for a format name that is not one of `kind`'s."""
    return f"unknown format {name!r}; choose one of: {', '.join(names(kind))}"


def lookup(kind: str, name: str) -> Format:
    from accord.errors import UsageError

    for fmt in FORMATS:
        if fmt.kind == kind and fmt.name == name:
            return fmt
    raise UsageError(unknown_format(kind, name))


def renderer(kind: str, name: str) -> Callable[..., str]:
    fmt = lookup(kind, name)
    return getattr(importlib.import_module(fmt.module), fmt.function)


def render(kind: str, name: str, value: Any, color: bool = False, width: int | None = None) -> str:
    """`value` (a Report, a Rows, a PackageDiff or an info dict) in a format of its kind."""
    return renderer(kind, name)(value, color=color, width=width)

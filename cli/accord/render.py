"""Render a Report: text for people, JSON equal to the library's dict, and (in accord.formats,
imported only when asked for) JUnit XML, GitHub workflow commands and one HTML page."""

from __future__ import annotations

import json
from collections.abc import Callable

from accord.output import printable
from accord.report import Error, Report

FORMATS: dict[str, Callable[[Report], str]] = {}
# Registered by accord.formats on first use, so that the common formats import nothing more.
LAZY_FORMATS = ("junit", "github", "html")
MAX_LISTED = 50  # failures listed in text; the rest are counted
MAX_MESSAGE = 500  # characters of a message shown in text (a bad cell may be megabytes); JSON keeps it whole


def renderer(name: str):
    def register(fn):
        FORMATS[name] = fn
        return fn

    return register


def renderer_for(fmt: str) -> Callable[[Report], str]:
    from accord.errors import UsageError

    if fmt not in FORMATS and fmt in LAZY_FORMATS:
        import accord.formats  # noqa: F401  (registers the lazy formats)
    if fmt not in FORMATS:
        names = list(dict.fromkeys(["text", "json", *LAZY_FORMATS, *FORMATS]))
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(names)}")
    return FORMATS[fmt]


def render(report: Report, fmt: str, color: bool = False) -> str:
    """The report in a format; color applies to text only (ANSI colours, for a terminal)."""
    if fmt == "text":
        return render_text(report, color=color)
    return renderer_for(fmt)(report)


@renderer("json")
def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def location(error: Error) -> str:
    parts = [p for p in (error.table, f"row {error.row}" if error.row else None,
                         f"field {error.field}" if error.field else None) if p]
    return ", ".join(parts)


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """text cut to `limit` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def short_values(values: list, limit: int = 3, width: int = 60) -> str:
    """A few failing values, each cut to `width` characters."""
    shown = []
    for value in values[:limit]:
        text = json.dumps(value, ensure_ascii=False, default=str)
        shown.append(text if len(text) <= width else text[: width - 1] + "…")
    more = f" (+{len(values) - limit} more)" if len(values) > limit else ""
    return ", ".join(shown) + more


def table_summary(report: Report) -> list[dict]:
    """Per table (in order of first appearance): tasks, passed, failed, errored, warnings."""
    rows: dict[str, dict] = {}
    for task in report.tasks:
        row = rows.setdefault(task.table or "(package)", {"table": task.table or "(package)", "tasks": 0, "passed": 0,
                                                          "failed": 0, "errored": 0, "skipped": 0, "warnings": 0})
        row["tasks"] += 1
        outcome = task.outcome
        row[{"passed": "passed", "failed": "failed", "error": "errored", "skipped": "skipped"}[outcome]] += 1
        row["warnings"] += sum(e.severity == "warning" for e in task.errors)
    return list(rows.values())


def failures(report: Report) -> list[tuple[str | None, Error]]:
    """(task name, error) for every error and warning, errors first, in report order."""
    listed = [(None, e) for e in report.errors] + [(t.name, e) for t in report.tasks for e in t.errors]
    return sorted(listed, key=lambda item: item[1].severity != "error")


@renderer("text")
def render_text(report: Report, color: bool = False) -> str:
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, color_system="standard" if color else None,
                      width=120, soft_wrap=True, highlight=False, emoji=False)
    stats = report.stats
    verdict = "VALID" if report.valid else ("INVALID (warn-only)" if report.warn_only else "INVALID")
    style = "bold green" if report.valid else "bold red"
    console.print(Text.assemble(f"{report.package or 'package'}: ", (verdict, style)))
    console.print(
        f"  tasks {stats['tasks']}: {stats['passed']} passed, {stats['failed']} failed, "
        f"{stats['errored']} could not run; {stats['errors']} errors, {stats['warnings']} warnings"
    )
    summary = table_summary(report)
    if summary:
        table = Table(box=box.SIMPLE_HEAD if color else box.ASCII2, show_edge=False, pad_edge=False)
        for header in ("table", "checks", "passed", "failed", "could not run", "warnings"):
            table.add_column(header, justify="left" if header == "table" else "right")
        for row in summary:
            table.add_row(
                row["table"], str(row["tasks"]), str(row["passed"]),
                Text(str(row["failed"]), style="red" if row["failed"] else ""),
                Text(str(row["errored"]), style="magenta" if row["errored"] else ""),
                Text(str(row["warnings"]), style="yellow" if row["warnings"] else ""),
            )
        console.print(table)
    listed = failures(report)
    if listed:
        console.print(f"Failures and warnings ({len(listed)}):")
    for name, error in listed[:MAX_LISTED]:
        where = location(error)
        tag = Text(f"[{error.severity}]", style="red" if error.severity == "error" else "yellow")
        head = Text.assemble("  ", tag, printable(f" {name or 'package'}: {error.code}"))
        if where:
            head.append(printable(f" ({where})"))
        console.print(head)
        console.print(Text("      " + shorten(printable(error.message))))
        if error.values:
            console.print(Text("      values: " + printable(short_values(error.values, width=160))))
    if len(listed) > MAX_LISTED:
        console.print(f"  ... and {len(listed) - MAX_LISTED} more")
    for note in report.notes:
        console.print(Text(f"note: {printable(note)}"))
    return buffer.getvalue()

"""A Report as text for people, and as JSON equal to the library's dict (JUnit, GitHub
annotations and HTML have their own modules)."""

from __future__ import annotations

import json

from accord.formats.terminal import location, printable, short_values, shorten
from accord.report import Error, Report

MAX_LISTED = 50  # failures listed in text; the rest are counted


def render_json(report: Report, color: bool = False, width: int | None = None) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


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


def render_text(report: Report, color: bool = False, width: int | None = None) -> str:
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, color_system="standard" if color else None,
                      width=120, soft_wrap=True, highlight=False, emoji=False)
    stats = report.stats
    verdict = {"valid": "VALID", "invalid": "INVALID", "unreadable": "UNREADABLE"}[report.status]
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


def render_markdown(report: Report, color: bool = False, width: int | None = None) -> str:
    """Markdown (a GitHub job summary, a pull-request comment): the verdict, a table per table,
    the failures; data escaped for Markdown."""

    def cell(text: object) -> str:
        return printable(str(text)).replace("|", "\\|")

    stats = report.stats
    lines = [f"### accord: {cell(report.package or 'package')} is **{report.status}**", "",
             f"{stats['tasks']} checks: {stats['passed']} passed, {stats['failed']} failed, {stats['errored']} could not run; "
             f"{stats['errors']} errors, {stats['warnings']} warnings.", ""]
    summary = table_summary(report)
    if summary:
        lines += ["| table | checks | passed | failed | could not run | warnings |", "|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {cell(r['table'])} | {r['tasks']} | {r['passed']} | {r['failed']} | {r['errored']} | {r['warnings']} |"
                  for r in summary]
        lines.append("")
    listed = failures(report)
    if listed:
        lines += [f"#### Failures and warnings ({len(listed)})", "", "| severity | check | where | message |", "|---|---|---|---|"]
        for name, error in listed[:MAX_LISTED]:
            lines.append(f"| {error.severity} | `{cell(name or 'package')}` {cell(error.code)} | {cell(location(error))} "
                         f"| {cell(shorten(' '.join(error.message.split())))} |")
        if len(listed) > MAX_LISTED:
            lines.append(f"\n… and {len(listed) - MAX_LISTED} more")
    return "\n".join(lines) + "\n"

"""GitHub Actions workflow commands: one ::error or ::warning line per failure.

    ::error file=tables/memberships.csv,line=9,title=memberships/date-order::A relation ends ...

file is the table's CSV where the task knows it (Task.path); line is the row number
(the CSV line, when no quoted cell holds a line break). GitHub turns these lines into
annotations on the files of the pull request. A last plain line gives the totals.
"""

from __future__ import annotations

from accord.formats.terminal import short_values, shorten
from accord.report import Error, Report


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(error: Error, title: str, path: str | None) -> str:
    properties = []
    if path:
        properties.append(f"file={_escape_property(path)}")
        if error.row:
            properties.append(f"line={error.row}")
    properties.append(f"title={_escape_property(title)}")
    message = shorten(error.message)
    if error.field:
        message = f"field {error.field}: {message}"
    if error.values:
        message += f" (values: {short_values(error.values, limit=3, width=120)})"
    level = "error" if error.severity == "error" else "warning"
    return f"::{level} {','.join(properties)}::{_escape_data(message)}"


def render_github(report: Report, color: bool = False, width: int | None = None) -> str:
    lines = [_command(e, f"{report.package or 'package'}: {e.code}", None) for e in report.errors]
    for task in report.tasks:
        for error in task.errors:
            lines.append(_command(error, f"{task.name}: {error.code}", task.path))
    stats = report.stats
    verdict = "valid" if report.valid else "INVALID"
    lines.append(
        f"accord: {report.package or 'package'} is {verdict}: {stats['tasks']} tasks, {stats['passed']} passed, "
        f"{stats['failed']} failed, {stats['errored']} could not run; {stats['errors']} errors, {stats['warnings']} warnings"
    )
    return "\n".join(lines) + "\n"

"""Render a Report: text for people, JSON equal to the library's dict."""

from __future__ import annotations

import json

from accord.report import Report

FORMATS: dict[str, object] = {}


def renderer(name: str):
    def register(fn):
        FORMATS[name] = fn
        return fn

    return register


def render(report: Report, fmt: str) -> str:
    from accord.errors import UsageError

    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return FORMATS[fmt](report)


@renderer("json")
def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def _location(error) -> str:
    parts = [p for p in (error.table, f"row {error.row}" if error.row else None,
                         f"field {error.field}" if error.field else None) if p]
    return ", ".join(parts)


@renderer("text")
def render_text(report: Report) -> str:
    lines = []
    stats = report.stats
    verdict = "VALID" if report.valid else ("INVALID (warn-only)" if report.warn_only else "INVALID")
    lines.append(f"{report.package or 'package'}: {verdict}")
    lines.append(
        f"  tasks {stats['tasks']}: {stats['passed']} passed, {stats['failed']} failed, "
        f"{stats['errored']} could not run; {stats['errors']} errors, {stats['warnings']} warnings"
    )
    for note in report.notes:
        lines.append(f"  note: {note}")
    for error in report.all_errors():
        where = _location(error)
        sample = f" (values: {', '.join(map(repr, error.values[:3]))})" if error.values else ""
        lines.append(f"  [{error.severity}] {error.code}: {where + ': ' if where else ''}{error.message}{sample}")
    return "\n".join(lines) + "\n"

"""JUnit XML: one <testsuite> per suite (expectations) or table (validation), one <testcase> per task.

A failed task has <failure>, a task that could not be evaluated <error>, a skipped one
<skipped/>; warnings of a passing task go to its <system-out>. Package-level errors (the
descriptor, a missing file) are one more test case, "package", in a suite of that name. The
counts on <testsuites> are the report's: failures = failed tasks, errors = tasks that could
not run (+1 when package-level errors exist).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from accord.formats.terminal import location, short_values, shorten
from accord.report import Error, Report, Task

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _suite_name(task: Task) -> str:
    if task.kind == "expectation" and task.suite:
        return f"check.{task.suite}"
    return f"validate.{task.table or 'package'}"


def _describe(error: Error) -> str:
    where = location(error)
    lines = [f"[{error.severity}] {error.code}{' (' + where + ')' if where else ''}: {shorten(error.message)}"]
    if error.count is not None:
        lines.append(f"  count: {error.count}")
    if error.values:
        lines.append(f"  values: {short_values(error.values, limit=5, width=200)}")
    return "\n".join(lines)


def _testcase(parent: ET.Element, classname: str, name: str, task_outcome: str, errors: list[Error], seconds) -> None:
    case = ET.SubElement(parent, "testcase", classname=classname, name=name)
    if seconds is not None:
        case.set("time", f"{float(seconds):.3f}")
    failing = [e for e in errors if e.severity == "error"]
    warnings = [e for e in errors if e.severity != "error"]
    if task_outcome in ("failed", "error"):
        tag = "failure" if task_outcome == "failed" else "error"
        first = (failing or errors or [None])[0]
        element = ET.SubElement(
            case, tag, message=shorten(first.message) if first else task_outcome, type=first.code if first else task_outcome
        )
        element.text = "\n".join(_describe(e) for e in failing or errors)
    elif task_outcome == "skipped":
        ET.SubElement(case, "skipped")
    if warnings:
        ET.SubElement(case, "system-out").text = "\n".join(_describe(e) for e in warnings)


def render_junit(report: Report, color: bool = False, width: int | None = None) -> str:
    stats = report.stats
    package_errors = [e for e in report.errors if e.severity == "error"]
    root = ET.Element(
        "testsuites",
        name=f"accord {report.package or 'package'}",
        tests=str(stats["tasks"] + (1 if report.errors else 0)),
        failures=str(stats["failed"]),
        errors=str(stats["errored"] + (1 if package_errors else 0)),
        skipped=str(stats["skipped"]),
    )
    groups: dict[str, list[Task]] = {}
    if report.errors:
        groups["package"] = []
    for task in report.tasks:
        groups.setdefault(_suite_name(task), []).append(task)
    for name, tasks in groups.items():
        outcomes = [t.outcome for t in tasks]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(tasks) + (1 if name == "package" else 0)),
            failures=str(outcomes.count("failed")),
            errors=str(outcomes.count("error") + (1 if name == "package" and package_errors else 0)),
            skipped=str(outcomes.count("skipped")),
        )
        if name == "package":
            _testcase(suite, "accord.package", "package", "error" if package_errors else "passed", report.errors, None)
        for task in tasks:
            _testcase(suite, f"accord.{name}", task.name, task.outcome, task.errors, task.seconds)
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    # XML 1.0 cannot hold most control characters, which package data may carry: show them escaped.
    xml = XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", xml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n"

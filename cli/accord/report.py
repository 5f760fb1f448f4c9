"""One report shape for `validate` and `check`.

A Report holds Tasks (one per validated table, one per expectation); a Task holds Errors.
Error codes are frictionless's where the meaning is the same (`type-error`, `primary-key`,
`foreign-key` ...), so users can look them up; accord's own are kebab-case too. Every code is
in accord.codes, which says whether it means "unreadable".

A report's status is valid, invalid (the data was read and failed) or unreadable (some input
could not be read); the CLI alone turns a status into an exit code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Any

from accord.codes import UNREADABLE

SEVERITIES = ("error", "warning")
OUTCOMES = ("passed", "failed", "error", "skipped")
STATUSES = ("valid", "invalid", "unreadable")
REPORT_VERSION = 1  # of the JSON shape (cli/accord/schemas/report.schema.json); raised on any change that is not an addition


@dataclass
class Error:
    code: str
    message: str
    table: str | None = None
    row: int | None = None  # frictionless rowNumber: the header is row 1, the first data row 2
    field: str | None = None
    severity: str = "error"
    rule: str | None = None  # the constraint, key or expectation that was broken
    values: list[Any] = dc_field(default_factory=list)  # a few failing values, for people
    count: int | None = None  # how many rows fail, where an entry stands for several

    def key(self) -> tuple[str, str | None, int | None, str | None]:
        """What the differential tests compare: (code, table, row, field)."""
        return (self.code, self.table, self.row, self.field)

    @property
    def unreadable(self) -> bool:
        return self.severity == "error" and self.code in UNREADABLE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Task:
    name: str
    kind: str  # "validation" or "expectation"
    table: str | None = None
    errors: list[Error] = dc_field(default_factory=list)
    engine: str | None = None
    status: str | None = None  # None: derived from errors
    path: str | None = None  # the table's file, as outputs name it (see display_path)
    rows: int | None = None  # data rows read (validation tasks)
    seconds: float | None = None
    errors_total: int | None = None  # errors found, when more than `errors` holds
    stats: dict[str, Any] = dc_field(default_factory=dict)  # what an expectation observed
    notes: list[str] = dc_field(default_factory=list)
    suite: str | None = None

    @property
    def outcome(self) -> str:
        if self.status:
            return self.status
        return "failed" if any(e.severity == "error" for e in self.errors) else "passed"

    @property
    def valid(self) -> bool:
        return self.outcome in ("passed", "skipped")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "table": self.table,
            "suite": self.suite,
            "engine": self.engine,
            "status": self.outcome,
            "valid": self.valid,
            "path": self.path,
            "rows": self.rows,
            "seconds": self.seconds,
            "errors_total": self.errors_total,
            "stats": self.stats,
            "notes": self.notes,
            "errors": [e.to_dict() for e in self.errors],
        }


@dataclass
class Report:
    tasks: list[Task] = dc_field(default_factory=list)
    errors: list[Error] = dc_field(default_factory=list)  # package-level: descriptor, file access
    notes: list[str] = dc_field(default_factory=list)
    package: str | None = None
    context: dict[str, Any] = dc_field(default_factory=dict)  # generated (when), version (the package's), commit

    def all_errors(self) -> list[Error]:
        return [*self.errors, *(e for t in self.tasks for e in t.errors)]

    @property
    def valid(self) -> bool:
        return not any(e.severity == "error" for e in self.errors) and all(t.valid for t in self.tasks)

    @property
    def status(self) -> str:
        """valid; unreadable when some input could not be read; invalid when the data failed."""
        if any(e.unreadable for e in self.all_errors()):
            return "unreadable"
        return "valid" if self.valid else "invalid"

    @property
    def stats(self) -> dict[str, int]:
        everything = self.all_errors()
        return {
            "tasks": len(self.tasks),
            "passed": sum(t.outcome == "passed" for t in self.tasks),
            "failed": sum(t.outcome == "failed" for t in self.tasks),
            "errored": sum(t.outcome == "error" for t in self.tasks),
            "skipped": sum(t.outcome == "skipped" for t in self.tasks),
            "errors": sum(e.severity == "error" for e in everything),
            "warnings": sum(e.severity == "warning" for e in everything),
        }

    def first_errors(self) -> str:
        """'N errors; first: <where>: <code>: <message>' for a one-line refusal."""
        errors = [e for e in self.all_errors() if e.severity == "error"]
        if not errors:
            return "no errors"
        first = errors[0]
        where = ", ".join(p for p in (first.table, f"row {first.row}" if first.row else None,
                                      f"field {first.field}" if first.field else None) if p)
        message = " ".join(first.message.split())
        if len(message) > 300:
            message = message[:300] + "…"
        return f"{len(errors)} error{'s' if len(errors) != 1 else ''}; first: {where + ': ' if where else ''}{first.code}: {message}"

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON holds it: cli/accord/schemas/report.schema.json, version REPORT_VERSION."""
        return {
            "report_version": REPORT_VERSION,
            "package": self.package,
            "context": self.context,
            "status": self.status,
            "valid": self.valid,
            "stats": self.stats,
            "notes": self.notes,
            "errors": [e.to_dict() for e in self.errors],
            "tasks": [t.to_dict() for t in self.tasks],
        }


def display_path(path: Path, written: str) -> str:
    """How outputs name a package file: relative to the working folder when the file lies inside it
    (GitHub annotations name files from the repository root, where CI runs), else as the
    descriptor writes it."""
    cwd = Path.cwd().resolve()
    resolved = Path(path).resolve()
    return resolved.relative_to(cwd).as_posix() if resolved.is_relative_to(cwd) else written

"""One report shape for `validate` and `check`.

A Report holds Tasks (one per validated table, one per expectation); a Task holds Errors.
Error codes are frictionless's where the meaning is the same (`type-error`, `primary-key`,
`foreign-key` ...), so users can look them up; accord's own codes are kebab-case too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any

# Codes that mean the input could not be read at all: the CLI exits 2 for these, 1 for the rest.
UNREADABLE_CODES = frozenset(
    {
        "package-error",
        "resource-error",
        "schema-error",
        "field-error",
        "scheme-error",
        "format-error",
        "encoding-error",
        "compression-error",
        "control-error",
        "dialect-error",
        "source-error",
        "io-error",
        "engine-error",
    }
)

SEVERITIES = ("error", "warning")
STATUSES = ("passed", "failed", "error", "skipped")


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
    stats: dict[str, Any] = dc_field(default_factory=dict)
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
    warn_only: bool = False

    def all_errors(self) -> list[Error]:
        return [*self.errors, *(e for t in self.tasks for e in t.errors)]

    @property
    def valid(self) -> bool:
        return not any(e.severity == "error" for e in self.errors) and all(t.valid for t in self.tasks)

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

    @property
    def exit_code(self) -> int:
        """0 valid; 2 when input could not be read; 1 when the data failed (unless warn-only)."""
        if any(e.code in UNREADABLE_CODES and e.severity == "error" for e in self.all_errors()):
            return 2
        if self.valid or self.warn_only:
            return 0
        return 1

    def merge(self, other: Report) -> Report:
        return Report(
            tasks=[*self.tasks, *other.tasks],
            errors=[*self.errors, *other.errors],
            notes=[*self.notes, *other.notes],
            package=self.package or other.package,
            warn_only=self.warn_only or other.warn_only,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "valid": self.valid,
            "stats": self.stats,
            "notes": self.notes,
            "errors": [e.to_dict() for e in self.errors],
            "tasks": [t.to_dict() for t in self.tasks],
        }

"""Helpers for the check tests: CSV edits of a package copy, and `accord check` as JSON."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from conftest import ENGINE, Run, run_accord


class Tables:
    """Read and rewrite the CSVs of a package copy: `tables["memberships"]` is a list of dicts."""

    def __init__(self, descriptor: Path):
        self.root = descriptor.parent
        self._rows: dict[str, list[dict[str, str]]] = {}
        self._fields: dict[str, list[str]] = {}

    def path(self, table: str) -> Path:
        return self.root / "tables" / f"{table}.csv"

    def __getitem__(self, table: str) -> list[dict[str, str]]:
        if table not in self._rows:
            with self.path(table).open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                self._fields[table] = list(reader.fieldnames or [])
                self._rows[table] = list(reader)
        return self._rows[table]

    def row(self, table: str, key: str) -> dict[str, str]:
        """The row whose first column (the primary key) is `key`."""
        rows = self[table]
        first = self._fields[table][0]
        for row in rows:
            if row[first] == key:
                return row
        raise KeyError(f"{table}: no row {key!r}")

    def delete(self, table: str, key: str) -> None:
        self[table].remove(self.row(table, key))

    def save(self) -> None:
        for table, rows in self._rows.items():
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=self._fields[table], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            self.path(table).write_text(buffer.getvalue(), encoding="utf-8")


def check_json(descriptor: Path, *args: str) -> Run:
    return run_accord("check", str(descriptor), "--engine", ENGINE, "--format", "json", *args)

"""Test helpers for the DuckDB engine: build small packages, run both engines, compare."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from accord.report import Report
from accord.validate import validate

# the differential corpus: one package per error code and more, each engine compared with frictionless
FIXTURES = Path(__file__).parent / "fixtures" / "differential"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "datapackage.json").is_file())


def write_package(folder: Path, resources: list[dict[str, Any]], files: dict[str, str | bytes]) -> Path:
    """Write datapackage.json and the data files into `folder`; return the descriptor path.

    Each resource needs "name" and "schema"; "path" defaults to <name>.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    for resource in resources:
        resource.setdefault("path", f"{resource['name']}.csv")
        resource.setdefault("profile", "tabular-data-resource")
    descriptor = {"name": folder.name.lower().replace("_", "-"), "resources": resources}
    path = folder / "datapackage.json"
    path.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False), encoding="utf-8")
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return path


def table(name: str, fields: list[dict[str, Any]] | str, **schema: Any) -> dict[str, Any]:
    """A resource descriptor; fields may be "a:integer,b" (type defaults to string)."""
    if isinstance(fields, str):
        fields = [
            {"name": spec.split(":")[0], "type": spec.split(":")[1] if ":" in spec else "string"}
            for spec in fields.split(",")
        ]
    return {"name": name, "schema": {"fields": fields, **schema}}


def error_keys(report: Report) -> set[tuple]:
    return {e.key() for e in report.all_errors()}


def run_both(path: Path) -> tuple[Report, Report]:
    """(the DuckDB engine's report, frictionless's report) for one package."""
    return validate(path, engine="duckdb"), validate(path, engine="frictionless")


def handed_off(report: Report) -> list[str]:
    """Notes of tables the DuckDB engine gave to frictionless."""
    return [n for n in report.notes if "validated with frictionless" in n]

"""info: what a package holds — tables, row counts, fields, types, constraints and keys.

Rows are counted as validation counts them (the same reader, without checking the rows); a
table that cannot be read gets rows None and an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.ddl import enum_type_name
from accord.fieldtypes import field_type
from accord.package import Package, Resource, load_package
from accord.sql import quote_identifier


def _field_info(table: str, field_: dict[str, Any]) -> dict[str, Any]:
    constraints = field_.get("constraints") if isinstance(field_.get("constraints"), dict) else {}
    enum = field_.get("type", "string") == "string" and constraints.get("enum")
    return {
        "name": field_.get("name"),
        "type": field_.get("type") if isinstance(field_.get("type"), str) else "string",
        "format": field_.get("format"),
        # as build declares it: an enum of strings is an ENUM type (accord.ddl)
        "duckdb_type": quote_identifier(enum_type_name(table, field_.get("name"))) if enum else field_type(field_),
        "constraints": constraints,
        "title": field_.get("title"),
        "description": field_.get("description"),
    }


def table_info(resource: Resource, rows: int | None, error: str | None) -> dict[str, Any]:
    return {
        "name": resource.name,
        "path": resource.relpath,
        "title": resource.descriptor.get("title"),
        "description": resource.descriptor.get("description"),
        "rows": rows,
        "error": error,
        "fields": [_field_info(resource.name, f) for f in resource.fields],
        "primary_key": resource.primary_key,
        "foreign_keys": [
            {"fields": fk["fields"], "reference": {"resource": fk["resource"], "fields": fk["reference_fields"]}}
            for fk in resource.foreign_keys
        ],
    }


def package_info(package: str | Path | Package | None = None, trusted: bool = False) -> dict[str, Any]:
    """The package's name, title, description and, per table, rows, fields and keys."""
    from accord.validate import open_validation

    package = package if isinstance(package, Package) else load_package(package, trusted=trusted)
    with open_validation(package, check_rows=False) as run:
        tasks = {t.table: t for t in run.report.tasks}
        unreadable = [e for e in run.report.errors if e.severity == "error"]
    tables = []
    for resource in package.resources:
        task = tasks.get(resource.name)
        problems = [e for e in (task.errors if task else []) if e.unreadable] or [
            e for e in unreadable if e.table in (resource.name, None)]
        rows = task.rows if task and not problems else None
        error = problems[0].message if problems else (None if rows is not None else "the table could not be read")
        tables.append(table_info(resource, rows, error))
    return {
        "info_version": 1,  # cli/accord/schemas/info.schema.json
        "name": package.name,
        "title": package.descriptor.get("title"),
        "description": package.descriptor.get("description"),
        "descriptor": str(package.descriptor_path),
        "tables": tables,
    }

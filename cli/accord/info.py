"""info: what a package holds — tables, row counts, fields, types, constraints and keys.

Rows are counted by DuckDB's CSV reader (no typing, no validation), so this is fast
even for large tables; a table that cannot be read gets rows None and an error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from accord.build import column_type, read_csv_rows
from accord.errors import AccordError
from accord.package import Package, Resource, load_package


def _count_rows(con: duckdb.DuckDBPyConnection, resource: Resource) -> tuple[int | None, str | None]:
    if not resource.path.is_file():
        return None, f"{resource.relpath}: no such file"
    error = None
    # The strict reader first; rows of the wrong length need the lenient one.
    for lenient in (False, True):
        try:
            (count,) = read_csv_rows(con, "SELECT count(*) FROM ", resource, lenient)
            return count, None
        except AccordError as exc:  # not CSV, an encoding DuckDB lacks, no fields
            return None, str(exc)
        except duckdb.Error as exc:
            error = str(exc).strip().splitlines()[0]
    return None, error


def _field_info(resource: Resource, field_: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": field_.get("name"),
        "type": field_.get("type") if isinstance(field_.get("type"), str) else "string",
        "format": field_.get("format"),
        "duckdb_type": column_type(resource, field_),
        "constraints": field_.get("constraints") or {},
        "title": field_.get("title"),
        "description": field_.get("description"),
    }


def table_info(con: duckdb.DuckDBPyConnection, resource: Resource) -> dict[str, Any]:
    rows, error = _count_rows(con, resource)
    return {
        "name": resource.name,
        "path": resource.relpath,
        "title": resource.descriptor.get("title"),
        "description": resource.descriptor.get("description"),
        "rows": rows,
        "error": error,
        "fields": [_field_info(resource, f) for f in resource.fields],
        "primary_key": resource.primary_key,
        "foreign_keys": [
            {"fields": fk["fields"], "reference": {"resource": fk["resource"], "fields": fk["reference_fields"]}}
            for fk in resource.foreign_keys
        ],
    }


def package_info(package: str | Path | Package | None = None, trusted: bool = False) -> dict[str, Any]:
    """The package's name, title, description and, per table, rows, fields and keys."""
    package = package if isinstance(package, Package) else load_package(package, trusted=trusted)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # it would print into our output
    try:
        tables = [table_info(con, r) for r in package.resources]
    finally:
        con.close()
    return {
        "name": package.name,
        "title": package.descriptor.get("title"),
        "description": package.descriptor.get("description"),
        "descriptor": str(package.descriptor_path),
        "tables": tables,
    }

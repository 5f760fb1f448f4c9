"""diff: what changed between two versions of a data package, schema and rows.

Each version is a folder holding datapackage.json, a datapackage.json, or a zip of a package
(a release's zip). Rows are compared as validation reads each version: typed values, so a
number written "1.0" in one version and "1" in the other is the same value; a field whose type
changed is compared as a number when both types are numbers, else as text.

Schema changes of every kind (fields, types, constraints, keys, foreign keys, missing values,
resources) are listed, each breaking or compatible (accord.schema_diff). Rows are matched by primary key: the new version's, when the old version has all its fields,
else the old one's, else (no usable key) whole rows are compared and a row can only be added or
removed. Only fields present in both versions are compared; a field added or removed is a
schema change, not a change in every row. Keys are assumed unique, as validation enforces.
Descriptions, titles and other metadata are not compared.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from accord.errors import PackageError, UsageError
from accord.package import DEFAULT_DESCRIPTOR, Package, Resource, load_package
from accord.schema_diff import SchemaChange, package_changes
from accord.sql import arrow_table, quote_identifier

@dataclass
class FieldChange:
    field: str
    old: str | None
    new: str | None


@dataclass
class RowChange:
    key: dict[str, str | None]
    changes: list[FieldChange]


@dataclass
class TableDiff:
    name: str
    key: list[str]  # the fields rows were matched by; [] when whole rows were compared
    old_rows: int
    new_rows: int
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_retyped: list[FieldChange] = field(default_factory=list)  # old and new Table Schema types
    primary_key_changed: bool = False
    old_primary_key: list[str] = field(default_factory=list)
    new_primary_key: list[str] = field(default_factory=list)
    rows_added: list[dict[str, str | None]] = field(default_factory=list)
    rows_removed: list[dict[str, str | None]] = field(default_factory=list)
    rows_changed: list[RowChange] = field(default_factory=list)

    @property
    def schema_changed(self) -> bool:
        return bool(self.fields_added or self.fields_removed or self.fields_retyped or self.primary_key_changed)

    @property
    def rows_differ(self) -> bool:
        return bool(self.rows_added or self.rows_removed or self.rows_changed)

    @property
    def identical(self) -> bool:
        return not (self.schema_changed or self.rows_differ)


@dataclass
class PackageDiff:
    old: str  # the versions as given
    new: str
    old_version: str | None
    new_version: str | None
    resources_added: list[str]
    resources_removed: list[str]
    tables: list[TableDiff]  # the resources in both versions, in the new version's order
    notes: list[str] = field(default_factory=list)
    schema_changes: list[SchemaChange] = field(default_factory=list)  # every kind, each breaking or compatible

    @property
    def identical(self) -> bool:
        return (not (self.resources_added or self.resources_removed or self.schema_changes)
                and all(t.identical for t in self.tables))

    @property
    def breaking(self) -> bool:
        return any(c.breaking for c in self.schema_changes)

    @property
    def level(self) -> str:
        """The version part the change needs: major (breaking), minor (schema, compatible), patch (rows), none."""
        if self.breaking:
            return "major"
        if self.schema_changes:
            return "minor"
        return "none" if self.identical else "patch"

    def to_dict(self) -> dict[str, Any]:
        out = {"diff_version": 1, **asdict(self)}  # cli/accord/schemas/diff.schema.json
        out["identical"] = self.identical
        out["breaking"] = self.breaking
        out["level"] = self.level
        for table, data in zip(self.tables, out["tables"], strict=True):
            data["schema_changed"] = table.schema_changed
            data["identical"] = table.identical
        return out


def _find_descriptor(folder: Path) -> Path:
    """datapackage.json at the top of an unpacked zip, or in its only folder (a zip of a folder)."""
    if (folder / DEFAULT_DESCRIPTOR).is_file():
        return folder / DEFAULT_DESCRIPTOR
    entries = list(folder.iterdir())
    if len(entries) == 1 and (entries[0] / DEFAULT_DESCRIPTOR).is_file():
        return entries[0] / DEFAULT_DESCRIPTOR
    raise PackageError(f"{folder.name}: the zip holds no {DEFAULT_DESCRIPTOR} at its top")


@contextlib.contextmanager
def open_package(source: str | Path, trusted: bool = False) -> Iterator[Package]:
    """The package in a folder, a datapackage.json or a zip (unpacked into a temporary folder), or
    at an http(s) URL of a descriptor or a zip (downloaded and verified into a temporary folder)."""
    from accord.download import is_url

    if is_url(str(source)):
        from accord.download import download_package

        with tempfile.TemporaryDirectory(prefix="accord-diff-") as tmp:
            downloaded = download_package(str(source), Path(tmp) / "package", trusted=trusted)
            yield load_package(downloaded.target / DEFAULT_DESCRIPTOR, trusted=trusted)
        return
    if "://" in str(source):
        raise UsageError(f"{source}: only http(s) URLs and local paths can be compared")
    path = Path(source)
    if path.is_file() and zipfile.is_zipfile(path):
        from accord.download import extract_zip

        with tempfile.TemporaryDirectory(prefix="accord-diff-") as tmp:
            extract_zip(path, Path(tmp))
            yield load_package(_find_descriptor(Path(tmp)), trusted=trusted)
    else:
        yield load_package(path, trusted=trusted)


NUMERIC = {"integer", "number", "year"}


def _schema_type(field_: dict[str, Any]) -> str:
    return field_.get("type") or "string"


def _key_for(old: Resource, new: Resource) -> list[str]:
    for key in (new.primary_key, old.primary_key):
        if key and set(key) <= set(old.field_names) and set(key) <= set(new.field_names):
            return key
    return []


def _rows(con, sql: str) -> list[dict[str, str | None]]:
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _compare_table(con, index: int, old: Resource, new: Resource, old_table, new_table,
                   old_read: list, new_read: list) -> TableDiff:
    """Compare one table's rows: old_table and new_table are relations in con (typed values);
    old_read and new_read the fields each version was read with (inferred where no schema is given)."""
    old_fields = {f.name: {"name": f.name, "type": f.type} for f in old_read}
    new_fields = {f.name: {"name": f.name, "type": f.type} for f in new_read}
    common = [name for name in new_fields if name in old_fields]
    key = _key_for(old, new)
    o, n = old_table, new_table
    counts = [con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in (o, n)]
    result = TableDiff(
        name=new.name,
        key=key,
        old_rows=counts[0],
        new_rows=counts[1],
        fields_added=[name for name in new_fields if name not in old_fields],
        fields_removed=[name for name in old_fields if name not in new_fields],
        fields_retyped=[
            FieldChange(name, _schema_type(old_fields[name]), _schema_type(new_fields[name]))
            for name in common
            if _schema_type(old_fields[name]) != _schema_type(new_fields[name])
        ],
        primary_key_changed=old.primary_key != new.primary_key,
        old_primary_key=old.primary_key,
        new_primary_key=new.primary_key,
    )
    q = quote_identifier
    # a field whose type changed is compared in a domain both versions share: numbers as numbers, the rest as text
    retyped = {c.field: "DOUBLE" if {c.old, c.new} <= NUMERIC else "VARCHAR" for c in result.fields_retyped}

    def value(alias: str, name: str) -> str:
        return f"CAST({alias}.{q(name)} AS {retyped[name]})" if name in retyped else f"{alias}.{q(name)}"

    if not common:
        return result  # no field in both versions: nothing to compare row by row
    if not key:
        columns = ", ".join(value("t", name) + f" AS {q(name)}" for name in common)
        order = ", ".join(str(i + 1) for i in range(len(common)))
        difference = "SELECT {columns} FROM {a} AS t EXCEPT ALL SELECT {columns} FROM {b} AS t ORDER BY {order}"
        result.rows_added = _rows(con, difference.format(columns=columns, a=n, b=o, order=order))
        result.rows_removed = _rows(con, difference.format(columns=columns, a=o, b=n, order=order))
        return result
    match = " AND ".join(f"{value('a', k)} IS NOT DISTINCT FROM {value('b', k)}" for k in key)
    order = ", ".join(f"a.{q(k)}" for k in key)
    for attribute, (a, b, fields) in (("rows_added", (n, o, new_fields)), ("rows_removed", (o, n, old_fields))):
        columns = ", ".join(f"a.{q(name)}" for name in fields)
        only_in_a = f"SELECT {columns} FROM {a} a WHERE NOT EXISTS (SELECT 1 FROM {b} b WHERE {match}) ORDER BY {order}"
        setattr(result, attribute, _rows(con, only_in_a))
    compared = [name for name in common if name not in key]
    if compared:
        pairs = ", ".join(f"{value('b', name)}, {value('a', name)}" for name in compared)
        differs = " OR ".join(f"{value('a', name)} IS DISTINCT FROM {value('b', name)}" for name in compared)
        keys = ", ".join(f"a.{q(k)}" for k in key)
        found = con.execute(
            f"SELECT {keys}, {pairs} FROM {n} a JOIN {o} b ON {match} WHERE {differs} ORDER BY {order}"
        ).fetchall()
        for row in found:
            values = row[len(key) :]
            changes = [
                FieldChange(name, values[2 * i], values[2 * i + 1])
                for i, name in enumerate(compared)
                if values[2 * i] != values[2 * i + 1]
            ]
            result.rows_changed.append(RowChange(dict(zip(key, row[: len(key)], strict=True)), changes))
    return result


def diff_packages(old: str | Path, new: str | Path, trusted: bool = False, engine: str = "duckdb") -> PackageDiff:
    """Compare two versions of a package: resources, schemas, and rows by primary key, as
    validation reads each version (typed values: "1.0" and "1" in a number field are equal)."""
    from accord.validate import open_validation

    with open_package(old, trusted) as before, open_package(new, trusted) as after:
        old_names = [r.name for r in before.resources]
        new_names = [r.name for r in after.resources]
        notes: list[str] = []
        with open_validation(before, engine=engine, keep="all") as old_run, \
                open_validation(after, engine=engine, keep="all") as new_run:
            for label, run in (("old", old_run), ("new", new_run)):
                if run.report.status == "unreadable":
                    raise PackageError(f"the {label} version cannot be read: {run.report.first_errors()}")
                if run.report.status == "invalid":
                    notes.append(f"the {label} version is invalid ({run.report.first_errors()}): "
                                 "cells that are not of their field's type compare as NULL")
            con = new_run.con.cursor()  # its own connection: the old version's rows are registered on it
            tables = []
            for index, resource in enumerate(after.resources):
                if resource.name not in old_run.tables or resource.name not in new_run.tables:
                    continue  # not in both versions, or a file rather than a table
                old_relation = f"accord_old_{index}"
                # the old version's rows, handed over as Arrow: one connection compares both
                con.register(old_relation, arrow_table(
                    old_run.con, f"SELECT * FROM {old_run.tables[resource.name].relation} AS loaded"))
                try:
                    tables.append(_compare_table(con, index, before.resource(resource.name), resource, old_relation,
                                                 new_run.tables[resource.name].relation,
                                                 old_run.tables[resource.name].fields, new_run.tables[resource.name].fields))
                finally:
                    con.unregister(old_relation)
        return PackageDiff(
            old=str(old),
            new=str(new),
            old_version=before.descriptor.get("version"),
            new_version=after.descriptor.get("version"),
            resources_added=[name for name in new_names if name not in old_names],
            resources_removed=[name for name in old_names if name not in new_names],
            tables=tables,
            notes=notes,
            schema_changes=package_changes(before, after),
        )

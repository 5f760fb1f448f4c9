"""diff: what changed between two versions of a data package, schema and rows.

Each version is a folder holding datapackage.json, a datapackage.json, or a zip of a package
(a release's zip). Rows are compared in DuckDB over the CSV files read as text (every field
VARCHAR, with the resource's dialect), so nothing is coerced: "1.0" and "1" differ.

Rows are matched by primary key: the new version's, when the old version has all its fields,
else the old one's, else (no usable key) whole rows are compared and a row can only be added or
removed. Only fields present in both versions are compared; a field added or removed is a
schema change, not a change in every row. Keys are assumed unique, as validation enforces.
Descriptions, titles and other metadata are not compared.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from accord.errors import PackageError, UsageError
from accord.package import DEFAULT_DESCRIPTOR, Package, Resource, load_package

FORMATS = ("text", "json", "markdown")


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

    @property
    def identical(self) -> bool:
        return not (self.resources_added or self.resources_removed) and all(t.identical for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["identical"] = self.identical
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
    """The package in a folder, a datapackage.json or a zip (unpacked into a temporary folder)."""
    path = Path(source)
    if path.is_file() and zipfile.is_zipfile(path):
        from accord.download import extract_zip

        with tempfile.TemporaryDirectory(prefix="accord-diff-") as tmp:
            extract_zip(path, Path(tmp))
            yield load_package(_find_descriptor(Path(tmp)), trusted=trusted)
    else:
        yield load_package(path, trusted=trusted)


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


def _compare_table(con, index: int, old: Resource, new: Resource) -> TableDiff:
    import duckdb

    from accord.build import quote_identifier, read_csv_rows

    old_fields = {f["name"]: f for f in old.fields}
    new_fields = {f["name"]: f for f in new.fields}
    common = [name for name in new_fields if name in old_fields]
    key = _key_for(old, new)
    o, n = f"old_{index}", f"new_{index}"
    try:
        for table, resource in ((o, old), (n, new)):
            read_csv_rows(con, f"CREATE TEMP TABLE {table} AS SELECT * FROM ", resource, lenient=False)
    except duckdb.Error as exc:
        raise PackageError(f"table {new.name!r}: cannot read: {str(exc).strip().splitlines()[0]}") from exc
    counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (o, n)]
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
    if not key:
        columns = ", ".join(map(q, common))
        order = ", ".join(str(i + 1) for i in range(len(common)))
        difference = "SELECT {columns} FROM {a} EXCEPT ALL SELECT {columns} FROM {b} ORDER BY {order}"
        result.rows_added = _rows(con, difference.format(columns=columns, a=n, b=o, order=order))
        result.rows_removed = _rows(con, difference.format(columns=columns, a=o, b=n, order=order))
        return result
    match = " AND ".join(f"a.{q(k)} IS NOT DISTINCT FROM b.{q(k)}" for k in key)
    order = ", ".join(f"a.{q(k)}" for k in key)
    for attribute, (a, b) in (("rows_added", (n, o)), ("rows_removed", (o, n))):
        only_in_a = f"SELECT a.* FROM {a} a WHERE NOT EXISTS (SELECT 1 FROM {b} b WHERE {match}) ORDER BY {order}"
        setattr(result, attribute, _rows(con, only_in_a))
    compared = [name for name in common if name not in key]
    if compared:
        pairs = ", ".join(f"b.{q(name)}, a.{q(name)}" for name in compared)
        differs = " OR ".join(f"a.{q(name)} IS DISTINCT FROM b.{q(name)}" for name in compared)
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


def diff_packages(old: str | Path, new: str | Path, trusted: bool = False) -> PackageDiff:
    """Compare two versions of a package: resources, schemas, and rows by primary key."""
    import duckdb

    with open_package(old, trusted) as before, open_package(new, trusted) as after:
        old_names = [r.name for r in before.resources]
        new_names = [r.name for r in after.resources]
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")  # it would print into our output
        try:
            tables = [
                _compare_table(con, index, before.resource(r.name), r)
                for index, r in enumerate(after.resources)
                if r.name in old_names
            ]
        finally:
            con.close()
        return PackageDiff(
            old=str(old),
            new=str(new),
            old_version=before.descriptor.get("version"),
            new_version=after.descriptor.get("version"),
            resources_added=[name for name in new_names if name not in old_names],
            resources_removed=[name for name in old_names if name not in new_names],
            tables=tables,
        )


def _key_text(key: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


def _row_key_text(table: TableDiff, row: dict[str, Any]) -> str:
    return _key_text({k: row[k] for k in table.key} if table.key else row)


def _value(value: str | None) -> str:
    return "NULL" if value is None else json.dumps(value, ensure_ascii=False)


def _schema_lines(table: TableDiff) -> list[str]:
    lines = []
    if table.fields_added:
        lines.append(f"fields added: {', '.join(table.fields_added)}")
    if table.fields_removed:
        lines.append(f"fields removed: {', '.join(table.fields_removed)}")
    for change in table.fields_retyped:
        lines.append(f"field {change.field} retyped: {change.old} -> {change.new}")
    if table.primary_key_changed:
        lines.append(f"primary key: {table.old_primary_key or 'none'} -> {table.new_primary_key or 'none'}")
    return lines


def _change_text(change: RowChange) -> str:
    fields = "; ".join(f"{c.field}: {_value(c.old)} -> {_value(c.new)}" for c in change.changes)
    return f"{_key_text(change.key)}: {fields}"


def _summary(table: TableDiff) -> str:
    return (
        f"{len(table.rows_added)} added, {len(table.rows_removed)} removed, {len(table.rows_changed)} changed "
        f"({table.old_rows} -> {table.new_rows} rows)"
    )


def render_text(diff: PackageDiff) -> str:
    lines = [f"{diff.old} -> {diff.new}"]
    lines += [f"resource added: {name}" for name in diff.resources_added]
    lines += [f"resource removed: {name}" for name in diff.resources_removed]
    for table in diff.tables:
        if table.identical:
            continue
        lines.append(f"table {table.name}: {_summary(table)}")
        lines += [f"  {line}" for line in _schema_lines(table)]
        lines += [f"  added    {_row_key_text(table, row)}" for row in table.rows_added]
        lines += [f"  removed  {_row_key_text(table, row)}" for row in table.rows_removed]
        lines += [f"  changed  {_change_text(change)}" for change in table.rows_changed]
    lines.append("identical" if diff.identical else "different")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_sections(diff: PackageDiff) -> str:
    """The changes as Markdown without a title: a summary table, then each changed table's rows."""
    lines = []
    if diff.resources_added or diff.resources_removed:
        lines += [f"- Resource added: `{name}`" for name in diff.resources_added]
        lines += [f"- Resource removed: `{name}`" for name in diff.resources_removed]
        lines.append("")
    lines += [
        "| table | rows before | rows after | added | removed | changed | schema |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for t in diff.tables:
        schema = "changed" if t.schema_changed else "same"
        lines.append(
            f"| {t.name} | {t.old_rows} | {t.new_rows} | {len(t.rows_added)} | {len(t.rows_removed)} "
            f"| {len(t.rows_changed)} | {schema} |"
        )
    for t in diff.tables:
        if t.identical:
            continue
        lines += ["", f"### {t.name}", ""]
        lines += [f"- {_md(line)}" for line in _schema_lines(t)]
        lines += [f"- Added: `{_md(_row_key_text(t, row))}`" for row in t.rows_added]
        lines += [f"- Removed: `{_md(_row_key_text(t, row))}`" for row in t.rows_removed]
        for change in t.rows_changed:
            lines.append(f"- Changed: `{_md(_key_text(change.key))}`")
            lines += [f"  - {c.field}: {_md(_value(c.old))} → {_md(_value(c.new))}" for c in change.changes]
    return "\n".join(lines) + "\n"


def render_markdown(diff: PackageDiff) -> str:
    verdict = "No differences." if diff.identical else "The versions differ."
    return f"## {_md(diff.old)} → {_md(diff.new)}\n\n{verdict}\n\n{markdown_sections(diff)}"


def render_diff(diff: PackageDiff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(diff.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "text":
        return render_text(diff)
    if fmt == "markdown":
        return render_markdown(diff)
    raise UsageError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")

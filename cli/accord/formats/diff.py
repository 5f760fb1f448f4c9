"""A PackageDiff as text for people, JSON, or Markdown (also the body of a release's CHANGELOG)."""

from __future__ import annotations

import json
from typing import Any

from accord.diff import PackageDiff, RowChange, TableDiff
from accord.formats.rows import json_value
from accord.formats.terminal import printable


def _key_text(key: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in key.items())


def _row_key_text(table: TableDiff, row: dict[str, Any]) -> str:
    return _key_text({k: row[k] for k in table.key} if table.key else row)


def _value(value: Any) -> str:
    return "NULL" if value is None else json.dumps(json_value(value), ensure_ascii=False)


def _schema_lines(diff: PackageDiff, table: str) -> list[str]:
    """Each schema change of the table, breaking or compatible (accord.schema_diff)."""
    return [f"[{'breaking' if c.breaking else 'compatible'}] {c.describe()}"
            for c in diff.schema_changes if c.table == table and c.kind not in ("resource-added", "resource-removed")]


def _changed(diff: PackageDiff, table: TableDiff) -> bool:
    return not table.identical or any(c.table == table.name for c in diff.schema_changes)


def _change_text(change: RowChange) -> str:
    fields = "; ".join(f"{c.field}: {_value(c.old)} -> {_value(c.new)}" for c in change.changes)
    return f"{_key_text(change.key)}: {fields}"


def _summary(table: TableDiff) -> str:
    return (
        f"{len(table.rows_added)} added, {len(table.rows_removed)} removed, {len(table.rows_changed)} changed "
        f"({table.old_rows} -> {table.new_rows} rows)"
    )


def render_text(diff: PackageDiff, color: bool = False, width: int | None = None) -> str:
    """For people: every data value shown with control characters escaped."""
    lines = [f"{diff.old} -> {diff.new}"]
    lines += [f"[compatible] resource added: {name}" for name in diff.resources_added]
    lines += [f"[breaking] resource removed: {name}" for name in diff.resources_removed]
    for table in diff.tables:
        if not _changed(diff, table):
            continue
        lines.append(f"table {table.name}: {_summary(table)}")
        lines += [f"  {line}" for line in _schema_lines(diff, table.name)]
        lines += [f"  added    {_row_key_text(table, row)}" for row in table.rows_added]
        lines += [f"  removed  {_row_key_text(table, row)}" for row in table.rows_removed]
        lines += [f"  changed  {_change_text(change)}" for change in table.rows_changed]
    lines += [f"note: {note}" for note in diff.notes]
    lines.append("identical" if diff.identical else f"different: {_level(diff)}")
    return "\n".join(printable(line) for line in lines) + "\n"


def _level(diff: PackageDiff) -> str:
    return {"major": "breaking changes (a major version)", "minor": "compatible schema changes (a minor version)",
            "patch": "rows changed (a patch version)", "none": "nothing"}[diff.level]


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_sections(diff: PackageDiff) -> str:
    """The changes as Markdown without a title: a summary table, then each changed table's rows."""
    lines = []
    if diff.level != "none":
        lines += [f"Change: {_level(diff)}.", ""]
    if diff.resources_added or diff.resources_removed:
        lines += [f"- Resource added: `{name}` (compatible)" for name in diff.resources_added]
        lines += [f"- Resource removed: `{name}` (breaking)" for name in diff.resources_removed]
        lines.append("")
    lines += [
        "| table | rows before | rows after | added | removed | changed | schema |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for t in diff.tables:
        table_changes = [c for c in diff.schema_changes if c.table == t.name]
        schema = ("breaking" if any(c.breaking for c in table_changes) else "compatible") if table_changes else "same"
        lines.append(
            f"| {t.name} | {t.old_rows} | {t.new_rows} | {len(t.rows_added)} | {len(t.rows_removed)} "
            f"| {len(t.rows_changed)} | {schema} |"
        )
    for t in diff.tables:
        if not _changed(diff, t):
            continue
        lines += ["", f"### {t.name}", ""]
        lines += [f"- {_md(line)}" for line in _schema_lines(diff, t.name)]
        lines += [f"- Added: `{_md(_row_key_text(t, row))}`" for row in t.rows_added]
        lines += [f"- Removed: `{_md(_row_key_text(t, row))}`" for row in t.rows_removed]
        for change in t.rows_changed:
            lines.append(f"- Changed: `{_md(_key_text(change.key))}`")
            lines += [f"  - {c.field}: {_md(_value(c.old))} → {_md(_value(c.new))}" for c in change.changes]
    return "\n".join(lines) + "\n"


def render_markdown(diff: PackageDiff, color: bool = False, width: int | None = None) -> str:
    verdict = "No differences." if diff.identical else "The versions differ."
    return f"## {_md(diff.old)} → {_md(diff.new)}\n\n{verdict}\n\n{markdown_sections(diff)}"


def render_json(diff: PackageDiff, color: bool = False, width: int | None = None) -> str:
    return json.dumps(json_value(diff.to_dict()), indent=2, ensure_ascii=False) + "\n"

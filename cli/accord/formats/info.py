"""A package's info (accord.info.package_info) as text for people, or JSON."""

from __future__ import annotations

import json
from typing import Any

from accord.formats.rows import Rows, to_table
from accord.formats.terminal import printable


def _constraints_text(constraints: dict) -> str:
    return ", ".join(k if v is True else f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in constraints.items())


def render_json(info: dict[str, Any], color: bool = False, width: int | None = None) -> str:
    return json.dumps(info, indent=2, ensure_ascii=False) + "\n"


def render_text(info: dict[str, Any], color: bool = False, width: int | None = None) -> str:
    # Names and titles come from the package: shown with control characters escaped.
    out = [printable(f"{info['name']}: {len(info['tables'])} tables ({info['descriptor']})")]
    if info.get("title"):
        out.append(printable(f"  {info['title']}"))
    summary = [
        (
            t["name"],
            t["rows"] if t["rows"] is not None else f"unreadable: {t['error']}",
            len(t["fields"]),
            ", ".join(t["primary_key"]),
            t["path"],
        )
        for t in info["tables"]
    ]
    out.append(to_table(Rows(["table", "rows", "fields", "primary key", "path"], summary), color=color, width=width))
    for table in info["tables"]:
        out.append(printable(f"{table['name']}" + (f" — {table['title']}" if table.get("title") else "")))
        for fk in table["foreign_keys"]:
            ref = fk["reference"]
            out.append(printable(f"  foreign key ({', '.join(fk['fields'])}) -> {ref['resource']} ({', '.join(ref['fields'])})"))
        fields = [
            (
                f["name"],
                f["type"] + (f" ({f['format']})" if f.get("format") else ""),
                f["duckdb_type"],
                _constraints_text(f["constraints"]),
                f.get("description") or "",
            )
            for f in table["fields"]
        ]
        out.append(to_table(Rows(["field", "type", "duckdb", "constraints", "description"], fields), color=color, width=width))
    return "\n".join(out)

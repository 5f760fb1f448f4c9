"""accord info: tables, row counts, fields, types, constraints and keys of a package."""

from __future__ import annotations

import json
import shutil
import sys

import typer

from accord.commands import options


def _constraints_text(constraints: dict) -> str:
    return ", ".join(k if v is True else f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in constraints.items())


def render_text(info: dict, color: bool, width: int | None) -> str:
    from accord.output import format_rows, printable

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
    out.append(format_rows(["table", "rows", "fields", "primary key", "path"], summary, color=color, width=width))
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
        out.append(
            format_rows(["field", "type", "duckdb", "constraints", "description"], fields, color=color, width=width)
        )
    return "\n".join(out)


def command(
    package: str = options.PACKAGE,
    fmt: str = typer.Option("text", "--format", "-F", help="Output format: text or json."),
    trusted: bool = options.TRUSTED,
) -> None:
    """Show the tables, row counts, fields, types, constraints and keys of a package.

    Example: accord info datapackage.json --format json
    """
    from accord.errors import UsageError
    from accord.info import package_info

    if fmt not in ("text", "json"):
        raise UsageError(f"unknown format {fmt!r}; choose one of: text, json")
    info = package_info(package, trusted=trusted)
    if fmt == "json":
        typer.echo(json.dumps(info, indent=2, ensure_ascii=False))
        return
    terminal = sys.stdout.isatty()
    typer.echo(
        render_text(info, color=terminal, width=shutil.get_terminal_size().columns if terminal else None), nl=False
    )

"""Rows as text: a rich table for people, CSV, JSON or a Markdown pipe table.

Shared by every command that prints rows; each renderer takes (columns, rows) as a Rows. CSV cells that a spreadsheet would run as a
formula (starting with = + - @, tab or carriage return) get a leading single quote;
plain numbers such as -1.5 are left as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import math
import re
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any

from accord.formats.terminal import printable

@dataclass
class Rows:
    """Rows to show: column names, and one tuple of values per row."""

    columns: list[str]
    rows: list[tuple[Any, ...]]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def json_value(value: Any) -> Any:
    """A value JSON can hold: ISO text for dates and times, null for NaN and infinities."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    return str(value)


def cell_text(value: Any) -> str:
    """One cell as text: '' for NULL, ISO dates, JSON for lists and structs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(json_value(value), ensure_ascii=False)
    return str(json_value(value))


def neutralise_formula(text: str) -> str:
    """Prefix a quote to text a spreadsheet would evaluate; plain numbers stay as they are."""
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)


def _numeric_columns(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[bool]:
    return [
        any(row[i] is not None for row in rows) and all(row[i] is None or _is_number(row[i]) for row in rows)
        for i in range(len(columns))
    ]


def to_csv(value: Rows, color: bool = False, width: int | None = None) -> str:
    columns, rows = value.columns, value.rows
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # RFC 4180 CRLF rows: cells holding a lone CR are quoted too
    writer.writerow([neutralise_formula(str(c)) for c in columns])
    for row in rows:
        writer.writerow([cell_text(v) if _is_number(v) else neutralise_formula(cell_text(v)) for v in row])
    return buffer.getvalue()


def to_json(value: Rows, color: bool = False, width: int | None = None) -> str:
    columns, rows = value.columns, value.rows
    records = [{c: json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows]
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


def to_markdown(value: Rows, color: bool = False, width: int | None = None) -> str:
    columns, rows = value.columns, value.rows
    numeric = _numeric_columns(columns, rows)
    lines = [
        "| " + " | ".join(_markdown_cell(str(c)) for c in columns) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    lines.extend("| " + " | ".join(_markdown_cell(cell_text(v)) for v in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def to_table(value: Rows, color: bool = False, width: int | None = None) -> str:
    """A rich table and the number of rows; NULL shows as NULL, unlike an empty string. With a
    width (a terminal's), one line per row, long cells cut with an ellipsis (csv and json give
    every value whole); without one, cells are not cut."""
    columns, rows = value.columns, value.rows
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_edge=True, highlight=False)
    # on a terminal, a column takes at most its share of the width (less borders): every column shows
    share = max(6, (width - 3 * len(columns) - 1) // max(len(columns), 1)) if width else None
    for name, numeric in zip(columns, _numeric_columns(columns, rows), strict=True):
        table.add_column(Text(printable(str(name))), justify="right" if numeric else "left",
                         overflow="ellipsis" if width else "fold", no_wrap=bool(width), max_width=share)
    for row in rows:
        table.add_row(
            *(Text("NULL", style="dim") if v is None else Text(printable(cell_text(v), newlines=not width)) for v in row)
        )
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width or 100_000,
        force_terminal=color,
        no_color=None if color else True,
        highlight=False,
        emoji=False,
    )
    console.print(table, crop=False)
    return buffer.getvalue() + f"{len(rows)} row{'' if len(rows) == 1 else 's'}\n"

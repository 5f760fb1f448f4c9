"""Text for people: package data shown safely on a terminal, messages cut to a readable size.

Every format for people shows data through these helpers: a terminal acts on the control
characters data may hold (escape sequences that retitle, clear or recolour it; bidirectional
overrides that reorder text), so they are shown escaped (\\x1b, \\u202e), never written raw.
"""

from __future__ import annotations

import json
import re

# Characters a terminal acts on rather than shows: C0 and C1 controls, DEL, and the
# bidirectional overrides and isolates that reorder text.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LINE_BREAKS = re.compile("[\n\r]")
MAX_MESSAGE = 500  # characters of a message shown for people (a bad cell may be megabytes)


def printable(text: str, newlines: bool = False) -> str:
    """text safe to print on a terminal: controls shown escaped (\\x1b, \\u202e), and line breaks
    too unless newlines (data from a package must not drive the terminal or fake extra lines)."""
    text = CONTROLS.sub(lambda m: repr(m.group())[1:-1], text)
    return text if newlines else LINE_BREAKS.sub(lambda m: repr(m.group())[1:-1], text)


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """text cut to `limit` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def short_values(values: list, limit: int = 3, width: int = 60) -> str:
    """A few failing values as JSON, each cut to `width` characters."""
    shown = []
    for value in values[:limit]:
        text = json.dumps(value, ensure_ascii=False, default=str)
        shown.append(text if len(text) <= width else text[: width - 1] + "…")
    more = f" (+{len(values) - limit} more)" if len(values) > limit else ""
    return ", ".join(shown) + more


def location(error) -> str:
    """Where an error is: table, row, field."""
    parts = [p for p in (error.table, f"row {error.row}" if error.row else None,
                         f"field {error.field}" if error.field else None) if p]
    return ", ".join(parts)

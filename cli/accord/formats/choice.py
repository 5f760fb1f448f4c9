"""The --format option of every command: its choices come from accord.formats (listed in --help,
completed by the shell), and a name that is not one gets accord.formats' one message."""

from __future__ import annotations

from typing import Any

import typer

from accord import formats


def format_option(kind: str, default: str, help: str = "Output format.") -> Any:
    choices = formats.names(kind)

    def parse(value: str) -> str:
        formats.lookup(kind, value)  # UsageError: the one message for an unknown format
        return value

    def complete(incomplete: str) -> list[str]:
        return [name for name in choices if name.startswith(incomplete)]

    return typer.Option(default, "--format", "-F", parser=parse, autocompletion=complete,
                        metavar=f"[{'|'.join(choices)}]", help=f"{help} One of: {', '.join(choices)}.")

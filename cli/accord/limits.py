"""Bounds on what one command may use, so that a package from anyone cannot hang or exhaust the
machine it is checked on (accord runs as a CI gate on pull requests).

Each limit has a safe default and a flag on every command; each limit reached is a one-line
error, exit 2, after the command's own cleanup (nothing half-written):

- wall time (--timeout): the whole command;
- memory (--memory-limit): the process's resident memory, watched while it runs; DuckDB gets
  a share of it as its own memory_limit, so it spills to disk before the watch is reached;
- expanded bytes (--max-expanded): what one compressed file may expand to;
- largest cell (--max-cell): the longest CSV line accord reads (a cell is never longer than
  its line);
- a regular expression's time on one value (--pattern-timeout), for the patterns RE2 cannot
  run in linear time (accord.validate.patterns).

The values are process-wide: the CLI sets them once per command (accord.guard).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from accord.errors import AccordError


class LimitReached(AccordError):
    """A command reached one of its limits (time, memory, expanded bytes, cell size, pattern time)."""


UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
         "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}
SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]I?B|B)?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'512MB', '2GiB', '1.5GB' or a number of bytes; ValueError otherwise."""
    match = SIZE.fullmatch(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a size (e.g. 512MB, 2GiB)")
    return int(float(match.group(1)) * UNITS[(match.group(2) or "").upper()])


def parse_seconds(text: str) -> float | None:
    """'90', '90s', '15m', '2h'; 0 means no limit (None)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*", str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration (e.g. 90, 90s, 15m, 2h; 0 for none)")
    seconds = float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]
    return seconds or None


def human_size(size: int) -> str:
    """In the units the size was most likely given in: 10 MB, not 9.54 MiB; 64 MiB, not 67.1 MB."""
    for binary, decimal, exponent in (("GiB", "GB", 3), ("MiB", "MB", 2), ("KiB", "KB", 1)):
        if size >= 1000**exponent:
            if size % 1000**exponent == 0 and size % 1024**exponent:
                return f"{size // 1000**exponent} {decimal}"
            return f"{size / 1024**exponent:.3g} {binary}"
    return f"{size} B"


CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def physical_memory() -> int:
    """The machine's memory, or the container's where a cgroup limits it (a CI runner's)."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 8 * 1024**3
    for path in CGROUP_LIMITS:
        try:
            with open(path, encoding="ascii") as handle:
                text = handle.read().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < memory:
            memory = int(text)
    return memory


@dataclass
class Limits:
    timeout: float | None = 3600.0  # seconds; None: none
    memory: int = physical_memory() // 2  # bytes of resident memory
    expanded: int = 1024**3  # bytes one compressed file may expand to
    cell: int = 64 * 1024**2  # bytes of the longest CSV line
    pattern_seconds: float = 0.5  # one value against one non-RE2 pattern

    def duckdb_memory(self, requested: int | None = None) -> str:
        """DuckDB's memory_limit for one connection: its share of the process's limit (DuckDB
        counts only its buffers; Python, Arrow and the interpreter use the rest)."""
        share = int(self.memory * 0.6)
        return f"{min(share, requested) if requested else share}B"


DEFAULTS = Limits()
current = Limits()


def bound_frictionless() -> None:
    """frictionless reads CSV with Python's csv module, whose field size limit it raises to 2 GiB
    when imported: bring it down to the largest cell (call after importing frictionless)."""
    import csv

    import frictionless.formats.csv.parser  # noqa: F401  (sets its own limit on import)

    csv.field_size_limit(current.cell)


SAMPLED_LINES = 200  # frictionless samples its first 100 rows (and their header) to sniff the dialect


def check_sampled_lines(path, relpath: str) -> None:
    """LimitReached if one of the lines frictionless samples to open a CSV is longer than the
    largest cell: frictionless would hold it in memory and sniff it for minutes (a 300 MB line:
    47 s, 1 GB) before its own field limit stops it. Reads at most the first lines, bounded."""
    try:
        handle = open(path, "rb")
    except OSError:
        return  # not a local file: frictionless says what it is
    with handle:
        if handle.read(2) in (b"\x1f\x8b", b"PK"):
            return  # compressed: bounded where it is expanded
        handle.seek(0)
        for _ in range(SAMPLED_LINES):
            line = handle.readline(current.cell + 1)
            if not line:
                return
            if len(line) > current.cell:
                raise cell_limit_reached(relpath, "a line")


def cell_limit_reached(path: str, what: str) -> LimitReached:
    """The one error for whatever passed --max-cell (a line, a cell) in the file at path."""
    return LimitReached(f"{path}: {what} is longer than the largest cell accord reads ({human_size(current.cell)}, "
                        "--max-cell); nothing was validated")


FIELD_TOO_LARGE = re.compile(r"field larger than field limit \((\d+)\)")


def cell_limit_error(path: str, text: str) -> LimitReached | None:
    """The error for a frictionless failure caused by the cell limit (Python's csv field limit), else None."""
    return cell_limit_reached(path, "a cell") if FIELD_TOO_LARGE.search(text) else None


def set_current(limits: Limits) -> None:
    global current
    current = limits

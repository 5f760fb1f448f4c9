"""One scan of each CSV file's bytes for what DuckDB's CSV parser reads differently from
Python's csv module (which frictionless uses): lone carriage returns, spaces beside quotes
and empty lines.

Files are cut into chunks that end at a line break, and the chunks are scanned in parallel
worker processes: regular expressions hold Python's interpreter lock, and this is the only
part of validation that would otherwise leave a core idle. A chunk starts where a line
starts, so every pattern that looks at the byte before a match sees what it would see in
the whole file (a line break), and the answers are exactly those of one scan of the file.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BOM = b"\xef\xbb\xbf"
CHUNK_SIZE = 1 << 24  # 16 MiB: small enough to share out, large enough that scanning dominates
PARALLEL_FROM = 1 << 26  # below 64 MiB in all, starting worker processes costs more than it saves


@dataclass(frozen=True)
class ScanRequest:
    path: Path
    delimiter: bytes
    quote: bytes
    skip_initial_space: bool
    count_lines: bool = True  # build's memory for keys needs them; a fifth of the scan's time


@dataclass(frozen=True)
class ScanResult:
    lone_carriage_return: bool = False
    spaces_beside_quotes: bool = False
    empty_line: bool = False  # an empty line, the first line included (after a byte order mark)
    line_breaks: int = field(default=0, compare=False)  # b"\n" bytes: about the rows (build's memory for keys)

    def merged(self, other: ScanResult) -> ScanResult:
        return ScanResult(
            self.lone_carriage_return or other.lone_carriage_return,
            self.spaces_beside_quotes or other.spaces_beside_quotes,
            self.empty_line or other.empty_line,
            self.line_breaks + other.line_breaks,
        )


def scan_bytes(data: bytes, request: ScanRequest, file_start: bool) -> ScanResult:
    """Scan text that starts at a line start (or the file start) and, unless it is the end of
    the file, ends with a line break."""
    body = data[len(BOM):] if file_start and data.startswith(BOM) else data
    return ScanResult(
        lone_carriage_return=data.find(b"\r") >= 0 and re.search(rb"\r(?!\n)", data) is not None,
        # (after a byte order mark: DuckDB drops it, so a space and a quote after it start the file)
        spaces_beside_quotes=spaces_beside_quotes(body, request.delimiter, request.quote, request.skip_initial_space),
        empty_line=body.startswith((b"\n", b"\r\n")) or re.search(rb"\n\r?\n", data) is not None,
        line_breaks=data.count(b"\n") if request.count_lines else 0,
    )


def spaces_beside_quotes(data: bytes, delimiter: bytes, quote: bytes, skip_initial_space: bool) -> bool:
    """Whether DuckDB and Python's csv module would read spaces next to a quote differently.

    DuckDB reads `, "a"` (one space) as a quoted value and drops spaces after a closing quote;
    Python keeps them all, or with skipinitialspace drops every space before the quote (the
    engine then drops spaces at the start of each cell, so `"  a"` and `,  "a"` differ)."""
    if data.find(quote) < 0:
        return False
    d, q = re.escape(delimiter), re.escape(quote)
    spaces_then_field_end = rb" +(?:[\r\n" + d + rb"]|\Z)"
    if not skip_initial_space:
        # a quote after one space at the start of a field, or before spaces that end the field:
        # one pattern starting with the quote, which re scans for quickly
        field_start = rb"(?<=[\n" + d + rb"] " + q + rb")"
        return data[:2] == b" " + quote or re.search(q + rb"(?:" + field_start + rb"|" + spaces_then_field_end + rb")", data) is not None
    if re.search(q + spaces_then_field_end, data):
        return True
    field_starts = (b"\n"[0], delimiter[0])
    for match in re.finditer(rb"  +" + q + rb"|" + q + rb" ", data):
        before = data.rfind(b"\n", 0, match.start())  # the context, back to the line start
        prefix = data[before + 1 : match.start()].rstrip(b" ")
        if not prefix or prefix[-1] in field_starts:
            return True
    return False


def chunk_bounds(path: Path, chunk_size: int) -> list[tuple[int, int]]:
    """[start, end) byte ranges covering the file, each ending just after a line break (but the last)."""
    size = path.stat().st_size
    bounds: list[tuple[int, int]] = []
    start = 0
    with open(path, "rb") as handle:
        while start < size:
            handle.seek(min(start + chunk_size, size))
            handle.readline()  # on to the end of the line
            end = min(handle.tell(), size)
            bounds.append((start, end))
            start = end
    return bounds or [(0, 0)]


def scan_chunk(request: ScanRequest, start: int, end: int) -> ScanResult:
    with open(request.path, "rb") as handle:
        handle.seek(start)
        return scan_bytes(handle.read(end - start), request, file_start=start == 0)


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent process handles Ctrl-C and cleans up


def scan_files(
    requests: list[ScanRequest], chunk_size: int = CHUNK_SIZE, workers: int | None = None, parallel_from: int = PARALLEL_FROM
) -> list[ScanResult]:
    """One ScanResult per request, the files' chunks shared among worker processes when the
    files are large and there is more than one core."""
    jobs = [(index, start, end) for index, r in enumerate(requests) for start, end in chunk_bounds(r.path, chunk_size)]
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    total = sum(end - start for _, start, end in jobs)
    results = [ScanResult() for _ in requests]
    if workers < 2 or total < parallel_from or "fork" not in multiprocessing.get_all_start_methods():
        found = [scan_chunk(requests[index], start, end) for index, start, end in jobs]
    else:
        # fork: the workers need nothing but this module, already imported, and start in milliseconds
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts) as pool:
            try:
                found = list(pool.map(scan_chunk, *zip(*[(requests[i], s, e) for i, s, e in jobs])))
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    for (index, _, _), result in zip(jobs, found):
        results[index] = results[index].merged(result)
    return results

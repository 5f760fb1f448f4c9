"""For the release, download and diff tests: edits of a package copy, and a real HTTP server.

The server is http.server on 127.0.0.1 in a thread. It answers Range requests with 206 (or,
with ranges=False, ignores them like a server that cannot resume), can cut the connection in
the middle of a file once, and counts the bytes it sends for each path.
"""

from __future__ import annotations

import collections
import csv
import http.server
import io
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path



def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_table(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@dataclass
class Edits:
    added: str
    removed: str
    changed: str
    old_summary: str
    new_summary: str


def edit_statements(descriptor: Path) -> Edits:
    """Add one statement, remove one no membership refers to, change another's summary: still valid data."""
    tables = descriptor.parent / "tables"
    referenced = {row["statement_id"] for row in read_table(tables / "memberships.csv")[1]}
    header, rows = read_table(tables / "statements.csv")
    removed = next(row for row in rows if row["statement_id"] not in referenced)
    rows.remove(removed)
    changed = rows[0]
    old_summary = changed["summary"]
    changed["summary"] = old_summary + " (corrected)"
    rows.append({**rows[1], "statement_id": f"{rows[1]['source_id']}:added-statement"})
    write_table(tables / "statements.csv", header, rows)
    return Edits(rows[-1]["statement_id"], removed["statement_id"], changed["statement_id"], old_summary, changed["summary"])


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under folder, by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class ServerState:
    root: Path
    ranges: bool = True
    cut_after: dict[str, int] = field(default_factory=dict)  # path -> bytes to send before cutting, once
    bytes_sent: collections.Counter = field(default_factory=collections.Counter)
    requests: list[tuple[str, str | None, int]] = field(default_factory=list)  # (path, Range header, status)


class _Handler(http.server.BaseHTTPRequestHandler):
    state: ServerState  # set on the subclass each server makes

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        file = (self.state.root / path.lstrip("/")).resolve()
        if not file.is_relative_to(self.state.root.resolve()) or not file.is_file():
            self.state.requests.append((path, self.headers.get("Range"), 404))
            self.send_error(404)
            return
        data = file.read_bytes()
        requested = self.headers.get("Range")
        start = 0
        if self.state.ranges and requested and requested.startswith("bytes=") and requested.endswith("-"):
            start = int(requested[len("bytes=") : -1])
            if start >= len(data):
                self.state.requests.append((path, requested, 416))
                self.send_error(416)
                return
        status = 206 if start else 200
        self.state.requests.append((path, requested, status))
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if self.state.ranges:
            self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        cut = self.state.cut_after.pop(path, None)
        if cut is not None:
            body = body[:cut]
        self.wfile.write(body)
        self.wfile.flush()
        self.state.bytes_sent[path] += len(body)
        if cut is not None:  # drop the connection with the body unfinished
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)


class ReleaseServer:
    """`with ReleaseServer(folder) as server:` serves folder at server.url."""

    def __init__(self, root: Path, ranges: bool = True):
        self.state = ServerState(root=root, ranges=ranges)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> ReleaseServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

"""Compressed tables (gzip, zip, bz2, xz): each file expanded once per run, into the run's
temporary folder, with a bound on its expanded size.

frictionless reads a compressed file through Python's gzip, zipfile, bz2 and lzma modules: a
gzip, bz2 or xz file whole (a file of several members as their concatenation), and from a zip
archive the member the resource's `innerpath` names, else the archive's first entry. The copy
here holds the same bytes (written by the same modules; for gzip, by zlib, which gzip.open is
built on), so both engines read what frictionless reads, and the file is expanded once however
often it is read (frictionless's sample, the byte scan, DuckDB's read, frictionless's rows, a
foreign key's lookup).

The copy is bounded by the bytes actually written, whatever a zip header declares: past
accord.limits.current.expanded the command stops (LimitReached), nothing half-expanded is left.
"""

from __future__ import annotations

import bz2
import hashlib
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord import limits
from accord.package import Package, Resource

COMPRESSIONS = ("gz", "zip", "bz2", "xz")  # those frictionless 5 reads
CHUNK_BYTES = 1 << 22  # expanded bytes at a time, at most
READ_BYTES = 1 << 18  # compressed bytes read at a time: most expand within CHUNK_BYTES
# What Python's readers raise on bytes they cannot expand (an empty or encrypted archive, a
# corrupt stream, an unreadable file ...). frictionless then reads the file itself and reports
# it; it stops where this expansion stopped, inside the bound. (An error writing the copy is
# not one of these: it stops the command. A zip member in a method zipfile lacks raises a subclass
# of RuntimeError.)
UNREADABLE = (OSError, EOFError, zlib.error, zipfile.BadZipFile, lzma.LZMAError, KeyError, IndexError, RuntimeError)
try:  # ISA-L's inflate: zlib's format and checks, 3.4x faster here (264 MB: 0.54 s against 1.82 s)
    from isal import isal_zlib as inflate

    UNREADABLE += (inflate.error,)
except ImportError:  # (a platform without its wheels)
    inflate = zlib


class NotExpanded(Exception):
    """A compressed resource without an expanded copy; the message says why."""


class ExpandedFiles:
    """The run's expanded copies, one per compressed resource, made on first use."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.copies: dict[str, Path | NotExpanded] = {}

    def copy_of(self, resource: Resource, fresource: Any) -> Path:
        """The expanded copy of the resource's file (fresource: frictionless's resource, which
        says the compression and the zip member). NotExpanded when there is none to make;
        LimitReached past the bound."""
        if resource.name not in self.copies:
            try:
                self.copies[resource.name] = self._expand(resource, fresource)
            except NotExpanded as reason:
                self.copies[resource.name] = reason
        found = self.copies[resource.name]
        if isinstance(found, NotExpanded):
            raise NotExpanded(str(found))
        return found

    def _expand(self, resource: Resource, fresource: Any) -> Path:
        compression = fresource.compression
        if compression not in COMPRESSIONS:
            raise NotExpanded(f"its compression {compression!r} is not one frictionless reads")
        if len(resource.paths) != 1 or not resource.path.is_file():
            raise NotExpanded("it is not one local file")  # frictionless expands no multipart path
        suffix = f".{fresource.format}" if fresource.format else ""
        target = self.folder / f"expanded-{len(self.copies)}{suffix}"
        expand(resource.path, compression, fresource.innerpath, target, resource.relpath)
        return target


def expand(source: Path, compression: str, member: str | None, target: Path, shown: str) -> None:
    """Write the expanded bytes of source into target, counting them; LimitReached (naming the
    file as `shown`) once they pass the limit. Nothing is left at target unless it succeeds."""
    limit = limits.current.expanded
    written = 0
    try:
        with open(target, "wb") as out:
            for chunk in expanded_chunks(source, compression, member):
                written += len(chunk)
                if written > limit:
                    raise limits.LimitReached(f"{shown}: expands to more than {limits.human_size(limit)} "
                                              "(--max-expanded); nothing was validated")
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def expanded_chunks(source: Path, compression: str, member: str | None) -> Iterator[bytes]:
    """The expanded bytes, as frictionless's loader opens them, in chunks of at most CHUNK_BYTES
    (each reader expands no more than it is asked for); NotExpanded when the reader rejects them."""
    try:
        if compression == "gz":
            yield from gunzipped_chunks(source)
        elif compression == "zip":
            with zipfile.ZipFile(source) as archive, archive.open(member or archive.namelist()[0]) as stream:
                yield from iter(lambda: stream.read(CHUNK_BYTES), b"")
        else:
            with {"bz2": bz2.open, "xz": lzma.open}[compression](source) as stream:
                yield from iter(lambda: stream.read(CHUNK_BYTES), b"")
    except UNREADABLE as problem:
        raise NotExpanded(f"its {compression} bytes cannot be expanded ({type(problem).__name__}: {problem})") from None


def gunzipped_chunks(source: Path) -> Iterator[bytes]:
    """The bytes gzip.open reads (every member in turn, skipping the zero bytes that may pad
    one), expanded by ISA-L (else zlib) in larger steps: a fraction of gzip.open's time. Both check
    each member's header, CRC and size, at least as strictly as gzip.open (a file it rejects goes
    to frictionless, which reads it with gzip.open)."""
    with open(source, "rb") as handle:
        decompressor, members = None, 0
        pending = handle.read(READ_BYTES)
        while True:
            if decompressor is None:
                if members:
                    pending = pending.lstrip(b"\0")
                if not pending:
                    pending = handle.read(READ_BYTES)
                    if not pending:
                        return
                    continue
                decompressor = inflate.decompressobj(zlib.MAX_WBITS | 16)  # one gzip member
            expanded = decompressor.decompress(pending, CHUNK_BYTES)
            if expanded:
                yield expanded
            if decompressor.eof:
                pending, decompressor, members = decompressor.unused_data, None, members + 1
            elif decompressor.unconsumed_tail:
                pending = decompressor.unconsumed_tail
            else:
                pending = handle.read(READ_BYTES)
                if not pending and not expanded:
                    raise EOFError("Compressed file ended before the end-of-stream marker was reached")


def read_from_copies(package: Package, fpackage: Any, expanded: ExpandedFiles) -> dict[str, str]:
    """Point frictionless at the expanded copy of every compressed resource of its package (so a
    foreign key's lookup reads the copy too); {resource name: its path as the descriptor writes it}
    for those it now reads from a copy. frictionless checks a declared hash and size against the
    compressed file, and still does (CompressedFileStats). A resource without a copy is left as it
    is: frictionless reads it and reports why it cannot."""
    redirected = {}
    for fresource in fpackage.resources:
        if not fresource.compression:
            continue
        try:
            copy = expanded.copy_of(package.resource(fresource.name), fresource)
        except NotExpanded:
            continue
        redirected[fresource.name] = fresource.path
        fresource.stats = CompressedFileStats(package.resource(fresource.name).path, hashed=bool(fresource.hash))
        fresource.path, fresource.compression, fresource.innerpath = str(copy), None, None
    return redirected


class CompressedFileStats:
    """frictionless's stats of a resource it reads from an expanded copy: the hashes and size of
    the compressed file, as its loader counts them (before expanding), whatever it counts of the
    copy; the fields and rows it counts."""

    def __init__(self, path: Path, hashed: bool):
        self.fields: int | None = None
        self.rows: int | None = None
        self._path = path
        self._hashed = hashed  # only a declared hash needs the hashes: hashing a large file takes a while
        self._digests: dict[str, str] = {}

    def _digest(self, algorithm: str) -> str | None:
        if self._hashed and not self._digests:  # once, when frictionless validates the resource
            md5, sha256 = hashlib.md5(), hashlib.sha256()
            with open(self._path, "rb") as handle:
                for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
                    md5.update(chunk)
                    sha256.update(chunk)
            self._digests = {"md5": md5.hexdigest(), "sha256": sha256.hexdigest()}
        return self._digests.get(algorithm)

    md5 = property(lambda self: self._digest("md5"), lambda self, value: None)
    sha256 = property(lambda self: self._digest("sha256"), lambda self, value: None)
    bytes = property(lambda self: self._path.stat().st_size, lambda self, value: None)

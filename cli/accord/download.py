"""download: fetch a released data package, verify every file, then move it into place.

SOURCE is an http(s) URL or a local path of a datapackage.json or of a zip of a package.

For a descriptor, every file it names is fetched: each resource's path, a schema or dialect
given as a path, and the release's other files (the `accord:files` list: sources, views,
queries, README). A file whose descriptor entry has `bytes` or `hash` (`sha256:<hex>`,
`md5:<hex>` or a bare MD5) is checked against them. A zip's own datapackage.json is checked
the same way after unpacking.

Nothing reaches the target folder until every file is fetched and verified: the work happens in
a staging folder beside the target (`.<target>.download`), which then replaces the target in one
step. A size or hash mismatch raises ChecksumMismatch (exit 2), removes the staging folder and
leaves the target as it was. Interrupted transfers stay in staging as `<file>.part`: the
next attempt, in this run or a later one, asks for the rest with an HTTP Range request and
starts over when the server does not honour it.

Paths that would land outside the target are refused: a resource path or zip entry that is
absolute or climbs out with `..`, and, unless trusted, a URL to another host than the
descriptor's. A URL file is stored under `remote/<host>/<path>` and the descriptor points there.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import shutil
import stat
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from accord import __version__
from accord.errors import ChecksumMismatch, DownloadError, PackageError, UsageError
from accord.fsutil import fault_point, file_digest, replace_directory, sync, sync_tree
from accord.package import DEFAULT_DESCRIPTOR, is_unsafe_path

RELEASE_FILES = "accord:files"  # the descriptor property listing a release's files that are not resources
CHUNK_SIZE = 1 << 16
TIMEOUT_SECONDS = 30
MAX_DESCRIPTOR_BYTES = 64 * 1024 * 1024  # a descriptor is read into memory
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
PART_SUFFIX = ".part"

if TYPE_CHECKING:
    from accord.build import BuildResult

Progress = Callable[[str, int, int | None], None]  # (file, bytes so far, bytes expected or None)


@dataclass
class FileEntry:
    """One file to fetch: where it goes in the package, where it comes from, what it must be."""

    path: str  # relative to the package folder, POSIX
    source: str  # URL, or local path
    bytes: int | None = None
    hash: str | None = None  # as in the descriptor

    @property
    def verifiable(self) -> bool:
        return self.bytes is not None or self.hash is not None


@dataclass
class DownloadedFile:
    path: str
    bytes: int
    verified: bool  # the descriptor gave a size or hash, and the file matches it
    reused: bool = False  # the earlier download held it, with the same hash: not fetched again


@dataclass
class DownloadResult:
    target: Path
    name: str
    version: str | None
    files: list[DownloadedFile]
    database: BuildResult | None = None  # with load=
    notes: list[str] = field(default_factory=list)


def is_url(text: str) -> bool:
    return urllib.parse.urlsplit(text).scheme in ("http", "https")


def unsafe_entry_reason(name: str) -> str | None:
    """Why a zip entry or package path may not be written under the target, or None."""
    if "\\" in name:
        return "contains a backslash"
    reason = is_unsafe_path(name)
    if reason:
        return reason
    if not PurePosixPath(name).parts:
        return "is empty"
    return None


def extract_zip(zip_path: Path, folder: Path) -> None:
    """Unpack a zip into folder after checking every entry.

    Refused before anything is written: entries that are absolute, climb out with '..',
    contain backslashes or are symbolic links.
    """
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise PackageError(f"{zip_path.name}: not a readable zip: {exc}") from exc
    with archive:
        entries = archive.infolist()
        for info in entries:
            reason = unsafe_entry_reason(info.filename)
            if reason is None and stat.S_ISLNK(info.external_attr >> 16):
                reason = "is a symbolic link"
            if reason:
                raise PackageError(f"{zip_path.name}: entry {info.filename!r} {reason}; refused")
        for info in entries:
            target = folder.joinpath(*PurePosixPath(info.filename).parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK_SIZE)
            except (zipfile.BadZipFile, OSError) as exc:
                raise PackageError(f"{zip_path.name}: entry {info.filename!r} cannot be unpacked: {exc}") from exc


def _parse_hash(text: str, where: str) -> tuple[str, str]:
    algorithm, _, digest = text.rpartition(":")
    algorithm = algorithm.lower() or "md5"  # the Data Package default
    if algorithm not in hashlib.algorithms_guaranteed:
        raise PackageError(f"{where}: hash algorithm {algorithm!r} is not supported")
    return algorithm, digest.lower()


def verify_file(path: Path, entry: FileEntry) -> None:
    """Raise ChecksumMismatch when the file's size or hash is not the descriptor's."""
    size = path.stat().st_size
    if entry.bytes is not None and size != entry.bytes:
        raise ChecksumMismatch(f"{entry.path}: {size} bytes, the descriptor says {entry.bytes}; not installed")
    if entry.hash is not None:
        algorithm, expected = _parse_hash(entry.hash, entry.path)
        found = file_digest(path, algorithm)
        if found != expected:
            raise ChecksumMismatch(f"{entry.path}: {algorithm} {found}, the descriptor says {expected}; not installed")


class _Retryable(Exception):
    """A transfer failed in a way another attempt may fix (cut body, lost connection, 5xx)."""


def _content_range_start(response: http.client.HTTPResponse) -> int | None:
    unit, _, rest = response.headers.get("Content-Range", "").partition(" ")
    start = rest.split("-", 1)[0]
    return int(start) if unit == "bytes" and start.isdigit() else None


def _transfer(url: str, part: Path, expected_bytes: int | None, progress: Progress | None, label: str,
              max_bytes: int | None = None) -> None:
    """One request: append the missing bytes to part when the server resumes (206), else rewrite it."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": f"accord/{__version__}", "Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_SECONDS) as response:
            if response.status == 206 and _content_range_start(response) != have:
                part.unlink(missing_ok=True)  # a range we did not ask for: start over
                raise _Retryable("the server sent an unexpected range")
            if response.status != 206:
                have = 0  # the server sends the whole file: start over
            length = response.headers.get("Content-Length")
            announced = int(length) if length and length.isdigit() else None
            total = expected_bytes if expected_bytes is not None else (have + announced if announced else None)
            received = 0
            with open(part, "ab" if have else "wb") as fh:
                while chunk := response.read(CHUNK_SIZE):
                    fh.write(chunk)
                    received += len(chunk)
                    if expected_bytes is not None and have + received > expected_bytes:  # never more than said
                        raise ChecksumMismatch(f"{label}: the server sent more than the {expected_bytes} bytes "
                                               "the descriptor says; not installed")
                    if max_bytes is not None and have + received > max_bytes:
                        raise DownloadError(f"{url}: larger than {max_bytes:,} bytes; refused")
                    if progress:
                        progress(label, have + received, total)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to ask for from here: the file changed; start over
            part.unlink()
            raise _Retryable("HTTP 416") from exc
        if exc.code in RETRY_STATUSES:
            raise _Retryable(f"HTTP {exc.code} {exc.reason}") from exc
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as exc:
        raise _Retryable(str(getattr(exc, "reason", "") or exc) or type(exc).__name__) from exc
    # http.client returns a short body without complaint when the connection closes early
    if announced is not None and received < announced:
        raise _Retryable(f"the connection closed after {have + received} of {have + announced} bytes")
    if expected_bytes is not None and have + received < expected_bytes:
        raise _Retryable(f"the body ended after {have + received} of {expected_bytes} bytes")


def fetch_url(
    url: str,
    part: Path,
    expected_bytes: int | None = None,
    progress: Progress | None = None,
    label: str = "",
    retries: int = 4,
    backoff: float = 0.5,
    max_bytes: int | None = None,
) -> None:
    """Download url into the file part, resuming what it already holds (never more than
    expected_bytes or max_bytes: a server cannot fill the disk).

    A body cut short, a lost connection or a 408/429/5xx answer is retried up to `retries` times,
    after backoff, 2*backoff, 4*backoff ... seconds; each retry asks only for the missing bytes.
    """
    attempts = 0
    while True:
        have = part.stat().st_size if part.exists() else 0
        if expected_bytes is not None and have > expected_bytes:
            part.unlink()
        elif expected_bytes is not None and have == expected_bytes and have > 0:
            return  # complete from an earlier attempt
        attempts += 1
        try:
            _transfer(url, part, expected_bytes, progress, label, max_bytes)
            return
        except _Retryable as exc:
            if attempts > retries:
                raise DownloadError(f"{url}: {exc} (gave up after {attempts} attempts; run again to resume)") from exc
        time.sleep(backoff * 2 ** (attempts - 1))


def _read_source(source: str, retries: int, backoff: float) -> bytes:
    """A descriptor's bytes, from a URL or a file."""
    if not is_url(source):
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise PackageError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    with tempfile.TemporaryDirectory(prefix="accord-download-") as tmp:
        part = Path(tmp) / DEFAULT_DESCRIPTOR
        fetch_url(source, part, retries=retries, backoff=backoff, max_bytes=MAX_DESCRIPTOR_BYTES)
        return part.read_bytes()


def _parse_descriptor(data: bytes, where: str) -> dict[str, Any]:
    try:
        descriptor = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{where}: the descriptor is not UTF-8 JSON: {exc}") from exc
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise PackageError(f"{where}: not a Data Package (a JSON object with a 'resources' list)")
    return descriptor


def _local_path_for_url(url: str, where: str) -> str:
    parts = urllib.parse.urlsplit(url)
    path = [urllib.parse.unquote(p) for p in parts.path.split("/") if p]
    if not path or any(p in ("..", ".") or "/" in p or "\\" in p for p in path):
        raise PackageError(f"{where}: URL {url!r} has no usable file path; refused")
    return "/".join(["remote", parts.netloc.replace(":", "_"), *path])


def _resolve(base: str, relpath: Any, where: str, trusted: bool) -> tuple[str, str]:
    """(path in the package folder, where to fetch it from) for a path the descriptor names."""
    if not isinstance(relpath, str) or not relpath:
        raise PackageError(f"{where}: path must be a non-empty string")
    if is_url(relpath):
        same_host = is_url(base) and urllib.parse.urlsplit(relpath).netloc == urllib.parse.urlsplit(base).netloc
        if not (same_host or trusted):
            raise PackageError(f"{where}: URL {relpath!r} is on another host; refused (use --trusted to allow)")
        return _local_path_for_url(relpath, where), relpath
    reason = unsafe_entry_reason(relpath)
    if reason:
        raise PackageError(f"{where}: path {relpath!r} {reason}; refused")
    if is_url(base):
        return relpath, urllib.parse.urljoin(base, urllib.parse.quote(relpath))
    return relpath, str(Path(base).parent / relpath)


def plan_files(descriptor: dict[str, Any], base: str, trusted: bool = False) -> list[FileEntry]:
    """The files a descriptor names, sorted; URL paths in the descriptor are rewritten to their local place.

    base is the descriptor's URL or path: relative paths are resolved against it.
    """
    entries: dict[str, FileEntry] = {}

    def add(holder: dict[str, Any], where: str, size: Any = None, digest: Any = None) -> None:
        if isinstance(holder.get("path"), list):
            raise PackageError(f"{where}: multipart paths are not supported")
        local, source = _resolve(base, holder.get("path"), where, trusted)
        holder["path"] = local
        entry = FileEntry(
            local, source, size if isinstance(size, int) else None, digest if isinstance(digest, str) else None
        )
        if entries.setdefault(local, entry) != entry:
            raise PackageError(f"{where}: {local!r} is named twice with different sizes or hashes")

    for index, resource in enumerate(descriptor["resources"]):
        if not isinstance(resource, dict):
            raise PackageError(f"{DEFAULT_DESCRIPTOR}: resources[{index}] must be an object")
        where = f"{DEFAULT_DESCRIPTOR}: resource {resource.get('name', index)!r}"
        if "path" in resource:  # otherwise the data is inline, inside the descriptor
            add(resource, where, resource.get("bytes"), resource.get("hash"))
        for key in ("schema", "dialect"):
            if isinstance(resource.get(key), str):
                holder = {"path": resource[key]}
                add(holder, f"{where} {key}")
                resource[key] = holder["path"]
    extra = descriptor.get(RELEASE_FILES) or []
    if not isinstance(extra, list) or not all(isinstance(item, dict) for item in extra):
        raise PackageError(f"{DEFAULT_DESCRIPTOR}: {RELEASE_FILES} must be a list of objects")
    for item in extra:
        add(item, f"{DEFAULT_DESCRIPTOR}: {RELEASE_FILES}", item.get("bytes"), item.get("hash"))
    return sorted(entries.values(), key=lambda e: e.path)


def _default_target(descriptor: dict[str, Any]) -> Path:
    name, version = descriptor.get("name"), descriptor.get("version")
    folder = f"{name}-{version}" if name and version else str(name or "package")
    return Path(folder.replace("/", "-").replace("\\", "-").lstrip(".") or "package")


def _check_replaceable(target: Path) -> None:
    """Only a missing or empty folder, or an earlier download (its descriptor and the files it names), is replaced."""
    if not target.exists():
        return
    if not target.is_dir():
        raise UsageError(f"{target}: exists and is not a folder; choose another --to")
    present = {p.relative_to(target).as_posix() for p in target.rglob("*") if not p.is_dir()}
    if not present:
        return
    refusal = f"{target}: holds files that are not a downloaded package; refusing to replace it (choose another --to)"
    try:
        descriptor = _parse_descriptor((target / DEFAULT_DESCRIPTOR).read_bytes(), str(target))
        named = {e.path for e in plan_files(descriptor, str(target / DEFAULT_DESCRIPTOR), trusted=True)}
    except (OSError, PackageError) as exc:
        raise UsageError(refusal) from exc
    if present - named - {DEFAULT_DESCRIPTOR}:
        raise UsageError(refusal)


def _staging_folder(target: Path) -> Path:
    """Beside the target, on the same file system, and the same on every attempt so that it can resume."""
    _check_replaceable(target)
    staging = target.parent / f".{target.name}.download"
    (staging / "package").mkdir(parents=True, exist_ok=True)
    return staging


def _remove_leftovers(folder: Path, keep: set[str]) -> None:
    """Delete files an earlier attempt at another version left in staging."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif path.relative_to(folder).as_posix() not in keep:
            path.unlink()


def _reusable(entry: FileEntry, earlier: Path | None) -> Path | None:
    """The earlier download's copy of the file, when the descriptor's hash says it is the same."""
    if earlier is None or entry.hash is None:
        return None
    copy = earlier / entry.path
    if not copy.is_file() or not copy.resolve().is_relative_to(earlier.resolve()):
        return None
    try:
        verify_file(copy, entry)
    except ChecksumMismatch:
        return None
    return copy


def _fetch_entry(
    entry: FileEntry, package_dir: Path, progress: Progress | None, retries: int, backoff: float,
    earlier: Path | None = None,
) -> DownloadedFile:
    path = package_dir / entry.path
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and entry.verifiable:  # complete from an earlier attempt: keep it if it still verifies
        try:
            verify_file(path, entry)
        except ChecksumMismatch:
            path.unlink()
    else:
        path.unlink(missing_ok=True)
    reuse = None if path.is_file() else _reusable(entry, earlier)
    if reuse is not None:
        part = path.with_name(path.name + PART_SUFFIX)
        shutil.copyfile(reuse, part)
        part.replace(path)
        return DownloadedFile(entry.path, path.stat().st_size, True, reused=True)
    if not path.is_file():
        part = path.with_name(path.name + PART_SUFFIX)
        if is_url(entry.source):
            fetch_url(entry.source, part, entry.bytes, progress, entry.path, retries, backoff)
        else:
            try:
                shutil.copyfile(entry.source, part)
            except OSError as exc:
                raise PackageError(f"{entry.path}: cannot read {entry.source}: {exc.strerror or exc}") from exc
            if progress:
                progress(entry.path, part.stat().st_size, entry.bytes)
        verify_file(part, entry)
        part.replace(path)
    return DownloadedFile(entry.path, path.stat().st_size, entry.verifiable)


def _download_descriptor(
    source: str, target: Path | None, trusted: bool, progress: Progress | None, retries: int, backoff: float
) -> tuple[Path, Path, dict[str, Any], list[DownloadedFile]]:
    data = _read_source(source, retries, backoff)
    descriptor = _parse_descriptor(data, source)
    entries = plan_files(descriptor, source, trusted=trusted)
    target = target or _default_target(descriptor)
    staging = _staging_folder(target)
    package_dir = staging / "package"
    try:
        _remove_leftovers(package_dir, {e.path for e in entries} | {e.path + PART_SUFFIX for e in entries})
        earlier = target if (target / DEFAULT_DESCRIPTOR).is_file() else None  # a completed earlier download
        files = []
        for entry in entries:
            files.append(_fetch_entry(entry, package_dir, progress, retries, backoff, earlier))
            fault_point("download:file-fetched")
    except PackageError:  # a mismatch or a refusal: the next attempt starts clean
        shutil.rmtree(staging, ignore_errors=True)
        raise
    rewritten = descriptor != _parse_descriptor(data, source)  # URL paths now point at their local copies
    text = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8") if rewritten else data
    (package_dir / DEFAULT_DESCRIPTOR).write_bytes(text)
    return target, staging, descriptor, files


def _download_zip(
    source: str, target: Path | None, progress: Progress | None, retries: int, backoff: float
) -> tuple[Path, Path, dict[str, Any], list[DownloadedFile]]:
    remote = is_url(source)
    zip_name = PurePosixPath(urllib.parse.urlsplit(source).path).name if remote else Path(source).name
    target = target or Path(zip_name[:-4] if zip_name.lower().endswith(".zip") else zip_name + ".unzipped")
    staging = _staging_folder(target)
    package_dir = staging / "package"
    try:
        zip_path = Path(source)
        if remote:
            zip_path = staging / zip_name
            part = zip_path.with_name(zip_name + PART_SUFFIX)
            fetch_url(source, part, progress=progress, label=zip_name, retries=retries, backoff=backoff)
            part.replace(zip_path)
        shutil.rmtree(package_dir)
        package_dir.mkdir()
        extract_zip(zip_path, package_dir)
        descriptor_path = package_dir / DEFAULT_DESCRIPTOR
        if not descriptor_path.is_file():
            raise PackageError(f"{zip_name}: the zip holds no {DEFAULT_DESCRIPTOR} at its top")
        descriptor = _parse_descriptor(descriptor_path.read_bytes(), zip_name)
        # Checked against the zip's own descriptor; files it names by URL are not in the zip and stay remote.
        entries = [e for e in plan_files(descriptor, str(descriptor_path), trusted=True) if not is_url(e.source)]
        files = []
        for entry in entries:
            path = package_dir / entry.path
            if not path.is_file():
                raise ChecksumMismatch(f"{entry.path}: named by the descriptor but not in {zip_name}")
            verify_file(path, entry)
            files.append(DownloadedFile(entry.path, path.stat().st_size, entry.verifiable))
    except PackageError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target, staging, descriptor, files


def download_package(
    source: str | Path,
    to: str | Path | None = None,
    load: str | Path | None = None,
    trusted: bool = False,
    engine: str = "duckdb",
    progress: Progress | None = None,
    retries: int = 4,
    backoff: float = 0.5,
) -> DownloadResult:
    """Fetch a package (a descriptor or zip, by URL or path), verify it, then put it in `to` in one step.

    `to` defaults to ./<name>-<version> from the descriptor, or the zip's name without .zip.
    With `load`, the package is then validated (with `engine`) and built into that DuckDB database.
    """
    source = str(source)
    if not is_url(source) and "://" in source:
        raise UsageError(f"{source}: only http(s) URLs and local paths can be downloaded")
    if not is_url(source):
        path = Path(source)
        if path.is_dir():
            path = path / DEFAULT_DESCRIPTOR
        if not path.is_file():
            raise PackageError(f"{path}: no such file (give a datapackage.json, a zip, or the URL of one)")
        source = str(path)
    is_zip = (urllib.parse.urlsplit(source).path if is_url(source) else source).lower().endswith(".zip") or (
        not is_url(source) and zipfile.is_zipfile(source)
    )
    target = Path(to) if to is not None else None
    if is_zip:
        target, staging, descriptor, files = _download_zip(source, target, progress, retries, backoff)
    else:
        target, staging, descriptor, files = _download_descriptor(source, target, trusted, progress, retries, backoff)
    fault_point("download:staged")
    sync_tree(staging / "package")
    replace_directory(staging / "package", target)
    sync(target.parent)
    fault_point("download:in-place")
    shutil.rmtree(staging, ignore_errors=True)
    result = DownloadResult(target, str(descriptor.get("name") or target.name), descriptor.get("version"), files)
    reused = [f.path for f in files if f.reused]
    if reused:
        result.notes.append(f"{len(reused)} file(s) were unchanged since the last download (same SHA-256): not fetched again")
    unverified = [f.path for f in files if not f.verified]
    if unverified:
        shown = ", ".join(unverified[:5]) + (" ..." if len(unverified) > 5 else "")
        result.notes.append(f"{len(unverified)} file(s) had no size or hash in the descriptor to check: {shown}")
    if load is not None:
        from accord.build import build_package

        # the database alone: its Parquet files are in the release already (parquet/ beside its descriptor)
        result.database = build_package(target / DEFAULT_DESCRIPTOR, load, engine=engine, parquet=False)
    return result

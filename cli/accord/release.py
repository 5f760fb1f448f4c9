"""release: a versioned, checksummed folder of artifacts for the people who use the data.

    dist/<name>-<version>/
        datapackage.json         the descriptor: every resource with `bytes` and `hash` (sha256:<hex>),
                                 schemas inline, and `accord:files` listing the other package files
        tables/ sources/ views/ queries/   the package's files, as in the source package
        README.md                for data users: the tables, row counts, licence, how to open them
        <name>-<version>.zip     the files above, in one file
        parquet/<table>.parquet  typed tables, with the Table Schema as Parquet metadata
        <name>.duckdb            the built database
        CHANGELOG.md             rows added, removed and changed since the previous release
        SHA256SUMS               every other file, for `sha256sum -c SHA256SUMS`

Only data that passes `accord check` is released. The release is written into a temporary
folder beside its place and moved there when complete, replacing an earlier build of the same
version only then.

The same inputs give the same bytes, file for file (with the same versions of accord, DuckDB
and zlib): the zip has sorted entries with fixed dates and modes; Parquet and DuckDB write
no timestamps; the DuckDB file's random 16-byte database identifier is replaced by one derived
from the file's content (see pin_database_identifier). docs/releases.md has the details.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from accord.download import RELEASE_FILES
from accord.errors import InvalidData, PackageError, UsageError
from accord.fsutil import atomic_directory, fault_point, file_digest
from accord.package import DEFAULT_DESCRIPTOR, Package, Resource, is_unsafe_path, load_package

if TYPE_CHECKING:
    from accord.diff import PackageDiff

DIST_DIR = Path("dist")
PACKAGE_FOLDERS = ("tables", "sources", "views", "queries", "checks")  # checks/: the gate travels with the data
README = "README.md"
CHANGELOG = "CHANGELOG.md"
CHECKSUMS = "SHA256SUMS"
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold
ZIP_FILE_MODE = 0o100644  # a regular file, rw-r--r--
ZIP_UNIX = 3  # ZipInfo.create_system: the modes above are Unix modes
ZIP_LEVEL = 9
CHUNK_SIZE = 1 << 20
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._+-]+")

# DuckDB's main file header (storage format of DuckDB 1.4 and later): a 4096-byte block that
# starts with an 8-byte checksum of the rest of the block.
DUCKDB_HEADER_SIZE = 4096
DUCKDB_MAGIC = slice(8, 12)
DUCKDB_IDENTIFIER = slice(124, 140)


@dataclass
class ReleaseResult:
    folder: Path
    name: str
    version: str
    files: list[str]  # every file in the release folder, relative, sorted
    tables: dict[str, int]  # table -> rows
    previous_version: str | None
    seconds: float
    notes: list[str] = field(default_factory=list)


def _duckdb_checksum(block: bytes) -> int:
    """DuckDB's block checksum: the XOR of every 8-byte word times a constant (common/checksum.cpp)."""
    result = 5381
    for offset in range(0, len(block) - len(block) % 8, 8):
        word = int.from_bytes(block[offset : offset + 8], "little")
        result ^= (word * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    return result


def pin_database_identifier(path: Path) -> bool:
    """Replace the random identifier DuckDB writes into a new database file with one derived from its content.

    DuckDB gives every new file 16 random bytes in its header; nothing else in a file built the
    same way differs. The identifier becomes the first 16 bytes of the SHA-256 of the file with
    those bytes zeroed, and the header checksum is recomputed. Returns False, changing nothing,
    when the header is not the layout this code knows (its checksum does not verify), or when
    DuckDB cannot open the result.
    """
    import duckdb

    with open(path, "r+b") as fh:
        original = fh.read(DUCKDB_HEADER_SIZE)
        if len(original) < DUCKDB_HEADER_SIZE or original[DUCKDB_MAGIC] != b"DUCK":
            return False
        if _duckdb_checksum(original[8:]) != int.from_bytes(original[:8], "little"):
            return False
        header = bytearray(original)
        header[DUCKDB_IDENTIFIER] = bytes(16)
        digest = hashlib.sha256(header[8:])
        for chunk in iter(lambda: fh.read(CHUNK_SIZE), b""):
            digest.update(chunk)
        header[DUCKDB_IDENTIFIER] = digest.digest()[:16]
        header[:8] = _duckdb_checksum(header[8:]).to_bytes(8, "little")
        fh.seek(0)
        fh.write(header)
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error:
        with open(path, "r+b") as fh:
            fh.write(original)
        return False
    return True


def _safe_name(text: str) -> str:
    return UNSAFE_NAME.sub("-", text).lstrip(".-") or "package"


def _release_paths(resource: Resource) -> list[str]:
    """Where a resource's files go in the release (several for a multipart path, none for inline
    data): their own paths, or tables/<name>[-<part>]<suffix> for one outside the package folder."""
    found = []
    for part, relpath in enumerate(resource.relpaths):
        if is_unsafe_path(relpath) is None:
            found.append(PurePosixPath(relpath.replace("\\", "/")).as_posix())
        else:
            found.append(f"tables/{resource.name}{f'-{part}' if part else ''}{''.join(Path(relpath).suffixes)}")
    return found


def _package_files(package: Package) -> dict[str, Path]:
    """Release path -> source file: every resource's file, and every file under PACKAGE_FOLDERS."""
    files: dict[str, Path] = {}
    for resource in package.resources:
        for target, path in zip(_release_paths(resource), resource.paths, strict=True):
            if files.get(target, path) != path:
                raise PackageError(f"resource {resource.name!r}: {target} is also another resource's file")
            files[target] = path
    for folder in PACKAGE_FOLDERS:
        root = package.basepath / folder
        for path in sorted(root.rglob("*")) if root.is_dir() else []:
            relative = path.relative_to(package.basepath)
            if any(part.startswith(".") for part in relative.parts) or path.is_dir():
                continue
            if path.is_symlink():
                raise PackageError(f"{relative.as_posix()}: is a symbolic link; a release holds plain files")
            files.setdefault(relative.as_posix(), path)
    return files


def _first_sentence(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        return ""
    line = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", line)
    return match.group(1) if match else line


def _licence_lines(descriptor: dict[str, Any]) -> list[str]:
    lines = []
    for licence in descriptor.get("licenses") or []:
        if not isinstance(licence, dict):
            continue
        label = " — ".join(str(licence[k]) for k in ("name", "title") if licence.get(k))
        lines.append(f"- {label}" + (f" <{licence['path']}>" if licence.get("path") else ""))
    return lines or ["No licence is given in datapackage.json: ask the publisher before reusing the data."]


def readme_text(package: Package, version: str, tables: dict[str, int], database: str, zip_name: str) -> str:
    """README.md for people who use the data: what it is, the tables, the licence, how to open it."""
    descriptor = package.descriptor
    title = descriptor.get("title") or package.name
    first = package.resources[0] if package.resources else None
    name, csv = (first.name, (_release_paths(first) or ["tables/table.csv"])[0]) if first else ("table", "tables/table.csv")
    lines = [f"# {title}", "", f"Release {version} of the data package `{package.name}`.", ""]
    if descriptor.get("description"):
        lines += [" ".join(str(descriptor["description"]).split()), ""]
    lines += ["## Tables", "", "| table | rows | what one row is |", "|---|---:|---|"]
    for resource in package.resources:
        about = _first_sentence(resource.descriptor.get("description")) or resource.descriptor.get("title") or ""
        lines.append(f"| {resource.name} | {tables.get(resource.name, '')} | {about.replace('|', '/')} |")
    lines += [
        "",
        "Every table is a CSV file (UTF-8, with a header row) described in `datapackage.json`, a",
        "[Frictionless Data Package](https://datapackage.org): fields, types, keys and references.",
        "",
        "## Licence",
        "",
        *_licence_lines(descriptor),
        "",
        "## Files",
        "",
        f"`{zip_name}` holds `datapackage.json`, this README and the package's folders"
        f" ({', '.join(f'`{f}/`' for f in PACKAGE_FOLDERS)}, where present). The release folder beside it also has:",
        "",
        f"- `{database}`: a DuckDB database with every table typed, keyed and commented, and the views;",
        "- `parquet/<table>.parquet`: each table as typed Parquet, its Table Schema in the file's metadata;",
        "- `CHANGELOG.md`: rows added, removed and changed since the previous release;",
        "- `SHA256SUMS`: the SHA-256 of every file in the release.",
        "",
        "## Open it",
        "",
        "DuckDB:",
        "",
        "```sql",
        f"ATTACH '{database}' AS data (READ_ONLY);",
        f"SELECT * FROM data.{name} LIMIT 10;",
        f"SELECT * FROM read_parquet('parquet/{name}.parquet');",
        f"SELECT * FROM read_csv('{csv}', all_varchar = true);",
        "```",
        "",
        "pandas:",
        "",
        "```python",
        "import pandas as pd",
        "",
        f'{name} = pd.read_parquet("parquet/{name}.parquet")  # typed',
        f'{name}_text = pd.read_csv("{csv}", dtype=str, keep_default_na=False)  # as written',
        "```",
        "",
        "## Checksums",
        "",
        "Each resource in `datapackage.json` carries its size (`bytes`) and SHA-256 (`hash`), and",
        "`accord:files` lists the other files the same way: `frictionless validate datapackage.json`",
        "checks the tables against them, and `accord download <url>/datapackage.json` checks every",
        "file before it keeps any. In the release folder, `sha256sum -c SHA256SUMS` checks everything.",
        "The same sources give the same files, byte for byte.",
        "",
    ]
    return "\n".join(lines)


def _file_entry(path: str, folder: Path) -> dict[str, Any]:
    file = folder / path
    return {"path": path, "bytes": file.stat().st_size, "hash": f"sha256:{file_digest(file)}"}


def release_descriptor(package: Package, folder: Path, resource_paths: list[list[str]], other_files: list[str]) -> dict:
    """The package's descriptor for the release: schemas and dialects inline, sizes and hashes added
    (a multipart resource's parts are listed, each with its size and hash, in accord:files)."""
    descriptor = copy.deepcopy(package.descriptor)
    parts = []
    for entry, resource, paths in zip(descriptor["resources"], package.resources, resource_paths, strict=True):
        if len(paths) == 1:
            entry.update(_file_entry(paths[0], folder))
        elif paths:
            entry["path"] = paths
            parts += paths
        if isinstance(entry.get("schema"), str):
            entry["schema"] = resource.schema
        if isinstance(entry.get("dialect"), str):
            entry["dialect"] = resource.dialect
    descriptor[RELEASE_FILES] = [_file_entry(path, folder) for path in sorted({*parts, *other_files})]
    return descriptor


def write_zip(target: Path, folder: Path, paths: list[str]) -> None:
    """A zip of folder's files in sorted order, with fixed dates, modes and compression: the same bytes every time."""
    with open(target, "wb") as fh, zipfile.ZipFile(fh, "w") as archive:
        for path in sorted(paths):
            info = zipfile.ZipInfo(path, date_time=ZIP_DATE_TIME)
            info.create_system = ZIP_UNIX
            info.external_attr = ZIP_FILE_MODE << 16
            archive.writestr(info, (folder / path).read_bytes(), zipfile.ZIP_DEFLATED, ZIP_LEVEL)


def changelog_text(
    name: str, version: str, tables: dict[str, int], changes: PackageDiff | None = None, earlier: str = ""
) -> str:
    """CHANGELOG.md: this release's changes against the previous release, then the earlier entries."""
    from accord.formats.diff import markdown_sections

    heading = f"# Changelog: {name}\n\n## {version}\n\n"
    if changes is None:
        rows = "".join(f"| {table} | {count} |\n" for table, count in tables.items())
        total = f"{sum(tables.values())} rows in {len(tables)} tables"
        body = f"{heading}No previous release to compare with: {total}.\n\n| table | rows |\n|---|---:|\n{rows}"
    else:
        since = changes.old_version or "the previous release"
        verdict = "No rows or fields changed." if changes.identical else "Rows and fields changed as below."
        body = f"{heading}Compared with {since}. {verdict}\n\n{markdown_sections(changes)}"
    if earlier:
        body += "\n" + earlier
    return body


def _earlier_entries(previous: Path, name: str) -> str:
    """The entries of the previous release's CHANGELOG.md, without its title; "" unless previous is a release folder."""
    folder = previous if previous.is_dir() else previous.parent
    path = folder / CHANGELOG
    title = f"# Changelog: {name}\n"
    if zipfile.is_zipfile(previous) or not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8")
    return text[len(title) :].lstrip("\n") if text.startswith(title) else ""


def _refuse_unless_checked(report, package: Package, version: str) -> None:
    """Raise InvalidData when the data fails `accord check`, PackageError when it cannot be read."""
    if report.status == "valid":
        return
    if report.status == "unreadable":
        raise PackageError(f"{package.name}: the package cannot be read: {report.first_errors()}")
    raise InvalidData(f"{package.name} {version} fails `accord check`, not released: {report.first_errors()}")


def _write_text(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))  # "\n" line ends on every system: the same bytes everywhere


SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:[-+].*)?")


def check_version(version: str, previous: str | None, level: str) -> None:
    """Raise UsageError unless `version` follows `previous` as the change requires (semantic
    versioning): breaking changes a major version (a minor one below 1.0), compatible schema
    changes at least a minor one, changed rows at least a patch."""
    if previous is None:
        return
    new, old = SEMVER.fullmatch(version), SEMVER.fullmatch(previous)
    if not new or not old:
        raise UsageError(f"version {version!r} or the previous {previous!r} is not MAJOR.MINOR.PATCH, so the change "
                         "cannot be checked against it (--any-version releases it anyway)")
    n, o = tuple(map(int, new.groups()[:3])), tuple(map(int, old.groups()[:3]))
    if n <= o:
        raise UsageError(f"version {version} does not follow {previous}: a release needs a higher version")
    needed = {"major": (o[0] + 1, 0, 0) if o[0] > 0 else (0, o[1] + 1, 0), "minor": (o[0], o[1] + 1, 0)}.get(level)
    if needed and n < needed:
        what = "breaking changes" if level == "major" else "compatible schema changes"
        raise UsageError(f"{what} since {previous} need version {'.'.join(map(str, needed))} or later, not {version} "
                         "(`accord diff` lists them; --any-version releases it anyway)")


def release_package(
    package: str | Path | Package | None = None,
    out: str | Path = DIST_DIR,
    previous: str | Path | None = None,
    engine: str = "duckdb",
    trusted: bool = False,
    any_version: bool = False,
    progress=None,
) -> ReleaseResult:
    """Check the package, then write its release into out/<name>-<version>/; see the module docstring.

    Raises InvalidData when `accord check` fails, PackageError when the package has no version or
    cannot be read, UsageError when out/<name>-<version> exists (a released version is never
    replaced) or, with previous, when the version does not follow from the change (unless
    any_version). progress, when given, is told each step.
    """
    from accord.build import write_database
    from accord.check import check_validation, suites_to_run
    from accord.diff import diff_packages
    from accord.validate import open_validation

    started = time.perf_counter()
    package = package if isinstance(package, Package) else load_package(package, trusted=trusted)
    version = package.descriptor.get("version")
    if not isinstance(version, str) or not version:
        raise PackageError(f"{package.descriptor_path.name}: has no 'version'; a release needs one, e.g. \"1.0.0\"")
    if previous is not None and not Path(previous).exists():
        raise PackageError(f"{previous}: no such file or folder (--previous takes a release folder, zip or descriptor)")
    checks_folder, available, selected = suites_to_run(package, None, None)
    name, safe_version = _safe_name(package.name), _safe_name(version)
    folder_name = f"{name}-{safe_version}"
    if (Path(out) / folder_name).exists():
        raise UsageError(f"{Path(out) / folder_name}: version {version} is released already; a release is never "
                         "replaced (raise the version in datapackage.json)")
    step = progress or (lambda message: None)
    changes = None
    if previous:
        step(f"comparing with {previous}")
        changes = diff_packages(previous, package.descriptor_path, trusted=trusted)
        if not any_version:
            check_version(version, changes.old_version, changes.level)
    database, zip_name = f"{name}.duckdb", f"{folder_name}.zip"
    notes: list[str] = []
    with atomic_directory(Path(out) / folder_name) as folder, tempfile.TemporaryDirectory(prefix="accord-release-") as work:
        (folder / "parquet").mkdir()
        # one read of the data: checked, then built from the same tables
        step(f"validating and checking {package.name} {version}")
        with open_validation(package, engine=engine, keep="all", outputs=[folder, Path(work)]) as run:
            report = check_validation(run, checks_folder, available, selected, Path(work))
            _refuse_unless_checked(report, package, version)
            fault_point("release:checked")
            step("building the database and the Parquet files")
            # the build time the database records: the descriptor's `created` (a release is the same bytes every time)
            built = write_database(run, folder / database, folder / "parquet", when=str(package.descriptor.get("created") or ""))
        step("writing the package files, the zip and the checksums")
        if not pin_database_identifier(folder / database):
            notes.append(f"{database}: unknown DuckDB header layout; its random identifier makes it differ per build")
        fault_point("release:built")
        files = _package_files(package)
        for path, source in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, folder / path)
            fault_point("release:file-copied")
        _write_text(folder / README, readme_text(package, version, built.tables, database, zip_name))
        resource_paths = [_release_paths(r) for r in package.resources]
        others = sorted({*files, README} - {p for paths in resource_paths for p in paths})
        descriptor = release_descriptor(package, folder, resource_paths, others)
        # default=str: a YAML descriptor may hold dates, which JSON writes as text
        _write_text(folder / DEFAULT_DESCRIPTOR, json.dumps(descriptor, indent=2, ensure_ascii=False, default=str) + "\n")
        write_zip(folder / zip_name, folder, [DEFAULT_DESCRIPTOR, README, *files])
        fault_point("release:zip-written")
        earlier = _earlier_entries(Path(previous), package.name) if previous else ""
        changelog = changelog_text(package.name, version, built.tables, changes, earlier)
        _write_text(folder / CHANGELOG, changelog)
        every = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        sums = "".join(f"{file_digest(folder / p)}  {p}\n" for p in every)
        _write_text(folder / CHECKSUMS, sums)
    return ReleaseResult(
        folder=Path(out) / folder_name,
        name=package.name,
        version=version,
        files=sorted([*every, CHECKSUMS]),
        tables=built.tables,
        previous_version=changes.old_version if changes else None,
        seconds=round(time.perf_counter() - started, 3),
        notes=notes + built.notes,
    )

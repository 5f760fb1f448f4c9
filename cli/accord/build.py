"""build: a typed DuckDB database (constraints, enums, comments, views) and Parquet files.

The tables are exactly what validation read (accord.validate.open_validation): the DuckDB
engine's typed values, or frictionless's rows for a table it alone reads. No file is read a
second time, so whatever validation accepts builds with the same values. Types, constraints
and comments: accord.ddl.

Views: every views/*.sql beside datapackage.json, in name order, holding CREATE VIEW (and
COMMENT ON VIEW or COLUMN) statements; they run with file and network access disabled, so a
package cannot use them to read or write outside the database.

Metadata: accord_metadata (key, value: the package, its version and licences, accord's and
DuckDB's versions, when it was built: SOURCE_DATE_EPOCH where set, so that a release is the same
bytes every time) and accord_files (each resource file's path, bytes and sha256). The text files
a suite names (meta.text_files, e.g. source_texts) are a table too, so SQL can check quotes
against their offsets.

Nothing is replaced unless everything succeeds: the database and the Parquet folder are
written beside their places and renamed into them together.
"""

from __future__ import annotations

import contextlib
import re
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from accord import ddl, metadata
from accord.errors import ChecksFailed, DatabaseError, InvalidData, PackageError, UsageError
from accord.fsutil import atomic_outputs, fault_point
from accord.package import Package, load_package, package_file
from accord.report import Report, display_path
from accord.sql import first_line, quote_literal
from accord.validate import Validation, open_validation

BUILD_DIR = Path("build")
VIEWS_DIR = "views"
OUTPUT = "accord_output"  # the catalog the database is written through
# The storage format DuckDB 1.1 and every later release read: DuckDB 2 would otherwise write a
# file that DuckDB 1.x (the CLI many analysts have) refuses ("version number 69 ...").
STORAGE_VERSION = "v1.1.0"
# DuckDB allocates each table's columns in blocks: with its default 256 KiB blocks a package of
# 50 KB of CSV becomes a 6 MB file. Small packages get 16 KiB blocks (DuckDB 1.1 reads them too);
# large ones keep the default, which compresses better and writes faster (1M rows: 161 MB in
# 15 s against 252 MB in 17 s with 16 KiB).
SMALL_BLOCK_SIZE, DEFAULT_BLOCK_SIZE = 16 * 1024, 256 * 1024
SMALL_PACKAGE_BYTES = 8 * 1024 * 1024
LEADING_COMMENTS = re.compile(r"^(\s+|--[^\n]*(\n|$)|/\*.*?\*/)*", re.DOTALL)
CREATE_VIEW = re.compile(r"(CREATE\s+(OR\s+REPLACE\s+)?VIEW|COMMENT\s+ON\s+(VIEW|COLUMN))\b", re.IGNORECASE)


@dataclass
class BuildResult:
    database: Path
    tables: dict[str, int]  # table name -> rows
    views: list[str]
    parquet_files: list[Path]
    seconds: float
    notes: list[str] = field(default_factory=list)
    report: Report | None = None  # the check's report, when build ran the suites first


def default_database_path(package: Package) -> Path:
    """build/<package-name>.duckdb beside the descriptor (wherever the command runs from)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", package.name).strip(".-") or "package"
    path = package.basepath / BUILD_DIR / f"{name}.duckdb"
    return Path(display_path(path, str(path)))


def view_files(package: Package) -> list[Path]:
    """views/*.sql in name order; a link out of the package folder is refused (unless trusted)."""
    folder = package.basepath / VIEWS_DIR
    found = sorted(folder.glob("*.sql")) if folder.is_dir() else []
    return [package_file(package.basepath, p, f"{VIEWS_DIR}/{p.name}", package.trusted) for p in found]


def build_package(
    package: str | Path | Package | None = None,
    db_path: str | Path | None = None,
    parquet_dir: str | Path | None = None,
    force: bool = False,
    engine: str = "duckdb",
    trusted: bool = False,
    check: bool = False,
    checks_dir: str | Path | None = None,
    parquet: bool = True,
) -> BuildResult:
    """Validate (once), then write the database and the Parquet files from what validation read.

    Invalid data raises InvalidData unless force, which builds without integrity constraints
    (cells that are not of their field's type are NULL). A package that cannot be read raises
    PackageError. check runs the expectation suites (checks_dir, default checks/) on the same
    tables first, and raises ChecksFailed, building nothing, unless they pass. parquet=False
    writes the database alone.
    """
    from accord.check import check_validation, suites_to_run

    started = time.perf_counter()
    package = package if isinstance(package, Package) else load_package(package, trusted=trusted, cluster_paths=engine == "spark")
    view_files(package)  # refuse a views/ file that cannot be read before any work
    suites = suites_to_run(package, None, checks_dir) if check else None
    db_path = Path(db_path) if db_path else default_database_path(package)
    parquet_dir = Path(parquet_dir) if parquet_dir else db_path.parent / "parquet"
    if parquet:
        check_replaceable(parquet_dir, db_path)
    release_signals = None
    try:
        with atomic_outputs(db_path, parquet_dir if parquet else None) as (tmp_db, tmp_parquet), \
                tempfile.TemporaryDirectory(prefix="accord-build-") as work:
            outputs = [tmp_db.parent, Path(work), *([tmp_parquet] if parquet else [])]
            with open_validation(package, engine=engine, keep="all", outputs=outputs) as run:
                report = None
                if suites:
                    on = "spark" if engine == "spark" else "duckdb"  # Spark's tables: the suites run on Spark
                    report = check_validation(run, *suites, Path(work), expectations=on)
                    if report.status != "valid":
                        raise ChecksFailed(f"{package.name} fails `accord check`, not built: {report.first_errors()}", report)
                result = write_database(run, tmp_db, tmp_parquet, force=force)
                result.report = report
            # The database and the Parquet folder are renamed into place on leaving this block, as
            # one commit (fsutil.atomic_outputs: a kill between the two renames is completed by the
            # next command); an interrupt waits until both are, so they come from the same build.
            release_signals = _hold_signals()
    finally:
        if release_signals:
            release_signals()
    result.database = db_path
    result.parquet_files = [parquet_dir / p.name for p in result.parquet_files] if parquet else []
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def refuse_unless_buildable(run: Validation, force: bool) -> list[str]:
    """Raise unless the data can be built; the notes a forced build of invalid data carries."""
    report = run.report
    if report.status == "unreadable":
        raise PackageError(f"{run.package.name}: the package cannot be read: {report.first_errors()}")
    missing = [r.name for r in run.package.resources if r.name not in run.tables and r.name not in run.files]
    if missing:
        raise PackageError(f"{run.package.name}: table {missing[0]!r} could not be read; not built")
    skipped = [f"resource {name!r} is a file, not a table: not built" for name in run.files]
    if report.status == "valid":
        return skipped
    if not force:
        raise InvalidData(
            f"{run.package.name} is invalid, not built: {report.first_errors()} "
            "(see `accord validate`; --force builds anyway)"
        )
    notes = skipped + [f"built from invalid data (--force, {report.first_errors()}): "
                       "no keys or NOT NULL declared; cells that are not of their field's type are NULL"]
    notes += [f"table {t.name!r}: holds the {t.rows} rows read before the validator stopped at its error limit"
              for t in run.tables.values() if not t.complete]
    return notes


def block_size(package: Package) -> int:
    """The database's block size: small for a small package (its files' bytes), else DuckDB's default."""
    size = 0
    if any(resource.location for resource in package.resources):
        return DEFAULT_BLOCK_SIZE  # tables at Hadoop URLs (Spark reads them): not known to be small
    for resource in package.resources:
        for path in resource.paths:
            with contextlib.suppress(OSError):
                size += path.stat().st_size
    return SMALL_BLOCK_SIZE if size <= SMALL_PACKAGE_BYTES else DEFAULT_BLOCK_SIZE


def write_database(run: Validation, database: Path, parquet_dir: Path | None, force: bool = False,
                   when: str | None = None) -> BuildResult:
    """Write the validated tables into a new database file and Parquet files (in outputs the
    validation may write into), with accord.metadata's tables; `when` is the build time it
    records (default: now, or SOURCE_DATE_EPOCH). Refuses invalid data unless force.

    Writing compresses on one core: the Parquet files are written on a second connection at the
    same time as the database, and the files' hashes on a thread."""
    notes = refuse_unless_buildable(run, force)
    hashes = metadata.start_hashing(run.package)
    strict = run.report.status == "valid"
    written: dict[str, Path] = {}
    if run.spark is not None:  # Spark writes its tables' Parquet, which the database is then built from
        from accord.spark.build import write_parquet

        written = write_parquet(run, parquet_dir, strict)
    con = run.con
    tables = list(run.tables.values())
    exported = [t for t in tables if t.name not in written] if parquet_dir else []
    exporter = _ParquetExport(con.cursor(), exported, parquet_dir, strict)
    try:
        con.execute(f"ATTACH {quote_literal(database)} AS {OUTPUT} "
                    f"(STORAGE_VERSION {quote_literal(STORAGE_VERSION)}, BLOCK_SIZE {block_size(run.package)})")
    except Exception as exc:
        raise DatabaseError(f"{database}: {first_line(exc)}") from exc
    exporter.start()
    con.execute(f"USE {OUTPUT}")
    try:
        rows: dict[str, int] = {}
        for table in tables:
            try:
                for statement in [*ddl.create_table_sql(table), *ddl.comment_sql(table)]:
                    con.execute(statement)
                rows[table.name] = con.execute(ddl.insert_sql(table, strict)).fetchone()[0]
                for statement in ddl.constraint_sql(table) if strict else []:
                    con.execute(statement)
            except Exception as exc:
                raise DatabaseError(f"table {table.name!r}: {first_line(exc)}") from exc
            if table.rows is not None and rows[table.name] != table.rows:
                raise DatabaseError(f"table {table.name!r}: {rows[table.name]} rows written where validation read "
                                    f"{table.rows}; not built (please report this package)")
            fault_point("build:table-loaded")
        metadata.write_text_files(con, run.package, set(run.tables), notes)
        metadata.write_metadata(con, run.package, when or metadata.built_at(), hashes.result(), notes)
        views = _apply_views(con, run.package)
        fault_point("build:database-written")
    finally:
        con.execute("USE memory")
        con.execute(f"DETACH {OUTPUT}")
        exporter.join()
    files = {**written, **{path.stem: path for path in exporter.files}}
    return BuildResult(database=database, tables=rows, views=views, seconds=0.0, notes=notes,
                       parquet_files=[files[t.name] for t in tables if t.name in files])


class _ParquetExport(threading.Thread):
    """<table>.parquet for every table, written from the loaded values on its own connection."""

    def __init__(self, con, tables: list, directory: Path, strict: bool):
        super().__init__(name="accord-parquet", daemon=True)
        self.con, self.tables, self.directory, self.strict = con, tables, directory, strict
        self.files: list[Path] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for table in self.tables:
                target = self.directory / f"{table.name}.parquet"
                try:
                    self.con.execute(
                        f"COPY ({ddl.select_sql(table, self.strict)}) TO {quote_literal(target)} "
                        f"(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, KV_METADATA {ddl.parquet_metadata(table)})"
                    )
                except Exception as exc:
                    raise DatabaseError(f"{target.name}: {first_line(exc)}") from exc
                self.files.append(target)
                fault_point("build:parquet-written")
        except BaseException as exc:  # handed to the thread that joins
            self.error = exc
        finally:
            self.con.close()

    def join(self, timeout: float | None = None) -> None:
        if self.is_alive() or self.ident is not None:
            super().join(timeout)
        else:
            self.con.close()
        if self.error is not None:
            raise self.error


def _apply_views(con, package: Package) -> list[str]:
    """Run views/*.sql in name order; every statement must be CREATE [OR REPLACE] VIEW, or a
    COMMENT ON VIEW or COLUMN (what a view and its columns hold)."""
    import duckdb

    for path in view_files(package):
        where = f"{VIEWS_DIR}/{path.name}"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PackageError(f"{where}: cannot read: {exc}") from exc
        try:
            for statement in con.extract_statements(text):
                body = LEADING_COMMENTS.sub("", statement.query, count=1)
                if not CREATE_VIEW.match(body):
                    found = (body.splitlines() or [""])[0][:60]
                    raise PackageError(f"{where}: only CREATE VIEW and COMMENT ON statements are allowed, found: {found}")
                con.execute(statement.query)
        except duckdb.Error as exc:
            raise DatabaseError(f"{where}: {first_line(exc)}") from exc
    found = con.execute(
        f"SELECT view_name FROM duckdb_views() WHERE database_name = {quote_literal(OUTPUT)} "
        "AND NOT internal AND NOT temporary ORDER BY view_name"
    ).fetchall()
    return [name for (name,) in found]


def check_replaceable(directory: Path, database: Path) -> None:
    """Refuse to swap out a folder that holds the database or anything but Parquet files (it is not ours)."""
    if directory.resolve() in database.resolve().parents:
        raise UsageError(f"{directory}: the Parquet folder cannot hold the database; choose another --parquet-dir")
    if not directory.exists():
        return
    if not directory.is_dir():
        raise UsageError(f"{directory}: exists and is not a folder; choose another --parquet-dir")
    foreign = [p.name for p in directory.iterdir() if p.suffix != ".parquet" or not p.is_file()]
    if foreign:
        raise UsageError(
            f"{directory}: holds {foreign[0]!r}, not only .parquet files; "
            "refusing to replace it (choose another --parquet-dir)"
        )


def _hold_signals():
    """Hold SIGINT, SIGTERM and SIGALRM (a limit reached: accord.guard) until the returned function
    is called, which then delivers them: the outputs being renamed into place are then whole, and
    the command still ends as the signal says.

    Python runs signal handlers in the main thread, so a handler that only notes the signal holds
    it whichever thread the system gave it to (a thread signal mask would not: DuckDB has threads).
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    held: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: held.append(signum))
                for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}  # SIGALRM: a limit (accord.guard)

    def release() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in held:
            signal.raise_signal(signum)

    return release

"""The reference engine: frictionless validates each resource; its report becomes ours.

When build or check will read the tables, the rows frictionless reads while it validates are
kept too (its on_row callback sees every row, in the same pass): their typed values go into the
engine's DuckDB connection, so that build and check see exactly what frictionless read,
without reading the file again.

A compressed file is read from its expanded copy (accord.validate.compressed), within the bound
on its expanded size; its errors still name the compressed file.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from accord import guard, limits
from accord.limits import LimitReached
from accord.package import Package
from accord.report import Error, Task
from accord.sql import quote_identifier
from accord.validate.compressed import ExpandedFiles, read_from_copies
from accord.validate.plan import Keep, kept_fields

BATCH_ROWS = 20_000  # rows converted to Arrow and inserted at a time


@dataclass
class Captured:
    """A table's rows as frictionless read them, in the engine's connection."""

    relation: str  # row_number, then one column per kept field
    fields: list[Any]  # the frictionless Fields kept
    schema: Any  # the resource's frictionless Schema (inferred where the descriptor has none)
    rows: int = 0
    complete: bool = True  # False when frictionless stopped before the end (its error limit)
    types: dict[str, str] = field(default_factory=dict)  # integer columns widened past 64 bits


@dataclass
class CaptureTarget:
    """Where kept rows go: the engine's DuckDB connection, and which fields to keep."""

    con: Any
    keep: Keep
    tables: dict[str, Captured] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # resources that are not tables (frictionless checks the file only)

    def relation_for(self, table: str) -> str:
        return f"memory.main.captured_{len(self.tables)}"


def validate_with_frictionless(package: Package, names: list[str] | None = None,
                               capture: CaptureTarget | None = None, expanded: ExpandedFiles | None = None) -> list[Task]:
    """Validate the package (or only the named resources) with frictionless. Compressed files are
    read from their copies in `expanded` (the run's), else in a folder of this call's own."""
    from frictionless import FrictionlessException, system

    from accord.validate import patterns

    limits.bound_frictionless()
    patterns.install()
    if expanded is None:
        with tempfile.TemporaryDirectory(prefix="accord-expanded-") as folder:
            return validate_with_frictionless(package, names, capture, ExpandedFiles(Path(folder)))
    tasks = []
    with system.use_context(trusted=package.trusted):
        try:
            fpackage = package.frictionless()
        except FrictionlessException as exc:
            return [Task(name="package", kind="validation", engine="frictionless",
                         errors=[Error(code=exc.error.type, message=exc.error.message)])]
        redirected = read_from_copies(package, fpackage, expanded)
    # the package's own paths were found safe before any table is read; the copies' absolute paths
    # in the run's temporary folder are accord's, which frictionless must be told to trust
    with system.use_context(trusted=package.trusted or bool(redirected)):
        for fresource in fpackage.resources:
            if names is not None and fresource.name not in names:
                continue
            started = time.perf_counter()
            path = redirected.get(fresource.name, fresource.path)  # a copy's errors name the compressed file
            task = Task(name=f"validate:{fresource.name}", kind="validation", table=fresource.name,
                        engine="frictionless")
            keeper = None
            if capture is not None and not fresource.tabular:
                capture.files.append(fresource.name)
            elif capture is not None and capture.keep is not None:
                keeper = _RowKeeper(capture, fresource)
            local = next((r for r in package.resources if r.name == fresource.name), None)
            if local is not None and fresource.name not in redirected:
                for file, relpath in zip(local.paths, local.relpaths):
                    limits.check_sampled_lines(file, relpath)
            last_row = [1]

            def on_row(row, keeper=keeper, last_row=last_row):
                last_row[0] = row.row_number
                if keeper:
                    keeper.add(row)

            try:
                freport = fresource.validate(on_row=on_row)
                if keeper:
                    keeper.flush()
            except patterns.PatternTooSlow as slow:
                fields = [f.name for f in fresource.schema.fields if f.constraints.get("pattern") == slow.pattern]
                where = f"{path}: row {last_row[0] + 1}, field {', '.join(map(repr, fields)) or '?'}: "
                raise patterns.PatternTooSlow(slow.pattern, where) from None
            except LimitReached:
                raise  # the command's limits (time, memory) stop it, whichever table it is reading
            except Exception as exc:  # the reference itself crashes on some inputs (docs/validation-engine.md)
                guard.raise_if_tripped()  # (unless a limit stopped it)
                if capture is not None:
                    capture.tables.pop(fresource.name, None)
                task.errors.append(Error(code="engine-error", table=fresource.name, rule="frictionless",
                                         message=f"{path}: frictionless could not validate this table: "
                                                 f"{type(exc).__name__}: {exc}"))
                task.status = "error"
                tasks.append(task)
                continue
            for ftask in freport.tasks:
                task.rows = ftask.stats.get("rows")
                task.errors.extend(_convert(err, fresource.name, path) for err in ftask.errors)
                if keeper and keeper.kept and any(w.startswith("reached") for w in ftask.warnings):
                    keeper.kept.complete = False  # frictionless stopped reading at its error limit
            task.errors.extend(_convert(err, fresource.name, path) for err in freport.errors)
            for err in task.errors:
                if (reached := limits.cell_limit_error(str(path), err.message)) is not None:
                    raise reached
            task.seconds = round(time.perf_counter() - started, 3)
            tasks.append(task)
    return tasks


class _RowKeeper:
    """Keeps every row frictionless reads while it validates (its on_row callback), in batches."""

    def __init__(self, target: CaptureTarget, fresource: Any):
        self.target = target
        self.fresource = fresource
        self.kept: Captured | None = None
        self.batch: list[Any] = []

    def _start(self) -> None:
        from accord.fieldtypes import column_type, converter

        schema = self.fresource.schema  # opened by frictionless: inferred where none is declared
        name = self.fresource.name
        fields = [f for f in schema.fields if f.name in kept_fields(self.target.keep, name, schema.field_names)]
        self.kept = Captured(self.target.relation_for(name), fields, schema)
        self.convert = [converter(f) for f in fields]
        self.types = [column_type(f) for f in fields]
        columns = ", ".join(["row_number BIGINT", *(f"{quote_identifier(f.name)} {t}" for f, t in zip(fields, self.types))])
        self.target.con.execute(f"CREATE OR REPLACE TABLE {self.kept.relation} ({columns})")
        self.target.tables[name] = self.kept

    def _widen(self, number: int, fld: Any) -> None:
        from accord.fieldtypes import WIDE_INTEGER

        self.types[number] = self.kept.types[fld.name] = WIDE_INTEGER
        self.target.con.execute(f"ALTER TABLE {self.kept.relation} ALTER COLUMN {quote_identifier(fld.name)} "
                                f"TYPE {WIDE_INTEGER}")

    def add(self, row: Any) -> None:
        if self.kept is None:
            self._start()
        self.batch.append(row)
        if len(self.batch) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.kept is None:
            self._start()  # a table without rows is still a table
        if not self.batch:
            return
        import pyarrow as pa

        from accord.fieldtypes import arrow_type

        arrays = [pa.array([row.row_number for row in self.batch], pa.int64())]
        for number, (f, convert) in enumerate(zip(self.kept.fields, self.convert)):
            values = [convert(row[f.name]) for row in self.batch]
            try:
                arrays.append(pa.array(values, arrow_type(self.types[number])))
            except (OverflowError, pa.ArrowInvalid):
                if self.types[number] != "BIGINT":
                    raise
                self._widen(number, f)  # an integer beyond 64 bits: the column becomes DECIMAL(38,0)
                arrays.append(pa.array([None if v is None else Decimal(v) for v in values], arrow_type(self.types[number])))
        batch = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
        with self.target.con.cursor() as con:  # a batch is registered on a connection of its own
            con.register("accord_kept_batch", batch)
            con.execute(f"INSERT INTO {self.kept.relation} SELECT * FROM accord_kept_batch")
        self.kept.rows += len(self.batch)
        self.batch = []


def _convert(err, table: str, path: str | None) -> Error:
    row = getattr(err, "row_number", None)
    field = getattr(err, "field_name", None)
    cell = getattr(err, "cell", None)
    return Error(
        code=err.type,
        table=table,
        row=row,
        field=field,
        message=f"{path}: {err.message}" if path else err.message,
        values=[cell] if cell not in (None, "") else [],
        rule=getattr(err, "note", None),
    )

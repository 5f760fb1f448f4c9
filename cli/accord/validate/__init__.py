"""validate: descriptor + CSV structure + types + constraints + keys, as one Report, and the
typed tables the same read produced.

Two engines give the same Report shape: `duckdb` (compiled SQL, fast) and `frictionless`
(the reference). The descriptor itself is always checked by frictionless.

One load per run: a table is read once. `open_validation(..., keep=...)` keeps, besides the
report, the typed values of the fields build and check read (LoadedTable: a relation in the
validation's DuckDB connection), whichever engine read the table: the DuckDB engine keeps the
values its checks typed, the frictionless engine the values frictionless read. build and check
use those, so they can never disagree with validation about a value.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.errors import PackageError, UsageError
from accord.package import Package, load_package
from accord.report import Error, Report, Task, display_path
from accord.sql import quote_identifier
from accord.validate.plan import Keep

ENGINES = ("duckdb", "frictionless", "spark")
ROW_NUMBER = "accord_row_number"  # a loaded table's row number column (the header is row 1)


@dataclass
class LoadedTable:
    """One table as validation read it: `relation` is SQL (in Validation.con) giving ROW_NUMBER,
    then one typed column per kept field, in file order."""

    name: str
    relation: str
    fields: list[Any]  # frictionless Fields, as the engine read the table
    schema: Any  # the frictionless Schema: keys, and fields for a resource without a schema
    descriptor: dict[str, Any]  # the resource's descriptor (title, description)
    engine: str
    rows: int | None
    complete: bool = True  # False when the reader stopped early (frictionless's error limit)
    types: dict[str, str] = field(default_factory=dict)  # a column's type where it differs from fieldtypes'

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def column_type(self, fld: Any) -> str:
        from accord.fieldtypes import column_type

        return self.types.get(fld.name) or column_type(fld)


@dataclass
class Validation:
    """A validation run: its report, the tables it loaded, and the DuckDB connection holding them."""

    package: Package
    report: Report
    tables: dict[str, LoadedTable] = field(default_factory=dict)
    con: Any = None
    temp_dir: Path | None = None
    files: list[str] = field(default_factory=list)  # resources that are files, not tables: no rows to load
    spark: Any = None  # the SparkSession holding the tables the spark engine read (LoadedTable.relation: a view)


def report_context(package: Package) -> dict[str, Any]:
    """When the report was made, the package's version, and the commit it was checked at (the CI's
    GITHUB_SHA, else the git repository holding the package, where there is one)."""
    import datetime as dt
    import os

    from accord.fsutil import git_commit

    commit = os.environ.get("GITHUB_SHA") or git_commit(package.basepath)
    version = package.descriptor.get("version")
    return {"generated": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "version": version if isinstance(version, str) else None, "commit": commit}


def name_paths(run: Validation) -> None:
    """Task.path for every task on a package table: the one place outputs get a table's file from."""
    paths = {r.name: display_path(r.path, r.relpath) for r in run.package.resources if r.path is not None}
    paths.update({r.name: r.location for r in run.package.resources if r.location})
    for task in run.report.tasks:
        task.path = paths.get(task.table)


def validate(path: str | Path | Package | None = None, engine: str = "duckdb", trusted: bool = False) -> Report:
    """The report alone (nothing is kept)."""
    with open_validation(path, engine=engine, trusted=trusted) as run:
        return run.report


@contextlib.contextmanager
def open_validation(path: str | Path | Package | None = None, engine: str = "duckdb", trusted: bool = False,
                    keep: Keep = None, outputs: list[Path] = (), check_rows: bool = True) -> Iterator[Validation]:
    """Validate once, keeping the typed values of the fields in `keep` ("all", or per table);
    `outputs` are folders the connection may write into (build's database and Parquet files).
    check_rows=False has the DuckDB engine read and type the rows without checking them."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}")
    package = path if isinstance(path, Package) else load_package(path, trusted=trusted, cluster_paths=engine == "spark")
    started = time.perf_counter()
    from accord.validate.descriptor import descriptor_errors

    run = Validation(package, Report(package=package.name, errors=descriptor_errors(package), context=report_context(package)))
    if any(e.severity == "error" for e in run.report.errors):
        yield run  # the tables cannot be read reliably against a broken descriptor
        return
    run.temp_dir = Path(tempfile.mkdtemp(prefix="accord-validate-"))
    try:
        _run(run, engine, keep, list(outputs), check_rows)
        name_paths(run)
        run.report.notes.append(f"validated with {engine} in {time.perf_counter() - started:.3f} s")
        yield run
    finally:
        if run.con is not None:
            run.con.close()
        shutil.rmtree(run.temp_dir, ignore_errors=True)


def _run(run: Validation, engine: str, keep: Keep, outputs: list[Path], check_rows: bool) -> None:
    from accord import sql
    from accord.validate.compressed import ExpandedFiles
    from accord.validate.frictionless_engine import CaptureTarget, validate_with_frictionless

    package = run.package
    if keep is not None:
        reserved = [r.name for r in package.resources if ROW_NUMBER in r.field_names]
        if reserved:
            raise PackageError(f"resource {reserved[0]!r}: the field name {ROW_NUMBER!r} is reserved by accord")
    tasks = {}
    expanded = ExpandedFiles(run.temp_dir)  # each compressed file expanded once, for whichever engine reads it
    if engine == "duckdb":
        from accord.validate.engine import read_and_check
        from accord.validate.planner import plan_package
        from accord.validate.reader import connect

        plan = plan_package(package, keep, expanded, check_rows)
        run.con = connect(list(plan.tables.values()), run.temp_dir, outputs, indexes=keep == "all")
        tasks.update(read_and_check(run.con, plan, run.temp_dir, check_rows))
        for name, table_plan in plan.tables.items():
            if name in tasks and keep is not None and table_plan.relation:
                run.tables[name] = _duckdb_table(run.con, table_plan, tasks[name].rows)
        handed_off = plan.handed_off
        run.report.notes += [f"{name}: validated with frictionless: {reason}" for name, reason in handed_off.items()]
    elif engine == "spark":
        from accord.spark.engine import validate_package

        spark_tasks, handed_off, loaded = validate_package(run, keep, expanded, check_rows, ROW_NUMBER, outputs)
        tasks.update(spark_tasks)
        run.tables.update({name: LoadedTable(**fields) for name, fields in loaded.items()})
        run.report.notes += [f"{name}: validated with frictionless: {reason}" for name, reason in handed_off.items()]
    else:
        run.con = sql.connect(memory_limit=sql.MEMORY_LIMIT)
        sql.lock_down(run.con, directories=[run.temp_dir, *outputs])
        handed_off = {r.name: "" for r in package.resources}
    if handed_off:
        target = CaptureTarget(run.con, keep)
        for task in validate_with_frictionless(package, names=list(handed_off), capture=target, expanded=expanded):
            tasks[task.table] = task
        run.files = target.files
        run.report.notes += [f"{name}: not a table: frictionless checked the file only" for name in target.files]
        for name, captured in target.tables.items():
            columns = ", ".join([f"row_number AS {ROW_NUMBER}", *(quote_identifier(f.name) for f in captured.fields)])
            run.tables[name] = LoadedTable(
                name=name, relation=f"(SELECT {columns} FROM {captured.relation})", fields=captured.fields,
                schema=captured.schema, descriptor=package.resource(name).descriptor, engine="frictionless",
                rows=tasks[name].rows if name in tasks else captured.rows, complete=captured.complete,
                types=captured.types,
            )
    for resource in package.resources:
        if resource.name not in tasks:  # a gate never passes silently: a table no engine read is an error
            tasks[resource.name] = Task(
                name=f"validate:{resource.name}", kind="validation", table=resource.name, status="error",
                errors=[Error(code="engine-error", table=resource.name, rule="validate",
                              message=f"{resource.relpath}: no engine validated this table")])
    run.report.tasks = [tasks[r.name] for r in package.resources if r.name in tasks]
    run.report.tasks += [t for name, t in tasks.items() if name not in {r.name for r in package.resources}]
    order = [r.name for r in package.resources]
    run.tables = dict(sorted(run.tables.items(), key=lambda item: order.index(item[0])))


def _duckdb_table(con: Any, plan: Any, rows: int | None) -> LoadedTable:
    from accord.fieldtypes import BIGINT_RANGE, WIDE_INTEGER
    from accord.validate.plan import value_column
    from accord.validate.typing_sql import output_value_sql

    kept = [f for f in plan.fields if f.name in plan.kept]
    integers = [f for f in kept if f.type == "integer"]
    wide = set()
    if integers:  # an integer column holds 64 bits unless a value needs more
        low, high = BIGINT_RANGE
        found = con.execute("SELECT " + ", ".join(f"bool_or({value_column(f)} NOT BETWEEN {low} AND {high})"
                                                  for f in integers) + f" FROM {plan.relation}").fetchall()[0]
        wide = {f.name for f, needs in zip(integers, found) if needs}

    def value(f: Any) -> str:
        return f"CAST({value_column(f)} AS {WIDE_INTEGER})" if f.name in wide else output_value_sql(f.field, value_column(f))

    columns = ", ".join([f"row_number AS {ROW_NUMBER}", *(f"{value(f)} AS {quote_identifier(f.name)}" for f in kept)])
    return LoadedTable(
        name=plan.name, relation=f"(SELECT {columns} FROM {plan.relation})", fields=[f.field for f in kept],
        schema=plan.schema, descriptor=plan.resource.descriptor, engine="duckdb", rows=rows,
        types={name: WIDE_INTEGER for name in wide},
    )

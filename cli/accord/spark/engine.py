"""The Spark engine: the DuckDB engine's plan, cell checks, key queries and report, run by Spark.

Only the reading differs (accord.spark.reader); every query the DuckDB engine runs is the same
DuckDB SQL, transpiled (accord.spark.dialect), so the two engines cannot drift apart: the
report is built by the same functions (accord.validate.engine.table_task). A table the engine
cannot read or check on Spark is handed to frictionless with a note, as the DuckDB engine does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.report import Task
from accord.validate.plan import HandOff, PackagePlan, TablePlan


@dataclass
class Cursor:
    rows: list[tuple]
    description: list[tuple]

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple]:
        return self.rows


class SparkSQL:
    """What the DuckDB engine asks of its connection (execute, fetchone, fetchall), answered by
    Spark: each query is DuckDB SQL, transpiled."""

    def __init__(self, spark: Any):
        self.spark = spark

    def frame(self, sql: str) -> Any:
        from accord.spark.dialect import to_spark

        return self.spark.sql(to_spark(sql))

    def execute(self, sql: str, parameters: Any = None) -> Cursor:
        if parameters:
            raise ValueError("the Spark engine's queries take no parameters")
        frame = self.frame(sql)
        return Cursor([tuple(row) for row in frame.collect()], [(name,) for name in frame.columns])


def read_and_check(spark: Any, plan: PackagePlan, temp_dir: Path, check_rows: bool = True) -> dict[str, Task]:
    """As accord.validate.engine.read_and_check, on Spark: every planned table read once, checked,
    then its keys; tables Spark cannot read (and those whose foreign keys need them) move to
    plan.handed_off."""
    from accord.validate.constraint_sql import cell_checks
    from accord.validate.engine import encoding_error_task, key_tasks, prepare_read_path
    from accord.validate.reader import EncodingProblem

    tables = plan.tables
    tasks: dict[str, Task] = {}
    unread: set[str] = set()
    checks = {name: cell_checks(table) if check_rows else [] for name, table in tables.items()}
    parallelism = max(1, spark.sparkContext.defaultParallelism) if hasattr(spark, "sparkContext") else 1
    seconds: dict[str, float] = {}
    checked: dict[str, str] = {}
    for index, (name, table) in enumerate(tables.items()):
        started = time.perf_counter()
        try:
            prepare_read_path(table, temp_dir)
            if table.source_is_empty:
                raise HandOff("its file is empty")
            from accord.spark.reader import materialize_checked

            checked[name] = table.relation = materialize_checked(spark, table, index, checks[name], parallelism)
        except EncodingProblem as problem:
            tasks[name] = encoding_error_task(table, str(problem))
            tasks[name].engine = "spark"
            unread.add(name)
        except HandOff as reason:
            plan.handed_off[name] = str(reason)
            unread.add(name)
        seconds[name] = time.perf_counter() - started
    tasks.update(key_tasks(SparkSQL(spark), plan, unread, checked, checks, seconds, check_rows, "spark"))
    return tasks


def loaded_columns(con: SparkSQL, table: TablePlan, row_number: str) -> tuple[str, dict[str, str]]:
    """The SQL (DuckDB's, to be transpiled) of a table's kept typed values in file order, and the
    columns whose type differs from accord.fieldtypes' (integers too wide for 64 bits)."""
    from accord.fieldtypes import BIGINT_RANGE, WIDE_INTEGER
    from accord.sql import quote_identifier
    from accord.validate.plan import value_column
    from accord.validate.typing_sql import output_value_sql

    kept = [f for f in table.fields if f.name in table.kept]
    integers = [f for f in kept if f.type == "integer"]
    wide: set[str] = set()
    if integers:
        low, high = BIGINT_RANGE
        found = con.execute("SELECT " + ", ".join(f"bool_or({value_column(f)} NOT BETWEEN {low} AND {high})"
                                                  for f in integers) + f" FROM {table.relation}").fetchall()[0]
        wide = {f.name for f, needs in zip(integers, found) if needs}

    def value(f: Any) -> str:
        if f.name in wide:
            return f"CAST({value_column(f)} AS {WIDE_INTEGER})"
        if f.type == "time":  # Spark has no TIME type: the time of day as text, HH:MM:SS[.ffffff] in UTC
            micros = f"((({value_column(f)}) % 86400000000 + 86400000000) % 86400000000)"
            return f"date_format(timestamp_micros(CAST({micros} AS BIGINT)), 'HH:mm:ss.SSSSSS')"
        return output_value_sql(f.field, value_column(f))

    columns = ", ".join([f"row_number AS {row_number}", *(f"{value(f)} AS {quote_identifier(f.name)}" for f in kept)])
    return f"SELECT {columns} FROM {table.relation}", {name: WIDE_INTEGER for name in wide}


def validate_package(run: Any, keep: Any, expanded: Any, check_rows: bool, row_number: str,
                     outputs: list[Path] = ()) -> tuple[dict[str, Task], dict[str, str], dict[str, dict[str, Any]]]:
    """The Spark engine's part of accord.validate.open_validation: (tasks, tables handed to
    frictionless and why, the kept tables as LoadedTable's fields: Spark views, engine "spark").
    run.spark is the session they live in; run.con (DuckDB) may write into outputs (build's)."""
    from accord import sql
    from accord.spark.session import session
    from accord.validate.planner import plan_package
    from accord.validate.reader import memory_for

    run.spark = session()
    cluster = None
    if any(r.location for r in run.package.resources):
        from accord.spark.files import ClusterFiles

        (run.temp_dir / "samples").mkdir()
        cluster = ClusterFiles(run.spark, run.temp_dir / "samples")
    plan = plan_package(run.package, keep, expanded, check_rows, cluster)
    # for the tables frictionless reads, and build's database (with room for its key indexes)
    run.con = sql.connect(memory_limit=memory_for(list(plan.tables.values()), keep == "all"))
    sql.lock_down(run.con, directories=[run.temp_dir, *outputs])
    tasks = read_and_check(run.spark, plan, run.temp_dir, check_rows)
    tasks.update(unread_cluster_tasks(run.package, plan))
    con = SparkSQL(run.spark)
    loaded: dict[str, dict[str, Any]] = {}
    for index, (name, table) in enumerate(plan.tables.items()):
        if name in tasks and keep is not None and table.relation:
            select, types = loaded_columns(con, table, row_number)
            view = f"accord_loaded_{index}"
            con.frame(select).createOrReplaceTempView(view)
            loaded[name] = {"name": name, "relation": view, "fields": [f.field for f in table.fields if f.name in table.kept],
                            "schema": table.schema, "descriptor": table.resource.descriptor, "engine": "spark",
                            "rows": tasks[name].rows, "types": types}
    return tasks, plan.handed_off, loaded


def unread_cluster_tasks(package: Any, plan: PackagePlan) -> dict[str, Task]:
    """A table at a Hadoop URL that Spark cannot validate as frictionless would cannot go to
    frictionless (it does not read the URL): an error (unreadable, exit 2) with the reason, and
    it leaves plan.handed_off."""
    from accord.report import Error

    tasks = {}
    for name in [n for n in plan.handed_off if package.resource(n).location]:
        resource = package.resource(name)
        reason = plan.handed_off.pop(name)
        code = plan.codes.get(name, HandOff.code)
        # (an unreadable file's reason starts with its URL)
        message = reason if code != HandOff.code else (
            f"{resource.location}: the Spark engine cannot validate it as frictionless would: {reason}")
        tasks[name] = Task(name=f"validate:{name}", kind="validation", table=name, status="error", engine="spark",
                           errors=[Error(code=code, table=name, rule="validate", message=message)])
    return tasks

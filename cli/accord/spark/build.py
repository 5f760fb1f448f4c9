"""`accord build --engine spark`: the tables Spark validated, written as Parquet by Spark.

One load per run: each CSV was parsed once, by Spark, while it was validated; build writes the
typed values validation kept (accord.spark.engine.loaded_columns), in file order, with Spark's
DataFrame writer: one `<table>.parquet` per table (one task writes it; its single part file is
moved to that name), with DuckDB's build's Parquet schema (accord.fieldtypes' types; an enum is
text; a column is REQUIRED where DuckDB's is, see as_read; list items may be NULL). The
database is then built by accord.build from those files: DuckDB reads the Parquet, not the CSV.

Two DuckDB types have no Spark counterpart: TIME (Spark has no time-of-day type; the engine
keeps the time as text) and JSON (Spark writes text, without Parquet's JSON type). A table with
such a column is written by Spark to the validation's scratch folder, and DuckDB writes its
build file from there with the column's type (docs/spark.md).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

from accord.errors import DatabaseError
from accord.spark.dialect import spark_identifier
from accord.sql import first_line, quote_identifier, quote_literal
from accord.validate import ROW_NUMBER, LoadedTable, Validation

SPARK_TYPES = {"BIGINT": "BIGINT", "INTEGER": "INT", "DOUBLE": "DOUBLE", "BOOLEAN": "BOOLEAN", "DATE": "DATE",
               "TIMESTAMP": "TIMESTAMP_NTZ", "DECIMAL(38,0)": "DECIMAL(38,0)"}  # the rest is text
# A value of each Spark type, for coalesce(): it makes a column without NULLs non-nullable (REQUIRED)
NON_NULL = {"BIGINT": "0L", "INT": "0", "DOUBLE": "0D", "BOOLEAN": "false", "DATE": "DATE'1970-01-01'",
            "TIMESTAMP_NTZ": "TIMESTAMP_NTZ'1970-01-01 00:00:00'", "DECIMAL(38,0)": "0BD", "STRING": "''"}
NOT_IN_SPARK = ("TIME", "JSON")


def write_parquet(run: Validation, directory: Path | None, strict: bool) -> dict[str, Path]:
    """Write every table Spark read as Parquet, then point run.tables at the files (DuckDB reads
    them); the build's files written (table -> path under directory). A table with a TIME or JSON
    column, or every table when directory is None (no Parquet output), goes to the scratch folder."""
    written: dict[str, Path] = {}
    for name, table in list(run.tables.items()):
        if table.engine != "spark":
            continue
        final = directory is not None and not _needs_duckdb(table)
        target = (directory if final else run.temp_dir) / f"{name}.parquet"
        write_table(run.spark, table, target, strict)
        run.tables[name] = dataclasses.replace(table, relation=parquet_relation(table, target))
        if final:
            written[name] = target
    return written


def write_table(spark: Any, table: LoadedTable, target: Path, strict: bool) -> None:
    """One table's values in file order, one Parquet file, written by Spark."""
    folder = target.with_name(f".{target.stem}.spark")
    try:
        frame = spark.sql(select_sql(spark, table, strict))
        # one partition, no shuffle: its rows sorted by their row number, written by one task
        frame = frame.coalesce(1).sortWithinPartitions(ROW_NUMBER).drop(ROW_NUMBER)
        frame.write.mode("overwrite").option("compression", "zstd").parquet(str(folder))
        parts = sorted(folder.glob("part-*.parquet"))
        if len(parts) != 1:
            raise DatabaseError(f"{target.name}: Spark wrote {len(parts)} files where one was expected")
        parts[0].replace(target)
    except DatabaseError:
        raise
    except Exception as exc:
        raise DatabaseError(f"{target.name}: Spark could not write it: {first_line(exc)}") from exc
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def select_sql(spark: Any, table: LoadedTable, strict: bool) -> str:
    """Spark SQL: the row number, then each field's value as DuckDB's build writes it to Parquet."""
    from accord.ddl import enum_values

    names = [spark_identifier(f.name) for f in table.fields]
    counts = spark.sql(f"SELECT count(*), {', '.join(f'count({n})' for n in names) or '0'} "
                       f"FROM {table.relation}").collect()[0]
    without_nulls = {f.name for f, count in zip(table.fields, counts[1:]) if count == counts[0]
                     and as_read(table, f) and (strict or not enum_values(f))}
    columns = [spark_identifier(ROW_NUMBER)]
    columns += [f"{column_sql(table, f, strict, f.name in without_nulls)} AS {spark_identifier(f.name)}"
                for f in table.fields]
    return f"SELECT {', '.join(columns)} FROM {table.relation}"


def as_read(table: LoadedTable, fld: Any) -> bool:
    """Whether DuckDB's build takes the value as its engine typed it, so that DuckDB's statistics
    know whether the column has a NULL: DuckDB writes such a column without NULLs as REQUIRED, and a
    computed one (an integer cast to BIGINT, a list split, a time) as OPTIONAL whatever it holds."""
    from accord.validate.typing_sql import output_value_sql

    return fld.name not in table.types and output_value_sql(fld, "value") == "value"


def column_sql(table: LoadedTable, fld: Any, strict: bool, required: bool) -> str:
    from accord.ddl import enum_values
    from accord.spark.reader import spark_literal

    value = spark_identifier(fld.name)
    kind = table.column_type(fld)
    if kind.endswith("[]"):  # Spark's split() says its items are never NULL; DuckDB's lists say they may be
        target = f"ARRAY<{spark_type(kind[:-2])}>"
        default = f"CAST(array() AS {target})"
    else:
        target = spark_type(kind)
        default = NON_NULL[target]
    value = f"CAST({value} AS {target})"
    if not strict and enum_values(fld):  # a forced build: a value outside the enum is NULL, as in the table
        value = f"CASE WHEN {value} IN ({', '.join(map(spark_literal, enum_values(fld)))}) THEN {value} END"
    return f"coalesce({value}, {default})" if required else value


def spark_type(duckdb_type: str) -> str:
    return SPARK_TYPES.get(duckdb_type, "STRING")


def parquet_relation(table: LoadedTable, path: Path) -> str:
    """DuckDB SQL reading a table's Parquet file back: its fields, the TIME and JSON columns typed."""
    def column(fld: Any) -> str:
        name, kind = quote_identifier(fld.name), table.column_type(fld)
        return f"CAST({name} AS {kind}) AS {name}" if _not_in_spark(kind) else name

    return f"(SELECT {', '.join(map(column, table.fields))} FROM read_parquet({quote_literal(path)}))"


def _needs_duckdb(table: LoadedTable) -> bool:
    return any(_not_in_spark(table.column_type(f)) for f in table.fields)


def _not_in_spark(duckdb_type: str) -> bool:
    return duckdb_type.removesuffix("[]") in NOT_IN_SPARK

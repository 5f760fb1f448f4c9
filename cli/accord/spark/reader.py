"""Spark's side of the engine: the CSV read as text cells in file order, numbered, and checked by
the DuckDB engine's pass (row_sql.row_checks_sql), transpiled.

Spark's CSV reader differs from DuckDB's, and the SQL makes up for it:
- The file is read with multiLine (a quoted value may span lines; the rows stay in file order in
  one partition), so a row's number is its place: monotonically_increasing_id() + 1, with no
  window over the whole table. The checks then run on as many partitions as Spark has cores.
- An unquoted empty cell and a cell the row does not have are both NULL to Spark. A row with as
  many cells as columns is well formed (its NULLs are empty cells); a row with fewer or more is
  "malformed" and its text kept (columnNameOfCorruptRecord), whose cells are counted in SQL:
  delimiters outside quotes, plus one. A row longer than the columns read makes the read start
  again with as many columns as the longest row.
- Unescaped quotes are an error (as DuckDB's strict mode): the table is handed to frictionless.
- Empty lines are skipped by Spark as by DuckDB: the planner's copy with a marker on each serves.
- Inside a quoted value, Spark writes a CRLF line break as LF: a CRLF file whose quoted values
  span lines is handed to frictionless.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from accord import limits
from accord.validate.constraint_sql import CellCheck
from accord.validate.plan import HandOff, TablePlan
from accord.validate.reader import NULL_TEXT, EncodingProblem
from accord.validate.row_sql import data_rows_sql, row_checks_sql

CORRUPT = "accord_malformed"
# univocity's message when a cell passes maxCharsPerColumn
CELL_TOO_LONG = "exceeds the maximum number of characters defined in your parser settings"
PARALLEL_FROM = 1 << 25  # 32 MiB: below, spreading rows over partitions costs more than it saves


def csv_frame(spark: Any, plan: TablePlan, width: int) -> Any:
    """The CSV's records, header included: c1 .. c<width> as text, the record's number
    (`row_number`, the header is 1) and, for a record of another width, its text."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(f"c{i}", StringType()) for i in range(1, width + 1)] + [StructField(CORRUPT, StringType())])
    options = {
        "header": "false", "sep": plan.delimiter, "quote": plan.quote_char, "escape": plan.quote_char,
        "nullValue": NULL_TEXT, "mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT, "multiLine": "true",
        "ignoreLeadingWhiteSpace": "false", "ignoreTrailingWhiteSpace": "false", "unescapedQuoteHandling": "RAISE_ERROR",
        "encoding": "UTF-8", "enforceSchema": "true", "maxColumns": str(max(20480, width + 1)),
        # --max-cell bounds a cell's characters here (DuckDB bounds a line's bytes): a cell of
        # non-ASCII text may hold up to 4 bytes a character, never an unbounded amount
        "maxCharsPerColumn": str(limits.current.cell),
    }
    frame = spark.read.schema(schema).options(**options).csv(str(plan.read_path))
    return frame.withColumn("row_number", F.monotonically_increasing_id() + 1)


def source_sql(plan: TablePlan, view: str, width: int, crlf: bool) -> str:
    """Spark SQL over the CSV's view: row_number, n_tokens and c1 .. c<width> as the DuckDB engine
    reads them (NULL only where the row has no such cell)."""
    quote = re.escape(plan.quote_char)
    quoted = f"{quote}(?:[^{quote}]|{quote}{quote})*{quote}"
    delimiter = spark_literal(re.escape(plan.delimiter))
    tokens = f"size(split(regexp_replace({CORRUPT}, {spark_literal(quoted)}, ''), {delimiter}, -1))"
    counted = f"SELECT *, CASE WHEN {CORRUPT} IS NULL THEN {width} ELSE {tokens} END AS n_tokens FROM {view}"
    cells = [f"CASE WHEN n_tokens >= {i} THEN coalesce(c{i}, '') END AS c{i}" for i in range(1, width + 1)]
    every_cell = f"concat_ws('', {', '.join(f'c{i}' for i in range(1, width + 1))})"
    # Spark decodes a byte that is not UTF-8 as U+FFFD: such a row is looked at again (see utf8_problem)
    carried = ["row_number", "n_tokens", f"instr({every_cell}, '\ufffd') > 0 AS replaced"]
    if crlf:  # a quoted line break, which Spark turned from CRLF into LF
        carried.append(f"instr({every_cell}, '\\n') > 0 AS lf")
    return f"SELECT {', '.join(carried + cells)} FROM ({counted}) AS counted"


def spark_literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def materialize_checked(spark: Any, plan: TablePlan, index: int, checks: list[CellCheck], parallelism: int) -> str:
    """Check every row in one pass, keep the result (memory, then disk), and register the view of
    the data rows; its name is returned."""
    from pyspark import StorageLevel

    from accord.spark.dialect import NotTranspiled, to_spark

    width = plan.width
    crlf = starts_with_crlf(plan)
    for _attempt in range(4):
        plan.width = width
        frame = csv_frame(spark, plan, width)
        raw = f"accord_csv_{index}"
        frame.createOrReplaceTempView(raw)
        source = spark.sql(source_sql(plan, raw, width, crlf))
        if file_size(plan) > PARALLEL_FROM and parallelism > 1:
            source = source.repartition(parallelism)
        source_view = f"accord_source_{index}"
        source.createOrReplaceTempView(source_view)
        carried = ("row_number", "n_tokens", "replaced", *(("lf",) if crlf else ()))
        try:
            sql = to_spark(row_checks_sql(plan, checks, source_view, carried=carried))
        except NotTranspiled as reason:
            raise HandOff(f"its checks do not run on Spark ({reason})") from None
        rows_view = f"accord_checked_rows_{index}"
        try:
            checked = spark.sql(sql).persist(StorageLevel.MEMORY_AND_DISK)
            checked.createOrReplaceTempView(rows_view)
            widest, replaced, line_feeds = spark.sql(
                f"SELECT max(n_tokens), bool_or(replaced), {'bool_or(lf)' if crlf else 'FALSE'} FROM {rows_view}").collect()[0]
        except Exception as exc:
            if CELL_TOO_LONG in str(exc):
                raise limits.cell_limit_reached(plan.resource.relpath, "a cell") from exc
            raise HandOff(spark_hand_off_reason(exc)) from exc
        if replaced and plan.location:
            checked.unpersist()
            raise HandOff("Spark read a U+FFFD character: bytes that are not UTF-8, or that character itself; "
                          "only a local copy tells which")
        if replaced:
            problem = utf8_problem(plan.read_path)
            if problem:
                checked.unpersist()
                raise EncodingProblem(problem)
        if line_feeds:
            checked.unpersist()
            raise HandOff("it has CRLF line breaks inside quoted values, which Spark's CSV reader turns into LF")
        if widest is None or widest <= width:
            break
        checked.unpersist()
        width = int(widest)
    else:
        raise HandOff("its rows vary too much in width")
    view = f"accord_checked_{index}"
    spark.sql(to_spark(data_rows_sql(plan, rows_view))).createOrReplaceTempView(view)
    return view


def utf8_problem(path: Path, chunk_size: int = 1 << 24) -> str | None:
    """Why the file is not UTF-8, or None (U+FFFD was in the text itself)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with open(path, "rb") as reader:
        for chunk in iter(lambda: reader.read(chunk_size), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return f"not valid UTF-8 ({exc.reason} at byte {offset + exc.start})"
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8 ({exc.reason} at the end)"
    return None


def file_size(plan: TablePlan) -> int:
    return plan.cluster.size(plan.location) if plan.location else plan.read_path.stat().st_size


def starts_with_crlf(plan: TablePlan) -> bool:
    """Whether Spark takes CRLF for the line break (it looks at the first line; a first line longer
    than we look at counts as CRLF, to be safe)."""
    if plan.source_is_empty:
        return False
    with open(plan.source_path if plan.location else plan.read_path, "rb") as handle:  # a URL's: its sample's
        start = handle.read(1 << 16)
    end = start.find(b"\n")
    return end < 0 or start[end - 1 : end] == b"\r"


def spark_hand_off_reason(exc: BaseException) -> str:
    from accord.sql import first_line

    text = str(exc)
    if "Unescaped quote" in text or "TextParsingException" in text:
        return "Spark's CSV parser rejects it (an unescaped quote)"
    if "MALFORMED" in text.upper() or "FAILED_READ_FILE" in text:
        return f"Spark cannot read it ({first_line(text)[:200]})"
    if "regex" in text.lower() or "PatternSyntaxException" in text:
        return f"a pattern does not compile as a Java regular expression ({first_line(text)[:200]})"
    return f"Spark cannot run its checks ({first_line(text)[:200]})"

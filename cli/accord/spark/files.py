"""Tables at Hadoop file system URLs (hdfs://, s3a://, abfss://, gs://, viewfs:// ...): what the
planner reads from local bytes, read through Spark instead, so that no byte of a large file
crosses to the machine accord runs on.

- The sample frictionless opens (encoding, dialect, header, labels) is the file's first lines,
  read by Spark's text reader and written to a local file of a few kilobytes.
- The byte scan (accord.validate.bytescan: lone carriage returns, spaces beside quotes, empty
  lines, line breaks) is one Spark job over the file's lines, with the same answers.
- A file's size and digest (a declared `bytes` or `hash`) come from Spark's binaryFile source.

What needs a local copy of the file (an encoding other than UTF-8, compression, a marker on each
empty line) is refused with the reason: a table Spark cannot validate as frictionless would is
an error, never handed to frictionless (which cannot read the URL) nor passed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from accord import limits
from accord.validate.bytescan import ScanResult
from accord.validate.plan import HandOff

# bytes Hadoop's line reader may drop at the start of a file (a UTF-8 byte order mark)
BOM_BYTES = 3
MAX_DIGEST_BYTES = (1 << 31) - 1 - (1 << 20)  # Spark's binaryFile holds a file in one array


class ClusterUnreadable(HandOff):
    """The file at the URL cannot be read (it does not exist, or is not a file)."""

    code = "scheme-error"


def _lines(spark: Any, url: str) -> Any:
    """The file's lines as Spark reads them, split at LF only (a CR stays in its line), UTF-8."""
    return spark.read.option("lineSep", "\n").option("wholetext", "false").text(url)


def _unreadable(url: str, exc: BaseException) -> ClusterUnreadable:
    from accord.sql import first_line

    text = first_line(exc)
    if "PATH_NOT_FOUND" in text or "does not exist" in text.lower():
        return ClusterUnreadable(f"{url}: no such file")
    return ClusterUnreadable(f"{url}: Spark cannot read it ({text[:200]})")


class ClusterFiles:
    """The planner's window on files only the cluster reads; samples go into folder."""

    def __init__(self, spark: Any, folder: Path | None = None):
        self.spark = spark
        self.folder = folder
        self._sizes: dict[str, int] = {}

    def size(self, url: str) -> int:
        if url not in self._sizes:
            try:
                found = self.spark.read.format("binaryFile").load(url).select("length").collect()
            except Exception as exc:
                raise _unreadable(url, exc) from None
            if len(found) != 1:
                raise ClusterUnreadable(f"{url}: not one file ({len(found)} found)")
            self._sizes[url] = int(found[0][0])
        return self._sizes[url]

    def sample(self, url: str, relpath: str) -> Path:
        """A local file holding the file's first lines (limits.SAMPLED_LINES), as frictionless
        samples them. A line longer than the largest cell is LimitReached, as for a local file."""
        from pyspark.sql import functions as F

        self.size(url)  # a missing file says so here
        bound = limits.current.cell
        try:
            rows = (_lines(self.spark, url).limit(limits.SAMPLED_LINES)
                    .select(F.length("value"), F.substring("value", 1, bound + 1)).collect())
        except Exception as exc:
            raise _unreadable(url, exc) from None
        if any(length > bound for length, _ in rows):
            raise limits.cell_limit_reached(relpath, "a line")
        path = self.folder / f"sample-{len(list(self.folder.iterdir()))}.csv"
        path.write_bytes("".join(text + "\n" for _, text in rows).encode("utf-8"))
        return path

    def scan(self, url: str, delimiter: str, quote: str, skip_initial_space: bool) -> ScanResult:
        """accord.validate.bytescan.scan_bytes over the whole file, one Spark job over its lines."""
        from pyspark.sql import functions as F

        lines = _lines(self.spark, url).withColumn("n", F.monotonically_increasing_id())
        value = F.col("value")
        body = F.expr("substring(value, 1, length(value) - 1)")
        try:
            row = lines.agg(
                F.max(F.instr(body, "\r") > 0).alias("inner_cr"),
                F.max(value == "").alias("empty"),
                F.sum((value == "\r").cast("int")).alias("empty_crlf"),
                F.max(value.rlike(spaces_beside_quotes_pattern(delimiter, quote, skip_initial_space))).alias("spaces"),
                F.count(F.lit(1)).alias("lines"),
                F.sum(F.octet_length(value) + 1).alias("octets"),
                F.max_by(value, F.col("n")).alias("last"),
            ).collect()[0]
        except Exception as exc:
            raise _unreadable(url, exc) from None
        lines_count = int(row["lines"] or 0)
        # the file ends without a line break when its lines and their breaks are a byte more than it
        unterminated = lines_count and self.size(url) - int(row["octets"]) in (-1, BOM_BYTES - 1)
        final_cr = bool(unterminated and (row["last"] or "").endswith("\r"))
        # a last line of a lone CR, with no LF after it, is not an empty line (it has no line break)
        empty_crlf = int(row["empty_crlf"] or 0) - (1 if final_cr and row["last"] == "\r" else 0)
        return ScanResult(
            lone_carriage_return=bool(row["inner_cr"]) or final_cr,
            spaces_beside_quotes=bool(row["spaces"]),
            empty_line=bool(row["empty"]) or empty_crlf > 0,
            line_breaks=lines_count - (1 if unterminated else 0),
        )

    def digest(self, url: str, algorithm: str) -> str:
        """The file's md5 or sha256, computed by Spark (files under 2 GiB: binaryFile's limit)."""
        from pyspark.sql import functions as F

        if self.size(url) > MAX_DIGEST_BYTES:
            raise ClusterUnreadable(f"{url}: its declared hash cannot be checked on Spark (the file is over 2 GiB)")
        content = F.col("content")
        column = F.md5(content) if algorithm == "md5" else F.sha2(content, 256)
        try:
            return str(self.spark.read.format("binaryFile").load(url).select(column).collect()[0][0])
        except Exception as exc:
            raise _unreadable(url, exc) from None


def spaces_beside_quotes_pattern(delimiter: str, quote: str, skip_initial_space: bool) -> str:
    """accord.validate.bytescan.spaces_beside_quotes as a Java regular expression on one line
    (its text without the LF; a CR before it stays): a quote after one space at the start of a
    field, or before spaces that end the field; with skipinitialspace, spaces before an opening
    quote that Python drops and DuckDB reads differently. It may find a line the byte scan would
    pass (the byte scan's matches do not overlap); it never passes one the byte scan finds."""
    d, q = _java_literal(delimiter), _java_literal(quote)
    field_start = f"(?:^|{d})"
    spaces_then_field_end = f"{q} +(?:{d}|\\r|\\z)"
    if not skip_initial_space:
        return f"{field_start} {q}|{spaces_then_field_end}"
    return f"{spaces_then_field_end}|{field_start} {{2,}}{q}|{field_start} *{q} "


def _java_literal(char: str) -> str:
    return "\\t" if char == "\t" else re.escape(char) if not char.isalnum() else char

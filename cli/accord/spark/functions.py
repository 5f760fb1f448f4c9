"""DuckDB functions the suites' SQL uses that Spark lacks, as Spark UDFs with DuckDB's results.

`strip_accents` (diacritics removed: the text decomposed, combining marks dropped) and
`jaro_winkler_similarity` (Jaro similarity with Winkler's boost for a common prefix of up to 4
characters, weight 0.1, given when the Jaro similarity exceeds 0.7: DuckDB's, from rapidfuzz).
sqlglot writes DuckDB's jaro_winkler_similarity as Spark's JAROWINKLER_SIMILARITY, so both
names are registered. tests/test_spark.py compares each with DuckDB on generated text.

They run in Python workers: fine for the suites' cross-table rules on names (thousands of
rows), not meant for billions.
"""

from __future__ import annotations

import unicodedata
from typing import Any

PREFIX_WEIGHT = 0.1
PREFIX_MAX = 4
BOOST_THRESHOLD = 0.7


def strip_accents(text: str | None) -> str | None:
    if text is None:
        return None
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def jaro_similarity(first: str, second: str) -> float:
    if not first or not second:
        return 0.0  # DuckDB's, for two empty texts too
    if first == second:
        return 1.0
    window = max(max(len(first), len(second)) // 2 - 1, 0)
    first_matched = [False] * len(first)
    second_matched = [False] * len(second)
    matches = 0
    for i, char in enumerate(first):
        for j in range(max(0, i - window), min(len(second), i + window + 1)):
            if not second_matched[j] and second[j] == char:
                first_matched[i] = second_matched[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    in_second = (c for c, matched in zip(second, second_matched) if matched)
    transpositions = sum(a != b for a, b in zip((c for c, m in zip(first, first_matched) if m), in_second)) // 2
    return (matches / len(first) + matches / len(second) + (matches - transpositions) / matches) / 3


def jaro_winkler_similarity(first: str | None, second: str | None) -> float | None:
    if first is None or second is None:
        return None
    similarity = jaro_similarity(first, second)
    if similarity > BOOST_THRESHOLD:
        prefix = 0
        for a, b in zip(first[:PREFIX_MAX], second[:PREFIX_MAX]):
            if a != b:
                break
            prefix += 1
        similarity += prefix * PREFIX_WEIGHT * (1 - similarity)
    return similarity


def register(spark: Any) -> None:
    """The functions, on the session (a Spark Connect session registers them the same way)."""
    import sys

    from pyspark import cloudpickle
    from pyspark.sql.types import DoubleType, StringType

    # sent by value: a cluster's workers need Python, not accord
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    spark.udf.register("strip_accents", strip_accents, StringType())
    for name in ("jaro_winkler_similarity", "jarowinkler_similarity"):
        spark.udf.register(name, jaro_winkler_similarity, DoubleType())

"""Make Great Expectations' SQL engine read DuckDB results before closing the connection.

GX's SqlAlchemyExecutionEngine.execute_query runs a query inside `with engine.connect()` and
returns the live cursor result; its callers read the rows only after the block has closed the
connection. Closing it rolls back the connection's transaction, and DuckDB drops the pending
result set on rollback (duckdb-engine's cursor is the DuckDB connection itself). Every metric
then reads zero rows: resolve_metric_bundle raises IndexError and each expectation "fails" with
an empty result and an exception (GX issues #10738 and #11579).

The fix, for the duckdb dialect only: read the rows while the connection is open (SQLAlchemy's
Result.freeze) and hand back a result over those rows. Every caller in GX reads its result
once, straight away, so nothing else changes. The cost: a caller that fetches only the first
200 rows of a raw query (UnexpectedRowsExpectation's sample of unexpected rows) now has all of
that query's rows read first, so unexpected_rows_query should select only the columns worth
showing.
"""

from __future__ import annotations

from typing import Any

_MARK = "_accord_reads_duckdb_rows_before_close"


def install() -> None:
    """Patch SqlAlchemyExecutionEngine.execute_query (idempotent; other dialects are untouched)."""
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    original = SqlAlchemyExecutionEngine.execute_query
    if getattr(original, _MARK, False):
        return

    def execute_query(self: SqlAlchemyExecutionEngine, query: Any) -> Any:
        if self.dialect_name != "duckdb":
            return original(self, query)
        with self.get_connection() as connection:
            result = connection.execute(query)
            return result.freeze()() if result.returns_rows else result

    setattr(execute_query, _MARK, True)
    execute_query.__doc__ = original.__doc__
    SqlAlchemyExecutionEngine.execute_query = execute_query

"""GX's SQL engine on DuckDB: the bug (GX #10738, #11579) and accord.check.duckdb_fix.

Without the fix, every metric GX computes through duckdb-engine reads an empty result (the rows
are read after the connection closed), so every expectation "fails" with an exception. The
reproduction runs in a fresh interpreter, because the fix patches GX for the whole process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

# Three expectations through three GX code paths: a bundled table metric, a column map metric,
# and a raw SQL query metric.
PROBE = textwrap.dedent(
    """
    import json, sys
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if sys.argv[2] == "fixed":
        from accord.check import duckdb_fix
        duckdb_fix.install()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_sql(name="probe", connection_string=sys.argv[1])
    batch = source.add_table_asset(name="t", table_name="t").add_batch_definition_whole_table("all").get_batch()
    out = {}
    for name, expectation in (
        ("row_count", gxe.ExpectTableRowCountToBeBetween(min_value=10, max_value=10)),
        ("not_null", gxe.ExpectColumnValuesToNotBeNull(column="b")),
        ("rows", gxe.UnexpectedRowsExpectation(unexpected_rows_query="SELECT a FROM {batch} WHERE a > 6")),
    ):
        result = batch.validate(expectation).to_json_dict()
        info = result.get("exception_info") or {}
        messages = [v.get("exception_message") for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
        if info.get("raised_exception"):
            messages.append(info.get("exception_message"))
        out[name] = {"success": result["success"], "result": result["result"], "exceptions": messages}
    print(json.dumps(out, default=str))
    """
)


def _database(tmp_path: Path) -> str:
    path = tmp_path / "probe.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS a, CASE WHEN range % 5 = 0 THEN NULL ELSE 'x' END AS b FROM range(10)")
    con.close()
    return f"duckdb:///{path}"


def _probe(url: str, mode: str, folder: Path) -> dict:
    # a script, not `python -c`: with pyspark installed, GX imports pyspark.sql.connect, which
    # exits quietly when __main__ has no file ("Skipping doctests")
    script = folder / "probe_gx.py"
    script.write_text(PROBE, encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), url, mode], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _check_right_answers(found: dict) -> None:
    assert found["row_count"] == {"success": True, "result": {"observed_value": 10}, "exceptions": []}
    assert found["not_null"]["success"] is False
    assert found["not_null"]["result"]["unexpected_count"] == 2  # rows 0 and 5
    assert found["not_null"]["exceptions"] == []
    assert found["rows"] == {"success": False, "result": {"observed_value": 3}, "exceptions": []}


@pytest.mark.slow
def test_without_the_fix_gx_reads_empty_results_from_duckdb(tmp_path):
    """The upstream bug, reproduced. If this starts failing, GX has fixed it: drop duckdb_fix."""
    found = _probe(_database(tmp_path), "unfixed", tmp_path)
    for name in ("row_count", "not_null", "rows"):
        assert found[name]["success"] is False
        assert found[name]["result"] == {}
        assert found[name]["exceptions"], name
    assert "list index out of range" in found["row_count"]["exceptions"][0]


@pytest.mark.slow
def test_with_the_fix_gx_computes_the_right_answers_in_a_fresh_process(tmp_path):
    _check_right_answers(_probe(_database(tmp_path), "fixed", tmp_path))


def test_with_the_fix_in_process(tmp_path):
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from accord.check import duckdb_fix

    duckdb_fix.install()
    duckdb_fix.install()  # idempotent: one patch, not a patch of the patch
    from great_expectations.execution_engine import SqlAlchemyExecutionEngine

    assert getattr(SqlAlchemyExecutionEngine.execute_query, "_accord_reads_duckdb_rows_before_close")
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_sql(name="probe", connection_string=_database(tmp_path))
    batch = source.add_table_asset(name="t", table_name="t").add_batch_definition_whole_table("all").get_batch()
    result = batch.validate(gxe.ExpectTableRowCountToBeBetween(min_value=10, max_value=10))
    assert result.success and result.result == {"observed_value": 10}


def test_other_dialects_are_untouched(tmp_path):
    """SQLite goes through GX's own execute_query, and still works with the fix installed."""
    import sqlite3

    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from accord.check import duckdb_fix

    duckdb_fix.install()
    path = tmp_path / "probe.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (a INTEGER)")
        con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(4)])
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_sqlite(name="probe", connection_string=f"sqlite:///{path}")
    batch = source.add_table_asset(name="t", table_name="t").add_batch_definition_whole_table("all").get_batch()
    assert batch.validate(gxe.ExpectTableRowCountToBeBetween(min_value=4, max_value=4)).success

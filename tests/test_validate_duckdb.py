"""The DuckDB engine: tasks and notes, hand-offs, limits, the SQL it generates, the CLI.

Agreement with frictionless, error by error, is tests/test_differential.py.
"""

from __future__ import annotations

import re
import subprocess
import sys

import duckdb
import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.package import load_package
from accord.validate import validate
from accord.sql import quote_literal
from accord.validate import constraint_sql, key_sql, reader, row_sql
from accord.validate.plan import MAX_ERRORS
from accord.validate.planner import plan_package
from differential_helpers import FIXTURES, error_keys, handed_off, table, write_package


def test_one_task_per_resource_in_package_order():
    report = validate(FIXTURES / "foreign-key", engine="duckdb")
    tasks, notes = report.tasks, report.notes[:-1]  # the last note is the time taken
    assert [t.table for t in tasks] == ["countries", "cities", "regions", "sites"]
    for task in tasks:
        assert task.name == f"validate:{task.table}"
        assert task.kind == "validation"
        assert task.engine == "duckdb"
        assert isinstance(task.rows, int) and task.seconds >= 0
    assert [t.rows for t in tasks] == [2, 4, 3, 5]
    assert notes == []


def test_handed_off_tables_are_validated_by_frictionless_with_a_note():
    report = validate(FIXTURES / "handed-off", engine="duckdb")
    tasks, notes = report.tasks, report.notes[:-1]
    engines = {t.table: t.engine for t in tasks}
    assert engines == {"shapes": "frictionless", "uses": "frictionless", "plain": "duckdb"}
    assert notes == [
        "shapes: validated with frictionless: field 'shape' has type geojson",
        "uses: validated with frictionless: its foreign key refers to 'shapes', which this engine does not read",
    ]


def test_errors_are_capped_and_the_total_kept():
    task = validate(FIXTURES / "many-errors", engine="duckdb").tasks[0]
    assert len(task.errors) == MAX_ERRORS
    assert task.errors_total == 1300
    assert task.notes == ["showing the first 1000 of 1300 errors"]
    assert [e.row for e in task.errors] == sorted(e.row for e in task.errors)


def test_messages_name_the_cell_like_frictionless():
    report = validate(FIXTURES / "type-error", engine="duckdb")
    error = next(e for e in report.all_errors() if e.field == "i" and e.row == 3)
    assert error.message == (
        't.csv: Type error in the cell "1.0" in row "3" and field "i" at position "1": type is "integer/default"'
    )
    assert error.values == ["1.0"]
    fk = next(e for e in validate(FIXTURES / "foreign-key", engine="duckdb").all_errors() if e.table == "cities")
    assert 'values "XX" not found in the lookup table "countries" as "code"' in fk.message


def test_encoding_error_is_unreadable_input():
    report = validate(FIXTURES / "encoding-error", engine="duckdb")
    assert [e.code for e in report.all_errors()] == ["encoding-error"]
    assert report.status == "unreadable"


def test_an_empty_file_is_a_source_error(tmp_path):
    path = write_package(tmp_path / "package", [table("t", "a:integer")], {"t.csv": ""})
    report = validate(path, engine="duckdb")
    assert error_keys(report) == {("source-error", "t", None, None)}
    assert report.status == "unreadable"


def test_row_numbers_hold_across_a_large_file(tmp_path):
    """Past DuckDB's parallel chunks: quoted line breaks and empty lines shift nothing."""
    lines = ["id,text,n"]
    for i in range(1, 300_000):
        text = '"two\nlines"' if i % 1000 == 0 else f"text {i}"
        n = "oops" if i % 50_000 == 0 else str(i)
        lines.append(f"{i},{text},{n}")
        if i % 70_000 == 0:
            lines.append("")
    path = write_package(
        tmp_path / "package", [table("t", "id:integer,text,n:integer", primaryKey=["id"])], {"t.csv": "\n".join(lines) + "\n"}
    )
    report = validate(path, engine="duckdb")
    # row = CSV row: the header is 1, each empty line is a row (a blank row) and takes a number
    empty_lines_before = lambda i: i // 70_000  # noqa: E731
    expected = {("type-error", "t", i + 1 + empty_lines_before(i), "n") for i in range(50_000, 300_000, 50_000)}
    for k in range(1, 5):
        row = 70_000 * k + 1 + k
        expected |= {("blank-row", "t", row, None), ("primary-key", "t", row, None)}
    assert error_keys(report) == expected
    assert report.tasks[0].rows == 299_999 + 4


def test_check_sql_is_portable():
    """The check SQL transpiles to other engines; only the CSV reading is DuckDB's."""
    package = plan_package(load_package(FIXTURES / "valid"))
    people = package.tables["people"]
    sql = row_sql.row_checks_sql(people, constraint_sql.cell_checks(people), "source", carried=("row_number",))
    for dialect in ("spark", "trino", "postgres"):
        assert key_sql.transpile(sql, dialect)
    assert "read_csv" not in sql
    visits = package.tables["visits"]
    (fk,) = visits.foreign_keys
    duplicates = key_sql.primary_key_violations_sql("checked_people", people.primary_key)
    dangling = key_sql.foreign_key_violations_sql(
        "checked_visits", [visits.field_named(n) for n in fk.fields],
        "checked_people", [people.field_named(n) for n in fk.reference_fields],
    )
    assert "HASH(v1)" in key_sql.transpile(duplicates, "spark")  # Spark has hash(); the step after it is exact
    for dialect in ("spark", "trino", "postgres"):
        assert key_sql.transpile(dangling, dialect)


def test_check_sql_runs_over_any_relation_of_text_cells():
    """The same SQL over a VALUES relation instead of a CSV file."""
    package = plan_package(load_package(FIXTURES / "type-error"))
    plan = package.tables["t"]
    checks = constraint_sql.cell_checks(plan)
    rows = [("1", "1.5", "true", "2020-01-01", "2020-01-01T00:00:00", "10:00:00", "2020", "a@b.org", "http://x",
             "2bc1c94f-0deb-43e9-92a1-4775189ec9f8", "1,2"),
            ("x", "y", "z", "2020-02-30", "w", "v", "u", "t", "s", "r", "q")]
    values = ", ".join(
        "(" + ", ".join([str(n)] + [quote_literal(c) for c in row]) + ")" for n, row in enumerate(rows, start=2)
    )
    names = ", ".join(["row_number", *(f"c{i}" for i in range(1, 12))])
    source = f"(SELECT * FROM (VALUES {values}) AS cells({names}))"
    rows = row_sql.row_checks_sql(plan, checks, source, carried=("row_number",))
    result = duckdb.connect().execute(
        f"SELECT row_number, error_count FROM ({row_sql.data_rows_sql(plan, f'({rows})')}) ORDER BY row_number"
    ).fetchall()
    assert result == [(2, None), (3, 11)]


def test_duckdb_reads_only_the_package_files(tmp_path):
    package = plan_package(load_package(FIXTURES / "valid"))
    outside = tmp_path / "secret.csv"
    outside.write_text("a\n1\n")
    con = reader.connect(list(package.tables.values()), tmp_path / "temp")
    assert con.execute(f"SELECT count(*) FROM read_csv('{FIXTURES / 'valid' / 'people.csv'}')").fetchone()[0] == 3
    with pytest.raises(duckdb.Error, match="disabled|Permission"):
        con.execute(f"SELECT * FROM read_csv('{outside}')").fetchall()
    with pytest.raises(duckdb.Error, match="locked|configuration"):
        con.execute("SET enable_external_access = true")


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        (r"\w+", "Zürich", True),  # Python's \w is Unicode
        (r"[\d]+", "١٢", True),
        ("a|b", "ab", True),  # "^a|b$": Python matches "a" at the start
        ("a|b", "xb", False),
        ("AB", "AB\n", True),  # Python's $ matches before a final newline
        (r"[^\s]+", "a b", False),
    ],
)
def test_patterns_read_as_python_reads_them(pattern, text, matches):
    sql = constraint_sql.python_pattern_to_sql(pattern)
    assert duckdb.connect().execute("SELECT regexp_matches(?, ?)", [text, sql]).fetchone()[0] is matches
    assert bool(re.compile(f"^{pattern}$").match(text)) is matches


def test_patterns_re2_cannot_read_go_to_frictionless(tmp_path):
    fields = [{"name": "a", "type": "string", "constraints": {"pattern": "(a)\\1"}}]
    path = write_package(tmp_path / "package", [table("t", fields)], {"t.csv": "a\naa\nab\n"})
    report = validate(path, engine="duckdb")
    assert handed_off(report) == ["t: validated with frictionless: field 'a' pattern '(a)\\\\1' uses syntax the engine does not translate"]
    assert error_keys(report) == {("constraint-error", "t", 3, "a")}


def test_spaces_beside_quotes_go_to_frictionless(tmp_path):
    """DuckDB reads `"x" ,` as x; Python's csv module as 'x '."""
    fields = [{"name": "a", "type": "string", "constraints": {"enum": ["x"]}}, {"name": "b", "type": "integer"}]
    path = write_package(tmp_path / "package", [table("t", fields)], {"t.csv": 'a,b\n"x" ,1\n'})
    report = validate(path, engine="duckdb")
    assert "spaces beside quotes" in handed_off(report)[0]
    assert error_keys(report) == {("constraint-error", "t", 2, "a")}


# -- accord validate: exit codes ---------------------------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize("engine_name", ["duckdb", "frictionless"])
@pytest.mark.parametrize(
    ("case", "exit_code"), [("valid", 0), ("type-error", 1), ("foreign-key", 1), ("encoding-error", 2)]
)
def test_cli_exit_codes(engine_name, case, exit_code):
    result = runner.invoke(app, ["validate", str(FIXTURES / case), "--engine", engine_name])
    assert result.exit_code == exit_code, result.output


def test_cli_exit_code_for_a_missing_package(tmp_path):
    result = subprocess.run([sys.executable, "-m", "accord", "validate", str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ")


def test_cli_json_is_the_library_report():
    import json

    result = runner.invoke(app, ["validate", str(FIXTURES / "unique-error"), "--format", "json"])
    assert result.exit_code == 1
    printed = json.loads(result.output)
    report = validate(FIXTURES / "unique-error", engine="duckdb")
    assert [(e["code"], e["row"], e["field"]) for t in printed["tasks"] for e in t["errors"]] == [
        (e.code, e.row, e.field) for e in report.all_errors()
    ]


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 1 << 24])
def test_empty_lines_get_a_marker_whatever_the_chunks(tmp_path, chunk_size):
    source = tmp_path / "in.csv"
    source.write_bytes(b"\xef\xbb\xbf\na,b\n\n\n1,2\r\n\r\n\"x\n\ny\",3\n\n")
    target = tmp_path / "out.csv"
    reader.write_with_empty_line_markers(source, target, "M", chunk_size=chunk_size)
    assert target.read_bytes() == b"\xef\xbb\xbfM\na,b\nM\nM\n1,2\r\nM\r\n\"x\nM\ny\",3\nM\n"

"""accord query: formats, named queries, exit codes, and a database that cannot be used to escape."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest
from accord.build import build_package
from accord.errors import DatabaseError, QueryRefused
from accord.formats import render
from accord.formats.rows import Rows, neutralise_formula
from accord.query import named_queries, run_query
from conftest import ENGINE, run_accord, run_accord_process
from build_helpers import demo_package


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """The demo package, built into build/demo.duckdb beside it."""
    root = tmp_path_factory.mktemp("demo")
    descriptor = demo_package(root)
    build_package(descriptor, root / "build" / "demo.duckdb", engine=ENGINE)
    return root


@pytest.fixture
def db(package):
    return str(package / "build" / "demo.duckdb")


def query(*args, cwd):
    return run_accord("query", *args, cwd=cwd)


def test_csv_output(package, db):
    run = query("SELECT person_id, name, score FROM people ORDER BY 1", "--db", db, "--format", "csv", cwd=package)
    assert run.exit_code == 0
    assert run.stdout == 'person_id,name,score\r\n1,Ann,1.5\r\n2,Bob,\r\n3,"\'=HYPERLINK(""http://x"")",-2.0\r\n'


def test_json_output_is_a_list_of_objects_with_iso_dates(package, db):
    run = query(
        "SELECT organization_id, founded, aliases FROM organizations ORDER BY 1 LIMIT 2",
        "--db",
        db,
        "-F",
        "json",
        cwd=package,
    )
    assert json.loads(run.stdout) == [
        {"organization_id": "coe", "founded": "1949-05-05", "aliases": ["CoE", "Conseil de l'Europe"]},
        {"organization_id": "coe-cm", "founded": None, "aliases": None},
    ]


def test_markdown_output_is_a_pipe_table(package, db):
    run = query(
        "SELECT name, person_id FROM people WHERE person_id < 3 ORDER BY 2", "--db", db, "-F", "markdown", cwd=package
    )
    assert run.stdout == "| name | person_id |\n| --- | ---: |\n| Ann | 1 |\n| Bob | 2 |\n"


def test_table_output_has_no_colour_without_a_terminal(package, db):
    run = query("SELECT name, email FROM people ORDER BY person_id", "--db", db, cwd=package)
    assert run.exit_code == 0
    assert "\x1b[" not in run.stdout
    lines = run.stdout.splitlines()
    assert "name" in lines[1] and "email" in lines[1]
    assert any("Bob" in line and "NULL" in line for line in lines)


def test_an_unknown_format_is_a_usage_error(package, db):
    run = query("SELECT 1", "--db", db, "--format", "xml", cwd=package)
    assert (
        run.exit_code == 2 and run.stderr == "Error: unknown format 'xml'; choose one of: table, csv, json, markdown\n"
    )


def test_default_database_is_build_package_name_in_the_current_folder(package):
    run = query("SELECT count(*) AS n FROM people", "-F", "csv", cwd=package)
    assert run.stdout == "n\r\n3\r\n"


def test_views_can_be_queried(package):
    run = query("SELECT * FROM people_named ORDER BY name LIMIT 1", "-F", "csv", cwd=package)
    assert run.stdout == 'name,organization\r\n"\'=HYPERLINK(""http://x"")",Committee of Ministers\r\n'


def test_a_named_query_runs_from_queries_folder(package):
    run = query("people", "-F", "csv", cwd=package)
    assert run.exit_code == 0 and run.stdout.splitlines()[:2] == ["person_id,name", "1,Ann"]


def test_list_shows_named_queries_with_their_first_comment_line(package):
    assert [(q.name, q.description) for q in named_queries(package)] == [
        ("no-comment", ""),
        ("people", "Everyone, by name."),
    ]
    run = query("--list", "-F", "csv", cwd=package)
    assert run.stdout == 'name,description\r\nno-comment,\r\npeople,"Everyone, by name."\r\n'


def test_an_unknown_name_is_a_usage_error(package):
    run = query("nobody", cwd=package)
    assert run.exit_code == 2
    assert run.stderr == "Error: no named query 'nobody' in queries/ (see `accord query --list`)\n"


def test_sql_from_a_file(package, db, tmp_path):
    sql = tmp_path / "q.sql"
    sql.write_text("-- how many\nSELECT count(*) AS n FROM organizations;\n")
    run = query("-f", str(sql), "--db", db, "-F", "csv", cwd=package)
    assert run.stdout == "n\r\n3\r\n"


def test_sql_and_file_together_is_a_usage_error(package, db, tmp_path):
    run = query("SELECT 1", "-f", str(tmp_path / "q.sql"), "--db", db, cwd=package)
    assert run.exit_code == 2 and run.stderr == "Error: give SQL, a query NAME, or -f FILE (one of them)\n"


def test_a_sql_error_exits_2_with_duckdbs_first_line(package, db):
    run = query("SELECT * FROM nope", "--db", db, cwd=package)
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: Catalog Error: Table with name nope does not exist!")
    assert run.stderr.count("\n") == 1


@pytest.mark.parametrize("sql, hint", [
    ("SELECT * FROM peple", 'Did you mean "people"? (at line 1, column 15)'),
    ("SELECT nme FROM people", 'Candidate bindings: "name"'),
    ("SELEC 1", 'syntax error at or near "SELEC" (at line 1, column 1)'),
])
def test_duckdbs_hints_are_kept_on_the_one_line(package, db, sql, hint):
    run = query(sql, "--db", db, cwd=package)
    assert run.exit_code == 2 and hint in run.stderr and run.stderr.count("\n") == 1


def test_a_missing_database_says_to_build_first(tmp_path):
    with pytest.raises(DatabaseError, match=r"no such database; run `accord build` first"):
        run_query("SELECT 1", tmp_path / "none.duckdb")
    demo_package(tmp_path)
    run = query("SELECT 1", cwd=tmp_path)
    assert run.exit_code == 2 and run.stderr == "Error: build/demo.duckdb: no such database; run `accord build` first\n"


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('https://example.com/')",
        "CREATE TABLE stolen (x INTEGER)",
        "INSERT INTO people (person_id, name) VALUES (99, 'Mallory')",
        "UPDATE people SET name = 'Mallory'",
        "DELETE FROM people",
        "COPY people TO '{out}'",
        "COPY (SELECT 1) TO '{out}' (FORMAT parquet)",
        "EXPORT DATABASE '{out}'",
        "ATTACH '{out}' AS other",
        "SET enable_external_access = true",
        "INSTALL httpfs",
        "LOAD httpfs",
        "CREATE TEMP TABLE t AS SELECT 1",
        "PRAGMA enable_profiling",
    ],
)
def test_queries_cannot_write_or_reach_files_or_the_network(package, db, tmp_path, sql):
    before = (package / "build" / "demo.duckdb").read_bytes()
    out = tmp_path / "out"
    with pytest.raises(QueryRefused, match=r"^refused: "):
        run_query(sql.format(out=out), db)
    assert not out.exists()
    assert (package / "build" / "demo.duckdb").read_bytes() == before


def test_a_file_named_as_a_table_is_not_read(db):
    # With file access disabled DuckDB does not even try the path: the "table" is simply missing.
    with pytest.raises(DatabaseError, match=r"^Catalog Error: Table with name /etc/passwd does not exist!"):
        run_query("SELECT * FROM '/etc/passwd'", db)


def test_a_refused_query_exits_2_with_one_line(package, db):
    run = query("SELECT * FROM read_csv('/etc/passwd')", "--db", db, cwd=package)
    assert run.exit_code == 2
    assert run.stderr.startswith('Error: refused: Permission Error: Cannot access file "/etc/passwd"')
    assert run.stderr.count("\n") == 1 and "root:" not in run.stdout


def test_one_statement_at_a_time(package, db):
    run = query("SELECT 1; SELECT 2", "--db", db, cwd=package)
    assert run.exit_code == 2 and run.stderr == "Error: give exactly one SQL statement (found 2)\n"


def test_reading_statements_other_than_select_run(package, db):
    assert run_query("DESCRIBE people", db).rows[0][:2] == ("person_id", "BIGINT")
    assert ("people_named",) in run_query("SHOW TABLES", db).rows
    assert run_query("PRAGMA table_info('people')", db).rows[0][1] == "person_id"


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1.5", "-1.5"),
        ("+3", "+3"),
        ("-2e5", "-2e5"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_neutralises_spreadsheet_formulas(cell, written):
    assert neutralise_formula(cell) == written
    text = render("rows", "csv", Rows(["=col", "n"], [(cell, -1.5)]))
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == ["'=col", "n"] and row == [written, "-1.5"]


def test_help_has_an_example():
    run = run_accord("query", "--help")
    assert run.exit_code == 0 and "Example: accord query" in run.stdout


def test_console_script_prints_one_line_errors(package, db):
    done = run_accord_process("query", "SELECT * FROM nope", "--db", db, cwd=package)
    assert done.exit_code == 2 and done.stderr.startswith("Error: Catalog Error: Table with name nope does not exist!")
    assert done.stderr.count("\n") == 1


def test_query_does_not_import_heavy_libraries(package, db):
    program = (
        "import sys; from accord.cli import main; sys.argv = ['accord', 'query', 'SELECT 1', '--db', sys.argv[1]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'frictionless', 'pandas', 'pyarrow', 'great_expectations', 'numpy'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", program, db], capture_output=True, text=True, timeout=60)
    assert done.stderr == "[]\n"


def test_a_missing_sql_file_is_a_usage_error(package, db, tmp_path):
    run = query("-f", str(tmp_path / "absent.sql"), "--db", db, cwd=package)
    assert run.exit_code == 2 and run.stderr.startswith(f"Error: {tmp_path / 'absent.sql'}: cannot read: ")


def test_queries_draw_no_progress_bar_into_the_output_and_cannot_turn_it_on(db):
    assert run_query("SELECT current_setting('enable_progress_bar')", db).rows == [(False,)]
    with pytest.raises(QueryRefused):
        run_query("SET enable_progress_bar = true", db)


def test_csv_keeps_escape_sequences_as_data_off_a_terminal(package, db):
    run = query("SELECT chr(27) || '[31mred' AS x", "--db", str(db), "--format", "csv", cwd=package.parent)
    assert run.exit_code == 0, run.stderr
    assert "\x1b[31mred" in run.stdout


def test_on_a_terminal_the_table_fits_its_width_one_line_per_row_with_a_row_count():
    from accord.formats import render
    from accord.formats.rows import Rows

    evidence = "The parties discussed the prospects of cooperation " * 6
    rows = Rows(["statement_id", "date", "evidence"], [(f"s-{i}", "2024-06-03", evidence) for i in range(8)])
    text = render("rows", "table", rows, width=80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[-1] == "8 rows" and len(lines) == 8 + 5  # borders, header, rule, 8 rows, bottom, count
    assert all("…" in line for line in lines if "s-" in line)
    # without a terminal (a pipe, a file) every value is whole
    whole = render("rows", "table", rows)
    assert "…" not in whole and whole.count("prospects") == 8 * 6


def test_the_table_ends_with_the_number_of_rows(package, db):
    run = query("SELECT name FROM people ORDER BY 1", "--db", db, cwd=package)
    assert run.stdout.endswith("\n3 rows\n")
    one = query("SELECT name FROM people ORDER BY 1 LIMIT 1", "--db", db, cwd=package)
    assert one.stdout.endswith("\n1 row\n")

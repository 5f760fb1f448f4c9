"""The Spark engine against the DuckDB engine: the same errors (code, table, row, field), the same
verdicts, the same tables handed to frictionless; expectations on Spark; the CLI stays quiet.

One SparkSession serves every test of the process (accord.spark.session). Skipped where pyspark
or a Java runtime is missing (CI installs both: .ci/run).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from accord.spark.dialect import NotTranspiled, java_date_format, re2_to_java, to_spark
from accord.validate import validate
from conftest import ROOT, copy_package, needs_spark, run_accord, run_accord_process
from differential_helpers import CASES, FIXTURES, error_keys, handed_off

pytestmark = needs_spark()
EVERYDAY = {"valid", "type-error"}  # the fast tier's sample (the session starts once; each case costs seconds)


def spark_agrees_with_duckdb(path: Path) -> None:
    spark, duck = validate(path, engine="spark"), validate(path, engine="duckdb")
    assert error_keys(spark) == error_keys(duck)
    assert (spark.valid, spark.status) == (duck.valid, duck.status)
    assert {n.split(":")[0] for n in handed_off(spark)} == {n.split(":")[0] for n in handed_off(duck)}
    assert all(t.engine == "spark" for t in spark.tasks if t.table not in {n.split(":")[0] for n in handed_off(spark)})


@pytest.mark.parametrize("case", [pytest.param(c, marks=() if c in EVERYDAY else pytest.mark.slow) for c in CASES])
def test_spark_engine_agrees_with_duckdb_on_the_corpus(case):
    spark_agrees_with_duckdb(FIXTURES / case)


@pytest.mark.slow
def test_spark_engine_finds_exactly_the_generated_faults(tmp_path):
    import generate as generator

    faults = {"type-error": 4, "constraint-error": 6, "primary-key": 2, "foreign-key": 3, "extra-cell": 2, "missing-cell": 2}
    package = tmp_path / "package"
    generator.generate(package, 1500, seed=11, faults=faults)
    report = validate(package, engine="spark")
    manifest = json.loads((package / "faults.json").read_text(encoding="utf-8"))
    expected = [(e["code"], f["table"], f["row"], e["field"]) for f in manifest["faults"] for e in f["expected"]]
    found = [e.key() for e in report.all_errors()]
    assert Counter(k[0] for k in found) == Counter(k[0] for k in expected)
    assert sorted(found, key=str) == sorted(expected, key=str)
    assert not handed_off(report)


# -- the translation -----------------------------------------------------------------------------


@pytest.mark.parametrize(("re2", "java"), [
    (r"^(?:a|b)$", r"(?d)^(?:a|b)\z"),  # RE2's $ is the end; Java's also matches before a final \n
    (r"(?i:inf)", r"(?d)(?iu:inf)"),  # Unicode case folding, as RE2
    (r"[[a&&b]", r"(?d)[\[a&\&b]"),  # [ and && are literal in an RE2 class
    (r"a{,x}", r"(?d)a\{,x\}"),  # not a repetition: literal braces
    (r"x{2,3}", r"(?d)x{2,3}"),
    (r"(?P<y>[0-9]{4})", r"(?d)(?<y>[0-9]{4})"),
    (r"[\p{L}\p{Nd}_]\x{a0}\z", r"(?d)[\p{L}\p{Nd}_]\x{a0}\z"),
])
def test_re2_patterns_become_java_patterns(re2, java):
    assert re2_to_java(re2) == java


def test_spark_matches_as_re2_does():
    """Each translated pattern answers as RE2 (google-re2) on texts where Java's defaults differ."""
    import re2

    from accord.spark.session import session

    cases = [(r"^(?:[0-9]+)$", "12\n"), (r"^(?:.)$", "\r"), (r"^(?:.)$", "\u2028"), (r"(?i)^(?:é)$", "É"),
             (r"^(?:[[]x)$", "[x"), (r"^(?:\p{Nd})$", "٣"), (r"^(?:a{)$", "a{"), (r"(?s)^(?:a.b)$", "a\nb")]
    spark = session()
    selects = ", ".join(f"regexp_matches({_lit(text)}, {_lit(pattern)}) AS m{i}" for i, (pattern, text) in enumerate(cases))
    answers = list(spark.sql(to_spark(f"SELECT {selects}")).collect()[0])
    assert answers == [re2.search(pattern, text) is not None for pattern, text in cases]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_what_does_not_transpile_is_said():
    with pytest.raises(NotTranspiled):
        to_spark("SELECT regexp_matches(a, b) FROM t")  # a pattern that is not a literal
    with pytest.raises(NotTranspiled):
        to_spark("SELECT regexp_matches(a, 'x', 'i') FROM t")  # options
    assert java_date_format("%Y-%m-%dT%H") == "yyyy-MM-dd'T'HH"


# -- the CLI -------------------------------------------------------------------------------------


@pytest.mark.slow  # its own process: a JVM of its own (about 30 s)
def test_cli_validate_on_spark_prints_only_the_report(tmp_path):
    run = run_accord_process("validate", FIXTURES / "foreign-key", "--engine", "spark", "--format", "json", cwd=tmp_path)
    assert run.exit_code == 1
    assert run.stderr == ""  # no Spark banner, no log line
    report = json.loads(run.stdout)
    assert {e["code"] for t in report["tasks"] for e in t["errors"]} == {"foreign-key"}
    assert {t["engine"] for t in report["tasks"]} == {"spark"}


def test_spark_master_needs_the_spark_engine():
    run = run_accord("validate", FIXTURES / "valid", "--spark-master", "local[1]")
    assert run.exit_code == 2
    assert run.stderr.strip() == "Error: --spark-master needs --engine spark"


def test_check_takes_spark_alone():
    run = run_accord("check", FIXTURES / "valid", "--engine", "spark", "--engine", "gx")
    assert run.exit_code == 2
    assert "takes no other engine" in run.stderr


@pytest.mark.slow
def test_check_on_spark_gives_duckdb_results_or_could_not_run(tmp_path):
    """This package's suites on Spark: every rule DuckDB passes passes, a failing rule fails on both;
    a rule with no Spark translation is "could not run", never passed."""
    import generate as generator

    package = tmp_path / "package"
    generator.generate(package, 1500, seed=11, faults={"constraint-error": 2, "foreign-key": 2})
    spark = run_accord("check", package, "--engine", "spark", "--format", "json").report
    duck = run_accord("check", package, "--format", "json").report
    duck_status = {t["name"]: t["status"] for t in duck["tasks"]}
    assert [t["name"] for t in spark["tasks"] if t["status"] == "error"] == []  # every rule ran
    for task in spark["tasks"]:
        assert task["status"] == duck_status[task["name"]], task["name"]
        assert sorted(e["row"] or 0 for e in task["errors"]) == sorted(
            e["row"] or 0 for t in duck["tasks"] if t["name"] == task["name"] for e in t["errors"])


@pytest.mark.slow
def test_check_on_spark_gives_this_packages_result_on_duckdb():
    spark = run_accord("check", ROOT, "--engine", "spark", "--format", "json")
    duck = run_accord("check", ROOT, "--format", "json")
    assert spark.exit_code == duck.exit_code == 0, spark.stdout[-2000:]
    summary = lambda run: sorted((t["name"], t["status"], len(t["errors"])) for t in run.report["tasks"]  # noqa: E731
                                 if t["kind"] == "expectation")
    assert summary(spark) == summary(duck)
    assert {t["engine"] for t in spark.report["tasks"] if t["kind"] == "expectation"} == {"spark"}


def test_duckdb_functions_on_spark_give_duckdbs_results():
    """strip_accents and jaro_winkler_similarity, which the suites' SQL uses, as DuckDB computes them."""
    import random

    import duckdb

    from accord.spark.functions import jaro_winkler_similarity, strip_accents

    rng = random.Random(3)
    pairs = [("", ""), ("a", ""), ("martha", "marhta"), ("Ferati", "Feratti")]
    for _ in range(3000):
        a = "".join(rng.choice("abcde fgé") for _ in range(rng.randint(0, 12)))
        b = a[: rng.randint(0, len(a))] + "".join(rng.choice("abcde") for _ in range(rng.randint(0, 4)))
        pairs.append((a, b))
    with duckdb.connect() as con:
        expected = con.execute("SELECT jaro_winkler_similarity(a, b) FROM (SELECT unnest($1) AS a, unnest($2) AS b)",
                               [[a for a, _ in pairs], [b for _, b in pairs]]).fetchall()
        for (a, b), (value,) in zip(pairs, expected):
            assert jaro_winkler_similarity(a, b) == pytest.approx(value, abs=1e-12), (a, b)
        names = ["Müller", "Ñuñoa", "Łódź", "São Paulo", "Brașov", "Crème brûlée", "Ελληνικά", "Mustafa Ferati"]
        for name in names:
            assert strip_accents(name) == con.execute("SELECT strip_accents(?)", [name]).fetchone()[0]


# -- build ---------------------------------------------------------------------------------------


def assert_same_build(duck: Path, spark: Path, name: str) -> None:
    """Every table of the two databases holds the same rows (in primary-key order), with the same
    DDL; every Parquet file has the same pyarrow schema (types and REQUIRED columns)."""
    import duckdb
    import pyarrow.parquet as pq

    files = sorted(p.name for p in (duck / "parquet").iterdir())
    assert files == sorted(p.name for p in (spark / "parquet").iterdir())  # no part file or Spark folder left
    for file in files:
        assert pq.read_schema(spark / "parquet" / file).equals(pq.read_schema(duck / "parquet" / file)), file
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{duck / name}' AS duck (READ_ONLY)")
        con.execute(f"ATTACH '{spark / name}' AS spark (READ_ONLY)")
        tables = "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = ? ORDER BY table_name"
        assert con.execute(tables, ["spark"]).fetchall() == con.execute(tables, ["duck"]).fetchall()
        for (table, _) in con.execute(tables, ["duck"]).fetchall():
            if table == "accord_metadata":  # built_at differs
                continue
            key = [c for (c,) in con.execute("SELECT unnest(constraint_column_names) FROM duckdb_constraints() "
                                             "WHERE database_name = 'duck' AND table_name = ? "
                                             "AND constraint_type = 'PRIMARY KEY'", [table]).fetchall()]
            order = ", ".join(f'"{c}"' for c in key) or "ALL"
            rows = [repr(con.execute(f'SELECT * FROM {db}."{table}" ORDER BY {order}').fetchall())  # NaN == NaN
                    for db in ("duck", "spark")]
            assert rows[1] == rows[0], table


@pytest.mark.slow
def test_build_on_spark_equals_the_duckdb_build(tmp_path):
    """This package: Spark validates and writes the Parquet; the database built from it is DuckDB's."""
    descriptor = copy_package(tmp_path / "package")
    spark = run_accord("build", descriptor, "--engine", "spark", "--db", tmp_path / "spark" / "accord.duckdb")
    duck = run_accord("build", descriptor, "--db", tmp_path / "duck" / "accord.duckdb")
    assert spark.exit_code == duck.exit_code == 0, spark.stderr
    assert spark.stdout.replace(str(tmp_path / "spark"), str(tmp_path / "duck")).splitlines()[1:] == duck.stdout.splitlines()[1:]  # tables, rows, views, files
    assert_same_build(tmp_path / "duck", tmp_path / "spark", "accord.duckdb")


TYPES = {
    "everything": ([{"name": "id", "type": "integer"}, {"name": "n", "type": "number"}, {"name": "b", "type": "boolean"},
                    {"name": "d", "type": "date"}, {"name": "ts", "type": "datetime"}, {"name": "y", "type": "year"},
                    {"name": "li", "type": "list", "itemType": "integer"}, {"name": "words", "type": "list"},
                    {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"], "required": True}},
                    {"name": "big", "type": "integer"}],
                   'id,n,b,d,ts,y,li,words,kind,big\n1,1.5,true,2020-01-02,2020-01-02T03:04:05Z,2020,"1,2",x,a,99999999999999999999\n'
                   "2,,false,,2021-06-30T23:59:59+02:00,,,,b,3\n3,NaN,,2000-02-29,,1999,7,\"y,z\",a,\n"),
    "timed": ([{"name": "t", "type": "time"}, {"name": "note", "type": "string"}],
              "t,note\n12:30:00,x\n,y\n23:59:59.5,z\n10:00:00+02:00,w\n"),
}


def types_package(folder: Path) -> Path:
    resources = [{"name": name, "path": f"{name}.csv", "schema": {"fields": fields}} for name, (fields, _) in TYPES.items()]
    resources[0]["schema"]["primaryKey"] = ["id"]
    (folder / "datapackage.json").write_text(json.dumps({"name": "types", "resources": resources}), encoding="utf-8")
    for name, (_, text) in TYPES.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_build_on_spark_writes_every_type_as_duckdb(tmp_path):
    """Integers (and those wider than 64 bits), numbers, booleans, dates, datetimes, years, lists,
    enums; a TIME column (Spark has no TIME type: DuckDB writes that table's file from Spark's)."""
    types_package(tmp_path)
    for engine in ("spark", "duckdb"):
        run = run_accord("build", tmp_path, "--engine", engine, "--db", tmp_path / engine / "types.duckdb")
        assert run.exit_code == 0, run.stderr
    assert_same_build(tmp_path / "duckdb", tmp_path / "spark", "types.duckdb")


@pytest.mark.parametrize("force", [False, True], ids=["refused", "forced"])
def test_build_on_spark_refuses_invalid_data_as_duckdb(tmp_path, force):
    """Invalid data: the same first line and exit code as on DuckDB; --force builds the same tables."""
    flags = ["--force"] if force else []
    runs = {engine: run_accord("build", FIXTURES / "type-error", "--engine", engine, *flags,
                               "--db", tmp_path / engine / "x.duckdb") for engine in ("spark", "duckdb")}
    assert runs["spark"].exit_code == runs["duckdb"].exit_code == (0 if force else 1)
    assert runs["spark"].stderr.splitlines()[0] == runs["duckdb"].stderr.splitlines()[0]
    if force:
        assert_same_build(tmp_path / "duckdb", tmp_path / "spark", "x.duckdb")
    else:
        assert not any((tmp_path / engine / "x.duckdb").exists() for engine in runs)


def test_build_check_on_spark_runs_the_suites_on_spark(tmp_path):
    types_package(tmp_path)
    (tmp_path / "checks").mkdir()
    suite = {"name": "everything", "meta": {"table": "everything"}, "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "kind"}, "meta": {"rule": "kind-given"}}]}
    (tmp_path / "checks" / "everything.json").write_text(json.dumps(suite), encoding="utf-8")
    run = run_accord("build", tmp_path, "--engine", "spark", "--check", "--db", tmp_path / "out" / "types.duckdb")
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("types: VALID") and "3 passed" in run.stdout and "Built " in run.stdout


# -- Great Expectations' Spark engine, for what accord does not compile -----------------------------

GX_ON_SPARK = {  # types accord does not compile, which GX's SQL engine (the reference) also runs
    "stdev": ("expect_column_stdev_to_be_between", {"column": "score", "min_value": 0, "max_value": 1}),
    "stdev-passes": ("expect_column_stdev_to_be_between", {"column": "score", "min_value": 0, "max_value": 10}),
    "distinct-in-set": ("expect_column_distinct_values_to_be_in_set", {"column": "kind", "value_set": ["x", "y"]}),
    "unique-count": ("expect_column_unique_value_count_to_be_between", {"column": "kind", "min_value": 1, "max_value": 2}),
    "sum": ("expect_column_sum_to_be_between", {"column": "a", "min_value": 0, "max_value": 100}),
    "proportion-unique": ("expect_column_proportion_of_unique_values_to_be_between",
                          {"column": "name", "min_value": 0.95}),
    "not-null": ("expect_column_values_to_not_be_null", {"column": "name"}),  # compiled: Spark SQL
}


def _people_list(folder: Path, cases: dict) -> tuple[Path, Path]:
    """The people table of the expectation-engine tests as resource "people-list" (a name to quote),
    and a suite of the cases on it: (descriptor, checks folder)."""
    from test_expectation_engines import FIELDS, ROWS, suite_file

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "people.csv").write_text(ROWS, encoding="utf-8")
    descriptor = {"name": "people", "resources": [{"name": "people-list", "path": "people.csv",
                                                   "schema": {"fields": FIELDS, "primaryKey": ["id"]}}]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return folder / "datapackage.json", suite_file(folder / "checks", cases, table="people-list")


def test_what_accord_does_not_compile_runs_through_gx_on_spark(tmp_path):
    """An expectation type accord does not compile runs through GX's Spark engine (not "could not
    run"), with the verdict and counts of GX's SQL engine on DuckDB, the reference; the compiled
    ones in the same suite stay on Spark SQL."""
    from accord.check import check
    from test_expectation_engines import outcomes

    descriptor, checks = _people_list(tmp_path, GX_ON_SPARK)
    spark = check(descriptor, engine="spark", expectations="spark", checks_dir=checks)
    duck = check(descriptor, checks_dir=checks)
    on_spark, on_duckdb = outcomes(spark), outcomes(duck)
    assert set(on_spark) == set(GX_ON_SPARK)
    for name in GX_ON_SPARK:
        assert on_spark[name][3] == ("spark" if name == "not-null" else "great_expectations-spark"), name
        assert on_spark[name][0] in ("passed", "failed"), (name, spark.tasks)
        assert on_spark[name][:2] == on_duckdb[name][:2], name
    assert {name for name, found in on_spark.items() if found[0] == "passed"} == {"stdev-passes", "sum"}
    assert any("with Great Expectations on Spark" in note for note in spark.notes)


def test_gx_on_spark_names_the_csv_rows_of_failing_values(tmp_path):
    """A type only GX's pandas and Spark engines know (strftime formats) fails on Spark with its
    unexpected count and the CSV rows of its failing values, found by the primary key."""
    from accord.check import check

    descriptor, checks = _people_list(tmp_path, {"name-is-a-year": (
        "expect_column_values_to_match_strftime_format", {"column": "name", "strftime_format": "%Y"})})
    report = check(descriptor, engine="spark", expectations="spark", checks_dir=checks)
    (task,) = [t for t in report.tasks if t.kind == "expectation"]
    assert (task.engine, task.outcome, task.errors[0].count) == ("great_expectations-spark", "failed", 9)
    assert task.errors[0].row == 2  # id 1 (the header is row 1)
    assert task.errors[0].message.endswith("(9 of 10 values fail; rows 2, 3, 4, 5, 6 ...)")  # the first five
    assert task.errors[0].values == ["Ann", "Bob", "Cy", "Dee", "Ann"]


def test_a_cell_past_max_cell_ends_in_one_line_on_spark(tmp_path):
    """--max-cell holds on Spark's reader too: exit 2, one line naming the file and the limit."""
    from test_limits import long_cell_package, one_error_line

    package = long_cell_package(tmp_path, 3_000_000)
    run = run_accord_process("validate", package, "--engine", "spark", "--max-cell", "1MiB", timeout=300)
    assert run.exit_code == 2, run.stderr[-2000:]
    line = one_error_line(run)
    assert "t.csv" in line and "--max-cell" in line and "1 MiB" in line
    assert run_accord("validate", package, "--engine", "spark", "--format", "json").exit_code == 0  # under 64 MiB


JVM_START = r"""
import json, signal, sys
import pyspark.java_gateway as gateway
calls = []
real = gateway.Popen
def recording(command, **kwargs):
    calls.append(sorted(kwargs))
    return real(command, **kwargs)
gateway.Popen = recording
from accord.spark.session import session
jvm = session().sparkContext._gateway.proc.pid
with open(f"/proc/{jvm}/status") as status:
    ignored = int(next(line for line in status if line.startswith("SigIgn:")).split()[1], 16)
print(json.dumps({"calls": calls, "jvm_ignores_sigint": bool(ignored & (1 << (signal.SIGINT - 1))),
                  "driver_sigint_handled": signal.getsignal(signal.SIGINT) not in (signal.SIG_IGN, signal.SIG_DFL),
                  "popen_restored": gateway.Popen is recording}))
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads the JVM's signal mask from /proc")
def test_the_jvm_is_started_without_python_code_between_fork_and_exec(tmp_path):
    """PySpark's preexec_fn (SIGINT ignored in the JVM) can deadlock the forked child of a process
    with threads; accord starts the JVM with the same effect and no preexec_fn."""
    import subprocess
    import sys

    script = tmp_path / "start_jvm.py"
    script.write_text(JVM_START)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(seen["calls"]) == 1 and "preexec_fn" not in seen["calls"][0], seen
    assert seen["jvm_ignores_sigint"]  # what PySpark's preexec_fn was for: Ctrl-C is the driver's
    assert seen["driver_sigint_handled"] and seen["popen_restored"]  # the driver handles it again (PySpark's handler)

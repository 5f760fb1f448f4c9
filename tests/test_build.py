"""accord build: typed tables, constraints, enums, comments, views, Parquet, refusal and atomicity."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from accord.build import build_package
from accord.errors import DatabaseError, InvalidData, PackageError, UsageError
from accord.package import load_package
from conftest import ENGINE, run_accord
from build_helpers import PEOPLE, demo_package, write_package


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    descriptor = demo_package(root)
    result = build_package(descriptor, root / "build" / "demo.duckdb", engine=ENGINE)
    return result


def connect(result):
    return duckdb.connect(str(result.database), read_only=True)


def test_result_names_the_database_tables_views_and_parquet_files(built):
    assert built.database.name == "demo.duckdb" and built.database.is_file()
    assert built.tables == {"organizations": 3, "people": 3}
    assert built.views == ["people_named", "people_per_organization"]
    assert [p.name for p in built.parquet_files] == ["organizations.parquet", "people.parquet"]
    assert built.parquet_files[0].parent == built.database.parent / "parquet"
    assert built.seconds > 0


def test_table_schema_types_become_duckdb_types(built):
    with connect(built) as con:
        types = dict(con.execute("SELECT table_name || '.' || column_name, data_type FROM duckdb_columns()").fetchall())
        enum_type = con.execute(
            "SELECT logical_type FROM duckdb_types() WHERE type_name = 'organizations_classification'"
        ).fetchone()
    assert types["people.person_id"] == "BIGINT"
    assert types["people.name"] == "VARCHAR"
    assert types["people.active"] == "BOOLEAN"
    assert types["people.score"] == "DOUBLE"
    assert types["people.born"] == "INTEGER"
    assert types["people.updated"] == "TIMESTAMP"
    assert types["organizations.founded"] == "DATE"
    assert types["organizations.aliases"] == "VARCHAR[]"
    assert types["organizations.classification"] == "ENUM('state', 'international-organization', 'organ')"
    assert enum_type == ("ENUM",)


def test_values_are_cast_with_missing_values_booleans_lists_and_utc(built):
    with connect(built) as con:
        people = con.execute("SELECT person_id, active, score, born, updated, email FROM people ORDER BY 1").fetchall()
        aliases = con.execute("SELECT aliases FROM organizations WHERE organization_id = 'coe'").fetchone()[0]
    assert people[0] == (1, True, 1.5, 1970, dt.datetime(2023, 10, 7, 10, 0), "ann@example.org")
    # "n/a" and "" are missing values; +02:00 is converted to UTC
    assert people[1] == (2, False, None, None, dt.datetime(2023, 10, 7, 10, 0), None)
    assert people[2][2] == -2.0
    assert aliases == ["CoE", "Conseil de l'Europe"]


def test_keys_not_null_and_unique_are_declared(built):
    with connect(built) as con:
        constraints = con.execute(
            "SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints()"
        ).fetchall()
        nullable = dict(
            con.execute(
                "SELECT column_name, is_nullable FROM duckdb_columns() WHERE table_name = 'organizations'"
            ).fetchall()
        )
    assert ("people", "PRIMARY KEY", ["person_id"]) in constraints
    assert ("organizations", "PRIMARY KEY", ["organization_id"]) in constraints
    assert ("people", "UNIQUE", ["email"]) in constraints
    assert nullable["name"] is False and nullable["classification"] is False and nullable["parent_id"] is True
    # foreign keys are checked by validation, and named in the column's comment (ddl: declaring them made builds 3x slower)
    assert not [c for c in constraints if c[1] == "FOREIGN KEY"]
    assert built.notes == []


def test_declared_constraints_hold_in_the_database(built, tmp_path):
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(built.database.read_bytes())
    with duckdb.connect(str(copy)) as con:
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO organizations (organization_id, name, classification) VALUES ('x', NULL, 'state')")
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO people (person_id, name) VALUES (1, 'Ann again')")
        with pytest.raises(duckdb.ConversionException):
            con.execute("INSERT INTO organizations VALUES ('x', 'X', 'planet', NULL, NULL, NULL)")


def test_comments_come_from_titles_and_descriptions(built):
    with connect(built) as con:
        tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() "
                                  "WHERE table_name NOT IN ('accord_metadata', 'accord_files')").fetchall())
        columns = dict(con.execute("SELECT table_name || '.' || column_name, comment FROM duckdb_columns()").fetchall())
    assert tables == {"organizations": "Organizations — States and bodies.", "people": "People, one row each."}
    assert columns["organizations.organization_id"] == "A slug."
    assert columns["organizations.name"] == "Name"
    assert columns["people.organization_id"] == "Where they work. (references organizations.organization_id)"
    assert columns["organizations.parent_id"] == "(references organizations.organization_id)"
    assert columns["people.score"] is None


def test_views_from_the_views_folder_are_applied_in_name_order(built):
    with connect(built) as con:
        named = con.execute("SELECT name, organization FROM people_named ORDER BY name").fetchall()
        counts = con.execute("SELECT n FROM people_per_organization WHERE organization_id = 'coe'").fetchone()
    assert ("Ann", "Council of Europe") in named
    assert counts == (1,)


def test_parquet_files_hold_the_rows_types_and_field_descriptions(built):
    organizations, people = built.parquet_files
    table = pq.read_table(organizations)
    assert table.num_rows == 3
    assert str(table.schema.field("aliases").type) == "list<element: string>"
    assert table.column("founded").to_pylist()[0] == dt.date(1949, 5, 5)
    metadata = pq.read_metadata(organizations).metadata
    assert metadata[b"description:organization_id"] == b"A slug."
    assert metadata[b"title"] == b"Organizations"
    schema = json.loads(metadata[b"table_schema"])
    assert schema["primaryKey"] == ["organization_id"]
    assert pq.read_table(people).column("person_id").to_pylist() == [1, 2, 3]


def test_invalid_data_is_refused_with_the_count_and_the_first_error(tmp_path):
    bad = {**PEOPLE, "csv": PEOPLE["csv"].replace("1.5", "lots").replace("1980", "soon")}
    descriptor = demo_package(tmp_path, views=None)
    (tmp_path / "tables" / "people.csv").write_text(bad["csv"], encoding="utf-8")
    with pytest.raises(InvalidData) as caught:
        build_package(descriptor, tmp_path / "out.duckdb", engine=ENGINE)
    message = str(caught.value)
    assert "2 errors" in message and "people, row 2, field score: type-error" in message
    assert "\n" not in message
    assert not (tmp_path / "out.duckdb").exists() and not (tmp_path / "parquet").exists()
    run = run_accord("build", str(descriptor), "--db", str(tmp_path / "out.duckdb"), "--engine", ENGINE)
    assert run.exit_code == 1
    assert run.stderr.startswith("Error: demo is invalid, not built: 2 errors") and run.stderr.count("\n") == 1


def test_force_builds_invalid_data_without_constraints(tmp_path):
    descriptor = demo_package(tmp_path, views=None)
    people = PEOPLE["csv"].replace("1.5", "lots").replace("3,", "1,", 1)  # a bad number and a duplicate key
    (tmp_path / "tables" / "people.csv").write_text(people, encoding="utf-8")
    result = build_package(descriptor, tmp_path / "out.duckdb", force=True, engine=ENGINE)
    assert result.tables == {"organizations": 3, "people": 3}
    assert result.notes[0].startswith("built from invalid data (--force")
    with connect(result) as con:
        assert con.execute("SELECT score FROM people WHERE name = 'Ann'").fetchone() == (None,)
        kinds = {kind for (kind,) in con.execute("SELECT constraint_type FROM duckdb_constraints() "
                                                 "WHERE table_name IN ('people', 'organizations')").fetchall()}
    assert kinds.isdisjoint({"PRIMARY KEY", "FOREIGN KEY", "UNIQUE"})


def test_a_failing_build_leaves_the_previous_database_and_parquet_untouched(tmp_path):
    descriptor = demo_package(tmp_path)
    database = tmp_path / "build" / "demo.duckdb"
    first = build_package(descriptor, database, engine=ENGINE)
    before = {p: p.read_bytes() for p in [database, *first.parquet_files]}
    (tmp_path / "views" / "03_broken.sql").write_text("CREATE VIEW broken AS SELECT * FROM no_such_table;\n")
    with pytest.raises(DatabaseError, match=r"views/03_broken.sql: Catalog Error: Table with name no_such_table"):
        build_package(descriptor, database, engine=ENGINE)
    assert {p: p.read_bytes() for p in before} == before
    leftovers = [p.name for p in database.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert sorted(p.name for p in (database.parent / "parquet").iterdir()) == [
        "organizations.parquet",
        "people.parquet",
    ]


def test_a_rebuild_replaces_the_database_and_the_parquet_folder(tmp_path):
    descriptor = demo_package(tmp_path)
    database = tmp_path / "build" / "demo.duckdb"
    build_package(descriptor, database, engine=ENGINE)
    (tmp_path / "views" / "02_counts.sql").unlink()
    second = build_package(descriptor, database, engine=ENGINE)
    assert second.views == ["people_named"]
    assert (database.parent / "parquet").stat().st_mode & 0o077 != 0  # an ordinary folder, not mkdtemp's 0700


def test_views_may_only_create_views(tmp_path):
    descriptor = demo_package(tmp_path, views={"01.sql": "CREATE VIEW v AS SELECT 1;\nDROP TABLE people;\n"})
    with pytest.raises(PackageError, match=r"views/01.sql: only CREATE VIEW and COMMENT ON statements are allowed, found: DROP TABLE"):
        build_package(descriptor, tmp_path / "out.duckdb", engine=ENGINE)
    assert not (tmp_path / "out.duckdb").exists()


def test_views_cannot_read_files(tmp_path):
    descriptor = demo_package(tmp_path, views={"01.sql": "CREATE VIEW leak AS SELECT * FROM read_csv('/etc/passwd');"})
    with pytest.raises(DatabaseError, match="file system operations are disabled"):
        build_package(descriptor, tmp_path / "out.duckdb", engine=ENGINE)


def test_a_parquet_folder_holding_other_files_is_not_replaced(tmp_path):
    descriptor = demo_package(tmp_path)
    precious = tmp_path / "mine" / "notes.txt"
    precious.parent.mkdir()
    precious.write_text("keep me")
    with pytest.raises(UsageError, match="not only .parquet files"):
        build_package(descriptor, tmp_path / "out.duckdb", parquet_dir=precious.parent, engine=ENGINE)
    assert precious.read_text() == "keep me"


def test_the_parquet_folder_cannot_hold_the_database(tmp_path):
    descriptor = demo_package(tmp_path)
    with pytest.raises(UsageError, match="cannot hold the database"):
        build_package(descriptor, tmp_path / "out" / "demo.duckdb", parquet_dir=tmp_path / "out", engine=ENGINE)
    assert not (tmp_path / "out").exists()


def test_cli_builds_into_the_build_folder_beside_the_package(tmp_path):
    demo_package(tmp_path)
    run = run_accord("build", "--engine", ENGINE, cwd=tmp_path)
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("Built build/demo.duckdb in ")
    assert "organizations  3 rows" in run.stdout and "views: people_named, people_per_organization" in run.stdout
    assert "parquet: build/parquet (2 files)" in run.stdout
    assert (tmp_path / "build" / "demo.duckdb").is_file()
    assert (tmp_path / "build" / "parquet" / "people.parquet").is_file()
    assert run.stderr == ""


def test_help_has_an_example():
    run = run_accord("build", "--help")
    assert run.exit_code == 0 and "Example: accord build" in run.stdout


def test_a_forced_build_loads_invalid_rows_as_validation_read_them(tmp_path):
    descriptor = demo_package(tmp_path, views=None)
    (tmp_path / "tables" / "people.csv").write_text(
        "person_id,name,organization_id,active,score,born,updated,email\n1,Ann,nowhere,maybe,x,y,z\n1\n"
    )
    result = build_package(descriptor, tmp_path / "out.duckdb", force=True, engine=ENGINE)
    with connect(result) as con:
        rows = con.execute("SELECT person_id, name, active, score, born, updated FROM people").fetchall()
    assert result.tables == {"organizations": 3, "people": 2}
    assert rows == [(1, "Ann", None, None, None, None), (1, None, None, None, None, None)]


def test_dialects_number_formats_and_types_the_fast_engine_hands_off_build_as_validated(tmp_path):
    fields = [
        {"name": "amount", "type": "number", "groupChar": ".", "decimalChar": ","},
        {"name": "count", "type": "integer", "bareNumber": False},
        {"name": "day", "type": "date", "format": "%d/%m/%Y"},
        {"name": "seen", "type": "datetime", "format": "%d/%m/%Y %H:%M"},
        {"name": "at", "type": "time"},
        {"name": "ids", "type": "list", "itemType": "integer"},
        {"name": "extra", "type": "object"},
        {"name": "note", "type": "string"},
    ]
    csv = (
        "amount;count;day;seen;at;ids;extra;note\n"
        '1.234,5;about 12 items;02/01/2020;02/01/2020 10:30;08:15:00;1,2,3;{"a": 1};""\n'
    )
    descriptor = write_package(
        tmp_path,
        {"things": {"schema": {"fields": fields, "missingValues": ["-"]}, "dialect": {"delimiter": ";"}, "csv": csv}},
    )
    for engine in ("duckdb", "frictionless"):
        result = build_package(descriptor, tmp_path / engine / "out.duckdb", engine=engine)
        with connect(result) as con:
            row = con.execute("SELECT amount, count, day, seen, \"at\", ids, extra->>'a', note FROM things").fetchone()
            extra_type = con.execute("SELECT data_type FROM duckdb_columns() WHERE column_name = 'extra'").fetchone()
        assert row == (1234.5, 12, dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 10, 30), dt.time(8, 15), [1, 2, 3], "1", "")
        assert extra_type == ("JSON",)


def test_a_value_validation_refuses_is_never_built(tmp_path):
    descriptor = write_package(
        tmp_path, {"numbers": {"schema": {"fields": [{"name": "n", "type": "integer"}]}, "csv": "n\nten\n"}}
    )
    with pytest.raises(InvalidData, match=r"numbers, row 2, field n: type-error"):
        build_package(descriptor, tmp_path / "out.duckdb")


def test_a_resource_that_cannot_be_read_is_not_built(tmp_path):
    descriptor = write_package(tmp_path, {"things": {"schema": {"fields": [{"name": "a"}]}, "csv": "a\n1\n"}})
    data = json.loads(descriptor.read_text())
    data["resources"][0]["format"] = "xlsx"
    descriptor.write_text(json.dumps(data))
    with pytest.raises(PackageError, match="cannot be read"):
        build_package(descriptor, tmp_path / "out.duckdb")


def test_default_database_path_is_safe_for_any_package_name(tmp_path):
    from accord.build import default_database_path

    descriptor = write_package(tmp_path, {}, name="../../etc/evil")
    assert default_database_path(load_package(descriptor)) == descriptor.parent / "build" / "etc-evil.duckdb"


def test_the_default_database_is_beside_the_package_wherever_the_command_runs(tmp_path):
    descriptor = demo_package(tmp_path / "pkg")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert run_accord("build", str(descriptor), cwd=elsewhere).exit_code == 0
    assert (tmp_path / "pkg" / "build" / "demo.duckdb").is_file() and not (elsewhere / "build").exists()
    run = run_accord("query", "select count(*) as n from people", "-p", str(descriptor), "--format", "csv", cwd=elsewhere)
    assert run.exit_code == 0 and run.stdout.splitlines() == ["n", "3"]


@pytest.mark.slow
def test_the_database_opens_in_duckdb_1_1(ours, tmp_path):
    """Written in the storage format DuckDB 1.1 reads: our database, its views, comments and
    metadata, read with DuckDB 1.1.3 in its own environment."""
    import subprocess
    import sys

    env = tmp_path / "duckdb-1.1"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    installed = subprocess.run([str(env / "bin" / "pip"), "install", "-q", "duckdb==1.1.3"], capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr[-300:]  # PyPI is reachable here and in CI
    probe = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(duckdb.__version__)\n"
        "print(con.execute('SELECT count(*) FROM memberships_named').fetchone()[0])\n"
        "print(con.execute(\"SELECT value FROM accord_metadata WHERE key = 'package'\").fetchone()[0])\n"
        "print(con.execute(\"SELECT comment FROM duckdb_views() WHERE view_name = 'memberships_named'\").fetchone()[0] is not None)\n"
        "print(con.execute('SELECT count(*) FROM statements AS x JOIN source_texts AS t USING (source_id) '\n"
        "                  'WHERE substring(t.text, x.evidence_start + 1, x.evidence_end - x.evidence_start) = x.evidence').fetchone()[0])\n"
    )
    done = subprocess.run([str(env / "bin" / "python"), "-c", probe, str(ours.database)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-1000:]
    with connect(ours) as con:
        quoted = con.execute("SELECT count(*) FROM statements WHERE evidence IS NOT NULL").fetchone()[0]
    assert done.stdout.split() == ["1.1.3", str(ours.tables["memberships"]), "accord", "True", str(quoted)]


def test_a_forced_build_pads_short_rows_beside_quoted_line_breaks(tmp_path):
    """DuckDB pads short rows in parallel, but not where quoted cells hold line breaks: that
    read goes to one thread, with the same rows."""
    descriptor = demo_package(tmp_path, views=None)
    (tmp_path / "tables" / "people.csv").write_text(
        "person_id,name,organization_id,active,score,born,updated,email\n"
        + "".join(f'{i},"Ann\nof line {i}"\n' for i in range(1, 3000))
    )
    data = json.loads(descriptor.read_text())
    data["resources"][1]["dialect"] = {"header": True, "headerRows": [1]}  # frictionless's sniffer would guess row 2
    descriptor.write_text(json.dumps(data))
    result = build_package(descriptor, tmp_path / "out.duckdb", force=True)
    with connect(result) as con:
        rows = con.execute("SELECT person_id, name, email FROM people ORDER BY rowid LIMIT 2").fetchall()
    assert result.tables["people"] == 2999
    assert rows == [(1, "Ann\nof line 1", None), (2, "Ann\nof line 2", None)]


def test_build_check_runs_the_suites_on_the_same_read_and_builds_only_if_they_pass(tmp_path):
    from check_helpers import Tables
    from conftest import copy_package

    descriptor = copy_package(tmp_path / "package", checks=True)
    run = run_accord("build", str(descriptor), "--check", "--db", str(tmp_path / "ok" / "accord.duckdb"))
    assert run.exit_code == 0, run.stderr
    assert run.stdout.startswith("accord: VALID") and "Built " in run.stdout
    tables = Tables(descriptor)
    tables.row("memberships", "kazakh-mfa-2023-10-07:kazakhstan-member-greco").update(start_date="2020-01-01", end_date="2019-12", status="ended")
    tables.save()
    run = run_accord("build", str(descriptor), "--check", "--db", str(tmp_path / "bad" / "accord.duckdb"))
    assert run.exit_code == 1
    assert "memberships/date-order" in run.stdout and "Built " not in run.stdout
    assert run.stderr.startswith("Error: accord fails `accord check`, not built: 1 error; first: memberships")
    assert not (tmp_path / "bad" / "accord.duckdb").exists()


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    """This repository's package (with its suites, which declare the source_texts table), built."""
    from conftest import copy_package

    root = tmp_path_factory.mktemp("ours")
    descriptor = copy_package(root / "package", checks=True)
    import os

    os.environ["SOURCE_DATE_EPOCH"] = str(int(dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc).timestamp()))
    try:  # reproducible builds record SOURCE_DATE_EPOCH as their time
        return build_package(descriptor, root / "accord.duckdb", engine=ENGINE)
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


def test_the_metadata_table_names_the_package_version_build_and_licences(ours):
    from accord import __version__

    with connect(ours) as con:
        metadata = dict(con.execute("SELECT key, value FROM accord_metadata").fetchall())
    descriptor = json.loads((ours.database.parent / "package" / "datapackage.json").read_text(encoding="utf-8"))
    assert metadata["package"] == "accord" and metadata["version"] == descriptor["version"]
    assert metadata["built_at"] == "2026-01-02T03:04:05+00:00"
    assert metadata["built_with"] == f"accord {__version__}, DuckDB {duckdb.__version__}"
    assert json.loads(metadata["licenses"]) == descriptor["licenses"]


def test_the_files_table_holds_each_resource_files_size_and_sha256(ours):
    import hashlib

    with connect(ours) as con:
        files = con.execute("SELECT resource, path, bytes, sha256 FROM accord_files ORDER BY resource").fetchall()
    package = ours.database.parent / "package"
    assert sorted(r for r, *_ in files) == sorted(ours.tables)
    for _, path, size, digest in files:
        data = (package / path).read_bytes()
        assert (size, digest) == (len(data), hashlib.sha256(data).hexdigest())


def test_the_source_texts_let_sql_verify_every_evidence_quote(ours):
    with connect(ours) as con:
        texts = con.execute("SELECT count(*), count(text) FROM source_texts").fetchone()
        checked, mismatched = con.execute("""
            SELECT count(*), count(*) FILTER (WHERE substring(t.text, x.evidence_start + 1,
                                                              x.evidence_end - x.evidence_start) <> x.evidence)
            FROM statements AS x JOIN source_texts AS t USING (source_id)""").fetchone()
        quoted = con.execute("SELECT count(*) FROM statements WHERE evidence IS NOT NULL").fetchone()[0]
    assert texts[0] == texts[1] >= 1
    assert checked == quoted >= 1 and mismatched == 0


def test_every_view_and_view_column_is_commented(ours):
    with connect(ours) as con:
        views = con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall()
        uncommented = con.execute("""
            SELECT c.table_name || '.' || c.column_name FROM duckdb_columns() AS c
            JOIN duckdb_views() AS v ON v.view_name = c.table_name AND NOT v.internal
            WHERE c.comment IS NULL""").fetchall()
        member_kinds = con.execute("SELECT DISTINCT member_kind FROM memberships_named ORDER BY 1").fetchall()
    assert sorted(v for v, _ in views) == sorted(ours.views) and all(comment for _, comment in views)
    assert uncommented == []
    assert member_kinds == [("organization",), ("person",)]


def test_a_small_package_makes_a_small_database(ours):
    csv_bytes = sum((ours.database.parent / "package" / "tables" / f"{t}.csv").stat().st_size for t in ours.tables)
    assert ours.database.stat().st_size < 30 * csv_bytes  # 16 KiB blocks: 0.7 MB for 50 KB (256 KiB: 6 MB)


def test_builds_memory_has_room_for_its_key_indexes(tmp_path):
    """DuckDB holds a key's index in memory while build writes it (a 1 GB limit ran out at 15.7M
    rows): the budget counts each key once (a one-field primary key is also a unique field), for
    the rows the byte scan counted, without opening the file again."""
    import tempfile

    from accord import sql
    from accord.validate.compressed import ExpandedFiles
    from accord.validate.planner import plan_package
    from accord.validate.reader import INDEX_BYTES_PER_KEY, WORKING_MEMORY, index_room, memory_for

    lines = [f"{i},x\n" for i in range(50_000)] + [f"{i},{'y' * 60}\n" for i in range(50_000, 200_000)]
    (tmp_path / "t.csv").write_text("id,name\n" + "".join(lines), encoding="utf-8")
    fields = [{"name": "id", "type": "integer"}, {"name": "name", "type": "string", "constraints": {"unique": True}}]
    descriptor = {"name": "p", "resources": [{"name": "t", "path": "t.csv", "schema": {"fields": fields, "primaryKey": "id"}}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    plans = list(plan_package(load_package(tmp_path), "all", ExpandedFiles(Path(tempfile.mkdtemp(dir=tmp_path)))).tables.values())
    assert index_room(plans) == 2 * INDEX_BYTES_PER_KEY * 200_001  # two keys (id, the unique name); the header's line
    assert memory_for(plans, indexes=False) == sql.MEMORY_LIMIT
    assert memory_for(plans, indexes=True) == max(sql.MEMORY_LIMIT, WORKING_MEMORY + index_room(plans))

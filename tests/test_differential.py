"""The DuckDB engine against frictionless: same verdict, same (code, table, row, field).

Fixture packages live in tests/fixtures/differential/<case>/ (each datapackage.json says what
it shows). Random small tables add cases no one wrote by hand. Where the engines deliberately
differ (docs/validation-engine.md, "Differences"), a test below shows each difference.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.validate import validate
from differential_helpers import CASES, FIXTURES, error_keys, handed_off, run_both, table, write_package

# tables each case hands to frictionless on purpose; every other table stays on DuckDB
HANDED_OFF = {"handed-off": {"shapes", "uses"}}


def handed_off_tables(report) -> set[str]:
    return {note.split(":")[0] for note in handed_off(report)}


@pytest.mark.parametrize("case", CASES)
def test_engines_agree(case):
    duck, reference = run_both(FIXTURES / case)
    assert error_keys(duck) == error_keys(reference)
    assert duck.valid == reference.valid
    assert duck.status == reference.status
    assert handed_off_tables(duck) == HANDED_OFF.get(case, set())


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if re.fullmatch(r"[a-z]+(-[a-z]+)*-(label|row|cell|error|key)|primary-key|foreign-key", c)],
)
def test_each_error_code_fixture_shows_its_code(case):
    report = validate(FIXTURES / case, engine="duckdb")
    assert case in {e.code for e in report.all_errors()}


def test_the_corpus_covers_every_supported_error_code():
    codes = set()
    for case in CASES:
        codes |= {e.code for e in validate(FIXTURES / case, engine="duckdb").all_errors()}
    assert codes >= {
        "incorrect-label", "missing-label", "extra-label", "duplicate-label", "blank-label",
        "blank-row", "extra-cell", "missing-cell", "encoding-error", "type-error",
        "constraint-error", "unique-error", "primary-key", "foreign-key", "row-count",
    }


def test_valid_fixture_is_valid_on_both_engines():
    duck, reference = run_both(FIXTURES / "valid")
    assert duck.valid and reference.valid
    assert [t.engine for t in duck.tasks] == ["duckdb", "duckdb"]


# -- random small tables ------------------------------------------------------------------------

VALUES = {
    "integer": ["1", "-5", "+7", " 8 ", "08", "1_000", "1.0", "abc", "٣", "2"],
    "number": ["1.5", "-.5", "1e3", "inf", "NaN", "1_0.5", "1,5", "abc", "2", "2.0"],
    "boolean": ["true", "False", "1", "0", "yes", " true"],
    "date": ["2020-01-02", "2020-1-2", "2020-02-30", "2021-02-29", "2020-01-02T00:00:00"],
    "datetime": ["2020-01-02T10:20:30", "2020-01-02T10:20:30Z", "2020-01-02T11:20:30+01:00", "2020-01-02 10:20", "2020-01-02T24:00:00"],
    "time": ["10:20:30", "10:20:30Z", "24:00:00", "10:20", "25:00:00"],
    "year": ["2020", "0000", "-001", "+999", "10000"],
    "string": ["a", "abc", "Zürich", "x y", "a,b", "ab"],
}
MISSING = ["", "NA"]


@st.composite
def random_package(draw, folder: Path) -> Path:
    kinds = draw(st.lists(st.sampled_from(sorted(VALUES)), min_size=1, max_size=4))
    fields = []
    for index, kind in enumerate(kinds):
        field = {"name": f"f{index}", "type": kind}
        constraints = {}
        if draw(st.booleans()):
            constraints["required"] = True
        if draw(st.integers(0, 4)) == 0:
            constraints["unique"] = True
        if draw(st.integers(0, 4)) == 0:
            constraints["enum"] = draw(st.lists(st.sampled_from(VALUES[kind]), min_size=1, max_size=3))
        if kind == "string" and draw(st.booleans()):
            constraints["pattern"] = draw(st.sampled_from(["[a-z]+", "a|b", r"\w+"]))
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    schema = {}
    if draw(st.booleans()):
        schema["primaryKey"] = ["f0"]
    if len(fields) > 1 and draw(st.integers(0, 3)) == 0:
        schema["foreignKeys"] = [{"fields": ["f1"], "reference": {"resource": "", "fields": ["f0"]}}]
    rows = draw(
        st.lists(
            st.lists(st.one_of(*(st.sampled_from(VALUES[k] + MISSING) for k in kinds)), min_size=0, max_size=len(kinds) + 1),
            max_size=12,
        )
    )
    lines = [",".join(f["name"] for f in fields)]
    lines += [",".join(f'"{v}"' if "," in v else v for v in row) for row in rows]
    return write_package(folder, [table("t", fields, **schema)], {"t.csv": "\n".join(lines) + "\n"})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_engines_agree_on_random_tables(tmp_path_factory, data):
    path = data.draw(random_package(tmp_path_factory.mktemp("random")))
    duck = validate(path, engine="duckdb")
    try:
        reference = validate(path, engine="frictionless")
    except TypeError:  # frictionless 5 fails on some values (see the documented differences)
        return
    assert error_keys(duck) == error_keys(reference)
    assert duck.valid == reference.valid


# -- documented differences (docs/validation-engine.md) -------------------------------------------


def one_table(tmp_path: Path, fields, csv: str, **schema) -> Path:
    return write_package(tmp_path / "package", [table("t", fields, **schema)], {"t.csv": csv})


def keys(report) -> set[tuple]:
    return {k for k in error_keys(report)}


def assert_frictionless_crashes(path, cause: str) -> None:
    """The reference crashes (TypeError); accord reports that as a task that could not run."""
    (task,) = validate(path, engine="frictionless").tasks
    assert task.outcome == "error"
    assert [e.code for e in task.errors] == ["engine-error"]
    assert "TypeError" in task.errors[0].message and cause in task.errors[0].message


def test_difference_list_field_in_a_key(tmp_path):
    """frictionless cannot hash a list (TypeError); accord compares the cells' text."""
    path = one_table(tmp_path, [{"name": "tags", "type": "list"}], "tags\n\"a,b\"\n\"a,b\"\n", primaryKey=["tags"])
    assert_frictionless_crashes(path, "unhashable")
    assert keys(validate(path, engine="duckdb")) == {("primary-key", "t", 3, None)}


def test_difference_signalling_nan_in_a_unique_field(tmp_path):
    """frictionless cannot hash Decimal('sNaN') (TypeError); accord finds NaN equal to nothing."""
    fields = [{"name": "n", "type": "number", "constraints": {"unique": True}}]
    path = one_table(tmp_path, fields, "n\nsNaN\nsNaN\n")
    assert_frictionless_crashes(path, "signaling NaN")
    assert validate(path, engine="duckdb").valid


def test_difference_naive_and_aware_datetimes_compared(tmp_path):
    """frictionless cannot order a naive and an aware datetime (TypeError); accord reads a
    naive datetime as UTC."""
    fields = [{"name": "at", "type": "datetime", "constraints": {"minimum": "2020-01-01T00:00:00Z"}}]
    path = one_table(tmp_path, fields, "at\n2019-12-31T23:00:00\n2020-06-01T00:00:00\n")
    assert_frictionless_crashes(path, "offset-naive and offset-aware")
    assert keys(validate(path, engine="duckdb")) == {("constraint-error", "t", 2, "at")}


def test_difference_encoding_error_stops_the_table(tmp_path):
    """frictionless also reports errors in rows decoded before the bad byte; accord reports
    the encoding error alone, as the file must be fixed first (exit 2 either way)."""
    rows = "".join(f"{i},name {i}\n" for i in range(2, 9000))
    data = ("id,name\nx,first\n" + rows).encode() + b"9000,caf\xe9\n"
    path = write_package(tmp_path / "package", [table("t", "id:integer,name")], {"t.csv": data})
    duck, reference = run_both(path)
    assert keys(reference) == {("type-error", "t", 2, "id"), ("encoding-error", "t", None, None)}
    assert keys(duck) == {("encoding-error", "t", None, None)}
    assert duck.status == reference.status == "unreadable"
    assert duck.tasks[0].notes


def test_difference_iso_week_dates(tmp_path):
    """dateutil reads ISO week dates (2020-W01-1); accord does not."""
    path = one_table(tmp_path, [{"name": "at", "type": "datetime"}], "at\n2020-W01-1T10:00:00\n")
    duck, reference = run_both(path)
    assert reference.valid
    assert keys(duck) == {("type-error", "t", 2, "at")}


def test_difference_integers_beyond_38_digits(tmp_path):
    """Python's int has no limit; accord reads integers as DECIMAL(38, 0)."""
    path = one_table(tmp_path, [{"name": "n", "type": "integer"}], "n\n" + "9" * 39 + "\n")
    duck, reference = run_both(path)
    assert reference.valid
    assert keys(duck) == {("type-error", "t", 2, "n")}


def test_difference_numbers_are_doubles(tmp_path):
    """frictionless compares numbers as Decimal; accord as DOUBLE (about 16 significant digits)."""
    fields = [{"name": "n", "type": "number", "constraints": {"unique": True}}]
    path = one_table(tmp_path, fields, "n\n0.1\n0.10000000000000001\n")
    duck, reference = run_both(path)
    assert reference.valid
    assert keys(duck) == {("unique-error", "t", 3, "n")}


def test_difference_unicode_digits_in_dates(tmp_path):
    """strptime's %Y reads any Unicode digit; accord reads ASCII digits in dates (it reads
    Unicode digits in integers, numbers and years, as Python does)."""
    path = one_table(tmp_path, [{"name": "d", "type": "date"}, {"name": "n", "type": "integer"}], "d,n\n٢٠٢٠-01-02,٣\n")
    duck, reference = run_both(path)
    assert reference.valid
    assert keys(duck) == {("type-error", "t", 2, "d")}


def test_difference_internationalised_email_domains(tmp_path):
    """validators encodes the domain with IDNA (a label is at most 63 bytes once encoded);
    accord counts a non-ASCII character as one letter."""
    long_label = "é" * 60
    fields = [{"name": "e", "type": "string", "format": "email"}]
    path = one_table(tmp_path, fields, f"e\nuser@exämple.com\nuser@{long_label}.com\n")
    duck, reference = run_both(path)
    assert keys(reference) == {("type-error", "t", 3, "e")}
    assert duck.valid


def test_difference_time_zone_seconds_in_strptime(tmp_path):
    """%z may carry seconds (+01:00:30); accord keeps hours and minutes of the offset."""
    fields = [{"name": "at", "type": "datetime", "format": "%Y-%m-%dT%H:%M:%S%z", "constraints": {"unique": True}}]
    path = one_table(tmp_path, fields, "at\n2020-01-01T10:00:00+01:00:30\n2020-01-01T10:00:00+01:00\n")
    duck, reference = run_both(path)
    assert reference.valid
    assert keys(duck) == {("unique-error", "t", 3, "at")}


def test_engines_agree_on_key_errors_past_the_error_limit(tmp_path):
    """A one-field primary key that is also unique (the engine finds its duplicates once) and
    two foreign keys, broken in interleaved rows well past the
    1000-error limit: the same first 1000 errors, in the same order."""
    rows = ["id,parent,other"]
    for i in range(1500):
        key = "" if i % 7 == 0 else str(i // 2)  # missing keys, and each other key twice
        parent = str(i + 5000) if i % 3 == 0 else "1"  # a dangling reference every third row
        other = "" if i % 5 else "1"  # a string never equals an integer key: always dangling
        rows.append(f"{key},{parent},{other}")
    fields = [
        {"name": "id", "type": "integer", "constraints": {"unique": True}},
        {"name": "parent", "type": "integer"},
        {"name": "other", "type": "string"},
    ]
    foreign_keys = [
        {"fields": ["parent"], "reference": {"resource": "", "fields": ["id"]}},
        {"fields": ["other"], "reference": {"resource": "", "fields": ["id"]}},
    ]
    path = write_package(
        tmp_path / "package", [table("t", fields, primaryKey=["id"], foreignKeys=foreign_keys)],
        {"t.csv": "\n".join(rows) + "\n"},
    )
    duck, reference = run_both(path)
    assert [e.key() for e in duck.all_errors()] == [e.key() for e in reference.all_errors()]
    assert len(duck.all_errors()) == 1000
    assert {e.code for e in duck.all_errors()} == {"unique-error", "primary-key", "foreign-key"}

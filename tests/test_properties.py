"""Property-based tests: random small packages, random corruptions.

For any table hypothesis makes (fields of five types with required, unique, enum, pattern and
range constraints, a primary key, a foreign key to a second table) and any corruption of it
(wrong types, broken constraints, duplicate and dangling keys, ragged and blank rows, stray
quotes, line endings and NUL bytes), the DuckDB engine and frictionless reach the same verdict
on the same errors (code, table, row, field); and `validate`, `build` and `info` end with an
exit code, never a traceback. A build that succeeds holds exactly what frictionless reads.

The budget is fixed and the examples derandomized, so a run is repeatable and stays well under
two minutes. Profiles: HYPOTHESIS_PROFILE=ci (the default budget, with the failing example
printed as a reproduction blob) or explore (500 random examples, to hunt for new bugs).
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import os
import tempfile
from pathlib import Path

import duckdb
import pytest
from accord.report import Report
from accord.validate import validate
from conftest import run_accord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow  # hypothesis: a fixed budget of generated cases, about 20 s

settings.register_profile(
    "accord",
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("ci", parent=settings.get_profile("accord"), print_blob=True)
settings.register_profile("explore", parent=settings.get_profile("accord"), max_examples=500, derandomize=False)
BUDGET = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "accord"))

TYPES = ("integer", "number", "boolean", "date", "string")
# Cells valid for the type and inside every range constraint the fields below can have.
VALID_CELLS = {
    "integer": st.integers(-400, 400).map(str),
    "number": st.one_of(
        st.integers(-400, 400).map(str),
        st.decimals(-400, 400, places=2, allow_nan=False, allow_infinity=False).map(str),
    ),
    "boolean": st.sampled_from(["true", "false", "True", "FALSE", "1", "0"]),
    "date": st.dates(dt.date(1960, 1, 1), dt.date(2040, 12, 31)).map(dt.date.isoformat),
    "string": st.text(alphabet="abcxyz é,\"'\n", min_size=1, max_size=6),
}
# Text that is wrong for some type, or on some edge of reading one.
ODD_CELLS = st.sampled_from(
    ["", " ", "x", "yes", "1.5", "1,000", " 7", "7 ", "+3", "-0", "1e3", "NaN", "INF", "0x10", "٣",
     "2023-02-30", "2023-1-5", "07/10/2023", "2023-10-07T10:00:00", "a\nb", 'q"uote', "é", "zzz", "-999", "d"]
)
ENUMS = {"integer": [1, 2, 3], "number": [1.5, 2], "string": ["a", "b", "xyz"]}
BOUNDS = {"integer": (-500, 500), "number": (-500.5, 500.5), "date": ("1950-01-01", "2050-12-31")}
PARENT_FIELDS = [{"name": "id", "type": "string"}, {"name": "label", "type": "string"}]


@st.composite
def fields(draw) -> list[dict]:
    out = []
    for number in range(draw(st.integers(1, 4))):
        type_ = draw(st.sampled_from(TYPES))
        constraints = {}
        if draw(st.booleans()):
            constraints["required"] = True
        if draw(st.integers(0, 4)) == 0:
            constraints["unique"] = True
        if type_ in ENUMS and draw(st.integers(0, 3)) == 0:
            constraints["enum"] = [str(v) for v in ENUMS[type_]] if type_ == "string" else ENUMS[type_]
        if type_ == "string" and draw(st.integers(0, 3)) == 0:
            constraints["pattern"] = "[a-c]*"
        if type_ in BOUNDS and draw(st.integers(0, 3)) == 0:
            low, high = BOUNDS[type_]
            constraints.update({"minimum": low} if draw(st.booleans()) else {"maximum": high})
        out.append({"name": f"f{number}", "type": type_, **({"constraints": constraints} if constraints else {})})
    return out


@st.composite
def valid_cell(draw, field: dict, index: int, key: bool) -> str:
    """A cell that meets the field's type and constraints; distinct per row index where it is a key."""
    type_, constraints = field["type"], field.get("constraints", {})
    if "enum" in constraints:
        return str(draw(st.sampled_from(constraints["enum"])))
    if "pattern" in constraints:
        return "abc"[index % 3] * (index // 3 + 1) if key else draw(st.text("abc", min_size=1, max_size=4))
    if key or constraints.get("unique"):
        day = dt.date(2000, 1, 1) + dt.timedelta(index)
        unique = {"integer": str(index), "number": f"{index}.5", "date": day.isoformat(), "string": f"k{index}"}
        if type_ in unique:
            return unique[type_]
    return draw(VALID_CELLS[type_])


@st.composite
def packages(draw) -> dict:
    """{"resources": [...], "files": {name: text}}: a parent table and a child table that may reference it."""
    parent_ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=4, unique=True))
    parent_rows = [[pid, f"label {i}"] for i, pid in enumerate(parent_ids)]
    parent = {"name": "parent", "schema": {"fields": PARENT_FIELDS, "primaryKey": ["id"]}}
    child_fields = draw(fields())
    schema: dict = {"fields": child_fields}
    key = draw(st.sampled_from(child_fields))["name"] if draw(st.booleans()) else None
    if key:
        schema["primaryKey"] = [key]
    references = bool(parent_ids) and draw(st.booleans())
    rows = [[draw(valid_cell(f, i, f["name"] == key)) for f in child_fields] for i in range(draw(st.integers(0, 6)))]
    if references:
        child_fields.append({"name": "parent_id", "type": "string"})
        schema["foreignKeys"] = [{"fields": ["parent_id"], "reference": {"resource": "parent", "fields": ["id"]}}]
        for row in rows:
            row.append(draw(st.sampled_from(parent_ids)))
    header = [f["name"] for f in child_fields]
    return {
        "resources": [parent, {"name": "child", "schema": schema}],
        "files": {
            "parent.csv": draw(corrupted(["id", "label"], parent_rows)),
            "child.csv": draw(corrupted(header, rows)),
        },
    }


@st.composite
def corrupted(draw, header: list[str], rows: list[list[str]]) -> str:
    """The table as CSV text, after none or a few random corruptions of its cells, rows or bytes."""
    rows = [list(r) for r in rows]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        kind = draw(st.sampled_from(["odd-cell", "odd-cell", "dangling", "duplicate", "short", "long", "blank"]))
        row = draw(st.sampled_from(rows)) if rows else None
        if kind == "blank":
            rows.insert(draw(st.integers(0, len(rows))), [""] * len(header))
        elif row is None:
            continue
        elif kind == "odd-cell" and row:
            row[draw(st.integers(0, len(row) - 1))] = draw(ODD_CELLS)
        elif kind == "dangling" and row:
            row[-1] = draw(st.sampled_from(["zzz", "", "A"]))  # the foreign key, where there is one
        elif kind == "duplicate":
            rows.append(list(row))
        elif kind == "short" and row:
            row.pop()
        elif kind == "long":
            row.append("extra")
    text = _csv(header, rows)
    if draw(st.integers(0, 4)) == 0:  # a byte-level accident somewhere after the header
        start = len(_csv(header, []))
        at = draw(st.integers(start, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', "\r\n", "\r", ",", "\x00", "\n\n", '""'])) + text[at:]
    return text


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write(folder: Path, package: dict) -> Path:
    resources = [{**r, "path": f"{r['name']}.csv", "format": "csv"} for r in package["resources"]]
    for name, text in package["files"].items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    descriptor = folder / "datapackage.json"
    descriptor.write_text(json.dumps({"name": "generated", "resources": resources}, indent=2), encoding="utf-8")
    return descriptor


def _keys(report: Report) -> set[tuple]:
    return {e.key() for e in report.all_errors()}


def _no_crash(run) -> None:
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    assert run.exit_code in (0, 1, 2)


def _comparable(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


@settings(BUDGET)
@given(package=packages())
def test_the_duckdb_engine_and_frictionless_agree(package):
    with tempfile.TemporaryDirectory() as folder:
        descriptor = _write(Path(folder), package)
        duck, reference = validate(descriptor, engine="duckdb"), validate(descriptor, engine="frictionless")
        assert (duck.valid, duck.status) == (reference.valid, reference.status)
        assert _keys(duck) == _keys(reference)


@settings(BUDGET)
@given(package=packages())
def test_validate_build_and_info_never_crash_and_a_build_loses_nothing(package):
    from frictionless import Package

    with tempfile.TemporaryDirectory() as folder:
        descriptor = _write(Path(folder), package)
        database = Path(folder) / "out" / "db.duckdb"
        checked = run_accord("validate", str(descriptor), cwd=Path(folder))
        built = run_accord("build", str(descriptor), "--db", str(database), cwd=Path(folder))
        for run in (checked, built, run_accord("info", str(descriptor), cwd=Path(folder))):
            _no_crash(run)
        assert built.exit_code == checked.exit_code, built.stderr
        if built.exit_code != 0:
            assert not database.exists()
            return
        reference = Package(str(descriptor))
        with duckdb.connect(str(database), read_only=True) as con:
            for resource in reference.resources:
                names = resource.schema.field_names
                expected = [tuple(_comparable(row[n]) for n in names) for row in resource.read_rows()]
                columns = ", ".join(f'"{n}"' for n in names)
                assert con.execute(f"SELECT {columns} FROM {resource.name}").fetchall() == expected


# Descriptors: random edits of a valid one. Whatever they are, every command ends with an exit code.
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "x", "id", "../x.csv", "string"])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["name", "type", "fields"]), inner, max_size=2)
    ),
    max_leaves=6,
)


def _paths(value, prefix=()):
    """Every (path, value) inside a JSON value, the root included."""
    yield prefix, value
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, inner in items:
        yield from _paths(inner, (*prefix, key))


@st.composite
def edited_descriptors(draw) -> dict:
    descriptor = {
        "name": "edited",
        "resources": [
            {"name": "parent", "path": "parent.csv", "format": "csv", "schema": {
                "fields": [{"name": "id", "type": "string"}, {"name": "label", "type": "string"}],
                "primaryKey": ["id"]}},
            {"name": "child", "path": "child.csv", "format": "csv", "dialect": {"delimiter": ","}, "schema": {
                "fields": [{"name": "id", "type": "integer", "constraints": {"required": True, "minimum": 0}},
                           {"name": "parent_id", "type": "string"}],
                "foreignKeys": [{"fields": ["parent_id"], "reference": {"resource": "parent", "fields": ["id"]}}]}},
        ],
    }
    for _ in range(draw(st.integers(1, 3))):
        places = [p for p, _ in _paths(descriptor) if p]
        if not places:
            break
        path = draw(st.sampled_from(places))
        target = descriptor
        for key in path[:-1]:
            target = target[key]
        if draw(st.integers(0, 4)) == 0 and isinstance(target, dict):
            del target[path[-1]]
        else:
            target[path[-1]] = draw(JSON_VALUES)
    return descriptor


@settings(BUDGET)
@given(descriptor=edited_descriptors())
def test_any_edit_of_a_descriptor_ends_with_an_exit_code_not_a_traceback(descriptor):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "parent.csv").write_text("id,label\na,A\nb,B\n", encoding="utf-8")
        (root / "child.csv").write_text("id,parent_id\n1,a\n2,b\n", encoding="utf-8")
        (root / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
        for args in (["validate"], ["validate", "--engine", "frictionless"], ["build", "--db", "out/db.duckdb"],
                     ["info"]):
            _no_crash(run_accord(*args, ".", cwd=root))

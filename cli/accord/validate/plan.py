"""The validation plan: what the DuckDB engine checks in each table, and the names of the
columns its SQL uses. Types only; accord.validate.planner fills them from frictionless.

A table's checked relation has, per field number n: c<n> the cell's text, m<n> whether it is
missing, v<n> its typed value (NULL when missing or not of the type), a<n> whether a datetime or
time had a time zone (kept where equality matters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.package import Resource
from accord.report import Error

MAX_ERRORS = 1000  # per table, as frictionless's limit_errors

SUPPORTED_ENCODINGS = ("utf-8", "utf-8-sig")
SUPPORTED_STRING_FORMATS = ("default", "email", "uri", "uuid")
SUPPORTED_LIST_ITEM_TYPES = ("string", "integer", "number", "boolean")
TEMPORAL_TYPES = ("date", "datetime", "time")
SUPPORTED_TYPES = ("string", "integer", "number", "boolean", "year", "list", "any", *TEMPORAL_TYPES)
# strptime directives the engine reads (ASCII digits only); others go to frictionless
SUPPORTED_STRPTIME_DIRECTIVES = set("YymdHMSfz%")


class HandOff(Exception):
    """This table goes to frictionless; the message says why (it becomes a note). A table at a
    Hadoop URL cannot go there (frictionless does not read the URL): it is reported with code."""

    code = "engine-error"


class UnreadableConstraint(Exception):
    """A constraint value that frictionless's value reader cannot read."""


@dataclass
class FieldPlan:
    number: int  # position in the row, from 1
    field: Any  # the frictionless Field: its value reader parses constraint values exactly
    missing_values: list[str]
    is_key: bool = False  # in a unique constraint, a primary key or a foreign key (either end)

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def type(self) -> str:
        return self.field.type


@dataclass
class ForeignKeyPlan:
    index: int  # its place among the schema's foreignKeys: frictionless's order within a row
    fields: list[str]
    reference_table: str
    reference_fields: list[str]


@dataclass
class TablePlan:
    resource: Resource
    fields: list[FieldPlan]  # what each row is read against (frictionless's expected fields)
    header_errors: list[Error]
    delimiter: str
    quote_char: str
    first_data_row: int
    comment_rows: list[int]
    comment_char: str | None
    skip_blank_rows: bool
    skip_initial_space: bool  # Python's csv drops spaces after a delimiter (the sniffer may set it)
    source_is_empty: bool
    width: int  # CSV columns to declare: at least the widest row seen in the sample
    ragged_sample: bool
    unique_fields: list[FieldPlan]
    primary_key: list[FieldPlan]
    foreign_keys: list[ForeignKeyPlan]
    declared_stats: dict[str, Any] = field(default_factory=dict)  # hash, bytes, fields, rows
    schema_field_count: int = 0
    source_path: Path | None = None  # the table's bytes: the resource's file, or its expanded copy (compressed)
    read_path: Path | str | None = None  # the file DuckDB reads: source_path or a copy of it (see empty lines); or location
    location: str | None = None  # a Hadoop URL Spark reads (source_path is then a sample of its first lines)
    cluster: Any = None  # for a location: accord.spark.files.ClusterFiles (its size and digest)
    empty_line_marker: str | None = None
    line_breaks: int = 0  # in its bytes, counted by the byte scan: about its rows
    transcode_from: str | None = None  # a declared encoding other than UTF-8: the file is read as a UTF-8 copy
    bom_kept: bool = False  # starts with a byte order mark that the declared encoding keeps as text
    key_fields: dict[str, FieldPlan] = field(default_factory=dict)  # typed values kept for key checks
    kept: set[str] = field(default_factory=set)  # fields whose typed values are kept for build and check
    schema: Any = None  # the resource's frictionless Schema (primary, foreign and unique keys)
    relation: str | None = None  # the view of its data rows, once read

    @property
    def name(self) -> str:
        return self.resource.name

    def field_named(self, name: str) -> FieldPlan | None:
        return next((f for f in self.fields if f.name == name), None)

    def add_key_field(self, f: FieldPlan) -> None:
        f.is_key = True
        self.key_fields[f.name] = f


@dataclass
class PackagePlan:
    tables: dict[str, TablePlan]  # validated by this engine
    handed_off: dict[str, str]  # table -> why frictionless validates it
    codes: dict[str, str] = field(default_factory=dict)  # handed-off table -> HandOff.code (reported for a Hadoop URL)


# -- the columns of a table's checked relation, by field ----------------------------------------


def column(f: FieldPlan) -> str:
    return f"c{f.number}"


def missing_column(f: FieldPlan) -> str:
    return f"m{f.number}"


def value_column(f: FieldPlan) -> str:
    return f"v{f.number}"


def aware_column(f: FieldPlan) -> str | None:
    """Whether a datetime or time had a time zone: Python never finds a naive value equal to
    an aware one. Kept where equality matters: keys and enum."""
    if f.type in ("datetime", "time") and (f.is_key or "enum" in f.field.constraints):
        return f"a{f.number}"
    return None


def key_columns(f: FieldPlan) -> list[str]:
    """The columns of the checked relation holding a key field's comparable value."""
    return [c for c in (value_column(f), aware_column(f)) if c]


# Which typed values the pass keeps, besides the keys: None (validation alone keeps none),
# "all", or the fields to keep per table (a table not named keeps none).
Keep = None | str | dict[str, set[str]]


def kept_fields(keep: Keep, table: str, fields: list[str]) -> set[str]:
    if keep is None:
        return set()
    if keep == "all":
        return set(fields)
    if table not in keep:
        return set()
    # a table a rule reads but names no column of (a row count) still needs one column to count rows
    return (set(keep[table]) & set(fields)) or set(fields[:1])

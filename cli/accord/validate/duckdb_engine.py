"""The fast engine: frictionless's checks compiled to SQL and run by DuckDB.

How one table is validated (docs/validation-engine.md tells it at length):

1. Plan. frictionless opens the resource on a sample, exactly as `frictionless validate`
   does: encoding, CSV dialect (sniffed when not declared), header row, labels, header
   errors and the fields each row is read against. A scan of the bytes finds what DuckDB's
   CSV parser would read differently from Python's.
2. Read and check (DuckDB reads, portable SQL checks). One parallel pass reads every cell
   as text, types it with regular expressions and TRY_CAST following frictionless's rules,
   and keeps per row the errors and the typed key values, in file order: a row's number
   is its place (the header is row 1).
3. Keys. Unique fields, primary and foreign keys are set-based queries on those values.
4. Report. Errors in frictionless's order, at most MAX_ERRORS per table; the true total
   goes in task.stats["errors_total"].

Whatever the engine does not cover (a field type, a dialect, an encoding, a CSV that
DuckDB's strict parser rejects...) is validated by frictionless, and a note says which
table and why. docs/validation-engine.md lists the deliberate differences.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from accord.package import Package, Resource
from accord.report import Error, Task
from accord.validate.bytescan import BOM, ScanRequest, ScanResult, scan_files

MAX_ERRORS = 1000  # per table, as frictionless's limit_errors

# ---------------------------------------------------------------------------------------------
# Plan: what frictionless would check in each table, read from frictionless itself
# ---------------------------------------------------------------------------------------------

SUPPORTED_ENCODINGS = ("utf-8", "utf-8-sig")
SUPPORTED_STRING_FORMATS = ("default", "email", "uri", "uuid")
SUPPORTED_LIST_ITEM_TYPES = ("string", "integer", "number", "boolean")
TEMPORAL_TYPES = ("date", "datetime", "time")
SUPPORTED_TYPES = ("string", "integer", "number", "boolean", "year", "list", "any", *TEMPORAL_TYPES)
# strptime directives the engine reads (ASCII digits only); others go to frictionless
SUPPORTED_STRPTIME_DIRECTIVES = set("YymdHMSfz%")


class HandOff(Exception):
    """This table goes to frictionless; the message says why (it becomes a note)."""


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
    read_path: Path | None = None  # the file DuckDB reads: the resource file or a copy (see empty lines)
    empty_line_marker: str | None = None
    bom_kept: bool = False  # starts with a byte order mark that the declared encoding keeps as text
    key_fields: dict[str, FieldPlan] = field(default_factory=dict)  # typed values kept for key checks

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


def plan_package(package: Package) -> PackagePlan:
    from frictionless import FrictionlessException, system
    from frictionless import Package as FrictionlessPackage

    tables: dict[str, TablePlan] = {}
    handed_off: dict[str, str] = {}
    with system.use_context(trusted=package.trusted):
        fpackage = FrictionlessPackage(str(package.descriptor_path))
        for resource in package.resources:
            try:
                tables[resource.name] = plan_table(resource, fpackage.get_resource(resource.name))
            except HandOff as reason:
                handed_off[resource.name] = str(reason)
            except FrictionlessException as exc:
                handed_off[resource.name] = f"frictionless cannot open it ({exc.error.type})"
    scanned = [plan for plan in tables.values() if not plan.source_is_empty]
    for plan, scan in zip(scanned, scan_files([scan_request(plan) for plan in scanned])):
        try:
            apply_scan(plan, scan)
        except HandOff as reason:
            handed_off[plan.name] = str(reason)
            del tables[plan.name]
    # a foreign key needs the referenced table's typed values, read by this engine
    for name in foreign_key_closure(tables, set(handed_off)):
        plan = tables.pop(name)
        reference = next(fk.reference_table for fk in plan.foreign_keys if fk.reference_table not in tables)
        handed_off[name] = f"its foreign key refers to {reference!r}, which this engine does not read"
    for plan in tables.values():
        for fk in plan.foreign_keys:
            reference = tables[fk.reference_table]
            for name in fk.reference_fields:
                field_plan = reference.field_named(name)
                if field_plan is not None:
                    reference.add_key_field(field_plan)
            for name in fk.fields:
                plan.add_key_field(plan.field_named(name))
    return PackagePlan(tables, handed_off)


def foreign_key_closure(tables: dict[str, TablePlan], unavailable: set[str]) -> list[str]:
    """Tables whose foreign keys lead, directly or not, to a table that is not available."""
    dropped: list[str] = []
    unavailable = set(unavailable)
    changed = True
    while changed:
        changed = False
        for name, plan in tables.items():
            if name not in dropped and any(
                fk.reference_table in unavailable or fk.reference_table not in tables for fk in plan.foreign_keys
            ):
                dropped.append(name)
                unavailable.add(name)
                changed = True
    return dropped


def plan_table(resource: Resource, fresource: Any) -> TablePlan:
    """Open the resource with frictionless (a sample only) and record what to check."""
    if fresource.format not in ("csv", "tsv") or fresource.compression:
        compressed = " (compressed)" if fresource.compression else ""
        raise HandOff(f"its format is {fresource.format or 'unknown'}{compressed}, not plain CSV")
    probe = fresource.to_copy()
    probe.schema.foreign_keys = []  # opening with foreign keys would read the referenced tables
    with probe:
        return plan_open_table(resource, probe, fresource)


def plan_open_table(resource: Resource, probe: Any, fresource: Any) -> TablePlan:
    dialect = probe.dialect
    control = dialect.get_control("csv").to_python()
    if probe.encoding not in SUPPORTED_ENCODINGS:
        raise HandOff(f"its encoding is {probe.encoding}")
    if control.escapechar or not control.doublequote:
        raise HandOff("its CSV dialect uses an escape character or doubleQuote=false")
    if (
        len(control.delimiter) != 1 or len(control.quotechar or "") != 1
        or control.delimiter == control.quotechar or (control.delimiter + control.quotechar).isalnum()
    ):
        raise HandOff("its CSV dialect has no quote character or an unusual delimiter")
    if not dialect.header_case:
        raise HandOff("its dialect matches the header case-insensitively")
    if probe.schema.has_defined("fields_match") and probe.schema.fields_match != "exact":
        raise HandOff(f"its schema uses fieldsMatch {probe.schema.fields_match!r}")
    if fresource.hash and helpers_hash_algorithm(fresource.hash) not in ("md5", "sha256"):
        raise HandOff("it declares a hash that is neither md5 nor sha256")

    expected = probe.header.get_expected_fields()
    fields = [FieldPlan(number, f, _missing_values(f)) for number, f in enumerate(expected, start=1)]
    for f in fields:
        reason = unsupported_field_reason(f)
        if reason:
            raise HandOff(f"field {f.name!r} {reason}")
    names = {f.name for f in fields}
    header_errors = [
        Error(code=err.type, table=resource.name, field=getattr(err, "field_name", None),
              message=f"{resource.relpath}: {err.message}", values=[err.label] if getattr(err, "label", "") else [])
        for err in probe.header.errors
    ]
    source_is_empty = not (probe.labels or probe.fragment)
    if source_is_empty:
        header_errors.insert(0, Error(code="source-error", table=resource.name,
                                      message=f"{resource.relpath}: The data source has not supported or has inconsistent contents: the source is empty"))
    primary_key = list(fresource.schema.primary_key)
    foreign_keys = [
        ForeignKeyPlan(
            index=index,
            fields=list(fk["fields"]),
            reference_table=fk["reference"]["resource"] or resource.name,  # "" refers to itself
            reference_fields=list(fk["reference"]["fields"]),
        )
        for index, fk in enumerate(fresource.schema.foreign_keys)
        if set(fk["fields"]).issubset(names)  # as frictionless: a key whose columns are absent is skipped
    ]
    plan = TablePlan(
        resource=resource,
        fields=fields,
        header_errors=header_errors,
        delimiter=control.delimiter,
        quote_char=control.quotechar,
        first_data_row=dialect.header_rows[-1] + 1 if dialect.header and dialect.header_rows else 1,
        comment_rows=list(dialect.comment_rows),
        comment_char=dialect.comment_char,
        skip_blank_rows=dialect.skip_blank_rows,
        skip_initial_space=control.skipinitialspace,
        source_is_empty=source_is_empty,
        width=max([len(fields)] + [len(row) for row in probe.sample]),
        ragged_sample=len({len(row) for row in probe.sample} | {len(fields)}) > 1,
        unique_fields=[f for f in fields if f.field.constraints.get("unique")],
        primary_key=sorted(
            (f for f in fields if f.name in primary_key), key=lambda f: primary_key.index(f.name)
        ) if set(primary_key) <= names else [],
        foreign_keys=foreign_keys,
        declared_stats={"hash": fresource.hash, "bytes": fresource.bytes, "fields": fresource.fields, "rows": fresource.rows},
        schema_field_count=len(fresource.schema.fields),
    )
    for f in [*plan.unique_fields, *plan.primary_key]:
        plan.add_key_field(f)
    if not source_is_empty:
        with open(resource.path, "rb") as handle:
            plan.bom_kept = handle.read(3) == BOM and probe.encoding == "utf-8" and not dialect.header
    return plan


def helpers_hash_algorithm(declared: str) -> str:
    from frictionless import helpers

    return helpers.parse_resource_hash_v1(declared)[0]


def _missing_values(field_: Any) -> list[str]:
    # as frictionless's cell reader: the field's own missingValues, else the schema's
    if not field_.has_defined("missing_values") and field_.schema:
        return list(field_.schema.missing_values)
    return list(field_.missing_values)


def unsupported_field_reason(f: FieldPlan) -> str | None:
    """Why the engine cannot read this field exactly as frictionless does, or None."""
    fld = f.field
    if fld.type not in SUPPORTED_TYPES:
        return f"has type {fld.type}"
    if fld.type == "string" and fld.format not in SUPPORTED_STRING_FORMATS:
        return f"has string format {fld.format}"
    if fld.type in TEMPORAL_TYPES and fld.format != "default":
        if fld.format == "any" or strptime_pattern(fld.format) is None:
            return f"has {fld.type} format {fld.format!r}"
    if fld.type == "list":
        if fld.item_type not in SUPPORTED_LIST_ITEM_TYPES:
            return f"is a list of {fld.item_type}"
        if not fld.delimiter or re.search(r"[\w.+\-\s]", fld.delimiter):
            return f"has list delimiter {fld.delimiter!r}"
    if fld.type == "number" and fld.has_defined("decimal_char") and not fld.decimal_char:
        return "has an empty decimalChar"
    try:
        constraint_literals(f)
    except UnreadableConstraint as problem:
        return str(problem)
    return None


# ---------------------------------------------------------------------------------------------
# Portable SQL: reading cells as frictionless does, and the checks
#
# Everything in this section is plain SQL that sqlglot transpiles (regexp_matches, regexp_extract
# with a group, TRY_CAST, CASE, concat_ws, window functions, IS NOT DISTINCT FROM), so the
# same checks can run on another engine given a relation of text cells (c1, c2, ...) and,
# for the keys, the rows' numbers.
# ---------------------------------------------------------------------------------------------

# str.strip() removes these (str.isspace); SQL trim() removes only spaces
PY_WHITESPACE = r"[\t\n\x0b\x0c\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
# int(): optional sign, ASCII digits, single underscores between digits
PY_INT = r"[+-]?[0-9](?:_?[0-9])*"
# Decimal() once underscores are removed
PY_DECIMAL = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
PY_INFINITY = r"[+-]?(?i:inf|infinity)"
PY_NAN = r"[+-]?(?i:s?nan)[0-9]*"
# Decimal() on a list item: underscores may be anywhere
PY_DECIMAL_WITH_UNDERSCORES = (
    r"_*[+-]?_*(?:(?:[0-9]_*)+(?:\._*(?:[0-9]_*)*)?|\._*(?:[0-9]_*)+)(?:[eE]_*[+-]?_*(?:[0-9]_*)+)?"
)
ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
ISO_TIME_ZONE = r"(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)"
MICROS_PER_SECOND = 1_000_000


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def regexp_matches(text: str, pattern: str) -> str:
    """Whether the whole of `text` matches `pattern` (anchored here: engines differ on partial matches)."""
    return f"regexp_matches({text}, {sql_string('^(?:' + pattern + ')$')})"


def regexp_group(text: str, pattern: str, group: int = 1) -> str:
    """The group's text when the whole of `text` matches, else ''."""
    return f"regexp_extract({text}, {sql_string('^(?:' + pattern + ')$')}, {group})"


def strip_python_whitespace(text: str) -> str:
    return regexp_group(text, f"(?s){PY_WHITESPACE}*(.*?){PY_WHITESPACE}*")


@functools.cache
def unicode_decimal_digits() -> tuple[str, str]:
    """Every non-ASCII decimal digit (what Python's str regex `\\d` matches), and its ASCII digit."""
    import unicodedata

    every_character = "".join(map(chr, range(128, 0x20000)))  # all of Unicode's decimal digits are in planes 0 and 1
    digits = re.findall(r"\d", every_character)
    return "".join(digits), "".join(str(unicodedata.decimal(d)) for d in digits)


def with_unicode_digits(cell: str, value_of: Any) -> str:
    """int() and Decimal() read any Unicode decimal digit ("٣" is 3): a value that does not
    read as ASCII is read again with its digits made ASCII, when it has non-ASCII text."""
    digits, as_ascii = unicode_decimal_digits()
    translated = f"translate({cell}, {sql_string(digits)}, {sql_string(as_ascii)})"
    return f"COALESCE({value_of(cell)}, CASE WHEN regexp_matches({cell}, '[^\\x00-\\x7f]') THEN {value_of(translated)} END)"


def integer_value_sql(fld: Any, cell: str) -> str:
    """int(cell.strip()), after removing currency and unit text when bareNumber is false."""
    if fld.bare_number:
        digits = regexp_group(cell, f"{PY_WHITESPACE}*({PY_INT}){PY_WHITESPACE}*")
    else:
        # frictionless removes r"((^[^-\d]*)|(\D*$))": what precedes the first '-' or digit,
        # and the non-digits after the last digit
        digits = regexp_group(cell, r"(?s)[^-0-9]*(-?[0-9](?:_?[0-9])*)[^0-9]*")
    return f"TRY_CAST(replace({digits}, '_', '') AS DECIMAL(38,0))"


def number_value_sql(fld: Any, cell: str) -> str:
    """Decimal(cell.strip()) as a DOUBLE, with groupChar, decimalChar and bareNumber applied."""
    text = strip_python_whitespace(cell)
    if {"group_char", "decimal_char", "bare_number"} & set(fld.list_defined()):
        if not fld.bare_number:
            text = regexp_group(text, r"(?s)[^-0-9]*(.*?)[^0-9]*")
        if fld.group_char:
            text = f"replace({text}, {sql_string(fld.group_char)}, '')"
        if fld.decimal_char != ".":
            # frictionless refuses a '.' when another decimal character is declared
            text = f"CASE WHEN strpos({text}, '.') = 0 THEN replace({text}, {sql_string(fld.decimal_char)}, '.') END"
    text = f"replace({strip_python_whitespace(text)}, '_', '')"  # Decimal() drops underscores
    return (
        f"CASE WHEN {regexp_matches(text, PY_DECIMAL)} THEN TRY_CAST({text} AS DOUBLE)"
        f" WHEN {regexp_matches(text, PY_INFINITY)} THEN"
        f" CASE WHEN {text} LIKE '-%' THEN CAST('-inf' AS DOUBLE) ELSE CAST('inf' AS DOUBLE) END"
        f" WHEN {regexp_matches(text, PY_NAN)} THEN CAST('nan' AS DOUBLE) END"
    )


def boolean_value_sql(fld: Any, cell: str) -> str:
    # frictionless maps true values first, then false values: a value in both reads false
    falses = ", ".join(sql_string(v) for v in fld.false_values) or "NULL"
    trues = ", ".join(sql_string(v) for v in fld.true_values) or "NULL"
    return f"CASE WHEN {cell} IN ({falses}) THEN FALSE WHEN {cell} IN ({trues}) THEN TRUE END"


def year_value_sql(cell: str) -> str:
    """len(cell) == 4 and 0 <= int(cell) <= 9999."""
    value = f"TRY_CAST(replace({regexp_group(cell, f'{PY_WHITESPACE}*({PY_INT}){PY_WHITESPACE}*')}, '_', '') AS INTEGER)"
    return f"CASE WHEN length({cell}) = 4 AND {value} BETWEEN 0 AND 9999 THEN {value} END"


def string_value_sql(fld: Any, cell: str) -> str:
    if fld.format == "email":
        return f"CASE WHEN {email_valid_sql(cell)} THEN {cell} END"
    if fld.format == "uri":
        # rfc3986 with a required scheme: only the scheme is checked
        return f"CASE WHEN regexp_matches({cell}, '^[a-zA-Z][a-zA-Z0-9+.-]*:') THEN {cell} END"
    if fld.format == "uuid":
        return f"CASE WHEN {uuid_valid_sql(cell)} THEN {cell} END"
    return cell


def email_valid_sql(cell: str) -> str:
    """validators.email: one '@', a user part (at most 64 characters) and a domain name."""
    user = f"regexp_extract({cell}, '^(.*)@', 1)"
    domain = f"regexp_extract({cell}, '@([^@]*)$', 1)"
    latin = r"\x{a0}-\x{ff}\x{100}-\x{17f}\x{180}-\x{24f}"
    atom = rf"[{latin}0-9a-z!#$%&'*+/=?^_`{{}}|~\-]+"
    user_pattern = rf'(?i)[{latin}]|{atom}(?:\.{atom})*|"(?:[{latin}\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\t.])*"'
    # the domain after IDNA encoding: a non-ASCII character stands for a letter (see the docs)
    letter, label_char = r"[a-z\x{80}-\x{10ffff}]", r"[a-z0-9\x{80}-\x{10ffff}]"
    label_or_hyphen = r"[a-z0-9\x{80}-\x{10ffff}-]"
    domain_pattern = (
        rf"(?i)(?:{label_char}(?:{label_or_hyphen}{{0,61}}{label_char})?\.)+{label_char}{label_or_hyphen}{{0,61}}{letter}"
    )
    return (
        f"(length({cell}) - length(replace({cell}, '@', '')) = 1"
        f" AND length({user}) <= 64 AND length({domain}) <= 253"
        f" AND {regexp_matches(user, user_pattern)}"
        f" AND {regexp_matches(domain, domain_pattern)}"
        f" AND NOT regexp_matches({domain}, {sql_string(PY_WHITESPACE)}))"
    )


def uuid_valid_sql(cell: str) -> str:
    """uuid.UUID(cell): urn:/uuid: prefixes, braces and hyphens dropped, 32 hex digits left."""
    hex_digits = f"replace(trim(replace(replace({cell}, 'urn:', ''), 'uuid:', ''), '{{}}'), '-', '')"
    return (
        f"(length({hex_digits}) = 32"
        f" AND {regexp_matches(hex_digits, f'{PY_WHITESPACE}*[0-9a-fA-F](?:_?[0-9a-fA-F])*{PY_WHITESPACE}*')})"
    )


def list_value_sql(fld: Any, cell: str) -> str:
    """cell.split(delimiter) with every item of itemType: the cell itself when valid."""
    from frictionless import fields as frictionless_fields

    if fld.item_type == "string":
        return cell
    if fld.item_type == "boolean":
        defaults = frictionless_fields.BooleanField(name="item")
        item = "|".join(re.escape(v) for v in [*defaults.true_values, *defaults.false_values])
    elif fld.item_type == "integer":
        item = f"{PY_WHITESPACE}*{PY_INT}{PY_WHITESPACE}*"
    else:
        item = f"{PY_WHITESPACE}*(?:{PY_DECIMAL_WITH_UNDERSCORES}|_*{PY_INFINITY}_*|_*{PY_NAN}_*){PY_WHITESPACE}*"
    delimiter = re.escape(fld.delimiter)
    return f"CASE WHEN {regexp_matches(cell, f'(?:{item})(?:{delimiter}(?:{item}))*')} THEN {cell} END"


def list_length_sql(fld: Any, value: str) -> str:
    delimiter = sql_string(fld.delimiter)
    return f"((length({value}) - length(replace({value}, {delimiter}, ''))) / length({delimiter}) + 1)"


@dataclass
class TemporalText:
    """SQL pieces for reading a date, time or datetime text."""

    valid: str  # the text is of the type
    local: str  # the TIMESTAMP written, before any time zone is applied
    zone_minutes: str  # the time zone as minutes east of UTC (0 when there is none)
    aware: str  # the text has a time zone


def date_value_sql(fld: Any, cell: str) -> str:
    if fld.format != "default":
        parts = strptime_parts(fld.format, cell)
        return f"CASE WHEN {parts.valid} THEN CAST({parts.local} AS DATE) END"
    # datetime.strptime(cell, "%Y-%m-%d"), where months and days may have one digit
    parts = strptime_parts("%Y-%m-%d", cell)
    return (
        f"CASE WHEN {regexp_matches(cell, ISO_DATE)} THEN"
        f" CASE WHEN {cell} NOT LIKE '0000%' THEN TRY_CAST({cell} AS DATE) END"  # Python has no year 0
        f" WHEN {parts.valid} THEN CAST({parts.local} AS DATE) END"
    )


def datetime_value_sql(fld: Any, cell: str) -> tuple[str, str]:
    """(the instant, in UTC when the text has a time zone; whether it has one)."""
    if fld.format != "default":
        parts = strptime_parts(fld.format, cell)
        return f"CASE WHEN {parts.valid} THEN {instant_sql(parts)} END", parts.aware
    parts = isoparse_parts(cell, date_part=True)
    # the usual shapes first: one regular expression and a cast
    usual = regexp_matches(cell, f"{ISO_DATE}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}Z?")
    value = (
        f"CASE WHEN {usual} THEN"  # DuckDB reads a final Z as UTC, as wanted
        f" CASE WHEN {cell} NOT LIKE '0000%' THEN TRY_CAST({cell} AS TIMESTAMP) END"
        f" WHEN {parts.valid} THEN {instant_sql(parts)} END"
    )
    return value, parts.aware


def time_value_sql(fld: Any, cell: str) -> tuple[str, str]:
    """(microseconds since midnight, less the time zone when there is one; whether there is).

    Python compares aware times by that linear value, without wrapping around midnight."""
    parts = strptime_parts(fld.format, cell) if fld.format != "default" else isoparse_parts(cell, date_part=False)
    local = parts.local
    micros = (
        f"((extract(hour FROM {local}) * 3600 + extract(minute FROM {local}) * 60 + extract(second FROM {local}))"
        f" * CAST({MICROS_PER_SECOND} AS BIGINT) + extract(microsecond FROM {local}) % {MICROS_PER_SECOND}"
        f" - {parts.zone_minutes} * CAST({60 * MICROS_PER_SECOND} AS BIGINT))"
    )
    return f"CASE WHEN {parts.valid} THEN {micros} END", parts.aware


def instant_sql(parts: TemporalText) -> str:
    return f"{parts.local} - {parts.zone_minutes} * INTERVAL '1' MINUTE"


def isoparse_parts(cell: str, date_part: bool) -> TemporalText:
    """dateutil's isoparse as frictionless guards it: for a datetime, cell[16] == ":" and
    len(cell) >= 19 (so "YYYY-MM-DD", any one character, "HH:MM:SS"); for a time,
    isoparse("2000-01-01T" + cell) with cell[5] == ":" and len(cell) >= 8. Then an optional
    fraction (truncated to microseconds) and time zone; 24:00:00 is the next midnight."""
    prefix = f"{ISO_DATE}[\\x00-\\x7f]" if date_part else ""
    start = 12 if date_part else 1  # where HH:MM:SS begins
    pattern = f"(?s){prefix}[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(?:[.,][0-9]+)?{ISO_TIME_ZONE}?"
    tail = f"substr({cell}, {start + 8})"
    fraction = regexp_group(tail, f"[.,]([0-9]+){ISO_TIME_ZONE}?")
    zone = regexp_group(tail, f"(?:[.,][0-9]+)?({ISO_TIME_ZONE}?)")
    day = f"substr({cell}, 1, 10)" if date_part else "'2000-01-01'"
    clock = f"substr({cell}, {start}, 8)"
    local = f"TRY_CAST({day} || ' ' || {clock} || '.' || substr({fraction} || '000000', 1, 6) AS TIMESTAMP)"
    valid = (
        f"({regexp_matches(cell, pattern)}"
        + (f" AND substr({cell}, 1, 4) <> '0000'" if date_part else "")
        + f" AND (substr({cell}, {start}, 2) <> '24' OR regexp_matches({fraction}, '^0*$'))"
        + f" AND {zone_valid_sql(zone)} AND {local} IS NOT NULL)"
    )
    aware = f"regexp_matches({cell}, {sql_string(ISO_TIME_ZONE + '$')})"
    return TemporalText(valid=valid, local=local, zone_minutes=zone_minutes_sql(zone), aware=aware)


def zone_valid_sql(zone: str) -> str:
    # dateutil: hours <= 23 and minutes <= 59
    hours = f"TRY_CAST(substr({zone}, 2, 2) AS INTEGER)"
    minutes = f"TRY_CAST(right({zone}, 2) AS INTEGER)"
    return f"(length({zone}) <= 1 OR ({hours} <= 23 AND (length({zone}) = 3 OR {minutes} <= 59)))"


def zone_minutes_sql(zone: str) -> str:
    """A time zone (Z, +HH, +HHMM, +HH:MM, or '' for none) as minutes east of UTC."""
    hours = f"CAST(substr({zone}, 2, 2) AS INTEGER)"
    minutes = f"CASE WHEN length({zone}) = 3 THEN 0 ELSE CAST(right({zone}, 2) AS INTEGER) END"
    return (
        f"(CASE WHEN length({zone}) <= 1 THEN 0"
        f" WHEN {zone} LIKE '-%' THEN -({hours} * 60 + {minutes}) ELSE {hours} * 60 + {minutes} END)"
    )


STRPTIME_DIRECTIVES = {
    # Python's _strptime patterns (with ASCII digits); each has exactly one capturing group
    "d": r"(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])",
    "f": r"([0-9]{1,6})",
    "H": r"(2[0-3]|[01][0-9]|[0-9])",
    "m": r"(1[0-2]|0[1-9]|[1-9])",
    "M": r"([0-5][0-9]|[0-9])",
    "S": r"(6[01]|[0-5][0-9]|[0-9])",
    "y": r"([0-9]{2})",
    "Y": r"([0-9]{4})",
    "z": r"([+-][0-9]{2}:?[0-5][0-9](?::?[0-5][0-9](?:\.[0-9]{1,6})?)?|(?-i:Z))",
}


def strptime_pattern(fmt: str) -> tuple[str, dict[str, int]] | None:
    """The regular expression datetime.strptime matches with `fmt`, and each directive's
    group; None when the format uses a directive the engine does not read."""
    pattern = "(?i)"  # _strptime compiles with IGNORECASE
    groups: dict[str, int] = {}
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%":
            directive = fmt[index + 1] if index + 1 < len(fmt) else ""
            if directive not in SUPPORTED_STRPTIME_DIRECTIVES or directive in groups:
                return None
            if directive == "%":
                pattern += "%"
            else:
                groups[directive] = len(groups) + 1
                pattern += STRPTIME_DIRECTIVES[directive]
            index += 2
        elif char.isspace():
            while index < len(fmt) and fmt[index].isspace():
                index += 1
            pattern += f"{PY_WHITESPACE}+"
        else:
            pattern += re.escape(char)
            index += 1
    return pattern, groups


def strptime_parts(fmt: str, cell: str) -> TemporalText:
    """datetime.strptime(cell, fmt): fields the format lacks are 1900-01-01 00:00:00."""
    pattern, groups = strptime_pattern(fmt)

    def part(directive: str, default: str) -> str:
        return regexp_group(cell, pattern, groups[directive]) if directive in groups else default

    if "Y" in groups:
        year = part("Y", "")
    elif "y" in groups:
        two_digits = f"CAST({part('y', '')} AS INTEGER)"
        year = f"CAST({two_digits} + CASE WHEN {two_digits} <= 68 THEN 2000 ELSE 1900 END AS VARCHAR)"
    else:
        year = "'1900'"
    text = (
        f"{year} || '-' || lpad({part('m', sql_string('1'))}, 2, '0') || '-' || lpad(trim({part('d', sql_string('1'))}), 2, '0')"
        f" || ' ' || lpad({part('H', sql_string('0'))}, 2, '0') || ':' || lpad({part('M', sql_string('0'))}, 2, '0')"
        f" || ':' || lpad({part('S', sql_string('0'))}, 2, '0') || '.' || rpad({part('f', sql_string('0'))}, 6, '0')"
    )
    local = f"TRY_CAST({text} AS TIMESTAMP)"
    valid = f"({regexp_matches(cell, pattern)} AND {year} <> '0000' AND {local} IS NOT NULL)"
    if "z" not in groups:
        return TemporalText(valid=valid, local=local, zone_minutes="0", aware="FALSE")
    zone = part("z", "")
    # %z: Z, or +HH[:]MM with optional seconds that shift the offset (not modelled: see docs)
    hours_minutes = f"CASE WHEN {zone} = 'Z' THEN '' ELSE substr({zone}, 1, 3) || substr(replace({zone}, ':', ''), 4, 2) END"
    return TemporalText(valid=valid, local=local, zone_minutes=zone_minutes_sql(hours_minutes), aware="TRUE")


@dataclass
class TypedCell:
    """SQL for a field's value in a row: NULL when missing or not of the field's type."""

    value: str
    aware: str | None = None  # datetime and time: whether the text had a time zone
    never_invalid: bool = False  # string and any: every text is a value


def typed_cell_sql(fld: Any, cell: str) -> TypedCell:
    kind = fld.type
    if kind == "integer":
        general = with_unicode_digits(cell, lambda text: integer_value_sql(fld, text))
        # the usual text first: what DuckDB reads as a BIGINT and writes back unchanged is a
        # plain integer, which int() reads too
        usual = f"TRY_CAST({cell} AS BIGINT)"
        return TypedCell(
            f"CASE WHEN CAST({usual} AS VARCHAR) = {cell} THEN CAST({usual} AS DECIMAL(38,0)) ELSE {general} END"
        )
    if kind == "number":
        general = with_unicode_digits(cell, lambda text: number_value_sql(fld, text))
        if {"group_char", "decimal_char", "bare_number"} & set(fld.list_defined()):
            return TypedCell(general)
        usual = regexp_matches(cell, r"-?[0-9]+(?:\.[0-9]+)?")
        return TypedCell(f"CASE WHEN {usual} THEN TRY_CAST({cell} AS DOUBLE) ELSE {general} END")
    if kind == "boolean":
        return TypedCell(boolean_value_sql(fld, cell))
    if kind == "year":
        return TypedCell(with_unicode_digits(cell, year_value_sql))
    if kind == "date":
        return TypedCell(date_value_sql(fld, cell))
    if kind == "datetime":
        return TypedCell(*datetime_value_sql(fld, cell))
    if kind == "time":
        return TypedCell(*time_value_sql(fld, cell))
    if kind == "list":
        return TypedCell(list_value_sql(fld, cell), never_invalid=fld.item_type == "string")
    if kind == "string":
        return TypedCell(string_value_sql(fld, cell), never_invalid=fld.format == "default")
    return TypedCell(cell, never_invalid=True)  # any


def key_domain(fld: Any) -> str:
    """Values from two fields can be equal only within one domain (as Python's ==)."""
    return {"integer": "number", "number": "number", "year": "number", "boolean": "number", "any": "string"}.get(fld.type, fld.type)


# -- constraint values, read by frictionless's own value reader --------------------------------


def constraint_literals(f: FieldPlan) -> dict[str, Any]:
    """Each constraint's value as frictionless reads it (its value reader), as SQL literals."""
    fld = f.field
    reader = fld.create_value_reader()
    literals: dict[str, Any] = {}
    for name in fld.supported_constraints:
        value = fld.constraints.get(name)
        if value is None:
            continue
        if name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            parsed = reader(value)
            if parsed is None:
                raise UnreadableConstraint(f"constraint {name} {value!r} is not a {fld.type}")
            if is_nan(parsed):
                raise UnreadableConstraint(f"constraint {name} is NaN")
            literals[name] = sql_literal(fld, parsed)
        elif name == "enum":
            # a NaN equals nothing in Python, not even a NaN (each is its own object)
            values = [v for v in map(reader, value) if v is not None and not is_nan(v)]
            if fld.type == "any":
                values = [v for v in values if isinstance(v, str)]  # a cell is text
            literals[name] = [sql_literal(fld, v) for v in values]
        elif name == "pattern":
            literals[name] = python_pattern_to_sql(value)
        else:
            literals[name] = value
    return literals


def is_nan(value: Any) -> bool:
    if isinstance(value, Decimal):
        return value.is_nan()
    return isinstance(value, float) and value != value


def sql_literal(fld: Any, value: Any) -> tuple[str, str | None]:
    """(value literal, awareness literal for datetime/time) for a Python value frictionless read."""
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, int):
        return f"CAST({sql_string(str(value))} AS DECIMAL(38,0))", None
    if isinstance(value, (float, Decimal)):
        if is_nan(value):
            text = "nan"
        elif value in (Decimal("Infinity"), Decimal("-Infinity")):
            text = "inf" if value > 0 else "-inf"
        else:
            text = str(value)
        return f"CAST({sql_string(text)} AS DOUBLE)", None
    if isinstance(value, datetime):
        aware = value.utcoffset() is not None
        if aware:
            value = (value - value.utcoffset()).replace(tzinfo=None)
        return f"CAST({sql_string(value.isoformat(sep=' '))} AS TIMESTAMP)", "TRUE" if aware else "FALSE"
    if isinstance(value, date):
        return f"CAST({sql_string(value.isoformat())} AS DATE)", None
    if hasattr(value, "hour") and hasattr(value, "microsecond"):  # datetime.time
        offset = value.utcoffset()
        micros = ((value.hour * 3600 + value.minute * 60 + value.second) * MICROS_PER_SECOND + value.microsecond)
        if offset is not None:
            micros -= int(offset / timedelta(microseconds=1))
        return str(micros), "TRUE" if offset is not None else "FALSE"
    if isinstance(value, str):
        return sql_string(value), None
    return sql_string(str(value)), None


# Python's \w, \d and \s are Unicode-aware; RE2's are ASCII
PY_CLASS_ESCAPES = {
    "w": r"\p{L}\p{N}_",
    "d": r"\p{Nd}",
    "s": PY_WHITESPACE[1:-1],
}
RE2_LACKS = re.compile(r"\(\?[=!<#>]|\(\?P=|\\[1-9]|[*+?}][+]|\\[bB]")
PY_END = r"(?:\n?\z)"  # Python's $: the end, or before a newline that ends the text


def python_pattern_to_sql(pattern: str) -> str:
    """re.compile(f"^{pattern}$").match(cell) as an RE2 pattern for a search of the whole text.

    Python's match anchors at the start; its `$` also matches before a final newline."""
    return f"^(?:^{python_regex_to_re2(pattern)}{PY_END})"


def python_regex_to_re2(pattern: str) -> str:
    """Translate Python regex syntax RE2 reads differently; UnreadableConstraint if RE2 lacks it."""
    if RE2_LACKS.search(pattern):
        raise UnreadableConstraint(f"pattern {pattern!r} uses syntax the engine does not translate")
    out, index, in_class = [], 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escape = pattern[index + 1]
            if escape.lower() in PY_CLASS_ESCAPES:
                members = PY_CLASS_ESCAPES[escape.lower()]
                if in_class and escape.isupper():
                    raise UnreadableConstraint(f"pattern {pattern!r} negates a class inside a class")
                if in_class:
                    out.append(members)
                else:
                    out.append(f"[{'^' if escape.isupper() else ''}{members}]")
                index += 2
                continue
            if escape == "Z":
                out.append(r"\z")
                index += 2
                continue
            if escape in "uU":
                digits = 4 if escape == "u" else 8
                out.append(f"\\x{{{pattern[index + 2:index + 2 + digits]}}}")
                index += 2 + digits
                continue
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            index += 1
            # a ']' first in a class is a member
            for prefix in ("^]", "]", "^"):
                if pattern.startswith(prefix, index):
                    out.append(prefix.replace("]", "\\]"))
                    index += len(prefix)
                    break
            continue
        if char == "]" and in_class:
            in_class = False
        out.append(PY_END if char == "$" and not in_class else char)
        index += 1
    return "".join(out)


# -- the checks ---------------------------------------------------------------------------------


@dataclass
class CellCheck:
    """One check of one cell: a type check or one constraint."""

    id: int
    code: str  # "type-error" or "constraint-error"
    field: FieldPlan
    note: str  # frictionless's note, e.g. 'type is "integer/default"'
    failed: str  # SQL, true when the check fails (over the typed relation)


def cell_checks(plan: TablePlan) -> list[CellCheck]:
    """Every cell check of a table, in frictionless's order within a row."""
    checks: list[CellCheck] = []
    for f in plan.fields:
        fld = f.field
        typed = typed_cell_sql(fld, column(f))
        value, aware = value_column(f), aware_column(f)
        if not typed.never_invalid:
            note = f'type is "{fld.type}/{fld.format}"'
            if fld.type == "list":
                note = f'expected item type is "{fld.item_type}"'
            checks.append(CellCheck(len(checks) + 1, "type-error", f, note, f"(NOT {missing_column(f)} AND {value} IS NULL)"))
        literals = constraint_literals(f)
        for name, literal in literals.items():
            failed = constraint_failed_sql(fld, name, literal, value, aware, f)
            if failed is None:
                continue
            if name != "required":
                failed = f"({value} IS NOT NULL AND {failed})"  # frictionless checks only values
            note = f'constraint "{name}" is "{fld.constraints[name]}"'
            checks.append(CellCheck(len(checks) + 1, "constraint-error", f, note, failed))
    return checks


def constraint_failed_sql(fld: Any, name: str, literal: Any, value: str, aware: str | None, f: FieldPlan) -> str | None:
    """SQL true when the constraint fails; NULL (not counted) when the value is missing."""
    if name == "required":
        return missing_column(f) if literal else None
    if name in ("minLength", "maxLength"):
        length = list_length_sql(fld, value) if fld.type == "list" else f"length({value})"
        return f"({length} {'<' if name == 'minLength' else '>'} {int(literal)})"
    if name == "pattern":
        return f"(NOT regexp_matches({value}, {sql_string(literal)}))"
    if name == "enum":
        if not literal:
            return f"({value} IS NOT NULL)"
        if aware is None:
            return f"({value} NOT IN ({', '.join(v for v, _ in literal)}))"
        equal_any = " OR ".join(f"({value} = {v} AND {aware} = {a})" for v, a in literal)
        return f"(NOT ({equal_any}))"
    operator = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}[name]
    bound, _ = literal
    failed = f"{value} {operator} {bound}"
    if fld.type == "number":
        failed = f"{failed} OR isnan({value})"  # Python: NaN fails every bound
    return f"({failed})"


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


# The per-row error record, NULL for a row without cell errors: tokens "<tag>:<length>:<text>",
# tag a check id (text: the cell), "x<n>" an extra cell at position n (text: the cell),
# "n" (text: how many cells the row has, when not as many as fields) or "blank".


EMPTY = "''"


def error_token_sql(tag: str, text: str) -> str:
    return f"'{tag}:' || CAST(length({text}) AS VARCHAR) || ':' || {text}"


def parse_error_tokens(record: str) -> list[tuple[str, str]]:
    tokens, index = [], 0
    while index < len(record):
        tag_end = record.index(":", index)
        length_end = record.index(":", tag_end + 1)
        length = int(record[tag_end + 1 : length_end])
        tokens.append((record[index:tag_end], record[length_end + 1 : length_end + 1 + length]))
        index = length_end + 1 + length
    return tokens


def row_checks_sql(plan: TablePlan, checks: list[CellCheck], source: str, carried: tuple[str, ...] = ()) -> str:
    """One pass over a table's CSV rows, each on its own: how many errors the row has, what
    they are (see parse_error_tokens), the typed values of key fields, and whether frictionless
    skips the row (a comment, or a blank row under skipBlankRows).

    `source` is a relation with columns c1 .. c<width>: a CSV row's cells as text, NULL where
    the row has fewer cells; `carried` columns of it (such as a row number) pass through. Which
    rows are data rows depends on their numbers: see data_rows_sql."""
    fields = plan.fields
    width = plan.width
    marker = plan.empty_line_marker

    def cell(position: int) -> str:
        raw = f"ltrim(c{position}, ' ')" if plan.skip_initial_space else f"c{position}"
        if marker is None:
            return raw
        # an empty line was written as the marker alone; a marker inside a quoted value is removed
        empty_line = f"c1 = {sql_string(marker)}" + (" AND c2 IS NULL" if width > 1 else "")
        return f"CASE WHEN {empty_line} THEN NULL ELSE replace({raw}, {sql_string(marker)}, '') END"

    skipped = []
    if plan.comment_char:
        skipped.append(f"COALESCE(substr(c1, 1, {len(plan.comment_char)}) = {sql_string(plan.comment_char)}, FALSE)")
    if plan.skip_blank_rows:
        skipped.append("(" + " AND ".join(f"COALESCE(c{i}, '') = ''" for i in range(1, width + 1)) + ")")
    cells = ", ".join(f"{cell(i)} AS c{i}" for i in range(1, width + 1))
    source_rows = f"SELECT {''.join(c + ', ' for c in carried)}{cells} FROM {source}"
    carried_columns = list(carried)

    n_cells = " + ".join(f"CASE WHEN c{i} IS NULL THEN 0 ELSE 1 END" for i in range(1, width + 1))
    missing = [
        f"({column(f)} IS NULL OR {column(f)} IN ({', '.join(sql_string(v) for v in f.missing_values)})) AS {missing_column(f)}"
        if f.missing_values
        else f"({column(f)} IS NULL) AS {missing_column(f)}"
        for f in fields
    ]
    extra_columns = [f"c{i}" for i in range(len(fields) + 1, width + 1)]
    counted = (
        "SELECT " + ", ".join([*carried_columns, f"{' OR '.join(skipped) or 'FALSE'} AS skipped", f"{n_cells} AS n_cells",
                               *(column(f) for f in fields), *extra_columns, *missing])
        + f" FROM ({source_rows}) AS source_rows"
    )

    typed_columns = []
    for f in fields:
        typed = typed_cell_sql(f.field, column(f))
        value = f"CASE WHEN {missing_column(f)} THEN NULL ELSE {typed.value} END"
        typed_columns.append(f"{value} AS {value_column(f)}")
        if aware_column(f):
            # a time zone counts only where there is a value: an unreadable cell is None in Python
            typed_columns.append(f"CASE WHEN ({value}) IS NULL THEN NULL ELSE {typed.aware} END AS {aware_column(f)}")
    passthrough = [*carried_columns, "skipped", "n_cells", *(column(f) for f in fields), *extra_columns, *(missing_column(f) for f in fields)]
    typed_rows = f"SELECT {', '.join(passthrough + typed_columns)} FROM ({counted}) AS typed_source"

    n_fields = len(fields)
    blank = " AND ".join(missing_column(f) for f in fields) or "FALSE"
    failed_flags = [f"COALESCE({check.failed}, FALSE) AS f{check.id}" for check in checks]
    keys = [c for f in plan.key_fields.values() for c in key_columns(f)]
    flagged = (
        "SELECT " + ", ".join([*carried_columns, "skipped", "n_cells", *(column(f) for f in fields), *extra_columns, *keys,
                               f"{blank} AS blank", *failed_flags])
        + f" FROM ({typed_rows}) AS typed_rows"
    )

    count_terms = [f"CASE WHEN f{c.id} THEN 1 ELSE 0 END" for c in checks] + [f"abs(n_cells - {n_fields})"]
    tokens = [f"CASE WHEN f{c.id} THEN {error_token_sql(str(c.id), f'COALESCE({column(c.field)}, {EMPTY})')} END" for c in checks]
    tokens += [f"CASE WHEN c{i} IS NOT NULL THEN {error_token_sql(f'x{i}', f'c{i}')} END" for i in range(n_fields + 1, width + 1)]
    tokens.append(f"CASE WHEN n_cells <> {n_fields} THEN {error_token_sql('n', 'CAST(n_cells AS VARCHAR)')} END")
    # most rows have no error: the count and the record are built only for those that have one
    has_error = " OR ".join(["blank", f"n_cells <> {n_fields}", *(f"f{c.id}" for c in checks)])
    error_count = f"CASE WHEN blank THEN 1 WHEN {has_error} THEN {' + '.join(count_terms)} END"
    errors = f"CASE WHEN blank THEN {sql_string('blank:0:')} WHEN {has_error} THEN concat_ws('', {', '.join(tokens)}) END"
    return (
        "SELECT " + ", ".join([*carried_columns, "skipped", f"{error_count} AS error_count", f"{errors} AS errors", *keys])
        + f" FROM ({flagged}) AS flagged"
    )


def data_rows_sql(plan: TablePlan, rows: str) -> str:
    """The data rows, over the output of row_checks_sql with row numbers (the header is row 1):
    those after the header that frictionless does not skip."""
    conditions = [f"row_number >= {plan.first_data_row}", "NOT skipped"]
    if plan.comment_rows:
        conditions.append(f"row_number NOT IN ({', '.join(str(n) for n in plan.comment_rows)})")
    return f"SELECT * FROM {rows} WHERE {' AND '.join(conditions)}"


def duplicate_rows_sql(checked: str, key: list[str]) -> str:
    """Rows whose key (NULLs compare equal, as Python tuples) appeared in an earlier row, with
    that earlier row: frictionless reports every occurrence after the first."""
    equal = " AND ".join(f"t.{k} IS NOT DISTINCT FROM d.{k}" for k in key)
    partition = ", ".join(f"t.{k}" for k in key)
    # group 64-bit hashes first, then the few values whose hash repeats: far cheaper than
    # grouping every value when nearly all are unique
    return (
        f"WITH repeated_hashes AS (SELECT hash({', '.join(key)}) AS h FROM {checked} GROUP BY h HAVING count(*) > 1),"
        f" duplicated AS (SELECT {', '.join(key)} FROM {checked} WHERE hash({', '.join(key)}) IN (SELECT h FROM repeated_hashes)"
        f" GROUP BY {', '.join(key)} HAVING count(*) > 1)"
        f" SELECT row_number, previous_row, {key[0]} AS value FROM ("
        f"SELECT t.row_number, lag(t.row_number) OVER (PARTITION BY {partition} ORDER BY t.row_number) AS previous_row,"
        f" {', '.join(f't.{k}' for k in key)}"
        f" FROM {checked} AS t JOIN duplicated AS d ON {equal}) AS occurrences WHERE previous_row IS NOT NULL"
    )


def not_nan_sql(fields: list[FieldPlan], alias: str = "") -> str:
    """No number in the key is NaN: Python finds a NaN equal to nothing, itself included."""
    terms = [f"NOT COALESCE(isnan({alias}{value_column(f)}), FALSE)" for f in fields if f.type == "number"]
    return " AND ".join(terms) or "TRUE"


def unique_violations_sql(checked: str, f: FieldPlan) -> str:
    key = key_columns(f)
    values = f"(SELECT row_number, {', '.join(key)} FROM {checked} WHERE {key[0]} IS NOT NULL AND {not_nan_sql([f])})"
    return duplicate_rows_sql(values, key)


def all_missing_sql(fields: list[FieldPlan]) -> str:
    """True where every one of the key's cells is missing (its typed values are all NULL)."""
    return " AND ".join(f"{value_column(f)} IS NULL" for f in fields)


def missing_key_sql(checked: str, fields: list[FieldPlan]) -> str:
    """(row_number, NULL): rows whose key cells are all missing."""
    return f"SELECT row_number, NULL AS previous_row FROM {checked} WHERE {all_missing_sql(fields)}"


def primary_key_violations_sql(checked: str, fields: list[FieldPlan]) -> str:
    """(row_number, previous_row): duplicates, and rows whose key cells are all missing (previous_row NULL)."""
    key = [c for f in fields for c in key_columns(f)]
    keyed_rows = f"(SELECT row_number, {', '.join(key)} FROM {checked} WHERE NOT ({all_missing_sql(fields)}) AND {not_nan_sql(fields)})"
    return (
        f"SELECT row_number, previous_row FROM ({duplicate_rows_sql(keyed_rows, key)}) AS duplicates"
        f" UNION ALL {missing_key_sql(checked, fields)}"
    )


def foreign_key_violations_sql(checked: str, fields: list[FieldPlan], referenced: str, reference_fields: list[FieldPlan | None]) -> str:
    """Rows whose key is not all missing and matches no row of the referenced table, NULLs
    comparing equal (frictionless looks the key tuple up in a set of tuples)."""
    conditions = []
    for f, r in zip(fields, reference_fields):
        if r is None or key_domain(f.field) != key_domain(r.field):
            conditions.append("FALSE")  # values of different types are never equal in Python
            continue
        for mine, theirs in zip(key_columns(f), key_columns(r)):
            mine, theirs = f"c.{mine}", f"r.{theirs}"
            if f.type != r.type:  # True == 1 in Python
                mine = f"CAST({mine} AS INTEGER)" if f.type == "boolean" else mine
                theirs = f"CAST({theirs} AS INTEGER)" if r.type == "boolean" else theirs
            conditions.append(f"{theirs} IS NOT DISTINCT FROM {mine}")
    key = [c for f in fields for c in key_columns(f)]
    same_key = " AND ".join(f"t.{k} IS NOT DISTINCT FROM b.{k}" for k in key)
    # each distinct key is looked up once, and rows are fetched only for the keys not found
    return (
        f"WITH keys AS (SELECT DISTINCT {', '.join(key)} FROM {checked} WHERE NOT ({all_missing_sql(fields)})),"
        f" broken AS (SELECT * FROM keys AS c"
        f" WHERE NOT ({not_nan_sql(fields, 'c.')} AND EXISTS (SELECT 1 FROM {referenced} AS r WHERE {' AND '.join(conditions)})))"
        f" SELECT t.row_number, {', '.join(f't.{value_column(f)}' for f in fields)} FROM {checked} AS t JOIN broken AS b ON {same_key}"
    )


def transpile(sql: str, dialect: str) -> str:
    """The check SQL for another engine (e.g. "spark"), through sqlglot."""
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE)[0]


# ---------------------------------------------------------------------------------------------
# DuckDB-specific I/O: the bytes checked, the CSV read as text, the rows numbered
# ---------------------------------------------------------------------------------------------

NULL_TEXT = "\x01accord:no-cell\x01"  # never in data: DuckDB's NULL means "no such cell"


class EncodingProblem(Exception):
    """The file is not valid UTF-8 beyond the sample frictionless read."""


@dataclass
class CsvReadOptions:
    width: int
    null_padding: bool
    parallel: bool = True


def scan_request(plan: TablePlan) -> ScanRequest:
    return ScanRequest(plan.resource.path, plan.delimiter.encode(), plan.quote_char.encode(), plan.skip_initial_space)


def apply_scan(plan: TablePlan, scan: ScanResult) -> None:
    """Hand the table to frictionless where DuckDB's parser would read the bytes differently
    from Python's csv module, and choose the file DuckDB reads."""
    plan.read_path = plan.resource.path
    if scan.lone_carriage_return:
        raise HandOff("it has line breaks that are a lone carriage return")
    if plan.bom_kept:
        raise HandOff("it starts with a byte order mark that its declared encoding keeps")
    if scan.spaces_beside_quotes:
        raise HandOff("it has spaces beside quotes, which DuckDB and Python's csv module read differently")
    if scan.empty_line:
        plan.empty_line_marker = f"accordemptyline{uuid.uuid4().hex}"  # letters and digits: one cell


def write_with_empty_line_markers(source: Path, target: Path, marker: str, chunk_size: int = 1 << 24) -> None:
    """Copy the file, writing the marker on each empty line: DuckDB skips empty lines, but
    frictionless counts them (as blank rows)."""
    marker_bytes = marker.encode()
    empty_line = re.compile(rb"\n(?=\r?\n)")
    with open(source, "rb") as reader, open(target, "wb") as writer:
        at_line_start = True
        first = True
        while True:
            chunk = reader.read(chunk_size)
            if not chunk:
                break
            chunk += reader.readline()  # end chunks at a line break
            if first and chunk.startswith(b"\xef\xbb\xbf"):
                writer.write(chunk[:3])
                chunk = chunk[3:]
            first = False
            if at_line_start and (chunk.startswith(b"\n") or chunk.startswith(b"\r\n")):
                chunk = marker_bytes + chunk
            chunk = empty_line.sub(b"\n" + marker_bytes, chunk)
            writer.write(chunk)
            at_line_start = chunk.endswith(b"\n")


def csv_rows_sql(plan: TablePlan, options: CsvReadOptions) -> str:
    """The CSV's rows in file order, header included, with every cell as text (c1 .. c<width>)."""
    if plan.source_is_empty:
        cells = ", ".join(f"CAST(NULL AS VARCHAR) AS c{i}" for i in range(1, options.width + 1))
        return f"SELECT {cells} WHERE FALSE"
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, options.width + 1))
    quote = sql_string(plan.quote_char)
    return (
        f"SELECT * FROM read_csv({sql_string(str(plan.read_path))}, header = false, auto_detect = false,"
        f" delim = {sql_string(plan.delimiter)}, quote = {quote}, escape = {quote},"
        f" columns = {{{columns}}}, nullstr = {sql_string(NULL_TEXT)}, strict_mode = true,"
        f" null_padding = {str(options.null_padding).lower()}, parallel = {str(options.parallel).lower()})"
    )


COLUMN_COUNT = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def materialize_checked(con: Any, plan: TablePlan, table: str, checks: list[CellCheck]) -> None:
    """Check every row in one parallel pass and keep the result in file order, so that a row's
    number is its rowid + 1 (DuckDB keeps insertion order; a window function numbering the
    rows would make the pass single-threaded). Then a view of the data rows, with numbers.

    DuckDB's reader options are retried as the file requires: padding for short rows, more
    columns for long ones, a serial scan for quoted line breaks in padded rows."""
    import duckdb

    options = CsvReadOptions(width=plan.width, null_padding=plan.ragged_sample or plan.empty_line_marker is not None)
    for _attempt in range(8):
        plan.width = options.width
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table}_rows AS"
                f" {row_checks_sql(plan, checks, f'({csv_rows_sql(plan, options)})')}"
            )
            break
        except duckdb.Error as exc:
            message = str(exc)
            if "Invalid unicode" in message:
                line = re.search(r"CSV Error on Line: (\d+)", message)
                raise EncodingProblem(f"not valid UTF-8 (line {line.group(1) if line else '?'})") from exc
            if "does not support null_padding in conjunction with quoted new lines" in message:
                options.parallel = False
                continue
            counts = COLUMN_COUNT.search(message)
            if counts:
                expected, found = map(int, counts.groups())
                # a file with short rows often has long ones too: make room for both at once,
                # as every retry reads the file again (extra columns are NULL where unused)
                if found > expected or not options.null_padding:
                    options.width = max(found, options.width * 2)
                options.null_padding = True
                continue
            if "invalid" in message and ("escape" in message or "operator" in message or "regexp" in message.lower()):
                raise HandOff(f"a pattern constraint is not valid RE2 ({message.splitlines()[0].strip()})") from exc
            if "CSV" not in message:
                raise
            raise HandOff(f"DuckDB's CSV parser rejects it ({message.splitlines()[0].strip()})") from exc
    else:
        raise HandOff("its rows vary too much in width")
    numbered = f"(SELECT rowid + 1 AS row_number, * FROM {table}_rows)"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS {data_rows_sql(plan, numbered)}")


def connect(plans: list[TablePlan], temp_dir: Path) -> Any:
    """An in-memory DuckDB that can read the package's files and nothing else."""
    import duckdb

    con = duckdb.connect(":memory:", config={"threads": os.cpu_count() or 1})
    con.execute("SET enable_progress_bar = false")  # the library does not print
    # DuckDB pushes a TRY_CAST of a CSV column into the reader as a cast that fails: keep casts here
    con.execute("SET disabled_optimizers = 'type_pushdown'")
    con.execute(f"SET temp_directory = {sql_string(str(temp_dir))}")
    con.execute("SET memory_limit = '1GB'")
    paths = ", ".join(sql_string(str(p.read_path)) for p in plans if not p.source_is_empty)
    con.execute(f"SET allowed_paths = [{paths}]")
    con.execute(f"SET allowed_directories = [{sql_string(str(temp_dir) + os.sep)}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


# ---------------------------------------------------------------------------------------------
# Orchestration: plan, read and check every table, then report in frictionless's order
# ---------------------------------------------------------------------------------------------


@dataclass
class RowError:
    """An error found in a row, with what frictionless_order needs to place it."""

    row: int
    kind: str  # "cell" (type or constraint), "cells" (extra or missing), "blank", "unique", "primary-key", "foreign-key"
    key: Any  # the field name (cell, unique), the foreign key's index (foreign-key), else None
    error: Error


def frictionless_order(plan: TablePlan, found: list[RowError]) -> list[Error]:
    """The errors as frictionless reports them, which decides what its 1000-error limit keeps.

    Row by row; within a row frictionless reads the key fields first (unique fields, primary
    key, foreign keys, in that order) and reads the rest of the row when it first reports a
    key error, or at the end: cells in field order, then extra or missing cells. A blank row
    replaces the row's cell errors."""
    by_row: dict[int, list[RowError]] = {}
    for e in found:
        by_row.setdefault(e.row, []).append(e)
    ordered: list[Error] = []
    for row in sorted(by_row):
        errors = by_row[row]
        cell_errors_of = {f.name: [e.error for e in errors if e.kind == "cell" and e.key == f.name] for f in plan.fields}
        in_order: list[Error] = []
        read: set[str] = set()
        whole_row_read = False

        def read_field(name: str) -> None:
            if name not in read:
                read.add(name)
                in_order.extend(cell_errors_of.get(name, []))

        def read_whole_row() -> None:
            nonlocal whole_row_read, in_order
            if whole_row_read:
                return
            whole_row_read = True
            for f in plan.fields:
                read_field(f.name)
            in_order.extend(e.error for e in errors if e.kind == "cells")
            blank = [e.error for e in errors if e.kind == "blank"]
            if blank:
                in_order = blank

        def key_error(kind: str, key: Any, fields: list[str]) -> None:
            for name in fields:
                read_field(name)
            reported = [e.error for e in errors if e.kind == kind and e.key == key]
            if reported:
                read_whole_row()
                in_order.extend(reported)

        for f in plan.unique_fields:
            key_error("unique", f.name, [f.name])
        if plan.primary_key:
            key_error("primary-key", None, [f.name for f in plan.primary_key])
        for fk in plan.foreign_keys:
            key_error("foreign-key", fk.index, fk.fields)
        read_whole_row()
        ordered.extend(in_order)
    return ordered


def validate_with_duckdb(package: Package) -> tuple[list[Task], list[str]]:
    """One Task per resource, and notes (tables handed to frictionless, and why)."""
    plan = plan_package(package)
    tasks: dict[str, Task] = {}
    temp_dir = Path(tempfile.mkdtemp(prefix="accord-duckdb-"))
    try:
        tasks.update(check_tables(plan, temp_dir))
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)
    notes = [f"{name}: validated with frictionless: {reason}" for name, reason in plan.handed_off.items()]
    if plan.handed_off:
        from accord.validate.frictionless_engine import validate_with_frictionless

        for task in validate_with_frictionless(package, names=list(plan.handed_off)):
            tasks[task.table] = task
    return [tasks[r.name] for r in package.resources if r.name in tasks], notes


def check_tables(plan: PackagePlan, temp_dir: Path) -> dict[str, Task]:
    """Read every planned table once, then run the key checks; tables DuckDB cannot read
    (and the tables whose foreign keys need them) move to plan.handed_off."""
    tables = plan.tables
    if not tables:
        return {}
    for table in tables.values():
        if table.empty_line_marker:
            table.read_path = temp_dir / f"{len(os.listdir(temp_dir))}.csv"
            write_with_empty_line_markers(table.resource.path, table.read_path, table.empty_line_marker)
    tasks: dict[str, Task] = {}
    checked_tables = {name: f"checked_{index}" for index, name in enumerate(tables)}
    checks = {name: cell_checks(table) for name, table in tables.items()}
    read_seconds: dict[str, float] = {}
    unread: set[str] = set()
    con = connect(list(tables.values()), temp_dir)
    try:
        for name, table in tables.items():
            started = time.perf_counter()
            try:
                materialize_checked(con, table, checked_tables[name], checks[name])
            except EncodingProblem as problem:
                tasks[name] = encoding_error_task(table, str(problem))
                tasks[name].stats["seconds"] = round(time.perf_counter() - started, 3)
                unread.add(name)
            except HandOff as reason:
                plan.handed_off[name] = str(reason)
                unread.add(name)
            read_seconds[name] = time.perf_counter() - started
        readable = {name: t for name, t in tables.items() if name not in unread}
        for name in foreign_key_closure(readable, unread):
            plan.handed_off[name] = "its foreign key refers to a table DuckDB could not read"
            readable.pop(name)
        for name, table in readable.items():
            started = time.perf_counter()
            tasks[name] = table_task(con, table, tables, checked_tables, checks[name])
            tasks[name].stats["seconds"] = round(read_seconds[name] + time.perf_counter() - started, 3)
    finally:
        con.close()
    return tasks


def encoding_error_task(plan: TablePlan, problem: str) -> Task:
    error = Error(
        code="encoding-error",
        table=plan.name,
        message=f"{plan.resource.relpath}: The data source could not be successfully decoded: {problem}",
    )
    return Task(
        name=f"validate:{plan.name}", kind="validation", table=plan.name, engine="duckdb",
        errors=[*plan.header_errors, error], stats={"rows": None, "errors_total": len(plan.header_errors) + 1},
        notes=["rows were not checked: the file must be valid UTF-8 first"],
    )


def table_task(con: Any, plan: TablePlan, plans: dict[str, TablePlan], checked_tables: dict[str, str], checks: list[CellCheck]) -> Task:
    """The table's errors in frictionless's order (header, then row by row, then the file),
    the first MAX_ERRORS of them, and the total."""
    checked = checked_tables[plan.name]
    rows, cell_error_total = con.execute(f"SELECT count(*), COALESCE(sum(error_count), 0) FROM {checked}").fetchone()
    found: list[RowError] = []
    total = len(plan.header_errors) + int(cell_error_total)
    if cell_error_total:
        found += pass_errors(con, plan, checked, checks)
    duplicates: dict[str, tuple[list[tuple], int]] = {}
    for f in plan.unique_fields:
        violations, count = fetch_limited(con, unique_violations_sql(checked, f))
        duplicates[f.name] = ([(row, previous) for row, previous, *_ in violations], count)
        total += count
        found += [unique_error(plan, f, row, previous, values) for row, previous, *values in violations]
    if plan.primary_key:
        if len(plan.primary_key) == 1 and plan.primary_key[0].name in duplicates:
            # a one-field key that is also unique: its duplicates are the unique field's, found above
            repeated, count = duplicates[plan.primary_key[0].name]
            missing, missing_count = fetch_limited(con, missing_key_sql(checked, plan.primary_key))
            violations = sorted([*repeated, *missing], key=lambda v: v[0])[:MAX_ERRORS]
            count += missing_count
        else:
            violations, count = fetch_limited(con, primary_key_violations_sql(checked, plan.primary_key))
        total += count
        found += [primary_key_error(plan, row, previous) for row, previous in violations]
    if plan.foreign_keys:
        violations, count = foreign_key_errors(con, plan, plans, checked_tables)
        total += count
        found += violations
    errors = [*plan.header_errors, *frictionless_order(plan, found)]
    if total < MAX_ERRORS:  # frictionless checks the file as a whole only when it read every row
        file_errors = declared_stats_errors(plan, int(rows))
        errors += file_errors
        total += len(file_errors)
    task = Task(
        name=f"validate:{plan.name}", kind="validation", table=plan.name, engine="duckdb",
        errors=errors[:MAX_ERRORS], stats={"rows": int(rows), "errors_total": total},
    )
    if total > len(task.errors):
        task.notes.append(f"showing the first {len(task.errors)} of {total} errors")
    return task


def foreign_key_errors(con: Any, plan: TablePlan, plans: dict[str, TablePlan], checked_tables: dict[str, str]) -> tuple[list[RowError], int]:
    """The errors in the first MAX_ERRORS rows that break each foreign key, and how many in all."""
    found: list[RowError] = []
    total = 0
    for fk in plan.foreign_keys:
        reference = plans[fk.reference_table]
        sql = foreign_key_violations_sql(
            checked_tables[plan.name], [plan.field_named(n) for n in fk.fields],
            checked_tables[fk.reference_table], [reference.field_named(n) for n in fk.reference_fields],
        )
        violations, count = fetch_limited(con, sql)
        total += count
        found += [foreign_key_error(plan, fk, row, shown(values)) for row, *values in violations]
    return found, total


def pass_errors(con: Any, plan: TablePlan, checked: str, checks: list[CellCheck]) -> list[RowError]:
    """The errors the reading pass found, in the first MAX_ERRORS rows that have any."""
    records = con.execute(
        f"SELECT row_number, errors FROM {checked} WHERE errors IS NOT NULL ORDER BY row_number LIMIT {MAX_ERRORS}"
    ).fetchall()
    check_by_id = {str(c.id): c for c in checks}
    return [e for row, record in records for e in row_errors(plan, row, parse_error_tokens(record), check_by_id)]


def shown(values: list[Any]) -> str:
    return ", ".join("None" if v is None else str(v) for v in values)


def unique_error(plan: TablePlan, f: FieldPlan, row: int, previous: int, values: list[Any]) -> RowError:
    return RowError(row, "unique", f.name, Error(
        code="unique-error", table=plan.name, row=row, field=f.name, rule="unique", values=values[:1],
        message=(f'{plan.resource.relpath}: Row at position "{row}" has unique constraint violation in field '
                 f'"{f.name}" at position "{f.number}": the same as in the row at position {previous}'),
    ))


def primary_key_error(plan: TablePlan, row: int, previous: int | None) -> RowError:
    note = f"the same as in the row at position {previous}" if previous else 'cells composing the primary keys are all "None"'
    return RowError(row, "primary-key", None, Error(
        code="primary-key", table=plan.name, row=row, rule="primaryKey",
        message=f'{plan.resource.relpath}: Row at position "{row}" violates the primary key: {note}',
    ))


def foreign_key_error(plan: TablePlan, fk: ForeignKeyPlan, row: int, values: str) -> RowError:
    note = (f'for "{", ".join(fk.fields)}": values "{values}" not found in the lookup table '
            f'"{fk.reference_table}" as "{", ".join(fk.reference_fields)}"')
    return RowError(row, "foreign-key", fk.index, Error(
        code="foreign-key", table=plan.name, row=row, rule="foreignKey", values=[values],
        message=f'{plan.resource.relpath}: Row at position "{row}" violates the foreign key: {note}',
    ))


def declared_stats_errors(plan: TablePlan, rows: int) -> list[Error]:
    """The resource's declared hash, bytes, fields and rows against the file (checked last)."""
    from frictionless import helpers

    declared = plan.declared_stats
    path = plan.resource.path
    actual: dict[str, Any] = {}
    if declared.get("hash"):
        algorithm, expected = helpers.parse_resource_hash_v1(declared["hash"])
        digest = hashlib.new(algorithm)
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        actual["hash"] = (expected, digest.hexdigest())
    if declared.get("bytes"):
        actual["bytes"] = (declared["bytes"], path.stat().st_size)
    if declared.get("fields"):
        actual["fields"] = (declared["fields"], plan.schema_field_count)
    if declared.get("rows"):
        actual["rows"] = (declared["rows"], rows)
    codes = {"hash": "hash-count", "bytes": "byte-count", "fields": "field-count", "rows": "row-count"}
    return [
        Error(code=codes[name], table=plan.name, rule=name,
              message=f'{plan.resource.relpath}: The data source does not match the expected {name}: expected is "{expected}" and actual is "{found}"')
        for name, (expected, found) in actual.items()
        if expected != found
    ]


def fetch_limited(con: Any, sql: str) -> tuple[list[tuple], int]:
    """The first MAX_ERRORS rows of a violations query, in row order, and how many there are."""
    rows = con.execute(
        f"SELECT *, count(*) OVER () AS total FROM ({sql}) AS violations ORDER BY 1 LIMIT {MAX_ERRORS}"
    ).fetchall()
    total = rows[0][-1] if rows else 0
    return [r[:-1] for r in rows], int(total)


def row_errors(plan: TablePlan, row: int, tokens: list[tuple[str, str]], check_by_id: dict[str, CellCheck]) -> list[RowError]:
    """The errors found in one row's pass, from its error record (see parse_error_tokens)."""
    path = plan.resource.relpath
    out: list[RowError] = []
    for tag, text in tokens:
        if tag == "blank":
            out.append(RowError(row, "blank", None, Error(code="blank-row", table=plan.name, row=row,
                                                      message=f'{path}: Row at position "{row}" is completely blank')))
        elif tag == "n":
            n_cells = int(text)
            for f in plan.fields[n_cells:]:
                out.append(RowError(row, "cells", None, Error(
                    code="missing-cell", table=plan.name, row=row, field=f.name,
                    message=f'{path}: Row at position "{row}" has a missing cell in field "{f.name}" at position "{f.number}"',
                )))
        elif tag.startswith("x"):
            number = int(tag[1:])
            out.append(RowError(row, "cells", None, Error(
                code="extra-cell", table=plan.name, row=row, field="", values=[text],
                message=f'{path}: Row at position "{row}" has an extra value in field at position "{number}"',
            )))
        else:
            check = check_by_id[tag]
            f = check.field
            cell = text
            if check.code == "type-error":
                message = f'Type error in the cell "{cell}" in row "{row}" and field "{f.name}" at position "{f.number}": {check.note}'
            else:
                message = f'The cell "{cell}" in row at position "{row}" and field "{f.name}" at position "{f.number}" does not conform to a constraint: {check.note}'
            out.append(RowError(row, "cell", f.name, Error(
                code=check.code, table=plan.name, row=row, field=f.name, rule=check.note,
                values=[cell] if cell else [], message=f"{path}: {message}",
            )))
    return out

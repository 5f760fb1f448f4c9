"""The planner: what the DuckDB engine checks in each table, read from frictionless itself.

frictionless opens each resource on a sample, exactly as `frictionless validate` does:
encoding, CSV dialect (sniffed when not declared), header row, labels, header errors and the
fields each row is read against. A scan of the bytes finds what DuckDB's CSV parser would read
differently from Python's csv module. Whatever the engine does not cover is handed to
frictionless, with the reason.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from accord import limits
from accord.package import Package, Resource
from accord.report import Error
from accord.validate.bytescan import BOM, ScanRequest, ScanResult, scan_files
from accord.validate.compressed import ExpandedFiles, NotExpanded
from accord.validate.constraint_sql import constraint_literals
from accord.validate.plan import (
    SUPPORTED_ENCODINGS,
    SUPPORTED_LIST_ITEM_TYPES,
    SUPPORTED_STRING_FORMATS,
    SUPPORTED_TYPES,
    TEMPORAL_TYPES,
    FieldPlan,
    ForeignKeyPlan,
    HandOff,
    Keep,
    PackagePlan,
    TablePlan,
    UnreadableConstraint,
    kept_fields,
)
from accord.validate.typing_sql import strptime_pattern

# Above this many fields the engine's one query per table takes longer to plan than frictionless
# takes to read a few rows (2,000 integer fields: 13 s against 2.3 s); such tables are rare.
MAX_FIELDS = 1000

def plan_package(package: Package, keep: Keep = None, expanded: ExpandedFiles | None = None,
                 check_rows: bool = True, cluster: Any = None) -> PackagePlan:
    """What the engine checks in each table it reads, and which tables it hands to frictionless
    (and why). keep: the fields whose typed values the pass keeps for build and check; expanded:
    where compressed tables are expanded (without it, they are handed to frictionless);
    check_rows=False: no key query will run, so of the key values only the primary key's (it
    names failing rows) are kept. cluster (accord.spark.files.ClusterFiles): reads the tables at
    Hadoop URLs (Resource.location) for the Spark engine."""
    from frictionless import FrictionlessException, system

    limits.bound_frictionless()
    tables: dict[str, TablePlan] = {}
    handed_off: dict[str, str] = {}
    codes: dict[str, str] = {}
    with system.use_context(trusted=package.trusted):
        fpackage = package.frictionless(shared=True)  # read only (probes are copies)
        for resource in package.resources:
            try:
                tables[resource.name] = plan_table(resource, fpackage.get_resource(resource.name), expanded, cluster)
            except HandOff as reason:
                handed_off[resource.name] = str(reason)
                codes[resource.name] = reason.code
            except FrictionlessException as exc:
                handed_off[resource.name] = f"frictionless cannot open it ({exc.error.type})"
    scanned = [plan for plan in tables.values() if not plan.source_is_empty and not plan.location]
    # the lines are counted for build's memory for its key indexes (keep "all") only
    scans = list(zip(scanned, scan_files([scan_request(plan, keep == "all") for plan in scanned])))
    scans += [(plan, cluster.scan(plan.location, plan.delimiter, plan.quote_char, plan.skip_initial_space))
              for plan in tables.values() if plan.location and not plan.source_is_empty]
    for plan, scan in scans:
        try:
            apply_scan(plan, scan)
        except HandOff as reason:
            handed_off[plan.name] = str(reason)
            codes[plan.name] = reason.code
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
    for plan in tables.values():
        plan.kept = kept_fields(keep, plan.name, [f.name for f in plan.fields])
        if not check_rows:
            primary = {f.name for f in plan.primary_key}
            plan.key_fields = {n: f for n, f in plan.key_fields.items() if n in primary or n in plan.kept}
    return PackagePlan(tables, handed_off, codes)


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


def plan_table(resource: Resource, fresource: Any, expanded: ExpandedFiles | None = None, cluster: Any = None) -> TablePlan:
    """Open the resource with frictionless (a sample only) and record what to check. A compressed
    file is expanded first, and everything reads the copy."""
    if resource.location:
        return plan_cluster_table(resource, fresource, cluster)
    if resource.inline:
        raise HandOff("its data is inline, in the descriptor")
    if not resource.paths:
        raise HandOff("it has no path")
    if not resource.path.is_file():
        raise HandOff("its file is missing" if not resource.path.exists() else "its path is not a regular file")
    if len(resource.paths) > 1:
        raise HandOff("its path has several parts")
    if fresource.format not in ("csv", "tsv"):
        raise HandOff(f"its format is {fresource.format or 'unknown'}, not CSV")
    if fresource.has_defined("schema") and len(fresource.schema.fields) > MAX_FIELDS:
        raise HandOff(f"it has {len(fresource.schema.fields)} fields: compiling one query for that many costs more "
                      "than reading the rows")
    source = resource.path
    if fresource.compression:
        if expanded is None:
            raise HandOff(f"it is compressed ({fresource.compression}) and no folder was given to expand it in")
        try:
            source = expanded.copy_of(resource, fresource)
        except NotExpanded as reason:
            raise HandOff(str(reason)) from None
    probe = fresource.to_copy()
    if probe.has_defined("schema"):  # (asking a resource without one for its schema would make it empty)
        probe.schema.foreign_keys = []  # opening with foreign keys would read the referenced tables
    if source != resource.path:  # the sample from the copy: frictionless would expand the file again (a zip whole)
        probe.path, probe.compression, probe.innerpath = str(source), None, None
    limits.check_sampled_lines(source, resource.relpath)  # before frictionless samples them
    with probe:
        return plan_open_table(resource, probe, fresource, source)


def plan_cluster_table(resource: Resource, fresource: Any, cluster: Any) -> TablePlan:
    """A table at a Hadoop URL: frictionless opens a local sample of its first lines, read by
    Spark (accord.spark.files). What would need a local copy of the whole file is refused."""
    if cluster is None:
        raise HandOff("its path is a Hadoop file system URL, which only the Spark engine reads")
    if fresource.format not in ("csv", "tsv"):
        raise HandOff(f"its format is {fresource.format or 'unknown'}, not CSV (Spark reads CSV at a Hadoop URL)")
    if fresource.compression:
        raise HandOff(f"it is compressed ({fresource.compression}): accord expands files in a local folder only")
    if resource.encoding not in SUPPORTED_ENCODINGS:
        raise HandOff(f"its encoding is {resource.encoding}: accord reads other encodings than UTF-8 from a local copy")
    sample = cluster.sample(resource.location, resource.relpath)
    probe = fresource.to_copy()
    if probe.has_defined("schema"):
        probe.schema.foreign_keys = []
    probe.path, probe.compression, probe.innerpath = str(sample), None, None
    probe.scheme = "file"  # (frictionless keeps the scheme it read from the URL)
    if not probe.has_defined("encoding"):
        probe.encoding = "utf-8"  # the sample is UTF-8 as Spark decoded it; the file is checked as it is read
    with probe:
        plan = plan_open_table(resource, probe, fresource, sample)
    plan.location, plan.cluster = resource.location, cluster
    return plan


def plan_open_table(resource: Resource, probe: Any, fresource: Any, source: Path) -> TablePlan:
    """The plan, from the resource opened by frictionless (probe) and the file of its bytes
    (source: the resource's file, or its expanded copy)."""
    # the declared schema, with its keys; or, where none is declared, the one frictionless inferred
    schema = fresource.schema if fresource.has_defined("schema") else probe.schema
    dialect = probe.dialect
    control = dialect.get_control("csv").to_python()
    transcode_from = None
    if probe.encoding not in SUPPORTED_ENCODINGS:
        if not ascii_compatible(probe.encoding):
            raise HandOff(f"its encoding is {probe.encoding}")
        transcode_from = probe.encoding  # read from a UTF-8 copy (unless the bytes are plain ASCII)
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
    if not expected:
        raise HandOff("it has no fields (no schema, and no header to infer one from)")
    if len(expected) > MAX_FIELDS:
        raise HandOff(f"it has {len(expected)} fields: compiling one query for that many costs more than reading the rows")
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
    primary_key = list(schema.primary_key)
    foreign_keys = [
        ForeignKeyPlan(
            index=index,
            fields=list(fk["fields"]),
            reference_table=fk["reference"]["resource"] or resource.name,  # "" refers to itself
            reference_fields=list(fk["reference"]["fields"]),
        )
        for index, fk in enumerate(schema.foreign_keys)
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
        schema_field_count=len(schema.fields),
        schema=schema,
        source_path=source,
    )
    plan.transcode_from = transcode_from
    for f in [*plan.unique_fields, *plan.primary_key]:
        plan.add_key_field(f)
    if not source_is_empty:
        with open(source, "rb") as handle:
            plan.bom_kept = handle.read(3) == BOM and probe.encoding == "utf-8" and not dialect.header
    return plan


def ascii_compatible(encoding: str) -> bool:
    """Whether the encoding writes ASCII as ASCII, one byte each (latin-1, cp1252, the iso-8859
    family ...): the byte scan then reads the file as it is, and DuckDB reads a UTF-8 copy."""
    import codecs

    try:
        codecs.lookup(encoding)
        sample = bytes(range(128))
        return sample.decode(encoding) == sample.decode("ascii") and "".join(map(chr, range(128))).encode(encoding) == sample
    except (LookupError, UnicodeError):
        return False


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



def scan_request(plan: TablePlan, count_lines: bool = True) -> ScanRequest:
    return ScanRequest(plan.source_path, plan.delimiter.encode(), plan.quote_char.encode(), plan.skip_initial_space,
                       count_lines)


def apply_scan(plan: TablePlan, scan: ScanResult) -> None:
    """Hand the table to frictionless where DuckDB's parser would read the bytes differently
    from Python's csv module, and choose the file DuckDB reads."""
    plan.read_path = plan.location or plan.source_path
    plan.line_breaks = scan.line_breaks
    if scan.lone_carriage_return:
        raise HandOff("it has line breaks that are a lone carriage return")
    if plan.bom_kept:
        raise HandOff("it starts with a byte order mark that its declared encoding keeps")
    if scan.spaces_beside_quotes:
        raise HandOff("it has spaces beside quotes, which DuckDB and Python's csv module read differently")
    if scan.empty_line:
        if plan.location:
            raise HandOff("it has empty lines, which accord numbers as frictionless does only in a local copy of the file")
        plan.empty_line_marker = f"accordemptyline{uuid.uuid4().hex}"  # letters and digits: one cell


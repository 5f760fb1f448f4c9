"""Every code accord reports, in one catalogue: frictionless's codes, where the meaning is the
same, and accord's own.

Each code has a title, a one-sentence description and whether it means the input could not be
read ("unreadable": the run exits 2), as opposed to data that was read and failed (exit 1).
docs/codes.md is generated from this table (`python -m accord.codes > docs/codes.md`) and a
test keeps the two equal; another test finds every code frictionless can raise here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    description: str
    unreadable: bool = False
    origin: str = "frictionless"  # or "accord"


def _codes(origin: str, unreadable: bool, rows: list[tuple[str, str, str]]) -> list[Code]:
    return [Code(code, title, description, unreadable, origin) for code, title, description in rows]


CODES: dict[str, Code] = {
    c.code: c
    for c in [
        # The descriptor and the files: nothing can be read reliably past these.
        *_codes("frictionless", True, [
            ("package-error", "Package error", "The package descriptor is not valid or cannot be read."),
            ("resource-error", "Resource error", "A resource descriptor is not valid."),
            ("schema-error", "Schema error", "A Table Schema is not valid."),
            ("field-error", "Field error", "A field descriptor is not valid, or a constraint value cannot be read as the field's type."),
            ("dialect-error", "Dialect error", "The CSV dialect is not valid."),
            ("control-error", "Control error", "The format-specific options of a resource cannot be used."),
            ("checklist-error", "Checklist error", "A validation checklist is not valid."),
            ("check-error", "Check error", "A check in a validation checklist is not valid."),
            ("detector-error", "Detector error", "The options for inferring a schema or dialect are not valid."),
            ("inquiry-error", "Inquiry error", "An inquiry (a batch of validations) is not valid."),
            ("inquiry-task-error", "Inquiry task error", "A task of an inquiry is not valid."),
            ("pipeline-error", "Pipeline error", "A transformation pipeline is not valid."),
            ("step-error", "Step error", "A step of a transformation pipeline is not valid."),
            ("report-error", "Report error", "A validation report is not valid."),
            ("report-task-error", "Report task error", "A task of a validation report is not valid."),
            ("catalog-error", "Catalog error", "A catalog of packages is not valid."),
            ("dataset-error", "Dataset error", "A dataset of a catalog is not valid."),
            ("stats-error", "Stats error", "Declared statistics (hash, bytes, fields, rows) are not valid."),
            ("metadata-error", "Metadata error", "A metadata descriptor is not valid."),
            ("source-error", "Source error", "The data source is empty or its contents cannot be read as a table."),
            ("scheme-error", "Scheme error", "The file does not exist, is not a regular file, or its scheme (file, http ...) cannot be read."),
            ("format-error", "Format error", "The file's format is not one that can be read as a table."),
            ("encoding-error", "Encoding error", "The bytes of the file cannot be decoded with its encoding."),
            ("compression-error", "Compression error", "The file cannot be decompressed."),
        ]),
        # File-level statistics the descriptor declares.
        *_codes("frictionless", False, [
            ("hash-count", "Hash mismatch", "The file's hash differs from the hash the descriptor declares."),
            ("byte-count", "Byte count mismatch", "The file's size differs from the bytes the descriptor declares."),
            ("field-count", "Field count mismatch", "The schema holds another number of fields than the descriptor declares."),
            ("row-count", "Row count mismatch", "The table holds another number of rows than the descriptor declares."),
            ("table-dimensions", "Table dimensions", "The table's numbers of rows or fields are outside the given bounds."),
        ]),
        # The header row.
        *_codes("frictionless", False, [
            ("blank-header", "Blank header", "The header row is empty."),
            ("extra-label", "Extra label", "The header has a label beyond the schema's fields."),
            ("missing-label", "Missing label", "The header has fewer labels than the schema has fields."),
            ("blank-label", "Blank label", "A label of the header is empty."),
            ("duplicate-label", "Duplicate label", "Two labels of the header are the same."),
            ("incorrect-label", "Incorrect label", "A label differs from the name of the field in its place."),
            ("unmatched-header", "Unmatched header", "The header does not match the schema."),
        ]),
        # Rows and cells.
        *_codes("frictionless", False, [
            ("blank-row", "Blank row", "Every cell of the row is empty or a missing value."),
            ("extra-cell", "Extra cell", "The row has more cells than the schema has fields."),
            ("missing-cell", "Missing cell", "The row has fewer cells than the schema has fields."),
            ("type-error", "Type error", "The cell cannot be read as the field's type and format."),
            ("constraint-error", "Constraint error", "The cell's value breaks one of the field's constraints (required, enum, pattern, minimum ...)."),
            ("unique-error", "Unique error", "The value of a unique field appears in an earlier row."),
            ("primary-key", "Primary key error", "The row's primary key appears in an earlier row, or all of its cells are missing."),
            ("foreign-key", "Foreign key error", "The row's foreign key matches no row of the table it refers to."),
            ("duplicate-row", "Duplicate row", "The row repeats an earlier row exactly."),
            ("row-constraint", "Row constraint", "The row breaks a formula over its cells."),
            ("truncated-value", "Truncated value", "The cell looks cut off at a common length limit."),
            ("forbidden-value", "Forbidden value", "The cell holds a value from a forbidden list."),
            ("sequential-value", "Sequential value", "The cell breaks a sequence that the field should follow."),
            ("ascii-value", "Non-ASCII value", "The cell holds characters outside ASCII."),
            ("deviated-value", "Deviated value", "The cell's value is far from the field's average."),
            ("deviated-cell", "Deviated cell", "The cell is much longer than the other cells of its field."),
            ("required-value", "Required value", "A value that must appear in the field does not."),
            ("cell-error", "Cell error", "A cell is not valid (the general class of cell errors)."),
            ("row-error", "Row error", "A row is not valid (the general class of row errors)."),
            ("label-error", "Label error", "A label is not valid (the general class of label errors)."),
            ("header-error", "Header error", "The header is not valid (the general class of header errors)."),
            ("table-error", "Table error", "The table is not valid (the general class of table errors)."),
            ("file-error", "File error", "The file is not valid (the general class of file errors)."),
            ("data-error", "Data error", "The data is not valid (the general class of data errors)."),
            ("error", "Error", "An error frictionless does not classify further."),
        ]),
        # accord's own codes.
        *_codes("accord", True, [
            ("engine-error", "Engine error", "The validation engine could not validate the table (the reference validator crashed on it); nothing was checked."),
            ("limit-reached", "Limit reached", "The command reached one of its limits (--timeout, --memory-limit, --max-expanded, --max-cell, --pattern-timeout) and stopped; nothing was written."),
        ]),
        *_codes("accord", False, [
            ("expectation-failed", "Expectation failed", "A rule of an expectation suite does not hold; the error's severity is the rule's (error or warning)."),
            ("key-outside-schema", "Key outside the schema", "A resource declares primaryKey, primaryKeys, foreignKeys or uniqueKeys outside its schema, where no validator reads them: the key is not checked (a warning)."),
            ("expectation-error", "Expectation could not run", "A rule of an expectation suite could not be evaluated (a bad configuration, a missing table, an engine error); never counted as passed."),
        ]),
    ]
}

UNREADABLE = frozenset(code for code, c in CODES.items() if c.unreadable)


def describe(code: str) -> Code:
    """The catalogue entry; a code that is not in it is treated as data failing (not unreadable)."""
    return CODES.get(code) or Code(code, code, "A code accord does not know (please report it).", False, "unknown")


def markdown() -> str:
    """docs/codes.md: the catalogue as a table."""
    lines = [
        "# Codes accord reports",
        "",
        "Generated from `cli/accord/codes.py` by `python -m accord.codes > docs/codes.md`.",
        "",
        "Codes from frictionless mean what they mean there, so they can be looked up in its",
        "documentation; accord's own codes are marked. An **unreadable** code means the input could",
        "not be read at all: the run exits 2. Any other error-severity code means the data was read",
        "and failed: exit 1.",
        "",
        "| code | title | origin | unreadable | meaning |",
        "|---|---|---|---|---|",
    ]
    for c in CODES.values():
        lines.append(f"| `{c.code}` | {c.title} | {c.origin} | {'yes' if c.unreadable else ''} | {c.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")

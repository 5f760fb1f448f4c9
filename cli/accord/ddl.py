"""DuckDB tables for loaded tables: types, constraints, comments and Parquet metadata.

Column types come from accord.fieldtypes; a string field with an enum constraint gets an ENUM
type named <table>_<field>. Constraints, for valid data only: required -> NOT NULL, primaryKey ->
PRIMARY KEY, unique and uniqueKeys -> UNIQUE, each added after the rows are in (one pass per
index, instead of one index update per row).

Foreign keys are not declared in DuckDB: DuckDB can only declare them when a table is created,
and then checks each inserted row against the referenced table's index, which made the build
of a million statements three times slower (docs/validation-engine.md); validation has already
checked them. Each foreign-key column's comment names what it refers to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from accord.sql import quote_identifier, quote_literal
from accord.validate import LoadedTable


@dataclass
class ForeignKey:
    fields: list[str]
    resource: str  # the referenced table ("" in the descriptor: this table)
    reference_fields: list[str]



def foreign_keys(table: LoadedTable) -> list[ForeignKey]:
    return [
        ForeignKey(list(fk["fields"]), fk["reference"]["resource"] or table.name, list(fk["reference"]["fields"]))
        for fk in table.schema.foreign_keys
    ]


def primary_key(table: LoadedTable) -> list[str]:
    return list(table.schema.primary_key)


def unique_keys(table: LoadedTable) -> list[list[str]]:
    keys = [[f.name] for f in table.fields if f.constraints.get("unique")]
    for key in table.schema.to_descriptor().get("uniqueKeys") or []:
        keys.append([key] if isinstance(key, str) else list(key))
    return keys


def enum_values(fld: Any) -> list[str] | None:
    if fld.type != "string":
        return None
    values = fld.constraints.get("enum")
    return list(dict.fromkeys(str(v) for v in values)) if values else None


def enum_type_name(table: str, field_name: str) -> str:
    return f"{table}_{field_name}"


def sql_type(table: LoadedTable, fld: Any) -> str:
    """The column's DuckDB type, its ENUM type where the field has an enum constraint."""
    return quote_identifier(enum_type_name(table.name, fld.name)) if enum_values(fld) else table.column_type(fld)


def create_table_sql(table: LoadedTable) -> list[str]:
    """CREATE TYPE (for enums) and CREATE TABLE statements for one table, without constraints:
    a bulk load into a table without indexes is several times faster (see constraint_sql)."""
    statements = [
        f"CREATE TYPE {quote_identifier(enum_type_name(table.name, f.name))} AS ENUM ({', '.join(map(quote_literal, values))})"
        for f in table.fields if (values := enum_values(f))
    ]
    columns = ",\n  ".join(f"{quote_identifier(f.name)} {sql_type(table, f)}" for f in table.fields)
    statements.append(f"CREATE TABLE {quote_identifier(table.name)} (\n  {columns}\n)")
    return statements


def constraint_sql(table: LoadedTable) -> list[str]:
    """The keys of valid data, added once the rows are in (each index built in one pass):
    NOT NULL, the primary key, UNIQUE for unique fields and uniqueKeys."""
    name = quote_identifier(table.name)
    key = primary_key(table)
    statements = [f"ALTER TABLE {name} ALTER COLUMN {quote_identifier(f.name)} SET NOT NULL"
                  for f in table.fields if f.constraints.get("required") and f.name not in key]
    if key:
        statements.append(f"ALTER TABLE {name} ADD PRIMARY KEY ({', '.join(map(quote_identifier, key))})")
    for unique in unique_keys(table):
        if unique != key:
            statements.append(f"ALTER TABLE {name} ADD UNIQUE ({', '.join(map(quote_identifier, unique))})")
    return statements


def insert_sql(table: LoadedTable, strict: bool) -> str:
    """INSERT the loaded values, in file order; enum columns cast to their type (a value outside
    the enum fails a strict insert, and is NULL in a forced one)."""
    cast = "CAST" if strict else "TRY_CAST"
    columns = ", ".join(
        f"{cast}({quote_identifier(f.name)} AS {sql_type(table, f)})" if enum_values(f) else quote_identifier(f.name)
        for f in table.fields
    )
    return f"INSERT INTO {quote_identifier(table.name)} SELECT {columns} FROM {table.relation} AS loaded"


def select_sql(table: LoadedTable, strict: bool = True) -> str:
    """The loaded values as the built table holds them (no row number), for an export: in a
    forced build, a value outside its enum is NULL, as in the table."""
    def column(f: Any) -> str:
        name = quote_identifier(f.name)
        if strict or not enum_values(f):
            return name
        return f"CASE WHEN {name} IN ({', '.join(map(quote_literal, enum_values(f)))}) THEN {name} END AS {name}"

    return f"SELECT {', '.join(map(column, table.fields))} FROM {table.relation} AS loaded"


def comment(descriptor: Any) -> str | None:
    if not isinstance(descriptor, dict):
        return None
    parts = [descriptor[k] for k in ("title", "description") if isinstance(descriptor.get(k), str) and descriptor[k]]
    return " — ".join(parts) or None


def comment_sql(table: LoadedTable) -> list[str]:
    """Comments from titles and descriptions; a column that is a foreign key says what it refers to."""
    name = quote_identifier(table.name)
    statements = []
    if text := comment(table.descriptor):
        statements.append(f"COMMENT ON TABLE {name} IS {quote_literal(text)}")
    references = {}
    for fk in foreign_keys(table):
        for own, theirs in zip(fk.fields, fk.reference_fields):
            references.setdefault(own, []).append(f"{fk.resource}.{theirs}")
    for f in table.fields:
        text = comment({"title": f.title, "description": f.description})
        if f.name in references:
            text = " ".join(filter(None, [text, f"(references {', '.join(references[f.name])})"]))
        if text:
            statements.append(f"COMMENT ON COLUMN {name}.{quote_identifier(f.name)} IS {quote_literal(text)}")
    return statements


def parquet_metadata(table: LoadedTable) -> str:
    """A DuckDB KV_METADATA struct: the Table Schema as JSON, and each field's description."""
    entries = {"table_schema": json.dumps(table.schema.to_descriptor(), ensure_ascii=False)}
    for key in ("title", "description"):
        if isinstance(table.descriptor.get(key), str):
            entries[key] = table.descriptor[key]
    for f in table.fields:
        if isinstance(f.description, str):
            entries[f"description:{f.name}"] = f.description
    return "{" + ", ".join(f"{quote_literal(k)}: {quote_literal(v)}" for k, v in entries.items()) + "}"

"""Table Schema types as DuckDB column types, in one place for build, check, info and the load.

    string     VARCHAR (build makes an ENUM type of a string field with an enum constraint)
    integer    BIGINT
    number     DOUBLE: the schema declares no precision or scale, so DECIMAL would need a guess,
               and DECIMAL cannot hold the NaN and INF that Table Schema numbers allow
    boolean    BOOLEAN
    date       DATE
    datetime   TIMESTAMP, in UTC where the text has a time zone (Z, +02:00)
    time       TIME, in UTC where the text has a time zone
    year       INTEGER
    list       <item type>[]
    object, array, geojson   JSON
    any, yearmonth, duration, geopoint and others   VARCHAR (the value as frictionless writes it)

converter turns the values frictionless reads (Python objects) into values of that type, for
the tables the frictionless engine reads.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from collections.abc import Callable
from typing import Any

SCALAR_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "time": "TIME",
    "year": "INTEGER",
    "object": "JSON",
    "array": "JSON",
    "geojson": "JSON",
}


# An integer column whose values do not all fit 64 bits (frictionless reads any integer) is
# DECIMAL(38,0): exact in DuckDB and in Parquet (HUGEINT would be written to Parquet as a DOUBLE).
WIDE_INTEGER = "DECIMAL(38,0)"
BIGINT_RANGE = (-(2**63), 2**63 - 1)


def duckdb_type(type_: Any, item_type: Any = None) -> str:
    """The DuckDB type of a Table Schema type (a type that is not text, invalid, is VARCHAR)."""
    if type_ == "list":
        return duckdb_type(item_type if isinstance(item_type, str) else "string") + "[]"
    return SCALAR_TYPES.get(type_, "VARCHAR") if isinstance(type_, str) else "VARCHAR"


def field_type(descriptor: dict[str, Any]) -> str:
    """The DuckDB type of a field descriptor."""
    return duckdb_type(descriptor.get("type", "string"), descriptor.get("itemType", "string"))


def arrow_type(duckdb_type_name: str) -> Any:
    import pyarrow as pa

    if duckdb_type_name.endswith("[]"):
        return pa.list_(arrow_type(duckdb_type_name[:-2]))
    return {
        WIDE_INTEGER: pa.decimal128(38, 0),
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"),
        "TIME": pa.time64("us"),
        "INTEGER": pa.int32(),
    }.get(duckdb_type_name, pa.string())


def _in_utc(value: Any) -> Any:
    """An aware datetime or time as naive UTC (naive values as they are)."""
    offset = value.utcoffset()
    if offset is None:
        return value
    if isinstance(value, dt.datetime):
        return (value - offset).replace(tzinfo=None)
    moment = dt.datetime.combine(dt.date(2000, 1, 1), value.replace(tzinfo=None)) - offset
    return moment.time()


def converter(fld: Any) -> Callable[[Any], Any]:
    """value -> the value as its DuckDB column holds it, for a value frictionless read."""
    kind = fld.type
    if kind in ("integer", "year"):
        return lambda v: None if v is None else int(v)
    if kind == "number":
        return lambda v: float(v) if isinstance(v, (Decimal, int, float)) and not isinstance(v, bool) else None
    if kind in ("datetime", "time"):
        return lambda v: None if v is None else _in_utc(v)
    if kind in ("object", "array", "geojson"):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False, default=str)
    if kind == "list":
        from frictionless import Field

        item = converter(Field.from_descriptor({"name": fld.name, "type": fld.item_type}))
        return lambda v: None if v is None else [item(x) for x in v]
    if kind in ("string", "boolean", "date"):
        return lambda v: v
    if kind == "geopoint":  # (lon, lat), written as the default format does: "lon,lat"
        return lambda v: None if v is None else f"{v[0]},{v[1]}"
    writer = fld.create_value_writer()

    def as_text(value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, default=str)
        try:
            return writer(value)
        except Exception:  # a value of another type (any): its plain text
            return str(value)

    return as_text


def column_type(fld: Any) -> str:
    """The DuckDB type of a frictionless Field."""
    return duckdb_type(fld.type, getattr(fld, "item_type", None))

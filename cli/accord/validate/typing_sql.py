"""Portable SQL that reads a cell's text as frictionless reads it: each Table Schema type and
format, with Python's own rules (int(), Decimal(), strptime, dateutil's isoparse ...).

Everything here is plain SQL that sqlglot transpiles (regexp_matches, regexp_extract with a
group, TRY_CAST, CASE, translate, IS NOT DISTINCT FROM), so the same reading can run on another
engine given a relation of text cells. A typed value is NULL when the cell is not of the type.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from accord.sql import quote_literal
from accord.validate.plan import SUPPORTED_STRPTIME_DIRECTIVES

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


def regexp_matches(text: str, pattern: str) -> str:
    """Whether the whole of `text` matches `pattern` (anchored here: engines differ on partial matches)."""
    return f"regexp_matches({text}, {quote_literal('^(?:' + pattern + ')$')})"


def regexp_group(text: str, pattern: str, group: int = 1) -> str:
    """The group's text when the whole of `text` matches, else ''."""
    return f"regexp_extract({text}, {quote_literal('^(?:' + pattern + ')$')}, {group})"


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
    translated = f"translate({cell}, {quote_literal(digits)}, {quote_literal(as_ascii)})"
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
            text = f"replace({text}, {quote_literal(fld.group_char)}, '')"
        if fld.decimal_char != ".":
            # frictionless refuses a '.' when another decimal character is declared
            text = f"CASE WHEN strpos({text}, '.') = 0 THEN replace({text}, {quote_literal(fld.decimal_char)}, '.') END"
    text = f"replace({strip_python_whitespace(text)}, '_', '')"  # Decimal() drops underscores
    return (
        f"CASE WHEN {regexp_matches(text, PY_DECIMAL)} THEN TRY_CAST({text} AS DOUBLE)"
        f" WHEN {regexp_matches(text, PY_INFINITY)} THEN"
        f" CASE WHEN {text} LIKE '-%' THEN CAST('-inf' AS DOUBLE) ELSE CAST('inf' AS DOUBLE) END"
        f" WHEN {regexp_matches(text, PY_NAN)} THEN CAST('nan' AS DOUBLE) END"
    )


def boolean_value_sql(fld: Any, cell: str) -> str:
    # frictionless maps true values first, then false values: a value in both reads false
    falses = ", ".join(quote_literal(v) for v in fld.false_values) or "NULL"
    trues = ", ".join(quote_literal(v) for v in fld.true_values) or "NULL"
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
        f" AND NOT regexp_matches({domain}, {quote_literal(PY_WHITESPACE)}))"
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
    delimiter = quote_literal(fld.delimiter)
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
    aware = f"regexp_matches({cell}, {quote_literal(ISO_TIME_ZONE + '$')})"
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
        f"{year} || '-' || lpad({part('m', quote_literal('1'))}, 2, '0') || '-' || lpad(trim({part('d', quote_literal('1'))}), 2, '0')"
        f" || ' ' || lpad({part('H', quote_literal('0'))}, 2, '0') || ':' || lpad({part('M', quote_literal('0'))}, 2, '0')"
        f" || ':' || lpad({part('S', quote_literal('0'))}, 2, '0') || '.' || rpad({part('f', quote_literal('0'))}, 6, '0')"
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



MICROS_PER_DAY = 86_400 * MICROS_PER_SECOND


def output_value_sql(fld: Any, value: str) -> str:
    """A typed value as its column type in build and check (accord.fieldtypes): integers as
    BIGINT, times as TIME (in UTC where the text had a time zone, as datetimes), lists as LISTs of
    their items read as frictionless reads them (the item type's default format)."""
    kind = fld.type
    if kind == "integer":
        return f"CAST({value} AS BIGINT)"
    if kind == "time":
        micros = f"((({value}) % {MICROS_PER_DAY} + {MICROS_PER_DAY}) % {MICROS_PER_DAY})"
        return f"(TIME '00:00:00' + to_microseconds(CAST({micros} AS BIGINT)))"
    if kind == "list":
        items = f"string_split({value}, {quote_literal(fld.delimiter)})"
        if fld.item_type == "string":
            return items
        return f"list_transform({items}, lambda item: {output_value_sql(list_item_field(fld), typed_cell_sql(list_item_field(fld), 'item').value)})"
    return value


def list_item_field(fld: Any) -> Any:
    """The field a list's items are read with: the item type, its default format."""
    from frictionless import Field

    return Field.from_descriptor({"name": fld.name, "type": fld.item_type})

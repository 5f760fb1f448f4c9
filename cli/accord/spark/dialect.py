"""The engine's DuckDB SQL as Spark SQL: sqlglot's transpiler, and the mapping for what does not
transpile one to one.

- Regular expressions: the checks' patterns are RE2 (DuckDB's); Spark runs java.util.regex.
  re2_to_java rewrites what Java reads differently: `$` (RE2: the end of the text; Java: also
  before a final line break) becomes `\\z`; `.` and the anchors see only `\\n` as a line break
  (`(?d)`); case-insensitive matching folds Unicode as RE2 does (`(?iu)`); `[` and `&&` inside a
  class are literal; a `{` that is not a repetition is literal; `(?P<name>` is `(?<name>`.
  `\\p{L}`, `\\p{Nd}`, `\\x{...}`, `\\z`, `(?s)` mean the same in both.
- regexp_full_match (suites' SQL) is a search anchored at both ends.
- extract(microsecond FROM t) is DuckDB's seconds and microseconds together, in microseconds.
- hash() is Spark's 64-bit xxhash64 (keys are grouped by hash first; any hash is exact there).
"""

from __future__ import annotations

import functools
import re

QUANTIFIER = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")


class NotTranspiled(Exception):
    """This SQL has no Spark equivalent here (a rule that cannot run on Spark)."""


def spark_identifier(name: str) -> str:
    """A name quoted for Spark (a column, or a view: `-`, spaces, dots and reserved words stay one
    name; Spark refuses a view named people-list unquoted)."""
    return "`" + name.replace("`", "``") + "`"


def re2_to_java(pattern: str) -> str:
    """An RE2 pattern as a java.util.regex pattern that matches the same texts."""
    out = ["(?d)"]
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            end = index + 2
            if pattern[index + 1] in "xpP" and pattern.startswith("{", end):  # \x{a0}, \p{Nd}: one token
                end = pattern.find("}", end) + 1 or len(pattern)
            out.append(pattern[index:end])
            index = end
            continue
        if in_class:
            if char == "]":
                in_class = False
                out.append(char)
            elif char == "[":
                if pattern.startswith("[:", index):  # an RE2 POSIX class, [[:alpha:]]
                    end = pattern.find(":]", index + 2)
                    name = pattern[index + 2 : end] if end > 0 else ""
                    out.append(POSIX_CLASSES.get(name, r"\[") if end > 0 and name in POSIX_CLASSES else r"\[")
                    if end > 0 and name in POSIX_CLASSES:
                        index = end + 2
                        continue
                else:
                    out.append(r"\[")
            elif pattern.startswith("&&", index):
                out.append(r"&\&")
                index += 2
                continue
            else:
                out.append(char)
            index += 1
            continue
        if char == "[":
            in_class = True
            out.append(char)
            index += 1
            for prefix in ("^]", "]", "^"):  # a ']' first in a class is a member
                if pattern.startswith(prefix, index):
                    out.append(prefix.replace("]", "\\]"))
                    index += len(prefix)
                    break
            continue
        if char == "$":
            out.append(r"\z")
        elif char == "{":
            quantifier = QUANTIFIER.match(pattern, index)
            if quantifier:
                out.append(quantifier.group())
                index = quantifier.end()
                continue
            out.append(r"\{")
        elif char == "}":
            out.append(r"\}")
        elif pattern.startswith("(?P<", index):
            out.append("(?<")
            index += 4
            continue
        elif pattern.startswith("(?", index) and index + 2 < len(pattern) and pattern[index + 2] not in ":=!<>#":
            flags = re.match(r"\(\?([a-zA-Z]*)(-[a-zA-Z]*)?([:)])", pattern[index:])
            if flags:
                on = flags.group(1)
                if "i" in on and "u" not in on:
                    on += "u"
                out.append(f"(?{on}{flags.group(2) or ''}{flags.group(3)}")
                index += flags.end()
                continue
            out.append(char)
        else:
            out.append(char)
        index += 1
    return "".join(out)


POSIX_CLASSES = {
    "alpha": r"a-zA-Z", "digit": r"0-9", "alnum": r"a-zA-Z0-9", "upper": r"A-Z", "lower": r"a-z",
    "space": r"\t\n\x0b\x0c\r ", "punct": r"!-/:-@\[-`{-~", "xdigit": r"0-9A-Fa-f", "word": r"0-9A-Za-z_",
}


def _pattern_literal(node, wrap=None):
    from sqlglot import exp

    if not isinstance(node, exp.Literal) or not node.is_string:
        raise NotTranspiled("a regular expression that is not a literal")
    text = node.this if wrap is None else wrap(node.this)
    return exp.Literal.string(re2_to_java(text))


def _rewrite(node):
    """One node of DuckDB's tree as Spark's (a node built here has its children rewritten first:
    sqlglot's transform does not look inside a replacement)."""
    from sqlglot import exp

    if isinstance(node, (exp.RegexpLike, exp.RegexpExtract, exp.RegexpReplace, exp.RegexpSplit)):
        if node.args.get("flag") is not None:
            raise NotTranspiled("a regular expression with options")
        node.set("expression", _pattern_literal(node.expression))
        return node
    if isinstance(node, exp.RegexpFullMatch):
        if node.args.get("flag") is not None or node.args.get("options") is not None:
            raise NotTranspiled("a regular expression with options")
        return exp.RegexpLike(this=_inner(node.this), expression=_pattern_literal(node.expression, lambda p: f"^(?:{p})$"))
    if isinstance(node, exp.Extract) and not node.meta.get("accord"):
        field = node.name.lower()
        if field in ("microsecond", "microseconds", "second", "seconds"):
            # Spark's SECOND has the fraction; DuckDB's is whole, its MICROSECOND the seconds in microseconds
            seconds = exp.Extract(this=exp.var("SECOND"), expression=_inner(node.expression))
            seconds.meta["accord"] = True
            if field.startswith("micro"):
                return exp.cast(exp.Mul(this=seconds, expression=exp.Literal.number(1_000_000)), "BIGINT")
            return exp.cast(exp.Floor(this=seconds), "INT")
        return node
    if isinstance(node, exp.TryCast) and node.to.is_type("timestamp", "timestampntz") and not node.meta.get("accord"):
        return _timestamp_with_24h(_inner(node.this))
    if isinstance(node, exp.Anonymous) and node.name.lower() == "try_strptime" and len(node.expressions) == 2:
        text, fmt = node.expressions
        if not (isinstance(fmt, exp.Literal) and fmt.is_string):
            raise NotTranspiled("try_strptime with a format that is not a literal")
        return exp.Anonymous(this="try_to_timestamp", expressions=[_inner(text), exp.Literal.string(java_date_format(fmt.this))])
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        return exp.Anonymous(this="xxhash64", expressions=[_inner(e) for e in node.expressions])
    return node


STRPTIME_TO_JAVA = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss", "%y": "yy", "%%": "%"}


def java_date_format(fmt: str) -> str:
    """A strptime format of the directives above as a Java DateTimeFormatter pattern (literal text quoted)."""
    out, index = [], 0
    while index < len(fmt):
        directive = fmt[index : index + 2]
        if directive in STRPTIME_TO_JAVA:
            out.append(STRPTIME_TO_JAVA[directive])
            index += 2
        elif fmt[index] == "%":
            raise NotTranspiled(f"strptime directive {directive!r}")
        else:
            out.append("''" if fmt[index] == "'" else (f"'{fmt[index]}'" if fmt[index].isalpha() else fmt[index]))
            index += 1
    return "".join(out)


def _inner(node):
    return node.copy().transform(_rewrite)


# DuckDB reads 24:00:00 as the next midnight (dateutil does too); Spark's cast does not
MIDNIGHT_24 = (
    "CASE WHEN substr(x, 12, 8) = '24:00:00' AND regexp_matches(substr(x, 20), '^(?:[.,]0*)?$')"
    " THEN TRY_CAST(substr(x, 1, 11) || '00:00:00' AS TIMESTAMP) + INTERVAL 1 DAY ELSE TRY_CAST(x AS TIMESTAMP) END"
)


def _timestamp_with_24h(text):
    import sqlglot
    from sqlglot import exp

    template = sqlglot.parse_one(MIDNIGHT_24, read="duckdb")
    for cast in template.find_all(exp.TryCast):
        cast.meta["accord"] = True
    for regexp in template.find_all(exp.RegexpLike):
        regexp.set("expression", _pattern_literal(regexp.expression))
    return template.transform(lambda n: text.copy() if isinstance(n, exp.Column) and n.name == "x" else n)


@functools.lru_cache(maxsize=256)
def to_spark(sql: str) -> str:
    """DuckDB SQL (the engine's, or a suite's) as Spark SQL; NotTranspiled when it has none."""
    import sqlglot

    try:
        trees = sqlglot.parse(sql, read="duckdb")
        if len(trees) != 1 or trees[0] is None:
            raise NotTranspiled("not one SQL statement")
        tree = trees[0].transform(_rewrite)
        return tree.sql("spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.SqlglotError as exc:
        raise NotTranspiled(f"sqlglot cannot write it for Spark: {str(exc).splitlines()[0]}") from exc

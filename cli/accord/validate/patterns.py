"""Pattern constraints that cannot hang the gate, on the frictionless path too.

A `pattern` comes from the descriptor, so from anyone: Python's backtracking `re` (which
frictionless uses) takes exponential time on patterns such as `(a|aa)+$`, and a package can
stall every CI run with one line. So:

- a pattern RE2 can express runs on RE2, in time linear in the value: DuckDB's regexp_matches
  in the fast engine, google-re2 here, both given the same translation of Python's syntax and
  semantics (constraint_sql.python_pattern_to_sql: Unicode \\w \\d \\s, `$` before a final newline);
- a pattern RE2 cannot express (lookaround, backreferences, possessive quantifiers) runs on the
  `regex` module, whose matching follows `re` and which stops a match after a time: past
  --pattern-timeout on one value, the command ends with PatternTooSlow (exit 2), naming the
  file, field, row and pattern.

frictionless builds each field's checks from the module global `check_pattern` of
frictionless.schema.field; install() replaces that one function (as check/duckdb_fix.py patches
GX), keeping its contract: (compiled `^pattern$`, cell) -> bool.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from accord import limits
from accord.validate.constraint_sql import python_pattern_to_sql
from accord.validate.plan import UnreadableConstraint


class PatternTooSlow(limits.LimitReached):
    """One value took longer than --pattern-timeout against a pattern RE2 cannot run."""

    def __init__(self, pattern: str, where: str = ""):
        self.pattern = pattern
        super().__init__(
            f"{where}the pattern {pattern!r} took more than {limits.current.pattern_seconds:g} s on one value "
            "(--pattern-timeout): RE2 cannot run it in linear time (lookaround, backreference), so it is bounded; "
            "nothing was validated")


@lru_cache(maxsize=512)
def matcher(pattern: str) -> Callable[[str], bool]:
    """Whether a whole cell matches, as re.compile(f"^{pattern}$").match(cell) decides."""
    try:
        translated = python_pattern_to_sql(pattern)
    except UnreadableConstraint:
        translated = None
    if translated is not None:
        import re2

        try:
            compiled = re2.compile(translated)
        except re2.error:
            compiled = None
        if compiled is not None:
            return lambda cell: compiled.search(cell) is not None
    import regex

    bounded = regex.compile(f"^{pattern}$", flags=regex.VERSION0)

    def match(cell: str) -> bool:
        try:
            return bounded.match(cell, timeout=limits.current.pattern_seconds) is not None
        except TimeoutError:
            raise PatternTooSlow(pattern) from None

    return match


def check_pattern(constraint, cell) -> bool:
    """frictionless's check_pattern, on RE2 or bounded: constraint is its re.compile(f"^{p}$")."""
    if cell is None:
        return True
    return matcher(constraint.pattern[1:-1])(cell)


def install() -> None:
    """Make frictionless check patterns with check_pattern above (idempotent)."""
    import frictionless.schema.field as field_module

    field_module.check_pattern = check_pattern

"""Expectation suites: Great Expectations 1.x suite JSON files in checks/, one per table.

A suite file is GX's own shape, read here without importing GX (the runner hands the dicts to
GX's ExpectationSuite); a suite GX itself saved runs unchanged:

    {"name": "memberships",
     "meta": {"table": "memberships", "description": "..."},
     "expectations": [
        {"type": "unexpected_rows_expectation",
         "kwargs": {"unexpected_rows_query": "SELECT ... FROM {batch} WHERE ..."},
         "meta": {"rule": "date-order", "severity": "error", "description": "..."}}]}

Each expectation's meta names its rule (kebab-case, unique in the suite; derived from the type
and columns where absent), its severity (error, the default, or warning; GX's own top-level
`severity`, critical, warning or info, wins where given) and says in one sentence what it checks
(else GX's `notes`, else the expectation itself). The batch an expectation
runs on is the table in its meta.table, else the suite's meta.table, else the table named
like the suite. A file that cannot be read or breaks these rules raises PackageError (exit 2).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord.check.database import TextFiles
from accord.errors import PackageError, UsageError

RULE_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SEVERITIES = ("error", "warning")
UNEXPECTED_ROWS = "unexpected_rows_expectation"
CHECKS_DIR = "checks"


@dataclass
class Rule:
    """One expectation of a suite, with accord's reading of its meta."""

    suite: str
    name: str
    table: str
    severity: str
    description: str
    config: dict[str, Any]  # the expectation as in the file: type, kwargs, meta

    @property
    def task_name(self) -> str:
        return f"{self.suite}/{self.name}"

    @property
    def type(self) -> str:
        return self.config["type"]

    @property
    def column(self) -> str | None:
        kwargs = self.config.get("kwargs", {})
        return kwargs.get("column") or kwargs.get("column_A") or self.config["meta"].get("field")


@dataclass
class Suite:
    name: str
    path: Path
    meta: dict[str, Any]
    rules: list[Rule]
    text_files: TextFiles | None = None
    document: dict[str, Any] = field(default_factory=dict)  # the file's JSON


def default_checks_dir(descriptor_path: Path) -> Path:
    return descriptor_path.parent / CHECKS_DIR


def load_suites(folder: Path) -> list[Suite]:
    """Every *.json suite in folder, in name order; a missing folder has no suites."""
    folder = Path(folder)
    if not folder.exists():
        return []
    if not folder.is_dir():
        raise PackageError(f"{folder}: not a folder of expectation suites")
    suites = [load_suite(path) for path in sorted(folder.glob("*.json"))]
    seen: dict[str, Path] = {}
    for suite in suites:
        if suite.name in seen:
            raise PackageError(f"{suite.path}: suite name {suite.name!r} is also used by {seen[suite.name].name}")
        seen[suite.name] = suite.path
    return suites


def select_suites(suites: list[Suite], names: list[str] | None) -> list[Suite]:
    if not names:
        return suites
    by_name = {s.name: s for s in suites}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        known = ", ".join(by_name) or "none"
        raise UsageError(f"no suite named {unknown[0]!r}; suites: {known}")
    return [by_name[n] for n in dict.fromkeys(names)]


def load_suite(path: Path) -> Suite:
    where = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PackageError(f"{where}: cannot read suite: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise PackageError(f"{where}: suite is not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise PackageError(f"{where}: suite is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("expectations"), list):
        raise PackageError(f"{where}: not an expectation suite (a JSON object with an 'expectations' list)")
    name = document.get("name")
    if not isinstance(name, str) or not name:
        raise PackageError(f"{where}: suite has no 'name'")
    meta = document.get("meta") or {}
    if not isinstance(meta, dict):
        raise PackageError(f"{where}: suite meta must be an object")
    table = meta.get("table", name)
    text_files = TextFiles.from_meta(meta["text_files"], where) if "text_files" in meta else None
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, config in enumerate(document["expectations"]):
        rule = _rule(config, name, table, f"{where}: expectations[{index}]")
        if rule.name in seen and "rule" not in (config.get("meta") or {}):
            # a derived name: GX saves several expectations of one type on one column (under
            # other row conditions) without names; number the later ones
            rule.name = next(f"{rule.name}-{n}" for n in range(2, len(seen) + 3) if f"{rule.name}-{n}" not in seen)
            rule.config["meta"]["rule"] = rule.name
        if rule.name in seen:
            raise PackageError(f"{where}: expectations[{index}]: rule {rule.name!r} appears twice in suite {name!r}")
        seen.add(rule.name)
        rules.append(rule)
    return Suite(name=name, path=path, meta=meta, rules=rules, text_files=text_files, document=document)


# The parameters of each expectation type accord knows (GX 1.x's), and those of every type.
BETWEEN = {"min_value", "max_value", "strict_min", "strict_max"}
# Parameters every GX 1.x expectation takes besides its own. The descriptive ones GX also takes
# inside kwargs are lifted out to the expectation's top level, where GX saves them.
COMMON_KWARGS = {"row_condition", "condition_parser", "result_format", "catch_exceptions", "windows"}
DESCRIPTIVE_KWARGS = {"description", "notes", "severity", "meta", "id", "rendered_content", "batch_id"}
KNOWN_KWARGS: dict[str, set[str]] = {
    "expect_column_values_to_not_be_null": {"column", "mostly"},
    "expect_column_values_to_be_null": {"column", "mostly"},
    "expect_column_values_to_be_in_set": {"column", "value_set", "mostly"},
    "expect_column_values_to_not_be_in_set": {"column", "value_set", "mostly"},
    "expect_column_values_to_be_between": {"column", "mostly", *BETWEEN},
    "expect_column_value_lengths_to_be_between": {"column", "mostly", *BETWEEN},
    "expect_column_values_to_match_regex": {"column", "regex", "mostly"},
    "expect_column_values_to_not_match_regex": {"column", "regex", "mostly"},
    "expect_column_values_to_be_unique": {"column", "mostly"},
    "expect_compound_columns_to_be_unique": {"column_list", "ignore_row_if", "mostly"},
    "expect_column_pair_values_a_to_be_greater_than_b": {"column_A", "column_B", "or_equal", "ignore_row_if", "mostly"},
    "expect_column_pair_values_to_be_equal": {"column_A", "column_B", "ignore_row_if", "mostly"},
    "expect_multicolumn_sum_to_equal": {"column_list", "sum_total", "ignore_row_if", "mostly"},
    "expect_column_min_to_be_between": {"column", *BETWEEN},
    "expect_column_max_to_be_between": {"column", *BETWEEN},
    "expect_column_mean_to_be_between": {"column", *BETWEEN},
    "expect_column_median_to_be_between": {"column", *BETWEEN},
    "expect_table_row_count_to_be_between": {"min_value", "max_value", "strict_min", "strict_max"},
    "expect_table_row_count_to_equal": {"value"},
    UNEXPECTED_ROWS: {"unexpected_rows_query"},
}


EXPECTATION_KEYS = {"type", "kwargs", "meta", "severity", "id", "notes", "description", "rendered_content",
                    "expectation_context", "window"}
# GX 1.x's FailureSeverity: critical fails the gate; warning and info are reported, never fail it
GX_SEVERITIES = {"critical": "error", "warning": "warning", "info": "warning"}


def derived_rule_name(config: dict[str, Any]) -> str:
    """A rule name for an expectation saved without one (as GX saves them): its type and columns."""
    kwargs = config.get("kwargs") or {}
    columns = [kwargs.get(k) for k in ("column", "column_A", "column_B")] + list(kwargs.get("column_list") or [])
    parts = [config["type"].removeprefix("expect_"), *(c for c in columns if isinstance(c, str))]
    slug = "-".join(re.split(r"[^a-z0-9]+", "-".join(parts).lower()))
    return "-".join(p for p in slug.split("-") if p) or "expectation"


def _rule(config: Any, suite: str, table: str, where: str) -> Rule:
    """One expectation: accord's meta (rule, severity, description) where it is given, else what
    GX saves (its top-level severity; a rule name from the type and columns; a description from
    GX's notes or the expectation itself)."""
    if not isinstance(config, dict) or not isinstance(config.get("type"), str):
        raise PackageError(f"{where}: an expectation is an object with a 'type'")
    unknown = sorted(set(config) - EXPECTATION_KEYS)
    if unknown:
        raise PackageError(f"{where}: {unknown[0]!r} is not a key of an expectation (GX refuses it too)")
    kwargs = config.get("kwargs", {})
    if not isinstance(kwargs, dict):
        raise PackageError(f"{where}: 'kwargs' must be an object")
    lifted = {k: kwargs[k] for k in DESCRIPTIVE_KWARGS & set(kwargs)}
    kwargs = {k: v for k, v in kwargs.items() if k not in DESCRIPTIVE_KWARGS}
    config = lifted | config
    known = KNOWN_KWARGS.get(config["type"])
    if known is not None and set(kwargs) - known - COMMON_KWARGS:
        unknown_kwarg = sorted(set(kwargs) - known - COMMON_KWARGS)[0]
        raise PackageError(f"{where}: {unknown_kwarg!r} is not a parameter of {config['type']} (GX refuses it too)")
    meta = config.get("meta") or {}
    if not isinstance(meta, dict):
        raise PackageError(f"{where}: 'meta' must be an object")
    rule = meta.get("rule", derived_rule_name(config))
    if not isinstance(rule, str) or not RULE_NAME.match(rule):
        raise PackageError(f"{where}: meta.rule must be a kebab-case name, not {rule!r}")
    severity = meta.get("severity")
    if "severity" in config:
        if config["severity"] not in GX_SEVERITIES:
            raise PackageError(f"{where}: rule {rule!r}: severity must be one of {', '.join(GX_SEVERITIES)}")
        severity = GX_SEVERITIES[config["severity"]]
    severity = severity or "error"
    if severity not in SEVERITIES:
        raise PackageError(f"{where}: rule {rule!r}: meta.severity must be 'error' or 'warning', not {severity!r}")
    description = meta.get("description") or config.get("notes") or config.get("description") or _describe(config)
    if not isinstance(description, str) or not description.strip():
        raise PackageError(f"{where}: rule {rule!r}: its description must be text")
    if config["type"] == UNEXPECTED_ROWS and not isinstance(kwargs.get("unexpected_rows_query"), str):
        raise PackageError(f"{where}: rule {rule!r}: unexpected_rows_query must be SQL text")
    return Rule(
        suite=suite,
        name=rule,
        table=meta.get("table", table),
        severity=severity,
        description=" ".join(description.split()),
        config={"type": config["type"], "kwargs": kwargs, "meta": {**meta, "rule": rule}},
    )


def _describe(config: dict[str, Any]) -> str:
    kwargs = ", ".join(f"{k}={v!r}" for k, v in (config.get("kwargs") or {}).items() if k != "unexpected_rows_query")
    return f"{config['type']}({kwargs})"


# Expectations whose columns are all named in their kwargs ("column", "column_A", "column_B",
# "column_list") and row_condition: for these alone, the suites need only the columns named.
# Any other (SQL, or one that looks at the table's columns as a whole) needs every column.
COLUMN_EXPECTATIONS = {
    "expect_table_row_count_to_be_between",
    "expect_table_row_count_to_equal",
    "expect_column_values_to_be_null",
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_be_unique",
    "expect_column_value_lengths_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal",
    "expect_compound_columns_to_be_unique",
    "expect_column_min_to_be_between",
    "expect_column_max_to_be_between",
}


def columns_used(suites: list[Suite]) -> dict[str, set[str]] | None:
    """The columns of each table the suites' expectations read, or None when some expectation
    may read any column (SQL, or a type not in COLUMN_EXPECTATIONS). Tables no rule reads are
    absent."""
    used: dict[str, set[str]] = {}
    for suite in suites:
        for rule in suite.rules:
            if rule.type not in COLUMN_EXPECTATIONS:
                return None
            kwargs = rule.config.get("kwargs", {})
            names = [kwargs.get(k) for k in ("column", "column_A", "column_B")] + list(kwargs.get("column_list") or [])
            conditioned = _condition_columns(kwargs.get("row_condition"))
            if conditioned is None:
                return None
            names += conditioned
            if not all(isinstance(n, str) for n in names if n is not None):
                return None
            used.setdefault(rule.table, set()).update(n for n in names if n is not None)
    return used


def _condition_columns(condition: Any) -> list[Any] | None:
    """The columns a row_condition names: GX 1.x conditions as JSON ({"column": {"name": ...}},
    nested in "conditions"). None for any other shape (a string condition, parsed by GX, may
    name any column)."""
    if condition is None:
        return []
    if not isinstance(condition, dict) or condition.get("type") not in ("comparison", "nullity", "and", "or"):
        return None
    names: list[Any] = []
    if "column" in condition:
        column = condition["column"]
        if not isinstance(column, dict):
            return None
        names.append(column.get("name"))
    for part in condition.get("conditions") or []:
        found = _condition_columns(part)
        if found is None:
            return None
        names += found
    return names

"""Descriptor checks, delegated to frictionless: its profile is the reference.

frictionless reports a descriptor error without saying which resource or field it is in, and
stops with a Python error on some constraint values (a minimum that is not of the field's
type, a pattern that is not a regular expression). Each error is therefore located by
validating every resource and field on its own (the same message in several places is placed
in each of them, in order), and constraint values are read up front.

accord says more than frictionless where a publisher would be misled, never less:
- a shape accord cannot walk is an error even where frictionless's profile misses it;
- a field name used twice in a schema is a warning (frictionless reads the table; no
  database can hold it, so build refuses it);
- primaryKey, foreignKeys or uniqueKeys written on the resource instead of inside its schema
  (or `primaryKeys`) are checked by no validator: a warning names each.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accord.package import Package
from accord.report import Error

BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
MISPLACED_KEYS = ("primaryKey", "primaryKeys", "foreignKeys", "uniqueKeys")


@dataclass
class _ProfileCrash:
    """frictionless's profile check stopped with a Python error: the descriptor is malformed."""

    type: str
    message: str


def _metadata_errors(cls: Any, descriptor: dict[str, Any]) -> list[Any]:
    """frictionless's profile errors for a descriptor, after the normalisation frictionless applies
    before it checks one (a key written as one name becomes a list, v1 properties are upgraded)."""
    from frictionless import FrictionlessException

    try:
        descriptor = copy.deepcopy(descriptor)
        cls.metadata_transform(descriptor)
        return list(cls.metadata_validate(descriptor))
    except FrictionlessException as exc:
        return [exc.error]
    except Exception as exc:  # e.g. KeyError on a foreign key without "fields"
        what = cls.__name__.lower()
        return [_ProfileCrash(f"{what}-error", f"{what.capitalize()} is not valid: frictionless cannot check it "
                                                f"({type(exc).__name__}: {exc})")]


def _opening_errors(package: Package) -> list[Any]:
    """Errors frictionless raises only when it opens the package (a dialect it cannot use, for one)."""
    from frictionless import FrictionlessException

    try:
        package.frictionless(shared=True)  # the planner reads the same instance
    except FrictionlessException as exc:
        return [exc.error]
    return []


def _located(package: Package) -> list[tuple[str, str, str | None]]:
    """(message, resource, field) of every error frictionless gives for one resource, or one of its
    fields, on its own, in descriptor order."""
    from frictionless import FrictionlessException
    from frictionless import Resource as FrictionlessResource
    from frictionless import Schema

    found: list[tuple[str, str, str | None]] = []
    for resource in package.resources:
        fields = [(err.message, resource.name, field_.get("name"))
                  for field_ in resource.fields for err in _metadata_errors(Schema, {"fields": [field_]})]
        # the resource's own check repeats its fields' errors: keep only those it adds
        repeated = Counter(message for message, *_ in fields)
        own = []
        for err in _metadata_errors(FrictionlessResource, resource.descriptor):
            if repeated[err.message]:
                repeated[err.message] -= 1
            else:
                own.append((err.message, resource.name, None))
        if not fields and not own:
            try:
                FrictionlessResource.from_descriptor(dict(resource.descriptor), basepath=str(package.basepath))
            except FrictionlessException as exc:
                own.append((exc.error.message, resource.name, None))
        found += fields + own
    return found


def _is_nan(value: Any) -> bool:
    return (isinstance(value, Decimal) and value.is_nan()) or (isinstance(value, float) and value != value)


def unreadable_constraints(field_: dict[str, Any]) -> list[str]:
    """Why each constraint value of the field cannot be used (frictionless would stop with a Python error)."""
    from frictionless import Field, FrictionlessException

    constraints = field_.get("constraints") or {}
    problems: list[str] = []
    if not any(constraints.get(name) is not None for name in (*BOUNDS, "pattern")):
        return problems
    try:
        reader = Field.from_descriptor(field_).create_value_reader()
    except FrictionlessException:
        return []  # reported as a field-error by the profile check
    for name in BOUNDS:
        if constraints.get(name) is None:
            continue
        value = reader(constraints[name])
        if value is None:
            problems.append(f"constraint {name} {constraints[name]!r} is not a valid {field_.get('type', 'string')}")
        elif _is_nan(value):
            problems.append(f"constraint {name} is NaN")
    pattern = constraints.get("pattern")
    if pattern is not None:
        try:
            re.compile(f"^{pattern}$")
        except (re.error, TypeError) as exc:
            problems.append(f"constraint pattern {pattern!r} is not a regular expression ({exc})")
    return problems


def descriptor_errors(package: Package) -> list[Error]:
    """Every problem of the descriptor: frictionless's, located, then accord's own; errors stop
    validation, warnings do not."""
    from frictionless import Package as FrictionlessPackage
    from frictionless import system

    name = package.descriptor_path.name
    errors: list[Error] = []
    with system.use_context(trusted=package.trusted):
        found = _metadata_errors(FrictionlessPackage, package.descriptor) or _opening_errors(package)
        located = _located(package) if found else []
    for err in found:
        place = next((i for i, (message, *_) in enumerate(located) if message == err.message), None)
        table, field = located.pop(place)[1:] if place is not None else (None, None)
        errors.append(Error(code=err.type, table=table, field=field, message=f"{name}: {err.message}", rule="descriptor"))
    for resource in package.resources:
        if resource.problems:  # accord cannot walk its schema: say so, unless the profile already did
            if not any(e.table in (resource.name, None) for e in errors):
                errors += [Error(code="schema-error", table=resource.name, rule="descriptor",
                                 message=f"{name}: resource {resource.name!r}: {p}") for p in resource.problems]
            continue
        for path, relpath in zip(resource.paths, resource.relpaths):
            if path.exists() and not path.is_file():  # a FIFO or a device: reading it might never end
                errors.append(Error(code="scheme-error", table=resource.name, message=f"{relpath}: is not a regular file",
                                    rule="path"))
        for field_ in resource.fields:
            for problem in unreadable_constraints(field_):
                errors.append(Error(code="field-error", table=resource.name, field=field_["name"],
                                    message=f"{name}: field {field_['name']!r}: {problem}", rule="constraints"))
        errors += _warnings(package, resource)
    return errors


def _warnings(package: Package, resource: Any) -> list[Error]:
    name = package.descriptor_path.name
    warnings = []
    for field_name, count in Counter(resource.field_names).items():
        if count > 1 and isinstance(field_name, str):
            warnings.append(Error(
                code="schema-error", table=resource.name, field=field_name, severity="warning", rule="descriptor",
                message=f"{name}: resource {resource.name!r}: the field name {field_name!r} is used {count} times; "
                        "frictionless reads the columns by position, but no database can hold the table",
            ))
    for key in MISPLACED_KEYS:
        if key in resource.descriptor:
            inside = "primaryKey" if key == "primaryKeys" else key
            warnings.append(Error(
                code="key-outside-schema", table=resource.name, severity="warning", rule=key,
                message=f"{name}: resource {resource.name!r}: {key!r} is outside the schema, where no validator reads it: "
                        f"the key is not checked (write it as the schema's {inside!r})",
            ))
    return warnings

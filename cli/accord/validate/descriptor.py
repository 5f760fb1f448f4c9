"""Descriptor checks, delegated to frictionless: its profile is the reference.

frictionless reports a descriptor error without saying which resource or field it is in, and
stops with a Python error on some constraint values (a minimum that is not of the field's
type, a pattern that is not a regular expression). Each error is therefore located by
validating every resource and field on its own, and constraint values are read up front.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from accord.package import Package
from accord.report import Error

BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


@dataclass
class _ProfileCrash:
    """frictionless's profile check stopped with a Python error: the descriptor is malformed."""

    type: str
    message: str


def _metadata_errors(cls: Any, descriptor: dict[str, Any]) -> list[Any]:
    from frictionless import FrictionlessException

    try:
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
    from frictionless import Package as FrictionlessPackage

    try:
        FrictionlessPackage(str(package.descriptor_path))
    except FrictionlessException as exc:
        return [exc.error]
    return []


def _locations(package: Package) -> dict[str, tuple[str, str | None]]:
    """Each error message frictionless gives for one resource (or one of its fields) alone -> where."""
    from frictionless import FrictionlessException
    from frictionless import Resource as FrictionlessResource
    from frictionless import Schema

    where: dict[str, tuple[str, str | None]] = {}
    for resource in package.resources:
        for field_ in resource.fields:
            for err in _metadata_errors(Schema, {"fields": [field_]}):
                where.setdefault(err.message, (resource.name, field_["name"]))
        for err in _metadata_errors(FrictionlessResource, resource.descriptor):
            where.setdefault(err.message, (resource.name, None))
        try:
            FrictionlessResource.from_descriptor(dict(resource.descriptor), basepath=str(package.basepath))
        except FrictionlessException as exc:
            where.setdefault(exc.error.message, (resource.name, None))
    return where


def _is_nan(value: Any) -> bool:
    return (isinstance(value, Decimal) and value.is_nan()) or (isinstance(value, float) and value != value)


def unreadable_constraints(field_: dict[str, Any]) -> list[str]:
    """Why each constraint value of the field cannot be used (frictionless would stop with a Python error)."""
    from frictionless import FrictionlessException
    from frictionless import Field

    try:
        reader = Field.from_descriptor(field_).create_value_reader()
    except FrictionlessException:
        return []  # reported as a field-error by the profile check
    constraints = field_.get("constraints") or {}
    problems = []
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
    from frictionless import Package as FrictionlessPackage
    from frictionless import system

    name = package.descriptor_path.name
    errors: list[Error] = []
    with system.use_context(trusted=package.trusted):
        found = _metadata_errors(FrictionlessPackage, package.descriptor) or _opening_errors(package)
        where = _locations(package) if found else {}
    for err in found:
        table, field = where.get(err.message, (None, None))
        errors.append(
            Error(code=err.type, table=table, field=field, message=f"{name}: {err.message}", rule="descriptor")
        )
    for resource in package.resources:
        for field_ in resource.fields:
            for problem in unreadable_constraints(field_):
                errors.append(
                    Error(
                        code="field-error",
                        table=resource.name,
                        field=field_["name"],
                        message=f"{name}: field {field_['name']!r}: {problem}",
                        rule="constraints",
                    )
                )
        if not resource.path.is_file():
            problem = "is not a regular file" if resource.path.exists() else "resource file does not exist"
            errors.append(
                Error(code="scheme-error", table=resource.name, message=f"{resource.relpath}: {problem}", rule="path")
            )
    return errors

"""Descriptor checks, delegated to frictionless: its profile is the reference."""

from __future__ import annotations

from accord.package import Package
from accord.report import Error


def descriptor_errors(package: Package) -> list[Error]:
    from frictionless import FrictionlessException
    from frictionless import Package as FrictionlessPackage

    errors: list[Error] = []
    try:
        found = list(FrictionlessPackage.metadata_validate(package.descriptor))
    except FrictionlessException as exc:
        found = [exc.error]
    for err in found:
        errors.append(
            Error(
                code=err.type,
                message=f"{package.descriptor_path.name}: {err.message}",
                rule="descriptor",
            )
        )
    for resource in package.resources:
        if not resource.path.is_file():
            errors.append(
                Error(
                    code="scheme-error",
                    table=resource.name,
                    message=f"{resource.relpath}: resource file does not exist",
                    rule="path",
                )
            )
    return errors

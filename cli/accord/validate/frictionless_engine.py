"""The reference engine: frictionless validates each resource; its report becomes ours."""

from __future__ import annotations

import time

from accord.package import Package
from accord.report import Error, Task


def validate_with_frictionless(package: Package, names: list[str] | None = None) -> list[Task]:
    """Validate the package (or only the named resources) with frictionless."""
    from frictionless import FrictionlessException, system
    from frictionless import Package as FrictionlessPackage

    tasks = []
    with system.use_context(trusted=package.trusted):
        try:
            fpackage = FrictionlessPackage(str(package.descriptor_path))
        except FrictionlessException as exc:
            return [Task(name="package", kind="validation", engine="frictionless",
                         errors=[Error(code=exc.error.type, message=exc.error.message)])]
        for fresource in fpackage.resources:
            if names is not None and fresource.name not in names:
                continue
            started = time.perf_counter()
            task = Task(name=f"validate:{fresource.name}", kind="validation", table=fresource.name,
                        engine="frictionless")
            try:
                freport = fresource.validate()
            except Exception as exc:  # the reference itself crashes on some inputs (docs/validation-engine.md)
                task.errors.append(Error(code="engine-error", table=fresource.name, rule="frictionless",
                                         message=f"{fresource.path}: frictionless could not validate this table: "
                                                 f"{type(exc).__name__}: {exc}"))
                task.status = "error"
                tasks.append(task)
                continue
            for ftask in freport.tasks:
                task.stats["rows"] = ftask.stats.get("rows")
                task.errors.extend(_convert(err, fresource.name, fresource.path) for err in ftask.errors)
            task.errors.extend(_convert(err, fresource.name, fresource.path) for err in freport.errors)
            task.stats["seconds"] = round(time.perf_counter() - started, 3)
            tasks.append(task)
    return tasks


def _convert(err, table: str, path: str | None) -> Error:
    row = getattr(err, "row_number", None)
    field = getattr(err, "field_name", None)
    cell = getattr(err, "cell", None)
    return Error(
        code=err.type,
        table=table,
        row=row,
        field=field,
        message=f"{path}: {err.message}" if path else err.message,
        values=[cell] if cell not in (None, "") else [],
        rule=getattr(err, "note", None),
    )

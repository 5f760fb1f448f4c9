"""Load a Frictionless data package descriptor: resources, safe paths, schemas.

Reading is cheap and strict: a descriptor that is not JSON, not a package, or points outside
its own folder raises PackageError (exit 2). Profile-level checks of the descriptor are
frictionless's job (see validate.descriptor_errors).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from accord.errors import PackageError

DEFAULT_DESCRIPTOR = "datapackage.json"


@dataclass
class Resource:
    name: str
    path: Path  # absolute, resolved
    relpath: str  # as written in the descriptor
    schema: dict[str, Any]
    dialect: dict[str, Any] = field(default_factory=dict)
    encoding: str = "utf-8"
    descriptor: dict[str, Any] = field(default_factory=dict)

    @property
    def fields(self) -> list[dict[str, Any]]:
        return self.schema.get("fields", [])

    @property
    def field_names(self) -> list[str]:
        return [f.get("name") for f in self.fields]

    @property
    def primary_key(self) -> list[str]:
        key = self.schema.get("primaryKey") or []
        return [key] if isinstance(key, str) else list(key)

    @property
    def foreign_keys(self) -> list[dict[str, Any]]:
        """Normalised: [{"fields": [...], "resource": name, "reference_fields": [...]}]."""
        out = []
        for fk in self.schema.get("foreignKeys") or []:
            fields = fk.get("fields")
            ref = fk.get("reference") or {}
            ref_fields = ref.get("fields")
            out.append(
                {
                    "fields": [fields] if isinstance(fields, str) else list(fields or []),
                    # "" or a missing resource means a self-reference
                    "resource": ref.get("resource") or self.name,
                    "reference_fields": [ref_fields] if isinstance(ref_fields, str) else list(ref_fields or []),
                }
            )
        return out


@dataclass
class Package:
    descriptor_path: Path
    descriptor: dict[str, Any]
    resources: list[Resource]
    trusted: bool = False

    @property
    def basepath(self) -> Path:
        return self.descriptor_path.parent

    @property
    def name(self) -> str:
        name = self.descriptor.get("name")
        return name if isinstance(name, str) and name else self.basepath.name or "package"

    def resource(self, name: str) -> Resource:
        for r in self.resources:
            if r.name == name:
                return r
        raise PackageError(f"{self.descriptor_path}: no resource named {name!r}")


def resolve_descriptor(path: str | Path | None) -> Path:
    """A package argument may be a descriptor file or the folder holding datapackage.json."""
    p = Path(path or DEFAULT_DESCRIPTOR)
    if p.is_dir():
        p = p / DEFAULT_DESCRIPTOR
    if not p.exists():
        raise PackageError(f"{p}: no such file (give a datapackage.json or the folder holding one)")
    return p.resolve()


def is_unsafe_path(relpath: str) -> str | None:
    """Why a resource path may not be read without --trusted, or None when it is safe."""
    if "://" in relpath:
        return "is a URL"
    if relpath.startswith(("/", "\\")) or (len(relpath) > 1 and relpath[1] == ":"):
        return "is absolute"
    if ".." in PurePosixPath(relpath.replace("\\", "/")).parts:
        return "climbs out of the package folder with '..'"
    return None


def safe_path(base: Path, relpath: Any, where: str, trusted: bool) -> Path:
    if not isinstance(relpath, str) or not relpath:
        raise PackageError(f"{where}: path must be a non-empty string")
    reason = is_unsafe_path(relpath)
    if reason and not trusted:
        raise PackageError(f"{where}: path {relpath!r} {reason}; refused (use --trusted to allow)")
    if "://" in relpath:
        raise PackageError(f"{where}: remote path {relpath!r} is not supported; download it first")
    resolved = (base / relpath).resolve()
    if not trusted and not resolved.is_relative_to(base.resolve()):
        raise PackageError(f"{where}: path {relpath!r} leaves the package folder; refused (use --trusted to allow)")
    return resolved


def package_file(base: Path, path: Path, where: str, trusted: bool) -> Path:
    """A file found in one of the package's folders (views/, queries/), checked before it is read:
    refused when a link takes it out of the package folder (unless trusted), or when it is not a
    regular file (reading a FIFO or a device such as /dev/zero would never end)."""
    resolved = path.resolve()
    if not trusted and not resolved.is_relative_to(base.resolve()):
        raise PackageError(f"{where}: links outside the package folder; refused (use --trusted to allow)")
    if not resolved.is_file():
        raise PackageError(f"{where}: is not a regular file")
    return path


def _read_json(path: Path, what: str) -> Any:
    if path.exists() and not path.is_file():
        raise PackageError(f"{path}: cannot read {what}: not a regular file")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackageError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise PackageError(f"{path}: {what} is not UTF-8 text (byte {exc.start})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackageError(f"{path}: {what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise PackageError(f"{path}: {what} is nested too deeply to read") from exc


def _is_names(value: Any) -> bool:
    """A field name or a list of them, as primaryKey and foreign keys hold."""
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def check_schema_shape(schema: dict[str, Any], where: str) -> None:
    """Refuse a schema whose shape accord's own code cannot walk (fields without names, keys that
    are not names); every other profile rule is left to frictionless (validate.descriptor_errors)."""
    for number, field_ in enumerate(schema.get("fields", []), start=1):
        if not isinstance(field_, dict) or not isinstance(field_.get("name"), str) or not field_["name"]:
            raise PackageError(f"{where}: schema field {number} must be an object with a non-empty 'name'")
        if not isinstance(field_.get("constraints") or {}, dict):
            raise PackageError(f"{where}: field {field_['name']!r}: 'constraints' must be an object")
    if "primaryKey" in schema and not _is_names(schema["primaryKey"]):
        raise PackageError(f"{where}: schema 'primaryKey' must be a field name or a list of them")
    foreign_keys = schema.get("foreignKeys") or []
    if not isinstance(foreign_keys, list):
        raise PackageError(f"{where}: schema 'foreignKeys' must be a list")
    for number, fk in enumerate(foreign_keys, start=1):
        reference = fk.get("reference") if isinstance(fk, dict) else None
        if (
            not isinstance(fk, dict)
            or not _is_names(fk.get("fields"))
            or not isinstance(reference, dict)
            or not _is_names(reference.get("fields"))
            or not isinstance(reference.get("resource", ""), str)
        ):
            raise PackageError(
                f"{where}: foreign key {number} must be an object with 'fields' and a 'reference' "
                "holding a 'resource' name and 'fields'"
            )


def load_package(path: str | Path | None = None, trusted: bool = False) -> Package:
    descriptor_path = resolve_descriptor(path)
    descriptor = _read_json(descriptor_path, "descriptor")
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise PackageError(f"{descriptor_path}: not a Data Package (a JSON object with a 'resources' list)")
    base = descriptor_path.parent
    resources = []
    for index, res in enumerate(descriptor["resources"]):
        where = f"{descriptor_path.name}: resources[{index}]"
        if not isinstance(res, dict):
            raise PackageError(f"{where}: must be an object")
        name = res.get("name")
        if not isinstance(name, str) or not name:
            raise PackageError(f"{where}: has no 'name'")
        where = f"{descriptor_path.name}: resource {name!r}"
        relpath = res.get("path")
        if isinstance(relpath, list):
            raise PackageError(f"{where}: multipart paths are not supported")
        if relpath is None:
            raise PackageError(f"{where}: has no 'path' (inline data is not supported)")
        path_ = safe_path(base, relpath, where, trusted)
        schema = res.get("schema") or {"fields": []}
        if isinstance(schema, str):
            schema = _read_json(safe_path(base, schema, f"{where} schema", trusted), "schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields", []), list):
            raise PackageError(f"{where}: schema must be an object with a 'fields' list")
        check_schema_shape(schema, where)
        dialect = res.get("dialect") or {}
        if isinstance(dialect, str):
            dialect = _read_json(safe_path(base, dialect, f"{where} dialect", trusted), "dialect")
        if not isinstance(dialect, dict) or not isinstance(dialect.get("csv") or {}, dict):
            raise PackageError(f"{where}: dialect must be an object")
        encoding = res.get("encoding") or "utf-8"
        if not isinstance(encoding, str):
            raise PackageError(f"{where}: encoding must be a string such as 'utf-8'")
        resources.append(
            Resource(
                name=name,
                path=path_,
                relpath=relpath,
                schema=schema,
                dialect=dialect,
                encoding=encoding.lower(),
                descriptor=res,
            )
        )
    return Package(descriptor_path=descriptor_path, descriptor=descriptor, resources=resources, trusted=trusted)

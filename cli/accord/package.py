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
        return self.descriptor.get("name") or self.basepath.name or "package"

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


def _read_json(path: Path, what: str) -> Any:
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
        dialect = res.get("dialect") or {}
        if isinstance(dialect, str):
            dialect = _read_json(safe_path(base, dialect, f"{where} dialect", trusted), "dialect")
        resources.append(
            Resource(
                name=name,
                path=path_,
                relpath=relpath,
                schema=schema,
                dialect=dialect if isinstance(dialect, dict) else {},
                encoding=(res.get("encoding") or "utf-8").lower(),
                descriptor=res,
            )
        )
    return Package(descriptor_path=descriptor_path, descriptor=descriptor, resources=resources, trusted=trusted)

"""Load a Frictionless data package descriptor: resources, safe paths, schemas.

A descriptor is JSON or YAML (datapackage.json, datapackage.yaml). Reading is cheap; a
descriptor that is not JSON or YAML, not a package, or points outside its own folder raises
PackageError (exit 2). Everything else the profile says about a descriptor is frictionless's
job (validate.descriptor_errors), which lists every problem: a resource whose shape accord's
own code cannot walk is kept, with its problems, for that report. Schemas are normalised as
frictionless normalises them: a key written as one field name is a list of one.

Every frictionless object for the package comes from Package.frictionless(): the descriptor
as a dict with its folder as basepath, never the file's path (frictionless reads a path with
`[` or `]` as a glob pattern, and finds no resources).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from accord.errors import PackageError

DEFAULT_DESCRIPTOR = "datapackage.json"
DESCRIPTOR_NAMES = ("datapackage.json", "datapackage.yaml", "datapackage.yml")
INLINE = "(inline data)"


@dataclass
class Resource:
    name: str
    paths: list[Path]  # absolute, resolved; several for a multipart path, none for inline data
    relpaths: list[str]  # as written in the descriptor
    schema: dict[str, Any]  # normalised: keys as lists of names; {"fields": []} when none is given
    dialect: dict[str, Any] = field(default_factory=dict)
    encoding: str = "utf-8"
    descriptor: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # shapes accord cannot walk (descriptor_errors reports them)
    location: str | None = None  # a Hadoop file system URL (hdfs://, s3a:// ...) that only Spark reads; paths is empty

    @property
    def path(self) -> Path | None:
        """The (first) file; None for inline data."""
        return self.paths[0] if self.paths else None

    @property
    def relpath(self) -> str:
        return self.relpaths[0] if self.relpaths else INLINE

    @property
    def inline(self) -> bool:
        return "data" in self.descriptor and "path" not in self.descriptor

    @property
    def fields(self) -> list[dict[str, Any]]:
        return [f for f in self.schema.get("fields", []) if isinstance(f, dict)]

    @property
    def field_names(self) -> list[str]:
        return [f.get("name") for f in self.fields]

    @property
    def primary_key(self) -> list[str]:
        key = self.schema.get("primaryKey") or []
        return [key] if isinstance(key, str) else [k for k in key if isinstance(k, str)]

    @property
    def foreign_keys(self) -> list[dict[str, Any]]:
        """Normalised: [{"fields": [...], "resource": name, "reference_fields": [...]}]; none where the
        schema's shape is broken (its problems say how)."""
        if self.problems:
            return []
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
    _shared: Any = field(default=None, repr=False, compare=False)  # frictionless(shared=True)

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

    def frictionless(self, shared: bool = False) -> Any:
        """The package as frictionless reads it (call inside system.use_context(trusted=...)).
        shared: the one instance every caller that only reads it shares (opening a package of 91
        tables takes frictionless half a second); otherwise a fresh one the caller may change."""
        from frictionless import Package as FrictionlessPackage

        if shared:
            if self._shared is None:
                self._shared = FrictionlessPackage(copy.deepcopy(self.descriptor), basepath=str(self.basepath))
            return self._shared
        return FrictionlessPackage(copy.deepcopy(self.descriptor), basepath=str(self.basepath))


def resolve_descriptor(path: str | Path | None) -> Path:
    """A package argument may be a descriptor file or the folder holding datapackage.json (or .yaml)."""
    p = Path(path) if path else Path(".")
    if p.is_dir():
        p = next((p / name for name in DESCRIPTOR_NAMES if (p / name).is_file()), p / DEFAULT_DESCRIPTOR)
    if not p.exists():
        raise PackageError(f"{p}: no such file (give a datapackage.json or the folder holding one)")
    return p.resolve()


WEB_SCHEMES = ("http", "https", "ftp", "ftps")


def cluster_url(relpath: Any) -> bool:
    """Whether a resource path is a URL of a Hadoop file system (hdfs://, s3a://, abfss://, gs://,
    viewfs:// ...): not a web address, which accord downloads (accord download) rather than reads."""
    if not isinstance(relpath, str) or "://" not in relpath:
        return False
    scheme = relpath.split("://", 1)[0]
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme)) and scheme.lower() not in WEB_SCHEMES


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
        spark = " or read it on a Spark cluster (--engine spark)" if cluster_url(relpath) else ""
        raise PackageError(f"{where}: remote path {relpath!r} is not supported; download it first{spark}")
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
    """A JSON file, or a YAML one (.yaml, .yml), as frictionless reads them."""
    if path.exists() and not path.is_file():
        raise PackageError(f"{path}: cannot read {what}: not a regular file")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackageError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise PackageError(f"{path}: {what} is not UTF-8 text (byte {exc.start})") from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise PackageError(f"{path}: {what} is not valid YAML{where}") from exc
        except RecursionError as exc:
            raise PackageError(f"{path}: {what} is nested too deeply to read") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackageError(f"{path}: {what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise PackageError(f"{path}: {what} is nested too deeply to read") from exc


def _is_names(value: Any) -> bool:
    """A field name or a list of them, as primaryKey and foreign keys hold."""
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _names(value: Any) -> Any:
    """A key written as one field name is a list of one (Table Schema allows both)."""
    return [value] if isinstance(value, str) else value


def normalise_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with string-form keys as lists, as frictionless reads them."""
    schema = dict(schema)
    if "primaryKey" in schema:
        schema["primaryKey"] = _names(schema["primaryKey"])
    if isinstance(schema.get("foreignKeys"), list):
        keys = []
        for fk in schema["foreignKeys"]:
            if isinstance(fk, dict):
                fk = {**fk, "fields": _names(fk.get("fields"))}
                if isinstance(fk.get("reference"), dict):
                    fk["reference"] = {**fk["reference"], "fields": _names(fk["reference"].get("fields"))}
            keys.append(fk)
        schema["foreignKeys"] = keys
    return schema


def schema_shape_problems(schema: dict[str, Any]) -> list[str]:
    """What in a schema accord's own code cannot walk (fields without names, keys that are not
    names); every other profile rule is left to frictionless (validate.descriptor_errors)."""
    problems = []
    for number, field_ in enumerate(schema.get("fields", []), start=1):
        if not isinstance(field_, dict) or not isinstance(field_.get("name"), str) or not field_["name"]:
            problems.append(f"schema field {number} must be an object with a non-empty 'name'")
        elif not isinstance(field_.get("constraints") or {}, dict):
            problems.append(f"field {field_['name']!r}: 'constraints' must be an object")
    if "primaryKey" in schema and not _is_names(schema["primaryKey"]):
        problems.append("schema 'primaryKey' must be a field name or a list of them")
    foreign_keys = schema.get("foreignKeys") or []
    if not isinstance(foreign_keys, list):
        return [*problems, "schema 'foreignKeys' must be a list"]
    for number, fk in enumerate(foreign_keys, start=1):
        reference = fk.get("reference") if isinstance(fk, dict) else None
        if (
            not isinstance(fk, dict)
            or not _is_names(fk.get("fields"))
            or not isinstance(reference, dict)
            or not _is_names(reference.get("fields"))
            or not isinstance(reference.get("resource", ""), str)
        ):
            problems.append(f"foreign key {number} must be an object with 'fields' and a 'reference' "
                            "holding a 'resource' name and 'fields'")
    return problems


def _resource_paths(base: Path, res: dict[str, Any], where: str, trusted: bool,
                    cluster: bool) -> tuple[list[str], list[Path], str | None]:
    """The resource's files (a path, or a list of them: a multipart resource); none for inline
    data; or, when cluster paths are read (the Spark engine, --trusted), its Hadoop URL."""
    relpath = res.get("path")
    if relpath is None:  # inline data, or nothing to read: frictionless says which
        return [], [], None
    relpaths = relpath if isinstance(relpath, list) else [relpath]
    extra = res.get("extrapaths")  # frictionless writes a multipart path as path + extrapaths
    relpaths += extra if isinstance(extra, list) else []
    if cluster and trusted and any(cluster_url(r) for r in relpaths):
        if len(relpaths) > 1:
            raise PackageError(f"{where}: a multipart path of Hadoop URLs is not supported; give one file")
        return relpaths, [], relpaths[0]
    return relpaths, [safe_path(base, r, where, trusted) for r in relpaths], None


def load_package(path: str | Path | None = None, trusted: bool = False, resources: bool = True,
                 cluster_paths: bool = False) -> Package:
    """The package; resources=False reads only its name and folder (fast: no frictionless).
    cluster_paths: a resource path may be a Hadoop file system URL (with trusted; the Spark
    engine reads it, Resource.location), not only a file in the package's folder."""
    descriptor_path = resolve_descriptor(path)
    descriptor = _read_json(descriptor_path, "descriptor")
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise PackageError(f"{descriptor_path}: not a Data Package (an object with a 'resources' list)")
    if not resources:
        return Package(descriptor_path=descriptor_path, descriptor=descriptor, resources=[], trusted=trusted)
    return Package(descriptor_path=descriptor_path, descriptor=descriptor,
                   resources=_resources(descriptor_path, descriptor, trusted, cluster_paths), trusted=trusted)


def normalised(descriptor: dict[str, Any]) -> dict[str, Any]:
    """The descriptor as frictionless reads it: older forms upgraded (CKAN's `url` is a `path`,
    v1 keys ...). accord checks the paths frictionless will read, not only the ones written."""
    from frictionless import Package as FrictionlessPackage

    transformed = copy.deepcopy(descriptor)
    try:
        FrictionlessPackage.metadata_transform(transformed)
    except Exception:  # a descriptor frictionless cannot even transform: its profile check says why
        return copy.deepcopy(descriptor)
    return transformed if isinstance(transformed.get("resources"), list) else copy.deepcopy(descriptor)


def _resources(descriptor_path: Path, descriptor: dict[str, Any], trusted: bool, cluster: bool = False) -> list[Resource]:
    base = descriptor_path.parent
    resources = []
    for index, res in enumerate(normalised(descriptor)["resources"]):
        problems: list[str] = []
        if not isinstance(res, dict):
            problems.append("a resource must be an object")
            res = {}
        name = res.get("name")
        if not isinstance(name, str) or not name:
            problems.append("a resource needs a 'name'")
            name = f"resources[{index}]"
        where = f"{descriptor_path.name}: resource {name!r}"
        relpaths, paths, location = _resource_paths(base, res, where, trusted, cluster)
        schema = res.get("schema") or {"fields": []}
        if isinstance(schema, str):
            schema = _read_json(safe_path(base, schema, f"{where} schema", trusted), "schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields", []), list):
            problems.append("its schema must be an object with a 'fields' list")
            schema = {"fields": []}
        problems += schema_shape_problems(schema)
        dialect = res.get("dialect") or {}
        if isinstance(dialect, str):
            dialect = _read_json(safe_path(base, dialect, f"{where} dialect", trusted), "dialect")
        if not isinstance(dialect, dict) or not isinstance(dialect.get("csv") or {}, dict):
            problems.append("its dialect must be an object")
            dialect = {}
        encoding = res.get("encoding") or "utf-8"
        if not isinstance(encoding, str):
            problems.append("its encoding must be a string such as 'utf-8'")
            encoding = "utf-8"
        resources.append(
            Resource(
                name=name,
                paths=paths,
                relpaths=relpaths,
                schema=normalise_schema(schema) if not problems else schema,
                dialect=dialect,
                encoding=encoding.lower(),
                descriptor=res,
                problems=problems,
                location=location,
            )
        )
    return resources

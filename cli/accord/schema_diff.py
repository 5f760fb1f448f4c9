"""Schema changes between two versions of a package, each classified breaking or compatible.

The rule (docs/releases.md): a change is **breaking** when data or code that worked with the old
version may fail with the new one:

- a resource or a field removed, a field's type or format changed;
- a constraint added or tightened (a field made required or unique, an enum narrowed, a
  pattern added or changed, a bound raised or lowered, a length bound tightened): data valid
  before may be invalid now;
- a key changed in any way: the primary key, a unique key, a foreign key added, dropped or
  changed (keys are the model: consumers join and deduplicate on them);
- missingValues changed: the same cells are read as other values.

A change is **compatible** when it only adds or loosens: a resource or an optional field added,
a constraint dropped or loosened (an enum widened, a bound relaxed), a title or a description
changed (not compared). Row changes are data, not schema: release numbers them as a patch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accord.package import Package, Resource

BOUNDS = {"minimum": "raised", "exclusiveMinimum": "raised", "minLength": "raised",
          "maximum": "lowered", "exclusiveMaximum": "lowered", "maxLength": "lowered"}


@dataclass
class SchemaChange:
    table: str
    field: str | None
    kind: str  # e.g. "field-removed", "enum-narrowed", "foreign-key-removed"
    old: Any
    new: Any
    breaking: bool

    def describe(self) -> str:
        where = f"{self.table}.{self.field}" if self.field else self.table
        if self.kind in ("field-added", "required-field-added", "field-removed", "resource-added", "resource-removed"):
            return f"{where}: {self.kind.replace('-', ' ')}"
        return f"{where}: {self.kind.replace('-', ' ')} ({_show(self.old)} -> {_show(self.new)})"


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def package_changes(old: Package, new: Package) -> list[SchemaChange]:
    old_names = {r.name: r for r in old.resources}
    new_names = {r.name: r for r in new.resources}
    changes = [SchemaChange(name, None, "resource-removed", name, None, True) for name in old_names if name not in new_names]
    changes += [SchemaChange(name, None, "resource-added", None, name, False) for name in new_names if name not in old_names]
    for name, resource in new_names.items():
        if name in old_names:
            changes += table_changes(old_names[name], resource)
    return changes


def table_changes(old: Resource, new: Resource) -> list[SchemaChange]:
    table = new.name
    old_fields = {f["name"]: f for f in old.fields}
    new_fields = {f["name"]: f for f in new.fields}
    changes = [SchemaChange(table, name, "field-removed", name, None, True) for name in old_fields if name not in new_fields]
    for name, fld in new_fields.items():
        if name not in old_fields:
            required = bool(_constraints(fld).get("required"))
            changes.append(SchemaChange(table, name, "required-field-added" if required else "field-added", None, name, required))
            continue
        changes += field_changes(table, old_fields[name], fld)
    if old.primary_key != new.primary_key:
        changes.append(SchemaChange(table, None, "primary-key-changed", old.primary_key or None, new.primary_key or None, True))
    old_keys, new_keys = _foreign_keys(old), _foreign_keys(new)
    changes += [SchemaChange(table, None, "foreign-key-removed", k, None, True) for k in old_keys if k not in new_keys]
    changes += [SchemaChange(table, None, "foreign-key-added", None, k, True) for k in new_keys if k not in old_keys]
    old_unique, new_unique = _unique_keys(old), _unique_keys(new)
    if old_unique != new_unique:
        changes.append(SchemaChange(table, None, "unique-keys-changed", old_unique or None, new_unique or None, True))
    if _missing(old.schema) != _missing(new.schema):
        changes.append(SchemaChange(table, None, "missing-values-changed", _missing(old.schema), _missing(new.schema), True))
    return changes


def field_changes(table: str, old: dict[str, Any], new: dict[str, Any]) -> list[SchemaChange]:
    name = new["name"]
    changes = []
    for prop, kind in (("type", "type-changed"), ("format", "format-changed"), ("itemType", "item-type-changed"),
                       ("delimiter", "list-delimiter-changed"), ("groupChar", "group-char-changed"),
                       ("decimalChar", "decimal-char-changed"), ("bareNumber", "bare-number-changed"),
                       ("trueValues", "true-values-changed"), ("falseValues", "false-values-changed")):
        before, after = old.get(prop), new.get(prop)
        if prop == "type":
            before, after = before or "string", after or "string"
        if prop == "format":
            before, after = before or "default", after or "default"
        if before != after:
            changes.append(SchemaChange(table, name, kind, before, after, True))
    if _missing(old) != _missing(new) and ("missingValues" in old or "missingValues" in new):
        changes.append(SchemaChange(table, name, "missing-values-changed", _missing(old), _missing(new), True))
    before, after = _constraints(old), _constraints(new)
    for flag in ("required", "unique"):
        if bool(before.get(flag)) != bool(after.get(flag)):
            added = bool(after.get(flag))
            changes.append(SchemaChange(table, name, f"{flag}-{'added' if added else 'dropped'}", before.get(flag),
                                        after.get(flag), added))
    if before.get("enum") != after.get("enum"):
        old_set, new_set = before.get("enum"), after.get("enum")
        if new_set is None:
            kind, breaking = "enum-dropped", False
        elif old_set is None:
            kind, breaking = "enum-added", True
        elif set(map(str, new_set)) >= set(map(str, old_set)):
            kind, breaking = "enum-widened", False
        else:
            kind, breaking = "enum-narrowed", True
        changes.append(SchemaChange(table, name, kind, old_set, new_set, breaking))
    if before.get("pattern") != after.get("pattern"):
        dropped = after.get("pattern") is None
        changes.append(SchemaChange(table, name, "pattern-dropped" if dropped else "pattern-changed",
                                    before.get("pattern"), after.get("pattern"), not dropped))
    for bound, tightening in BOUNDS.items():
        if before.get(bound) == after.get(bound):
            continue
        old_bound, new_bound = before.get(bound), after.get(bound)
        if new_bound is None:
            kind, breaking = f"{bound}-dropped", False
        elif old_bound is None:
            kind, breaking = f"{bound}-added", True
        else:
            try:
                tighter = new_bound > old_bound if tightening == "raised" else new_bound < old_bound
            except TypeError:
                tighter = True  # bounds that do not compare (dates as text of another form): assume the worst
            kind, breaking = f"{bound}-{tightening if tighter else 'relaxed'}", tighter
        changes.append(SchemaChange(table, name, kind, old_bound, new_bound, breaking))
    return changes


def _constraints(fld: dict[str, Any]) -> dict[str, Any]:
    constraints = fld.get("constraints")
    return constraints if isinstance(constraints, dict) else {}


def _missing(holder: dict[str, Any]) -> list[str]:
    values = holder.get("missingValues", [""])
    return list(values) if isinstance(values, list) else [values]


def _foreign_keys(resource: Resource) -> list[str]:
    return [f"({', '.join(fk['fields'])}) -> {fk['resource']}({', '.join(fk['reference_fields'])})"
            for fk in resource.foreign_keys]


def _unique_keys(resource: Resource) -> list[list[str]]:
    keys = resource.schema.get("uniqueKeys") or []
    return [[k] if isinstance(k, str) else list(k) for k in keys if isinstance(k, (str, list))]

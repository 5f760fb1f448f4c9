"""Tiny data packages written into a test's tmp_path, for the build, query and info tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Tests validate with the default engine; the differential tests compare it with frictionless.
ENGINE = "duckdb"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"

ORGANIZATIONS_CSV = """\
organization_id,name,classification,parent_id,founded,aliases
coe,Council of Europe,international-organization,,1949-05-05,CoE;Conseil de l'Europe
coe-cm,Committee of Ministers,organ,coe,,
kz,Kazakhstan,state,,,
"""

PEOPLE_CSV = """\
person_id,name,organization_id,active,score,born,updated,email
1,Ann,coe,yes,1.5,1970,2023-10-07T10:00:00Z,ann@example.org
2,Bob,kz,no,n/a,,2023-10-07T12:00:00+02:00,
3,"=HYPERLINK(""http://x"")",coe-cm,yes,-2,1980,,carl@example.org
"""

ORGANIZATIONS = {
    "title": "Organizations",
    "description": "States and bodies.",
    "schema": {
        "fields": [
            {"name": "organization_id", "type": "string", "description": "A slug."},
            {"name": "name", "type": "string", "title": "Name", "constraints": {"required": True}},
            {
                "name": "classification",
                "type": "string",
                "constraints": {"required": True, "enum": ["state", "international-organization", "organ"]},
            },
            {"name": "parent_id", "type": "string"},
            {"name": "founded", "type": "date"},
            {"name": "aliases", "type": "list", "delimiter": ";", "itemType": "string"},
        ],
        "primaryKey": ["organization_id"],
        "foreignKeys": [{"fields": ["parent_id"], "reference": {"resource": "", "fields": ["organization_id"]}}],
    },
    "csv": ORGANIZATIONS_CSV,
}

PEOPLE = {
    "description": "People, one row each.",
    "schema": {
        "fields": [
            {"name": "person_id", "type": "integer"},
            {"name": "name", "type": "string", "constraints": {"required": True}},
            {"name": "organization_id", "type": "string", "description": "Where they work."},
            {"name": "active", "type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]},
            {"name": "score", "type": "number"},
            {"name": "born", "type": "year"},
            {"name": "updated", "type": "datetime"},
            {"name": "email", "type": "string", "constraints": {"unique": True}},
        ],
        "missingValues": ["", "n/a"],
        "primaryKey": ["person_id"],
        "foreignKeys": [
            {"fields": ["organization_id"], "reference": {"resource": "organizations", "fields": ["organization_id"]}}
        ],
    },
    "csv": PEOPLE_CSV,
}

VIEWS = {
    "01_people.sql": (
        "-- People with their organization's name.\n"
        "CREATE VIEW people_named AS\n"
        "SELECT p.name, o.name AS organization FROM people p JOIN organizations o USING (organization_id);\n"
    ),
    "02_counts.sql": (
        "CREATE VIEW people_per_organization AS SELECT organization_id, count(*) AS n FROM people GROUP BY 1;\n"
    ),
}

QUERIES = {
    "people.sql": (
        "-- Everyone, by name.\n-- (a second comment line)\nSELECT person_id, name FROM people ORDER BY person_id;\n"
    ),
    "no-comment.sql": "SELECT 1 AS one;\n",
}


def write_package(
    root: Path,
    tables: dict[str, dict[str, Any]],
    *,
    name: str = "demo",
    views: dict[str, str] | None = None,
    queries: dict[str, str] | None = None,
) -> Path:
    """Write datapackage.json, tables/<name>.csv, views/ and queries/ under root; return the descriptor.

    Each table is a resource descriptor without a path, plus "csv": the file's text.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "tables").mkdir(exist_ok=True)
    resources = []
    for table, spec in tables.items():
        spec = dict(spec)
        (root / "tables" / f"{table}.csv").write_text(spec.pop("csv"), encoding="utf-8")
        resources.append({"name": table, "path": f"tables/{table}.csv", "format": "csv", **spec})
    for folder, files in (("views", views), ("queries", queries)):
        if files:
            (root / folder).mkdir(exist_ok=True)
            for filename, text in files.items():
                (root / folder / filename).write_text(text, encoding="utf-8")
    descriptor = root / "datapackage.json"
    descriptor.write_text(
        json.dumps({"$schema": PROFILE, "name": name, "resources": resources}, indent=2), encoding="utf-8"
    )
    return descriptor


def demo_package(root: Path, **changes: Any) -> Path:
    """Organizations (self-reference, enum, list, date) and people (FK, boolean, number, year, datetime)."""
    tables = {"organizations": ORGANIZATIONS, "people": PEOPLE}
    options = {"views": VIEWS, "queries": QUERIES, **changes}
    return write_package(root, tables, **options)

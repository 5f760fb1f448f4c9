"""Packages at the edges, for benchmarks/run.py: many small tables, and a table declared
iso-8859-1 (non-ASCII names, so its bytes really are Latin-1). Deterministic: the same files
every time."""

from __future__ import annotations

import json
import random
from pathlib import Path

NAMES = ["Zürich", "Liège", "Ñuñoa", "Łódź", "São Paulo", "Malmö", "Reykjavík", "Göteborg", "Córdoba", "Brașov"]
LATIN1_NAMES = [n for n in NAMES if all(ord(c) < 256 for c in n)]


def many_tables(folder: Path, tables: int = 91, rows: int = 100) -> None:
    """91 tables of 100 rows: an id, a name, a number, a date and a reference to the first table."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    resources = []
    for t in range(tables):
        name = f"table-{t:03d}"
        lines = ["id,name,amount,day,first_id"]
        for r in range(1, rows + 1):
            lines.append(f"{r},{rng.choice(LATIN1_NAMES)},{rng.randint(0, 10**6) / 100},2020-01-{1 + r % 28:02d},"
                         f"{rng.randint(1, rows)}")
        (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        schema = {"fields": [{"name": "id", "type": "integer", "constraints": {"required": True}},
                             {"name": "name", "type": "string", "constraints": {"maxLength": 20}},
                             {"name": "amount", "type": "number", "constraints": {"minimum": 0}},
                             {"name": "day", "type": "date"}, {"name": "first_id", "type": "integer"}],
                  "primaryKey": ["id"],
                  "foreignKeys": [{"fields": ["first_id"], "reference": {"resource": "table-000", "fields": ["id"]}}]}
        resources.append({"name": name, "path": f"{name}.csv", "schema": schema})
    (folder / "datapackage.json").write_text(json.dumps({"name": "many-tables", "resources": resources}, indent=1))


def latin1_table(folder: Path, rows: int = 100_000) -> None:
    """100k rows declared iso-8859-1, with accented names."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    lines = ["id,city,population,founded"]
    for r in range(1, rows + 1):
        lines.append(f"{r},{rng.choice(LATIN1_NAMES)} {r % 97},{rng.randint(100, 10**7)},{rng.randint(1000, 2020)}")
    (folder / "cities.csv").write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1"))
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "city", "type": "string", "constraints": {"required": True}},
                         {"name": "population", "type": "integer", "constraints": {"minimum": 0}},
                         {"name": "founded", "type": "year"}], "primaryKey": ["id"]}
    descriptor = {"name": "latin1", "resources": [{"name": "cities", "path": "cities.csv", "encoding": "iso-8859-1",
                                                    "schema": schema}]}
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=1))

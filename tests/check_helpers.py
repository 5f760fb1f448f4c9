"""Helpers for the check tests: copies of the package to break, CSV edits, running `accord check`,
and a generator of large synthetic packages with our schema (for benchmarks)."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENGINE = "duckdb"  # the default engine; the differential tests compare it with frictionless


def copy_package(target: Path, checks: bool = True) -> Path:
    """Copy datapackage.json, tables/, sources/ (and checks/) into target; return the descriptor."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "datapackage.json", target / "datapackage.json")
    for folder in ("tables", "sources", *(("checks",) if checks else ())):
        shutil.copytree(ROOT / folder, target / folder)
    return target / "datapackage.json"


class Tables:
    """Read and rewrite the CSVs of a package copy: `tables["memberships"]` is a list of dicts."""

    def __init__(self, descriptor: Path):
        self.root = descriptor.parent
        self._rows: dict[str, list[dict[str, str]]] = {}
        self._fields: dict[str, list[str]] = {}

    def path(self, table: str) -> Path:
        return self.root / "tables" / f"{table}.csv"

    def __getitem__(self, table: str) -> list[dict[str, str]]:
        if table not in self._rows:
            with self.path(table).open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                self._fields[table] = list(reader.fieldnames or [])
                self._rows[table] = list(reader)
        return self._rows[table]

    def row(self, table: str, key: str) -> dict[str, str]:
        """The row whose first column (the primary key) is `key`."""
        rows = self[table]
        first = self._fields[table][0]
        for row in rows:
            if row[first] == key:
                return row
        raise KeyError(f"{table}: no row {key!r}")

    def delete(self, table: str, key: str) -> None:
        self[table].remove(self.row(table, key))

    def save(self) -> None:
        for table, rows in self._rows.items():
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=self._fields[table], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            self.path(table).write_text(buffer.getvalue(), encoding="utf-8")


@dataclass
class CheckRun:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.stdout)

    def failed_rules(self, severity: str | None = None) -> set[str]:
        """<suite>/<rule> of every expectation task with a failure (of the given severity)."""
        return {
            task["name"]
            for task in self.report["tasks"]
            if task["kind"] == "expectation"
            and any(e["code"] == "expectation-failed" and (severity is None or e["severity"] == severity) for e in task["errors"])
        }


def run_accord(*args: str, cwd: Path | None = None) -> CheckRun:
    """Run the CLI in this process (imports stay warm: Great Expectations takes seconds to import)."""
    import os

    from accord.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_argv, old_cwd = sys.argv, Path.cwd()
    sys.argv = ["accord", *args]
    code = 0
    try:
        if cwd:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return CheckRun(code, out.getvalue(), err.getvalue())


def check_json(descriptor: Path, *args: str) -> CheckRun:
    return run_accord("check", str(descriptor), "--engine", ENGINE, "--format", "json", *args)


# --- a large synthetic package with our schema, for benchmarks ---------------------------------

SYLLABLES = [
    "ka", "ze", "ri", "mo", "lu", "ta", "ne", "vo", "si", "da", "pe", "gu", "lo", "mi", "ra", "te", "bo", "ni",
    "sa", "fe", "du", "ko", "li", "ma", "ro", "tu", "ve", "ha", "jo", "wi", "be", "ce", "yo", "xa", "qu", "zu",
]
WORDS = ["reform", "treaty", "cooperation", "council", "rights", "law", "committee", "partner", "assistance", "priority",
         "democracy", "justice", "convention", "assembly", "delegation", "support", "progress", "dialogue"]


def _name(rng: random.Random, parts: int) -> str:
    """Syllables between random letter trigrams, so that names' first and last three letters (the
    near-duplicate rule's blocking keys) spread evenly, as names from many languages would."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(parts)]
    words[0] = "".join(rng.choice(letters) for _ in range(3)) + words[0]
    words[-1] += "".join(rng.choice(letters) for _ in range(3))
    return " ".join(w.capitalize() for w in words)


def generate_package(target: Path, rows: int = 1_000_000, seed: int = 7, texts: int = 200) -> Path:
    """Write a package with the schema of datapackage.json and about `rows` rows in all, valid
    against every suite in checks/ (evidence quotes are real substrings of generated texts).

    Split: statements 50 %, memberships 30 %, actors 10 %, organizations 7 %, conventions
    and sources the rest. Returns the descriptor path.
    """
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    (target / "tables").mkdir(exist_ok=True)
    (target / "sources").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "datapackage.json", target / "datapackage.json")
    shutil.copytree(ROOT / "checks", target / "checks", dirs_exist_ok=True)

    n_statements, n_memberships = rows * 50 // 100, rows * 30 // 100
    n_actors, n_orgs = rows * 10 // 100, rows * 7 // 100
    n_conventions = min(999, max(10, rows // 1000))  # treaty numbers have three digits
    n_sources = max(texts + 2, rows - n_statements - n_memberships - n_actors - n_orgs - n_conventions)

    def write(table: str, header: list[str], records) -> None:
        with (target / "tables" / f"{table}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(records)

    # Source texts: sentences of words; quotes are cut at word boundaries.
    source_ids = [f"source-{i:06d}" for i in range(n_sources - 1)] + ["iso-3166-1"]
    text_of: dict[str, str] = {}
    source_rows = []
    for i, source_id in enumerate(source_ids):
        if i < texts:
            words = [rng.choice(WORDS) + ("ö" if rng.random() < 0.05 else "") for _ in range(800)]
            text = " ".join(words) + "\n"
            path = f"sources/{source_id}.txt"
            (target / path).write_text(text, encoding="utf-8")
            text_of[source_id] = text
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            source_rows.append([source_id, "press-release", f"Press release {i}", "", "kazakhstan", "2023-10-07", "", "en", path, digest])
        else:
            source_rows.append([source_id, "reference", f"Reference list {i}", "", "", "", "https://example.org/list", "en", "", ""])
    text_sources = source_ids[:texts]
    write("sources", ["source_id", "kind", "title", "description", "publisher_id", "published", "url", "language", "path", "sha256"],
          source_rows)

    def quote(source_id: str) -> tuple[str, int, int]:
        text = text_of[source_id]
        start = rng.randrange(0, len(text) - 200)
        start = text.index(" ", start) + 1
        end = text.index(" ", start + rng.randint(10, 80))
        return text[start:end], start, end

    used_names: set[str] = set()

    def unique_name(parts: int) -> str:
        while True:
            name = _name(rng, parts)
            if name not in used_names:
                used_names.add(name)
                return name

    actor_ids = [f"actor-{i:06d}" for i in range(n_actors)]
    write("actors", ["actor_id", "name", "aliases", "country", "source_id", "reference_source_id"],
          ([a, unique_name(3), "", "", rng.choice(text_sources), ""] for a in actor_ids))
    org_ids = ["kazakhstan"] + [f"org-{i:06d}" for i in range(1, n_orgs)]
    write("organizations", ["organization_id", "name", "acronym", "aliases", "classification", "parent_id", "country", "source_id",
                            "reference_source_id"],
          ([o, unique_name(4), "", "", "state" if i % 10 == 0 else "committee", org_ids[i // 10] if i % 10 else "",
            "KZ" if i % 10 == 0 else "", rng.choice(text_sources), "iso-3166-1" if i % 10 == 0 else ""]
           for i, o in enumerate(org_ids)))
    conventions = []
    for i in range(n_conventions):
        number = i + 1
        series = "ETS" if number <= 193 else "CETS"
        conventions.append([f"{series.lower()}-{number:03d}", "treaty", f"{series} {number:03d}", f"Convention number {number}", "",
                            f"Convention {number}", "1990-01-01", "", "", "kazakhstan", rng.choice(text_sources), ""])
    write("conventions", ["convention_id", "kind", "treaty_number", "title", "short_title", "title_in_source", "opened",
                          "period_start_year", "period_end_year", "depositary_id", "source_id", "reference_source_id"], conventions)
    statement_ids = [f"statement-{i:07d}" for i in range(n_statements)]
    statement_source: dict[str, str] = {}
    statements = []
    for sid in statement_ids:
        source_id = rng.choice(text_sources)
        statement_source[sid] = source_id
        evidence, start, end = quote(source_id)
        by_actor = rng.random() < 0.5
        statements.append([sid, source_id, "", rng.choice(actor_ids) if by_actor else "", "" if by_actor else rng.choice(org_ids),
                           "explicit", "noted", "A generated statement.", "", rng.choice(org_ids), "", "", "", evidence, start, end])
    write("statements", ["statement_id", "source_id", "date", "speaker_actor_id", "speaker_organization_id", "attribution", "act",
                         "summary", "about_actor_id", "about_organization_id", "about_convention_id", "quantity", "unit", "evidence",
                         "evidence_start", "evidence_end"], statements)
    memberships = []
    for i in range(n_memberships):
        statement_id = rng.choice(statement_ids)
        source_id = statement_source[statement_id]
        evidence, start, end = quote(source_id)
        kind = i % 3
        if kind == 0:
            member = [rng.choice(actor_ids), "", rng.choice(org_ids), "", "post"]
        elif kind == 1:
            member = ["", rng.choice(org_ids), rng.choice(org_ids), "", "member"]
        else:
            member = ["", rng.choice(org_ids), "", conventions[rng.randrange(n_conventions)][0], "party"]
        memberships.append([f"membership-{i:07d}", *member, "", "current", "", "", source_id, statement_id, evidence, start, end])
    # Kazakhstan's four conventions, so that rule holds too.
    memberships[-4:] = [[f"membership-kz-{c}", "", "kazakhstan", "", conventions[c][0], "party", "", "current", "", "",
                         text_sources[0], "", *quote(text_sources[0])] for c in range(4)]
    write("memberships", ["membership_id", "member_actor_id", "member_organization_id", "organization_id", "convention_id",
                          "relation", "role", "status", "start_date", "end_date", "source_id", "statement_id", "evidence",
                          "evidence_start", "evidence_end"], memberships)
    return target / "datapackage.json"

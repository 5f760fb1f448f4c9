"""Synthetic data packages with accord's schema, at any size, for benchmarks and tests.

    python benchmarks/generate.py OUT --rows 1M --seed 1 [--faults type-error=3 foreign-key=2 ...]

writes OUT/datapackage.json (our descriptor's resources and schemas, verbatim), OUT/tables/*.csv,
OUT/sources/*.txt (synthetic press releases, their sha256 in sources.csv), copies of our
checks/, views/ and queries/, and OUT/faults.json, the manifest of injected faults.

Sizes follow the statements table: memberships N/2, actors N/20, organizations N/50,
conventions N/1000 (at least one of each), and as sources the two reference lists
(iso-3166-1, coe-treaty-list), N/10000 press releases whose text is stored under sources/,
and N/100000 reports whose text is not (at least one of each). The tables:

    sources        reference lists (undated, no text), press releases (dated, text stored),
                   reports (dated, a document number, no text)
    actors, organizations, conventions
                   named entities; organization 0 is Kazakhstan; treaties (at most 999:
                   ETS/CETS numbers) come before cooperation programmes
    mentions       one row per actor, organization and convention, in a press release that
                   names it: the texts end with lists of names ("Participants: ...;
                   ...."), and each mention's offsets point at its name there (an actor
                   with an alias is written "Last, First"); plus one row per treaty from
                   coe-treaty-list, with a locator (its treaty number) instead of offsets
    statements     id "<source_id>:statement-<n>"; 90% from press releases (evidence: a
                   sentence of the text at its offsets), 10% from reports (a locator,
                   "paragraph 12"); dates of day, month or year precision, never after the
                   source's publication (except act "scheduled", which dates the event)
    memberships    id "<source_id>:membership-<n>"; the first rows are one depositary per
                   treaty (an organization, from coe-treaty-list, with a locator and no
                   as_of); the rest relate a person or organization to an organization or
                   a convention, with as_of on or before the source's date, start and end
                   dates of mixed precision in order, and evidence or a locator as the
                   source has a stored text or not; 30% cite a statement of the same source

The same seed gives byte-identical files: every random draw comes from a numpy Generator
seeded by (seed, table, chunk), and the big tables are built a chunk at a time with
pyarrow compute kernels, so 10M statements take about a minute and under 1 GB of memory.

Valid by default: constraints, enums, patterns, keys and foreign keys hold, every evidence
quote and every mentioned name sits at its offsets (Unicode code points) in its source text,
and the error rules in checks/*.json hold too (exactly one speaker, one entity per mention,
ids that start with their source, evidence or locator as the source has a text, dates in
order and real, as_of not after the source, treaty numbers, acyclic organization tree,
every entity mentioned ...). Names are built so that the near-duplicate name rule (a warning)
finds nothing, and its 3-character blocking keys spread evenly (random letter trigrams at
both ends). The row-count ceilings (warnings) are exceeded from a few thousand rows on.

Faults are injected one per row, each where it causes exactly the errors the manifest
lists (frictionless's codes and row numbers: the header is row 1):
    type-error        a cell that does not parse as its field's type
    constraint-error  an enum, pattern or minimum broken
    primary-key       a membership_id repeated (also a unique-error: the field is unique)
    foreign-key       a reference to a row that does not exist
    extra-cell        a row with one cell too many
    missing-cell      a row with its last cell missing (also a required constraint-error
                      if that field is required)
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "datapackage.json"
COPIED_FOLDERS = ("checks", "views", "queries")

FAULT_KINDS = ("type-error", "constraint-error", "primary-key", "foreign-key", "extra-cell", "missing-cell")
CHUNK_ROWS = 250_000  # part of the format: changing it changes the bytes for a seed
SENTENCES_PER_SOURCE = 120
SENTENCE_POOL = 1500
EPOCH = np.datetime64("1970-01-01", "D")

# Streams of random numbers, one per purpose, so that adding faults changes only faulty rows.
STREAM = {"sources": 1, "texts": 2, "actors": 3, "organizations": 4, "conventions": 5,
          "statements": 6, "statement-sources": 7, "memberships": 8, "faults": 9, "mentions": 10}

CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"
SYLLABLES = pa.array([c + v for c in CONSONANTS for v in VOWELS])
TRIGRAMS = pa.array([a + b + c for a in "abcdefghijklmnopqrstuvwxyz"
                     for b in "abcdefghijklmnopqrstuvwxyz" for c in "abcdefghijklmnopqrstuvwxyz"])
LETTERS = pa.array(list("abcdefghijklmnopqrstuvwxyz"))
CODE_LETTERS = 5
CODE_SPACE = len(LETTERS) ** CODE_LETTERS  # names carry a unique 5-letter code: 11.8M names per table

COUNTRIES = ("AM AT AZ BE BG CH CY CZ DE DK EE ES FI FR GB GE GR HR HU IE IS IT KG KZ LI LT LU LV MC "
             "MD ME MK MN MT NL NO PL PT RO RS SE SI SK SM TJ TM TR UA UZ").split()
CLASSIFICATIONS = ("state", "international-organization", "organ", "committee", "working-group",
                   "partial-agreement", "secretariat-unit", "government-body", "legislature", "delegation")
ACT_PHRASES = {
    "addressed": "addressed the meeting", "commended": "commended the progress made",
    "confirmed": "confirmed the commitment", "described": "described the cooperation",
    "discussed": "discussed the next steps", "emphasized": "emphasized the importance of the talks",
    "expressed-appreciation": "expressed appreciation for the support",
    "expressed-readiness": "expressed readiness to continue the dialogue",
    "highlighted": "highlighted the results", "informed": "informed the partners",
    "met": "met the delegation", "noted": "noted the reforms", "supported": "supported the initiative",
    "visited": "visited the headquarters", "welcomed": "welcomed the agreement",
    "adopted": "adopted the resolution", "invited": "invited the country to accede",
    "ratified": "ratified the convention", "reported": "reported on the results",
    "scheduled": "scheduled the next round of talks", "signed": "signed the agreement",
}
SCHEDULED = list(ACT_PHRASES).index("scheduled")  # its date is the event's, after the source
UNITS = ("percent", "conventions", "members", "years", "projects")
POST_ROLES = ("Minister of Foreign Affairs", "Deputy Minister of Foreign Affairs", "Ambassador",
              "Secretary General", "Permanent Representative", "Chair", "Rapporteur, external relations")
MEMBER_ROLES = ("head of delegation", "rapporteur", "substitute member", "expert")
LANGUAGES = ("en", "fr", "ru", "kk")
TOPICS = ("the rule of law", "human rights", "combating corruption", "judicial reform", "cybercrime",
          "data protection", "education", "culture", "taxation", "the fight against trafficking",
          "local democracy", "media freedom", "election standards", "the protection of minorities",
          "youth policy", "the European Pharmacopoeia", "money laundering", "sport integrity")
CITIES = ("Astana", "Strasbourg", "Almaty", "Genève", "Zürich", "Kraków", "Tbilisi", "Bakı",
          "Brussels", "Bişkek", "Reykjavík", "Ljubljana", "Tashkent", "Vilnius")
SENTENCE_TEMPLATES = (
    "{a} welcomed the progress made in {topic}, noting that {n}% of the commitments had been met.",
    "“{b} is a reliable partner,” said {a}.",
    '{a} described the talks as "constructive" and "forward-looking".',
    "The parties discussed cooperation in {topic} — including the {convention} — and agreed to meet again in {city}.",
    "{a} highlighted Kazakhstan’s accession to {n} conventions of the Council of Europe.",
    "Delegations from {city} and {city2} took part in the meeting on {topic}.",
    "Қазақстан and the Council of Europe reaffirmed their commitment to {topic}.",
    "According to {a}, the Venice Commission’s opinion on {topic} was “thoroughly studied”.",
    "{a} informed {b} about the reforms in {topic}; the next round is planned for {year}.",
    "The {convention} entered into force for the country in {year}, {a} recalled.",
)
CONVENTION_SUBJECTS = ("Mutual Assistance", "Extradition", "Data Protection", "Cybercrime", "Cultural Heritage",
                       "Tax Matters", "Human Rights", "Trafficking", "Money Laundering", "Spectator Violence")


class GeneratorError(Exception):
    """The generator was asked for something it cannot make."""


# -- sizes and options ------------------------------------------------------------------------


def parse_rows(text: str) -> int:
    """'100k', '1M', '2.5M' or '1000' as a number of rows."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", str(text))
    if not match:
        raise GeneratorError(f"not a row count: {text!r} (try 1000, 100k or 10M)")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    rows = int(round(float(match.group(1)) * scale))
    if rows < 1:
        raise GeneratorError("the statements table needs at least 1 row")
    return rows


def parse_faults(items: list[str] | None) -> dict[str, int]:
    """['type-error=3', 'foreign-key=1'] as {'type-error': 3, 'foreign-key': 1}."""
    faults: dict[str, int] = {}
    for item in items or []:
        kind, sep, count = item.partition("=")
        if not sep or kind not in FAULT_KINDS or not count.isdigit():
            raise GeneratorError(f"not a fault: {item!r} (use KIND=COUNT, KIND one of {', '.join(FAULT_KINDS)})")
        faults[kind] = faults.get(kind, 0) + int(count)
    return faults


def source_counts(rows: int) -> tuple[int, int]:
    """Press releases (text stored) and reports (no text) for a package with `rows` statements."""
    return max(1, rows // 10_000), max(1, rows // 100_000)


def treaty_count(conventions: int) -> int:
    """Of the conventions, how many are treaties (the rest are cooperation programmes)."""
    return min(999, -(-conventions * 4 // 5))  # treaty numbers have three digits


def table_sizes(rows: int) -> dict[str, int]:
    """Rows per table for a package with `rows` statements (every table at least one row)."""
    press, reports = source_counts(rows)
    actors, organizations, conventions = max(1, rows // 20), max(1, rows // 50), max(1, rows // 1_000)
    return {
        "sources": 2 + press + reports,  # two reference lists, the press releases, the reports
        "actors": actors,
        "organizations": organizations,
        "conventions": conventions,
        # one per entity, from a press release; one more per treaty, from the treaty list
        "mentions": actors + organizations + conventions + treaty_count(conventions),
        "statements": rows,
        "memberships": max(1, rows // 2),
    }


def _rng(seed: int, stream: str, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, STREAM[stream], chunk]))


# -- string building blocks (vectorised) ------------------------------------------------------


def _join(*parts: Any, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep)


def _numbers(values: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """Numbers as strings; null where `present` is False (built so, not masked after: no copy)."""
    return pc.cast(pa.array(values, mask=None if present is None else ~present), pa.string())


def _dates(days: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    mask = None if present is None else ~present
    return pc.cast(pa.array(days.astype("int32"), type=pa.date32(), mask=mask), pa.string())


def _partial_dates(rng: np.random.Generator, days: np.ndarray, present: np.ndarray) -> pa.Array:
    """ISO dates, null where not `present`, cut to a random precision: mostly a day
    (2023-10-05), one in ten a month (2023-10), one in ten a year (2023)."""
    dates = _dates(days, present)
    draw = rng.random(len(days))
    for length, cut in ((7, (draw >= 0.8) & (draw < 0.9)), (4, draw >= 0.9)):
        cut &= present
        dates = pc.replace_with_mask(dates, pa.array(cut), pc.utf8_slice_codeunits(
            pc.filter(dates, pa.array(cut)), 0, length))
    return dates


def _where(mask: np.ndarray, values: pa.Array) -> pa.Array:
    """values where mask holds, null elsewhere."""
    return pc.if_else(pa.array(mask), values, pa.scalar(None, pa.string()))


def _take(values: pa.Array, index: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """values[index], null where `present` is False (a null index: no copy to mask after)."""
    return pc.take(values, pa.array(index, mask=None if present is None else ~present))


def _pick(options: tuple[str, ...] | list[str] | pa.Array, index: np.ndarray) -> pa.Array:
    return pc.take(options if isinstance(options, pa.Array) else pa.array(options), pa.array(index))


def _days(iso: str) -> int:
    return int((np.datetime64(iso, "D") - EPOCH).astype(int))


def _unique_codes(index: np.ndarray, offset: int) -> pa.Array:
    """A 5-letter code per index, unique for indexes below CODE_SPACE, scattered (an affine
    bijection: 1_234_567 is coprime with 26**5) so that neighbouring rows get unrelated codes.
    Letters, not syllables: consonant-vowel codes align too well and made near duplicates."""
    code = (index.astype(np.int64) * 1_234_567 + offset) % CODE_SPACE
    size = len(LETTERS)
    return _join(*(_pick(LETTERS, (code // size**k) % size) for k in range(CODE_LETTERS)))


@dataclass
class Names:
    """Generated names, with the parts acronyms and aliases are made of."""

    first: pa.Array
    last: pa.Array
    name: pa.Array
    slug: pa.Array


def _names(rng: np.random.Generator, count: int, offset: int) -> Names:
    """'Qzkfalo Bemiranto…xpt': a random trigram starts and ends every name, so blocking on
    the first or last three characters makes small, even blocks, and the rest differs enough
    that no two names are near duplicates (Jaro-Winkler, checks/cross_table.json). Shared
    words make near duplicates: 'Toclu Directorate Kimab…' and 'Toclu Directorate Kuvaf…'."""
    def syllables(n):
        return [_pick(SYLLABLES, rng.integers(0, len(SYLLABLES), count)) for _ in range(n)]

    first = pc.utf8_capitalize(_join(_pick(TRIGRAMS, rng.integers(0, len(TRIGRAMS), count)), *syllables(2)))
    last = pc.utf8_capitalize(_join(_unique_codes(np.arange(count), offset), *syllables(1),
                                    _pick(TRIGRAMS, rng.integers(0, len(TRIGRAMS), count))))
    name = _join(first, last, sep=" ")
    slug = pc.replace_substring(pc.utf8_lower(name), " ", "-")
    return Names(first=first, last=last, name=name, slug=slug)


# -- the source texts -------------------------------------------------------------------------


@dataclass
class SourceTexts:
    """Sentence pool and, per press release, which sentence sits where in its text."""

    pool: pa.Array  # sentences
    pool_length: np.ndarray  # code points per sentence
    sentence: np.ndarray  # [press release, position] -> pool index
    start: np.ndarray  # [press release, position] -> offset of the sentence in the text

    def evidence(self, press: np.ndarray, position: np.ndarray,
                 present: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array]:
        """The quote at (press release, sentence position), with its start and end offsets;
        nulls where not `present`."""
        chosen = self.sentence[press, position]
        start = self.start[press, position]
        return (pc.take(self.pool, pa.array(chosen, mask=~present)), _numbers(start, present),
                _numbers(start + self.pool_length[chosen], present))


def _sentence_pool(rng: np.random.Generator, count: int) -> list[str]:
    people = _names(rng, 200, offset=777).name.to_pylist()
    conventions = [f"Convention on {s}" for s in CONVENTION_SUBJECTS]

    def pick(options):
        return options[int(rng.integers(0, len(options)))]

    sentences = []
    for _ in range(count):
        template = pick(SENTENCE_TEMPLATES)
        sentences.append(template.format(
            a=pick(people), b=pick(people), topic=pick(TOPICS), n=int(rng.integers(2, 99)),
            city=pick(CITIES), city2=pick(CITIES), convention=pick(conventions),
            year=int(rng.integers(1995, 2030)),
        ))
    return sentences


def write_source_texts(out: Path, seed: int, titles: list[str], paths: list[str],
                       named: list[str]) -> tuple[SourceTexts, list[str], np.ndarray]:
    """Write one text per press release: its title, the sentences, then `named` (the lists of
    names it mentions). Return where each sentence is, each file's sha256, and per press
    release the offset at which its lists of names begin."""
    rng = _rng(seed, "texts")
    pool = _sentence_pool(rng, SENTENCE_POOL)
    pool_length = np.array([len(s) for s in pool], dtype=np.int64)
    sentence = rng.integers(0, len(pool), size=(len(titles), SENTENCES_PER_SOURCE))
    start = np.zeros_like(sentence)
    names_start = np.zeros(len(titles), dtype=np.int64)
    digests = []
    for press, (title, path) in enumerate(zip(titles, paths)):
        parts, offset = [], 0
        header = f"{title}\n\n"
        parts.append(header)
        offset += len(header)
        for position, chosen in enumerate(sentence[press]):
            start[press, position] = offset
            parts.append(pool[chosen])
            offset += pool_length[chosen]
            separator = "\n\n" if position % 5 == 4 else " "
            parts.append(separator)
            offset += len(separator)
        names_start[press] = offset
        parts.append(named[press])
        data = "".join(parts).encode("utf-8")
        (out / path).write_bytes(data)
        digests.append(hashlib.sha256(data).hexdigest())
    return SourceTexts(pa.array(pool), pool_length, sentence, start), digests, names_start


# -- the tables -------------------------------------------------------------------------------

REFERENCE_SOURCES = ("iso-3166-1", "coe-treaty-list")  # undated, no stored text
TREATY_LIST = "coe-treaty-list"
# The lists of names that end a press release, one per kind of entity.
NAME_HEADINGS = ("Participants: ", "Bodies represented: ", "Instruments referred to: ")
NAME_SEPARATOR, NAME_LIST_END = "; ", ".\n\n"
ENTITY_PREFIXES = ("actor-", "organization-", "convention-")  # in mention ids: kinds never collide


@dataclass
class Mentions:
    """Which press release names each entity (actors, then organizations, then conventions),
    as written, and where: offsets from the start of that release's lists of names until the
    texts are written, then in the text."""

    kind: np.ndarray  # 0 actor, 1 organization, 2 convention
    entity_id: pa.Array
    written: pa.Array
    length: np.ndarray  # code points of `written`
    press: np.ndarray
    offset: np.ndarray
    named: list[str]  # per press release, its lists of names


@dataclass
class Package:
    """What later tables need from earlier ones."""

    sizes: dict[str, int]
    press_ids: pa.Array = None
    doc_ids: pa.Array = None  # the dated sources: press releases (with text), then reports (without)
    doc_published: np.ndarray = None  # days since 1970 per dated source
    texts: SourceTexts = None
    actor_ids: pa.Array = None
    actor_names: pa.Array = None
    actor_written: pa.Array = None  # how a press release writes the name
    organization_ids: pa.Array = None
    organization_names: pa.Array = None
    convention_ids: pa.Array = None
    convention_titles: pa.Array = None
    treaty_numbers: pa.Array = None  # of the first conventions, the treaties
    statement_doc: np.ndarray = None  # dated source of every statement
    mentions: Mentions = None

    @property
    def press(self) -> int:
        return len(self.press_ids)


def plan_mentions(seed: int, package: Package) -> Mentions:
    """Give every entity a press release that names it, and lay out each release's lists of
    names: per kind, a heading and the names joined by '; ' (vectorised: the offsets are
    running sums of lengths within each (release, kind) group)."""
    rng = _rng(seed, "mentions")
    written = pa.concat_arrays([package.actor_written, package.organization_names, package.convention_titles])
    entity_id = pa.concat_arrays([package.actor_ids, package.organization_ids, package.convention_ids])
    kind = np.repeat(np.arange(3), [len(package.actor_ids), len(package.organization_ids), len(package.convention_ids)])
    press = rng.integers(0, package.press, len(kind))
    length = pc.utf8_length(written).to_numpy().astype(np.int64)
    key = press * 3 + kind
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    group_kind, group_press = sorted_key[starts] % 3, sorted_key[starts] // 3
    heading = np.array([len(h) for h in NAME_HEADINGS], dtype=np.int64)[group_kind]
    step = length[order] + len(NAME_SEPARATOR)
    before = np.cumsum(step) - step
    within = before - before[starts][group]  # from the group's first name
    section = heading + np.add.reduceat(step, starts) - len(NAME_SEPARATOR) + len(NAME_LIST_END)
    section_before = np.cumsum(section) - section
    press_first = np.r_[True, group_press[1:] != group_press[:-1]]  # a release's first group
    section_in_press = section_before - section_before[press_first][np.cumsum(press_first) - 1]
    offset = np.empty(len(kind), dtype=np.int64)
    offset[order] = section_in_press[group] + heading[group] + within
    names = pc.take(written, pa.array(order)).to_pylist()
    parts: list[list[str]] = [[] for _ in range(package.press)]
    for g, (begin, end) in enumerate(zip(starts, np.r_[starts[1:], len(order)])):
        listed = NAME_SEPARATOR.join(names[begin:end])
        parts[group_press[g]].append(NAME_HEADINGS[group_kind[g]] + listed + NAME_LIST_END)
    return Mentions(kind=kind, entity_id=entity_id, written=written, length=length, press=press, offset=offset,
                    named=["".join(p) for p in parts])


def sources_table(out: Path, seed: int, package: Package) -> dict[str, pa.Array]:
    rng = _rng(seed, "sources")
    ids = package.press_ids
    press = len(ids)
    numbers = np.arange(1, press + 1)
    titles = _join("Press release ", _numbers(numbers), ": ", _pick(TOPICS, rng.integers(0, len(TOPICS), press)))
    published = rng.integers(_days("2000-01-01"), _days("2024-12-31") + 1, press)
    paths = _join("sources/", ids, ".txt")
    package.texts, digests, names_start = write_source_texts(out, seed, titles.to_pylist(), paths.to_pylist(),
                                                             package.mentions.named)
    package.mentions.offset += names_start[package.mentions.press]
    package.mentions.named = []  # in the files now
    publisher = rng.integers(0, package.sizes["organizations"], press)
    reports = len(package.doc_ids) - press
    report_numbers = np.arange(1, reports + 1)
    report_published = rng.integers(_days("2000-01-01"), _days("2024-12-31") + 1, reports)
    package.doc_published = np.concatenate([published, report_published])
    reference = {
        "source_id": list(REFERENCE_SOURCES),
        "kind": ["reference", "reference"],
        "title": ["ISO 3166-1 alpha-2 country codes", "Complete list of the Council of Europe's treaties"],
        "document_number": [None, None],
        "description": ["Reference list for the country codes.", "Reference list for treaty numbers, titles and dates."],
        "publisher_id": [None, None],
        "published": [None, None],
        "url": ["https://www.iso.org/iso-3166-country-codes.html", "https://www.coe.int/en/web/conventions/full-list"],
        "language": ["en", "en"],
        "path": [None, None],
        "sha256": [None, None],
    }
    press_releases = {
        "source_id": ids,
        "kind": pa.array(["press-release"] * press),
        "title": titles,
        "document_number": pa.nulls(press, pa.string()),
        "description": pa.array(["A synthetic press release, curated into the tables, for benchmarks."] * press),
        "publisher_id": pc.take(package.organization_ids, pa.array(publisher)),
        "published": _dates(published),
        "url": _join("https://example.org/press/", _numbers(numbers)),
        "language": _pick(LANGUAGES, rng.integers(0, len(LANGUAGES), press)),
        "path": paths,
        "sha256": pa.array(digests),
    }
    report_titles = _join("Report ", _numbers(report_numbers), " on ",
                          _pick(TOPICS, rng.integers(0, len(TOPICS), reports)))
    report_sources = {
        "source_id": package.doc_ids[press:],
        "kind": pa.array(["report"] * reports),
        "title": report_titles,
        "document_number": _join("Doc. ", _numbers(10_000 + report_numbers)),
        "description": pa.array(["A synthetic report whose text is not stored: rows cite it by locator."] * reports),
        "publisher_id": pc.take(package.organization_ids,
                                pa.array(rng.integers(0, package.sizes["organizations"], reports))),
        "published": _dates(report_published),
        "url": _join("https://example.org/reports/", _numbers(report_numbers)),
        "language": _pick(LANGUAGES, rng.integers(0, len(LANGUAGES), reports)),
        "path": pa.nulls(reports, pa.string()),
        "sha256": pa.nulls(reports, pa.string()),
    }
    return {name: pa.concat_arrays([pa.array(reference[name], pa.string()), press_releases[name], report_sources[name]])
            for name in reference}


def _country_columns(rng: np.random.Generator, has_country: np.ndarray) -> tuple[pa.Array, pa.Array]:
    count = len(has_country)
    country = _where(has_country, _pick(COUNTRIES, rng.integers(0, len(COUNTRIES), count)))
    reference = _where(has_country, pa.array(["iso-3166-1"] * count))
    return country, reference


def actors_table(seed: int, package: Package) -> dict[str, pa.Array]:
    count = package.sizes["actors"]
    rng = _rng(seed, "actors")
    names = _names(rng, count, offset=3_141_592)
    # 10% have an alias ("Last, First"), a third of those a second one ("F. Last")
    alias = rng.random(count)
    reversed_name = _join(names.last, ", ", names.first)
    initial = _join(pc.utf8_slice_codeunits(names.first, 0, 1), ". ", names.last)
    aliases = pc.if_else(pa.array(alias < 0.033), _join(reversed_name, initial, sep=";"), reversed_name)
    country, reference = _country_columns(rng, rng.random(count) < 0.7)
    package.actor_ids, package.actor_names = names.slug, names.name
    package.actor_written = pc.if_else(pa.array(alias < 0.1), reversed_name, names.name)
    return {
        "actor_id": names.slug,
        "name": names.name,
        "aliases": _where(alias < 0.1, aliases),
        "country": country,
        "reference_source_id": reference,
    }


def organizations_table(seed: int, package: Package) -> dict[str, pa.Array]:
    """Organization 0 is Kazakhstan (the package's queries are about it); parents always
    come earlier in the table, so the tree has no cycle."""
    count = package.sizes["organizations"]
    rng = _rng(seed, "organizations")
    classification = rng.integers(0, len(CLASSIFICATIONS), count)
    classification[0] = CLASSIFICATIONS.index("state")
    is_state = classification == CLASSIFICATIONS.index("state")
    names = _names(rng, count, offset=5_550_555)
    acronym = pc.utf8_upper(_join(pc.utf8_slice_codeunits(names.first, 0, 2), pc.utf8_slice_codeunits(names.last, 0, 2)))
    has_parent = (rng.random(count) < 0.6) & ~is_state & (np.arange(count) > 0)
    parent = (rng.random(count) * np.arange(count)).astype(np.int64)  # an earlier row
    # a state has its country; a body with a parent inherits it (left empty: the parent has it)
    country, reference = _country_columns(rng, is_state | (~has_parent & (rng.random(count) < 0.3)))
    ids = pc.replace_with_mask(names.slug, pa.array(np.arange(count) == 0), pa.array(["kazakhstan"]))
    name = pc.replace_with_mask(names.name, pa.array(np.arange(count) == 0), pa.array(["Kazakhstan"]))
    country = pc.replace_with_mask(country, pa.array(np.arange(count) == 0), pa.array(["KZ"]))
    package.organization_ids, package.organization_names = ids, name
    return {
        "organization_id": ids,
        "name": name,
        "acronym": _where((rng.random(count) < 0.5) & (np.arange(count) > 0), acronym),
        "aliases": _where((rng.random(count) < 0.05) & (np.arange(count) > 0), _join(names.last, names.first, sep=" ")),
        "classification": _pick(CLASSIFICATIONS, classification),
        "parent_id": _where(has_parent, pc.take(ids, pa.array(parent))),
        "country": country,
        "reference_source_id": reference,
    }


def conventions_table(seed: int, package: Package) -> dict[str, pa.Array]:
    """Treaties first (at most 999: treaty numbers have three digits), then programmes."""
    count = package.sizes["conventions"]
    rng = _rng(seed, "conventions")
    treaties = treaty_count(count)
    programmes = count - treaties
    number = np.sort(rng.choice(np.arange(1, 1000), size=treaties, replace=False))
    series = _pick(["ETS ", "CETS "], (number > 193).astype(np.int64))
    digits = pc.utf8_lpad(_numbers(number), 3, "0")
    treaty_number = _join(series, digits)
    subject = _pick(CONVENTION_SUBJECTS, rng.integers(0, len(CONVENTION_SUBJECTS), treaties))
    treaty_title = _join("Convention on ", subject, " (", treaty_number, ")")
    serial = _numbers(np.arange(1, programmes + 1))
    start_year = rng.integers(1995, 2031, programmes)
    end_year = start_year + rng.integers(0, 7, programmes)
    programme_title = _join("Neighbourhood Cooperation Priorities ", serial, ", ",
                            _numbers(start_year), "-", _numbers(end_year))
    none_t, none_p = pa.nulls(treaties, pa.string()), pa.nulls(programmes, pa.string())
    ids = pa.concat_arrays([pc.replace_substring(pc.utf8_lower(treaty_number), " ", "-"),
                            _join("programme-", serial)])
    titles = pa.concat_arrays([treaty_title, programme_title])
    package.convention_ids, package.convention_titles, package.treaty_numbers = ids, titles, treaty_number
    return {
        "convention_id": ids,
        "kind": pa.array(["treaty"] * treaties + ["cooperation-programme"] * programmes),
        "treaty_number": pa.concat_arrays([treaty_number, none_p]),
        "title": titles,
        "short_title": pa.concat_arrays([_where(rng.random(treaties) < 0.5, _join(subject, " Convention")), none_p]),
        # before 2000, so never after a press release (2000-2024) that names it
        "opened": pa.concat_arrays([_dates(rng.integers(_days("1949-05-05"), _days("1999-12-31"), treaties)), none_p]),
        "period_start_year": pa.concat_arrays([none_t, _numbers(start_year)]),
        "period_end_year": pa.concat_arrays([none_t, _numbers(end_year)]),
        "reference_source_id": pa.concat_arrays([pa.array([TREATY_LIST] * treaties), none_p]),
    }


def statement_sources(seed: int, rows: int, press: int, reports: int) -> np.ndarray:
    """The dated source of every statement (memberships that cite a statement need it too):
    nine in ten a press release, one in ten a report. int32, drawn a chunk at a time
    (10M rows: 40 MB)."""
    rng = _rng(seed, "statement-sources")
    doc = np.empty(rows, dtype=np.int32)
    space = press * reports  # draws below 9 * space are press releases, the rest reports
    for begin in range(0, rows, CHUNK_ROWS):
        draw = rng.integers(0, 10 * space, min(CHUNK_ROWS, rows - begin))
        doc[begin:begin + len(draw)] = np.where(draw < 9 * space, draw % press, press + draw % reports)
    return doc


def mentions_chunks(package: Package) -> Iterator[tuple[int, dict[str, pa.Array]]]:
    """Every entity named in its press release (offsets), then every treaty in the treaty
    list (a locator: its treaty number). No random draws: plan_mentions made them."""
    m, treaties = package.mentions, len(package.treaty_numbers)
    entities = len(m.kind)
    for begin in range(0, entities, CHUNK_ROWS):
        end = min(entities, begin + CHUNK_ROWS)
        kind, entity_id = m.kind[begin:end], m.entity_id[begin:end]
        source = pc.take(package.press_ids, pa.array(m.press[begin:end]))
        yield begin, {
            "mention_id": _join(source, ":", _pick(ENTITY_PREFIXES, kind), entity_id),
            "source_id": source,
            "actor_id": _where(kind == 0, entity_id),
            "organization_id": _where(kind == 1, entity_id),
            "convention_id": _where(kind == 2, entity_id),
            "name_as_written": m.written[begin:end],
            "evidence_start": _numbers(m.offset[begin:end]),
            "evidence_end": _numbers(m.offset[begin:end] + m.length[begin:end]),
        }
    treaty_ids = package.convention_ids[:treaties]
    yield entities, {
        "mention_id": _join(TREATY_LIST + ":", treaty_ids),
        "source_id": pa.array([TREATY_LIST] * treaties),
        "convention_id": treaty_ids,
        "name_as_written": package.convention_titles[:treaties],
        "locator": package.treaty_numbers,
    }
    package.mentions = None  # written: free its arrays before the big tables


def _evidence_or_locator(rng: np.random.Generator, package: Package, doc: np.ndarray,
                         cited: np.ndarray | None = None) -> dict[str, pa.Array]:
    """A sentence of the source's text at its offsets where the text is stored (press
    releases), else a locator (reports); only for the `cited` rows (default all)."""
    count = len(doc)
    cited = np.ones(count, dtype=bool) if cited is None else cited
    has_text = doc < package.press
    evidence, evidence_start, evidence_end = package.texts.evidence(
        np.where(has_text, doc, 0), rng.integers(0, SENTENCES_PER_SOURCE, count), has_text & cited)
    return {
        "evidence": evidence,
        "evidence_start": evidence_start,
        "evidence_end": evidence_end,
        "locator": _join("paragraph ", _numbers(rng.integers(1, 300, count), ~has_text & cited)),
    }


def statements_chunks(seed: int, package: Package) -> Iterator[tuple[int, dict[str, pa.Array]]]:
    total, sizes = package.sizes["statements"], package.sizes
    for chunk, begin in enumerate(range(0, total, CHUNK_ROWS)):
        end = min(total, begin + CHUNK_ROWS)
        count = end - begin
        rng = _rng(seed, "statements", chunk)
        doc = package.statement_doc[begin:end]
        source = pc.take(package.doc_ids, pa.array(doc))
        by_actor = rng.random(count) < 0.7
        speaker_actor = rng.integers(0, sizes["actors"], count)
        speaker_organization = rng.integers(0, sizes["organizations"], count)
        act = rng.integers(0, len(ACT_PHRASES), count)
        speaker_name = pc.if_else(pa.array(by_actor), pc.take(package.actor_names, pa.array(speaker_actor)),
                                  pc.take(package.organization_names, pa.array(speaker_organization)))
        has_quantity = rng.random(count) < 0.05
        quantity = _numbers(rng.integers(0, 1000, count))
        quantity = pc.if_else(pa.array(rng.random(count) < 0.2), _join(quantity, ".5"), quantity)
        # said up to 60 days before the source; a scheduled event up to a year after it
        published = package.doc_published[doc]
        said_on = np.where(act == SCHEDULED, published + rng.integers(1, 366, count),
                           published - rng.integers(0, 60, count))
        about_actor, about_organization, about_convention = (rng.random(count) < share for share in (0.1, 0.4, 0.3))
        yield begin, {
            "statement_id": _join(source, ":statement-", _numbers(np.arange(begin, end))),
            "source_id": source,
            "date": _partial_dates(rng, said_on, rng.random(count) < 0.5),
            "speaker_actor_id": _take(package.actor_ids, speaker_actor, by_actor),
            "speaker_organization_id": _take(package.organization_ids, speaker_organization, ~by_actor),
            "attribution": _pick(["explicit", "implied"], (rng.random(count) < 0.15).astype(np.int64)),
            "act": _pick(list(ACT_PHRASES), act),
            "summary": _join(speaker_name, " ", _pick(list(ACT_PHRASES.values()), act), "."),
            "about_actor_id": _take(package.actor_ids, rng.integers(0, sizes["actors"], count), about_actor),
            "about_organization_id": _take(package.organization_ids, rng.integers(0, sizes["organizations"], count),
                                           about_organization),
            "about_convention_id": _take(package.convention_ids, rng.integers(0, sizes["conventions"], count),
                                         about_convention),
            "quantity": _where(has_quantity, quantity),
            "unit": _where(has_quantity, _pick(UNITS, rng.integers(0, len(UNITS), count))),
            **_evidence_or_locator(rng, package, doc),
        }


# Relations to an organization, then to a convention (checks/memberships.json: member-of-organization,
# party-of-convention); depositary only in the rows made for it.
RELATIONS = ("post", "member", "associate-member", "observer", "partner", "cooperation",
             "participant", "party", "signatory", "intends-to-accede", "invited-to-accede", "depositary")
FIRST_CONVENTION_RELATION = RELATIONS.index("participant")
ACTOR_RELATION_WEIGHTS = (0.5, 0.15, 0.02, 0.03, 0.1, 0.1, 0.05, 0.03, 0.02, 0.0, 0.0, 0.0)
# a post is a person's; no random depositaries
ORGANIZATION_RELATION_WEIGHTS = (0.0, 0.25, 0.05, 0.05, 0.15, 0.15, 0.1, 0.12, 0.05, 0.04, 0.04, 0.0)
STATUSES = ("current", "planned", "under-consideration", "suspended", "ended", "withdrawn")
STATUS_WEIGHTS = (0.6, 0.1, 0.05, 0.05, 0.15, 0.05)
DEPOSITARY_ROLE = "Secretary General"


def memberships_chunks(seed: int, package: Package) -> Iterator[tuple[int, dict[str, pa.Array]]]:
    """The first rows (as many as fit) make each treaty's depositary, from the treaty list;
    the rest are relations stated by press releases and reports."""
    total, sizes = package.sizes["memberships"], package.sizes
    depositaries = min(total, len(package.treaty_numbers))
    for chunk, begin in enumerate(range(0, total, CHUNK_ROWS)):
        end = min(total, begin + CHUNK_ROWS)
        count = end - begin
        rng = _rng(seed, "memberships", chunk)
        deposit = np.arange(begin, end) < depositaries
        by_actor = (rng.random(count) < 0.6) & ~deposit
        relation = np.where(by_actor, rng.choice(len(RELATIONS), count, p=ACTOR_RELATION_WEIGHTS),
                            rng.choice(len(RELATIONS), count, p=ORGANIZATION_RELATION_WEIGHTS))
        member_actor = rng.integers(0, sizes["actors"], count)
        member_organization = rng.integers(0, sizes["organizations"], count)
        target_convention = rng.integers(0, sizes["conventions"], count)
        status = rng.choice(len(STATUSES), count, p=STATUS_WEIGHTS)
        relation[deposit] = RELATIONS.index("depositary")
        target_convention[deposit] = np.arange(begin, end)[deposit]
        status[deposit] = STATUSES.index("current")
        to_convention = relation >= FIRST_CONVENTION_RELATION
        is_post = relation == RELATIONS.index("post")
        role = pc.if_else(pa.array(is_post), _pick(POST_ROLES, rng.integers(0, len(POST_ROLES), count)),
                          _pick(MEMBER_ROLES, rng.integers(0, len(MEMBER_ROLES), count)))
        has_role = deposit | is_post | (by_actor & (rng.random(count) < 0.3))
        cites_statement = (rng.random(count) < 0.3) & ~deposit
        statement = rng.integers(0, sizes["statements"], count)
        doc = np.where(cites_statement, package.statement_doc[statement],
                       rng.integers(0, len(package.doc_ids), count))
        source = pc.take(package.doc_ids, pa.array(doc))
        membership_id = _join(source, ":membership-", _numbers(np.arange(begin, end)))
        # as_of: the source's date or up to a month before it (the treaty list is undated)
        published = package.doc_published[doc]
        as_of = published - np.where(rng.random(count) < 0.2, rng.integers(1, 31, count), 0)
        # started up to 22 years before as_of (a planned relation: within two years after it);
        # an ended or withdrawn one ended between its start and as_of, others may end after as_of
        planned = status == STATUSES.index("planned")
        started = np.where(planned, as_of + rng.integers(1, 730, count), as_of - rng.integers(0, 8000, count))
        over = np.isin(status, [STATUSES.index("ended"), STATUSES.index("withdrawn")])
        ended = np.where(over, started + (rng.random(count) * (as_of - started + 1)).astype(np.int64),
                         np.maximum(started, as_of) + rng.integers(1, 2000, count))
        has_start = (rng.random(count) < 0.5) & ~deposit
        has_end = has_start & (rng.random(count) < np.where(over, 0.8, 0.1))
        evidence = _evidence_or_locator(rng, package, doc, ~deposit)
        if deposit.any():  # from the treaty list, which locates them by treaty number
            treaty = pa.array(target_convention[deposit])
            mask, deposits = pa.array(deposit), int(deposit.sum())
            source = pc.replace_with_mask(source, mask, pa.array([TREATY_LIST] * deposits))
            membership_id = pc.replace_with_mask(membership_id, mask, _join(
                TREATY_LIST + ":depositary-", pc.take(package.convention_ids, treaty)))
            role = pc.replace_with_mask(role, mask, pa.array([DEPOSITARY_ROLE] * deposits))
            evidence["locator"] = pc.replace_with_mask(evidence["locator"], mask,
                                                       pc.take(package.treaty_numbers, treaty))
        yield begin, {
            "membership_id": membership_id,
            "member_actor_id": _take(package.actor_ids, member_actor, by_actor),
            "member_organization_id": _take(package.organization_ids, member_organization, ~by_actor),
            "organization_id": _take(package.organization_ids, rng.integers(0, sizes["organizations"], count),
                                     ~to_convention),
            "convention_id": _take(package.convention_ids, target_convention, to_convention),
            "relation": _pick(RELATIONS, relation),
            "role": _where(has_role, role),
            "status": _pick(STATUSES, status),
            "as_of": _dates(as_of, ~deposit),
            "start_date": _partial_dates(rng, started, has_start),
            "end_date": _partial_dates(rng, ended, has_end),
            "source_id": source,
            "statement_id": _join(source, ":statement-", _numbers(statement, cites_statement)),
            **evidence,
        }


# -- faults -----------------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str
    table: str
    field: str | None  # the column changed (None for a row-level fault)
    index: int = 0  # data row index, 0-based
    value: str | None = None  # the bad cell, for cell faults
    copy_of: int | None = None  # for primary-key: the earlier row whose key is repeated

    @property
    def row(self) -> int:
        return self.index + 2  # frictionless counts the header as row 1

    def expected(self, last_field: dict[str, Any]) -> list[dict[str, Any]]:
        """The errors frictionless reports for this fault, as (code, field)."""
        if self.kind == "primary-key":
            return [{"code": "unique-error", "field": self.field}, {"code": "primary-key", "field": None}]
        if self.kind == "foreign-key":
            return [{"code": "foreign-key", "field": None}]
        if self.kind == "extra-cell":
            return [{"code": "extra-cell", "field": ""}]
        if self.kind == "missing-cell":
            missing = [{"code": "missing-cell", "field": last_field["name"]}]
            if last_field.get("constraints", {}).get("required"):
                missing.append({"code": "constraint-error", "field": last_field["name"]})
            return missing
        return [{"code": self.kind, "field": self.field}]

    def apply(self, cells: list[str | None], fields: list[str], key_of_copy: str | None) -> list[str | None]:
        if self.kind == "extra-cell":
            return [*cells, "surplus"]
        if self.kind == "missing-cell":
            return cells[:-1]
        cells = list(cells)
        cells[fields.index(self.field)] = key_of_copy if self.kind == "primary-key" else self.value
        return cells


# Each kind cycles through these (table, field, bad value) so that a few faults cover several
# tables, types and constraints. Values are chosen to break exactly one rule. (statements.date
# and memberships.start_date are strings with a pattern, so a bad one is a constraint-error;
# the impossible calendar date is a type-error in memberships.as_of, a date field.)
FAULT_VARIANTS: dict[str, list[tuple[str, str | None, str | None]]] = {
    "type-error": [("statements", "evidence_start", "twelve"), ("statements", "evidence_end", "someday"),
                   ("memberships", "as_of", "2023-02-30"), ("statements", "quantity", "about 5")],
    "constraint-error": [("statements", "act", "shouted"), ("memberships", "relation", "ally"),
                         ("actors", "country", "Kz"), ("statements", "evidence_start", "-1"),
                         ("memberships", "start_date", "someday"), ("statements", "date", "2023-13")],
    "primary-key": [("memberships", "membership_id", None)],  # nothing references memberships
    "foreign-key": [("statements", "about_convention_id", "no-such-convention-{k}"),
                    ("memberships", "statement_id", "no-such-source:no-such-statement-{k}"),
                    ("statements", "about_actor_id", "no-such-actor-{k}")],
    "extra-cell": [("statements", None, None), ("memberships", None, None)],
    "missing-cell": [("statements", None, None), ("memberships", None, None)],
}


def plan_faults(seed: int, counts: dict[str, int], sizes: dict[str, int]) -> list[Fault]:
    """Place the faults: distinct rows, one fault per row, spread over each table."""
    faults: list[Fault] = []
    for kind in FAULT_KINDS:
        for k in range(counts.get(kind, 0)):
            table, field, value = FAULT_VARIANTS[kind][k % len(FAULT_VARIANTS[kind])]
            faults.append(Fault(kind, table, field, value=value.format(k=k + 1) if value else None))
    rng = _rng(seed, "faults")
    for table in sorted({f.table for f in faults}):
        mine = [f for f in faults if f.table == table]
        needed = len(mine) + sum(f.kind == "primary-key" for f in mine)  # a repeated key needs two rows
        if needed > sizes[table]:
            raise GeneratorError(f"{len(mine)} faults do not fit in {table} ({sizes[table]} rows): use more rows")
        rows = iter(int(r) for r in rng.choice(np.arange(sizes[table]), size=needed, replace=False))
        for fault in mine:
            fault.index = next(rows)
            if fault.kind == "primary-key":  # the later of two rows repeats the earlier one's key
                other = next(rows)
                fault.index, fault.copy_of = max(fault.index, other), min(fault.index, other)
    return faults


# -- writing CSV ------------------------------------------------------------------------------


def _csv_cell(value: str | None) -> str:
    if value is None:
        return ""
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _quote_where_needed(values: pa.Array) -> pa.Array:
    needs = pc.match_substring_regex(values, '[,"\r\n]')
    if not pc.any(needs).as_py():
        return values
    quoted = _join('"', pc.replace_substring(pc.filter(values, needs), '"', '""'), '"')
    return pc.replace_with_mask(values, needs, quoted)


def _free_text(field: dict[str, Any]) -> bool:
    """Fields whose generated values may hold a comma or quote (no pattern or enum rules them out)."""
    constraints = field.get("constraints", {})
    return field["type"] in ("string", "list") and "pattern" not in constraints and "enum" not in constraints


def write_table(path: Path, schema: dict[str, Any], chunks: Iterator[tuple[int, dict[str, pa.Array]]],
                faults: list[Fault]) -> int:
    """Write the chunks as CSV lines in schema order; replace the faulty rows' lines."""
    specs = schema["fields"]
    fields = [f["name"] for f in specs]
    by_index = {f.index: f for f in faults}
    copied_keys = {f.copy_of: "" for f in faults if f.kind == "primary-key"}
    rows = 0
    with path.open("wb") as out:
        out.write((",".join(_csv_cell(name) for name in fields) + "\n").encode("utf-8"))
        for begin, columns in chunks:
            count = len(columns[fields[0]])
            for spec in specs:
                if spec["name"] not in columns:
                    if spec.get("constraints", {}).get("required"):
                        raise GeneratorError(f"the generator does not know the required field {path.stem}.{spec['name']}")
                    columns[spec["name"]] = pa.nulls(count, pa.string())
            cells = [columns[name] for name in fields]
            for index in copied_keys:  # an earlier row than its copy, so seen first
                if begin <= index < begin + count:
                    copied_keys[index] = columns[schema["primaryKey"][0]][index - begin].as_py()
            escaped = [_quote_where_needed(c) if _free_text(spec) else c for c, spec in zip(cells, specs)]
            lines = pc.binary_join_element_wise(*escaped, ",", null_handling="replace", null_replacement="")
            lines = _join(lines, "", sep="\n")
            here = sorted(i for i in by_index if begin <= i < begin + count)
            if here:
                replacements = []
                for index in here:
                    fault = by_index[index]
                    row = fault.apply([c[index - begin].as_py() for c in cells], fields, copied_keys.get(fault.copy_of))
                    replacements.append(",".join(_csv_cell(v) for v in row) + "\n")
                mask = np.zeros(count, dtype=bool)
                mask[np.array(here) - begin] = True
                lines = pc.replace_with_mask(lines, pa.array(mask), pa.array(replacements))
            _write_strings(out, lines)
            rows += count
    return rows


def _write_strings(out, lines: pa.Array) -> None:
    """Write the concatenated values of a string array: its data buffer between the offsets."""
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    if lines.null_count:
        raise GeneratorError("internal: a CSV line is null")
    offsets_type = np.int64 if pa.types.is_large_string(lines.type) else np.int32
    offsets = np.frombuffer(lines.buffers()[1], dtype=offsets_type)[lines.offset:lines.offset + len(lines) + 1]
    out.write(memoryview(lines.buffers()[2])[int(offsets[0]):int(offsets[-1])])


# -- the package ------------------------------------------------------------------------------


def _descriptor(template: dict[str, Any], rows: int, seed: int) -> dict[str, Any]:
    descriptor = copy.deepcopy(template)
    descriptor.update({
        "name": "accord-synthetic",
        "id": f"accord-synthetic-{rows}-{seed}",
        "title": f"accord synthetic package: {rows} statements, seed {seed}",
        "description": ("Synthetic data with the accord package's schema, written by benchmarks/generate.py "
                        "for benchmarks and tests. Names, quotes and facts are made up."),
        "sources": [{"title": "Synthetic press releases stored under sources/, written by benchmarks/generate.py"}],
    })
    return descriptor


def _prepare(out: Path) -> None:
    """Refuse to write into a folder that is not empty and not a package we generated before."""
    if out.exists() and any(out.iterdir()) and not (out / "faults.json").is_file():
        raise GeneratorError(f"{out} is not empty and holds no faults.json: not overwriting it")
    out.mkdir(parents=True, exist_ok=True)
    for name in ("tables", "sources"):  # (checks/, views/, queries/: copy_folders)
        if (out / name).exists():
            shutil.rmtree(out / name)
        (out / name).mkdir()


def copy_folders(out: Path, template: Path = TEMPLATE) -> None:
    """The package's checks/, views/ and queries/ as they are now beside the template (a
    package reused from an earlier run gets them again: they change more often than the data)."""
    for folder in COPIED_FOLDERS:
        source = template.parent / folder
        if (out / folder).exists():
            shutil.rmtree(out / folder)
        (out / folder).mkdir()
        for item in sorted(source.glob("*")) if source.is_dir() else []:
            if item.is_file():
                shutil.copyfile(item, out / folder / item.name)


def generate(out: str | Path, rows: int, seed: int = 0, faults: dict[str, int] | None = None,
             template: str | Path = TEMPLATE) -> dict[str, Any]:
    """Write a synthetic package with `rows` statements into `out`; return the manifest."""
    out, template = Path(out), Path(template)
    if seed < 0:
        raise GeneratorError("the seed is a non-negative integer")
    descriptor = json.loads(template.read_text(encoding="utf-8"))
    schemas = {r["name"]: r["schema"] for r in descriptor["resources"]}
    expected_tables = ["sources", "actors", "organizations", "conventions", "mentions", "statements", "memberships"]
    if sorted(schemas) != sorted(expected_tables):
        raise GeneratorError(f"{template} has tables {sorted(schemas)}; the generator makes {expected_tables}")
    sizes = table_sizes(rows)
    for table, count in sizes.items():
        if count > CODE_SPACE:
            raise GeneratorError(f"{count} rows of {table} is more than the generator can name")
    planned = plan_faults(seed, faults or {}, sizes)
    _prepare(out)
    package = Package(sizes=sizes)
    # sources cite organizations (publisher_id) and the press releases' texts name every entity
    # (mentions), so: the entities, where each is named, then the sources and their texts.
    press, reports = source_counts(rows)
    package.press_ids = _join("press-release-", _numbers(np.arange(1, press + 1)))
    package.doc_ids = pa.concat_arrays([package.press_ids, _join("report-", _numbers(np.arange(1, reports + 1)))])
    organizations = organizations_table(seed, package)
    actors = actors_table(seed, package)
    conventions = conventions_table(seed, package)
    package.mentions = plan_mentions(seed, package)
    sources = sources_table(out, seed, package)
    package.statement_doc = statement_sources(seed, rows, press, reports)
    tables = {
        "sources": lambda: iter([(0, sources)]),
        "organizations": lambda: iter([(0, organizations)]),
        "actors": lambda: iter([(0, actors)]),
        "conventions": lambda: iter([(0, conventions)]),
        "mentions": lambda: mentions_chunks(package),
        "statements": lambda: statements_chunks(seed, package),
        "memberships": lambda: memberships_chunks(seed, package),
    }
    written = {}
    for resource in descriptor["resources"]:
        name = resource["name"]
        resource["path"] = f"tables/{name}.csv"
        mine = [f for f in planned if f.table == name]
        written[name] = write_table(out / resource["path"], resource["schema"], tables[name](), mine)
    copy_folders(out, template)
    (out / "datapackage.json").write_text(json.dumps(_descriptor(descriptor, rows, seed), indent=2,
                                                     ensure_ascii=False) + "\n", encoding="utf-8")
    manifest = {
        "generator": "benchmarks/generate.py",
        "generator_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        "rows": rows,
        "seed": seed,
        "tables": written,
        "faults": [
            {"kind": f.kind, "table": f.table, "row": f.row, "value": f.value,
             "field": schemas[f.table]["fields"][-1]["name"] if f.kind == "missing-cell" else f.field,
             "copy_of_row": f.copy_of + 2 if f.copy_of is not None else None,
             "expected": f.expected(schemas[f.table]["fields"][-1])}
            for f in sorted(planned, key=lambda f: (f.table, f.row))
        ],
    }
    (out / "faults.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to write the package into")
    parser.add_argument("--rows", default="1000", help="statements rows: 1000, 100k, 10M ... (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--faults", nargs="*", metavar="KIND=COUNT",
                        help=f"inject faults; KIND is one of {', '.join(FAULT_KINDS)}")
    parser.add_argument("--template", type=Path, default=TEMPLATE, help="the descriptor whose schemas to use")
    args = parser.parse_args(argv)
    try:
        manifest = generate(args.out, parse_rows(args.rows), args.seed, parse_faults(args.faults), args.template)
    except GeneratorError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    tables = ", ".join(f"{name} {count}" for name, count in manifest["tables"].items())
    print(f"Wrote {args.out}: {tables}; {len(manifest['faults'])} faults")
    return 0


if __name__ == "__main__":
    sys.exit(main())

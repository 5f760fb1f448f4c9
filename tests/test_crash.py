"""Killed outright at any step, build, release, download and --output leave the old output or the new one, whole.

accord.fsutil.fault_point(step) sends the process SIGKILL (nothing is cleaned up, no finally
runs) when ACCORD_FAULT names the step, at its ACCORD_FAULT_AT-th time. Each test starts from
an earlier output, runs `accord` killed at one step, compares every file of the outputs with
the old version and the new one (never a mix), then runs the command again: it succeeds, gives
the new version, and leaves no temporary file (the killed process's are removed because its
pid is no longer running).

Builds are the same bytes every time (SOURCE_DATE_EPOCH fixes the time they record, as for a
release), so "the new version" is a reference run's files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from build_helpers import demo_package
from conftest import ROOT, run_accord
from release_helpers import ReleaseServer

from accord.fsutil import FAULT_POINTS, atomic_path, atomic_write_text, finish_commit, remove_stale_temporaries

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and pids are POSIX")

EPOCH = "1700000000"  # SOURCE_DATE_EPOCH: the build time every database records
TIMEOUT = 120  # seconds a killed or a normal run may take before the test fails as a hang
TEMPORARY = re.compile(r"\..+\.accord-\d+\..+", re.DOTALL)  # fsutil's temporaries: .<target>.accord-<pid>.<random>...
NEW_ROW = "4,Dan,kz,no,3,1990,,dan@example.org\n"
KILLED = -signal.SIGKILL


class Mixed(AssertionError):
    """An output holds files of the old version and of the new one, or misses some."""


class OutputsFromTwoBuilds(AssertionError):
    """The database is from one build and the Parquet folder from another, each whole."""


def is_temporary(name: str) -> bool:
    """A name accord gives what it writes before renaming: fsutil's temporaries and download's staging folder."""
    return bool(TEMPORARY.fullmatch(name)) or (name.startswith(".") and name.endswith(".download"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str | None]:
    """Every file and folder under folder, hidden ones too, except the temporaries beside the outputs:
    relative path -> the file's sha256 (None for a folder)."""
    found: dict[str, str | None] = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        relative = path.relative_to(folder)
        if not is_temporary(relative.parts[0]):
            found[relative.as_posix()] = None if path.is_dir() else digest(path)
    return found


def part(files: dict[str, str | None], name: str) -> dict[str, str | None]:
    """The entries of a tree under name (a file, or a folder and everything in it)."""
    return {path: digest for path, digest in files.items() if path == name or path.startswith(name + "/")}


def version_of(found: dict[str, str | None], old: dict[str, str | None], new: dict[str, str | None], what: str) -> str:
    """"old" or "new": the version found is, every file the same bytes; raise Mixed when it is neither."""
    if found == old:
        return "old"
    if found == new:
        return "new"

    def which(path: str) -> str:
        if path not in found:
            return "missing"
        return " and ".join(name for name, files in (("old", old), ("new", new)) if files.get(path, "-") == found[path])

    paths = sorted(old.keys() | new.keys() | found.keys())
    unlike = [f"{path} {which(path) or 'neither'}" for path in paths if which(path) != "old and new"]
    raise Mixed(f"{what} is neither the old version nor the new one: {', '.join(unlike)}")


def leftovers(folder: Path) -> list[str]:
    """Temporary files and folders anywhere under folder."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if is_temporary(p.name) or p.name.endswith((".tmp", ".old", ".part", ".wal")))


def run_killed(args: list[str], step: str, at: int, cwd: Path, accord: tuple[str, ...] = ("-m", "accord")) -> None:
    """Run `accord args` (python `accord` args) with the fault set, and check that it died by SIGKILL there."""
    system_tmp = cwd / "system-tmp"  # the killed process's own temporary folders land here, not in /tmp
    system_tmp.mkdir(exist_ok=True)
    env = {**os.environ, "ACCORD_FAULT": step, "ACCORD_FAULT_AT": str(at), "SOURCE_DATE_EPOCH": EPOCH,
           "TMPDIR": str(system_tmp)}
    done = subprocess.run([sys.executable, *accord, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode == KILLED, f"not killed at {step} #{at}: exit {done.returncode}\n{done.stderr}"


@contextlib.contextmanager
def source_date_epoch():
    """SOURCE_DATE_EPOCH set in this process, for the in-process runs."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def run_again(*args: str, cwd: Path, expect: int = 0):
    with source_date_epoch():
        done = run_accord(*args, cwd=cwd)
    assert done.exit_code == expect, done.stderr
    return done


@dataclass
class Versions:
    """The demo package twice (1.0.1 has one more person), and what every command makes of each."""

    root: Path
    old: Path  # the packages' folders
    new: Path

    def output(self, name: str) -> Path:
        return self.root / name


def versioned_package(folder: Path, version: str, extra_rows: str = "") -> Path:
    descriptor = demo_package(folder)
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data.update(version=version, created="2024-01-01T00:00:00Z")
    descriptor.write_text(json.dumps(data, indent=2), encoding="utf-8")
    people = folder / "tables" / "people.csv"
    people.write_text(people.read_text(encoding="utf-8") + extra_rows, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> Versions:
    """Both packages; each one built, released and downloaded, and diff's output in both directions."""
    root = tmp_path_factory.mktemp("versions")
    found = Versions(root, versioned_package(root / "old", "1.0.0"), versioned_package(root / "new", "1.0.1", NEW_ROW))
    for name, package in (("old", found.old), ("new", found.new)):
        run_again("build", str(package), "--db", str(root / f"build-{name}" / "demo.duckdb"), cwd=root)
        run_again("release", str(package), "--out", str(root / f"dist-{name}"), cwd=root)
    for name, (first, second) in (("old", (found.new, found.old)), ("new", (found.old, found.new))):
        output = root / f"diff-{name}.json"
        run_again("diff", str(first), str(second), "--format", "json", "--output", str(output), cwd=root, expect=1)
    return found


# ---- the checks themselves catch a mix ----

def test_version_of_tells_old_from_new_and_refuses_a_mix():
    old = {"a.csv": "1", "b.csv": "2", "sub": None}
    new = {"a.csv": "3", "b.csv": "4", "sub": None}
    assert version_of(dict(old), old, new, "it") == "old"
    assert version_of(dict(new), old, new, "it") == "new"
    with pytest.raises(Mixed, match=r"a.csv old, b.csv new"):
        version_of({"a.csv": "1", "b.csv": "4", "sub": None}, old, new, "it")
    with pytest.raises(Mixed, match=r"b.csv missing"):
        version_of({"a.csv": "3", "sub": None}, old, new, "it")
    with pytest.raises(Mixed, match=r"c.csv neither"):
        version_of({**new, "c.csv": "5"}, old, new, "it")


def test_outputs_mixed_from_two_real_builds_are_caught(versions, tmp_path):
    mixed = tmp_path / "build"
    shutil.copytree(versions.output("build-old"), mixed)
    shutil.copyfile(versions.output("build-new") / "parquet" / "people.parquet", mixed / "parquet" / "people.parquet")
    old, new = tree(versions.output("build-old")), tree(versions.output("build-new"))
    assert old != new and part(old, "parquet/organizations.parquet") == part(new, "parquet/organizations.parquet")
    with pytest.raises(Mixed, match=r"^the build output is .*parquet/people.parquet new"):
        version_of(tree(mixed), old, new, "the build output")
    with pytest.raises(OutputsFromTwoBuilds, match="the database is the old version, the Parquet folder the new"):
        from_one_build(*build_versions(mixed, versions))
    (mixed / "parquet" / "organizations.parquet").unlink()
    with pytest.raises(Mixed, match="parquet/organizations.parquet missing"):
        build_versions(mixed, versions)


def test_leftovers_sees_every_kind_of_temporary(tmp_path):
    for name in (".demo.duckdb.accord-12.ab_3x.tmp", ".demo.duckdb.accord-12.ab_3x.tmp.wal", ".parquet.accord-9.q.old",
                 ".got.download", "sub/people.csv.part", "kept.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert leftovers(tmp_path) == sorted([".demo.duckdb.accord-12.ab_3x.tmp", ".demo.duckdb.accord-12.ab_3x.tmp.wal",
                                          ".got.download", ".parquet.accord-9.q.old", "sub/people.csv.part"])
    assert set(tree(tmp_path)) == {"kept.csv", "sub", "sub/people.csv.part"}


# ---- the fault points ----

def test_fault_points_lists_every_step_named_in_the_code():
    named = set()
    for path in (ROOT / "cli" / "accord").rglob("*.py"):
        named |= set(re.findall(r"""fault_point\(["']([^"']+)["']\)""", path.read_text(encoding="utf-8")))
    assert named == set(FAULT_POINTS)
    assert len(FAULT_POINTS) == len(set(FAULT_POINTS))


# ---- stale temporaries ----

def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_temporary_name_holds_the_target_and_the_pid(tmp_path):
    with atomic_path(tmp_path / "report.json") as tmp:
        assert tmp.name.startswith(f".report.json.accord-{os.getpid()}.") and tmp.name.endswith(".tmp")
        tmp.write_text("{}")
    assert (tmp_path / "report.json").read_text() == "{}" and leftovers(tmp_path) == []


def test_a_write_removes_the_temporaries_of_dead_processes_and_keeps_those_of_live_ones(tmp_path):
    dead, alive = dead_pid(), os.getppid()
    stale = [f".report.json.accord-{dead}.k2j_x.tmp", f".report.json.accord-{dead}.k2j_x.tmp.wal",
             f".report.json.accord-{dead}.folder.tmp/inside.csv"]
    kept = [f".report.json.accord-{alive}.live.tmp",  # a running process's
            f".other.json.accord-{dead}.k2j_x.tmp",  # another target's
            ".report.json.accord-0.zero.tmp", ".report.json.k2j_x.tmp", "report.json.accord-1.x.tmp"]
    for name in stale + kept:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    atomic_write_text(tmp_path / "report.json", "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept + ["report.json"])


def test_an_old_folder_a_killed_swap_left_aside_goes_back_into_place(tmp_path):
    aside = tmp_path / f".parquet.accord-{dead_pid()}.x1.old" / "parquet"
    aside.mkdir(parents=True)
    (aside / "people.parquet").write_text("old")
    remove_stale_temporaries(tmp_path / "parquet")
    assert tree(tmp_path) == {"parquet": None, "parquet/people.parquet": hashlib.sha256(b"old").hexdigest()}
    assert leftovers(tmp_path) == []


# ---- build ----

# The everyday tier (-m "not slow") kills each command at one step; CI kills them at every step.
EVERYDAY_STEPS = {"outputs:file-renamed", "release:built", "download:staged", "atomic:renamed"}


def tiered(params: list) -> list:
    """The steps, all but the everyday ones marked slow."""
    tiered_params = []
    for p in params:
        values = p.values if hasattr(p, "values") else (p if isinstance(p, tuple) else (p,))
        marks = getattr(p, "marks", ())
        if values[0] not in EVERYDAY_STEPS or marks:
            marks = (*marks, pytest.mark.slow)
        tiered_params.append(pytest.param(*values, marks=marks))
    return tiered_params


# The database and the Parquet folder are one commit (fsutil.atomic_outputs): a kill between
# their renames leaves a record that the next command completes (here: finish_commit, what
# build and query do first), so the two are always seen from one build.
BUILD_STEPS = [
    ("build:table-loaded", 1),
    pytest.param("build:table-loaded", 2, marks=pytest.mark.slow),  # a later time: between files
    ("build:parquet-written", 1),
    pytest.param("build:parquet-written", 2, marks=pytest.mark.slow),  # a later time: between files
    ("build:database-written", 1),
    ("outputs:written", 1),
    ("outputs:synced", 1),
    ("outputs:recorded", 1),
    ("outputs:file-renamed", 1),
    ("outputs:folder-swapped", 1),
    ("outputs:done", 1),
]


def build_versions(out: Path, versions: Versions) -> tuple[str, str]:
    """Which version the database and the Parquet folder in out are, each whole; nothing else is there."""
    found, old, new = tree(out), tree(versions.output("build-old")), tree(versions.output("build-new"))
    database, parquet = (version_of(part(found, name), part(old, name), part(new, name), f"{name} in {out}")
                         for name in ("demo.duckdb", "parquet"))
    others = found.keys() - part(found, "demo.duckdb").keys() - part(found, "parquet").keys()
    assert not others, f"other files in {out}: {sorted(others)}"
    return database, parquet


def from_one_build(database: str, parquet: str) -> None:
    if database != parquet:
        raise OutputsFromTwoBuilds(f"the database is the {database} version, the Parquet folder the {parquet}")


@pytest.mark.parametrize(("step", "at"), tiered(BUILD_STEPS))
def test_a_build_killed_at_any_step_leaves_the_old_output_or_the_new_one(versions, tmp_path, step, at):
    out = tmp_path / "out"
    shutil.copytree(versions.output("build-old"), out)
    args = ["build", str(versions.new), "--db", str(out / "demo.duckdb")]
    run_killed(args, step, at, tmp_path)
    finish_commit(out / "demo.duckdb")  # what the next command that opens the outputs does first
    after_kill = build_versions(out, versions)
    from_one_build(*after_kill)
    run_again(*args, cwd=tmp_path)
    assert build_versions(out, versions) == ("new", "new")
    assert leftovers(out) == []


@pytest.mark.parametrize("step", ["outputs:recorded", "outputs:file-renamed"])
def test_a_build_failing_between_its_renames_is_completed_by_the_next_command(versions, tmp_path, step):
    """A disk error (not a kill) after the commit record is written: the command fails in one line,
    leaving the record, and the next command that opens the outputs completes the moves."""
    out = tmp_path / "out"
    shutil.copytree(versions.output("build-old"), out)
    args = ["build", str(versions.new), "--db", str(out / "demo.duckdb")]
    env = {**os.environ, "ACCORD_FAULT": step, "ACCORD_FAULT_RAISE": "1", "SOURCE_DATE_EPOCH": EPOCH}
    done = subprocess.run([sys.executable, "-m", "accord", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert done.returncode == 2 and f"fault injected at {step}" in done.stderr
    assert [p.name for p in out.iterdir() if p.name.endswith(".commit")]  # the record stays for the next command
    finish_commit(out / "demo.duckdb")
    assert build_versions(out, versions) == ("new", "new")
    run_again(*args, cwd=tmp_path)
    assert leftovers(out) == []


# Without a one-step swap (RENAME_EXCHANGE: not on macOS, nor on some file systems) a folder is
# replaced by two renames: killed between them, there is no folder in place until the next write.
ACCORD_WITHOUT_EXCHANGE = ("-c", "import sys; import accord.fsutil as fsutil; from accord.cli import main; "
                           "fsutil.exchange_paths = lambda first, second: False; sys.argv[0] = 'accord'; main()")
WITHOUT_EXCHANGE_STEPS = ["replace:moved-aside", "replace:moved-in"]


@pytest.mark.slow
@pytest.mark.parametrize("step", WITHOUT_EXCHANGE_STEPS)
def test_without_a_one_step_swap_a_killed_build_is_completed_from_its_commit_record(
    versions, tmp_path, step
):
    out = tmp_path / "out"
    shutil.copytree(versions.output("build-old"), out)
    args = ["build", str(versions.new), "--db", str(out / "demo.duckdb")]
    run_killed(args, step, 1, tmp_path, accord=ACCORD_WITHOUT_EXCHANGE)
    if step == "replace:moved-aside":
        assert not (out / "parquet").exists()  # for a moment no folder: the commit record says where it is
    finish_commit(out / "demo.duckdb")  # what the next command that opens the outputs does first
    assert build_versions(out, versions) == ("new", "new")
    run_again(*args, cwd=tmp_path)
    assert build_versions(out, versions) == ("new", "new") and leftovers(out) == []


# ---- release ----

RELEASE_STEPS = [
    ("release:checked", 1),
    pytest.param("build:table-loaded", 1, marks=pytest.mark.slow),  # the build's steps, in the release
    pytest.param("build:parquet-written", 1, marks=pytest.mark.slow),
    ("build:database-written", 1),
    ("release:built", 1),
    ("release:file-copied", 1),
    pytest.param("release:file-copied", 4, marks=pytest.mark.slow),  # a later time: between files
    ("release:zip-written", 1),
    ("directory:written", 1),
    ("directory:synced", 1),
    ("replace:moved-in", 1),
    ("directory:folder-synced", 1),
]


@pytest.mark.parametrize(("step", "at"), tiered(RELEASE_STEPS))
def test_a_release_killed_at_any_step_leaves_the_earlier_releases_and_the_new_one_whole_or_absent(
    versions, tmp_path, step, at
):
    out = tmp_path / "out"
    shutil.copytree(versions.output("dist-old"), out)
    old = tree(out)
    new = {**old, **tree(versions.output("dist-new"))}
    args = ["release", str(versions.new), "--out", str(out)]
    run_killed(args, step, at, tmp_path)
    if version_of(tree(out), old, new, "the release folder") == "new":
        run_again(*args, cwd=tmp_path, expect=2)  # a released version is never replaced
    else:
        run_again(*args, cwd=tmp_path)
    assert version_of(tree(out), old, new, "the release folder") == "new"
    assert leftovers(out) == []


# ---- download ----

@pytest.fixture(scope="module")
def served(versions):
    """Both releases on a real HTTP server; the old one downloaded, and the new one for reference."""
    with ReleaseServer(versions.root) as server:
        urls = {name: f"{server.url}/dist-{name}/demo-{number}/datapackage.json"
                for name, number in (("old", "1.0.0"), ("new", "1.0.1"))}
        for name, url in urls.items():
            run_again("download", url, "--to", str(versions.output(f"got-{name}")), cwd=versions.root)
        yield urls


DOWNLOAD_STEPS = [
    ("download:file-fetched", 1),
    pytest.param("download:file-fetched", 3, marks=pytest.mark.slow),  # a later time: between files
    ("download:staged", 1),
    ("replace:moved-in", 1),
    ("replace:old-removed", 1),
    ("download:in-place", 1),
]


@pytest.mark.parametrize(("step", "at"), tiered(DOWNLOAD_STEPS))
def test_a_download_killed_at_any_step_leaves_the_earlier_download_or_the_new_one(versions, served, tmp_path, step, at):
    out = tmp_path / "out"
    target = out / "got"
    shutil.copytree(versions.output("got-old"), target)
    old, new = tree(versions.output("got-old")), tree(versions.output("got-new"))
    assert old != new
    args = ["download", served["new"], "--to", str(target)]
    run_killed(args, step, at, tmp_path)
    version_of(tree(target), old, new, "the downloaded package")
    run_again(*args, cwd=tmp_path)
    assert version_of(tree(target), old, new, "the downloaded package") == "new"
    assert leftovers(out) == []


# ---- --output ----

OUTPUT_STEPS = ["atomic:written", "atomic:synced", "atomic:renamed", "atomic:folder-synced"]


@pytest.mark.parametrize("step", tiered(OUTPUT_STEPS))
def test_an_output_file_killed_at_any_step_is_the_old_one_or_the_new_one(versions, tmp_path, step):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copyfile(versions.output("diff-old.json"), out / "diff.json")
    old, new = tree(out), {"diff.json": digest(versions.output("diff-new.json"))}
    assert old != new
    args = ["diff", str(versions.old), str(versions.new), "--format", "json", "--output", str(out / "diff.json")]
    run_killed(args, step, 1, tmp_path)
    version_of(tree(out), old, new, "the output file")
    run_again(*args, cwd=tmp_path, expect=1)  # 1: the versions differ
    assert version_of(tree(out), old, new, "the output file") == "new"
    assert leftovers(out) == []


def test_every_fault_point_is_crash_tested():
    def steps(params):
        return {p.values[0] if hasattr(p, "values") else p[0] for p in params}

    exercised = steps(BUILD_STEPS) | steps(RELEASE_STEPS) | steps(DOWNLOAD_STEPS)
    assert exercised | set(WITHOUT_EXCHANGE_STEPS) | set(OUTPUT_STEPS) == set(FAULT_POINTS)

"""Nothing lost: an interrupted or failed write leaves what was there before, and no temporary files.

build (and release, which builds) writes a temporary database and Parquet folder beside the
targets and renames them into place only on success; download stages the files beside the
target and swaps the finished folder in. SIGINT and SIGTERM become a clean
interruption (exit 130 and 143) that removes the temporary files on the way out. The tests
interrupt real `accord` processes at a moment they observe (a temporary file appears, the CSV is
being read), not after a guessed delay.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_accord
from build_helpers import demo_package

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

FIXTURES = Path(__file__).parent / "fixtures" / "broken"
ROWS = 1_000_000  # a build of this takes a few seconds: time to interrupt it


def _make_fixtures():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under folder, hidden ones included, with its bytes (None for a folder)."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))
    }


@contextlib.contextmanager
def sigint_not_ignored() -> Iterator[None]:
    """Children started in this block get SIGINT's default action. A shell running the tests in
    the background (nohup, &) ignores SIGINT, an ignored signal stays ignored across exec, and
    accord (rightly) leaves an ignored signal alone. The disposition is set here in the parent, not
    by preexec_fn: Python code run between fork and exec can deadlock a child forked from a process
    with threads, as pytest's is by now (GX's tqdm monitor, DuckDB's and Arrow's pools)."""
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def accord_process(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
    """`accord args` in a session of its own, so that every process it starts can be stopped with it."""
    with sigint_not_ignored():
        return subprocess.Popen([sys.executable, "-m", "accord", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)


def kill_session(process: subprocess.Popen) -> tuple[str, str]:
    """Kill the process and whatever it started; their output."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    return process.communicate(timeout=30)


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[str, str]:
    """The process's output once it ends; past timeout its session is killed and the test fails
    (never a wait without end: a stuck child would hang the whole run)."""
    try:
        return process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        out, err = kill_session(process)
        pytest.fail(f"accord did not end within {timeout} s: {err}")


def interrupt(args: list[str], cwd: Path, ready, signum: int, settle: float = 0.2) -> subprocess.CompletedProcess:
    """Run `accord args`, wait until ready(pid) is true, wait `settle` seconds more, then send signum."""
    process = accord_process(args, cwd, {**os.environ, "NO_COLOR": "1"})
    deadline = time.monotonic() + 120
    while not ready(process.pid):
        if process.poll() is not None or time.monotonic() > deadline:
            out, err = kill_session(process)
            pytest.fail(f"accord ended (or hung) before the moment to interrupt it: {process.returncode} {err}")
        time.sleep(0.005)
    time.sleep(settle)
    process.send_signal(signum)
    out, err = finish(process)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def temporary_file_in(folder: Path):
    """ready(): a temporary file or folder (.NAME.XXXX.tmp) has appeared in folder."""
    return lambda pid: any(p.name.startswith(".") and ".tmp" in p.name for p in folder.iterdir())


def file_part_in(staging: Path):
    """ready(): a download has started writing a file (<file>.part) in its staging folder."""
    return lambda pid: staging.exists() and any(staging.rglob("*.part"))


def reading(path: Path):
    """ready(): the process has the file open (Linux /proc), i.e. it is validating or loading it."""
    def opened(pid: int) -> bool:
        try:
            return any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            return False

    return opened


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """A valid package of ROWS rows, and build/large.duckdb + build/parquet built from it."""
    root = tmp_path_factory.mktemp("large")
    descriptor = _make_fixtures().large(root / "package", rows=ROWS)
    run = run_accord("build", str(descriptor), "--db", str(root / "build" / "large.duckdb"), cwd=root)
    assert run.exit_code == 0, run.stderr
    return root


@pytest.fixture
def previous(large, tmp_path) -> Path:
    """A copy of the large package's earlier build output in this test's folder."""
    shutil.copytree(large / "build", tmp_path / "build")
    return tmp_path / "build"


def signalled_build(large: Path, previous: Path, signals: str) -> subprocess.CompletedProcess:
    """A build of the large package into previous/ that sends itself the signals named (INT, TERM,
    in turn) when a table has been written into the new database (fault point build:table-loaded):
    a signal timed from outside could land after the build had finished."""
    env = {**os.environ, "NO_COLOR": "1", "ACCORD_FAULT": "build:table-loaded", "ACCORD_FAULT_SIGNAL": signals}
    process = accord_process(["build", str(large / "package"), "--db", str(previous / "large.duckdb")],
                             previous.parent, env)
    out, err = finish(process, timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_build_interrupted_while_writing_leaves_the_previous_output_and_no_temporary_files(
    large, previous, signum, code
):
    before = snapshot(previous)
    done = signalled_build(large, previous, signal.Signals(signum).name.removeprefix("SIG"))
    assert done.returncode == code, done.stderr
    assert done.stderr == f"Interrupted ({signal.Signals(signum).name}).\n"
    assert snapshot(previous) == before


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the file being read")
def test_a_build_interrupted_while_validating_leaves_the_previous_output(large, previous):
    before = snapshot(previous)
    args = ["build", str(large / "package"), "--db", str(previous / "large.duckdb")]
    done = interrupt(args, previous.parent, reading(large / "package" / "events.csv"), signal.SIGTERM, settle=0)
    assert done.returncode == 143, done.stderr
    assert snapshot(previous) == before


def test_a_second_signal_does_not_cut_the_cleanup_short(large, previous):
    before = snapshot(previous)
    done = signalled_build(large, previous, "TERM,INT,TERM,INT")
    # pending signals are handled in signal-number order, so either may count as the first
    assert done.returncode in (130, 143), done.stderr
    assert snapshot(previous) == before


def test_a_build_that_fails_on_its_views_leaves_the_previous_output(tmp_path):
    descriptor = demo_package(tmp_path / "package")
    database = tmp_path / "build" / "demo.duckdb"
    assert run_accord("build", str(descriptor), "--db", str(database), cwd=tmp_path).exit_code == 0
    before = snapshot(tmp_path / "build")
    broken = tmp_path / "package" / "views" / "03_broken.sql"
    broken.write_text("CREATE VIEW broken AS SELECT * FROM no_such_table;\n")
    run = run_accord("build", str(descriptor), "--db", str(database), cwd=tmp_path)
    assert run.exit_code == 2
    assert run.stderr.startswith("Error: views/03_broken.sql: Catalog Error: Table with name no_such_table")
    assert snapshot(tmp_path / "build") == before


def test_a_build_refused_for_invalid_data_leaves_the_previous_output(tmp_path):
    descriptor = demo_package(tmp_path / "package")
    database = tmp_path / "build" / "demo.duckdb"
    assert run_accord("build", str(descriptor), "--db", str(database), cwd=tmp_path).exit_code == 0
    before = snapshot(tmp_path / "build")
    people = tmp_path / "package" / "tables" / "people.csv"
    people.write_text(people.read_text() + "1,Duplicate,coe,yes,1,1990,,\n")
    run = run_accord("build", str(descriptor), "--db", str(database), cwd=tmp_path)
    assert run.exit_code == 1 and "primary-key" in run.stderr
    assert snapshot(tmp_path / "build") == before


@pytest.mark.slow
def test_a_release_interrupted_while_building_leaves_the_earlier_releases_and_no_temporary_files(large, tmp_path):
    package = tmp_path / "package"
    shutil.copytree(large / "package", package)
    descriptor = json.loads((package / "datapackage.json").read_text())
    (package / "datapackage.json").write_text(json.dumps({**descriptor, "version": "1.0.0"}))
    dist = tmp_path / "dist"
    first = run_accord("release", str(package), "--out", str(dist), cwd=tmp_path)
    assert first.exit_code == 0, first.stderr
    before = snapshot(dist)
    # the next version (a released one is never replaced), interrupted while it is written
    (package / "datapackage.json").write_text(json.dumps({**descriptor, "version": "1.0.1"}))
    args = ["release", str(package), "--out", str(dist)]
    done = interrupt(args, tmp_path, temporary_file_in(dist), signal.SIGTERM, settle=1)
    assert done.returncode == 143, done.stderr
    assert snapshot(dist) == before


def test_a_signal_waits_while_the_database_and_parquet_folder_are_renamed_into_place():
    from accord.build import _hold_signals

    received = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    release = _hold_signals()
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        assert received == []  # held: the renames are not cut in half
    finally:
        release()
        time.sleep(0.05)
        signal.signal(signal.SIGTERM, previous)
    assert received == [signal.SIGTERM]  # then delivered


class _SlowHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder 64 kB at a time, slowly enough to be interrupted mid-file."""

    def log_message(self, *args) -> None:
        pass

    def copyfile(self, source, outputfile) -> None:
        while chunk := source.read(64 * 1024):
            outputfile.write(chunk)
            time.sleep(0.01)


def test_a_download_interrupted_mid_file_leaves_the_earlier_download_and_resumes(tmp_path):
    _make_fixtures().large(tmp_path / "served", rows=150_000)  # about 6 MB: a second or so to serve
    handler = functools.partial(_SlowHandler, directory=str(tmp_path / "served"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/datapackage.json"
    target = tmp_path / "large"
    try:
        assert run_accord("download", url, "--to", str(target), cwd=tmp_path).exit_code == 0
        before = snapshot(target)
        staging = tmp_path / ".large.download"
        done = interrupt(["download", url, "--to", str(target)], tmp_path, file_part_in(staging), signal.SIGTERM)
        assert done.returncode == 143, done.stderr
        assert snapshot(target) == before
        again = run_accord("download", url, "--to", str(target), cwd=tmp_path)
        assert again.exit_code == 0, again.stderr
        assert snapshot(target) == before and not staging.exists()
    finally:
        server.shutdown()
        server.server_close()

"""Writes that never leave a half-written file: write beside the target, flush it to disk, then
rename, and flush the folder: after a crash or a power cut the target is the old version or the
new one, whole.

A folder is replaced by swapping it with the finished one in one step (Linux's renameat2
RENAME_EXCHANGE); where the system cannot, by two renames, and a crash between them leaves the
old folder aside, which the next write to that target puts back.

Temporaries a killed process leaves: a process killed outright (SIGKILL, power cut) cannot clean
up, so every temporary name says whose it is: `.<target>.accord-<pid>.<random>.tmp` (a file or
folder being written; DuckDB may add `<name>.wal`) and `.<target>.accord-<pid>.<random>.old` (a
replaced folder on its way out). Before writing a target, atomic_path, atomic_directory and
replace_directory remove its temporaries whose process is no longer running, never those of a
live process (the pid is checked on this machine: a folder shared with another machine or
container is cleaned only by a process that sees the same pids; on Windows nothing is removed).

A file and a folder written together (the database and its Parquet folder: atomic_outputs)
cannot be renamed in one step. Both are finished and flushed first; then a commit record,
`.<file>.accord-<pid>.commit`, names the two moves and the inode of each new version; then the
file is renamed and the folder swapped, and the record removed. A process killed in between
leaves the record: the next command that writes or opens the file (finish_commit) completes the
moves the record names, telling done from not done by the inodes, so the two outputs it then
sees always come from one build.

Fault points: fault_point(step) kills the process (SIGKILL: no cleanup, no finally) when
ACCORD_FAULT names the step, at its ACCORD_FAULT_AT-th time (default the first). The crash tests
use them to check that every step leaves the old version or the new one; FAULT_POINTS names them
all.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

FAULT_POINTS = (
    "atomic:written",  # atomic_path: the caller has written the temporary file
    "atomic:synced",  # ... flushed to disk
    "atomic:renamed",  # ... renamed over the target
    "atomic:folder-synced",  # ... and the folder's new entry flushed
    "directory:written",  # atomic_directory: the caller has filled the temporary folder
    "directory:synced",  # ... every file and folder in it flushed
    "replace:moved-aside",  # replace_directory without an exchange: the old folder moved aside, none in place
    "replace:moved-in",  # the new folder in place (the old one at the temporary name)
    "replace:old-removed",  # the old folder deleted
    "directory:folder-synced",  # atomic_directory: the parent folder's entries flushed
    "outputs:written",  # atomic_outputs: the caller has written the file and the folder
    "outputs:synced",  # ... both flushed
    "outputs:recorded",  # ... the commit record that names both moves is on disk
    "outputs:file-renamed",  # ... the file in place, the folder not yet
    "outputs:folder-swapped",  # ... the folder in place too (the old one at the temporary name)
    "outputs:done",  # ... the record removed
    "build:table-loaded",  # each table inserted into the temporary database
    "build:database-written",  # every table, the metadata and the views in the temporary database
    "build:parquet-written",  # each Parquet file written into the temporary folder
    "release:checked",  # the data passed `accord check`, nothing built yet
    "release:built",  # the database and Parquet files are in the temporary release folder
    "release:file-copied",  # each package file copied into it
    "release:zip-written",  # the zip written (the changelog and checksums next)
    "download:file-fetched",  # each file fetched and verified into the staging folder
    "download:staged",  # every file and the descriptor in staging, the target untouched
    "download:in-place",  # the new folder in place, the staging folder not yet removed
)
_faults_reached: collections.Counter[str] = collections.Counter()


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """A file's digest in hex (hashlib reads it in blocks and leaves Python's lock while it hashes)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()


def fault_point(step: str) -> None:
    """Kill this process with SIGKILL if ACCORD_FAULT is step and this is its ACCORD_FAULT_AT-th time
    (raise an I/O error instead if ACCORD_FAULT_RAISE is set; send the signals ACCORD_FAULT_SIGNAL
    names, such as INT or TERM,INT, instead of KILL: interrupts at that very step)."""
    if os.environ.get("ACCORD_FAULT") != step:
        return
    _faults_reached[step] += 1
    if _faults_reached[step] == int(os.environ.get("ACCORD_FAULT_AT") or 1):
        if os.environ.get("ACCORD_FAULT_RAISE"):  # a failing disk rather than a crash
            raise OSError(errno.EIO, f"fault injected at {step}")
        named = os.environ.get("ACCORD_FAULT_SIGNAL")
        signals = [getattr(signal, f"SIG{name}") for name in named.split(",")] if named else [
            getattr(signal, "SIGKILL", signal.SIGTERM)]
        for signum in signals:
            os.kill(os.getpid(), signum)


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}.accord-{os.getpid()}."


def _owner(name: str, target: Path) -> int | None:
    """The pid in one of target's temporary names (.<target>.accord-<pid>.<rest>), else None."""
    match = re.fullmatch(rf"\.{re.escape(target.name)}\.accord-(\d+)\..+", name, re.DOTALL)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _is_running(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (a pid that cannot be checked counts as running)."""
    if pid == os.getpid() or sys.platform == "win32":  # on Windows os.kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's live process
        return True
    return True


def _dead_temporaries(target: Path) -> list[tuple[Path, int]]:
    """target's temporaries (and commit records) whose accord process is no longer running, with its pid."""
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    owned = ((entry, _owner(entry.name, target)) for entry in entries)
    return [(entry, pid) for entry, pid in owned if pid is not None and not _is_running(pid)]


def remove_stale_temporaries(target: Path) -> None:
    """Delete the temporaries of target left by accord processes that are no longer running.

    A folder a killed replace_directory left aside while target is missing is the old version
    whole: it goes back into place.
    """
    target = Path(target)
    finish_commit(target)  # a killed commit of two outputs is completed, not thrown away
    for entry, _pid in _dead_temporaries(target):
        aside = entry / target.name
        if entry.name.endswith(".old") and os.path.lexists(aside) and not os.path.lexists(target):
            with contextlib.suppress(OSError):
                os.replace(aside, target)
        _remove(entry)


def _remove(path: Path) -> None:
    """Delete a file, link or folder, whichever path is; nothing if it is gone."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it over the target.

    On any failure (or KeyboardInterrupt) the temporary file is removed and the previous
    target is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    fd, tmp = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # let the writer create it (DuckDB refuses an existing empty file)
    try:
        yield tmp_path
        fault_point("atomic:written")
        sync(tmp_path)
        fault_point("atomic:synced")
        os.replace(tmp_path, target)
        fault_point("atomic:renamed")
        sync(target.parent)
        fault_point("atomic:folder-synced")
    finally:
        for leftover in (tmp_path, Path(str(tmp_path) + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def atomic_write_text(target: Path, text: str) -> None:
    with atomic_path(Path(target)) as tmp:
        tmp.write_text(text, encoding="utf-8")


RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


@functools.cache
def _renameat2():
    """libc's renameat2, or None where there is none (not Linux, or an old C library)."""
    if sys.platform != "linux":
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step; False, changing nothing, where the system or file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    import ctypes

    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def replace_directory(source: Path, target: Path) -> None:
    """Move the finished folder source into target's place, replacing any folder there.

    Where the system can, the two are swapped in one step and the old one, now at source,
    removed: a reader sees the whole old folder or the whole new one. Elsewhere two renames: the
    old target is moved aside, the new one moved in, then the old one removed; between the two
    renames there is, for a moment, no folder at all (after a crash there, the next write to
    target puts the old one back: remove_stale_temporaries).
    """
    source, target = Path(source), Path(target)
    remove_stale_temporaries(target)
    if not os.path.lexists(target):
        os.replace(source, target)
        fault_point("replace:moved-in")
        return
    if exchange_paths(source, target):
        fault_point("replace:moved-in")
        _remove(source)
        fault_point("replace:old-removed")
        return
    aside = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target), suffix=".old", dir=target.parent))
    os.replace(target, aside / target.name)
    fault_point("replace:moved-aside")
    try:
        os.replace(source, target)
    except BaseException:
        os.replace(aside / target.name, target)
        raise
    fault_point("replace:moved-in")
    shutil.rmtree(aside, ignore_errors=True)
    fault_point("replace:old-removed")


@contextlib.contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a fresh folder beside target; on success it replaces target, on failure it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    tmp = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target), suffix=".tmp", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield tmp
        fault_point("directory:written")
        sync_tree(tmp)
        fault_point("directory:synced")
        replace_directory(tmp, target)
        sync(target.parent)
        fault_point("directory:folder-synced")
    finally:
        _remove(tmp)  # a failed write, or the replaced target after a swap


@contextlib.contextmanager
def atomic_outputs(file_target: Path, folder_target: Path | None) -> Iterator[tuple[Path, Path | None]]:
    """Yield a temporary file path and a temporary folder (None without folder_target); on
    success both replace their targets as one commit (module docstring), on failure both are
    removed and the targets left as they were."""
    file_target = Path(file_target)
    file_target.parent.mkdir(parents=True, exist_ok=True)
    finish_commit(file_target)
    remove_stale_temporaries(file_target)
    fd, name = tempfile.mkstemp(prefix=_temporary_prefix(file_target), suffix=".tmp", dir=file_target.parent)
    os.close(fd)
    tmp_file = Path(name)
    tmp_file.unlink()  # let the writer create it (DuckDB refuses an existing empty file)
    tmp_folder = None
    record = file_target.parent / f"{_temporary_prefix(file_target)}commit"
    recorded = False
    try:
        if folder_target is not None:
            folder_target = Path(folder_target)
            folder_target.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(folder_target)
            tmp_folder = Path(tempfile.mkdtemp(prefix=_temporary_prefix(folder_target), suffix=".tmp",
                                               dir=folder_target.parent))
            umask = os.umask(0)
            os.umask(umask)
            tmp_folder.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary folder
        yield tmp_file, tmp_folder
        fault_point("outputs:written")
        sync(tmp_file)
        moves = [(tmp_file, file_target)]
        if tmp_folder is not None:
            sync_tree(tmp_folder)
            moves.append((tmp_folder, folder_target))
        fault_point("outputs:synced")
        record.write_text(json.dumps([{"source": str(source), "target": str(target), "inode": os.stat(source).st_ino}
                                      for source, target in moves]), encoding="utf-8")
        sync(record)
        sync(record.parent)
        recorded = True
        fault_point("outputs:recorded")
        os.replace(tmp_file, file_target)
        fault_point("outputs:file-renamed")
        if tmp_folder is not None:
            _move_into_place(tmp_folder, folder_target)
            fault_point("outputs:folder-swapped")
            sync(folder_target.parent)
        sync(file_target.parent)
        record.unlink()
        fault_point("outputs:done")
    finally:
        # a failure after the record is on disk is a crash: the next command completes the moves
        if not (recorded and record.exists()):
            for leftover in (tmp_file, Path(str(tmp_file) + ".wal"), tmp_folder, record):
                if leftover is not None:
                    _remove(leftover)


def _move_into_place(source: Path, target: Path) -> None:
    """source to target's name, replacing any folder or file there (no cleanup of temporaries:
    the caller owns them); the old one, if any, is removed."""
    if not os.path.lexists(target):
        os.replace(source, target)
        return
    if exchange_paths(source, target):
        _remove(source)
        return
    aside = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target), suffix=".old", dir=target.parent))
    os.replace(target, aside / target.name)
    fault_point("replace:moved-aside")
    os.replace(source, target)
    fault_point("replace:moved-in")
    _remove(aside)


def finish_commit(file_target: Path) -> None:
    """Complete the moves a killed atomic_outputs recorded for file_target (module docstring);
    nothing when there is no such record or its process still runs. Each move is done where its
    new version (known by inode) is still at the temporary name, and skipped where it is in place."""
    file_target = Path(file_target)
    for record, pid in _dead_temporaries(file_target):
        if not record.name.endswith(".commit"):
            continue
        try:
            moves = json.loads(record.read_text(encoding="utf-8"))
            for move in moves:
                source, target, inode = Path(move["source"]), Path(move["target"]), int(move["inode"])
                if source.parent != target.parent or not source.name.startswith(f".{target.name}.accord-{pid}."):
                    raise ValueError(f"{record}: a move that is not from a temporary of its target")
                if os.path.lexists(source) and os.stat(source).st_ino == inode and not (
                        os.path.lexists(target) and os.stat(target).st_ino == inode):
                    _move_into_place(source, target)
                    sync(target.parent)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a record this version wrote, or not ours to complete: stale cleanup removes it
        record.unlink()


def sync(path: Path) -> None:
    """Flush a file's or a folder's contents to disk (a folder: the names in it)."""
    if not Path(path).exists():
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_tree(folder: Path) -> None:
    """Flush every file and folder under folder, folders last (their entries name the files)."""
    for root, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            sync(Path(root) / name)
        sync(Path(root))


HEX40 = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


def git_commit(folder: Path) -> str | None:
    """The commit checked out in the git work tree holding folder, read from .git itself: no git
    process runs (a repository's own config can make git run commands, and packages are untrusted)."""
    for candidate in [folder, *folder.parents][:64]:
        dot_git = candidate / ".git"
        try:
            if dot_git.is_file():  # a worktree or submodule: "gitdir: <path>"
                text = dot_git.read_text(encoding="utf-8", errors="replace")[:4096].strip()
                if not text.startswith("gitdir:"):
                    return None
                dot_git = (candidate / text[len("gitdir:"):].strip()).resolve()
            if not dot_git.is_dir():
                continue
            head = (dot_git / "HEAD").read_text(encoding="utf-8", errors="replace")[:4096].strip()
            if HEX40.fullmatch(head):
                return head
            if not head.startswith("ref: refs/"):
                return None
            ref = head[len("ref: "):]
            common = dot_git
            if (dot_git / "commondir").is_file():  # a linked worktree keeps its refs in the main .git
                common = (dot_git / (dot_git / "commondir").read_text(encoding="utf-8")[:4096].strip()).resolve()
            for base in (dot_git, common):
                loose = base / ref
                if ".." not in ref and loose.is_file():
                    value = loose.read_text(encoding="utf-8", errors="replace")[:128].strip()
                    return value if HEX40.fullmatch(value) else None
            packed = common / "packed-refs"
            if packed.is_file() and packed.stat().st_size < 64 * 1024 * 1024:
                for line in packed.read_text(encoding="utf-8", errors="replace").splitlines():
                    value, _, name = line.partition(" ")
                    if name == ref and HEX40.fullmatch(value):
                        return value
            return None
        except OSError:
            return None
    return None

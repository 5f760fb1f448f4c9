"""Writes that never leave a half-written file: write beside the target, flush it to disk, then
rename, and flush the folder: after a crash or a power cut the target is the old version or the
new one, whole."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it over the target.

    On any failure (or KeyboardInterrupt) the temporary file is removed and the previous
    target is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix + ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # let the writer create it (DuckDB refuses an existing empty file)
    try:
        yield tmp_path
        sync(tmp_path)
        os.replace(tmp_path, target)
        sync(target.parent)
    finally:
        for leftover in (tmp_path, Path(str(tmp_path) + ".wal")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def atomic_write_text(target: Path, text: str) -> None:
    with atomic_path(Path(target)) as tmp:
        tmp.write_text(text, encoding="utf-8")


def replace_directory(source: Path, target: Path) -> None:
    """Move the finished folder source into target's place, replacing any folder there.

    Two renames on one file system: the old target is moved aside, the new one moved in, then the
    old one removed. A reader sees the whole old folder or the whole new one, never a mix
    (between the two renames, for a moment, no folder at all).
    """
    source, target = Path(source), Path(target)
    if not target.exists():
        os.replace(source, target)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, aside / target.name)
    try:
        os.replace(source, target)
    except BaseException:
        os.replace(aside / target.name, target)
        raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield a fresh folder beside target; on success it replaces target, on failure it is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield tmp
        sync_tree(tmp)
        replace_directory(tmp, target)
        sync(target.parent)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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

"""Writes that never leave a half-written file: write beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
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
        os.replace(tmp_path, target)
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
        replace_directory(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

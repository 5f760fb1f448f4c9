"""Shared test helpers: one in-process runner, one subprocess runner, one copy of the package.

Tests run with the real parts (DuckDB files, Great Expectations, frictionless, an HTTP server
on 127.0.0.1); nothing here is a mock. The fast tier is `pytest -m "not slow"`; CI runs all.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
VERSION = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]  # this package's
ENGINE = "duckdb"  # tests validate with the default engine; the differential tests compare it with frictionless
PACKAGE_ITEMS = ("datapackage.json", "tables", "sources", "views", "queries")


def needs_spark(*modules: str) -> pytest.MarkDecorator:
    """Skip where the Spark engine cannot run: pyspark (and these modules of its extras) or a Java
    runtime missing (CI installs both: .ci/run)."""
    missing = [m for m in ("pyspark", *modules) if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(bool(missing) or shutil.which("java") is None,
                              reason="the spark engine needs pyspark[connect] and a Java runtime: pip install 'accord[spark]'")


# The benchmark generator (benchmarks/generate.py) makes large and faulty packages for some tests.
sys.path.insert(0, str(ROOT / "benchmarks"))


@dataclass
class Run:
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


def run_accord(*args: str, cwd: Path | None = None) -> Run:
    """accord.cli.main in this process (imports stay warm), with its real exit code and one-line errors."""
    from accord.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved_argv = sys.argv
    sys.argv = ["accord", *map(str, args)]
    try:
        with contextlib.chdir(cwd or Path.cwd()), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved_argv
    return Run(code, out.getvalue(), err.getvalue())


def run_accord_process(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    """`accord ...` as a user runs it: a child process (its own imports, signals and exit)."""
    environment = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    done = subprocess.run([sys.executable, "-m", "accord", *map(str, args)], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)
    return Run(done.returncode, done.stdout, done.stderr)


def copy_package(target: Path, checks: bool = False) -> Path:
    """This repository's package (descriptor, tables, sources, views, queries; checks/ when asked:
    they make `accord check` slower) under target; returns the descriptor."""
    target.mkdir(parents=True, exist_ok=True)
    for item in PACKAGE_ITEMS + (("checks",) if checks else ()):
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, target / item)
        elif source.is_file():
            shutil.copyfile(source, target / item)
    return target / "datapackage.json"

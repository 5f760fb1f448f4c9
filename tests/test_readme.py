"""The README's commands are true: CI runs its test command, and its examples run."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGE_ITEMS = ("datapackage.json", "tables", "sources", "views", "queries", "checks")


def sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", README, flags=re.S)


def console_examples() -> list[tuple[str, int]]:
    """`$ accord ...` lines in ```console blocks, with the exit code a `# exit N` comment names."""
    examples = []
    for block in re.findall(r"```console\n(.*?)\n```", README, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ accord "):
                command, _, comment = line[2:].partition("  # exit ")
                examples.append((command.strip(), int(comment) if comment else 0))
    return examples


def test_the_first_two_commands_set_up_and_run_the_job_then_the_tests():
    setup, tests = sh_blocks()[:2]
    # build --check validates, checks and builds on one read of each CSV
    for step in ("accord build --check", "accord query"):
        assert step in setup
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_word_for_word():
    test_command = sh_blocks()[1]
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")


def test_the_readme_has_examples_for_every_command():
    from accord.cli import COMMANDS

    documented = {command.split()[1] for command, _ in console_examples()}
    assert set(COMMANDS) <= documented, set(COMMANDS) - documented


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("readme")
    for item in PACKAGE_ITEMS:
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, root / item)
        elif source.exists():
            shutil.copy(source, root / item)
    return root


@pytest.mark.slow
def test_the_readme_examples_run_with_their_exit_codes(package_copy):
    accord = Path(sys.executable).with_name("accord")
    env = {**os.environ, "COLUMNS": "200"}
    for command, expected in console_examples():
        args = [str(accord), *shlex.split(command)[1:]]
        result = subprocess.run(args, cwd=package_copy, capture_output=True, text=True, env=env, timeout=300)
        assert result.returncode == expected, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
        assert "Traceback" not in result.stderr, command

"""accord as other repositories use it: a pre-commit hook (.pre-commit-hooks.yaml) and a GitHub
Action (action.yml), each run for real on a sample repository made here. Slow: each installs
accord from this checkout into an environment of its own, as a user's CI does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, VERSION, copy_package

pytestmark = pytest.mark.slow


def sample_repository(root: Path, broken: bool = False, folder: str = "data") -> Path:
    """A git repository holding this package (and its suites) in `folder`."""
    package = copy_package(root / folder, checks=True).parent
    if broken:
        memberships = package / "tables" / "memberships.csv"
        text = memberships.read_text(encoding="utf-8").splitlines(keepends=True)
        header = text[0].rstrip("\n").split(",")
        cells = text[1].rstrip("\n").split(",")
        cells[header.index("status")] = "lost"
        text[1] = ",".join(cells) + "\n"
        memberships.write_text("".join(text), encoding="utf-8")
    for command in (["git", "init", "-q"], ["git", "add", "."],
                    ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "data"]):
        subprocess.run(command, cwd=root, check=True)
    return root


def test_the_pre_commit_hook_runs_accord_on_the_package(tmp_path):
    repository = sample_repository(tmp_path / "repo", folder=".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    pre_commit = [sys.executable, "-m", "pre_commit"]
    # the suites' rules all compile to SQL: the hook's environment needs no Great Expectations
    done = subprocess.run([*pre_commit, "try-repo", str(ROOT), "accord-check", "--all-files", "--verbose"],
                          cwd=repository, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "accord check" in done.stdout and "Passed" in done.stdout and "accord: VALID" in done.stdout


def run_action(repository: Path, summary: Path, tmp_path: Path, **inputs: str) -> subprocess.CompletedProcess:
    """action.yml's steps, in bash: `uses:` steps are the runner's (Python is here); `run:` steps
    run with the inputs and github.action_path filled in, in a fresh environment."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | inputs
    venv = tmp_path / "runner-python"
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "GITHUB_STEP_SUMMARY": str(summary)}
    env.pop("VIRTUAL_ENV", None)
    outputs = []
    for step in action["runs"]["steps"]:
        if "run" not in step:
            assert step["uses"].startswith("actions/setup-python@")
            continue
        def fill(text: str) -> str:
            text = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], text)
            return text.replace("${{ github.action_path }}", str(ROOT))

        assert "inputs." not in step["run"], "inputs reach run: scripts through env:, never spliced in"
        step_env = env | {name: fill(str(value)) for name, value in step.get("env", {}).items()}
        done = subprocess.run(["bash", "-e", "-c", fill(step["run"])], cwd=repository, env=step_env,
                              capture_output=True, text=True, timeout=900)
        outputs.append(done)
        if done.returncode != 0:
            break
    return outputs[-1]


def test_the_github_action_gates_the_package_with_annotations_a_summary_and_reports(tmp_path):
    repository = sample_repository(tmp_path / "repo", broken=True)
    summary = tmp_path / "summary.md"
    done = run_action(repository, summary, tmp_path, package="data")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "::error file=data/tables/memberships.csv,line=2," in done.stdout
    assert summary.read_text(encoding="utf-8").startswith("### accord: accord is **invalid**")
    assert (repository / "reports" / "check.xml").is_file() and (repository / "reports" / "check.html").is_file()
    # several words in `args` reach accord as several arguments
    summary.unlink()
    done = run_action(repository, summary, tmp_path, package="data", args="--warn-only --suite memberships")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "::error file=data/tables/memberships.csv,line=2," in done.stdout

    # The action installs accord without the [check] extra: a rule only GX can run is reported
    # as one that could not run, with what to install; never a traceback, never a pass.
    checks = tmp_path / "gx-only"
    checks.mkdir()
    (checks / "actors.json").write_text(
        '{"name": "actors", "expectations": [{"type": "expect_column_values_to_not_be_null", '
        '"kwargs": {"column": "name", "row_condition": "name IS NOT NULL", "condition_parser": "great_expectations"}}, '
        '{"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}]}', encoding="utf-8")
    accord = tmp_path / "runner-python" / "bin" / "accord"
    assert subprocess.run([str(tmp_path / "runner-python" / "bin" / "python"), "-c", "import great_expectations"],
                          capture_output=True).returncode != 0, "the runner's environment has no GX"
    done = subprocess.run([str(accord), "check", str(repository / "data"), "--checks", str(checks)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "great_expectations is not installed: pip install 'accord[check]'" in done.stdout
    assert ", 1 could not run;" in done.stdout and "actors    " in done.stdout
    release = subprocess.run([str(accord), "release", str(repository / "data"), "--out", str(tmp_path / "dist")],
                             capture_output=True, text=True, timeout=300)
    assert release.returncode == 1, release.stderr  # the broken sample fails its suites: no release, no traceback
    assert release.stderr.startswith(f"Error: accord {VERSION} fails `accord check`, not released") and "Traceback" not in release.stderr

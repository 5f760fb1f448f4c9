"""The CLI surface: every command documented with an example, a reference that cannot drift,
and a fast start that imports no heavy library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from accord import __version__
from accord.cli import COMMANDS, app
from accord.clidoc import reference

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def visible_commands():
    root = typer.main.get_command(app)
    ctx = root.make_context("accord", [], resilient_parsing=True)
    return {name: root.get_command(ctx, name) for name in root.list_commands(ctx) if not root.get_command(ctx, name).hidden}


def test_every_listed_command_is_registered():
    assert set(COMMANDS) == set(visible_commands())


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name):
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"accord {name} --help shows no example"


def test_the_cli_reference_is_generated_from_help():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale: run python -m accord.clidoc > docs/cli.md"
    )


def test_help_imports_no_heavy_library():
    probe = (
        "import sys\n"
        "from accord.cli import app\n"
        "try:\n"
        "    app(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('great_expectations', 'frictionless', 'duckdb', 'pandas', 'pyarrow', 'sqlalchemy') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "HEAVY:", result.stdout.strip().splitlines()[-1]


def test_version_and_usage_errors():
    assert runner.invoke(app, ["--version"]).output.strip() == f"accord {__version__}"
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2
    assert runner.invoke(app, ["validate", "--no-such-option"]).exit_code == 2


def test_a_missing_package_is_one_line_on_stderr_with_exit_2(tmp_path):
    accord = Path(sys.executable).with_name("accord")
    result = subprocess.run([str(accord), "validate", str(tmp_path / "nope.json")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "nope.json" in result.stderr


@pytest.mark.parametrize("name", COMMANDS)
def test_dash_h_is_help_for_every_command(name):
    from conftest import run_accord

    run = run_accord(name, "-h")
    assert run.exit_code == 0 and run.stdout.startswith(f"Usage: accord {name} ")


def test_the_command_list_shows_each_description_whole():
    from conftest import run_accord

    listing = run_accord("--help").stdout.split("Commands:")[1]
    assert "..." not in listing
    for name in COMMANDS:
        first = visible_commands()[name].help.split("\n\n")[0].split()
        assert " ".join(first) in " ".join(listing.split()), name


def test_debug_may_come_anywhere_and_only_before_a_double_dash(tmp_path):
    from conftest import run_accord_process

    missing = tmp_path / "none.json"
    after = run_accord_process("validate", str(missing), "--debug")
    assert after.exit_code != 0 and "Traceback (most recent call last)" in after.stderr
    plain = run_accord_process("validate", str(missing))
    assert plain.exit_code == 2 and plain.stderr.count("\n") == 1 and "Traceback" not in plain.stderr
    # after "--" it is an argument: here the name of a file to validate
    literal = run_accord_process("validate", "--", "--debug", cwd=tmp_path)
    assert literal.exit_code == 2 and "Traceback" not in literal.stderr and "--debug" in literal.stderr


@pytest.mark.parametrize("where", ["folder", "unwritable"])
def test_output_to_a_folder_or_an_unwritable_place_is_one_line_with_exit_2(tmp_path, where):
    import os

    from conftest import copy_package, run_accord

    descriptor = copy_package(tmp_path / "package")
    if where == "folder":
        target = tmp_path / "reports"
        target.mkdir()
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        target = locked / "report.json"
        if os.access(locked, os.W_OK):  # root ignores permissions: a path under a file cannot be written by anyone
            target = descriptor / "report.json"
    run = run_accord("validate", str(descriptor), "--format", "json", "--output", str(target))
    assert run.exit_code == 2, run.stderr
    assert run.stderr.startswith(f"Error: {target}") and run.stderr.count("\n") == 1 and "internal error" not in run.stderr

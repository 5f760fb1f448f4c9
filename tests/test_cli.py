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

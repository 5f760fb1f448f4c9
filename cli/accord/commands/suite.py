"""accord suite: expectation suites in checks/."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer

from accord.commands import options

app = typer.Typer(
    help=(
        "Expectation suites in checks/: propose a starter suite for a table.\n\n"
        "Example: accord suite init memberships --output checks/memberships-starter.json"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("init")
def init(
    table: str = typer.Argument(..., help="The table (resource name) to propose a suite for."),
    package: str = options.PACKAGE,
    output: str = typer.Option(None, "--output", "-o",
                               help="Write the suite here ('-' for stdout; default: checks/<TABLE>.json beside the descriptor)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    trusted: bool = options.TRUSTED,
) -> None:
    """Propose a starter suite for TABLE from its Table Schema and its data, for a curator to review.

    Not-null for required fields, unique for unique fields and keys, the pattern as SQL, value
    sets for enums and for strings with few repeating values, the observed range of numbers and
    dates, and a row count between half and twice today's.

    Example: accord suite init memberships --output checks/memberships-starter.json
    """
    from accord.check.starter import starter_suite, to_json
    from accord.check.suites import default_checks_dir
    from accord.errors import UsageError
    from accord.fsutil import atomic_write_text
    from accord.package import load_package

    loaded = load_package(package, trusted=trusted)
    if output == "-":
        typer.echo(to_json(starter_suite(loaded, table)), nl=False)
        return
    target = Path(output) if output else default_checks_dir(loaded.descriptor_path) / f"{table}.json"
    if target.exists() and not force:
        raise UsageError(f"{target}: already exists; refusing to overwrite it (use --force, or --output another file)")
    atomic_write_text(target, to_json(starter_suite(loaded, table, name=target.stem)))
    command = ["accord", "check"] + ([package] if package else [])
    if target.parent.resolve() != default_checks_dir(loaded.descriptor_path).resolve():
        command += ["--checks", str(target.parent)]
    command += ["--suite", target.stem]
    typer.echo(f"wrote {target}: review its rules, then run `{shlex.join(command)}`", err=True)

"""accord release: a checked, checksummed, reproducible release folder for data users."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.commands import options


def command(
    package: str = options.PACKAGE,
    out: Path = typer.Option(Path("dist"), "--out", help="Folder to write <name>-<version>/ into."),
    previous: Path = typer.Option(
        None,
        "--previous",
        help="The previous release (its folder, zip or datapackage.json): CHANGELOG.md, and the version check.",
    ),
    any_version: bool = typer.Option(
        False, "--any-version", help="Release whatever the version says, even if it does not follow from the changes."
    ),
    engine: str = options.ENGINE,
    trusted: bool = options.TRUSTED,
) -> None:
    """Check the package, then write dist/<name>-<version>/: zip, Parquet, DuckDB, descriptor with hashes,
    README, CHANGELOG and SHA256SUMS. Refuses (exit 1) data that fails `accord check`.

    A released version is never replaced; with --previous, the version must follow from the
    changes (breaking: a major version, or a minor one below 1.0; compatible schema changes: a
    minor one; changed rows: a patch).

    Example: accord release --previous dist/accord-0.1.0
    """
    import sys

    from accord.release import release_package

    def progress(message: str) -> None:
        typer.echo(f"accord release: {message}", err=True)

    result = release_package(package, out=out, previous=previous, engine=engine, trusted=trusted,
                             any_version=any_version, progress=progress if sys.stderr.isatty() else None)
    since = f", changes since {result.previous_version or 'the previous release'}" if previous else ""
    lines = [f"Released {result.name} {result.version} to {result.folder} in {result.seconds:.2f} s{since}"]
    lines += [f"  {path}" for path in result.files]
    typer.echo("\n".join(lines))
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)

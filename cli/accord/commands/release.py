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
        help="The previous release (its folder, zip or datapackage.json), for CHANGELOG.md.",
    ),
    engine: str = options.ENGINE,
    trusted: bool = options.TRUSTED,
) -> None:
    """Check the package, then write dist/<name>-<version>/: zip, Parquet, DuckDB, descriptor with hashes,
    README, CHANGELOG and SHA256SUMS. Refuses (exit 1) data that fails `accord check`.

    Example: accord release --previous dist/accord-0.1.0
    """
    from accord.release import release_package

    result = release_package(package, out=out, previous=previous, engine=engine, trusted=trusted)
    since = f", changes since {result.previous_version or 'the previous release'}" if previous else ""
    lines = [f"Released {result.name} {result.version} to {result.folder} in {result.seconds:.2f} s{since}"]
    lines += [f"  {path}" for path in result.files]
    typer.echo("\n".join(lines))
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)

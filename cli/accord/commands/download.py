"""accord download: fetch a released package, verify every file, then put it in place."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from accord.commands import options


def command(
    source: str = typer.Argument(..., help="URL or path of a release's datapackage.json or zip.", show_default=False),
    to: Path = typer.Option(None, "--to", help="Folder to put the package in (default: ./<name>-<version>)."),
    load: Path = typer.Option(None, "--load", help="Then build the package into this DuckDB database."),
    trusted: bool = typer.Option(False, "--trusted", help="Allow files the descriptor names by URL on another host."),
    engine: str = options.ENGINE,
) -> None:
    """Download a package, check every file's size and SHA-256 against its descriptor, then move it into place.

    A mismatch exits 2 and leaves the target folder as it was; an interrupted download resumes
    when run again.

    Example: accord download https://example.org/accord-0.1.0/datapackage.json --load accord.duckdb
    """
    from accord.download import download_package

    arguments = {"to": to, "load": load, "trusted": trusted, "engine": engine}
    if sys.stderr.isatty():
        with _TerminalProgress() as progress:
            result = download_package(source, **arguments, progress=progress.update)
    else:
        result = download_package(source, **arguments)
    size = sum(f.bytes for f in result.files)
    verified = sum(f.verified for f in result.files)
    version = f" {result.version}" if result.version else ""
    lines = [
        f"Downloaded {result.name}{version} to {result.target}: {len(result.files)} files, {size} bytes, "
        f"{verified} verified by size and hash"
    ]
    if result.database is not None:
        tables = ", ".join(f"{name} ({rows})" for name, rows in result.database.tables.items())
        lines.append(f"Loaded into {result.database.database}: {tables}")
    typer.echo("\n".join(lines))
    for note in result.notes + (result.database.notes if result.database else []):
        typer.echo(f"note: {note}", err=True)


class _TerminalProgress:
    """One rich progress bar per file, on stderr."""

    def __enter__(self):
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        self.bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.tasks: dict[str, int] = {}
        self.bars.__enter__()
        return self

    def update(self, name: str, done: int, total: int | None) -> None:
        if name not in self.tasks:
            self.tasks[name] = self.bars.add_task(name, total=total)
        self.bars.update(self.tasks[name], completed=done, total=total)

    def __exit__(self, *exc) -> None:
        self.bars.__exit__(*exc)

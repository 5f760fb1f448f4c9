"""accord build: a typed DuckDB database and Parquet files from a valid package."""

from __future__ import annotations

from pathlib import Path

import typer

from accord.commands import options


def command(
    package: str = options.PACKAGE,
    db: Path = options.DATABASE,
    parquet_dir: Path = typer.Option(
        None, "--parquet-dir", help="Folder for <table>.parquet (default: parquet/ beside the database)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Build even if validation fails (no keys or NOT NULL; bad cells become NULL)."
    ),
    trusted: bool = options.TRUSTED,
    engine: str = options.ENGINE,
) -> None:
    """Validate, then build a typed DuckDB database (keys, enums, comments, views/*.sql) and Parquet files.

    Example: accord build datapackage.json --db build/accord.duckdb
    """
    from accord.build import build_package

    result = build_package(package, db, parquet_dir=parquet_dir, force=force, engine=engine, trusted=trusted)
    width = max((len(name) for name in result.tables), default=0)
    lines = [f"Built {result.database} in {result.seconds:.2f} s"]
    lines += [f"  {name:<{width}}  {rows} rows" for name, rows in result.tables.items()]
    lines.append(f"  views: {', '.join(result.views) or 'none'}")
    if result.parquet_files:
        lines.append(f"  parquet: {result.parquet_files[0].parent} ({len(result.parquet_files)} files)")
    typer.echo("\n".join(lines))
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)

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
    check: bool = typer.Option(
        False, "--check", help="Run the expectation suites on the same read first, and build only if they pass."
    ),
    checks: Path = typer.Option(None, "--checks", metavar="DIR",
                                help="Folder of suite JSON files for --check (default: checks/ beside the descriptor)."),
    trusted: bool = options.TRUSTED,
    engine: str = options.SPARK_ENGINE,
    spark_master: str = options.SPARK_MASTER,
) -> None:
    """Validate, then build a typed DuckDB database (keys, enums, comments, views/*.sql) and Parquet files.

    Each CSV is read once: with --check, the suites run on the tables validation read, and the
    database is built from the same tables. With --engine spark, Spark writes the Parquet files
    and the database is built from them.

    Example: accord build --check

    Example: accord build datapackage.json --db build/accord.duckdb
    """
    from accord.build import build_package
    from accord.errors import ChecksFailed
    from accord.formats import render

    options.use_spark_master(spark_master, engine)
    try:
        result = build_package(package, db, parquet_dir=parquet_dir, force=force, engine=engine, trusted=trusted,
                               check=check, checks_dir=checks)
    except ChecksFailed as failed:
        options.emit(render("report", "text", failed.report, color=options.to_terminal(None)), None)
        raise
    if result.report is not None:
        options.emit(render("report", "text", result.report, color=options.to_terminal(None)), None)
    width = max((len(name) for name in result.tables), default=0)
    lines = [f"Built {result.database} in {result.seconds:.2f} s"]
    lines += [f"  {name:<{width}}  {rows} rows" for name, rows in result.tables.items()]
    lines.append(f"  views: {', '.join(result.views) or 'none'}")
    if result.parquet_files:
        lines.append(f"  parquet: {result.parquet_files[0].parent} ({len(result.parquet_files)} files)")
    typer.echo("\n".join(lines))
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)

"""accord generate (hidden): a synthetic package with this package's schema, for benchmarks.

The generator lives in benchmarks/generate.py, beside the data it benchmarks, so this command
works from a source checkout only.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import typer

GENERATOR = Path(__file__).resolve().parents[3] / "benchmarks" / "generate.py"


def command(
    out: Path = typer.Argument(..., help="Folder to write the package into (empty, or a package generated before)."),
    rows: str = typer.Option("1000", "--rows", help="Statements rows: 1000, 100k, 10M ...; other tables in proportion."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed writes byte-identical files."),
    faults: list[str] = typer.Option(
        None, "--faults", "--fault", help="Inject faults, KIND=COUNT (repeatable): type-error, constraint-error, primary-key, "
        "foreign-key, extra-cell, missing-cell."),
    template: Path = typer.Option(None, "--template", help="The descriptor whose schemas to copy (default: the repository's)."),
) -> None:
    """Write a synthetic data package, valid unless faults are asked for; faults.json lists them.

    Example: accord generate benchmarks/data/s100k --rows 100k --seed 1 --fault foreign-key=3
    """
    from accord.errors import UsageError

    if not GENERATOR.is_file():
        raise UsageError(f"accord generate needs a source checkout: {GENERATOR} is missing")
    spec = importlib.util.spec_from_file_location("accord_benchmarks_generate", GENERATOR)
    generator = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generator  # dataclasses look their module up there
    spec.loader.exec_module(generator)
    try:
        manifest = generator.generate(out, generator.parse_rows(rows), seed, generator.parse_faults(faults),
                                      template or generator.TEMPLATE)
    except generator.GeneratorError as exc:
        raise UsageError(str(exc)) from exc
    tables = ", ".join(f"{name} {count}" for name, count in manifest["tables"].items())
    typer.echo(f"Wrote {out}: {tables}; {len(manifest['faults'])} faults")

"""Compressed CSV: accord validate against frictionless validate on a package whose statements
table is gzipped.

    python benchmarks/compressed.py                       # 1M statements, the faulty package
    python benchmarks/compressed.py --rows 100k --skip-frictionless

It takes the faulty package benchmarks/run.py generates (benchmarks/data/s<size>-faults, made
if missing), writes beside it s<size>-faults-gz with tables/statements.csv.gz (gzip level 6;
the other files hard-linked) and the descriptor's path changed, then runs as child processes,
under /usr/bin/time -v (run.measure: wall time, CPU time, peak memory):

    accord validate s<size>-faults-gz --format json           the compressed package
    frictionless validate s<size>-faults-gz/datapackage.json   the same, frictionless's report
    accord validate s<size>-faults --format json               the plain package, for the cost of gzip

The errors (code, table, row, field) of accord and frictionless on the compressed package are
compared. Results go into benchmarks/results.json under sizes/<size>/compressed/...
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (benchmarks/ is not a package)
import run  # noqa: E402

TABLE = "statements"
GZIP_LEVEL = 6  # gzip's default


def gzipped_package(plain: Path) -> Path:
    """plain's copy with the statements table gzipped; made again only when plain changed."""
    target = plain.with_name(f"{plain.name}-gz")
    descriptor = json.loads((plain / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == TABLE)
    source = plain / resource["path"]
    gzipped = target / f"{resource['path']}.gz"
    stamp = target / "source.json"
    expected = {"manifest": (plain / "faults.json").read_text(encoding="utf-8"), "level": GZIP_LEVEL}
    if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) == expected:
        return target
    shutil.rmtree(target, ignore_errors=True)
    for path in plain.rglob("*"):
        if path.is_file() and path != source:
            copy = target / path.relative_to(plain)
            copy.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, copy)
            except OSError:
                shutil.copyfile(path, copy)
    started = time.perf_counter()
    with open(source, "rb") as reader, gzip.open(gzipped, "wb", compresslevel=GZIP_LEVEL) as writer:
        shutil.copyfileobj(reader, writer, 1 << 22)
    print(f"  gzipped {source.relative_to(run.REPO)}: {source.stat().st_size / 1e6:.0f} MB -> "
          f"{gzipped.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.1f} s", flush=True)
    resource["path"] += ".gz"
    (target / "datapackage.json").unlink()
    (target / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    stamp.write_text(json.dumps(expected), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1M", help="statement rows (default 1M)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--skip-frictionless", action="store_true", help="time accord only")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before a run is stopped (default 1 h)")
    args = parser.parse_args(argv)
    if not Path(run.TIME).exists():
        print(f"Error: {run.TIME} is missing (apt-get install -y time)", file=sys.stderr)
        return 2
    rows = generate.parse_rows(args.rows)
    label = run.label_of(rows)
    plain = run.ensure_package(rows, args.seed, run.FAULTS, f"s{label}-faults")
    package = gzipped_package(plain)
    out = run.OUT / label / "compressed"
    accord, frictionless = str(run.BIN / "accord"), str(run.BIN / "frictionless")
    commands = {
        "accord": [accord, "validate", str(package), "--format", "json"],
        "frictionless": [frictionless, "validate", str(package / "datapackage.json"), "--json"],
        "accord-plain": [accord, "validate", str(plain), "--format", "json"],
    }
    if args.skip_frictionless:
        del commands["frictionless"]
    results = run.load()
    entry = results.setdefault("sizes", {}).setdefault(label, {})
    code = run.code_state()
    entry["compressed/context"] = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "code": code,
                                   "load_average_at_start": os.getloadavg()}
    print(f"== {label} statements, {TABLE} gzipped (load average {os.getloadavg()[0]:.1f})", flush=True)
    for tool, command in commands.items():
        measurement = run.measure(command, tool, out, args.timeout)
        measurement["commit"] = code["commit"]
        entry[f"compressed/{tool}"] = measurement
        print(f"  {tool:<14} {measurement['wall_s']:>8.2f} s wall {measurement['cpu_s']:>8.2f} s cpu "
              f"{run._mem(measurement):>12} MB  exit {measurement['exit_code']}", flush=True)
        run.save(results)
    mine = run.accord_error_keys(out / "accord.out")
    report = json.loads((out / "accord.out").read_text(encoding="utf-8"))
    entry["compressed/accord-notes"] = report["notes"]
    print(f"  accord's notes: {report['notes']}")
    if "frictionless" in commands:
        agreement = run.compare(mine, run.frictionless_error_keys(out / "frictionless.out"))
        entry["compressed/errors-agree"] = agreement
        speedup = run.ratio(entry["compressed/frictionless"], entry["compressed/accord"])
        print(f"  frictionless / accord: {speedup}x; errors {'agree' if agreement['same'] else 'differ'} "
              f"({agreement['found']} found, {agreement['expected']} frictionless's)")
    gzip_cost = run.ratio(entry["compressed/accord"], entry["compressed/accord-plain"])
    print(f"  accord, gzipped / plain: {gzip_cost}x")
    run.save(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

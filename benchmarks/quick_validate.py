"""Quick benchmark: `accord validate` (DuckDB engine) against `frictionless validate`.

Generates a synthetic package (orders -> customers, orders -> products; a mix of types,
constraints and keys; deterministic from --seed) in a temporary folder, runs both commands,
checks that their verdicts agree and prints the timings and the ratio.

    python benchmarks/quick_validate.py                      # 1M + 100k + 10k rows
    python benchmarks/quick_validate.py --errors 200         # plant errors: both must find the same
    python benchmarks/quick_validate.py --orders 10000000 --skip-frictionless --baseline

--baseline also times DuckDB's bare `SELECT count(*) FROM read_csv(...)` on the orders file,
the floor any CSV validation on DuckDB stands on. Peak memory is the child process's max RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

COUNTRIES = ["FR", "DE", "UA", "PL", "IT", "ES", "GB", "US", "JP", "BR"]
CATEGORIES = ["book", "music", "tool", "toy", "food"]
STATUSES = ["new", "paid", "shipped", "cancelled"]
NAMES = ["Ann", "Bohdan", "Zoë", "Łukasz", "Mária", "José", "Nguyễn", "Олена", "李", "O'Brien"]


def descriptor() -> dict:
    return {
        "name": "quick-validate",
        "resources": [
            {
                "name": "customers", "path": "customers.csv", "profile": "tabular-data-resource",
                "schema": {
                    "fields": [
                        {"name": "customer_id", "type": "integer", "constraints": {"required": True}},
                        {"name": "name", "type": "string", "constraints": {"required": True, "maxLength": 60}},
                        {"name": "email", "type": "string", "format": "email"},
                        {"name": "country", "type": "string", "constraints": {"enum": COUNTRIES}},
                        {"name": "signup", "type": "date"},
                        {"name": "active", "type": "boolean"},
                        {"name": "credit", "type": "number", "constraints": {"minimum": 0}},
                    ],
                    "primaryKey": ["customer_id"],
                },
            },
            {
                "name": "products", "path": "products.csv", "profile": "tabular-data-resource",
                "schema": {
                    "fields": [
                        {"name": "product_id", "type": "string", "constraints": {"pattern": "P[0-9]{6}"}},
                        {"name": "title", "type": "string"},
                        {"name": "price", "type": "number", "constraints": {"minimum": 0}},
                        {"name": "category", "type": "string", "constraints": {"enum": CATEGORIES}},
                        {"name": "created", "type": "datetime"},
                    ],
                    "primaryKey": ["product_id"],
                },
            },
            {
                "name": "orders", "path": "orders.csv", "profile": "tabular-data-resource",
                "schema": {
                    "fields": [
                        {"name": "order_id", "type": "integer"},
                        {"name": "customer_id", "type": "integer", "constraints": {"required": True}},
                        {"name": "product_id", "type": "string", "constraints": {"required": True}},
                        {"name": "quantity", "type": "integer", "constraints": {"minimum": 1, "maximum": 100}},
                        {"name": "unit_price", "type": "number"},
                        {"name": "ordered_at", "type": "datetime"},
                        {"name": "shipped", "type": "date"},
                        {"name": "status", "type": "string", "constraints": {"enum": STATUSES}},
                        {"name": "note", "type": "string"},
                    ],
                    "primaryKey": ["order_id"],
                    "foreignKeys": [
                        {"fields": ["customer_id"], "reference": {"resource": "customers", "fields": ["customer_id"]}},
                        {"fields": ["product_id"], "reference": {"resource": "products", "fields": ["product_id"]}},
                    ],
                },
            },
        ],
    }


def write_rows(path: Path, header: list[str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def generate(folder: Path, n_orders: int, n_products: int, n_customers: int, seed: int, errors: int) -> None:
    rnd = random.Random(seed)
    start = datetime(2020, 1, 1)
    (folder / "datapackage.json").write_text(json.dumps(descriptor(), indent=2, ensure_ascii=False), encoding="utf-8")

    def customers():
        for i in range(1, n_customers + 1):
            name = f"{rnd.choice(NAMES)} {i}"
            yield [i, name, f"user{i}@example.org", rnd.choice(COUNTRIES),
                   (date(2015, 1, 1) + timedelta(days=rnd.randrange(3000))).isoformat(),
                   rnd.choice(["true", "false"]), f"{rnd.random() * 1000:.2f}"]

    def products():
        for i in range(n_products):
            title = rnd.choice(["Widget", "Book, second edition", 'The "best" tool', "Lamp"]) + f" {i}"
            created = (start + timedelta(seconds=rnd.randrange(10**8))).strftime("%Y-%m-%dT%H:%M:%SZ")
            yield [f"P{i:06d}", title, f"{rnd.random() * 100:.2f}", rnd.choice(CATEGORIES), created]

    planted = set(rnd.sample(range(n_orders), errors)) if errors else set()

    def orders():
        for i in range(n_orders):
            row = [i + 1, rnd.randint(1, n_customers), f"P{rnd.randrange(n_products):06d}", rnd.randint(1, 100),
                   f"{rnd.random() * 100:.2f}",
                   (start + timedelta(seconds=rnd.randrange(10**8))).strftime("%Y-%m-%dT%H:%M:%S"),
                   "" if rnd.random() < 0.1 else (date(2020, 1, 1) + timedelta(days=rnd.randrange(2000))).isoformat(),
                   rnd.choice(STATUSES), "" if rnd.random() < 0.5 else rnd.choice(["gift", "urgent, please", 'says "hi"'])]
            if i in planted:
                kind = i % 5
                if kind == 0:
                    row[3] = "many"  # type-error
                elif kind == 1:
                    row[1] = n_customers + 1  # foreign-key
                elif kind == 2:
                    row[0] = max(1, i)  # primary-key (repeats the previous order_id)
                elif kind == 3:
                    row[7] = "lost"  # constraint-error (enum)
                else:
                    row[6] = "2021-02-30"  # type-error (no such day)
            yield row

    write_rows(folder / "customers.csv", ["customer_id", "name", "email", "country", "signup", "active", "credit"], customers())
    write_rows(folder / "products.csv", ["product_id", "title", "price", "category", "created"], products())
    write_rows(folder / "orders.csv", ["order_id", "customer_id", "product_id", "quantity", "unit_price",
                                       "ordered_at", "shipped", "status", "note"], orders())


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess, float]:
    """Seconds, the finished process, and the peak RSS (MB) of children so far."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, done, peak_mb


def count_baseline(path: Path) -> float:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchall()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--errors", type=int, default=0, help="plant this many errors in orders")
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--baseline", action="store_true", help="time a bare count(*) over orders.csv")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="accord-quick-validate-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        generate(folder, args.orders, args.products, args.customers, args.seed, args.errors)
        size_mb = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
        rows = args.orders + args.products + args.customers
        print(f"generated {rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - started:.1f} s: {folder}")

        bin_dir = Path(sys.executable).parent
        accord_seconds, accord, accord_peak = timed([str(bin_dir / "accord"), "validate", str(folder), "--format", "json"])
        if accord.returncode not in (0, 1):
            print(accord.stderr, file=sys.stderr)
            return 2
        accord_report = json.loads(accord.stdout)
        print(f"accord validate (duckdb):  {accord_seconds:8.2f} s  exit {accord.returncode}  "
              f"peak RSS {accord_peak:.0f} MB  errors {accord_report['stats']['errors']}  notes {accord_report['notes']}")
        if args.baseline:
            baseline = count_baseline(folder / "orders.csv")
            print(f"bare count(*) over orders.csv: {baseline:.2f} s  (accord is {accord_seconds / baseline:.1f}x of it)")
        if args.skip_frictionless:
            return 0

        frictionless_seconds, frictionless, _ = timed(
            [str(bin_dir / "frictionless"), "validate", str(folder / "datapackage.json"), "--json"]
        )
        frictionless_report = json.loads(frictionless.stdout)
        frictionless_errors = sum(len(t["errors"]) for t in frictionless_report["tasks"])
        print(f"frictionless validate:     {frictionless_seconds:8.2f} s  exit {frictionless.returncode}  "
              f"errors {frictionless_errors}")
        agree = accord_report["valid"] == frictionless_report["valid"]
        print(f"verdicts agree: {agree} (valid: accord {accord_report['valid']}, frictionless {frictionless_report['valid']})")
        if args.errors:
            ours = {(e["code"], t["table"], e["row"], e["field"]) for t in accord_report["tasks"] for e in t["errors"]}
            theirs = {
                (e["type"], t["name"], e.get("rowNumber"), e.get("fieldName"))
                for t in frictionless_report["tasks"] for e in t["errors"]
            }
            same = ours == theirs
            print(f"same errors (code, table, row, field): {same} ({len(ours)} vs {len(theirs)})")
            agree = agree and same
        print(f"ratio: accord is {frictionless_seconds / accord_seconds:.1f}x faster")
        return 0 if agree else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Import a generated 1.5-million-row practitioner PTP table (published text layout) and time it; then compare the
check latency with the full table loaded against the curated-only check, in the same run.

    python benchmarks/bench_import.py [--rows 1500000] [--keep DIR] [--database-url postgresql://...]

With --database-url the table is imported into that PostgreSQL database (schema cms, by COPY) instead of the SQLite
file, and the checks read it from there.

Targets: import under 60 s; check with the imported tables no slower than 2x the curated-only check.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.claims import parse_line  # noqa: E402
from advisor.data.backend import SqliteRules, rules_db  # noqa: E402
from advisor.data.db import import_paths  # noqa: E402
from advisor.rules.catalog import load_curated  # noqa: E402
from advisor.services import build_catalog  # noqa: E402
from advisor.rules.engine import check  # noqa: E402
from advisor.rules.model import Facts  # noqa: E402
from advisor.settings import Settings  # noqa: E402

PREAMBLE = (
    "CPT only copyright 2025 American Medical Association.  All rights reserved.\t\t\t\t\t\t\n"
    "Column1/Column2 Edits\t\t\t\t\t\t\n"
    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale\n"
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t\n"
    "\t\t\t\t*=no data\t1=allowed\t\n"
    "\t\t\t\t\t9=not applicable\t\n"
)
RATIONALES = ("Misuse of Column Two code with Column One code", "Standards of medical/surgical practice",
              "CPT Manual or CMS manual coding instruction", "Mutually exclusive procedures")
CLAIMS = [
    ["64493-50", "64494-50"], ["64635", "64636 x2"], ["99213-25", "64483", "64484"], ["20610", "20552-XS"],
    ["62323"], ["27096-50"], ["64490", "64491", "64492"], ["20611-RT", "20610-LT"], ["99214-25", "20553"],
    ["64479", "64480 x2"], ["64633", "64634"], ["20605", "20600-XS"], ["64625"], ["0216T", "0217T"],
    ["99203", "64493"], ["64635", "64493"], ["64483", "62323"], ["20610", "76942"],
]


def codes_pool(catalog_codes: list[str], n: int, rng: random.Random) -> list[str]:
    pool = set(catalog_codes) | {f"{c:05d}" for c in rng.sample(range(10000, 99999), n)}
    pool |= {f"{c:04d}T" for c in range(100, 700)} | {f"G{c:04d}" for c in range(1, 600)}
    return sorted(pool)


def generate(path: Path, rows: int, catalog_codes: list[str]) -> int:
    rng = random.Random(7)
    pool = codes_pool(catalog_codes, 9000, rng)
    per = max(1, rows // len(pool))
    written = 0
    with path.open("w", encoding="latin-1", newline="") as fh:
        fh.write(PREAMBLE)
        for col1 in pool:
            if written >= rows:
                break
            take = min(per if col1 not in catalog_codes else per + 40, rows - written)
            col2s = sorted(set(rng.sample(pool, min(take, len(pool)))) | (set(catalog_codes) if col1 in catalog_codes else set()))
            col2s = [c for c in col2s if c != col1][:take]
            lines = []
            for col2 in col2s:
                eff = rng.choice((19960101, 20100101, 20170101, 20200101, 20240701))
                dele = "*" if rng.random() < 0.8 else str(rng.choice((20181231, 20231231, 20270331)))
                lines.append(f"{col1}\t{col2}\t{'*' if eff == 19960101 else ''}\t{eff}\t{dele}\t"
                             f"{rng.choice('0111119')}\t{rng.choice(RATIONALES)}\n")
            fh.writelines(lines)
            written += len(lines)
    return written


def time_checks(catalog, claims, facts, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for lines in claims:
            t0 = time.perf_counter()
            check(lines, facts, catalog)
            times.append((time.perf_counter() - t0) * 1e6)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--keep", type=Path, default=None, help="Work in this directory and keep the files.")
    parser.add_argument("--database-url", default=None, help="Import into this PostgreSQL database instead.")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_import_"))
    work.mkdir(parents=True, exist_ok=True)
    curated = load_curated()
    src = work / "ccipra-v321r0-f1.txt"
    t0 = time.perf_counter()
    written = generate(src, args.rows, sorted(curated.codes))
    print(f"generated {written:,} PTP rows ({src.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")

    settings = Settings(data_dir=work / "data", embedder="fake", database_url=args.database_url)
    db = rules_db(settings)
    if isinstance(db, SqliteRules) and db.path.exists():
        db.path.unlink()
    t0 = time.perf_counter()
    reports = import_paths([src], db, progress=True)
    elapsed = time.perf_counter() - t0
    size = f"{db.path.stat().st_size / 1e6:.0f} MB" if isinstance(db, SqliteRules) else db.where
    print(f"import: {reports[0].rows:,} rows in {elapsed:.1f} s ({reports[0].rows / elapsed:,.0f} rows/s; target < 60 s) "
          f"-> {size}")
    t0 = time.perf_counter()
    again = import_paths([src], db, progress=False)
    print(f"re-import of the same version: {again[0].status} in {time.perf_counter() - t0:.1f} s")

    claims = [[parse_line(x) for x in c] for c in CLAIMS]
    facts = Facts(date_of_service=date(2026, 5, 4))
    imported = build_catalog(settings)
    assert type(imported).__name__ == "ImportedCatalog"
    findings = sum(1 for c in claims for f in check(c, facts, imported).findings if "CMS PTP" in f.message)
    time_checks(curated, claims, facts, 3)  # warm up both
    time_checks(imported, claims, facts, 3)
    base, full = [], []
    for _ in range(args.rounds):  # interleaved so both see the same machine state
        base += time_checks(curated, claims, facts, 1)
        full += time_checks(imported, claims, facts, 1)

    def summary(xs: list[float]) -> str:
        qs = statistics.quantiles(xs, n=20)
        return f"p50 {statistics.median(xs):7.0f} us  p95 {qs[18]:7.0f} us"

    print(f"check, curated only        : {summary(base)}  ({len(base)} checks of {len(claims)} claims)")
    print(f"check, 1.5M-row PTP loaded : {summary(full)}  ({findings} findings name the CMS PTP table)")
    ratio = statistics.median(full) / statistics.median(base)
    print(f"ratio (p50 imported / curated): {ratio:.2f}x (target <= 2x)")
    tables = imported.imported.tables
    cold = []
    for _ in range(args.rounds):  # every claim's code set looked up afresh in the 1.5M-row table
        tables.clear_query_cache()
        cold += time_checks(imported, claims, facts, 1)
    print(f"check, PTP query uncached  : {summary(cold)}  (ratio p50 {statistics.median(cold) / statistics.median(base):.2f}x)")
    if args.keep is None:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

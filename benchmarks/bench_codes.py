"""GET /api/codes/{code} over real HTTP: curated catalog only, then with a generated 1.5-million-row practitioner PTP
table imported (published text layout, bench_import's generator), every curated code in turn.

    python benchmarks/bench_codes.py [--rows 1500000] [--requests 600]

Target (issue #16): p95 under 20 ms with the full PTP table imported. Prints medians, p95 and the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import generate  # noqa: E402
from served import served_app  # noqa: E402

from advisor.data.db import import_paths  # noqa: E402
from advisor.rules.catalog import load_curated  # noqa: E402


def latency(data_dir: Path, codes: list[str], requests: int) -> tuple[list[float], int]:
    """(milliseconds per request, PTP pairs shown per code on average) against a fresh server on data_dir."""
    port = 19000 + os.getpid() % 1000
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")},
           "ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_EMBEDDER": "fake", "ADVISOR_INDEX_ON_START": "false"}
    with served_app(env, port, timeout=30) as client:
        pairs = [len(client.get(f"/api/codes/{c}", params={"date": "2026-05-04"}).json()["pairs"])
                 for c in codes]  # warm-up: every code once
        times = []
        for i in range(requests):
            start = time.perf_counter()
            resp = client.get(f"/api/codes/{codes[i % len(codes)]}", params={"date": "2026-05-04"})
            times.append((time.perf_counter() - start) * 1000)
            assert resp.status_code == 200, resp.text
        return times, round(statistics.mean(pairs))


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    return f"p50 {statistics.median(ordered):6.2f} ms  p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    codes = sorted(load_curated().codes)
    with tempfile.TemporaryDirectory(prefix="bench_codes_") as tmp:
        work = Path(tmp)
        curated_times, curated_pairs = latency(work / "curated", codes, args.requests)
        src = work / "ccipra-v321r0-f1.txt"
        written = generate(src, args.rows, codes)
        t0 = time.perf_counter()
        import_paths([src], work / "full" / "cms_tables.sqlite", progress=False)
        print(f"imported {written:,} PTP rows in {time.perf_counter() - t0:.1f} s")
        full_times, full_pairs = latency(work / "full", codes, args.requests)
    print(f"GET /api/codes/{{code}}, curated only     : {summary(curated_times)}  ({len(codes)} codes, "
          f"{curated_pairs} pairs shown per code on average)")
    print(f"GET /api/codes/{{code}}, {written:,} PTP rows: {summary(full_times)}  ({full_pairs} pairs per code)")
    print(f"ratio p50 {statistics.median(full_times) / statistics.median(curated_times):.2f}x; "
          f"target p95 < 20 ms with the full table")


if __name__ == "__main__":
    main()

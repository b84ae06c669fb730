"""Audit throughput: generate ~100,000 claim lines, audit them, print time and peak memory.

Run: `.venv/bin/python benchmarks/bench_audit.py [--lines 100000] [--repeat 3] [--profile]`. Target: < 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.audit.report import render_report  # noqa: E402
from advisor.audit.service import findings_csv, run_audit  # noqa: E402
from advisor.audit.synthetic import bulk_panel  # noqa: E402
from advisor.services import build_catalog  # noqa: E402
from advisor.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="cProfile one run and print the top functions")
    ap.add_argument("--no-memo", action="store_true",
                    help="key the engine memo on the date too (near-worst case: almost every claim checked afresh)")
    args = ap.parse_args()
    if args.no_memo:
        import advisor.audit.service as service

        service.ENGINE_USES_DATE = True

    data = bulk_panel(args.lines).to_bytes()
    settings = Settings(embedder="fake", max_upload_bytes=max(len(data) + 1, 20 * 1024 * 1024))
    catalog = build_catalog(settings)
    print(f"input: {args.lines:,} lines, {len(data) / 1e6:.1f} MB")

    times, report_times = [], []
    result = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = run_audit(data, settings, catalog=catalog)
        times.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        html = render_report(result)
        csv_text = findings_csv(result)
        report_times.append(time.perf_counter() - t1)
    assert result is not None
    s = result.summary
    print(f"claims {s.claims:,}, findings {len(result.findings):,}, patterns flagged {s.patterns_flagged}, "
          f"malformed {s.malformed_rows}")
    print(f"audit  median {statistics.median(times):.2f} s  min {min(times):.2f} s  max {max(times):.2f} s "
          f"({args.lines / statistics.median(times):,.0f} lines/s; target < 30 s)")
    print(f"report+csv median {statistics.median(report_times):.2f} s (html {len(html) / 1e6:.1f} MB, "
          f"csv {len(csv_text) / 1e6:.1f} MB)")

    tracemalloc.start()
    run_audit(data, settings, catalog=catalog)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak traced memory during one audit: {peak / 1e6:.0f} MB (tracemalloc, input bytes excluded)")
    print(f"process max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        run_audit(data, settings, catalog=catalog)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()

"""Audit throughput and worst cases: a mixed ~100,000-line panel, one claim of 4,000 identical lines, a large file.

Run: `.venv/bin/python benchmarks/bench_audit.py [--lines 100000] [--repeat 3] [--profile]` (the panel; target < 30 s
on 2 cores), `--case identical [--identical 4000]` (one claim of N copies of one line: the audit, which turns lines
past the per-claim limit into row errors, and the rules engine on all N lines directly; both should grow linearly),
`--case large [--rows 1000000]` (a compact ~25 MB export of short claims; target < 60 s and < 1 GB max RSS: run it
alone, since max RSS is the process's).
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
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advisor.audit.report import render_report  # noqa: E402
from advisor.audit.service import findings_csv, run_audit  # noqa: E402
from advisor.audit.synthetic import ClaimFile, bulk_panel, compact_export  # noqa: E402
from advisor.claims import parse_line  # noqa: E402
from advisor.rules.engine import check  # noqa: E402
from advisor.rules.model import Facts  # noqa: E402
from advisor.services import build_catalog  # noqa: E402
from advisor.settings import Settings  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def panel(args: argparse.Namespace) -> None:
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
    print(f"process max RSS: {_rss_mb():.0f} MB")

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        run_audit(data, settings, catalog=catalog)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def identical(args: argparse.Namespace) -> None:
    """One claim of N copies of one line, at N/4, N/2 and N: the ratios show linear (x2) or quadratic (x4) growth."""
    settings = Settings(embedder="fake")
    catalog = build_catalog(settings)
    sizes = [args.identical // 4, args.identical // 2, args.identical]
    for text in args.line:
        line = parse_line(text)
        audit_s, engine_s = [], []
        for n in sizes:
            cf = ClaimFile()
            cf.add("PT000001", "DR01", date(2025, 3, 14), [text] * n)
            data = cf.to_bytes()
            audit_s.append(statistics.median(_timed(lambda: run_audit(data, settings, catalog=catalog), args.repeat)))
            engine_s.append(statistics.median(_timed(lambda: check([line] * n, Facts(), catalog), args.repeat)))
        result = run_audit(data, settings, catalog=catalog)
        print(f"{text!r} x {sizes}: audit median {', '.join(f'{t:.3f}' for t in audit_s)} s "
              f"(ratio last/first {audit_s[-1] / max(audit_s[0], 1e-9):.1f} for x4 lines; {len(data) / 1e3:.0f} KB, "
              f"{len(result.row_errors)} row errors); engine on all lines "
              f"{', '.join(f'{t:.3f}' for t in engine_s)} s (ratio {engine_s[-1] / max(engine_s[0], 1e-9):.1f})")


def large(args: argparse.Namespace) -> None:
    data = compact_export(args.rows)
    settings = Settings(embedder="fake", max_upload_bytes=len(data) + 1)
    catalog = build_catalog(settings)
    print(f"input: {args.rows:,} rows, {len(data) / 1e6:.1f} MB; RSS before the audit {_rss_mb():.0f} MB")
    t0 = time.perf_counter()
    result = run_audit(data, settings, catalog=catalog)
    seconds = time.perf_counter() - t0
    s = result.summary
    print(f"claims {s.claims:,}, findings {len(result.findings):,}, patterns flagged {s.patterns_flagged}")
    print(f"audit {seconds:.1f} s ({args.rows / seconds:,.0f} rows/s; target < 60 s), process max RSS "
          f"{_rss_mb():.0f} MB (target < 1024)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", choices=("panel", "identical", "large"), default="panel")
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="cProfile one run and print the top functions")
    ap.add_argument("--no-memo", action="store_true",
                    help="key the engine memo on the date too (near-worst case: almost every claim checked afresh)")
    ap.add_argument("--identical", type=int, default=4000, help="lines in the identical-line claim")
    ap.add_argument("--line", action="append", default=None,
                    help="the repeated line (repeatable); default G0260-RT (an RT line with no LT mate) and 64493-RT")
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows in the large file")
    args = ap.parse_args()
    args.line = args.line or ["G0260-RT", "64493-RT"]
    {"panel": panel, "identical": identical, "large": large}[args.case](args)


if __name__ == "__main__":
    main()

"""Scale-out (issue #18 item 3): throughput and p95 of `advisor serve --workers N` on PostgreSQL and a Chroma server,
under the scale-out test's mixed load (tests/scale_load.py: ask, follow-up, feedback, check, read back on a fresh
connection, code page), at 1 and 4 workers.

    python benchmarks/bench_scale.py [--workers 1 4] [--requests 600] [--clients 32] [--runs 3] [--embedder onnx]

A throwaway PostgreSQL cluster and a `chroma run` server are started (tests/servers.py, as the tests do; or
ADVISOR_TEST_POSTGRES_URL), the CMS fixture tables imported into PostgreSQL, then for each worker count a server
is started on them (the index built once, on the first), warmed up with one round of every request, and timed
`--runs` times; the medians over the runs are printed, and the ratio of each worker count to the first.

Caveat of one machine: 2 cores run the workers, PostgreSQL, Chroma and the 32 client threads together, so more
workers than cores mostly compete; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.data.cms_files import write_mue, write_ptp_text, write_rvu  # noqa: E402
from tests.scale_load import STEPS, p95, run_load  # noqa: E402
from tests.servers import Missing, advisor_serve, chroma_server, fresh_database, postgres_cluster  # noqa: E402


def import_fixtures(env: dict[str, str], work: Path) -> None:
    files = [write_ptp_text(work / "ccipra-v321r0-f1.txt"),
             write_mue(work / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"), write_rvu(work / "PPRRVU26_JAN.csv")]
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}, **env,
            "ADVISOR_DATA_DIR": str(work / "cli")}
    subprocess.run([sys.executable, "-m", "advisor", "data", "import", *map(str, files)], env=full, cwd=ROOT,
                   check=True, capture_output=True)


def measure(url: str, requests: int, clients: int, runs: int) -> dict[str, Any]:
    run_load(url, clients * len(STEPS), clients)  # warm-up: one round per client
    cells = []
    for _ in range(runs):
        load = run_load(url, requests, clients)
        bad = sum(not 200 <= c.status < 300 for c in load.calls)
        cells.append({"rps": requests / load.seconds, "p95_ms": 1000 * p95(load.latencies()), "errors": bad,
                      **{f"p95_{s}_ms": 1000 * p95(load.latencies(s)) for s in ("ask", "check", "read")}})
    return {k: statistics.median(c[k] for c in cells) for k in cells[0]} | {"errors": sum(c["errors"] for c in cells)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--embedder", default="onnx")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        try:
            with postgres_cluster() as cluster, chroma_server(work / "chroma") as chroma:
                env = {"ADVISOR_DATABASE_URL": fresh_database(cluster), "ADVISOR_CHROMA_URL": chroma,
                       "ADVISOR_EMBEDDER": args.embedder, "ADVISOR_MODEL_CACHE_DIR": str(work / "models")}
                import_fixtures(env, work)
                for n in args.workers:
                    started = time.monotonic()
                    with advisor_serve({**env, "ADVISOR_DATA_DIR": str(work / f"w{n}")}, n, work / f"w{n}.log") as url:
                        up = time.monotonic() - started
                        results[n] = {"startup_s": up, **measure(url, args.requests, args.clients, args.runs)}
        except Missing as exc:
            raise SystemExit(f"cannot run: {exc}") from None
    load_after = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"results": results, "load": [load_before, load_after]}, indent=2))
        return
    base = results[args.workers[0]]
    print(f"mixed load ({', '.join(STEPS)}), {args.requests} requests x {args.runs} runs, {args.clients} clients, "
          f"embedder {args.embedder}; medians; load average {load_before:.1f} -> {load_after:.1f}")
    for n, r in results.items():
        print(f"workers {n}: {r['rps']:.1f} req/s, p95 {r['p95_ms']:.0f} ms (ask {r['p95_ask_ms']:.0f}, check "
              f"{r['p95_check_ms']:.0f}, read {r['p95_read_ms']:.0f}), errors {r['errors']}, "
              f"up in {r['startup_s']:.1f} s"
              + ("" if n == args.workers[0] else
                 f"; x{r['rps'] / base['rps']:.2f} throughput, x{r['p95_ms'] / base['p95_ms']:.2f} p95 vs "
                 f"workers {args.workers[0]}"))


if __name__ == "__main__":
    main()

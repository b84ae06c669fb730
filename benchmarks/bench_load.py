"""Throughput under concurrency (issue #14 item 5): `advisor serve --workers N` under 1, 8 and 32 concurrent clients
on POST /api/check, /api/search and /api/ask.

    python benchmarks/bench_load.py [--workers 1 2] [--requests 200] [--data-dir DIR] [--json]

Each worker count gets its own server process tree (`python -m advisor serve --workers N` on a free loopback port,
the offline engine, the real model on ONNX Runtime, the data dir's index, built first if missing). Once every worker
reports the index ready, each route is warmed up on bench_ask's warm-up questions, then timed at each concurrency
on its own slice of bench_ask's distinct questions (eval/dev questions and one variant of each): no question is
sent twice to one server, search and ask never share a question (the embedding cache cannot answer one), and the
claims for /api/check are bench_rules' generated claims, distinct. Throughput is requests / wall time of the cell;
latency is per request, as the client saw it.

Caveat of one machine: the clients (threads of this process) share the 2 cores with the server's workers, so at
concurrency 8 and 32 part of the CPU goes to the load generator. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import httpx  # noqa: E402
from bench_ask import WARMUP, free_port, summary, timed_questions  # noqa: E402
from bench_rules import generate  # noqa: E402

from advisor.claims import format_line  # noqa: E402
from advisor.settings import Settings  # noqa: E402

ROUTES = ("check", "search", "ask")
CONCURRENCY = (1, 8, 32)


def start_server(workers: int, data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`advisor serve --workers N`, returned once every worker reports the index ready."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    # Rate limits off: every request comes from this one address, far past the per-address answer limit; this
    # measures throughput (bench_limits.py measures what the limits cost).
    env.update({"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_ENGINE": "offline", "ADVISOR_EMBEDDER": "onnx",
                "ADVISOR_RATE_LIMIT_ASK": "off", "ADVISOR_RATE_LIMIT_ASK_ADDRESS": "off",
                "NO_PROXY": "127.0.0.1,localhost"})
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "advisor", "serve", "--workers", str(workers), "--port",
                                 str(port)], env=env, cwd=BENCH.parent, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    ready: set[int] = set()
    deadline = time.monotonic() + 900
    while len(ready) < workers:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"server did not come up:\n{log.read_text()[-3000:]}")
        try:
            health = httpx.get(f"{url}/healthz", timeout=5).json()
            if health["index"] == "ready":
                ready.add(health["worker"])
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return proc, url


def bodies(route: str, items: list[Any]) -> list[dict[str, Any]]:
    if route == "check":
        return [{"lines": [format_line(ln) for ln in lines], "facts": facts.model_dump(mode="json")}
                for lines, facts in items]
    if route == "search":
        return [{"query": q, "k": 5} for q in items]
    return [{"question": q} for q in items]


def run_cell(url: str, route: str, payloads: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    """Send every payload once with `concurrency` clients in flight; latencies and throughput."""
    latencies: list[float] = []
    errors = 0

    def worker(chunk: list[dict[str, Any]]) -> tuple[list[float], int]:
        times, bad = [], 0
        with httpx.Client(base_url=url, timeout=120) as client:
            for body in chunk:
                start = time.perf_counter()
                resp = client.post(f"/api/{route}", json=body)
                times.append((time.perf_counter() - start) * 1000)
                bad += resp.status_code != 200
        return times, bad

    chunks = [payloads[i::concurrency] for i in range(concurrency)]
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for times, bad in pool.map(worker, chunks):
            latencies += times
            errors += bad
    wall = time.perf_counter() - start
    return {"route": route, "concurrency": concurrency, "rps": round(len(payloads) / wall, 1), "errors": errors,
            **summary(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--requests", type=int, default=200, help="requests per route and concurrency")
    parser.add_argument("--data-dir", type=Path, default=None, help="default: the settings' data dir")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir or Settings().data_dir
    n = args.requests
    questions, _, _ = timed_questions(None)
    warm = set(WARMUP)
    questions = [q for q in questions if q not in warm]
    cells = len(CONCURRENCY)
    if len(questions) < 2 * cells * n:
        raise SystemExit(f"only {len(questions)} distinct questions for {2 * cells * n} timed requests")
    seen: set[str] = set()
    claims = []
    for lines, facts in generate(20 * cells * n):
        body = json.dumps([format_line(ln) for ln in lines]) + facts.model_dump_json()
        if body not in seen:
            seen.add(body)
            claims.append((lines, facts))
    items = {"check": claims, "search": questions[: cells * n], "ask": questions[cells * n: 2 * cells * n]}

    results: list[dict[str, Any]] = []
    print(f"load average before: {os.getloadavg()[0]:.2f}; {n} requests per cell; {os.cpu_count()} cores",
          flush=True)
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as tmp:
            proc, url = start_server(workers, data_dir, Path(tmp) / "serve.log")
            try:
                with httpx.Client(base_url=url, timeout=120) as client:
                    for _ in range(3 * workers):  # every worker loads its model and reader before timing
                        for q in WARMUP:
                            client.post("/api/ask", json={"question": q})
                            client.post("/api/search", json={"query": q})
                        client.post("/api/check", json={"lines": ["99213-25", "64493-50"]})
                for route in ROUTES:
                    for c_index, concurrency in enumerate(CONCURRENCY):
                        part = items[route][c_index * n: (c_index + 1) * n]
                        cell = {"workers": workers, **run_cell(url, route, bodies(route, part), concurrency)}
                        results.append(cell)
                        if not args.json:
                            print(f"workers {workers}  {route:6} c={concurrency:<2}  {cell['rps']:7.1f} req/s  "
                                  f"p50 {cell['p50_ms']:6.1f}  p95 {cell['p95_ms']:6.1f}  p99 {cell['p99_ms']:6.1f} ms"
                                  f"  errors {cell['errors']}", flush=True)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
    if args.json:
        print(json.dumps(results, indent=2))
    by = {(r["workers"], r["route"], r["concurrency"]): r for r in results}
    if len(args.workers) > 1:
        base = args.workers[0]
        for workers in args.workers[1:]:
            ratios = [f"{route} c={c}: {by[(workers, route, c)]['rps'] / by[(base, route, c)]['rps']:.2f}x"
                      for route in ROUTES for c in CONCURRENCY]
            print(f"throughput, {workers} workers / {base}: " + ", ".join(ratios))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Load benchmark: throughput and p50/p95/p99 latency of POST /api/check, /api/search and /api/ask at concurrency 1,
8 and 32, over real HTTP against `uvicorn advisor.api.app:create_app` in its own process (so the clients' Python
does not share the server's GIL), plus /healthz latency sampled while the heaviest level runs.

    python benchmarks/bench_load.py [--requests 160] [--levels 1,8,32] [--embedder onnx] [--data-dir DIR] [--json]

The data dir keeps the guidance index and the ONNX model export between runs (first run: ~30 s to build, waited
for before timing). Questions and search texts are the user questions of eval/dev/*.yaml (never eval/test/), taken
in turn; every ask starts a new conversation. The query-embedding cache is not cleared (steady state under load; a
question repeats once per ~1,500 requests). 503s (the answer pool full: ADVISOR_ANSWER_WORKERS/QUEUE) are counted
as errors and reported with their share. Targets (issue 15): /api/ask p99 < 1 s at concurrency 32 with no errors;
/healthz < 1 s throughout. The machine is shared: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = [["99213-25", "64493-50", "64494-50"], ["64483", "64484 x2"], ["20610-RT", "20552-59"], ["G0260-RT", "G0260-LT"],
          ["64635-50", "64636-50", "77003"], ["62323", "77003"], ["20611", "76942"], ["27096-KX"]]


def dev_questions() -> list[str]:
    out: list[str] = []
    for path in sorted((ROOT / "eval" / "dev").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()) or []:
            if isinstance(case, dict) and case.get("question"):
                out.append(str(case["question"])[:4000])
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, embedder: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env.update({"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_EMBEDDER": embedder, "ADVISOR_ENGINE": "offline",
                "PYTHONPATH": str(ROOT), "NO_PROXY": "127.0.0.1,localhost"})
    log = open(data_dir / "bench-load-server.log", "ab")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "advisor.api.app:create_app", "--factory", "--host",
                             "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            health = httpx.get(url + "/healthz", timeout=5).json()
            if health.get("index") == "ready":
                return proc, url
            if health.get("index") == "error":
                raise RuntimeError(f"index build failed: {health}")
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {data_dir / 'bench-load-server.log'}")
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("server not ready in 600 s")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def request_for(kind: str, i: int, questions: list[str]) -> tuple[str, dict[str, Any]]:
    if kind == "check":
        return "/api/check", {"lines": CLAIMS[i % len(CLAIMS)], "payer": "medicare"}
    if kind == "search":
        return "/api/search", {"query": questions[i % len(questions)], "k": 5}
    return "/api/ask", {"question": questions[i % len(questions)]}


async def level(url: str, kind: str, concurrency: int, total: int, questions: list[str],
                offset: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    next_i = 0

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal next_i
        while next_i < total:
            i = next_i
            next_i += 1
            path, body = request_for(kind, offset + i, questions)
            started = time.perf_counter()
            res = await client.post(url + path, json=body)
            latencies.append(time.perf_counter() - started)
            statuses[res.status_code] = statuses.get(res.status_code, 0) + 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        wall = time.perf_counter() - started
    errors = sum(n for code, n in statuses.items() if code != 200)
    return {"kind": kind, "concurrency": concurrency, "requests": total, "throughput_rps": round(total / wall, 1),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1), "max_ms": round(max(latencies) * 1000, 1),
            "errors": errors, "statuses": statuses}


async def health_during(url: str, work: Any) -> tuple[Any, list[float]]:
    samples: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            while not done.is_set():
                started = time.perf_counter()
                await client.get(url + "/healthz")
                samples.append(time.perf_counter() - started)
                await asyncio.sleep(0.1)

    task = asyncio.create_task(probe())
    try:
        result = await work
    finally:
        done.set()
        await task
    return result, samples


async def run(args: argparse.Namespace, url: str) -> list[dict[str, Any]]:
    questions = dev_questions()
    rows: list[dict[str, Any]] = []
    offset = 0
    for kind in ("check", "search", "ask"):
        await level(url, kind, 4, 20, questions, offset)  # warm-up (first requests load lazy parts)
        offset += 20
        for concurrency in args.levels:
            total = max(args.requests, concurrency * 4)
            row, health = await health_during(url, level(url, kind, concurrency, total, questions, offset))
            offset += total
            row["healthz_p50_ms"] = round(statistics.median(health) * 1000, 1) if health else None
            row["healthz_max_ms"] = round(max(health) * 1000, 1) if health else None
            rows.append(row)
            if not args.json:
                print(f"{kind:6s} c={concurrency:<3d} n={total:<4d} {row['throughput_rps']:7.1f} req/s  "
                      f"p50 {row['p50_ms']:7.1f}  p95 {row['p95_ms']:7.1f}  p99 {row['p99_ms']:7.1f}  "
                      f"max {row['max_ms']:7.1f} ms  errors {row['errors']} {row['statuses']}  "
                      f"healthz p50 {row['healthz_p50_ms']} max {row['healthz_max_ms']} ms", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=160, help="requests per level (at least 4 per client)")
    ap.add_argument("--levels", default="1,8,32")
    ap.add_argument("--embedder", default="onnx", choices=("onnx", "sentence-transformers", "fake"))
    ap.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "advisor-bench-load")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    args.levels = [int(x) for x in args.levels.split(",")]
    args.data_dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    proc, url = start_server(args.data_dir, args.embedder)
    try:
        rows = asyncio.run(run(args, url))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    load_after = os.getloadavg()
    if args.json:
        print(json.dumps({"rows": rows, "load_before": load_before, "load_after": load_after}, indent=2))
    else:
        ask32 = next((r for r in rows if r["kind"] == "ask" and r["concurrency"] == 32), None)
        if ask32:
            print(f"target: /api/ask p99 at 32 = {ask32['p99_ms']} ms (< 1000), errors {ask32['errors']} (0)")
        print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (2 cores, shared)")


if __name__ == "__main__":
    main()

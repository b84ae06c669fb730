"""Rules-engine throughput in process and POST /api/check latency over real HTTP.

    python benchmarks/bench_rules.py [--claims 1000] [--requests 500]

Targets: at least 5,000 checks/s on one core; /api/check p95 under 10 ms over HTTP.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from served import served_app  # noqa: E402

from advisor.claims import ClaimLine, format_line  # noqa: E402
from advisor.rules.catalog import curated_catalog  # noqa: E402
from advisor.rules.engine import check  # noqa: E402
from advisor.rules.model import Facts  # noqa: E402

MODS = ["", "", "", "25", "50", "59", "XS", "RT", "LT", "KX"]


def generate(n: int, seed: int = 7) -> list[tuple[list[ClaimLine], Facts]]:
    """A mix of claims: 1-5 lines of catalog codes with common modifiers, and varied facts."""
    rng = random.Random(seed)
    codes = sorted(curated_catalog().codes)
    out = []
    for _ in range(n):
        lines = []
        for _ in range(rng.randint(1, 5)):
            mod = rng.choice(MODS)
            lines.append(ClaimLine(code=rng.choice(codes), modifiers=(mod,) if mod else (), units=rng.choice([1, 1, 1, 2])))
        facts = Facts(payer=rng.choice(["medicare", "commercial"]), separate_problem=rng.choice([None, True, False]),
                      diagnostic=rng.choice([None, True, False]), setting=rng.choice(["office", "office", "asc"]))
        out.append((lines, facts))
    return out


def throughput(claims: list[tuple[list[ClaimLine], Facts]], rounds: int = 5) -> list[float]:
    catalog = curated_catalog()
    check(*claims[0], catalog)  # warm
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for lines, facts in claims:
            check(lines, facts, catalog)
        rates.append(len(claims) / (time.perf_counter() - start))
    return rates


def http_latency(claims: list[tuple[list[ClaimLine], Facts]], requests: int) -> list[float]:
    port = 18000 + os.getpid() % 1000
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "ADVISOR_DATA_DIR": data, "ADVISOR_EMBEDDER": "fake", "ADVISOR_INDEX_ON_START": "false"}
        with served_app(env, port, timeout=10) as client:
            bodies = [{"lines": [format_line(ln) for ln in lines], "facts": facts.model_dump(mode="json")}
                      for lines, facts in claims]
            for body in bodies[:50]:
                client.post("/api/check", json=body)
            times = []
            for i in range(requests):
                start = time.perf_counter()
                resp = client.post("/api/check", json=bodies[i % len(bodies)])
                times.append((time.perf_counter() - start) * 1000)
                assert resp.status_code == 200, resp.text
            return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    claims = generate(args.claims)
    rates = throughput(claims)
    print(f"in-process check: median {statistics.median(rates):,.0f} checks/s over {args.claims} generated claims "
          f"(5 rounds; min {min(rates):,.0f}, max {max(rates):,.0f}); target >= 5,000/s")
    times = sorted(http_latency(claims, args.requests))
    p50 = statistics.median(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"POST /api/check over HTTP: p50 {p50:.2f} ms, p95 {p95:.2f} ms ({args.requests} requests); target p95 < 10 ms")


if __name__ == "__main__":
    main()

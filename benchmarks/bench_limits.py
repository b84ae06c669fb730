"""What the rate limits cost (issue #17 item 5): one limit check (two rules, user and address, counted in the SQLite
project database in one write transaction) in process, and POST /api/ask over real HTTP with the limits on and off.

    python benchmarks/bench_limits.py [--hits 2000] [--requests 200]

Prints medians and the on/off ratio.
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

from served import served_app  # noqa: E402

from advisor.settings import Settings  # noqa: E402
from advisor.store import ConversationStore  # noqa: E402
from advisor.store.limits import RateCounter, Rule  # noqa: E402

QUESTION = {"question": "bilateral L4-5 facet injection under fluoro, codes?"}


def check_cost(data_dir: Path, hits: int) -> list[float]:
    """Microseconds per check: 50 users behind 5 addresses, limits never reached."""
    store = ConversationStore(Settings(data_dir=data_dir))
    counter = RateCounter(store)
    counter.hit([Rule("warm", 10, 60)])
    times = []
    for i in range(hits):
        rules = [Rule(f"ask:user:u{i % 50}", 10**6, 60), Rule(f"ask:address:10.0.0.{i % 5}", 10**6, 60)]
        start = time.perf_counter()
        assert counter.hit(rules) is None
        times.append((time.perf_counter() - start) * 1e6)
    store.close()
    return times


def ask_latency(data_dir: Path, requests: int, limits: bool, port: int) -> list[float]:
    """Milliseconds per POST /api/ask on a fresh server (rules-engine answers: the index is not built)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")},
           "ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_EMBEDDER": "fake", "ADVISOR_INDEX_ON_START": "false"}
    rate = "1000000/minute" if limits else "off"
    env.update({"ADVISOR_RATE_LIMIT_ASK": rate, "ADVISOR_RATE_LIMIT_ASK_ADDRESS": rate})
    with served_app(env, port, timeout=60) as client:
        for _ in range(10):
            client.post("/api/ask", json=QUESTION)
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            assert client.post("/api/ask", json=QUESTION).status_code == 200
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hits", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        checks = check_cost(Path(tmp) / "checks", args.hits)
        print(f"limit check (2 rules, SQLite): median {statistics.median(checks):.0f} us, "
              f"p95 {sorted(checks)[int(len(checks) * 0.95)]:.0f} us over {len(checks)} checks")
        port = 19500 + os.getpid() % 400
        off = ask_latency(Path(tmp) / "off", args.requests, False, port)
        on = ask_latency(Path(tmp) / "on", args.requests, True, port + 1)
        m_off, m_on = statistics.median(off), statistics.median(on)
        print(f"POST /api/ask median: limits off {m_off:.1f} ms, on {m_on:.1f} ms, ratio {m_on / m_off:.2f}x "
              f"({args.requests} requests each)")


if __name__ == "__main__":
    main()

"""CLI cold start (issue #14 item 4): wall time of whole `advisor check`, `advisor ask` and `advisor search`
processes, in process (no server) and handed to a running `advisor serve` (explicit ADVISOR_SERVER_URL, and found by
auto-detect on ADVISOR_PORT).

    python benchmarks/bench_cli.py [--runs 7] [--data-dir DIR] [--json]

Every run is a new Python process (`python -m advisor ...`), so imports, settings, catalog and, in process, the model
and the index are loaded each time; the operating system's file cache is warm (the runs after the first), which is
what a user typing commands sees. Each run asks a question no earlier run asked (bench_ask's distinct questions),
so neither the server's embedding cache nor anything else answers from memory. Runs of the three modes are
interleaved, and the figures are medians. The data dir's index must exist (it is built first if missing).

Targets: `advisor check` < 1 s cold; `advisor ask` < 5 s cold.
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

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from bench_ask import free_port, timed_questions  # noqa: E402
from bench_load import start_server  # noqa: E402

from advisor.settings import Settings  # noqa: E402

TARGETS = {"check": 1.0, "ask": 5.0}


def run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "advisor", *args], env=env, cwd=BENCH.parent, capture_output=True,
                          text=True, timeout=600)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"advisor {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, default=None, help="default: the settings' data dir")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir or Settings().data_dir
    questions = iter(timed_questions(None)[0])
    base = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    base.update({"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_EMBEDDER": "onnx", "NO_PROXY": "127.0.0.1,localhost"})
    print(f"load average before: {os.getloadavg()[0]:.2f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(1, data_dir, Path(tmp) / "serve.log")
        try:
            modes = {"in process": {**base, "ADVISOR_SERVER_URL": "off"},
                     "server (ADVISOR_SERVER_URL)": {**base, "ADVISOR_SERVER_URL": url},
                     "server (auto-detect)": {**base, "ADVISOR_SERVER_URL": "auto",
                                              "ADVISOR_PORT": url.rsplit(":", 1)[1]}}
            # auto-detect with nothing listening: the probe's cost on the in-process path
            modes["in process (auto, no server)"] = {**base, "ADVISOR_SERVER_URL": "auto",
                                                     "ADVISOR_PORT": str(free_port())}
            times: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.runs):
                for mode, env in modes.items():
                    commands = {"check": ["check", "99213-25", "64493-50", "64494-50"],
                                "ask": ["ask", next(questions)], "search": ["search", next(questions)]}
                    for name, argv in commands.items():
                        times.setdefault((name, mode), []).append(run(argv, env))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    rows: list[dict[str, Any]] = []
    for (name, mode), values in times.items():
        rows.append({"command": name, "mode": mode, "median_s": round(statistics.median(values), 3),
                     "min_s": round(min(values), 3), "max_s": round(max(values), 3), "runs": len(values)})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in sorted(rows, key=lambda r: (r["command"], r["mode"])):
            target = f"  (target < {TARGETS[r['command']]:.0f} s)" if r["command"] in TARGETS else ""
            print(f"advisor {r['command']:6} {r['mode']:30} median {r['median_s']:.2f} s  "
                  f"[{r['min_s']:.2f}-{r['max_s']:.2f}] over {r['runs']} runs{target}")
        med = {(r["command"], r["mode"]): r["median_s"] for r in rows}
        for name in ("check", "ask", "search"):
            ratio = med[(name, "in process")] / med[(name, "server (ADVISOR_SERVER_URL)")]
            print(f"advisor {name}: in process / served = {ratio:.1f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

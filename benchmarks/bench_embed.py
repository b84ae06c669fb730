"""Query-embedding benchmark: ONNX Runtime (fp32, int8) against sentence-transformers, cold and warm.

    python benchmarks/bench_embed.py [--runs 3] [--json]

Each run of each runtime is a fresh child process on one shared model cache (the ONNX export is made once, before
timing). Cold: from importing the embedder module to the first query vector (torch import and model load for
sentence-transformers, session load for ONNX). Warm: `embed_query` p50/p95 over 400 distinct coder questions of
eval/dev/, after a warm-up on a separate set (the 135 queries of eval/retrieval.yaml); nothing repeats, so the
query cache never answers. Prints the median over runs and the ratio to sentence-transformers. Numbers from
a shared 2-core machine move with the other work on it: the load average is printed with them.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNTIMES = {"onnx": {"embedder": "onnx"}, "onnx-int8": {"embedder": "onnx", "embedding_int8": True},
            "sentence-transformers": {"embedder": "sentence-transformers"}}  # fmt: skip


def questions(limit: int = 400) -> tuple[list[str], list[str]]:
    """(warm-up, timed): the retrieval eval's queries, then up to `limit` coder questions of eval/dev/ (the answer
    evaluation's), distinct and none in the warm-up set."""
    import yaml

    warmup = list(dict.fromkeys(q["query"] for q in yaml.safe_load((ROOT / "eval/retrieval.yaml").read_text())))
    asked = (case.get("question") for f in sorted((ROOT / "eval/dev").glob("*.yaml"))
             for case in yaml.safe_load(f.read_text()) or [] if isinstance(case, dict))  # fmt: skip
    timed = [q for q in dict.fromkeys(q for q in asked if isinstance(q, str)) if q not in set(warmup)]
    return warmup, timed[:limit]


def child(runtime: str, cache: str) -> None:
    """One measurement in this (fresh) process; prints JSON."""
    warmup, timed = questions()
    started = time.perf_counter()
    from advisor.retrieval.embeddings import make_embedder
    from advisor.settings import Settings

    settings = Settings(data_dir=Path(cache) / "data", model_cache_dir=Path(cache), **RUNTIMES[runtime])
    embedder = make_embedder(settings)
    embedder.embed_query(warmup[0])
    cold = time.perf_counter() - started
    for q in warmup[1:]:
        embedder.embed_query(q)
    times = []
    for q in timed:
        t0 = time.perf_counter()
        embedder.embed_query(q)
        times.append((time.perf_counter() - t0) * 1000)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(json.dumps({"class": type(embedder).__name__, "cold_s": cold, "p50_ms": statistics.median(times),
                      "p95_ms": p95, "n": len(times), "torch": "torch" in sys.modules}))


def run_child(runtime: str, cache: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, __file__, "--child", runtime, "--cache", cache], capture_output=True,
                          text=True, cwd=ROOT, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{runtime} run failed:\n{done.stderr[-2000:]}")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per runtime (medians)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=sorted(RUNTIMES), help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.cache)
        return

    load_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as cache:
        for runtime in RUNTIMES:  # the first run of each makes its ONNX export: not timed
            run_child(runtime, cache)
        runs: dict[str, list[dict[str, object]]] = {r: [] for r in RUNTIMES}
        for _ in range(args.runs):  # interleaved, so a busy spell on the machine hits every runtime alike
            for runtime in RUNTIMES:
                runs[runtime].append(run_child(runtime, cache))
    medians: dict[str, dict[str, float]] = {}
    for runtime, results in runs.items():
        want = "SentenceTransformerEmbedder" if runtime == "sentence-transformers" else "OnnxEmbedder"
        assert {r["class"] for r in results} == {want}, results  # no silent fallback
        medians[runtime] = {k: round(statistics.median(float(str(r[k])) for r in results), 3)
                            for k in ("cold_s", "p50_ms", "p95_ms")}  # fmt: skip
    reference = medians["sentence-transformers"]
    ratios = {rt: {k: round(reference[k] / medians[rt][k], 2) for k in reference} for rt in ("onnx", "onnx-int8")}
    out = {"load_average_1m": [load_start, round(os.getloadavg()[0], 2)], "cpus": os.cpu_count() or 0,
           "runs": args.runs, "questions": runs["onnx"][0]["n"], "medians": medians, "st_over": ratios,
           "torch_imported": {rt: runs[rt][0]["torch"] for rt in RUNTIMES}}  # fmt: skip
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"query embedding: {out['questions']} distinct questions, {args.runs} fresh processes per runtime, medians "
          f"(load {load_start} -> {round(os.getloadavg()[0], 2)}, {os.cpu_count()} cpus)")
    for runtime, m in medians.items():
        print(f"  {runtime:22s} cold {m['cold_s']:6.2f} s   warm p50 {m['p50_ms']:6.2f} ms  p95 {m['p95_ms']:6.2f} ms"
              f"   torch imported: {runs[runtime][0]['torch']}")
    for runtime, r in ratios.items():
        print(f"  sentence-transformers / {runtime}: cold {r['cold_s']}x, p50 {r['p50_ms']}x, p95 {r['p95_ms']}x")


if __name__ == "__main__":
    main()

"""The gate: the offline engine's case accuracy on the dev split (eval/dev) must stay at or above THRESHOLD.

Runs every case through the same path as POST /api/ask with the real embedding model (offline), on a temp data
dir (the index is built there from knowledge/), and prints the per-tag numbers and failures when it fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.evaluation.cases import DEFAULT_CASES, load_ask_cases
from advisor.evaluation.runner import failure_kinds, limit_threads, make_services, run_ask_cases, summarize
from advisor.settings import Settings

pytestmark = pytest.mark.slow

# Measured, not wished for (2026-12-02, tenth session): `advisor eval --split dev --no-baseline` scored 0.957
# (5398/5643 dev cases: blind rounds 1-18 included after each was measured once, and rounds 20 and 21, written blind
# and put straight into dev; with them the split went from 0.955 on 4,850 to 0.953 on 5,109 before the session's
# fixes). The gate sits 1.7 points below the measurement (about 95 cases of margin, for the real embedding model's
# citation ranking under this test's own set-up); raise it when the measured score rises. The blind test split is
# reported, never gated or tuned on.
THRESHOLD = 0.94


def test_offline_engine_case_accuracy_gate(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir: Path = tmp_path_factory.mktemp("eval-gate") / "data"
    settings = Settings(data_dir=data_dir, embedder="sentence-transformers", engine="offline", chroma_url=None,
                        database_url=None)
    limit_threads(1)
    cases = load_ask_cases(DEFAULT_CASES)
    results = run_ask_cases(make_services(settings).answerer, cases)
    s = summarize(results)
    lines = [f"case accuracy {s['accuracy']:.3f} < {THRESHOLD} ({s['passed']}/{s['cases']})", "per tag:"]
    lines += [f"  {t}: {a:.2f} ({s['per_tag_cases'][t]})" for t, a in s["per_tag"].items() if a is not None and a < 1]
    lines += ["most common failure kinds:"] + [f"  {c:>3} {k}" for k, c in failure_kinds(results)[:15]]
    lines += ["failures:"] + [f"  {r.id}: {'; '.join(r.problems)}" for r in results if not r.passed][:60]
    assert s["accuracy"] >= THRESHOLD, "\n".join(lines)

"""The retrieval metrics on hand-computed rankings."""

from __future__ import annotations

import math

import pytest

from advisor.retrieval.evaluate import doc_ranking, score_ranking


def test_metrics_by_hand() -> None:
    m = score_ranking(["a", "b", "c", "d", "e", "f"], {"b", "f"})
    assert m["recall@5"] == 0.5
    assert m["mrr@10"] == 0.5
    assert m["ndcg@10"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(7)) / (1 + 1 / math.log2(3)))
    assert score_ranking(["x"], {"a"}) == {"recall@5": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0}
    assert score_ranking(["a", "b"], {"a"})["ndcg@10"] == 1.0


def test_doc_ranking_keeps_first_occurrence() -> None:
    assert doc_ranking(["a", "a", "b", "a", "c", "b"]) == ["a", "b", "c"]

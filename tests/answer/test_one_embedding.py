"""One model call per question: the answer pipeline embeds a question once (for search), never again for the same
text (a repeat, a correction's recompute), counted on the real ONNX embedder over the real hybrid index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from advisor.answer.model import AskRequest
from advisor.answer.pipeline import AnswerPipeline, MemoryStore
from advisor.retrieval.embeddings import default_model_path
from advisor.retrieval.onnx_embedder import OnnxEmbedder
from advisor.retrieval.search import Searcher
from advisor.services import build_catalog
from advisor.settings import Settings

pytestmark = pytest.mark.slow

QUESTIONS = ["bilateral L4-5 L5-S1 medial branch block, how many units?",
             "Can I bill 99213-25 with trigger point injections 20552 the same day?",
             "what is modifier KX for?", "right SI joint injection under fluoroscopy, code?"]


def test_each_question_costs_one_model_call(tmp_path: Path, onnx_model_cache: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", model_cache_dir=onnx_model_cache, engine="offline")
    embedder = OnnxEmbedder(default_model_path(settings), onnx_model_cache / "onnx")  # its own, empty query cache
    searcher = Searcher.open(settings, embedder=embedder)  # builds the index before counting starts
    calls: list[list[str]] = []
    real = embedder.embed

    def counting(texts: Any, batch_size: int = 32) -> Any:
        calls.append(list(texts))
        return real(texts, batch_size)

    embedder.embed = counting  # type: ignore[method-assign]  # the cache in embed_query calls through this
    pipeline = AnswerPipeline(settings, build_catalog(settings), searcher=searcher, store=MemoryStore())
    answers = [pipeline.ask(AskRequest(question=q)) for q in QUESTIONS]
    assert all(a.citations for a in answers)  # the searches ran and returned passages
    assert [len(c) for c in calls] == [1] * len(QUESTIONS)  # one text per model call, one call per question
    assert all(q[:40] in c[0] for q, c in zip(QUESTIONS, calls, strict=True))  # the question's own search text

    pipeline.ask(AskRequest(question=QUESTIONS[0]))  # asked again
    pipeline.recompute(QUESTIONS[1], answers[1].understanding, None)  # a correction re-runs rules and retrieval
    assert len(calls) == len(QUESTIONS)

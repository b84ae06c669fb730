"""Fixtures for the answer pipeline: a pipeline on the offline engine with a small keyword searcher over the real
knowledge documents (the real hybrid searcher is exercised by the API tests and the benchmark)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from advisor.answer.pipeline import AnswerPipeline, MemoryStore
from advisor.retrieval.passage import Passage
from advisor.services import build_catalog
from advisor.settings import PROJECT_ROOT, Settings

WORD = re.compile(r"[a-z0-9]+")


class KeywordSearcher:
    """Word-overlap search over knowledge/*.md sections: deterministic, no model, same Passage shape."""

    def __init__(self, knowledge: Path = PROJECT_ROOT / "knowledge") -> None:
        self.passages: list[Passage] = []
        for path in sorted(knowledge.glob("*.md")):
            text = path.read_text(encoding="utf-8")
            title = next((ln[2:].strip() for ln in text.splitlines() if ln.startswith("# ")), path.stem)
            for i, section in enumerate(re.split(r"\n(?=## )", text)):
                head = section.strip().splitlines()[0].lstrip("# ").strip() if section.strip() else ""
                codes = sorted(set(re.findall(r"\b(\d{5}|\d{4}T|G0260)\b", section)))
                self.passages.append(Passage(doc=path.stem, title=title, section=head, text=section.strip()[:1500],
                                             score=0.0, sources=[], codes=codes, chunk_id=f"{path.stem}:{i}"))
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5, codes: Any = None, topics: Any = None) -> list[Passage]:
        self.queries.append(query)
        words = set(WORD.findall(query.lower()))
        scored = sorted(self.passages, key=lambda p: -len(words & set(WORD.findall(p.text.lower()))))
        return [p.model_copy(update={"score": 1.0 / (i + 1)}) for i, p in enumerate(scored[:k])]


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(embedder="fake", engine="offline", data_dir=tmp_path_factory.mktemp("answer-data"))


@pytest.fixture(scope="session")
def catalog(settings: Settings) -> Any:
    return build_catalog(settings)


@pytest.fixture(scope="session")
def searcher() -> KeywordSearcher:
    return KeywordSearcher()


@pytest.fixture(scope="session")
def pipeline(settings: Settings, catalog: Any, searcher: KeywordSearcher) -> AnswerPipeline:
    return AnswerPipeline(settings, catalog, searcher=searcher, store=MemoryStore())

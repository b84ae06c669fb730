"""Fixtures for retrieval tests: temp knowledge copies, settings on temp data dirs, synthetic documents."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from advisor.settings import PROJECT_ROOT, Settings

KNOWLEDGE = PROJECT_ROOT / "knowledge"


def write_doc(
    directory: Path, doc_id: str, body: str, *, title: str | None = None, codes: list[str] | None = None,
    topics: list[str] | None = None, extra: str = "",
) -> Path:
    """A knowledge document with valid front matter (tests break it on purpose where needed)."""
    codes_yaml = "[" + ", ".join(f'"{c}"' for c in (codes or [])) + "]"
    text = textwrap.dedent(
        f"""\
        ---
        id: {doc_id}
        title: {title or doc_id.replace('-', ' ').title()}
        topics: [{', '.join(topics or ['test'])}]
        codes: {codes_yaml}
        sources:
          - https://example.org/{doc_id}
        effective: 2026-01-01
        reviewed: 2026-11-27
        {extra}---
        """
    ) + textwrap.dedent(body)
    path = directory / f"{doc_id}.md"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Callable[..., Path]:
    """Copy (some of) the real knowledge/ into a temp dir that a test may edit."""

    def make(ids: list[str] | None = None, name: str = "knowledge") -> Path:
        dest = tmp_path / name
        dest.mkdir()
        for path in sorted(KNOWLEDGE.glob("*.md")):
            if ids is None or path.stem in ids:
                shutil.copy(path, dest / path.name)
        return dest

    return make


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(knowledge_dir: Path, embedder: str = "fake", **kw: object) -> Settings:
        return Settings(
            data_dir=kw.pop("data_dir", tmp_path / "data"), knowledge_dir=knowledge_dir, embedder=embedder,
            chroma_url=kw.pop("chroma_url", None), **kw,
        )

    return make

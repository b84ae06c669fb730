"""Fixtures for the in-process store tests: a store on a SQLite file in a fresh temporary data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from advisor.settings import Settings
from advisor.store import ConversationStore


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=None)


@pytest.fixture
def store(settings: Settings) -> Iterator[ConversationStore]:
    s = ConversationStore(settings)
    yield s
    s.close()

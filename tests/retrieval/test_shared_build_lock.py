"""With a Chroma server and PostgreSQL, the index build lock is a PostgreSQL advisory lock (so builders on different
hosts, with different data directories, still take turns) and the progress is shared through PostgreSQL."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from advisor.retrieval.buildlock import build_lock, lock_name, read_progress, shared_index, write_progress
from advisor.settings import Settings
from tests.servers import fresh_database

pytestmark = pytest.mark.slow


def test_builders_on_two_hosts_take_turns(pg_cluster: str, tmp_path: Path) -> None:
    url = fresh_database(pg_cluster)
    host_a = Settings(data_dir=tmp_path / "a", database_url=url, chroma_url="http://chroma:8000")
    host_b = Settings(data_dir=tmp_path / "b", database_url=url, chroma_url="http://chroma:8000")
    assert shared_index(host_a) and lock_name(host_a) == lock_name(host_b) == "advisor-index:http://chroma:8000/guidance"
    assert not shared_index(Settings(data_dir=tmp_path / "c", chroma_url="http://chroma:8000"))  # flock per host

    events: list[str] = []
    holding, waited = threading.Event(), threading.Event()

    def second_builder() -> None:
        holding.wait(10)
        with build_lock(host_b, on_wait=lambda: (events.append("b waits"), waited.set())):
            events.append("b builds")

    thread = threading.Thread(target=second_builder)
    thread.start()
    with build_lock(host_a):
        events.append("a builds")
        holding.set()
        assert waited.wait(10)
        write_progress(host_a, {"phase": "embedding", "done": 3, "total": 10, "percent": 30})
        assert read_progress(host_b) == {"phase": "embedding", "done": 3, "total": 10, "percent": 30}
        time.sleep(0.2)
        events.append("a done")
    thread.join(10)
    assert events == ["a builds", "b waits", "a done", "b builds"]
    assert not (tmp_path / "a" / "index.lock").exists() and not (tmp_path / "b" / "index_build.json").exists()

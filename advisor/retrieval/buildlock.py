"""One index build at a time per data directory, and its progress visible to every process that waits for it.

Why: `advisor serve --workers N` starts N processes that each want the index at startup, and a CLI may run beside
them. Chroma's embedded store is not safe for concurrent writers, and a process that opened the store before
another one finished writing keeps a stale vector index (its queries miss the new vectors; measured with chromadb
1.5.9, and chroma-core/chroma#3792). So the first process takes an exclusive `flock` on `data_dir/index.lock` and
builds (the ONNX export, then embedding); the others wait for the lock *before opening the store*, then find the
index current and only read it. The builder writes its progress to `data_dir/index_build.json`, which the waiting
processes report on /healthz and in their answers' notice.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LOCK_NAME = "index.lock"
PROGRESS_NAME = "index_build.json"


@contextmanager
def build_lock(data_dir: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the data directory's build lock; `on_wait` is called once if another process (or thread) holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def write_progress(data_dir: Path, progress: dict[str, Any]) -> None:
    """Publish the builder's progress (atomically: a reader never sees half a file)."""
    tmp = data_dir / f".{PROGRESS_NAME}.{os.getpid()}"
    tmp.write_text(json.dumps(progress), encoding="utf-8")
    os.replace(tmp, data_dir / PROGRESS_NAME)


def read_progress(data_dir: Path) -> dict[str, Any] | None:
    """The last progress a builder published, or None."""
    try:
        got = json.loads((data_dir / PROGRESS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return got if isinstance(got, dict) else None


__all__ = ["build_lock", "read_progress", "write_progress"]

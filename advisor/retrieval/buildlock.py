"""One index build at a time, and its progress visible to every process that waits for it.

Why: `advisor serve --workers N` starts N processes that each want the index at startup, and a CLI may run beside
them. Chroma's embedded store is not safe for concurrent writers, and a process that opened the store before
another one finished writing keeps a stale vector index (its queries miss the new vectors; measured with chromadb
1.5.9, and chroma-core/chroma#3792). So the first process takes an exclusive lock and builds (the ONNX export, then
embedding); the others wait for the lock *before opening the store*, then find the index current and only read it.
The builder publishes its progress, which the waiting processes report on /healthz and in their answers' notice.

Which lock: with an embedded store the index is the data directory's, so a `flock` on `data_dir/index.lock` (and
the progress in `data_dir/index_build.json`). With a Chroma server (ADVISOR_CHROMA_URL) and PostgreSQL
(ADVISOR_DATABASE_URL) the index is shared by every host, so the lock is a PostgreSQL session advisory lock keyed on
the server and collection, held on a connection of its own (released when it closes, also if the builder dies), and
the progress is a row of `advisor_index_build`. A Chroma server without PostgreSQL falls back to the flock: one
build at a time per host only.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from advisor.settings import Settings, is_postgres, libpq_url

LOCK_NAME = "index.lock"
PROGRESS_NAME = "index_build.json"
PROGRESS_TABLE = "advisor_index_build"


def shared_index(settings: Settings) -> bool:
    """Whether builds are coordinated through PostgreSQL (a Chroma server shared by hosts, and a PostgreSQL URL)."""
    return bool(settings.chroma_url and settings.database_url and is_postgres(settings.database_url))


def lock_name(settings: Settings) -> str:
    """What the lock guards: the Chroma server's collection (shared) or the data directory's index."""
    if shared_index(settings):
        return f"advisor-index:{settings.chroma_url}/{settings.collection}"
    return str(Path(settings.data_dir) / LOCK_NAME)


@contextmanager
def build_lock(settings: Settings, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the index's build lock; `on_wait` is called once if another process (or thread, or host) holds it."""
    if shared_index(settings):
        with _advisory_lock(settings, on_wait):
            yield
        return
    data_dir = Path(settings.data_dir)
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


def _pg_connect(settings: Settings) -> Any:
    import psycopg

    assert settings.database_url is not None
    return psycopg.connect(libpq_url(settings.database_url), autocommit=True, connect_timeout=10)


@contextmanager
def _advisory_lock(settings: Settings, on_wait: Callable[[], None] | None) -> Iterator[None]:
    key = lock_name(settings)
    with _pg_connect(settings) as conn:
        if not conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()[0]:
            if on_wait is not None:
                on_wait()
            conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


def write_progress(settings: Settings, progress: dict[str, Any]) -> None:
    """Publish the builder's progress (atomically: a reader never sees half of it)."""
    if shared_index(settings):
        with _pg_connect(settings) as conn:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} (name TEXT PRIMARY KEY, progress TEXT NOT NULL)")
            conn.execute(f"INSERT INTO {PROGRESS_TABLE} VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET "
                         "progress = excluded.progress", (lock_name(settings), json.dumps(progress)))
        return
    data_dir = Path(settings.data_dir)
    tmp = data_dir / f".{PROGRESS_NAME}.{os.getpid()}"
    tmp.write_text(json.dumps(progress), encoding="utf-8")
    os.replace(tmp, data_dir / PROGRESS_NAME)


def read_progress(settings: Settings) -> dict[str, Any] | None:
    """The last progress a builder published, or None."""
    try:
        if shared_index(settings):
            import psycopg

            try:
                with _pg_connect(settings) as conn:
                    row = conn.execute(f"SELECT progress FROM {PROGRESS_TABLE} WHERE name = %s",
                                       (lock_name(settings),)).fetchone()
            except psycopg.Error:
                return None
            got = json.loads(row[0]) if row else None
        else:
            got = json.loads((Path(settings.data_dir) / PROGRESS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return got if isinstance(got, dict) else None


__all__ = ["build_lock", "lock_name", "read_progress", "shared_index", "write_progress"]

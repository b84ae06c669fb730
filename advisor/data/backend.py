"""Where the imported CMS tables live: a SQLite file under the data dir, or PostgreSQL when ADVISOR_DATABASE_URL names
one, so that every worker of `advisor serve --workers N` (and every host behind a load balancer) reads the same
tables and sees an import made by any of them.

Why a generation number: a worker keeps the tables' versions and its look-ups cached between requests. It must
notice another process's import without reopening everything per request, so every import and removal bumps
`generation.n` in the same transaction as the rows; a reader compares that one number (SQLite: the file's mtime and
size, no query at all) and rebuilds its view only when it moved. Nothing per-process can go stale.

PostgreSQL keeps the tables in their own schema (`cms`), beside the conversation tables; imports take a transaction
advisory lock, so two imports (two hosts) queue instead of interleaving. The SQL is shared: `?` placeholders are
turned into psycopg's `%s`, and the only dialect differences (the identity column, double precision, bulk loading by
COPY, the column list) are methods here.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from advisor.errors import Unavailable
from advisor.settings import is_postgres, libpq_url

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from advisor.settings import Settings

PG_SCHEMA = "cms"
IMPORT_LOCK = 0x61647669  # pg_advisory_xact_lock key of CMS imports ("advi")
SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id {ID}, kind TEXT NOT NULL, version TEXT NOT NULL, part TEXT NOT NULL, effective TEXT NOT NULL,
    name TEXT NOT NULL, sha256 TEXT NOT NULL, rows INTEGER NOT NULL DEFAULT 0, min_code TEXT, max_code TEXT,
    imported_at TEXT NOT NULL, UNIQUE (kind, version, part));
CREATE TABLE IF NOT EXISTS rationale (id {ID}, text TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS ptp (
    file INTEGER NOT NULL, col1 TEXT NOT NULL, col2 TEXT NOT NULL, eff INTEGER NOT NULL, del INTEGER NOT NULL,
    mi INTEGER NOT NULL, rationale INTEGER NOT NULL, prior1996 INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ptp_pair ON ptp (col1, col2);
CREATE INDEX IF NOT EXISTS ptp_col2 ON ptp (col2);
CREATE TABLE IF NOT EXISTS mue (
    file INTEGER NOT NULL, code TEXT NOT NULL, value INTEGER NOT NULL, mai INTEGER NOT NULL, mai_text TEXT,
    rationale TEXT);
CREATE INDEX IF NOT EXISTS mue_code ON mue (code);
CREATE TABLE IF NOT EXISTS mpfs (
    file INTEGER NOT NULL, code TEXT NOT NULL, modifier TEXT NOT NULL, description TEXT, status TEXT,
    global_days TEXT, mult_proc TEXT, bilateral TEXT, assistant TEXT, work_rvu {REAL}, pe_nonfac {REAL},
    pe_fac {REAL}, mp_rvu {REAL}, conv_factor {REAL});
CREATE INDEX IF NOT EXISTS mpfs_code ON mpfs (code);
CREATE TABLE IF NOT EXISTS gpci (
    file INTEGER NOT NULL, mac TEXT NOT NULL, state TEXT NOT NULL, locality TEXT NOT NULL, name TEXT NOT NULL,
    pw {REAL} NOT NULL, pe {REAL} NOT NULL, mp {REAL} NOT NULL);
CREATE TABLE IF NOT EXISTS generation (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO generation (id, n) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM generation);
"""
# Columns added to mpfs after its first release (payment estimate, assistant indicator): a SQLite database made
# before them gains them empty on the next write, and its RVU rows fill them when the RVU file is imported again.
MPFS_ADDED = (("assistant", "TEXT"), ("work_rvu", "REAL"), ("pe_nonfac", "REAL"), ("pe_fac", "REAL"),
              ("mp_rvu", "REAL"), ("conv_factor", "REAL"))


class Writer(Protocol):
    """One open write transaction on the rules database."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def insert_id(self, sql: str, params: Sequence[Any]) -> int: ...

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None: ...


class RulesDB(Protocol):
    """The rules database as the importer and the readers use it (SQLite file or PostgreSQL schema)."""

    kind: str
    where: str

    def exists(self) -> bool: ...

    def generation(self) -> Hashable | None: ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def columns(self, table: str) -> frozenset[str]: ...

    def write(self) -> Any: ...  # a context manager yielding a Writer


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the SQLite rules database; autocommit mode, transactions are explicit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-262144")  # 256 MB page cache: the index build of a full PTP table stays in memory
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.executescript(SCHEMA.format(ID="INTEGER PRIMARY KEY", REAL="REAL"))
    present = {row[1] for row in conn.execute("PRAGMA table_info(mpfs)")}
    for name, kind in MPFS_ADDED:
        if name not in present:
            conn.execute(f"ALTER TABLE mpfs ADD COLUMN {name} {kind}")
    return conn


class _SqliteWriter:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def insert_id(self, sql: str, params: Sequence[Any]) -> int:
        return int(self.conn.execute(sql + " RETURNING id", params).fetchone()[0])

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


class SqliteRules:
    """The rules database as a SQLite file (one host; the default)."""

    kind = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.where = str(self.path)
        self._local = threading.local()

    def exists(self) -> bool:
        return self.path.exists()

    def generation(self) -> Hashable | None:
        """The file's mtime and size: every committed write changes them, and reading them needs no query."""
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn().execute(sql, params).fetchall()

    def columns(self, table: str) -> frozenset[str]:
        return frozenset(row[1] for row in self.query(f"PRAGMA table_info({table})"))

    @contextmanager
    def write(self) -> Iterator[Writer]:
        """One write transaction: committed whole, or rolled back whole on any error."""
        conn = connect(self.path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield _SqliteWriter(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()


def _pg(sql: str) -> str:
    return sql.replace("?", "%s")


class _PgWriter:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(_pg(sql), params)
        return cur.fetchall() if cur.description else []

    def insert_id(self, sql: str, params: Sequence[Any]) -> int:
        return int(self.conn.execute(_pg(sql) + " RETURNING id", params).fetchone()[0])

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """COPY: a full PTP table (1.5 M rows) loads in seconds, where row-by-row inserts take minutes."""
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


class PostgresRules:
    """The rules database in PostgreSQL (schema `cms`), shared by every worker and host."""

    kind = "postgresql"

    def __init__(self, url: str) -> None:
        self.url = libpq_url(url)
        self.where = f"PostgreSQL schema {PG_SCHEMA} at {redacted(self.url)}"
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """A small pool of autocommit connections for the readers (one query = one checkout)."""
        with self._lock:
            if self._engine is None:
                from sqlalchemy import create_engine

                self._engine = create_engine(
                    "postgresql+psycopg://" + self.url.split("://", 1)[1], pool_size=4, max_overflow=8,
                    pool_pre_ping=True, isolation_level="AUTOCOMMIT",
                    connect_args={"options": f"-c search_path={PG_SCHEMA}", "connect_timeout": 5})
            return self._engine

    def _raw(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        from sqlalchemy.exc import OperationalError

        try:
            with self.engine.connect() as conn:
                result = conn.exec_driver_sql(_pg(sql), tuple(params))
                return [tuple(r) for r in result.fetchall()] if result.returns_rows else []
        except OperationalError as exc:
            raise Unavailable(f"the rules database ({self.where}) cannot be reached: "
                              f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}", 5) from None

    def exists(self) -> bool:
        return self.generation() is not None

    def generation(self) -> Hashable | None:
        """`generation.n`, bumped by every import and removal; None while nothing was ever imported here."""
        from sqlalchemy.exc import ProgrammingError

        try:
            rows = self._raw("SELECT n FROM generation WHERE id = 1", ())
        except ProgrammingError:  # the schema or table is not there yet
            return None
        return rows[0][0] if rows else None

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._raw(sql, params)

    def columns(self, table: str) -> frozenset[str]:
        return frozenset(r[0] for r in self._raw(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
            (PG_SCHEMA, table)))

    @contextmanager
    def write(self) -> Iterator[Writer]:
        """One transaction, serialised across processes and hosts by an advisory lock; the schema is created inside
        it (DDL is transactional in PostgreSQL), so a failed first import leaves nothing behind."""
        import psycopg

        try:
            conn = psycopg.connect(self.url, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise Unavailable(f"the rules database ({self.where}) cannot be reached: {exc}", 5) from None
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK,))
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}")
                conn.execute(f"SET LOCAL search_path TO {PG_SCHEMA}")
                for statement in SCHEMA.format(ID="INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                                               REAL="DOUBLE PRECISION").split(";"):
                    if statement.strip():
                        conn.execute(statement)
                yield _PgWriter(conn)
                for table in ("ptp", "mue", "mpfs", "gpci", "files"):
                    conn.execute(f"ANALYZE {table}")
        finally:
            conn.close()


def redacted(url: str) -> str:
    """The URL without its password (it is shown in messages and on /healthz)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


_PG: dict[str, PostgresRules] = {}
_PG_LOCK = threading.Lock()


def rules_db(settings: Settings) -> RulesDB:
    """The rules database the settings name: PostgreSQL when ADVISOR_DATABASE_URL is a PostgreSQL URL (one pool per
    URL and process), else the SQLite file (ADVISOR_RULES_DB_PATH, default data_dir/cms_tables.sqlite)."""
    if settings.database_url and is_postgres(settings.database_url):
        with _PG_LOCK:
            found = _PG.get(settings.database_url)
            if found is None:
                found = _PG[settings.database_url] = PostgresRules(settings.database_url)
            return found
    return SqliteRules(settings.resolved_rules_db)


def as_rules_db(where: Path | str | RulesDB) -> RulesDB:
    """A RulesDB from a SQLite path (the tests' and older callers' form) or a RulesDB."""
    return SqliteRules(Path(where)) if isinstance(where, (str, Path)) else where


__all__ = ["MPFS_ADDED", "PostgresRules", "RulesDB", "SqliteRules", "Writer", "as_rules_db", "connect", "rules_db"]

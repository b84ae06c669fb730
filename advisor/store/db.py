"""Engine and schema: SQLite in WAL mode under data_dir by default, PostgreSQL when ADVISOR_DATABASE_URL names one.

SQLite is made safe for many concurrent writers (threads of one server, or several processes) by:
WAL journal (readers never block the writer), busy_timeout (a writer waits for the lock instead of failing),
and BEGIN IMMEDIATE for write transactions (the write lock is taken up front, so a transaction never has to
upgrade a read snapshot to a write lock, which SQLite refuses with SQLITE_BUSY no matter the timeout).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)

from advisor.api.principal import LOCAL_ID
from advisor.errors import DataError
from advisor.settings import is_postgres

BUSY_TIMEOUT_MS = 30_000
# the owner of everything stored in single-user mode (and of rows older than owners)
LOCAL_OWNER = LOCAL_ID
SQLITE_FILENAME = "advisor.sqlite3"

metadata = MetaData()

conversations = Table(
    "conversations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("owner", String(64), nullable=False, server_default=LOCAL_OWNER),
    Index("ix_conversations_owner", "owner", "updated"),
)

turns = Table(
    "turns",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), nullable=False, unique=True),
    Column(
        "conversation_id",
        String(32),
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("question", Text, nullable=False),
    Column("answer", JSON, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Index("ix_turns_conversation", "conversation_id", "seq"),
)

# The coder's corrections of how a question was read, each with the answer recomputed from it; the turn's own answer
# stays the original. A table of its own, so databases created before it only gain a table (create_all adds it).
corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), ForeignKey("turns.answer_id", ondelete="CASCADE"), nullable=False),
    Column(
        "conversation_id",
        String(32),
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("edit", JSON, nullable=False),
    Column("answer", JSON, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("owner", String(64), nullable=False, server_default=LOCAL_OWNER),
    Index("ix_corrections_conversation", "conversation_id", "id"),
    Index("ix_corrections_answer", "answer_id", "id"),
)

# Feedback keeps no foreign key: a rating outlives the conversation it rates (deleting a conversation removes the
# question text, the rating and its non-PHI context stay for the team's review).
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), nullable=False, index=True),
    Column("conversation_id", String(32), nullable=True),
    Column("rating", String(4), nullable=False),
    Column("comment", Text, nullable=True),
    Column("verdict", String(16), nullable=True),
    Column("engine", String(120), nullable=True),
    Column("knowledge_version", String(120), nullable=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("owner", String(64), nullable=False, server_default=LOCAL_OWNER, index=True),
)

# Tables that gained a column after databases were created with them: create_all does not add columns, so
# `add_missing_columns` does (ALTER TABLE ... ADD COLUMN with the column's default, on SQLite and PostgreSQL alike).
ADDED_COLUMNS = {"conversations": ("owner",), "corrections": ("owner",), "feedback": ("owner",)}

# --- accounts (advisor.auth): users, their sign-in sessions and API tokens, and OIDC sign-ins under way -------------

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(8), nullable=False),
    Column("password_hash", Text, nullable=True),  # argon2id; None for accounts that sign in through OIDC or a proxy
    Column("origin", String(8), nullable=False),  # local | oidc | proxy
    Column("subject", String(300), nullable=True, unique=True),  # OIDC issuer + sub
    Column("created", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # sha256 of the cookie value: a database leak is no session
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("expires", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the token; the token is shown once
    Column("prefix", String(16), nullable=False),  # the token's first characters, to tell tokens apart
    Column("created", DateTime(timezone=True), nullable=False),
    Column("last_used", DateTime(timezone=True), nullable=True),
    Column("revoked", DateTime(timezone=True), nullable=True),
)

oidc_attempts = Table(
    "oidc_attempts",
    metadata,
    Column("state", String(64), primary_key=True),
    Column("nonce", String(64), nullable=False),
    Column("verifier", String(128), nullable=False),  # PKCE code verifier
    Column("redirect_uri", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

# Who did what, when (advisor/store/access.py): ids, actions and counts only, never question, answer or title text.
access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=True),
    Column("detail", JSON, nullable=True),
    Column("address", String(64), nullable=True),
    Index("ix_access_log_at", "at"),
    Index("ix_access_log_actor", "actor", "at"),
    Index("ix_access_log_action", "action", "at"),
)

# Rate-limit counters (advisor/store/limits.py): hits per key in fixed windows, shared by every worker process.
rate_counters = Table(
    "rate_counters",
    metadata,
    Column("subject", String(255), primary_key=True),
    Column("slot", BigInteger, primary_key=True),
    Column("hits", Integer, nullable=False),
    Column("expires", BigInteger, nullable=False, index=True),
)

# Leases for scheduled tasks (the retention run): one worker of several takes the task for an interval.
leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("held_until", BigInteger, nullable=False),
)


def database_url(data_dir: Path, url: str | None) -> str:
    """The SQLAlchemy URL to use: `url` (PostgreSQL, forced onto the psycopg 3 driver) or the SQLite file."""
    if url:
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
    return f"sqlite:///{Path(data_dir) / SQLITE_FILENAME}"


def make_engine(url: str) -> Engine:
    """An engine with the SQLite pragmas and transaction handling described above (no connection is opened)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DataError(f"cannot create the data directory for {path}: {exc.strerror}", "data_dir") from None
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            pool_size=10,
            max_overflow=20,
            pool_timeout=60,
        )
        _install_sqlite_hooks(engine)
        return engine
    # PostgreSQL: an unreachable server fails after 10 s instead of hanging a request thread
    connect_args = {"connect_timeout": 10} if is_postgres(url) else {}
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module; `_on_begin` issues BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def add_missing_columns(conn: Connection) -> None:
    """Add the columns of ADDED_COLUMNS an older database lacks (each with its server default, so existing rows
    belong to the single-user owner)."""
    found = inspect(conn)
    for name, columns in ADDED_COLUMNS.items():
        have = {c["name"] for c in found.get_columns(name)}
        for column in columns:
            if column in have:
                continue
            col = metadata.tables[name].c[column]
            kind = col.type.compile(dialect=conn.dialect)
            default = f" DEFAULT '{col.server_default.arg}'" if col.server_default is not None else ""  # type: ignore[attr-defined]
            conn.execute(text(f"ALTER TABLE {name} ADD COLUMN {column} {kind} NOT NULL{default}"))

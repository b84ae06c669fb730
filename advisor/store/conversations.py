"""ConversationStore: conversations, their turns and feedback on answers, in SQLite (WAL) or PostgreSQL.

Privacy: questions and answers may contain PHI. They are stored, never logged (log lines carry ids only).
"""

from __future__ import annotations

import builtins  # `list` is also a method of ConversationStore
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from advisor.errors import InvalidInput, NotFound
from advisor.settings import Settings
from advisor.store import db
from advisor.store.db import LOCAL_OWNER, conversations, corrections, feedback, turns
from advisor.store.models import (
    MAX_COMMENT,
    MAX_TITLE,
    Conversation,
    ConversationSummary,
    FeedbackRow,
    FeedbackState,
    HistoryDeleted,
    OwnerUsage,
    Rating,
    Turn,
    TurnCorrection,
)

log = logging.getLogger("advisor.store")

T = TypeVar("T")
DEFAULT_TITLE = "New conversation"
MAX_QUESTION = 20_000
_RETRIES = 8


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


def clean_title(title: str, *, strict: bool) -> str:
    """One line, surrounding space removed, at most MAX_TITLE characters.

    strict (rename): an empty or too long title is an error. Not strict (create from a question): shortened.
    """
    if not isinstance(title, str):
        raise InvalidInput("title must be text", "title")
    text = re.sub(r"\s+", " ", "".join(ch if ch.isprintable() else " " for ch in title)).strip()
    if strict:
        if not text:
            raise InvalidInput("title must not be empty", "title")
        if len(text) > MAX_TITLE:
            raise InvalidInput(f"title is {len(text)} characters; at most {MAX_TITLE} are allowed", "title")
        return text
    if not text:
        return DEFAULT_TITLE
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


def _jsonable(answer: Any) -> dict[str, Any]:
    if isinstance(answer, BaseModel):
        answer = answer.model_dump(mode="json")
    if not isinstance(answer, dict):
        raise InvalidInput("answer must be a JSON object", "answer")
    try:
        return json.loads(json.dumps(answer, default=str))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"answer is not JSON-serialisable: {exc}", "answer") from None


class ConversationStore:
    """Conversations and feedback. Safe to share across threads; several processes may open the same database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = db.database_url(settings.data_dir, settings.database_url)
        self.engine = db.make_engine(self.url)
        self._is_sqlite = self.url.startswith("sqlite")
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    # ------------------------------------------------------------------ plumbing

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return

            def create() -> None:
                db.metadata.create_all(self.engine, checkfirst=True)
                with self.engine.connect() as conn, conn.begin():
                    db.add_missing_columns(conn)

            # Two processes creating the schema at once: the loser sees "already exists" and retries the check.
            for attempt in range(_RETRIES):
                try:
                    create()
                    break
                except (OperationalError, IntegrityError) as exc:
                    if attempt == _RETRIES - 1:
                        raise
                    log.debug("schema creation retry (%s)", type(exc).__name__)
                    time.sleep(0.05 * (attempt + 1))
                except Exception as exc:  # e.g. ProgrammingError "already exists" on PostgreSQL
                    if "exist" not in str(exc).lower() or attempt == _RETRIES - 1:
                        raise
                    time.sleep(0.05 * (attempt + 1))
            self._schema_ready = True

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        self._ensure_schema()
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one short write transaction (BEGIN IMMEDIATE on SQLite), retrying lock timeouts."""
        self._ensure_schema()
        for attempt in range(_RETRIES):
            try:
                with self.engine.connect() as conn:
                    conn = conn.execution_options(sqlite_immediate=True) if self._is_sqlite else conn
                    with conn.begin():
                        return work(conn)
            except OperationalError as exc:
                locked = "locked" in str(exc).lower() or "busy" in str(exc).lower()
                if not locked or attempt == _RETRIES - 1:
                    raise
                log.warning("database busy, retrying write (attempt %d)", attempt + 1)
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close pooled connections (the store can still be used afterwards; it reconnects)."""
        self.engine.dispose()

    # ------------------------------------------------------------------ conversations

    def create(self, title: str, owner: str = LOCAL_OWNER) -> Conversation:
        """A new, empty conversation; `title` (often the first question) is cut to one line of 200 characters."""
        now = _now()
        row = {"id": _new_id(), "title": clean_title(title, strict=False), "created": now, "updated": now}
        self.write(lambda conn: conn.execute(insert(conversations).values(**row, owner=owner)))
        log.debug("conversation %s created", row["id"])
        return Conversation(**row, turns=[])

    def get(self, conversation_id: str, owner: str = LOCAL_OWNER) -> Conversation:
        """The conversation with all its turns (oldest first) and the latest feedback on each answer."""
        with self.reading() as conn:
            head = self._head(conn, conversation_id, owner)
            turn_list = self._turns(conn, conversation_id)
        return Conversation(
            id=head.id, title=head.title, created=_utc(head.created), updated=_utc(head.updated), turns=turn_list
        )

    def list(self, limit: int = 500, owner: str = LOCAL_OWNER) -> list[ConversationSummary]:
        """The owner's conversations, most recently active first."""
        counts = (
            select(turns.c.conversation_id, func.count().label("n"))
            .group_by(turns.c.conversation_id)
            .subquery()
        )
        query = (
            select(conversations, func.coalesce(counts.c.n, 0).label("n"))
            .outerjoin(counts, counts.c.conversation_id == conversations.c.id)
            .where(conversations.c.owner == owner)
            .order_by(conversations.c.updated.desc(), conversations.c.created.desc(), conversations.c.id)
            .limit(limit)
        )
        with self.reading() as conn:
            rows = conn.execute(query).all()
        return [
            ConversationSummary(
                id=r.id, title=r.title, created=_utc(r.created), updated=_utc(r.updated), turns=int(r.n)
            )
            for r in rows
        ]

    def rename(self, conversation_id: str, title: str, owner: str = LOCAL_OWNER) -> ConversationSummary:
        """Give the conversation a new title (1-200 characters after trimming)."""
        text = clean_title(title, strict=True)

        def work(conn: Connection) -> None:
            done = conn.execute(update(conversations).where(*_mine(conversation_id, owner)).values(title=text))
            if done.rowcount == 0:
                raise NotFound(f"conversation {conversation_id!r} does not exist", "conversation_id")

        self.write(work)
        return self.summary(conversation_id, owner)

    def summary(self, conversation_id: str, owner: str = LOCAL_OWNER) -> ConversationSummary:
        with self.reading() as conn:
            head = self._head(conn, conversation_id, owner)
            n = conn.execute(
                select(func.count()).select_from(turns).where(turns.c.conversation_id == conversation_id)
            ).scalar_one()
        return ConversationSummary(
            id=head.id, title=head.title, created=_utc(head.created), updated=_utc(head.updated), turns=int(n)
        )

    def delete(self, conversation_id: str, owner: str = LOCAL_OWNER) -> None:
        """Remove the conversation and its turns (question and answer text). Feedback ratings stay, without text."""

        def work(conn: Connection) -> None:
            self._head(conn, conversation_id, owner)
            conn.execute(delete(corrections).where(corrections.c.conversation_id == conversation_id))
            conn.execute(delete(turns).where(turns.c.conversation_id == conversation_id))
            done = conn.execute(delete(conversations).where(conversations.c.id == conversation_id))
            if done.rowcount == 0:
                raise NotFound(f"conversation {conversation_id!r} does not exist", "conversation_id")

        self.write(work)
        log.debug("conversation %s deleted", conversation_id)

    # ------------------------------------------------------------------ turns

    def add_turn(self, conversation_id: str, question: str, answer: dict[str, Any], owner: str = LOCAL_OWNER) -> str:
        """Append a question and its answer; returns the new answer id (also written into the stored answer)."""
        insert_turn, answer_id = self._turn_writer(conversation_id, question, answer)

        def work(conn: Connection) -> None:
            done = conn.execute(update(conversations).where(*_mine(conversation_id, owner)).values(updated=_now()))
            if done.rowcount == 0:
                raise NotFound(f"conversation {conversation_id!r} does not exist", "conversation_id")
            insert_turn(conn)

        self.write(work)
        log.debug("turn %s added to conversation %s", answer_id, conversation_id)
        return answer_id

    def start(self, question: str, answer: dict[str, Any], owner: str = LOCAL_OWNER) -> tuple[str, str]:
        """A new conversation titled with the question, and its first turn, in one transaction (a crash between the
        two can no longer leave an empty conversation behind); returns (conversation id, answer id)."""
        conversation_id = _new_id()
        insert_turn, answer_id = self._turn_writer(conversation_id, question, answer)
        now = _now()
        row = {"id": conversation_id, "title": clean_title(question, strict=False), "created": now, "updated": now,
               "owner": owner}

        def work(conn: Connection) -> None:
            conn.execute(insert(conversations).values(**row))
            insert_turn(conn)

        self.write(work)
        log.debug("conversation %s started with turn %s", conversation_id, answer_id)
        return conversation_id, answer_id

    @staticmethod
    def _turn_writer(conversation_id: str, question: str,
                     answer: dict[str, Any]) -> tuple[Callable[[Connection], None], str]:
        """Validate a turn and return the statement that inserts it (run inside the caller's transaction)."""
        if not isinstance(question, str) or not question.strip():
            raise InvalidInput("question must be non-empty text", "question")
        if len(question) > MAX_QUESTION:
            raise InvalidInput(f"question is longer than {MAX_QUESTION} characters", "question")
        payload = _jsonable(answer)
        answer_id = _new_id()
        payload["answer_id"] = answer_id
        payload["conversation_id"] = conversation_id
        values = {"answer_id": answer_id, "conversation_id": conversation_id, "question": question,
                  "answer": payload, "created": _now()}

        def insert_turn(conn: Connection) -> None:
            conn.execute(insert(turns).values(**values))

        return insert_turn, answer_id

    def history(self, conversation_id: str, limit: int | None = None, owner: str = LOCAL_OWNER) -> builtins.list[Turn]:
        """The turns of a conversation, oldest first (the last `limit` ones when given), for follow-up context."""
        with self.reading() as conn:
            self._head(conn, conversation_id, owner)
            found = self._turns(conn, conversation_id, with_feedback=False)
        return found[-limit:] if limit else found

    def turn(self, answer_id: str, conversation_id: str | None = None, owner: str = LOCAL_OWNER) -> Turn:
        """One of the owner's turns by its answer id; with `conversation_id`, only a turn of that conversation."""
        query = (select(turns).join(conversations, conversations.c.id == turns.c.conversation_id)
                 .where(turns.c.answer_id == answer_id, conversations.c.owner == owner))
        with self.reading() as conn:
            if conversation_id is not None:
                self._head(conn, conversation_id, owner)
                query = query.where(turns.c.conversation_id == conversation_id)
            row = conn.execute(query).first()
            latest = self._corrections(conn, corrections.c.answer_id == answer_id).get(answer_id)
        if row is None:
            inside = f" in conversation {conversation_id!r}" if conversation_id is not None else ""
            raise NotFound(f"answer {answer_id!r} does not exist{inside}", "answer_id")
        return _turn(row, latest)

    def add_correction(self, conversation_id: str, answer_id: str, edit: dict[str, Any],
                       answer: dict[str, Any], owner: str = LOCAL_OWNER) -> TurnCorrection:
        """Record the coder's correction of how a turn's question was read, with the answer recomputed from it. The
        turn keeps its original answer; reads show the latest correction's answer (every correction is kept)."""
        edit_json, payload = _jsonable(edit), _jsonable(answer)
        payload["answer_id"], payload["conversation_id"] = answer_id, conversation_id
        now = _now()

        def work(conn: Connection) -> TurnCorrection:
            self._head(conn, conversation_id, owner)
            row = conn.execute(
                select(turns.c.answer).where(turns.c.answer_id == answer_id, turns.c.conversation_id == conversation_id)
            ).first()
            if row is None:
                raise NotFound(f"answer {answer_id!r} does not exist in conversation {conversation_id!r}", "answer_id")
            conn.execute(
                insert(corrections).values(
                    answer_id=answer_id, conversation_id=conversation_id, edit=edit_json, answer=payload, created=now,
                    owner=owner)
            )
            conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(updated=now))
            count = conn.execute(
                select(func.count()).select_from(corrections).where(corrections.c.answer_id == answer_id)
            ).scalar_one()
            return TurnCorrection(edit=edit_json, original=row.answer, created=now, count=int(count))

        result = self.write(work)
        log.debug("correction %d of answer %s in conversation %s", result.count, answer_id, conversation_id)
        return result

    # ------------------------------------------------------------------ feedback

    def add_feedback(self, answer_id: str, rating: Rating, comment: str | None = None,
                     owner: str = LOCAL_OWNER) -> FeedbackRow:
        """Record a thumbs up/down (and optional comment) on one of the owner's answers (another's is NotFound).
        Every rating is kept; the latest counts."""
        if rating not in ("up", "down"):
            raise InvalidInput("rating must be 'up' or 'down'", "rating")
        if comment is not None:
            if not isinstance(comment, str):
                raise InvalidInput("comment must be text", "comment")
            comment = comment.strip() or None
            if comment and len(comment) > MAX_COMMENT:
                raise InvalidInput(f"comment is longer than {MAX_COMMENT} characters", "comment")
        now = _now()

        def work(conn: Connection) -> FeedbackRow:
            row = conn.execute(
                select(turns.c.conversation_id, turns.c.answer)
                .join(conversations, conversations.c.id == turns.c.conversation_id)
                .where(turns.c.answer_id == answer_id, conversations.c.owner == owner)
            ).first()
            if row is None:
                raise NotFound(f"answer {answer_id!r} does not exist", "answer_id")
            latest = self._corrections(conn, corrections.c.answer_id == answer_id).get(answer_id)
            current = latest[0].answer if latest else row.answer  # the answer as the coder sees it now
            answer = current if isinstance(current, dict) else {}
            values = {
                "answer_id": answer_id,
                "conversation_id": row.conversation_id,
                "rating": rating,
                "comment": comment,
                "verdict": _short(answer.get("verdict"), 16),
                "engine": _short(answer.get("engine"), 120),
                "knowledge_version": _short(answer.get("knowledge_version"), 120),
                "created": now,
            }
            key = conn.execute(insert(feedback).values(**values, owner=owner)).inserted_primary_key
            assert key is not None  # an INSERT returns the new row's key
            return FeedbackRow(id=key[0], **values)

        result = self.write(work)
        log.debug("feedback %s on answer %s", result.rating, answer_id)
        return result

    def feedback_rows(self, owner: str | None = None) -> builtins.list[FeedbackRow]:
        """Feedback (the owner's, or everyone's for the team's review when None), oldest first, with the question
        and answer text when the conversation still exists."""
        query = (
            select(feedback, turns.c.question, turns.c.answer.label("answer_json"))
            .outerjoin(turns, turns.c.answer_id == feedback.c.answer_id)
            .order_by(feedback.c.id)
        )
        if owner is not None:
            query = query.where(feedback.c.owner == owner)
        with self.reading() as conn:
            rows = conn.execute(query).all()
            latest = self._corrections(conn, corrections.c.answer_id.in_(select(feedback.c.answer_id)))
        out = []
        for r in rows:
            current = latest[r.answer_id][0].answer if r.answer_id in latest else r.answer_json
            answer = current if isinstance(current, dict) else None
            out.append(
                FeedbackRow(
                    id=r.id,
                    created=_utc(r.created),
                    answer_id=r.answer_id,
                    conversation_id=r.conversation_id,
                    rating=r.rating,
                    comment=r.comment,
                    verdict=r.verdict,
                    engine=r.engine,
                    knowledge_version=r.knowledge_version,
                    owner=r.owner,
                    question=r.question,
                    answer=str(answer.get("answer")) if answer and answer.get("answer") is not None else None,
                )
            )
        return out

    def feedback_csv(self) -> str:
        """feedback_rows() as CSV text (spreadsheet-safe), for the team lead's review."""
        from advisor.store.export import feedback_csv

        return feedback_csv(self.feedback_rows())

    # ------------------------------------------------------------------ per owner

    def delete_history(self, owner: str) -> HistoryDeleted:
        """Remove everything the owner stored: conversations, their turns and corrections, and the owner's feedback
        (ratings included: the owner asked for all of it to go)."""

        def work(conn: Connection) -> HistoryDeleted:
            mine = select(conversations.c.id).where(conversations.c.owner == owner)
            conn.execute(delete(corrections).where(corrections.c.conversation_id.in_(mine)))
            conn.execute(delete(turns).where(turns.c.conversation_id.in_(mine)))
            n_conv = conn.execute(delete(conversations).where(conversations.c.owner == owner)).rowcount
            n_fb = conn.execute(delete(feedback).where(feedback.c.owner == owner)).rowcount
            return HistoryDeleted(conversations=int(n_conv or 0), feedback=int(n_fb or 0))

        done = self.write(work)
        log.info("history of %s deleted: %d conversations, %d feedback", owner, done.conversations, done.feedback)
        return done

    def usage(self, since: datetime) -> builtins.list[OwnerUsage]:
        """Per owner since `since`: questions asked, conversations touched, corrections, ratings up and down."""
        def count(column: Any, *where: ColumnElement[bool]) -> Any:
            return select(column.label("owner"), func.count().label("n")).where(*where).group_by(column)

        asked = (select(conversations.c.owner.label("owner"), func.count().label("n"))
                 .join(turns, turns.c.conversation_id == conversations.c.id)
                 .where(turns.c.created >= since).group_by(conversations.c.owner))
        queries = {
            "questions": asked,
            "conversations": count(conversations.c.owner, conversations.c.updated >= since),
            "corrections": count(corrections.c.owner, corrections.c.created >= since),
            "thumbs_up": count(feedback.c.owner, feedback.c.created >= since, feedback.c.rating == "up"),
            "thumbs_down": count(feedback.c.owner, feedback.c.created >= since,
                                 feedback.c.rating == "down"),
        }
        figures: dict[str, dict[str, int]] = {}
        with self.reading() as conn:
            for name, query in queries.items():
                for r in conn.execute(query).all():
                    figures.setdefault(r.owner, {})[name] = int(r.n)
        return [OwnerUsage(owner=o, **f) for o, f in sorted(figures.items())]

    def owned(self, owner: str) -> OwnedStore:
        """This store seen by one owner: what the answer pipeline and corrections write and read through."""
        return OwnedStore(self, owner)

    # ------------------------------------------------------------------ helpers

    def _head(self, conn: Connection, conversation_id: str, owner: str) -> Any:
        """The owner's conversation; another owner's is NotFound, exactly as one that does not exist."""
        row = conn.execute(select(conversations).where(*_mine(conversation_id, owner))).first()
        if row is None:
            raise NotFound(f"conversation {conversation_id!r} does not exist", "conversation_id")
        return row

    def _corrections(self, conn: Connection, where: ColumnElement[bool]) -> dict[str, tuple[Any, int]]:
        """The latest correction of each turn matching `where`, with how many corrections that turn has had."""
        latest = (
            select(corrections.c.answer_id, func.max(corrections.c.id).label("last"), func.count().label("n"))
            .where(where)
            .group_by(corrections.c.answer_id)
            .subquery()
        )
        rows = conn.execute(select(corrections, latest.c.n).join(latest, corrections.c.id == latest.c.last)).all()
        return {r.answer_id: (r, int(r.n)) for r in rows}

    def _turns(self, conn: Connection, conversation_id: str, with_feedback: bool = True) -> builtins.list[Turn]:
        rows = conn.execute(
            select(turns).where(turns.c.conversation_id == conversation_id).order_by(turns.c.seq)
        ).all()
        fixes = self._corrections(conn, corrections.c.conversation_id == conversation_id) if rows else {}
        latest: dict[str, FeedbackState] = {}
        if with_feedback and rows:
            fb = conn.execute(
                select(feedback)
                .where(feedback.c.answer_id.in_([r.answer_id for r in rows]))
                .order_by(feedback.c.id)
            ).all()
            for f in fb:
                latest[f.answer_id] = FeedbackState(rating=f.rating, comment=f.comment, created=_utc(f.created))
        return [_turn(r, fixes.get(r.answer_id), latest.get(r.answer_id)) for r in rows]


class OwnedStore:
    """The slice of ConversationStore the answer pipeline and a correction use (advisor.answer's
    ConversationStoreLike and CorrectionStore), bound to one owner: every read and write is that owner's."""

    def __init__(self, store: ConversationStore, owner: str) -> None:
        self.store, self.owner = store, owner

    def create(self, title: str) -> Conversation:
        return self.store.create(title, owner=self.owner)

    def history(self, conversation_id: str, limit: int | None = None) -> builtins.list[Turn]:
        return self.store.history(conversation_id, limit, owner=self.owner)

    def add_turn(self, conversation_id: str, question: str, answer: dict[str, Any]) -> str:
        return self.store.add_turn(conversation_id, question, answer, owner=self.owner)

    def start(self, question: str, answer: dict[str, Any]) -> tuple[str, str]:
        return self.store.start(question, answer, owner=self.owner)

    def turn(self, answer_id: str, conversation_id: str | None = None) -> Turn:
        return self.store.turn(answer_id, conversation_id, owner=self.owner)

    def add_correction(self, conversation_id: str, answer_id: str, edit: dict[str, Any],
                       answer: dict[str, Any]) -> TurnCorrection:
        return self.store.add_correction(conversation_id, answer_id, edit, answer, owner=self.owner)


def _mine(conversation_id: str, owner: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The conversation, if it is the owner's."""
    return conversations.c.id == conversation_id, conversations.c.owner == owner


def _turn(row: Any, latest: tuple[Any, int] | None, feedback_state: FeedbackState | None = None) -> Turn:
    """A stored turn as read: the latest correction's answer when the coder corrected the reading (the original
    answer and the correction are kept beside it), else the answer as first given."""
    correction = None
    answer = row.answer
    if latest is not None:
        fix, count = latest
        answer = fix.answer
        correction = TurnCorrection(edit=fix.edit, original=row.answer, created=_utc(fix.created), count=count)
    return Turn(answer_id=row.answer_id, question=row.question, answer=answer, created=_utc(row.created),
                feedback=feedback_state, correction=correction)


def _short(value: Any, size: int) -> str | None:
    if value is None:
        return None
    return str(value)[:size]

"""ask(question, conversation) -> Answer, as a LangChain Runnable sequence:

    read (+ previous turn) -> rules engine (recommend/check, verdict) or table look-up -> hybrid retrieval -> write
    -> guard/finish

Each step is a RunnableLambda over one state dict, so the steps can be traced, timed, streamed or swapped
(an LLM engine replaces only `write`). The verdict and claim lines are fixed before any writer runs.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from advisor.answer.compose import Composed, search_query
from advisor.answer.lookup import answer_lookup
from advisor.answer.model import Answer, AskRequest, Understanding
from advisor.answer.understood import view_of
from advisor.answer.verdict import Decision, decide, lookup_verdict, unsupported_verdict
from advisor.encoder.localities import checked_locality
from advisor.encoder.payment import estimate_if_imported
from advisor.errors import NotFound
from advisor.reader.encounter import to_encounter
from advisor.reader.followup import read_turn
from advisor.rules.context import applied_policy
from advisor.rules.model import Payer
from advisor.settings import Settings

if TYPE_CHECKING:
    from advisor.services import Services

log = logging.getLogger("advisor.answer")
Event = Callable[[str, dict[str, Any]], None]
HISTORY_TURNS = 6


class TurnLike(Protocol):
    question: str
    answer: dict[str, Any]


class ConversationStoreLike(Protocol):
    """The slice of advisor.store.ConversationStore the pipeline uses (a memory version stands in for tests/eval)."""

    def create(self, title: str) -> Any: ...

    def history(self, conversation_id: str, limit: int | None = None) -> list[Any]: ...

    def add_turn(self, conversation_id: str, question: str, answer: dict[str, Any]) -> str: ...

    def start(self, question: str, answer: dict[str, Any]) -> tuple[str, str]: ...


@dataclass
class _MemTurn:
    question: str
    answer: dict[str, Any]


@dataclass
class _MemConversation:
    id: str


class MemoryStore:
    """Conversations in a dict: for the CLI's one-shot answers, the evaluation and tests."""

    def __init__(self) -> None:
        self._turns: dict[str, list[_MemTurn]] = {}
        self._lock = threading.Lock()

    def create(self, title: str) -> _MemConversation:
        cid = uuid.uuid4().hex
        with self._lock:
            self._turns[cid] = []
        return _MemConversation(cid)

    def history(self, conversation_id: str, limit: int | None = None) -> list[_MemTurn]:
        with self._lock:
            if conversation_id not in self._turns:
                raise NotFound(f"conversation {conversation_id!r} does not exist", "conversation_id")
            turns = list(self._turns[conversation_id])
        return turns[-limit:] if limit else turns

    def add_turn(self, conversation_id: str, question: str, answer: dict[str, Any]) -> str:
        answer_id = uuid.uuid4().hex
        with self._lock:
            if conversation_id not in self._turns:
                raise NotFound(f"conversation {conversation_id!r} does not exist", "conversation_id")
            self._turns[conversation_id].append(_MemTurn(question, dict(answer, answer_id=answer_id)))
        return answer_id

    def start(self, question: str, answer: dict[str, Any]) -> tuple[str, str]:
        cid = self.create(question).id
        return cid, self.add_turn(cid, question, dict(answer, conversation_id=cid))


class AnswerPipeline:
    """One per process: holds the engine and reaches the catalog, the searcher and the conversation store."""

    def __init__(self, settings: Settings, catalog: Callable[[], Any] | Any,
                 searcher: Callable[[], Any] | Any | None = None,
                 store: ConversationStoreLike | None = None, engine: Any = None,
                 index_notice: Callable[[], str | None] | None = None) -> None:
        from advisor.answer.engines import make_engine

        self.settings = settings
        self._catalog = catalog
        self._searcher = searcher
        self._index_notice = index_notice
        self.store = store if store is not None else MemoryStore()
        self.engine = engine or make_engine(settings)
        # from an understanding on: the chain after reading, also run on its own for a coder's correction
        self.from_understanding: Runnable[dict[str, Any], dict[str, Any]] = (
            RunnableLambda(self._rules, name="rules")
            | RunnableLambda(self._retrieve, name="retrieve")
            | RunnableLambda(self._write, name="write")
            | RunnableLambda(self._finish, name="finish")
        )
        self.chain: Runnable[dict[str, Any], dict[str, Any]] = (
            RunnableLambda(self._understand, name="understand") | self.from_understanding)

    @property
    def catalog(self) -> Any:
        """The rules catalog; given as a callable (the app's), so newly imported CMS tables apply without a restart."""
        return self._catalog() if callable(self._catalog) else self._catalog

    @property
    def searcher(self) -> Any | None:
        """The hybrid searcher, resolved on first use (a factory lets the app build it lazily; while the factory
        returns None, the index is still building and it is asked again on the next question)."""
        if callable(self._searcher) and not hasattr(self._searcher, "search"):
            try:
                found = self._searcher()
            except Exception as exc:  # noqa: BLE001 - answers still come from the rules without passages
                log.warning("retrieval unavailable (%s); answering without citations", type(exc).__name__)
                found = self._searcher = None
            if found is None:
                return None
            self._searcher = found
        return self._searcher

    def section(self, ref: str) -> Any:
        """The knowledge section a rule declares as its explanation ('doc-id#Heading'), read from knowledge/."""
        from advisor.retrieval.sections import section

        return section(self.settings.knowledge_dir, ref)

    def labels(self) -> dict[str, str]:
        return {fid: fam.label for fid, fam in self.catalog.registry.families.items()}

    def descriptors(self) -> dict[str, str]:
        return {code: info.descriptor for code, info in self.catalog.codes.items()}

    def knowledge_version(self) -> str | None:
        searcher = self.searcher
        index = getattr(searcher, "_index", None)
        version = getattr(searcher, "knowledge_version", None) or getattr(index, "version", None)
        catalog = getattr(self.catalog, "version", None)
        return f"{version or 'none'}+rules-{catalog}" if catalog else version

    # --- steps -----------------------------------------------------------------------------------------------------

    def _understand(self, state: dict[str, Any]) -> dict[str, Any]:
        request: AskRequest = state["request"]
        catalog = self.catalog
        previous = state.get("previous")
        reading = read_turn(request.question, None if previous is None else
                            Understanding.model_validate(previous).reading, catalog)
        encounter = to_encounter(reading, catalog, request.payer, self.settings.default_payer)
        self._emit(state, "stage", {"stage": "understood", "kind": reading.kind})
        return state | {"understanding": Understanding(reading=reading, encounter=encounter)}

    def _rules(self, state: dict[str, Any]) -> dict[str, Any]:
        u: Understanding = state["understanding"]
        reading = u.reading
        if reading.kind == "out_of_scope":
            return state | {"decision": None}
        if reading.kind == "unsupported":
            return state | {"decision": Decision(None, None, [], [], unsupported_verdict(reading, self.catalog))}
        if reading.kind == "lookup" and reading.lookup is not None:
            facts = answer_lookup(reading, reading.lookup, self.catalog)
            return state | {"decision": Decision(None, None, [], [], lookup_verdict(reading, facts), lookup=facts)}
        decision = decide(reading, u.encounter, self.catalog)
        u.proposal = decision.proposal
        self._emit(state, "stage", {"stage": "checked", "verdict": decision.verdict})
        return state | {"decision": decision}

    def _retrieve(self, state: dict[str, Any]) -> dict[str, Any]:
        u: Understanding = state["understanding"]
        decision = state["decision"]
        if decision is None or u.reading.kind == "unsupported":
            return state | {"passages": []}
        if self.searcher is None:
            notice = self._index_notice() if self._index_notice is not None else None
            return state | {"passages": [], "index_notice": notice}
        query = search_query(state["request"].question, u, decision.claim, decision.findings)
        try:
            passages = self.searcher.search(query, k=5)
        except Exception as exc:  # noqa: BLE001 - the rules answer stands without passages
            log.warning("search failed (%s); answering without citations", type(exc).__name__)
            passages = []
        self._emit(state, "stage", {"stage": "retrieved", "passages": len(passages)})
        return state | {"passages": passages}

    def _write(self, state: dict[str, Any]) -> dict[str, Any]:
        composed: Composed = self.engine.write(state, self)
        return state | {"composed": composed}

    def _finish(self, state: dict[str, Any]) -> dict[str, Any]:
        from advisor.answer.guard import guard_offline

        u: Understanding = state["understanding"]
        decision: Decision | None = state["decision"]
        composed: Composed = state["composed"]
        text, citations = guard_offline(composed.text, composed.citations)
        answer = Answer(
            answer=text, verdict=decision.verdict if decision else None, kind=u.reading.kind,
            claim=decision.claim if decision else [], findings=decision.findings if decision else [],
            citations=citations, lookup=decision.lookup if decision else [], questions=list(u.reading.questions),
            engine=composed.engine or self.engine.name, engine_label=composed.engine_label or self.engine.label,
            engine_remote=composed.remote,
            notice=" ".join(n for n in (state.get("index_notice"), composed.notice) if n) or None,
            knowledge_version=self.knowledge_version(), understanding=u,
            understood=view_of(u, self.catalog),
            applied=applied_policy(u.encounter.facts, self.catalog) if u.reading.kind != "out_of_scope" else None,
        )
        facts = u.encounter.facts
        if answer.claim and facts.payer == Payer.MEDICARE:  # additive: the fee schedule view of the same claim
            answer.estimate = estimate_if_imported(answer.claim, self.catalog, facts.date_of_service,
                                                   self.settings.conversion_factor, state["request"].locality)
        return state | {"answer": answer}

    @staticmethod
    def _emit(state: dict[str, Any], kind: str, data: dict[str, Any]) -> None:
        callback = state.get("on_event")
        if callback is not None:
            callback(kind, data)

    # --- entry point -----------------------------------------------------------------------------------------------

    def ask(self, request: AskRequest, on_event: Event | None = None,
            previous: dict[str, Any] | None = None, store: ConversationStoreLike | None = None) -> Answer:
        """Answer one question in its conversation and store the turn (unknown conversation id -> NotFound).
        `previous` is the understanding a conversation kept outside the store carries in (see `reading_after`); a
        stored conversation's own turns take precedence. `store` is the signed-in user's view of the conversation
        store (default the pipeline's own)."""
        started = time.perf_counter()
        store = store if store is not None else self.store
        if request.locality is not None:  # an unknown locality is a 422 before any work (its key from here on)
            request = request.model_copy(update={"locality": checked_locality(self.catalog, request.locality)})
        if request.conversation_id:
            turns = store.history(request.conversation_id, limit=HISTORY_TURNS)
            previous = next((t.answer.get("understanding") for t in reversed(turns)
                             if isinstance(t.answer, dict) and t.answer.get("understanding")), None)
        state = self.chain.invoke({"request": request, "previous": previous, "on_event": on_event})
        answer: Answer = state["answer"]
        if request.conversation_id:
            conversation_id = answer.conversation_id = request.conversation_id
            answer.answer_id = store.add_turn(conversation_id, request.question, answer.model_dump(mode="json"))
        else:  # the conversation and its first turn in one transaction
            conversation_id, answer.answer_id = store.start(request.question, answer.model_dump(mode="json"))
            answer.conversation_id = conversation_id
        elapsed = (time.perf_counter() - started) * 1000
        if self.settings.log_text:
            log.info("ask %s: %r -> %r", conversation_id, request.question, answer.answer)
        log.info("ask conversation=%s kind=%s verdict=%s lines=%d engine=%s %.1f ms", conversation_id,
                 answer.kind, answer.verdict, len(answer.claim), answer.engine, elapsed)
        return answer

    def reading_after(self, questions: list[str], payer: str | None = None) -> dict[str, Any] | None:
        """The understanding a conversation of these earlier questions carries into its next turn: each question
        read against the one before, as `ask` reads a stored conversation's turns; nothing is answered or stored
        (for a client that keeps the conversation itself, e.g. the OpenAI-compatible endpoint)."""
        previous: dict[str, Any] | None = None
        for question in questions:
            state = self._understand({"request": AskRequest(question=question, payer=payer), "previous": previous})
            previous = state["understanding"].model_dump(mode="json")
        return previous

    def recompute(self, question: str, understanding: Understanding, payer: str | None,
                  on_event: Event | None = None) -> Answer:
        """The answer for an understanding given from outside (the coder's corrected reading): rules, retrieval and
        the writer, without reading the question again. Nothing is stored; the caller decides where it goes."""
        request = AskRequest(question=question, payer=payer)
        state = self.from_understanding.invoke({"request": request, "understanding": understanding,
                                                "on_event": on_event})
        answer: Answer = state["answer"]
        return answer


def make_pipeline(services: Services) -> AnswerPipeline:
    """The app's pipeline over its services (catalog, searcher, store), built lazily by Services.answerer. While the
    server's startup build of the index runs, questions are answered by the rules at once, with a notice."""
    retrieval = services.retrieval
    return AnswerPipeline(services.settings, lambda: services.catalog, searcher=retrieval.searcher_if_ready,
                          store=services.store, index_notice=retrieval.notice)

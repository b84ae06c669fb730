"""Engines write the answer text: `offline` (templates, no LLM, no network) or an LLM through LangChain.

`make_engine(settings)`:
  offline    -> OfflineEngine
  openai     -> ChatOpenAI(base_url=...) : any OpenAI-compatible server (vLLM, Ollama /v1, llama.cpp, LM Studio, OpenAI)
  anthropic  -> ChatAnthropic
  ollama     -> ChatOllama
An LLM engine must call the tools; its text goes through the guard. If it fails, times out
(settings.llm_timeout_s) or skips the rules tools, the offline answer is returned with a visible notice.
Every LLM engine sees the question with patient identifiers replaced by placeholders (advisor.privacy.redact); the
reply shown gets the originals back. With ADVISOR_REMOTE_LLM=forbid, a remote engine is not built at all.
"""

from __future__ import annotations

import concurrent.futures
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from advisor.answer.compose import SYSTEM_PROMPT, CitationRegistry, Composed, user_prompt, write_offline
from advisor.answer.guard import check_text, supported_terms
from advisor.answer.tools import ToolLog, make_tools
from advisor.claims import format_line
from advisor.errors import InvalidInput
from advisor.privacy.redact import Redactor
from advisor.settings import Settings, remote_llm_problem

log = logging.getLogger("advisor.answer")
MAX_ROUNDS = 6
VERDICT_LEAD = re.compile(r"^\s*(\*\*)?(yes|no|it depends)\b[.!,:]?(\*\*)?", re.IGNORECASE)
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")


class OfflineEngine:
    """Deterministic: the templated writer over the rules engine's decision and the retrieved passages."""

    name = "offline"
    label = "Offline rules engine"

    def write(self, state: dict[str, Any], pipeline: Any) -> Composed:
        return write_offline(state["understanding"], state["decision"], state.get("passages", []), pipeline.labels(),
                             pipeline.descriptors(), pipeline.section)


class ChatEngine:
    """An LLM (any LangChain chat model with tool calling) that must use the tools; guarded; offline fallback."""

    def __init__(self, model: Any, name: str, label: str, timeout_s: float, remote: bool = False) -> None:
        self.model = model
        self.name = name
        self.label = label
        self.timeout_s = timeout_s
        self.remote = remote  # the model runs off this machine: the answer says so
        self.offline = OfflineEngine()

    def write(self, state: dict[str, Any], pipeline: Any) -> Composed:
        if state["decision"] is None or state["understanding"].reading.kind != "claim":
            # out of scope, unsupported, a look-up or a question to ask back: the tables and templates answer
            return self._fallback(state, pipeline, None)
        deadline = time.monotonic() + self.timeout_s
        redactor = Redactor()
        try:
            future = _POOL.submit(self._run, state, pipeline, deadline, redactor)
            text, tool_log = future.result(timeout=self.timeout_s)
        except concurrent.futures.TimeoutError:
            return self._fallback(state, pipeline, f"{self.name} did not answer within {self.timeout_s:g} s")
        except Exception as exc:  # noqa: BLE001 - any model/server failure falls back, visibly
            log.warning("llm engine %s failed: %s", self.name, type(exc).__name__)
            return self._fallback(state, pipeline, f"{self.name} failed ({type(exc).__name__})")
        if not tool_log.used_rules:
            return self._fallback(state, pipeline, f"{self.name} answered without calling the rules engine tools")
        if not text.strip():
            return self._fallback(state, pipeline, f"{self.name} returned an empty answer")
        composed = self._guarded(text, tool_log, state)
        composed.text = redactor.restore(composed.text)  # after the guard: identifiers are never taken for codes
        return composed

    def _run(self, state: dict[str, Any], pipeline: Any, deadline: float,
             redactor: Redactor) -> tuple[str, ToolLog]:
        tool_log = ToolLog(CitationRegistry([]))
        tools = make_tools(state, pipeline, tool_log)
        by_name = {t.name: t for t in tools}
        bound = self.model.bind_tools(tools)
        d = state["decision"]
        messages: list[BaseMessage] = [
            SystemMessage(SYSTEM_PROMPT),
            HumanMessage(user_prompt(redactor.redact(state["request"].question), state["understanding"], d.verdict,
                                     d.claim, pipeline.labels())),
        ]
        for _ in range(MAX_ROUNDS):
            if time.monotonic() > deadline:
                raise TimeoutError("deadline passed")
            reply = bound.invoke(messages)
            if not isinstance(reply, AIMessage):
                raise TypeError("the model did not return an AI message")
            messages.append(reply)
            if not reply.tool_calls:
                return _text(reply), tool_log
            for call in reply.tool_calls:
                tool = by_name.get(call["name"])
                if tool is None:
                    output = f'{{"error": "unknown tool {call["name"]}"}}'
                else:
                    try:
                        output = tool.invoke(call["args"])
                    except (InvalidInput, ValueError, TypeError) as exc:
                        output = f'{{"error": "{type(exc).__name__}: bad arguments"}}'
                messages.append(ToolMessage(content=str(output), tool_call_id=call.get("id") or call["name"]))
        raise RuntimeError("too many tool rounds")

    def _guarded(self, text: str, tool_log: ToolLog, state: dict[str, Any]) -> Composed:
        d = state["decision"]
        evidence = tool_log.results + [state["request"].question] + [format_line(ln) for ln in d.claim] + \
            [f.message for f in d.findings] + [c.text for c in tool_log.registry.citations]
        codes, modifiers = supported_terms(evidence)
        clean, citations, report = check_text(text, codes, modifiers, tool_log.registry.citations)
        notices = [notice] if (notice := report.notice()) else []
        lead = VERDICT_LEAD.match(clean)
        if d.verdict and lead and _verdict_word(lead.group(2)) != d.verdict:
            clean = clean[lead.end():].lstrip()
            notices.append("The model's yes/no disagreed with the rules engine and was replaced.")
        if d.verdict:
            words = {"yes": "Yes", "no": "No", "conditional": "It depends"}
            clean = f"**{words[d.verdict]}** (rules engine verdict).\n\n{clean}"
        return Composed(clean, citations, " ".join(notices) or None, engine=self.name, engine_label=self.label,
                        remote=self.remote)

    def _fallback(self, state: dict[str, Any], pipeline: Any, why: str | None) -> Composed:
        composed = self.offline.write(state, pipeline)
        if why:
            composed.notice = f"{why}; this is the offline rules engine's answer."
            log.warning("llm fallback: %s", why)
        composed.engine, composed.engine_label = self.offline.name, self.offline.label
        return composed


def _verdict_word(word: str) -> str:
    return {"yes": "yes", "no": "no"}.get(word.lower(), "conditional")


def _text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content or "")


ModelFactory = Callable[[Settings], Any]


def _openai(settings: Settings) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=settings.llm_model or "gpt-4o-mini", base_url=settings.llm_base_url,
                      api_key=settings.llm_api_key or "not-needed", timeout=settings.llm_timeout_s, max_retries=0,
                      temperature=0)


def _anthropic(settings: Settings) -> Any:
    from langchain_anthropic import ChatAnthropic

    kwargs: dict[str, Any] = {"model": settings.llm_model or "claude-sonnet-4-5", "timeout": settings.llm_timeout_s,
                              "max_retries": 0, "temperature": 0}
    if settings.llm_api_key:
        kwargs["api_key"] = settings.llm_api_key
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    return ChatAnthropic(**kwargs)


def _ollama(settings: Settings) -> Any:
    from langchain_ollama import ChatOllama

    return ChatOllama(model=settings.llm_model or "llama3.1", base_url=settings.llm_base_url, temperature=0)


FACTORIES: dict[str, tuple[ModelFactory, str]] = {
    "openai": (_openai, "OpenAI-compatible"), "anthropic": (_anthropic, "Anthropic"), "ollama": (_ollama, "Ollama"),
}


def make_engine(settings: Settings, model: Any = None) -> OfflineEngine | ChatEngine:
    """The engine settings.engine names; `model` injects a chat model (tests: scripted fakes). A remote engine
    under ADVISOR_REMOTE_LLM=forbid is a ValueError (settings read from the environment refuse it already)."""
    if settings.engine == "offline" and model is None:
        return OfflineEngine()
    if problem := remote_llm_problem(settings.remote_llm, settings.engine, settings.llm_base_url):
        raise ValueError(problem)
    factory, family = FACTORIES.get(settings.engine, FACTORIES["openai"])
    chat = model if model is not None else factory(settings)
    name = settings.llm_model or getattr(chat, "model_name", None) or getattr(chat, "model", None) or settings.engine
    remote = settings.llm_remote
    label = f"Remote LLM, {family}: {name}" if remote else f"{family}: {name}"
    return ChatEngine(chat, str(name), label, settings.llm_timeout_s, remote=remote)

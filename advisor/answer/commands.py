"""`advisor ask "..." [--json] [--payer] [--conversation] [--locality]`: the CLI face of the answer pipeline."""

from __future__ import annotations

from collections.abc import Callable

from advisor.answer.model import Answer, AskRequest
from advisor.claims import format_line
from advisor.settings import Settings


def run_ask(settings: Settings, question: str, payer: str | None, conversation: str | None, as_json: bool,
            markdown: Callable[[str], str] | None = None, locality: str | None = None) -> str:
    """Answer one question on a running server (advisor.remote) or else with the app's services in process (same
    store, searcher and engine as the API); the request is validated here either way. `markdown` renders the
    answer's Markdown for a terminal (advisor.terminal); without it the Markdown is printed raw."""
    from advisor.remote import via_server

    request = AskRequest(question=question, payer=payer, conversation_id=conversation, locality=locality)
    served = via_server(settings, "POST", "/api/ask", request.model_dump(mode="json", exclude_none=True))
    if served is not None:
        answer = Answer.model_validate(served)
    else:
        from advisor.services import Services

        answer = Services(settings).answerer.ask(request)
    if as_json:
        return answer.model_dump_json(indent=2, exclude={"understanding"})
    return render(answer, markdown)


def render(answer: Answer, markdown: Callable[[str], str] | None = None) -> str:
    """Plain-text rendering: the answer (its Markdown raw, or through `markdown`), the claim, the citations, the
    engine and ids."""
    out = [markdown(answer.answer) if markdown is not None else answer.answer]
    if answer.notice:
        out.append(f"Notice: {answer.notice}")
    if answer.claim:
        out.append("Claim: " + ", ".join(format_line(ln) for ln in answer.claim))
    if answer.estimate is not None:
        from advisor.encoder.commands import render_estimate

        out.append(render_estimate(answer.estimate))
    if answer.citations:
        out.append("Sources:")
        out += [f"  [{c.n}] {c.title} — {c.section} ({c.doc})" for c in answer.citations]
    if answer.applied is not None:
        out.append(f"Checked as: {answer.applied.statement}")
    out.append(f"({answer.engine_label}; conversation {answer.conversation_id}; answer {answer.answer_id})")
    return "\n\n".join(out)

"""The advisor's operations, one implementation each, shared by every front end that offers them: the JSON API
(advisor/api), the MCP server (advisor/mcp) and the OpenAI-compatible endpoint. Each takes a validated request and
the app's Services and returns the model the JSON API returns, so the same input gives the same result everywhere.

Importing this module loads no model and opens nothing: the heavy parts are reached through Services on call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from advisor.answer.model import Answer, AskRequest, LookupFact
from advisor.api.principal import LOCAL_ID as LOCAL_OWNER
from advisor.claims import MAX_LINES, ClaimLine, coerce_lines
from advisor.errors import InvalidInput
from advisor.retrieval.passage import MAX_K, MAX_QUERY_CHARS, Passage
from advisor.rules.model import CheckResult, Encounter, Facts, Payer, Recommendation

if TYPE_CHECKING:
    from advisor.services import Services


# --------------------------------------------------------------------------- check


class CheckRequest(BaseModel):
    """Claim lines as text (`64493-50 x1`) or objects, the payer, and optional encounter facts."""

    model_config = ConfigDict(extra="forbid")

    lines: list[str | ClaimLine | dict[str, Any]] = Field(
        ..., max_length=MAX_LINES, examples=[["99213-25", "64493-50", "64494-50"]],
        description=f"The claim lines of one date of service (at most {MAX_LINES}): 'CODE[-MOD...][ xUNITS]' "
                    "text such as '64493-50' or '64636 x2', or {code, modifiers, units} objects.")
    payer: Payer | None = Field(None, description="medicare | commercial; overrides facts.payer.")
    facts: Facts = Field(default_factory=Facts, description="Encounter facts that change the decision.")


def check_claim(body: CheckRequest, services: Services) -> CheckResult:
    """Run the rules engine over the claim lines (a bad line is an InvalidInput naming it)."""
    from advisor.rules.engine import check

    lines = coerce_lines(list(body.lines))
    facts = body.facts if body.payer is None else body.facts.model_copy(update={"payer": body.payer})
    return check(lines, facts, services.catalog)


# --------------------------------------------------------------------------- recommend


def recommend_codes(encounter: Encounter, services: Services) -> Recommendation:
    """The claim lines for a structured encounter, checked like any claim; an unknown procedure family is an
    InvalidInput naming the procedure and the families the catalog knows."""
    from advisor.rules.engine import recommend

    catalog = services.catalog
    known = {fid for fid, fam in catalog.registry.families.items() if fam.procedure}
    for i, proc in enumerate(encounter.procedures):
        if proc.family not in known:
            raise InvalidInput(f"procedures[{i}].family: unknown procedure family {proc.family!r}; known: "
                               f"{', '.join(sorted(known))}", f"procedures[{i}].family")
    if not encounter.procedures and not (encounter.em and encounter.em.code):
        raise InvalidInput("describe at least one procedure (or an E/M visit with its code)", "procedures")
    return recommend(encounter, catalog)


# --------------------------------------------------------------------------- search


class SearchRequest(BaseModel):
    """A question or keywords, how many passages, and optional code/topic filters."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(..., examples=["bilateral L4-5 L5-S1 medial branch block units"],
                       description=f"A coder's question or keywords (at most {MAX_QUERY_CHARS} characters).")
    k: int = Field(5, description=f"Passages to return, 1-{MAX_K}.")
    codes: list[str] | None = Field(None, max_length=20, examples=[["64495"]],
                                    description="Only passages about these codes.")
    topics: list[str] | None = Field(None, max_length=20, examples=[["facet"]],
                                     description="Only documents with these topics.")

    @field_validator("query")
    @classmethod
    def _query(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        if len(v) > MAX_QUERY_CHARS:
            raise ValueError(f"is {len(v)} characters; the limit is {MAX_QUERY_CHARS}")
        return v

    @field_validator("k")
    @classmethod
    def _k(cls, v: int) -> int:
        if not 1 <= v <= MAX_K:
            raise ValueError(f"must be from 1 to {MAX_K}, got {v}")
        return v


class SearchResponse(BaseModel):
    results: list[Passage]


def search_guidance(body: SearchRequest, services: Services) -> SearchResponse:
    """Passages need the index: while it builds, raise IndexBuilding at once saying how far it is (never wait)."""
    searcher = services.retrieval.searcher_if_ready()
    if searcher is None:
        raise services.retrieval.building_error()
    return SearchResponse(results=searcher.search(body.query, k=body.k, codes=body.codes, topics=body.topics))


# --------------------------------------------------------------------------- ask


def ask(body: AskRequest, services: Services, previous: dict[str, Any] | None = None,
        on_event: Callable[..., None] | None = None, owner: str = LOCAL_OWNER) -> Answer:
    """Answer a question in its conversation (stored like every answer, in the `owner`'s history: another owner's
    conversation id is NotFound). `previous` is the reading a conversation held outside the store carries into this
    turn (the OpenAI endpoint's earlier messages, see `reading_after`); `on_event` hears each stage (a pool's
    cancellation check)."""
    return services.answerer.ask(body, previous=previous, on_event=on_event, store=services.store.owned(owner))


def reading_after(questions: list[str], services: Services, payer: str | None = None) -> dict[str, Any] | None:
    """The reading a conversation of these questions carries into its next turn: each read against the one before
    by the same follow-up rules /api/ask applies to stored turns; nothing is answered or stored."""
    return services.answerer.reading_after(questions, payer) if questions else None


def answer_text(answer: Answer) -> str:
    """The answer as one Markdown text for clients that show only text (an OpenAI chat, an MCP host): the answer
    with its [n] markers, any notice, then each cited passage's document, section and public sources."""
    out = [answer.answer]
    if answer.notice:
        out.append(f"*{answer.notice}*")
    if answer.citations:
        lines = ["**Sources**"]
        for c in answer.citations:
            where = f"{c.title} — {c.section}" if c.section else c.title
            links = f": {', '.join(c.sources[:3])}" if c.sources else ""
            lines.append(f"- [{c.n}] {where} (`{c.doc}`){links}")
        out.append("\n".join(lines))
    return "\n\n".join(out)


# --------------------------------------------------------------------------- look-up

LookupField = Literal["mue", "mai", "ptp", "global", "bilateral", "addon", "imaging", "payment"]
LOOKUP_FIELDS: tuple[LookupField, ...] = ("mue", "mai", "ptp", "global", "bilateral", "addon", "imaging", "payment")
DEFAULT_LOOKUP_FIELDS: tuple[LookupField, ...] = LOOKUP_FIELDS[:-1]  # payment only says no estimate is available


class LookupRequest(BaseModel):
    """Table facts about codes, asked without a question: the look-up path of /api/ask (advisor/answer/lookup.py)."""

    model_config = ConfigDict(extra="forbid")

    codes: list[str] = Field(..., min_length=1, max_length=10, examples=[["64493", "64494"]],
                             description="CPT/HCPCS codes, 5 characters each (e.g. 64493, G0260).")
    fields: list[LookupField] = Field(
        default_factory=lambda: list(DEFAULT_LOOKUP_FIELDS),
        description="mue and mai (units per line/day and the adjudication indicator), ptp (the edit between each "
                    "pair of codes), global (global days), bilateral (indicator), addon, imaging (guidance "
                    "included), payment. Default: all but payment.")

    @field_validator("codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        out = []
        for code in value:
            code = code.strip().upper()
            if len(code) != 5 or not code.isalnum():
                raise ValueError(f"{code!r} is not a CPT/HCPCS code (5 letters or digits, e.g. 64493)")
            out.append(code)
        return list(dict.fromkeys(out))


class LookupResult(BaseModel):
    facts: list[LookupFact]


def lookup(body: LookupRequest, services: Services) -> LookupResult:
    """The facts the look-up path of /api/ask gives for these codes and fields (curated or imported CMS tables)."""
    from advisor.answer.lookup import answer_lookup
    from advisor.reader.model import LookupRequest as ReaderLookup
    from advisor.reader.model import Reading

    request = ReaderLookup(codes=body.codes, fields=list(body.fields))
    return LookupResult(facts=answer_lookup(Reading(kind="lookup", lookup=request), request, services.catalog))


__all__ = ["LOOKUP_FIELDS", "CheckRequest", "LookupRequest", "LookupResult", "SearchRequest", "SearchResponse",
           "answer_text", "ask", "check_claim", "lookup", "reading_after", "recommend_codes", "search_guidance"]

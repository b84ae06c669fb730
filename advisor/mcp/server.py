"""The advisor as a Model Context Protocol server (official `mcp` SDK): tools over advisor.operations, the same
functions the JSON API calls, so a tool's structured result is the JSON API's body for the same input; the knowledge
documents as resources. `advisor mcp` serves it over stdio; `create_app` mounts it at /mcp (streamable HTTP, built
on the first request: advisor.mcp.mount).

Importing this module imports the SDK but builds nothing; `build_server` reads only the knowledge documents' front
matter (no model, no index, no network).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.server.mcpserver.resources import FunctionResource
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field, ValidationError

from advisor import __version__, operations
from advisor.answer.model import Answer, AskRequest, PayerName
from advisor.api.principal import LOCAL_ID, principal_of
from advisor.claims import MAX_LINES, ClaimLine
from advisor.encoder.codes import code_detail
from advisor.encoder.model import CodeDetail, PairLookup
from advisor.encoder.pairs import pair
from advisor.errors import AdvisorError
from advisor.operations import (
    CheckRequest,
    LookupField,
    LookupRequest,
    LookupResult,
    SearchRequest,
    SearchResponse,
    answer_text,
)
from advisor.retrieval.knowledge import browse_documents, get_document
from advisor.retrieval.passage import MAX_K
from advisor.rules.model import CheckResult, EMVisit, Encounter, Facts, Payer, Procedure, Recommendation
from advisor.services import Services

NAME = "pain-coding-advisor"
RESOURCE_SCHEME = "knowledge"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
INSTRUCTIONS = (
    "Interventional pain coding advice for US claims. The verdict, claim lines and findings come from a deterministic "
    "rules engine (NCCI PTP edits, MUEs, add-ons, bilateral rules, imaging bundling, modifiers, Medicare LCDs); every "
    "finding names its rule and public sources. Use check_claim for claim lines, recommend_codes for a structured "
    "encounter, ask for a question in plain English (pass conversation_id to follow up), search_guidance for "
    "passages, lookup for table facts about codes, lookup_code for one code's page and lookup_pair for the PTP edit "
    "between two codes. Guidance for coders, not legal or payer advice."
)
T = TypeVar("T")


def _run(work: Callable[[], T]) -> T:
    """Run one operation; bad input and an index still building come back as a tool error saying what to fix."""
    try:
        return work()
    except AdvisorError as exc:
        raise ToolError(exc.message) from None
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
                          for e in exc.errors())
        raise ToolError(where or "invalid arguments") from None


@contextmanager
def _root_logging_untouched() -> Iterator[None]:
    """The SDK calls logging.basicConfig (root logger, INFO) when a server is built; the host process (uvicorn, the
    CLI) owns logging, so the root logger gets a placeholder handler meanwhile, which makes basicConfig a no-op."""
    root = logging.getLogger()
    placeholder = None if root.handlers else logging.NullHandler()
    if placeholder is not None:
        root.addHandler(placeholder)
    try:
        yield
    finally:
        if placeholder is not None:
            root.removeHandler(placeholder)


def build_server(services: Services) -> MCPServer:
    """The MCP server over one Services object (the app's, when mounted on `advisor serve`)."""
    with _root_logging_untouched():
        server: MCPServer = MCPServer(NAME, title="Pain Coding Advisor", version=__version__,
                                      instructions=INSTRUCTIONS, log_level="WARNING")
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    @server.tool(annotations=read_only)
    def check_claim(
        lines: Annotated[list[str | ClaimLine], Field(min_length=1, max_length=MAX_LINES, description=(
            "The claim lines of one date of service: 'CODE[-MOD...][ xUNITS]' text such as '99213-25', "
            "'64493-50' or '64636 x2', or {code, modifiers, units} objects."))],
        payer: Annotated[Payer | None, Field(description="medicare | commercial; overrides facts.payer.")] = None,
        facts: Annotated[Facts | None, Field(description="Encounter facts that change the decision.")] = None,
    ) -> CheckResult:
        """Check the claim lines of one date of service against the rules engine: status, findings (rule id,
        severity, message, sources, confidence) and the corrected claim. Same result as POST /api/check."""
        return _run(lambda: operations.check_claim(
            CheckRequest(lines=list(lines), payer=payer, facts=facts or Facts()), services))

    @server.tool(annotations=read_only)
    def recommend_codes(
        procedures: Annotated[list[Procedure], Field(max_length=30, description=(
            "What was done, each with its family (e.g. facet_injection, tfesi, epidural_il, si_joint, facet_rfa, "
            "trigger_point, joint), region, levels, laterality, imaging, diagnostic..."))],
        em: Annotated[EMVisit | None, Field(description="The E/M visit, if one is billed or considered.")] = None,
        facts: Annotated[Facts | None, Field(description="Encounter facts (payer, setting, ...).")] = None,
    ) -> Recommendation:
        """The claim lines for a structured encounter, checked like any claim, with the findings and how each line
        was derived. Same result as POST /api/recommend."""
        return _run(lambda: operations.recommend_codes(
            Encounter(procedures=procedures, em=em, facts=facts or Facts()), services))

    @server.tool(annotations=read_only)
    def search_guidance(
        query: Annotated[str, Field(description="A coder's question or keywords, e.g. 'MBB bilateral units'.")],
        k: Annotated[int, Field(ge=1, le=MAX_K, description="Passages to return.")] = 5,
        codes: Annotated[list[str] | None, Field(max_length=20, description="Only passages about these codes.")]
        = None,
        topics: Annotated[list[str] | None, Field(max_length=20, description="Only documents with these topics.")]
        = None,
    ) -> SearchResponse:
        """Hybrid search (dense + BM25 + exact codes) over the guidance documents: passages with their document,
        section, text and public sources. Same result as POST /api/search; while the index is still being built
        the call fails at once saying how far the build is and when to retry."""
        return _run(lambda: operations.search_guidance(
            SearchRequest(query=query, k=k, codes=codes, topics=topics), services))

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False))
    def ask(
        question: Annotated[str, Field(description="The coding question in plain English, e.g. 'Bilateral L4-5 "
                                                   "and L5-S1 facet injections under fluoro, Medicare: codes?'")],
        conversation_id: Annotated[str | None, Field(max_length=100, description=(
            "Continue this conversation (the conversation_id of an earlier answer) for a follow-up such as "
            "'what if it was bilateral?'."))] = None,
        payer: Annotated[PayerName | None, Field(description="medicare | commercial; overrides the question.")]
        = None,
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, Answer]:
        """Answer a coding question: verdict (yes/no/conditional for yes/no questions), claim lines and findings
        from the rules engine, cited guidance passages. The text is the answer with its citations; the
        structured result is POST /api/ask's body (with conversation_id and answer_id; the answer is stored in
        the advisor's history like every answer)."""
        answer = _run(lambda: operations.ask(
            AskRequest(question=question, conversation_id=conversation_id, payer=payer), services,
            owner=_owner(ctx)))
        return CallToolResult(content=[TextContent(type="text", text=answer_text(answer))],
                              structured_content=answer.model_dump(mode="json", exclude={"understanding"}))

    @server.tool(annotations=read_only)
    def lookup(
        codes: Annotated[list[str], Field(min_length=1, max_length=10, description=(
            "CPT/HCPCS codes, e.g. ['64493', '64494']; with two or more, ptp gives the edit between each pair."))],
        fields: Annotated[list[LookupField] | None, Field(description=(
            "Which facts: mue, mai, ptp, global, bilateral, addon, imaging, payment (default all but payment)."))]
        = None,
    ) -> LookupResult:
        """Table facts about codes (MUE and MAI, the PTP edit between two codes, global days, bilateral indicator,
        add-on status, imaging included), each with its source and confidence: the look-up path /api/ask uses for
        questions like 'MUE for 64494?', without the question."""
        def work() -> LookupResult:
            body = LookupRequest(codes=codes) if fields is None else LookupRequest(codes=codes, fields=fields)
            return operations.lookup(body, services)

        return _run(work)

    @server.tool(annotations=read_only)
    def lookup_code(
        code: Annotated[str, Field(max_length=20, description="A CPT/HCPCS code, e.g. 64493.")],
        date: Annotated[str | None, Field(description="Date of service, 2026-03-14 or 03/14/2026 "
                                                          "(default: today).")] = None,
    ) -> CodeDetail:
        """One code's page, as GET /api/codes/{code}: descriptor, family, add-on status and primaries, global days,
        bilateral and multiple-procedure indicators, MUE and MAI, every PTP pair in both directions, Medicare LCD
        rules, imaging, and where each value comes from (imported CMS table and version, or curated)."""
        return _run(lambda: code_detail(code, services.catalog, _day(date), services.settings.knowledge_dir))

    @server.tool(annotations=read_only)
    def lookup_pair(
        a: Annotated[str, Field(max_length=20, description="First code, e.g. 64493.")],
        b: Annotated[str, Field(max_length=20, description="Second code, e.g. 20552.")],
        date: Annotated[str | None, Field(description="Date of service, 2026-03-14 or 03/14/2026 "
                                                          "(default: today).")] = None,
    ) -> PairLookup:
        """The NCCI PTP edit between two codes, as GET /api/pairs: whether there is one, column 1, the modifier
        indicator, what bypasses it and what does not, table and version."""
        return _run(lambda: pair(a, b, services.catalog, _day(date)))

    _add_knowledge_resources(server, services)
    return server


def _day(text: str | None) -> dt.date | None:
    """A date of service (2026-03-14 or 03/14/2026, advisor.dates); anything else is a tool error naming the forms."""
    if text is None:
        return None
    from advisor.dates import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise ToolError(str(exc)) from None


def _add_knowledge_resources(server: MCPServer, services: Services) -> None:
    """Each guidance document as `knowledge://<id>` (Markdown, read fresh on every read)."""
    knowledge_dir = services.settings.knowledge_dir
    for doc in browse_documents(knowledge_dir):
        def read(doc_id: str = doc.id) -> str:
            try:
                return get_document(knowledge_dir, doc_id).markdown
            except AdvisorError as exc:
                raise ResourceNotFoundError(exc.message) from None

        server.add_resource(FunctionResource(
            uri=f"{RESOURCE_SCHEME}://{doc.id}", name=doc.id, title=doc.title, mime_type="text/markdown",
            description=f"Guidance document; topics: {', '.join(doc.topics)}; codes: {', '.join(doc.codes)}",
            fn=read))


def _owner(ctx: Context | None) -> str:
    """Whose history an answer goes to: the principal the app's auth layer put on the HTTP request (/mcp), or the
    single-user owner over stdio (whoever started `advisor mcp` owns the data directory)."""
    try:
        request = ctx.request_context.request if ctx is not None else None
    except ValueError:  # no request context (called outside a request)
        request = None
    state = getattr(request, "state", None)
    return principal_of(state).id if state is not None else LOCAL_ID


def transport_security(host: str) -> TransportSecuritySettings | None:
    """DNS-rebinding protection for /mcp while the server listens on loopback only (the Host and Origin must then
    be loopback too); on another interface the deployment's proxy decides, as for the rest of the API."""
    if host not in LOOPBACK:
        return None
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"])


__all__ = ["NAME", "build_server", "transport_security"]

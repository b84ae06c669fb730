"""`advisor mcp`: the MCP server over stdio, for desktop clients that start it as a subprocess. Imports the SDK and
builds the services only when run."""

from __future__ import annotations

from advisor.settings import get_settings


def mcp_cmd() -> None:
    """Serve the advisor's tools (check_claim, recommend_codes, search_guidance, ask, lookup) and the knowledge
    documents to an MCP client over stdio. Logs go to stderr; the guidance index builds in the background, as on
    `advisor serve` (search answers once it is ready)."""
    from advisor.api.app import log_to_stderr
    from advisor.mcp.server import build_server
    from advisor.services import Services

    settings = get_settings()
    log_to_stderr()
    services = Services(settings)
    server = build_server(services)
    if settings.index_on_start:
        services.retrieval.start_background()
    server.run("stdio")

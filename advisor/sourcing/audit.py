"""Every sourced value, with its support: what `advisor sources --check` and `--report` print.

A catalog value (a code's field, a PTP pair, an LCD parameter, a payment rule, a modifier, a family's imaging
rule, the anatomy list, a rule's declaration) is primary-supported when one of its sources is primary text that was
read (sources.yaml: tag P, text_read). A value without that support is "secondary-only"; it must be marked so in
the data (conf: secondary or unconfirmed) so the finding says so. A knowledge document cites URLs: a citation is
primary when its host is a CMS, OIG or Medicare contractor host; a document needs at least one primary document in
its `primary` front matter, and lists what rests on secondary sources only in `secondary_only`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from advisor.modifiers import load_modifiers
from advisor.retrieval.knowledge import KnowledgeDoc, load_knowledge
from advisor.rules.catalog import CATALOG_DIR, Catalog, load_curated
from advisor.rules.rulebook import registered
from advisor.sourcing.policy import SourcePolicy, load_policy


@dataclass(frozen=True)
class Value:
    """One sourced catalog value: where it lives, what it says, its mark and its sources."""

    table: str
    key: str
    value: str
    confidence: str | None
    sources: tuple[str, ...]


@dataclass(frozen=True)
class DocCoverage:
    """One knowledge document's citations."""

    id: str
    citations: int
    primary_citations: int
    primary_docs: tuple[str, ...]
    secondary_only: tuple[str, ...]


@dataclass
class Audit:
    """The result: values and documents with their support, and the problems that fail `--check`."""

    values: list[Value]
    primary_ids: dict[str, bool]  # source id -> primary support (tag P, text read)
    docs: list[DocCoverage]
    problems: list[str] = field(default_factory=list)

    def supported(self, v: Value) -> bool:
        return any(self.primary_ids.get(s, False) for s in v.sources)

    def secondary_only(self) -> list[Value]:
        return [v for v in self.values if not self.supported(v)]


def catalog_values(catalog: Catalog, directory: Path = CATALOG_DIR) -> Iterator[Value]:
    """Every value of the curated catalog that names sources, table by table."""
    for code, info in catalog.codes.items():
        for fld, prov in info.provenance.items():
            value = getattr(info, "global_days" if fld == "global" else fld)
            yield Value("codes.yaml", f"{code}.{fld}", str(value), prov.confidence, tuple(prov.sources))
    for (c1, c2), pair in catalog.pairs.items():
        yield Value("ptp.yaml", f"{c1}/{c2}", f"mi {pair.mi}", pair.confidence, tuple(pair.sources))
    for group, params in (("params", catalog.params), ("sessions", catalog.sessions), ("relief", catalog.relief)):
        for name, p in params.items():
            yield Value("lcd.yaml", f"{group}.{name}", str(p.value), p.confidence, tuple(p.sources))
    for n in catalog.noncovered:
        yield Value("lcd.yaml", "noncovered." + "/".join(n.codes), "not covered", n.confidence, tuple(n.sources))
    for name, p in catalog.payment.items():
        yield Value("payment.yaml", name, str(p.value), p.confidence, tuple(p.sources))
    for mod, m in load_modifiers(directory / "modifiers.yaml").items():
        yield Value("modifiers.yaml", mod, m.means, m.conf, m.src)
    for fid, fam in catalog.registry.families.items():
        if fam.without_imaging:
            w = fam.without_imaging
            yield Value("families.yaml", f"{fid}.without_imaging", str(w.code), w.conf, w.src)
        if fam.unlisted_techniques:
            u = fam.unlisted_techniques
            yield Value("families.yaml", f"{fid}.unlisted_techniques", u.code, u.conf, u.src)
    reg = catalog.registry
    yield Value("anatomy.yaml", "anatomy", f"{len(reg.anatomy)} targets", reg.confidence, reg.sources)


def rule_values() -> Iterator[Value]:
    """Each rule's declared sources (its findings add the catalog values' own); a rule carries no mark itself."""
    for name, r in sorted(registered().items()):
        yield Value("rules", f"{r.finding} ({name})", r.doc, None, r.sources)


def _doc_coverage(doc: KnowledgeDoc, policy: SourcePolicy) -> DocCoverage:
    return DocCoverage(id=doc.id, citations=len(doc.sources),
                       primary_citations=sum(policy.is_primary_url(u) for u in doc.sources),
                       primary_docs=tuple(r.id for r in doc.primary), secondary_only=tuple(doc.secondary_only))


URL_IN_TEXT = re.compile(r"https?://[^\s)>\]`'\"]+")


def _doc_problems(doc: KnowledgeDoc, policy: SourcePolicy) -> Iterator[str]:
    for url in dict.fromkeys([*doc.sources, *URL_IN_TEXT.findall(doc.markdown)]):
        why = policy.unreliable_reason(url)
        if why:
            yield f"knowledge/{doc.id}.md cites an unreliable source {url} ({why})"
    refs = [r for r in doc.primary if policy.is_primary_url(r.url)]
    if not refs and not doc.secondary_only:
        yield (f"knowledge/{doc.id}.md names no primary document (front matter `primary`) and marks nothing "
               "`secondary_only`")
    for ref in doc.primary:
        if not policy.is_primary_url(ref.url):
            yield f"knowledge/{doc.id}.md: primary {ref.id} points at a non-primary host {ref.url}"
    kinds = [policy.is_primary_url(u) for u in doc.sources]
    if True in kinds and False in kinds and kinds.index(False) < len(kinds) - kinds[::-1].index(True) - 1:
        yield f"knowledge/{doc.id}.md lists a secondary source before a primary one (primary first)"


def run_audit(knowledge_dir: Path, directory: Path = CATALOG_DIR) -> Audit:
    """Audit the catalog in `directory` and the documents in `knowledge_dir`."""
    catalog = load_curated(directory)
    policy = load_policy(directory)
    values = [*catalog_values(catalog, directory), *rule_values()]
    audit = Audit(values=values, primary_ids={sid: s.primary for sid, s in catalog.sources.items()}, docs=[])
    for sid, s in catalog.sources.items():
        why = policy.unreliable_reason(s.url)
        if why:
            audit.problems.append(f"sources.yaml {sid} is on the unreliable list: {s.url} ({why})")
        if s.tag == "P" and not s.doc:
            audit.problems.append(f"sources.yaml {sid} is primary but names no document id (`doc`)")
    for v in values:
        unknown = [s for s in v.sources if s not in catalog.sources]
        if unknown:
            audit.problems.append(f"{v.table} {v.key} cites unknown source ids {unknown}")
        if v.table == "rules":
            if not any(catalog.sources[s].tag == "P" for s in v.sources if s in catalog.sources):
                audit.problems.append(f"rule {v.key} declares no primary source id")
        elif v.confidence == "confirmed" and not audit.supported(v):
            audit.problems.append(f"{v.table} {v.key} is marked confirmed but no primary text supports it "
                                  f"(cites {', '.join(v.sources)}): mark it secondary or unconfirmed")
    for doc in load_knowledge(knowledge_dir):
        audit.docs.append(_doc_coverage(doc, policy))
        audit.problems.extend(_doc_problems(doc, policy))
    return audit


VERDICTS = ("correct", "wrong", "overstated", "unverifiable")
READERS = ("first", "second", "third", "fourth")


@dataclass(frozen=True)
class Verified:
    """One row of knowledge/VERIFICATION.md: a claim re-checked against primary text, by the first check (rows
    `| n | claim | verdict | source | date |`), by the independent second reader (rows
    `| Rn | claim | where | verdict | source | reason | date |`) or by the independent third reader (rows
    `| Vn | ... |`, the same seven columns) or by the independent fourth reader (rows `| Wn | ... |`, seven columns)."""

    number: int
    claim: str
    verdict: str
    source: str
    checked: str
    reader: str = "first"


def verification_rows(knowledge_dir: Path) -> list[Verified]:
    """Every check's rows, the first check's first, then the second, third and fourth readers'; [] when the file is
    absent."""
    path = knowledge_dir / "VERIFICATION.md"
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        later = re.fullmatch(r"([RVW])(\d+)", cells[0]) if len(cells) == 7 else None
        if (len(cells) == 5 and cells[0].isdigit()) or later:
            number, claim, verdict, source, checked = (int(later.group(2)), cells[1], cells[3], cells[4], cells[6]) \
                if later else (int(cells[0]), cells[1], cells[2], cells[3], cells[4])
            first = re.match(r"\W*(\w+)", verdict)
            word = first.group(1).lower() if first and first.group(1).lower() in VERDICTS else "?"
            reader = {"R": "second", "V": "third", "W": "fourth"}[later.group(1)] if later else "first"
            rows.append(Verified(number, claim, word, source, checked, reader))
    return sorted(rows, key=lambda r: READERS.index(r.reader))

"""One look-up's frame: the catalog bound to a date of service, the imported CMS tables behind it (if any), and how
each value's origin is named. Also the one place that says whether a code exists (404 with close matches) and
whether the date falls before every imported table (a notice naming the versions loaded)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date

from advisor.claims import CODE_RE
from advisor.data.detect import KIND_LABEL, MUE, PTP, RVU
from advisor.data.tables import ImportedCatalog, ImportedTables, TableVersion
from advisor.encoder.model import Origin, SourceRef, TableInfo
from advisor.errors import InvalidInput, NotFound
from advisor.rules.catalog import Catalog, CodeInfo, Provenance
from advisor.rules.model import Confidence

SUGGESTIONS = 5
_DOCUMENT_RE = re.compile(r"(?<![A-Za-z0-9])([LA]\d{5})(?![0-9])", re.IGNORECASE)


class UnknownCode(NotFound):
    """A well-formed code no table holds; the body names the close matches."""

    def __init__(self, message: str, suggestions: list[str], where: str = "code") -> None:
        super().__init__(message, where)
        self.suggestions = suggestions

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "error": "NotFound", "suggestions": self.suggestions}


def parse_code(text: str, where: str = "code") -> str:
    """A code as typed (`64493`, ` g0260 `) in canonical form; InvalidInput (422) when it cannot be a code."""
    code = str(text).strip().upper()
    if not CODE_RE.match(code):
        raise InvalidInput(f"{where}: {text!r} is not a CPT/HCPCS code (five digits like 64493, four digits and a "
                           "letter like 0216T, or a letter and four digits like G0260)", where)
    return code


@dataclass
class Scope:
    """The catalog as a claim on `day` reads it (`view`), the curated rows, and the imported tables."""

    catalog: Catalog
    view: Catalog
    day: date
    tables: ImportedTables | None
    _by_source: dict[str, TableVersion] = field(default_factory=dict)
    _origins: dict[str, Origin] = field(default_factory=dict)  # one per imported version: a code has ~1,000 pairs

    @classmethod
    def of(cls, catalog: Catalog, on: date | None, codes: list[str]) -> Scope:
        day = on or date.today()
        tables = catalog.tables if isinstance(catalog, ImportedCatalog) else None
        by_source = {v.source_id: v for v in tables.all_versions()} if tables is not None else {}
        return cls(catalog, catalog.for_check(codes, day), day, tables, by_source)

    # --- codes -------------------------------------------------------------------------------------------------
    def curated(self, code: str) -> CodeInfo | None:
        """The curated row as written in codes.yaml (no imported value applied)."""
        rows = self.catalog.curated_codes if isinstance(self.catalog, ImportedCatalog) else self.catalog.codes
        return rows.get(code)

    def require(self, text: str, where: str = "code") -> str:
        """The code, if the curated catalog or an imported table knows it; else UnknownCode with close matches."""
        code = parse_code(text, where)
        if code in self.catalog.codes or (self.tables is not None and self.tables.knows(code)):
            return code
        candidates = set(self.catalog.codes)
        if self.tables is not None:
            candidates.update(self.tables.codes_like(code[:3]))
        near = close_codes(code, candidates)
        held = "the curated catalog" + (" or the imported CMS tables" if self.tables is not None else
                                        " (import the CMS tables to look up any code: advisor data import)")
        listed = near[0] if len(near) == 1 else f"{', '.join(near[:-1])} or {near[-1]}" if near else ""
        hint = f"; did you mean {listed}?" if near else "; search by words with GET /api/codes?q="
        raise UnknownCode(f"{where}: no code {code} in {held}{hint}", near, where)

    # --- origins -----------------------------------------------------------------------------------------------
    def refs(self, source_ids: list[str] | tuple[str, ...]) -> list[SourceRef]:
        sources = self.view.sources
        return [SourceRef(id=s, title=sources[s].title, url=sources[s].url) for s in source_ids if s in sources]

    def imported(self, version: TableVersion) -> Origin:
        key = version.table
        found = self._origins.get(key)
        if found is None:
            found = self._origins[key] = Origin(
                kind="imported", table=version.table, version=version.version, effective=version.effective,
                confidence="confirmed", sources=self.refs([version.source_id]))
        return found

    def curated_origin(self, sources: list[str] | tuple[str, ...], confidence: Confidence,
                       effective: date | None = None) -> Origin:
        return Origin(kind="curated", table="curated", effective=effective, confidence=confidence,
                      sources=self.refs(sources))

    def origin(self, prov: Provenance) -> Origin:
        """A catalog value's origin: an imported table when its provenance names one, else curated."""
        version = next((self._by_source[s] for s in prov.sources if s in self._by_source), None)
        if version is not None:
            return self.imported(version)
        return self.curated_origin(prov.sources, prov.confidence, prov.effective)

    def version_of(self, source_ids: list[str]) -> TableVersion | None:
        return next((self._by_source[s] for s in source_ids if s in self._by_source), None)

    # --- the loaded tables -------------------------------------------------------------------------------------
    def version(self, kind: str) -> TableVersion | None:
        return self.tables.version_for(kind, self.day) if self.tables is not None else None

    def table_info(self) -> list[TableInfo]:
        if self.tables is None:
            return []
        used = {v.source_id for k in (PTP, MUE, RVU) if (v := self.version(k)) is not None}
        return [TableInfo(kind=v.kind, table=v.table, effective=v.effective, used=v.source_id in used)
                for v in self.tables.all_versions()]

    def notices(self) -> list[str]:
        """What the reader must know about the date: no table imported, or a date before every loaded version."""
        if self.tables is None:
            return ["No CMS tables are imported: every value is the curated catalog's (import the official PTP, MUE "
                    "and MPFS RVU files with `advisor data import` to see them by date of service)."]
        out = []
        for kind in (PTP, MUE, RVU):
            loaded = self.tables.versions[kind]
            if not loaded:
                out.append(f"No {KIND_LABEL[kind]} table is imported; its values come from the curated catalog.")
            elif self.day < loaded[0].effective:
                names = ", ".join(f"{v.version} (from {v.effective})" for v in loaded)
                out.append(f"{self.day} is before every imported {KIND_LABEL[kind]} table (loaded: {names}); the "
                           f"oldest, {loaded[0].version}, is applied, as claim checks do. Import the version in "
                           "effect on that date to see its values.")
        ptp = self.version(PTP)
        if ptp is not None and ptp.missing_parts:
            out.append(f"The {ptp.table} table is partial (parts {', '.join(ptp.missing_parts)} not imported): pairs "
                       "whose codes fall outside the loaded parts' column-1 ranges are read from the curated pairs "
                       "until the whole table is imported.")
        return out


def close_codes(code: str, candidates: set[str]) -> list[str]:
    """Codes a typo was probably meant as: two digits swapped or one changed first (64439 -> 64493), then the
    most similar by difflib's ratio."""
    def swaps(other: str) -> int:
        diff = [i for i, (x, y) in enumerate(zip(code, other, strict=True)) if x != y]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and code[diff[0]] == other[diff[1]] \
                and code[diff[1]] == other[diff[0]]:
            return 1
        return len(diff)

    same = [c for c in candidates if len(c) == len(code) and swaps(c) <= 1]
    rest = difflib.get_close_matches(code, sorted(candidates - set(same)), n=SUGGESTIONS, cutoff=0.6)
    return (sorted(same) + rest)[:SUGGESTIONS]


def documents_of(source_ids: list[str] | tuple[str, ...], catalog: Catalog) -> list[str]:
    """LCD (Lxxxxx) and billing-article (Axxxxx) numbers that a value's sources name, in their ids or titles."""
    found: dict[str, None] = {}
    for sid in source_ids:
        src = catalog.sources.get(sid)
        for text in (sid, src.title if src else ""):
            for m in _DOCUMENT_RE.finditer(text):
                found[m.group(1).upper()] = None
    return list(found)


__all__ = ["Scope", "UnknownCode", "close_codes", "documents_of", "parse_code"]

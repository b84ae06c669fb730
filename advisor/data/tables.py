"""Read the imported CMS tables for the rules engine, by date of service, and the Catalog that consults them.

`ImportedTables` answers `ptp(a, b, dos)`, `mue(code, dos)` and `mpfs(code, dos)` from the rules database (indexed
look-ups; SQLite: a read-only connection per thread, PostgreSQL: a small pool, see advisor.data.backend). Which
loaded version serves a date: the newest whose effective date is on or before it (the oldest if the date precedes
them all). A PTP edit fires when effective <= date <= deletion date.

`ImportedCatalog` is the curated `Catalog` plus those tables: `for_check(codes, dos)` preloads every PTP pair among the
claim's codes, and their MUE and MPFS rows, in one query each; `ptp`, `code` and `mue_edit` then answer from the
imported tables, naming the table version, and fall back to the curated rows where nothing was imported.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Collection, Hashable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import Field

from advisor.data.backend import RulesDB, as_rules_db
from advisor.data.detect import GPCI, KIND_LABEL, MUE, PTP, PTP_PARTS, QPP, RVU, rvu_variant
from advisor.rules.catalog import Catalog, CodeInfo, MueEdit, Provenance, PtpPair, Source

URLS = {
    PTP: "https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/"
         "medicare-ncci-procedure-procedure-ptp-edits",
    MUE: "https://www.cms.gov/medicare/coding-billing/national-correct-coding-initiative-ncci-edits/"
         "medicare-ncci-medically-unlikely-edits",
    RVU: "https://www.cms.gov/medicare/payment/fee-schedules/physician/pfs-relative-value-files",
    GPCI: "https://www.cms.gov/medicare/payment/fee-schedules/physician/pfs-relative-value-files",
}
TITLES = {PTP: "CMS NCCI practitioner PTP edits", MUE: "CMS practitioner services MUE table",
          RVU: "CMS MPFS relative value file (PPRRVU)",
          GPCI: "CMS geographic practice cost indices by Medicare locality (GPCI, PFS Addendum E)"}
AMONG_CACHE_SIZE = 4096
GLOBALS = ("000", "010", "090", "XXX", "YYY", "ZZZ")


@dataclass(frozen=True)
class TableVersion:
    kind: str
    version: str
    effective: date
    files: tuple[int, ...]
    ranges: tuple[tuple[str, str], ...]  # (min, max) column-1 code per PTP part
    names: tuple[str, ...]
    parts: tuple[str, ...] = ()  # PTP f1..f4 loaded ('' = a file holding the whole table)

    @property
    def table(self) -> str:
        return f"{KIND_LABEL[self.kind]} {self.version}"

    @property
    def missing_parts(self) -> tuple[str, ...]:
        """The PTP parts not imported: pairs whose column-1 code falls in their range are read from the curated
        table until they are (see `covers`)."""
        if self.kind != PTP or not self.parts or "" in self.parts:
            return ()
        return tuple(p for p in PTP_PARTS if p not in self.parts)

    @property
    def source_id(self) -> str:
        return "cms-" + self.kind + "-" + re.sub(r"[^a-z0-9.]+", "-", self.version.lower())

    def covers(self, code: str) -> bool:
        return any(lo <= code <= hi for lo, hi in self.ranges)


@dataclass(frozen=True)
class PtpEdit:
    col1: str
    col2: str
    mi: int
    rationale: str
    effective: int
    deleted: int
    version: TableVersion


@dataclass(frozen=True)
class MueEntry:
    code: str
    value: int
    mai: int
    mai_text: str
    rationale: str
    version: TableVersion


@dataclass(frozen=True)
class MpfsEntry:
    code: str
    description: str
    status: str
    global_days: str | None
    mult_proc: str | None
    bilateral: str | None
    version: TableVersion
    modifier: str = ""
    assistant: str | None = None
    work_rvu: float | None = None
    pe_nonfac: float | None = None
    pe_fac: float | None = None
    mp_rvu: float | None = None
    conv_factor: float | None = None


@dataclass(frozen=True)
class GpciEntry:
    """One Medicare locality of the GPCI file: contractor (MAC), state, locality number and name, the three indices."""

    mac: str
    state: str
    locality: str
    name: str
    pw: float
    pe: float
    mp: float
    version: TableVersion

    @property
    def key(self) -> str:
        """How a locality is named on input and output: MAC-locality, e.g. 01182-18."""
        return f"{self.mac}-{self.locality}"


# The mpfs columns an MpfsEntry reads after (code, modifier, description, status, global, mult, bilat); a rules
# database imported before a column existed answers NULL for it (see advisor.data.db.MPFS_ADDED).
MPFS_EXTRA = ("assistant", "work_rvu", "pe_nonfac", "pe_fac", "mp_rvu", "conv_factor")


def _ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


class ImportedTables:
    """Read-only view of the rules database. Opening it reads only the small `files` table."""

    def __init__(self, where: Path | RulesDB) -> None:
        self.db = as_rules_db(where)
        self._lock = threading.Lock()
        self._mue: dict[tuple[int, str], MueEntry | None] = {}
        self._mpfs: dict[tuple[int, str], MpfsEntry | None] = {}
        self._rationales: dict[int, str] = {}
        self._mpfs_columns: frozenset[str] | None = None
        self.pairs_cache: dict[PtpEdit, PtpPair] = {}  # PtpPair objects per edit row, built once
        # edits among a claim's codes on a date: practices bill the same code sets every day, and the tables never
        # change under a reader (a new import means a new ImportedTables), so the answers can be kept (bounded)
        self._among: OrderedDict[tuple[frozenset[str], int], dict[tuple[str, str], PtpEdit]] = OrderedDict()
        self.versions: dict[str, list[TableVersion]] = {PTP: [], MUE: [], RVU: [], GPCI: []}
        grouped: dict[tuple[str, str], list[tuple]] = {}
        for row in self.db.query(
                "SELECT kind, version, effective, id, min_code, max_code, name, part FROM files "
                "ORDER BY effective, id"):
            grouped.setdefault((row[0], row[1]), []).append(row)
        for (kind, version), rows in grouped.items():
            self.versions[kind].append(TableVersion(
                kind, version, date.fromisoformat(rows[0][2]), tuple(r[3] for r in rows),
                tuple((r[4], r[5]) for r in rows if r[4] is not None),
                tuple(Path(r[6].split("!")[-1]).name for r in rows), tuple(r[7] for r in rows),
            ))
        for kind in self.versions:
            # Of two RVU files of one release (2026 on: non-QPP and QPP), the non-QPP one serves: most clinicians
            # are not qualifying APM participants; the QPP file stays loaded and listed.
            self.versions[kind].sort(key=lambda v: (v.effective, rvu_variant(v.version) != QPP))

    @property
    def empty(self) -> bool:
        return not any(self.versions.values())

    def all_versions(self) -> list[TableVersion]:
        return [v for kind in (PTP, MUE, RVU, GPCI) for v in self.versions[kind]]

    def version_for(self, kind: str, dos: date | None = None) -> TableVersion | None:
        """The newest loaded version in effect on the date (today if none); the oldest if the date precedes all."""
        loaded = self.versions[kind]
        if not loaded:
            return None
        day = dos or date.today()
        current = [v for v in loaded if v.effective <= day]
        return current[-1] if current else loaded[0]

    # --- PTP ---------------------------------------------------------------------------------------------------
    def ptp_among(self, codes: Collection[str], dos: date | None = None) -> dict[tuple[str, str], PtpEdit]:
        """Every PTP edit in effect on the date between any two of the codes, in one indexed query."""
        version = self.version_for(PTP, dos)
        wanted = sorted(set(codes))
        if version is None or len(wanted) < 2:
            return {}
        day = _ymd(dos or date.today())
        key = (frozenset(wanted), day)
        with self._lock:
            cached = self._among.get(key)
            if cached is not None:
                self._among.move_to_end(key)
                return cached
        marks = ",".join("?" * len(wanted))
        files = ",".join("?" * len(version.files))
        rows = self.db.query(
            f"SELECT col1, col2, eff, del, mi, rationale FROM ptp "
            f"WHERE col1 IN ({marks}) AND col2 IN ({marks}) AND file IN ({files}) AND eff <= ? AND del >= ?",
            (*wanted, *wanted, *version.files, day, day))
        out: dict[tuple[str, str], PtpEdit] = {}
        for col1, col2, eff, dele, mi, rid in rows:
            if col1 == col2:
                continue
            known = out.get((col1, col2))
            if known is None or eff > known.effective:
                out[(col1, col2)] = PtpEdit(col1, col2, mi, self._rationale(rid), eff, dele, version)
        with self._lock:
            self._among[key] = out
            if len(self._among) > AMONG_CACHE_SIZE:
                self._among.popitem(last=False)
        return out

    def clear_query_cache(self) -> None:
        """Forget the kept PTP answers (benchmarks use it to time the uncached query)."""
        with self._lock:
            self._among.clear()

    def _rationale(self, rid: int) -> str:
        text = self._rationales.get(rid)
        if text is None:
            rows = self.db.query("SELECT text FROM rationale WHERE id = ?", (rid,))
            text = self._rationales[rid] = rows[0][0] if rows else ""
        return text

    def ptp(self, a: str, b: str, dos: date | None = None) -> PtpEdit | None:
        """The edit in effect between two codes on the date, in either order (column 1 first)."""
        found = self.ptp_among([a, b], dos)
        return found.get((a, b)) or found.get((b, a))

    def ptp_of(self, code: str, dos: date | None = None) -> list[PtpEdit]:
        """Every PTP edit in effect on the date with the code in either column (the code detail's pair list); two
        indexed queries (column 1 by ptp_pair, column 2 by ptp_col2)."""
        version = self.version_for(PTP, dos)
        if version is None:
            return []
        day = _ymd(dos or date.today())
        files = ",".join("?" * len(version.files))
        found: dict[tuple[str, str], PtpEdit] = {}
        for column in ("col1", "col2"):
            for col1, col2, eff, dele, mi, rid in self.db.query(
                    f"SELECT col1, col2, eff, del, mi, rationale FROM ptp "
                    f"WHERE {column} = ? AND file IN ({files}) AND eff <= ? AND del >= ?",
                    (code, *version.files, day, day)):
                known = found.get((col1, col2))
                if col1 != col2 and (known is None or eff > known.effective):
                    found[(col1, col2)] = PtpEdit(col1, col2, mi, self._rationale(rid), eff, dele, version)
        return sorted(found.values(), key=lambda e: (e.col1 != code, e.col2 if e.col1 == code else e.col1))

    def knows(self, code: str) -> bool:
        """Whether any loaded table (any version) has a row for the code."""
        return any(self.db.query(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", (code,))
                   for table, column in (("mpfs", "code"), ("mue", "code"), ("ptp", "col1"), ("ptp", "col2")))

    def codes_like(self, prefix: str, limit: int = 2000) -> list[str]:
        """Codes of the loaded MPFS and MUE tables starting with a prefix (close matches for an unknown code)."""
        out: set[str] = set()
        for table in ("mpfs", "mue"):
            out.update(r[0] for r in self.db.query(
                f"SELECT DISTINCT code FROM {table} WHERE code LIKE ? LIMIT ?", (f"{prefix}%", limit)))
        return sorted(out)

    def ptp_covers(self, code: str, dos: date | None = None) -> bool:
        """Whether a loaded PTP part holds the column-1 range of this code (so no row means no edit)."""
        version = self.version_for(PTP, dos)
        return version is not None and version.covers(code)

    # --- MUE and MPFS (small tables; rows cached across checks, the data never changes under a reader) ----------
    def mue_many(self, codes: Collection[str], dos: date | None = None) -> dict[str, MueEntry]:
        version = self.version_for(MUE, dos)
        if version is None:
            return {}
        missing = sorted({c for c in codes if (version.files[0], c) not in self._mue})
        if missing:
            # Rows are gathered first and published together: a thread that saw a code marked before its row was
            # read would take "no MUE" for it (and the catalog's overlay would keep that).
            found: dict[tuple[int, str], MueEntry | None] = {(version.files[0], c): None for c in missing}
            marks, files = ",".join("?" * len(missing)), ",".join("?" * len(version.files))
            for code, value, mai, mai_text, rationale in self.db.query(
                    f"SELECT code, value, mai, mai_text, rationale FROM mue "
                    f"WHERE code IN ({marks}) AND file IN ({files})", (*missing, *version.files)):
                found[(version.files[0], code)] = MueEntry(code, value, mai, mai_text or "", rationale or "", version)
            self._mue.update(found)
        return {c: e for c in codes if (e := self._mue.get((version.files[0], c))) is not None}

    def mue(self, code: str, dos: date | None = None) -> MueEntry | None:
        return self.mue_many([code], dos).get(code)

    def mpfs_many(self, codes: Collection[str], dos: date | None = None) -> dict[str, MpfsEntry]:
        version = self.version_for(RVU, dos)
        if version is None:
            return {}
        missing = sorted({c for c in codes if (version.files[0], c) not in self._mpfs})
        if missing:
            found: dict[tuple[int, str], MpfsEntry | None] = {(version.files[0], c): None for c in missing}
            marks, files = ",".join("?" * len(missing)), ",".join("?" * len(version.files))
            # The row without a modifier is the code's own (26/TC rows describe the split components).
            for entry in self._mpfs_rows(f"code IN ({marks}) AND file IN ({files}) ORDER BY modifier DESC",
                                         (*missing, *version.files), version):
                found[(version.files[0], entry.code)] = entry
            self._mpfs.update(found)  # published together, as in mue_many
        return {c: e for c in codes if (e := self._mpfs.get((version.files[0], c))) is not None}

    def mpfs_modifier_rows(self, codes: Collection[str], dos: date | None = None) -> dict[tuple[str, str], MpfsEntry]:
        """Every MPFS row of the codes, by (code, modifier): the 26 and TC rows price the split components."""
        version = self.version_for(RVU, dos)
        wanted = sorted(set(codes))
        if version is None or not wanted:
            return {}
        marks, files = ",".join("?" * len(wanted)), ",".join("?" * len(version.files))
        rows = self._mpfs_rows(f"code IN ({marks}) AND file IN ({files})", (*wanted, *version.files), version)
        return {(e.code, e.modifier): e for e in rows}

    def _mpfs_rows(self, where: str, params: tuple[Any, ...], version: TableVersion) -> list[MpfsEntry]:
        if self._mpfs_columns is None:
            self._mpfs_columns = self.db.columns("mpfs")
        extra = ", ".join(c if c in self._mpfs_columns else "NULL" for c in MPFS_EXTRA)
        return [MpfsEntry(code, desc or "", status or "", glob, mult, bilat, version, mod or "", *rest)
                for code, mod, desc, status, glob, mult, bilat, *rest in self.db.query(
                    f"SELECT code, modifier, description, status, global_days, mult_proc, bilateral, {extra} "
                    f"FROM mpfs WHERE {where}", params)]

    def mpfs(self, code: str, dos: date | None = None) -> MpfsEntry | None:
        return self.mpfs_many([code], dos).get(code)

    # --- GPCI (about 110 localities per file) -------------------------------------------------------------------
    def localities(self, dos: date | None = None) -> list[GpciEntry]:
        """Every locality of the GPCI file in effect on the date (empty when none is loaded)."""
        version = self.version_for(GPCI, dos)
        if version is None:
            return []
        files = ",".join("?" * len(version.files))
        return [GpciEntry(mac, state, locality, name, pw, pe, mp, version)
                for mac, state, locality, name, pw, pe, mp in self.db.query(
                    f"SELECT mac, state, locality, name, pw, pe, mp FROM gpci WHERE file IN ({files}) "
                    "ORDER BY state, locality", version.files)]


@dataclass
class Binding:
    """What one check reads besides the curated rows: the tables, the date, the PTP pairs among the claim's codes."""

    tables: ImportedTables
    dos: date | None = None
    pairs: dict[tuple[str, str], PtpEdit] | None = None
    scope: frozenset[str] = frozenset()

    @property
    def day(self) -> date:
        return self.dos or date.today()


class ImportedCatalog(Catalog):
    """The curated catalog consulting the imported CMS tables; `for_check` binds it to one claim and date.

    Plain fields (not pydantic private attributes) hold the binding, so the rules' many `code()` calls stay dict
    look-ups: `codes` is the curated rows with the imported MUE/MAI/global/bilateral values applied, per version pair.
    """

    imported: Any = Field(default=None, exclude=True, repr=False)

    @classmethod
    def wrap(cls, curated: Catalog, tables: ImportedTables) -> ImportedCatalog:
        extra = {
            v.source_id: Source(id=v.source_id, title=f"{TITLES[v.kind]} {v.version} (imported: {', '.join(v.names)})",
                                url=URLS[v.kind], tag="P")
            for v in tables.all_versions()
        }
        data: dict[str, Any] = {name: getattr(curated, name) for name in type(curated).model_fields}
        data["sources"] = {**curated.sources, **extra}
        view = cls(**data, imported=Binding(tables))
        view.__dict__["_curated_codes"] = curated.codes
        return view

    def model_post_init(self, __context: Any) -> None:
        self.__dict__.setdefault("_overlays", {})

    @property
    def tables(self) -> ImportedTables:
        return self.imported.tables

    def _codes_for(self, dos: date) -> dict[str, CodeInfo]:
        """The curated rows with the imported values in effect on the date (computed once per version pair)."""
        tables: ImportedTables = self.imported.tables
        mue_v, rvu_v = tables.version_for(MUE, dos), tables.version_for(RVU, dos)
        key = (mue_v.files if mue_v else (), rvu_v.files if rvu_v else ())
        overlays: dict = self.__dict__["_overlays"]
        if key not in overlays:
            base = self.__dict__.get("_curated_codes") or self.codes
            codes = dict(base)
            mues = tables.mue_many(list(base), dos)
            rvus = tables.mpfs_many(list(base), dos)
            for code, info in base.items():
                update: dict[str, Any] = {}
                prov = dict(info.provenance)
                mue = mues.get(code)
                if mue is not None and 1 <= mue.mai <= 3:
                    update.update(mue=mue.value, mai=mue.mai)
                    confirmed = Provenance(sources=[mue.version.source_id], effective=mue.version.effective,
                                           confidence="confirmed")
                    prov.update(mue=confirmed, mai=confirmed)
                rvu = rvus.get(code)
                if rvu is not None:
                    confirmed = Provenance(sources=[rvu.version.source_id], effective=rvu.version.effective,
                                           confidence="confirmed")
                    if rvu.global_days in GLOBALS:
                        update["global_days"], prov["global"] = rvu.global_days, confirmed
                    if rvu.bilateral is not None and rvu.bilateral.isdigit():
                        update["bilateral"], prov["bilateral"] = int(rvu.bilateral), confirmed
                if update:
                    codes[code] = info.model_copy(update={**update, "provenance": prov})
            overlays[key] = codes
        return overlays[key]

    @property
    def dated(self) -> bool:
        return True

    @property
    def curated_codes(self) -> dict[str, CodeInfo]:
        """The curated rows before any imported value was applied (the code detail shows both side by side)."""
        return self.__dict__.get("_curated_codes") or self.codes

    def for_check(self, codes: list[str], dos: date | None) -> ImportedCatalog:
        tables: ImportedTables = self.imported.tables
        day = dos or date.today()
        scope = frozenset(codes)
        binding = Binding(tables, day, tables.ptp_among(scope, day), scope)
        tables.mue_many(scope, day)  # warm the per-code caches (one query each) for codes outside the catalog
        view = self.model_copy(update={"imported": binding, "codes": self._codes_for(day)})
        view.__dict__["_overlays"] = self.__dict__["_overlays"]
        view.__dict__["_curated_codes"] = self.__dict__.get("_curated_codes")
        for built_once in ("_curated_mues", "_citations"):  # per-catalog caches: share them, don't rebuild per check
            view.__dict__[built_once] = getattr(self, built_once)
        return view

    def ptp(self, a: str, b: str) -> PtpPair | None:
        bound: Binding = self.imported
        if bound.pairs is not None and a in bound.scope and b in bound.scope:
            edit = bound.pairs.get((a, b)) or bound.pairs.get((b, a))
        else:
            edit = bound.tables.ptp(a, b, bound.day)
        if edit is not None:
            return self.pair_of(edit)
        if bound.tables.ptp_covers(a, bound.day) and bound.tables.ptp_covers(b, bound.day):
            return None  # the official table is loaded for both codes and has no edit in effect on this date
        return super().ptp(a, b)

    def pair_of(self, edit: PtpEdit) -> PtpPair:
        """The rules' PtpPair for an imported edit row (built once per row, shared by every check)."""
        tables: ImportedTables = self.imported.tables
        pair = tables.pairs_cache.get(edit)
        if pair is None:
            pair = tables.pairs_cache[edit] = PtpPair(
                col1=edit.col1, col2=edit.col2, mi=edit.mi, rationale=edit.rationale or "NCCI PTP edit",
                sources=[edit.version.source_id], confidence="confirmed", table=edit.version.table,
                note=f"effective {edit.effective}" + ("" if edit.deleted >= 99991231 else f", deleted {edit.deleted}"))
        return pair

    def mue_edit(self, code: str) -> MueEdit | None:
        bound: Binding = self.imported
        entry = bound.tables.mue(code, bound.day)
        if entry is None or not 1 <= entry.mai <= 3:
            return super().mue_edit(code)
        rvu = bound.tables.mpfs(code, bound.day)
        info = self.code(code)
        bilateral = (int(rvu.bilateral) if rvu is not None and rvu.bilateral and rvu.bilateral.isdigit()
                     else info.bilateral if info is not None else None)
        return MueEdit(code=code, mue=entry.value, mai=entry.mai, bilateral=bilateral,
                       sources=["mue-mai-palmetto", entry.version.source_id], confidence="confirmed",
                       table=entry.version.table)


_CACHE: dict[str, tuple[Hashable, int, ImportedCatalog | None]] = {}
_LOCK = threading.Lock()


def with_imported(curated: Catalog, where: Path | RulesDB) -> Catalog:
    """The curated catalog, consulting the imported tables when the rules database holds any. Each call reads the
    database's generation (SQLite: the file's stamp; PostgreSQL: one indexed row) and re-reads the tables only when
    it moved, so an import by any process or host is seen on the next request."""
    rules = as_rules_db(where)
    stamp = rules.generation()
    if stamp is None:
        return curated
    key = f"{rules.kind}:{rules.where}"
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == stamp and cached[1] == id(curated):
            return cached[2] or curated
        try:
            tables = ImportedTables(rules)
        except sqlite3.Error:
            return curated  # not a rules database (yet): the curated tables serve
        view = None if tables.empty else ImportedCatalog.wrap(curated, tables)
        _CACHE[key] = (stamp, id(curated), view)
        return view or curated


__all__ = ["GpciEntry", "ImportedCatalog", "ImportedTables", "MpfsEntry", "MueEntry", "PtpEdit", "TableVersion",
           "with_imported"]

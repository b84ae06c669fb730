"""The rules database (SQLite file or PostgreSQL, advisor.data.backend): the import transaction, status, removal.

One `import_paths` call is one transaction: every file is parsed while its rows are inserted (executemany over a
generator), and any error rolls the whole call back, leaving the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from advisor.data.backend import MPFS_ADDED, RulesDB, SqliteRules, Writer, as_rules_db, connect
from advisor.data.detect import GPCI, KIND_LABEL, MUE, PTP, PTP_PARTS, RVU
from advisor.data.readers import Parsed, parse, sources
from advisor.errors import DataError

DATA_TABLE = {PTP: "ptp", MUE: "mue", RVU: "mpfs", GPCI: "gpci"}
PTP_COLUMNS = ("file", "col1", "col2", "eff", "del", "mi", "rationale", "prior1996")
MUE_COLUMNS = ("file", "code", "value", "mai", "mai_text", "rationale")
GPCI_COLUMNS = ("file", "mac", "state", "locality", "name", "pw", "pe", "mp")
MPFS_COLUMNS = ("file", "code", "modifier", "description", "status", "global_days", "mult_proc", "bilateral",
                *(name for name, _ in MPFS_ADDED))
Progress = Callable[[Iterable[Any]], Iterable[Any]]  # wraps the rows of one file (a tqdm bar, or nothing)


@dataclass
class FileReport:
    where: str
    table: str
    part: str
    rows: int
    status: str  # loaded | replaced | unchanged


def _delete_file(conn: Writer, file_id: int, kind: str) -> None:
    conn.execute(f"DELETE FROM {DATA_TABLE[kind]} WHERE file = ?", (file_id,))
    conn.execute("DELETE FROM files WHERE id = ?", (file_id,))


def _load(conn: Writer, parsed: Parsed, file_id: int,
          progress: Progress) -> tuple[int, str | None, str | None]:
    """Insert the rows of one file; returns (rows, min code, max code)."""
    kind, count = parsed.version.kind, 0
    lo: str | None = None
    hi: str | None = None
    if kind == PTP:
        texts = dict(conn.execute("SELECT text, id FROM rationale"))
        next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM rationale")[0][0]
        new: list[tuple[int, str]] = []

        def ptp_rows() -> Iterator[tuple]:
            nonlocal count, lo, hi, next_id
            for col1, col2, eff, dele, mi, rationale, old in progress(parsed.records):
                rid = texts.get(rationale)
                if rid is None:
                    rid = texts[rationale] = next_id
                    next_id += 1
                    new.append((rid, rationale))
                if lo is None or col1 < lo:
                    lo = col1
                if hi is None or col1 > hi:
                    hi = col1
                count += 1
                yield file_id, col1, col2, eff, dele, mi, rid, old

        conn.insert_rows("ptp", PTP_COLUMNS, ptp_rows())
        conn.insert_rows("rationale", ("id", "text"), new)
        return count, lo, hi

    def plain_rows() -> Iterator[tuple]:
        nonlocal count
        for record in progress(parsed.records):
            count += 1
            yield (file_id, *record)

    columns = {MUE: MUE_COLUMNS, GPCI: GPCI_COLUMNS}.get(kind, MPFS_COLUMNS)
    conn.insert_rows(DATA_TABLE[kind], columns, plain_rows())
    return count, None, None


def _tqdm(where: str) -> Progress:
    from tqdm import tqdm

    return lambda it: tqdm(it, desc=Path(where.split("!")[-1]).name, unit=" rows", unit_scale=True, disable=None,
                           mininterval=0.5)


def import_paths(paths: list[Path], target: Path | RulesDB, progress: bool = True) -> list[FileReport]:
    """Import every CMS table the paths hold, all in one transaction (a SQLite path or a RulesDB). Raises DataError
    (nothing changed) on bad input."""
    found = []
    for path in paths:
        srcs = sources(Path(path))
        parsed_any = False
        for src in srcs:
            # Sniff now (cheap, reads the first lines) so unknown files fail before the database is touched.
            parsed = parse(src, in_zip=len(src.names) > 1)
            if parsed is not None:
                found.append((src, parsed.version))
                parsed_any = True
        if not parsed_any:
            raise DataError(f"{path}: holds no CMS PTP, MUE, MPFS RVU or GPCI table", str(path))
    reports: list[FileReport] = []
    with as_rules_db(target).write() as conn:
        for src, version in found:
            sha = src.sha256()
            row = conn.execute("SELECT id, sha256 FROM files WHERE kind = ? AND version = ? AND part = ?",
                               (version.kind, version.version, version.part))
            row = row[0] if row else None
            if row is not None and row[1] == sha:
                reports.append(FileReport(src.where, version.table, version.part, 0, "unchanged"))
                continue
            if row is not None:
                _delete_file(conn, row[0], version.kind)
            parsed = parse(src, in_zip=len(src.names) > 1)
            assert parsed is not None
            file_id = conn.insert_id(
                "INSERT INTO files (kind, version, part, effective, name, sha256, imported_at) VALUES (?,?,?,?,?,?,?)",
                (version.kind, version.version, version.part, version.effective.isoformat(), src.where, sha,
                 datetime.now(UTC).isoformat(timespec="seconds")))
            count, lo, hi = _load(conn, parsed, file_id, _tqdm(src.where) if progress else (lambda it: it))
            if count == 0:
                raise DataError(f"{src.where}: the header was found but no data rows follow", src.where)
            conn.execute("UPDATE files SET rows = ?, min_code = ?, max_code = ? WHERE id = ?", (count, lo, hi, file_id))
            reports.append(FileReport(src.where, version.table, version.part, count,
                                      "replaced" if row is not None else "loaded"))
        conn.execute("UPDATE generation SET n = n + 1 WHERE id = 1")  # every reader re-reads on its next request
    return reports


@dataclass
class Loaded:
    kind: str
    version: str
    table: str
    effective: str
    parts: list[str]
    rows: int
    imported_at: str
    missing: list[str] = field(default_factory=list)  # PTP parts not imported: the table is partial

    @property
    def partial(self) -> bool:
        return bool(self.missing)


def status(where: Path | RulesDB) -> list[Loaded]:
    """What is loaded, one entry per table version."""
    rules = as_rules_db(where)
    if not rules.exists():
        return []
    if isinstance(rules, SqliteRules):
        connect(rules.path).close()  # an older SQLite database gains the tables it lacks (as every write does)
    out: dict[tuple[str, str], Loaded] = {}
    for kind, version, part, eff, rows, at in rules.query(
            "SELECT kind, version, part, effective, rows, imported_at FROM files ORDER BY kind, effective, part"):
        entry = out.setdefault((kind, version), Loaded(kind, version, f"{KIND_LABEL[kind]} {version}", eff, [], 0, at))
        if part:
            entry.parts.append(part)
        entry.rows += rows
        entry.imported_at = max(entry.imported_at, at)
    for entry in out.values():
        if entry.kind == PTP and entry.parts:  # a file without a part number is the whole table
            entry.missing = [p for p in PTP_PARTS if p not in entry.parts]
    return list(out.values())


def remove(where: Path | RulesDB, version: str) -> list[str]:
    """Unload every table whose version or label matches (e.g. 'v32.1r0', 'CMS PTP v32.1r0', '2026-01-01')."""
    want = " ".join(version.split()).lower()
    matches = [e for e in status(where)
               if want in (e.version.lower(), e.table.lower(), f"{e.kind} {e.version}".lower())]
    if not matches:
        raise DataError(f"no imported table has version {version!r}; see `advisor data status`", version)
    with as_rules_db(where).write() as conn:
        for entry in matches:
            for (file_id,) in conn.execute("SELECT id FROM files WHERE kind = ? AND version = ?",
                                           (entry.kind, entry.version)):
                _delete_file(conn, file_id, entry.kind)
        conn.execute("DELETE FROM rationale WHERE id NOT IN (SELECT DISTINCT rationale FROM ptp)")
        conn.execute("UPDATE generation SET n = n + 1 WHERE id = 1")
    return [e.table for e in matches]

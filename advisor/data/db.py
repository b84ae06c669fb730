"""The local rules database: schema, the import transaction, status and removal.

One `import_paths` call is one transaction: every file is parsed while its rows are inserted (executemany over a
generator), and any error rolls the whole call back, leaving the database exactly as it was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from advisor.data.detect import GPCI, KIND_LABEL, MUE, PTP, PTP_PARTS, RVU
from advisor.data.readers import Parsed, parse, sources
from advisor.errors import DataError

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, version TEXT NOT NULL, part TEXT NOT NULL, effective TEXT NOT NULL,
    name TEXT NOT NULL, sha256 TEXT NOT NULL, rows INTEGER NOT NULL DEFAULT 0, min_code TEXT, max_code TEXT,
    imported_at TEXT NOT NULL, UNIQUE (kind, version, part));
CREATE TABLE IF NOT EXISTS rationale (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS ptp (
    file INTEGER NOT NULL, col1 TEXT NOT NULL, col2 TEXT NOT NULL, eff INTEGER NOT NULL, del INTEGER NOT NULL,
    mi INTEGER NOT NULL, rationale INTEGER NOT NULL, prior1996 INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ptp_pair ON ptp (col1, col2);
CREATE INDEX IF NOT EXISTS ptp_col2 ON ptp (col2);
CREATE TABLE IF NOT EXISTS mue (
    file INTEGER NOT NULL, code TEXT NOT NULL, value INTEGER NOT NULL, mai INTEGER NOT NULL, mai_text TEXT,
    rationale TEXT);
CREATE INDEX IF NOT EXISTS mue_code ON mue (code);
CREATE TABLE IF NOT EXISTS mpfs (
    file INTEGER NOT NULL, code TEXT NOT NULL, modifier TEXT NOT NULL, description TEXT, status TEXT,
    global_days TEXT, mult_proc TEXT, bilateral TEXT, assistant TEXT, work_rvu REAL, pe_nonfac REAL, pe_fac REAL,
    mp_rvu REAL, conv_factor REAL);
CREATE INDEX IF NOT EXISTS mpfs_code ON mpfs (code);
CREATE TABLE IF NOT EXISTS gpci (
    file INTEGER NOT NULL, mac TEXT NOT NULL, state TEXT NOT NULL, locality TEXT NOT NULL, name TEXT NOT NULL,
    pw REAL NOT NULL, pe REAL NOT NULL, mp REAL NOT NULL);
"""
DATA_TABLE = {PTP: "ptp", MUE: "mue", RVU: "mpfs", GPCI: "gpci"}
# Columns added to mpfs after its first release (payment estimate, assistant indicator): a database made before them
# gains them empty on the next write, and its RVU rows fill them when the RVU file is imported again.
MPFS_ADDED = (("assistant", "TEXT"), ("work_rvu", "REAL"), ("pe_nonfac", "REAL"), ("pe_fac", "REAL"),
              ("mp_rvu", "REAL"), ("conv_factor", "REAL"))
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


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the rules database; autocommit mode, transactions are explicit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-262144")  # 256 MB page cache: the index build of a full PTP table stays in memory
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.executescript(SCHEMA)
    present = {row[1] for row in conn.execute("PRAGMA table_info(mpfs)")}
    for name, kind in MPFS_ADDED:
        if name not in present:
            conn.execute(f"ALTER TABLE mpfs ADD COLUMN {name} {kind}")
    return conn


@contextmanager
def transaction(db_path: Path) -> Iterator[sqlite3.Connection]:
    """One write transaction on the rules database: committed whole, or rolled back whole on any error."""
    conn = connect(db_path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def _delete_file(conn: sqlite3.Connection, file_id: int, kind: str) -> None:
    conn.execute(f"DELETE FROM {DATA_TABLE[kind]} WHERE file = ?", (file_id,))
    conn.execute("DELETE FROM files WHERE id = ?", (file_id,))


def _load(conn: sqlite3.Connection, parsed: Parsed, file_id: int,
          progress: Progress) -> tuple[int, str | None, str | None]:
    """Insert the rows of one file; returns (rows, min code, max code)."""
    kind, count = parsed.version.kind, 0
    lo: str | None = None
    hi: str | None = None
    if kind == PTP:
        texts = dict(conn.execute("SELECT text, id FROM rationale"))
        next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM rationale").fetchone()[0]
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

        conn.executemany("INSERT INTO ptp VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ptp_rows())
        conn.executemany("INSERT INTO rationale VALUES (?, ?)", new)
        return count, lo, hi

    def plain_rows() -> Iterator[tuple]:
        nonlocal count
        for record in progress(parsed.records):
            count += 1
            yield (file_id, *record)

    if kind in (MUE, GPCI):
        marks = ", ".join("?" * (6 if kind == MUE else 8))
        conn.executemany(f"INSERT INTO {DATA_TABLE[kind]} VALUES ({marks})", plain_rows())
    else:
        marks = ", ".join("?" * len(MPFS_COLUMNS))
        conn.executemany(f"INSERT INTO mpfs ({', '.join(MPFS_COLUMNS)}) VALUES ({marks})", plain_rows())
    return count, None, None


def _tqdm(where: str) -> Progress:
    from tqdm import tqdm

    return lambda it: tqdm(it, desc=Path(where.split("!")[-1]).name, unit=" rows", unit_scale=True, disable=None,
                           mininterval=0.5)


def import_paths(paths: list[Path], db_path: Path, progress: bool = True) -> list[FileReport]:
    """Import every CMS table the paths hold, all in one transaction. Raises DataError (nothing changed) on bad
    input."""
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
    with transaction(db_path) as conn:
        for src, version in found:
            sha = src.sha256()
            row = conn.execute("SELECT id, sha256 FROM files WHERE kind = ? AND version = ? AND part = ?",
                               (version.kind, version.version, version.part)).fetchone()
            if row is not None and row[1] == sha:
                reports.append(FileReport(src.where, version.table, version.part, 0, "unchanged"))
                continue
            if row is not None:
                _delete_file(conn, row[0], version.kind)
            parsed = parse(src, in_zip=len(src.names) > 1)
            assert parsed is not None
            file_id = conn.execute(
                "INSERT INTO files (kind, version, part, effective, name, sha256, imported_at) VALUES (?,?,?,?,?,?,?)",
                (version.kind, version.version, version.part, version.effective.isoformat(), src.where, sha,
                 datetime.now(UTC).isoformat(timespec="seconds")),
            ).lastrowid
            assert file_id is not None  # set by every INSERT
            count, lo, hi = _load(conn, parsed, file_id, _tqdm(src.where) if progress else (lambda it: it))
            if count == 0:
                raise DataError(f"{src.where}: the header was found but no data rows follow", src.where)
            conn.execute("UPDATE files SET rows = ?, min_code = ?, max_code = ? WHERE id = ?", (count, lo, hi, file_id))
            reports.append(FileReport(src.where, version.table, version.part, count,
                                      "replaced" if row is not None else "loaded"))
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


def status(db_path: Path) -> list[Loaded]:
    """What is loaded, one entry per table version."""
    if not db_path.exists():
        return []
    conn = connect(db_path)
    try:
        out: dict[tuple[str, str], Loaded] = {}
        for kind, version, part, eff, rows, at in conn.execute(
                "SELECT kind, version, part, effective, rows, imported_at FROM files ORDER BY kind, effective, part"):
            entry = out.setdefault((kind, version),
                                   Loaded(kind, version, f"{KIND_LABEL[kind]} {version}", eff, [], 0, at))
            if part:
                entry.parts.append(part)
            entry.rows += rows
            entry.imported_at = max(entry.imported_at, at)
        for entry in out.values():
            if entry.kind == PTP and entry.parts:  # a file without a part number is the whole table
                entry.missing = [p for p in PTP_PARTS if p not in entry.parts]
        return list(out.values())
    finally:
        conn.close()


def remove(db_path: Path, version: str) -> list[str]:
    """Unload every table whose version or label matches (e.g. 'v32.1r0', 'CMS PTP v32.1r0', '2026-01-01')."""
    want = " ".join(version.split()).lower()
    matches = [e for e in status(db_path)
               if want in (e.version.lower(), e.table.lower(), f"{e.kind} {e.version}".lower())]
    if not matches:
        raise DataError(f"no imported table has version {version!r}; see `advisor data status`", version)
    with transaction(db_path) as conn:
        for entry in matches:
            for (file_id,) in conn.execute("SELECT id FROM files WHERE kind = ? AND version = ?",
                                           (entry.kind, entry.version)).fetchall():
                _delete_file(conn, file_id, entry.kind)
        conn.execute("DELETE FROM rationale WHERE id NOT IN (SELECT DISTINCT rationale FROM ptp)")
    return [e.table for e in matches]

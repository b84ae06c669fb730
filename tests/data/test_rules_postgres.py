"""The imported CMS tables in PostgreSQL (ADVISOR_DATABASE_URL): the same files give the same look-ups, checks and
status as the SQLite rules database, an import or removal by another process is seen on the next read (the
generation number), and a failed import leaves nothing behind."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest

from advisor.claims import parse_line
from advisor.data import db
from advisor.data.backend import PostgresRules, SqliteRules, rules_db
from advisor.data.tables import ImportedCatalog, ImportedTables
from advisor.errors import DataError
from advisor.rules.engine import check
from advisor.rules.model import Facts
from advisor.services import build_catalog
from advisor.settings import Settings
from tests.servers import fresh_database

pytestmark = pytest.mark.slow

DOS = date(2026, 5, 4)
CLAIMS = [["64635", "64493"], ["64493", "27096-XS"], ["20610", "20553"], ["64493-50", "64494-50"], ["64493 x3"],
          ["99213-25", "64493"], ["64493", "64483"], ["G0260", "20552"], ["64636 x3", "64635"]]


@pytest.fixture
def pg(pg_cluster: str, cms, tmp_path):
    url = fresh_database(pg_cluster)
    settings = Settings(data_dir=tmp_path / "pg-data", embedder="fake", database_url=url)
    return settings, rules_db(settings)


def test_settings_choose_postgres_for_the_rules_database(pg, cms) -> None:
    settings, rules = pg
    assert isinstance(rules, PostgresRules) and rules.generation() is None
    assert isinstance(rules_db(cms.settings), SqliteRules)
    assert build_catalog(settings) is build_catalog(cms.settings)  # nothing imported: the curated catalog, both


def test_same_files_same_answers_as_sqlite(pg, cms) -> None:
    settings, rules = pg
    files = [cms.ptp_text(), cms.mue(), cms.rvu()]
    assert [r.rows for r in db.import_paths(files, rules, progress=False)] == \
        [r.rows for r in db.import_paths(files, cms.db, progress=False)]
    assert not (settings.data_dir / "cms_tables.sqlite").exists()
    lite, post = ImportedTables(cms.db), ImportedTables(rules)
    assert [(v.table, v.effective, v.ranges) for v in post.all_versions()] == \
        [(v.table, v.effective, v.ranges) for v in lite.all_versions()]

    def plain(entries: dict) -> dict:
        return {k: {**asdict(e), "version": e.version.table} for k, e in entries.items()}

    codes = ["64493", "64494", "64635", "64636", "20552", "20610", "99213", "27096", "64483", "G0260"]
    assert plain(post.mue_many(codes, DOS)) == plain(lite.mue_many(codes, DOS))
    assert plain(post.mpfs_modifier_rows(codes, DOS)) == plain(lite.mpfs_modifier_rows(codes, DOS))
    assert plain(post.ptp_among(codes, DOS)) == plain(lite.ptp_among(codes, DOS))
    assert [asdict(e) for e in post.ptp_of("64493", DOS)] == [asdict(e) for e in lite.ptp_of("64493", DOS)]
    assert post.codes_like("644") == lite.codes_like("644") and post.knows("27096") and not post.knows("00000")
    assert post.mpfs("64493", DOS).work_rvu == 1.05  # double precision: the RVUs come back exactly

    pg_catalog, lite_catalog = build_catalog(settings), build_catalog(cms.settings)
    assert isinstance(pg_catalog, ImportedCatalog)
    for claim in CLAIMS:
        facts = Facts(date_of_service=DOS, distinct_sites=True)
        got = check([parse_line(x) for x in claim], facts, pg_catalog).model_dump()
        assert got == check([parse_line(x) for x in claim], facts, lite_catalog).model_dump(), claim
    assert [vars(e) | {"imported_at": ""} for e in db.status(rules)] == \
        [vars(e) | {"imported_at": ""} for e in db.status(cms.db)]


def test_another_process_import_and_removal_are_seen_on_the_next_read(pg, cms) -> None:
    settings, rules = pg
    db.import_paths([cms.mue()], rules, progress=False)
    first = build_catalog(settings)
    assert build_catalog(settings) is first  # same generation: the cached view, no re-read
    generation = rules.generation()
    other = PostgresRules(settings.database_url)  # another worker or host: its own pool
    db.import_paths([cms.rvu()], other, progress=False)
    assert rules.generation() == generation + 1
    second = build_catalog(settings)
    assert second is not first and second.for_check(["64493"], DOS).code("64493").global_days == "010"  # the RVU file's, not the curated 000
    assert db.import_paths([cms.rvu()], other, progress=False)[0].status == "unchanged"
    assert db.remove(other, "2026 A") == ["CMS MPFS RVU 2026 A"]
    assert build_catalog(settings).for_check(["64493"], DOS).code("64493").global_days == "000"


def test_a_failed_import_leaves_the_postgres_tables_as_they_were(pg, cms) -> None:
    settings, rules = pg
    db.import_paths([cms.mue()], rules, progress=False)
    before = (rules.generation(), db.status(rules))
    bad = cms.ptp_text(extra_lines=["64493\t64494\t\t20260101"])  # a truncated row after good ones
    with pytest.raises(DataError, match="expected at least 6"):
        db.import_paths([cms.rvu(), bad], rules, progress=False)
    assert (rules.generation(), db.status(rules)) == before
    assert ImportedTables(rules).ptp("64635", "64493", DOS) is None

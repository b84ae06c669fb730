"""Primary sources first: no citation to an unreliable site, every value primary-supported or marked secondary-only,
every rule and knowledge document with a primary source id, and `advisor sources --check | --report` from the shell."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.claims import coerce_lines
from advisor.retrieval.knowledge import load_knowledge
from advisor.rules.catalog import CATALOG_DIR, load_curated
from advisor.rules.engine import check
from advisor.rules.model import Facts
from advisor.rules.rulebook import registered
from advisor.services import build_catalog
from advisor.settings import get_settings
from advisor.sourcing.audit import run_audit
from advisor.sourcing.policy import load_policy

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"
VERITY = "https://verity.backworkai.com/policy/A58745"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "advisor", "sources", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_the_shipped_catalog_and_documents_pass_the_source_audit() -> None:
    audit = run_audit(KNOWLEDGE)
    assert audit.problems == []


def test_the_unreliable_list_has_one_home_and_names_the_sites_facts_md_retires() -> None:
    policy = load_policy()
    for site in ("verity.backworkai.com", "legalclarity.org", "insuredandmore.com", "iframe.ai", "genhealth.ai",
                 "mirahealth.care", "payerready.com", "shuhub.xyz", "medicalbillingcptmodifiers.com", "5y1.org"):
        assert policy.unreliable_reason(f"https://{site}/x"), site
    assert policy.unreliable_reason("http://www.medicalbillingcptmodifiers.com/2019/11/x.html")
    assert policy.unreliable_reason("https://www.cms.gov/medicare-coverage-database/x") is None
    assert policy.is_primary_url("https://oig.hhs.gov./reports/x") and not policy.is_primary_url("https://aapc.com/x")


def test_no_catalog_source_or_document_cites_an_unreliable_site() -> None:
    policy = load_policy()
    catalog = load_curated()
    assert [s.id for s in catalog.sources.values() if policy.unreliable_reason(s.url)] == []
    for doc in load_knowledge(KNOWLEDGE):
        urls = [*doc.sources, *re.findall(r"https?://\S+", doc.markdown)]
        assert [u for u in urls if policy.unreliable_reason(u)] == [], doc.id


def test_every_rule_and_every_document_carries_a_primary_source_id() -> None:
    catalog = load_curated()
    policy = load_policy()
    for name, rule in registered().items():
        assert any(catalog.sources[s].tag == "P" and catalog.sources[s].doc for s in rule.sources), name
    for doc in load_knowledge(KNOWLEDGE):
        assert doc.primary, doc.id
        assert all(policy.is_primary_url(ref.url) and ref.url in doc.sources for ref in doc.primary), doc.id


def test_a_value_without_primary_support_is_marked_secondary_or_unconfirmed() -> None:
    audit = run_audit(KNOWLEDGE)
    unmarked = [v for v in audit.secondary_only() if v.table != "rules" and v.confidence == "confirmed"]
    assert unmarked == []
    assert audit.secondary_only(), "the report must list the values still secondary-only"


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    catalog, knowledge = tmp_path / "catalog", tmp_path / "knowledge"
    shutil.copytree(CATALOG_DIR, catalog)
    shutil.copytree(KNOWLEDGE, knowledge)
    return catalog, knowledge


def test_the_audit_fails_on_an_unreliable_citation_in_a_document(tmp_path: Path) -> None:
    catalog, knowledge = _copy(tmp_path)
    doc = knowledge / "modifier-kx.md"
    doc.write_text(doc.read_text().replace("sources:\n", f"sources:\n  - {VERITY}\n", 1))
    problems = run_audit(knowledge, catalog).problems
    assert any("modifier-kx.md cites an unreliable source" in p and "verity" in p for p in problems), problems


def test_the_audit_fails_on_an_unreliable_catalog_source_and_a_confirmed_value_without_primary_text(
        tmp_path: Path) -> None:
    catalog, knowledge = _copy(tmp_path)
    sources = catalog / "sources.yaml"
    sources.write_text(sources.read_text().replace('url: "https://zotecpartners.com/resources/what-radiologists',
                                                   'url: "https://verity.backworkai.com/x/what-radiologists', 1))
    lcd = catalog / "lcd.yaml"
    lcd.write_text(lcd.read_text().replace("tf_max_levels: {v: 2, src: [zotec-esi, cms-a58745], conf: secondary}",
                                           "tf_max_levels: {v: 2, src: [zotec-esi, cms-a58745], conf: confirmed}"))
    problems = run_audit(knowledge, catalog).problems
    assert any("zotec-esi is on the unreliable list" in p for p in problems), problems
    assert any("params.tf_max_levels is marked confirmed but no primary text supports it" in p for p in problems)


def test_the_audit_fails_on_a_document_without_a_primary_document(tmp_path: Path) -> None:
    catalog, knowledge = _copy(tmp_path)
    doc = knowledge / "mue-mai.md"
    text = doc.read_text()
    text = re.sub(r"primary:\n(?:  - \{.*\}\n)+", "", text)
    text = re.sub(r"secondary_only:\n(?:  - .*\n)+", "", text)
    doc.write_text(text)
    problems = run_audit(knowledge, catalog).problems
    assert any("mue-mai.md names no primary document" in p for p in problems), problems


def test_findings_cite_primary_sources_first_with_document_id_and_mark_secondary_ones() -> None:
    result = check(coerce_lines(["64493-50"]), Facts(sedation=True, diagnostic=True), build_catalog(get_settings()))
    sedation = next(f for f in result.findings if f.rule == "LCD-SEDATION")
    assert sedation.sources[0].startswith(("NGS (Medicare MAC)", "CGS (Medicare MAC)")), sedation.sources
    assert "not reasonable and necessary with facet joint injections or medial branch blocks" in sedation.message
    assert "[L35936" in " ".join(sedation.sources) or "[CGS article cope191829" in " ".join(sedation.sources)
    tpi = check(coerce_lines(["20552", "20552"]), Facts(), build_catalog(get_settings()))
    cited = [s for f in tpi.findings for s in f.sources]
    assert any(s.endswith(">") and "(secondary)" in s for s in cited), cited


def test_check_exits_0_on_the_shipped_data_and_lists_secondary_only_values() -> None:
    done = run("--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "values rest on secondary sources only" in done.stdout
    assert "lcd.yaml params.esi_one_region [unconfirmed]" in done.stdout
    assert "lcd.yaml sessions.esi" not in done.stdout  # primary since the OIG recommendation was read
    assert "ok: every value is primary-supported or marked" in done.stdout


def test_check_exits_1_naming_the_document_that_cites_an_unreliable_site(tmp_path: Path) -> None:
    _, knowledge = _copy(tmp_path)
    doc = knowledge / "facet-rfa.md"
    doc.write_text(doc.read_text().replace("sources:\n", f"sources:\n  - {VERITY}\n", 1))
    done = run("--check", env={"ADVISOR_KNOWLEDGE_DIR": str(knowledge)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "facet-rfa.md cites an unreliable source https://verity.backworkai.com" in done.stdout


def test_a_missing_knowledge_directory_exits_2_with_a_message(tmp_path: Path) -> None:
    done = run("--check", env={"ADVISOR_KNOWLEDGE_DIR": str(tmp_path / "nowhere")})
    assert done.returncode == 2
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr


def test_report_prints_coverage_per_table_and_document_and_the_secondary_only_values() -> None:
    done = run("--report")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Primary-source coverage")
    for table in ("codes.yaml", "lcd.yaml", "ptp.yaml", "modifiers.yaml", "payment.yaml", "rules"):
        assert re.search(rf"^  {re.escape(table)}\s+\d+\s+\d+\s+[\d.]+%", out, re.M), table
    assert re.search(r"^  lcd-facet-joint-interventions\s+\d+\s+[\d.]+%\s+L38803", out, re.M)
    assert "Values still secondary-only (" in out and "Statements the documents mark secondary-only (" in out


def test_report_json_totals_agree_with_the_tables() -> None:
    done = run("--report", "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    tables, totals = body["tables"], body["totals"]
    assert totals["values"] == sum(t["values"] for t in tables.values())
    assert totals["primary_supported"] == sum(t["primary_supported"] for t in tables.values())
    assert totals["documents_with_primary"] == totals["documents"] == len(body["documents"])
    assert 0 < totals["citation_share"] < 1 and body["problems"] == []
    assert len(body["secondary_only"]) == totals["values"] - totals["primary_supported"]
    lcd = tables["lcd.yaml"]
    assert lcd["share"] == pytest.approx(lcd["primary_supported"] / lcd["values"], abs=1e-3)


def test_the_accuracy_check_records_at_least_40_claims_against_primary_text() -> None:
    from advisor.sourcing.audit import verification_rows

    rows = verification_rows(KNOWLEDGE)
    policy = load_policy()
    first = [r for r in rows if r.reader == "first"]
    second = [r for r in rows if r.reader == "second"]
    assert len(first) >= 40 and [r.number for r in first] == list(range(1, len(first) + 1))
    assert len(second) >= 50 and [r.number for r in second] == list(range(1, len(second) + 1))
    third = [r for r in rows if r.reader == "third"]
    assert len(third) >= 30 and [r.number for r in third] == list(range(1, len(third) + 1))
    fourth = [r for r in rows if r.reader == "fourth"]
    assert len(fourth) >= 50 and [r.number for r in fourth] == list(range(1, len(fourth) + 1))
    order = ("first", "second", "third", "fourth")
    assert [r.reader for r in rows] == sorted((r.reader for r in rows), key=order.index)
    assert {r.verdict for r in rows} <= {"correct", "wrong", "overstated", "unverifiable"}
    for r in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.checked), r
        urls = re.findall(r"https?://\S+", r.source)
        if r.verdict != "unverifiable":
            assert any(policy.is_primary_url(u) for u in urls), r
        assert not any(policy.unreliable_reason(u) for u in urls), r
    assert (KNOWLEDGE / "VERIFICATION.md").name.removesuffix(".md").lower() not in {d.id for d in
                                                                                    load_knowledge(KNOWLEDGE)}


def test_report_json_carries_the_accuracy_check_verdicts() -> None:
    body = json.loads(run("--report", "--json").stdout)
    v = body["verification"]
    assert v["claims"] >= 40 and v["checkable"] == v["claims"] - v["unverifiable"]
    assert v["correct"] + v["wrong"] + v["overstated"] + v["unverifiable"] == v["claims"]
    second = body["second_reader"]
    assert second["claims"] >= 50 and second["checkable"] == second["claims"] - second["unverifiable"]
    assert second["correct_share_of_checkable"] == pytest.approx(second["correct"] / second["checkable"], abs=1e-3)
    third, fourth, both = body["third_reader"], body["fourth_reader"], body["independent"]
    assert third["claims"] >= 30 and fourth["claims"] >= 50
    assert both["claims"] == second["claims"] + third["claims"] + fourth["claims"]
    assert both["correct"] == second["correct"] + third["correct"] + fourth["correct"]
    assert both["checkable"] == second["checkable"] + third["checkable"] + fourth["checkable"]
    out = run("--report").stdout
    assert "Third reader (independent): " in out and "Fourth reader (independent): " in out
    assert "Independent readers together: " in out

"""Every rule: at least one case where it fires and one where it must not, each naming the source it rests on."""

from __future__ import annotations

import pytest

from advisor.claims import format_line
from advisor.rules.catalog import curated_catalog
from advisor.rules.engine import check_request

FCSO = "First Coast facet coding guide / CMS A57787"
CASES = [
    # id, lines, facts, fires, must_not_fire, corrected claim (None = don't compare), source
    ("catalog-unknown", ["64999"], {}, ["CATALOG-UNKNOWN"], [], ["64999"], "CPT code set; out-of-catalog codes are flagged"),
    ("catalog-known", ["64493"], {}, [], ["CATALOG-UNKNOWN"], ["64493"], "codes.yaml"),
    ("mod25-on-procedure", ["99213", "64483-25"], {"separate_problem": True}, ["MOD25-NOT-EM", "EM-NEEDS-25"], [],
     ["99213-25", "64483"], "NCCI Ch. I §D; 25 goes on the E/M line (context4healthcare)"),
    ("mod25-on-em-ok", ["99213-25", "64483"], {"separate_problem": True}, [], ["MOD25-NOT-EM", "EM-25-UNSUPPORTED"],
     ["99213-25", "64483"], "NCCI Ch. I §D"),
    ("mod57-minor", ["99214-57", "64635"], {"separate_problem": True}, ["MOD57"], [], ["99214-25", "64635"],
     "MPFS global definitions: 57 is for 090-day procedures"),
    ("x-on-em", ["99213-25-59", "20610"], {"separate_problem": True}, ["X-ON-EM"], [], ["99213-25", "20610"],
     "Payer 59/X policy: never on E/M"),
    ("x-multiple", ["20610", "20552-59-XS"], {"distinct_sites": True}, ["X-MULTIPLE"], [], ["20610", "20552-XS"],
     "Payer 59/X policy: one per line"),
    ("x-prefer-xs", ["20610", "20552-59"], {}, ["X-PREFER-XS"], ["X-MULTIPLE"], ["20610", "20552-XS"], "CMS CR8863"),
    ("x-prefer-xs-commercial-info", ["20610", "20552-59"], {"payer": "commercial"}, ["X-PREFER-XS"], [],
     ["20610", "20552-59"], "CMS CR8863 is Medicare's; commercial payers vary"),
    ("addon-51", ["64493", "64494-51"], {}, ["ADDON-51"], [], ["64493", "64494"], FCSO),
    ("addon-no-51", ["64493", "64494"], {}, [], ["ADDON-51", "ADDON-PRIMARY"], ["64493", "64494"], FCSO),
    ("addon-without-primary", ["64494"], {}, ["ADDON-PRIMARY"], [], ["64493", "64494"], "CPT add-on convention"),
    ("addon-tfesi-without-primary", ["64484 x2"], {}, ["ADDON-PRIMARY"], [], ["64483", "64484 x2"], "CPT add-on convention"),
    ("77003-alone", ["77003"], {}, ["ADDON-PRIMARY"], [], [], "77003 is an add-on guidance code (codingahead)"),
    ("facet-levels-units", ["64493 x3"], {}, ["FACET-LEVELS"], [], ["64493", "64494", "64495"], "CMS A58350; FCSO"),
    ("rfa-levels-units", ["64635 x3"], {}, ["FACET-LEVELS"], [], ["64635", "64636 x2"], "CMS A58350"),
    ("facet-levels-ok", ["64493", "64494"], {}, [], ["FACET-LEVELS", "FACET-ADDON-ONCE"], ["64493", "64494"], FCSO),
    ("facet-addon-once", ["64493", "64494", "64495 x3"], {}, ["FACET-ADDON-ONCE"], [], ["64493", "64494", "64495"],
     "AAPC: one unit of 64495 for levels 3-5"),
    ("facet-bilateral-addon-x2", ["64493-50", "64494 x2"], {}, ["FACET-ADDON-ONCE"], [], ["64493-50", "64494"],
     "CMS A57787: a bilateral level is one level"),
    ("catheter-once", ["62327 x3"], {}, ["CATHETER-ONCE"], [], ["62327"], "CPT catheter note (iframe.ai)"),
    ("catheter-once-ok", ["62327"], {}, [], ["CATHETER-ONCE"], ["62327"], "CPT catheter note"),
    ("tpi-units", ["20552 x4"], {}, ["TPI-UNITS"], [], ["20552"], "AAPC: trigger point codes count muscles"),
    ("tpi-muscles", ["20552"], {"muscles": 4}, ["TPI-MUSCLES"], [], ["20553"], "AAPC trigger point counting"),
    ("tpi-muscles-ok", ["20553"], {"muscles": 4}, [], ["TPI-MUSCLES", "TPI-UNITS"], ["20553"], "AAPC"),
    ("tpi-one-code", ["20552", "20553"], {}, ["TPI-ONE-CODE"], [], ["20553"], "Payer statements: one TPI code per day"),
    ("tpi-no-50", ["20553-50"], {}, ["TPI-NO-50"], ["BILATERAL-50"], ["20553"], "Find-A-Code; A59480"),
    ("joint-units", ["20610 x2"], {}, ["JOINT-UNITS"], [], ["20610"], "AAPC: one unit per joint"),
    ("joint-duplicate", ["20610", "20610"], {}, ["JOINT-UNITS"], [], ["20610"], "NCCI Ch. IV via claimmaxrcm"),
    ("joint-two-sides-ok", ["20610-RT", "20605-LT"], {}, [], ["JOINT-UNITS", "JOINT-GUIDED-UNGUIDED"],
     ["20610-RT", "20605-LT"], "AAPC"),
    ("joint-guided-unguided", ["20611", "20610"], {}, ["JOINT-GUIDED-UNGUIDED"], [], ["20611"], "SuperCoder 2015"),
    ("us-docs-missing", ["20611"], {"ultrasound": {"real_time": True, "permanent_image": False, "report": True}},
     ["US-DOCS"], [], ["20610"], "CPT Assistant Nov 2015 via SuperCoder"),
    ("us-docs-complete", ["20611"], {"ultrasound": {"real_time": True, "permanent_image": True, "report": True}},
     [], ["US-DOCS"], ["20611"], "CPT Assistant Nov 2015"),
    ("imaging-included", ["62323", "77003"], {}, ["IMAGING-INCLUDED"], [], ["62323"], "62323 descriptor (codingahead)"),
    ("imaging-included-facet", ["64493", "77003"], {}, ["IMAGING-INCLUDED"], [], ["64493"], FCSO),
    ("imaging-76942-joint", ["20610", "76942"], {}, ["IMAGING-INCLUDED"], [], ["20610"], "CPT parenthetical (SuperCoder)"),
    ("imaging-77002-joint-ok", ["20610", "77002"], {}, [], ["IMAGING-INCLUDED", "ADDON-PRIMARY"], ["20610", "77002"],
     "AAPC: non-ultrasound guidance reportable with 20610"),
    ("imaging-unguided", ["62322", "77003"], {}, ["IMAGING-UNGUIDED"], [], ["62323"], "CPT 62320-62323 structure"),
    ("imaging-unguided-fact", ["62322"], {"imaging": "fluoroscopy"}, ["IMAGING-UNGUIDED"], [], ["62323"],
     "CPT 62320-62323 structure"),
    ("imaging-us-facet", ["64493"], {"imaging": "ultrasound"}, ["IMAGING-MISMATCH", "LCD-NONCOVERED"], [], ["0216T"],
     "0216T descriptor; A57826"),
    ("si-facility", ["27096"], {"setting": "asc"}, ["SI-FACILITY-G0260"], [], ["G0260"], "A59244"),
    ("si-office-ok", ["27096"], {"setting": "office"}, [], ["SI-FACILITY-G0260", "IMAGING-REQUIRED"], ["27096"],
     "A59243"),
    ("g0260-office", ["G0260"], {}, ["SI-FACILITY-G0260"], [], ["27096"], "A59244"),
    ("si-no-imaging", ["27096"], {"imaging": "none"}, ["IMAGING-REQUIRED"], [], ["20552"], "Former LCD L31359; L39455"),
    ("bilateral-50-not-allowed", ["62323-50"], {}, ["BILATERAL-50", "LCD-IL-BILATERAL"], [], ["62323"],
     "shuhub (62321/62323 not bilateral); A56681"),
    ("bilateral-50-ok", ["64483-50"], {}, [], ["BILATERAL-50"], ["64483-50"], "CPT: 64479-64484 unilateral, use 50"),
    ("bilateral-50-units", ["64493-50 x2"], {}, ["BILATERAL-50"], [], ["64493-50"], "First Coast bilateral indicators"),
    ("bilateral-asc", ["27096-50"], {"setting": "asc"}, ["BILATERAL-RTLT"], [], ["G0260-RT", "G0260-LT"], "A59243"),
    ("rtlt-medicare", ["64493-RT", "64493-LT"], {}, ["BILATERAL-50"], ["BILATERAL-RTLT"], ["64493-50"], "First Coast"),
    ("rtlt-commercial-info", ["64493-RT", "64493-LT"], {"payer": "commercial"}, ["BILATERAL-50"], ["BILATERAL-RTLT"],
     ["64493-RT", "64493-LT"], "Payer-specific bilateral policy"),
    ("ptp-0", ["64493", "27096"], {}, ["PTP"], [], ["64493"], "anesthesiallc: indicator 0 since 2011"),
    ("ptp-1-no-modifier", ["20610", "20552"], {}, ["PTP"], [], ["20610"], "KZA: NCCI edit 20610/20552"),
    ("ptp-1-distinct", ["20610", "20552"], {"distinct_sites": True}, ["PTP"], [], ["20610", "20552-XS"], "KZA"),
    ("ptp-1-modifier-not-distinct", ["20610", "20552-XS"], {"distinct_sites": False}, ["PTP"], [], ["20610"], "KZA"),
    ("ptp-none", ["64483", "20552"], {}, [], ["PTP"], ["64483", "20552"], "ptp.yaml has no such pair"),
    ("mue-mai2", ["27096 x2"], {}, ["MUE"], [], ["27096"], "MUE MAI 2 (Palmetto)"),
    ("mue-mai1-line", ["20605 x3"], {}, ["JOINT-UNITS"], [], ["20605"], "MUE MAI 1 (Palmetto); AAPC joint units"),
    ("mue-ok", ["64636 x3", "64635"], {}, [], ["MUE"], ["64636 x3", "64635"], "memo: 64636 MUE 4"),
    ("em-needs-25", ["99213", "64483"], {"separate_problem": True}, ["EM-NEEDS-25"], [], ["99213-25", "64483"],
     "NCCI Ch. I §D"),
    ("em-no-25-unknown", ["99213", "64483"], {}, ["EM-NEEDS-25"], [], ["64483"], "NCCI Ch. I §D"),
    ("em-25-unsupported", ["99213-25", "64493"], {"separate_problem": False}, ["EM-25-UNSUPPORTED"], [], ["64493"],
     "NCCI Ch. I §D: decision to inject is included"),
    ("em-25-new-patient-alone", ["99203-25", "20610"], {"separate_problem": False, "new_patient": True},
     ["EM-25-UNSUPPORTED"], [], ["20610"], "NCCI Ch. I §D: new patient status alone is not enough"),
    ("em-alone", ["99214"], {}, [], ["EM-NEEDS-25", "EM-25-UNSUPPORTED"], ["99214"], "no procedure, no bundling"),
    ("em-in-global", ["99213"], {"days_since_global_procedure": 5, "global_procedure_code": "64635"},
     ["EM-IN-GLOBAL"], [], [], "MPFS 010 global definition"),
    ("em-in-global-unrelated", ["99213"], {"days_since_global_procedure": 6, "global_procedure_code": "64635",
                                            "separate_problem": True},
     ["EM-IN-GLOBAL"], [], ["99213-24"], "MPFS 010 global definition; Noridian JE modifier 24 (unrelated visit)"),
    ("us-guidance-docs-missing", ["64405", "76942"], {"ultrasound": {"real_time": True, "permanent_image": False}},
     ["US-GUIDANCE-DOCS"], [], ["64405"], "CPT ultrasound guidance guidelines (Zotec, SupportMed)"),
    ("us-guidance-docs-complete", ["64405", "76942"],
     {"ultrasound": {"real_time": True, "permanent_image": True, "report": True}}, [], ["US-GUIDANCE-DOCS"],
     ["64405", "76942"], "CPT ultrasound guidance guidelines (Zotec, SupportMed)"),
    ("em-after-global", ["99213"], {"days_since_global_procedure": 20, "global_procedure_code": "64635"}, [],
     ["EM-IN-GLOBAL"], ["99213"], "MPFS 010 global definition"),
    ("lcd-facet-levels", ["64493", "64494", "64495"], {}, ["LCD-FACET-LEVELS"], [], None, "Facet LCD: 1-2 levels"),
    ("lcd-facet-levels-commercial", ["64493", "64494", "64495"], {"payer": "commercial"}, [], ["LCD-FACET-LEVELS"],
     None, "LCDs are Medicare policy"),
    ("lcd-esi-region", ["64483", "64479"], {}, ["LCD-ESI-REGION"], [], None, "A58745: one region per session"),
    ("lcd-tf-levels", ["64483", "64484 x2"], {}, ["LCD-TF-LEVELS"], [], None, "A58745: TF at most 2 levels"),
    ("lcd-tf-levels-ok", ["64483", "64484"], {}, [], ["LCD-TF-LEVELS", "MUE"], None, "A58745"),
    ("lcd-il-levels", ["62323", "62321"], {}, ["LCD-IL-LEVELS", "LCD-ESI-REGION"], [], None, "A58745: IL 1 level"),
    ("lcd-imaging-unguided", ["62322"], {}, ["LCD-IMAGING"], [], ["62322"], "L33906: CT or fluoroscopy required"),
    ("lcd-noncovered-si-rfa", ["64625"], {}, ["LCD-NONCOVERED"], [], ["64625"], "L39455: SI RFA not covered"),
    ("lcd-kx-diagnostic", ["64493"], {"diagnostic": True}, ["LCD-KX"], [], ["64493-KX"], "A57826: KX on diagnostic"),
    ("lcd-kx-therapeutic", ["64493-KX"], {"diagnostic": False}, ["LCD-KX"], [], ["64493"], "A57826"),
    ("lcd-kx-ok", ["27096-KX"], {"diagnostic": True}, [], ["LCD-KX"], ["27096-KX"], "A59243: KX on diagnostic SI"),
    ("lcd-sessions", ["64483"], {"prior_sessions": {"esi": 4}}, ["LCD-SESSIONS"], [], None, "A58745: 4 ESI sessions"),
    ("lcd-sessions-ok", ["64483"], {"prior_sessions": {"esi": 3}}, [], ["LCD-SESSIONS"], None, "A58745"),
    ("lcd-sessions-tpi", ["20553"], {"prior_sessions": {"tpi": 3}}, ["LCD-SESSIONS"], [], None, "A59480: 3 TPI sessions"),
    ("lcd-relief-facet", ["64493-KX"], {"diagnostic": True, "prior_relief_percent": 60}, ["LCD-RELIEF"], [], None,
     "CGS: second diagnostic block needs 80% relief"),
    ("lcd-relief-ok", ["64493-KX"], {"diagnostic": True, "prior_relief_percent": 85}, [], ["LCD-RELIEF"], None, "CGS"),
    ("lcd-relief-si", ["27096-KX"], {"diagnostic": True, "prior_relief_percent": 70}, ["LCD-RELIEF"], [], None,
     "L39455: 75% relief"),
    ("lcd-relief-si-first-therapeutic", ["27096"], {"diagnostic": False, "prior_relief_percent": 60}, ["LCD-RELIEF"],
     [], None, "L39455: 75% from the diagnostic block before therapy"),
    ("lcd-relief-si-repeat-ok", ["27096"], {"diagnostic": False, "prior_relief_percent": 60,
                                            "prior_sessions": {"si_therapeutic": 1}}, [], ["LCD-RELIEF"], None,
     "NGS FAQ: repeat therapeutic SI needs 50%"),
    ("pulsed-rf-unlisted", ["64635"], {"ablation": "pulsed"}, ["ABLATION-TECHNIQUE"], [], [],
     "CPT instructions before 64633-64636 (via MD Strategies): pulsed RF is 64999"),
    ("lcd-laser-rf", ["64635"], {"ablation": "laser"}, ["LCD-NONCOVERED"], ["ABLATION-TECHNIQUE"], None,
     "Facet LCD (checklist): thermal RF only"),
    ("lcd-thermal-rf-ok", ["64635"], {"ablation": "thermal"}, [], ["LCD-NONCOVERED"], None, "Facet LCD"),
    ("lcd-sedation", ["64493"], {"sedation": True}, ["LCD-SEDATION"], [], None, "NGS: sedation not routine"),
    ("quiet-bilateral-50-office", ["64493-50"], {"setting": "office"}, [], ["BILATERAL-RTLT", "BILATERAL-50"],
     ["64493-50"], "First Coast: 50 with 1 unit is the Medicare format"),
    ("quiet-facet-fluoro", ["64493"], {"imaging": "fluoroscopy"}, [], ["IMAGING-MISMATCH", "LCD-IMAGING"], ["64493"],
     FCSO),
    ("quiet-guided-il", ["62323"], {"imaging": "fluoroscopy"}, [], ["IMAGING-UNGUIDED", "LCD-IMAGING"], ["62323"],
     "62323 descriptor"),
    ("quiet-one-region", ["64483", "64484"], {}, [], ["LCD-ESI-REGION"], None, "A58745"),
    ("quiet-il-one-level", ["62323"], {}, [], ["LCD-IL-LEVELS", "LCD-IL-BILATERAL"], None, "A58745; A56681"),
    ("quiet-covered-facet", ["64493"], {}, [], ["LCD-NONCOVERED"], None, "Facet LCD covers fluoro/CT-guided blocks"),
    ("quiet-mod57-absent", ["99213-25", "64493"], {"separate_problem": True}, [], ["MOD57", "X-ON-EM"], None,
     "NCCI Ch. I §D"),
    ("quiet-tpi-single", ["20552"], {"muscles": 2}, [], ["TPI-NO-50", "TPI-ONE-CODE"], ["20552"], "AAPC"),
    ("quiet-xs-already", ["20610", "20552-XS"], {}, [], ["X-PREFER-XS"], ["20610", "20552-XS"], "CMS CR8863"),
    ("lcd-indication-facet-radicular", ["64493"], {"radicular": True}, ["LCD-INDICATION"], [], None,
     "CGS facet LCD summary: no untreated radiculopathy"),
    ("lcd-indication-esi-axial", ["64483"], {"radicular": False}, ["LCD-INDICATION"], [], None,
     "L33906: non-radicular axial pain not covered"),
    ("lcd-indication-esi-radicular-ok", ["64483"], {"radicular": True}, [], ["LCD-INDICATION"], None, "L33906"),
    ("lcd-sedation-commercial", ["64493"], {"sedation": True, "payer": "commercial"}, [], ["LCD-SEDATION"], None,
     "Medicare LCD only"),
    ("lcd-sedation-tpi", ["20553"], {"sedation": True}, ["LCD-SEDATION"], [], ["20553"],
     "A59480 summary: no anesthesia codes with trigger points"),
    ("lcd-kx-unmet-relief", ["64493-KX"], {"diagnostic": True, "prior_relief_percent": 60}, ["LCD-RELIEF", "LCD-KX"],
     [], ["64493"], "KX attests the LCD requirements are met; CGS 80% relief for the second block"),
    ("lcd-kx-unmet-sessions", ["27096-KX"], {"diagnostic": True, "prior_sessions": {"si_diagnostic": 2}},
     ["LCD-SESSIONS", "LCD-KX"], [], ["27096"], "A59243: no more than 2 diagnostic SI sessions"),
    ("lcd-kx-met-kept", ["64493-KX"], {"diagnostic": True, "prior_relief_percent": 85}, [], ["LCD-KX"], ["64493-KX"],
     "CGS: 80% relief met, KX stands"),
    ("lcd-duration-esi", ["62323"], {"pain_weeks": 2}, ["LCD-DURATION"], [], ["62323"], "L33906: pain 4 weeks"),
    ("lcd-duration-esi-ok", ["62323"], {"pain_weeks": 6}, [], ["LCD-DURATION"], None, "L33906"),
    ("lcd-duration-facet", ["64493-KX"], {"diagnostic": True, "pain_weeks": 8}, ["LCD-DURATION"], [], None,
     "CGS facet summary: chronic pain 3 months"),
    ("proc-in-global-unrelated", ["27096-RT"], {"days_since_global_procedure": 8, "global_procedure_code": "64635",
                                                "separate_problem": True}, ["PROC-IN-GLOBAL"], [], ["27096-RT-79"],
     "Palmetto GBA modifier 79: unrelated procedure in the postoperative period"),
    ("proc-in-global-related", ["27096-RT"], {"days_since_global_procedure": 8, "global_procedure_code": "64635",
                                              "separate_problem": False}, ["PROC-IN-GLOBAL"], [], ["27096-RT"],
     "Palmetto GBA: a related procedure is part of the global, unless 58/78"),
    ("proc-after-000-quiet", ["27096"], {"days_since_global_procedure": 4, "global_procedure_code": "20610",
                                         "separate_problem": True}, [], ["PROC-IN-GLOBAL"], ["27096"],
     "MPFS: a 000 global has no postoperative days"),
    ("lcd-duration-commercial", ["62323"], {"pain_weeks": 2, "payer": "commercial"}, [], ["LCD-DURATION"], None,
     "Medicare LCD only"),
]


@pytest.mark.parametrize(("case_id", "lines", "facts", "fires", "quiet", "claim", "source"), CASES,
                         ids=[c[0] for c in CASES])
def test_rule(case_id: str, lines: list[str], facts: dict, fires: list[str], quiet: list[str],
              claim: list[str] | None, source: str) -> None:
    assert source, "every case names its source"
    result = check_request({"lines": lines, "facts": facts}, curated_catalog())
    fired = {f.rule for f in result.findings}
    for rule in fires:
        assert rule in fired, f"{case_id}: expected {rule}, got {sorted(fired)}"
    for rule in quiet:
        assert rule not in fired, f"{case_id}: {rule} must not fire; findings: {sorted(fired)}"
    if claim is not None:
        assert sorted(format_line(ln) for ln in result.claim) == sorted(claim)


def test_every_rule_has_a_firing_and_a_quiet_case() -> None:
    fired = {r for c in CASES for r in c[3]}
    quiet = {r for c in CASES for r in c[4]}
    assert fired - quiet == set()


def test_findings_carry_sources_and_corrected_claim_is_clean_of_errors() -> None:
    for case_id, lines, facts, *_ in CASES:
        result = check_request({"lines": lines, "facts": facts}, curated_catalog())
        assert all(f.sources for f in result.findings), case_id
        again = check_request({"lines": [format_line(ln) for ln in result.claim] or ["99213"], "facts": facts},
                              curated_catalog())
        if result.claim:
            assert again.status != "errors", (case_id, [(f.rule, f.message) for f in again.findings])

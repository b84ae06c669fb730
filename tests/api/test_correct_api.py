"""Editable understanding over real HTTP: the choices, recomputing an answer from the coder's correction, what the
stored conversation keeps, follow-ups after a correction, and every bad correction as a 422/404/409 that says what to
fix (uvicorn on a free loopback port, offline engine)."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import httpx
import pytest

from advisor.answer.understood import fields_for
from advisor.rules.catalog import curated_catalog
from advisor.settings import Settings
from advisor.store import ConversationStore

pytestmark = pytest.mark.slow

RIGHT_FACET = "Right L4-5 facet injection under fluoro, Medicare: what do I bill?"
TRIGGER_POINTS = "Trigger points in the left trapezius and left rhomboid today, code?"
EM_NO = "can I bill 99213-25 with a scheduled lumbar ESI, nothing else addressed?"
TFESI_BY_LEVEL = "Bilateral L5-S1 and left L4-5 TFESI under fluoro, codes?"


@pytest.fixture(scope="module")
def server(session_server_factory: Any) -> Iterator[Any]:
    yield session_server_factory().start()


def ask(server: Any, question: str, **extra: Any) -> dict[str, Any]:
    r = httpx.post(server.url + "/api/ask", json={"question": question, **extra}, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def correct(server: Any, answer: dict[str, Any], edit: dict[str, Any]) -> httpx.Response:
    url = f"{server.url}/api/conversations/{answer['conversation_id']}/turns/{answer['answer_id']}/correct"
    return httpx.post(url, json=edit, timeout=120)


def edit_of(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer's `understood` as a correction that changes nothing (view-only keys dropped)."""
    view = copy.deepcopy(answer["understood"])
    for proc in view["procedures"]:
        for key in ("label", "level_names", "sides"):
            proc.pop(key)
    view.pop("not_billed")
    return view


def lines(answer: dict[str, Any]) -> list[str]:
    return ["-".join([ln["code"], *ln["modifiers"]]) + (f" x{ln['units']}" if ln["units"] != 1 else "")
            for ln in answer["claim"]]


# --------------------------------------------------------------------------- choices come from the catalog


def test_choices_endpoint_derives_families_and_fields_from_the_registry(server: Any) -> None:
    r = httpx.get(server.url + "/api/understanding/choices", timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    registry = curated_catalog().registry
    procedures = {fid: fam for fid, fam in registry.families.items() if fam.procedure}
    assert [f["id"] for f in body["families"]] == list(procedures)
    for fam in body["families"]:
        assert fam["label"] == procedures[fam["id"]].label
        assert fam["fields"] == list(fields_for(procedures[fam["id"]]))
    by_id = {f["id"]: f for f in body["families"]}
    assert by_id["trigger_point"]["fields"] == ["muscles", "guidance"]
    assert by_id["trigger_point"]["required"] == ["muscles"]
    assert by_id["epidural_il"]["required"] == ["region"] and by_id["joint"]["required"] == ["joints"]
    assert [o["value"] for o in body["regions"]] == list(registry.regions)
    assert {o["value"] for o in body["sides"]} == {"left", "right", "bilateral"}
    assert {o["value"] for o in body["guidance"]} == {"fluoroscopy", "ct", "ultrasound", "none"}
    assert {o["value"] for o in body["payers"]} == {"medicare", "commercial"}
    assert {o["value"] for o in body["settings"]} == {"office", "asc", "facility"}
    joints = {j["value"]: j["size"] for j in body["joints"]}
    assert joints["knee"] == "major" and joints["wrist"] == "intermediate" and "subacromial bursa" not in joints
    assert "99213" in {o["value"] for o in body["em_codes"]}
    sympathetic = next(f for f in body["families"] if f["id"] == "sympathetic_block")
    assert "stellate_ganglion" in {t["value"] for t in sympathetic["targets"]}
    assert body["max_levels"] == 10 and body["max_muscles"] == 50


# --------------------------------------------------------------------------- recomputing from a correction


def test_answer_carries_the_editable_understanding(server: Any) -> None:
    answer = ask(server, RIGHT_FACET)
    assert lines(answer) == ["64493-RT"]
    view = answer["understood"]
    (proc,) = view["procedures"]
    assert proc == {"source": 0, "family": "facet_injection", "region": "lumbar", "levels": 1, "side": "right",
                    "guidance": "fluoroscopy", "purpose": None, "muscles": None, "joints": [], "target": None,
                    "label": "facet joint injection / medial branch block", "level_names": ["L4-5"], "sides": {}}
    assert view["payer"] == "medicare" and view["setting"] == "office" and view["em"] is None
    assert answer["corrected"] is None and "understanding" not in answer


def test_side_right_to_bilateral_recomputes_the_claim_and_keeps_both_readings(server: Any) -> None:
    answer = ask(server, RIGHT_FACET)
    edit = edit_of(answer)
    edit["procedures"][0]["side"] = "bilateral"
    r = correct(server, answer, edit)
    assert r.status_code == 200, r.text
    fixed = r.json()
    assert lines(fixed) == ["64493-50"]
    assert fixed["answer_id"] == answer["answer_id"] and fixed["conversation_id"] == answer["conversation_id"]
    assert fixed["corrected"]["changes"] == ["facet joint injection / medial branch block: side right → bilateral"]
    assert fixed["corrected"]["original"]["procedures"][0]["side"] == "right"
    assert fixed["corrected"]["original_words"].startswith("I read this as: facet joint injection")
    assert ", right," in fixed["corrected"]["original_words"]
    assert fixed["understood"]["procedures"][0]["side"] == "bilateral"
    assert "bilateral" in fixed["answer"] and "understanding" not in fixed

    conv = httpx.get(f"{server.url}/api/conversations/{answer['conversation_id']}", timeout=30).json()
    (turn,) = conv["turns"]
    assert lines(turn["answer"]) == ["64493-50"] and turn["answer"]["corrected"]["changes"]
    assert turn["correction"]["edit"] == edit
    assert turn["correction"]["count"] == 1
    original = turn["correction"]["original"]
    assert lines(original) == ["64493-RT"]
    assert original["understanding"]["reading"]["frames"][0]["laterality"] == "right"
    assert turn["answer"]["understanding"]["reading"]["frames"][0]["laterality"] == "bilateral"


def test_muscles_two_to_four_is_20553(server: Any) -> None:
    answer = ask(server, TRIGGER_POINTS)
    assert lines(answer) == ["20552"]
    edit = edit_of(answer)
    assert edit["procedures"][0]["muscles"] == 2
    edit["procedures"][0]["muscles"] = 4
    fixed = correct(server, answer, edit).json()
    assert lines(fixed) == ["20553"]
    assert fixed["corrected"]["changes"] == ["trigger point injections: muscles 2 → 4"]


def test_family_misread_is_fixed_by_choosing_the_family(server: Any) -> None:
    answer = ask(server, RIGHT_FACET)
    edit = edit_of(answer)
    edit["procedures"][0] |= {"family": "tfesi"}
    fixed = correct(server, answer, edit).json()
    assert lines(fixed) == ["64483-RT"]
    assert fixed["understood"]["procedures"][0]["family"] == "tfesi"


def test_separate_problem_turns_a_no_into_a_yes(server: Any) -> None:
    answer = ask(server, EM_NO)
    assert answer["verdict"] == "no" and answer["understood"]["em"]["separate_problem"] is False
    edit = edit_of(answer)
    edit["em"]["separate_problem"] = True
    fixed = correct(server, answer, edit).json()
    assert fixed["verdict"] == "yes" and "99213-25" in lines(fixed)
    assert fixed["corrected"]["changes"] == ["E/M separate problem: no → yes"]


def test_remove_add_and_payer(server: Any) -> None:
    answer = ask(server, RIGHT_FACET)
    edit = edit_of(answer)
    edit["procedures"] = [{"family": "trigger_point", "muscles": 3}]
    edit["payer"] = "commercial"
    fixed = correct(server, answer, edit).json()
    assert lines(fixed) == ["20553"]
    assert set(fixed["corrected"]["changes"]) == {"added trigger point injections",
                                                  "removed facet joint injection / medial branch block",
                                                  "payer: medicare → commercial"}
    assert fixed["understood"]["payer"] == "commercial"


def test_sides_by_level_are_kept_until_the_levels_change(server: Any) -> None:
    answer = ask(server, TFESI_BY_LEVEL)
    assert lines(answer) == ["64483-50", "64484-LT"]
    edit = edit_of(answer)
    assert edit["procedures"][0]["side"] == "by_level"
    edit["procedures"][0]["purpose"] = "therapeutic"
    fixed = correct(server, answer, edit).json()
    assert lines(fixed) == ["64483-50", "64484-LT"]

    edit["procedures"][0]["levels"] = 3
    r = correct(server, answer, edit)
    assert r.status_code == 422 and r.json()["where"] == "procedures[0].side"
    assert "choose left, right or bilateral" in r.json()["message"]
    edit["procedures"][0]["side"] = "bilateral"
    assert lines(correct(server, answer, edit).json()) == ["64483-50", "64484-50 x2"]


def test_restoring_the_original_reading_gives_the_original_answer(server: Any) -> None:
    answer = ask(server, RIGHT_FACET)
    original = edit_of(answer)
    changed = copy.deepcopy(original)
    changed["procedures"][0]["side"] = "left"
    assert lines(correct(server, answer, changed).json()) == ["64493-LT"]
    back = correct(server, answer, original).json()
    assert lines(back) == lines(answer) and back["verdict"] == answer["verdict"]
    assert back["corrected"]["changes"] == []
    conv = httpx.get(f"{server.url}/api/conversations/{answer['conversation_id']}", timeout=30).json()
    assert conv["turns"][0]["correction"]["count"] == 2


def test_follow_up_reads_against_the_corrected_understanding(server: Any) -> None:
    answer = ask(server, RIGHT_FACET)
    edit = edit_of(answer)
    edit["payer"] = "commercial"
    edit["procedures"][0]["side"] = "bilateral"
    assert correct(server, answer, edit).status_code == 200
    follow = ask(server, "and L5-S1 too?", conversation_id=answer["conversation_id"])
    assert lines(follow) == ["64493-50", "64494-50"]
    assert follow["understood"]["payer"] == "commercial"


def test_stream_done_event_carries_understood(server: Any) -> None:
    done = None
    with httpx.stream("POST", server.url + "/api/ask/stream", json={"question": RIGHT_FACET}, timeout=120) as r:
        event = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "done":
                done = json.loads(line[6:])
    assert done is not None and done["understood"]["procedures"][0]["side"] == "right"


def test_conversations_saved_before_the_summary_get_one_when_read(server: Any) -> None:
    """An answer stored without `understood` (an older version) gets it derived from its stored understanding."""
    answer = ask(server, RIGHT_FACET)
    conv = httpx.get(f"{server.url}/api/conversations/{answer['conversation_id']}", timeout=30).json()
    stored = conv["turns"][0]["answer"]
    stored.pop("understood")
    store = ConversationStore(Settings(data_dir=server.data_dir, database_url=None))
    try:
        old = store.create("saved by an older version")
        answer_id = store.add_turn(old.id, RIGHT_FACET, stored)
    finally:
        store.close()
    read = httpx.get(f"{server.url}/api/conversations/{old.id}", timeout=30).json()
    assert read["turns"][0]["answer"]["understood"]["procedures"][0]["side"] == "right"
    fixed = correct(server, {"conversation_id": old.id, "answer_id": answer_id},
                    edit_of(read["turns"][0]["answer"]) | {"payer": "commercial"})
    assert fixed.status_code == 200 and fixed.json()["understood"]["payer"] == "commercial"


# --------------------------------------------------------------------------- bad corrections say what to fix


@pytest.fixture(scope="module")
def facet_answer(server: Any) -> dict[str, Any]:
    return ask(server, RIGHT_FACET)


def _with(edit: dict[str, Any], **proc: Any) -> dict[str, Any]:
    out = copy.deepcopy(edit)
    out["procedures"][0].update(proc)
    return out


@pytest.mark.parametrize("change,where,fragments", [
    ({"family": "facet"}, "procedures[0].family", ["unknown procedure family 'facet'", "facet_injection", "tfesi"]),
    ({"muscles": 3}, "procedures[0].muscles", ["has no muscles", "region, levels, side, guidance, purpose"]),
    ({"family": "epidural_il", "side": "left", "levels": None, "purpose": None}, "procedures[0].side",
     ["has no side", "region, guidance"]),
    ({"family": "joint", "region": None, "levels": None, "side": None, "purpose": None,
      "joints": [{"name": "kneecap", "side": "left"}]}, "procedures[0].joints[0].name",
     ["unknown joint 'kneecap'", "knee", "shoulder"]),
    ({"family": "sympathetic_block", "region": None, "levels": None, "side": None, "purpose": None,
      "target": "knee"}, "procedures[0].target", ["unknown target 'knee'", "stellate_ganglion"]),
    ({"source": 7}, "procedures[0].source", ["1 procedure frame", "leave source empty"]),
    ({"family": "epidural_il", "region": None, "levels": None, "side": None, "purpose": None}, "procedures[0].region",
     ["coded by its region", "allowed: cervical, lumbar, sacral, thoracic"]),
    ({"region": None}, "procedures[0].region", ["coded by its region, so it needs one", "lumbar"]),
    ({"family": "trigger_point", "region": None, "levels": None, "side": None, "purpose": None},
     "procedures[0].muscles", ["coded by its muscles", "1-50"]),
    ({"side": "by_level"}, "procedures[0].side", ["by_level keeps the sides", "none were given"]),
])
def test_catalog_checks_name_the_field_and_allowed_values(server: Any, facet_answer: dict[str, Any],
                                                          change: dict[str, Any], where: str,
                                                          fragments: list[str]) -> None:
    r = correct(server, facet_answer, _with(edit_of(facet_answer), **change))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "InvalidInput" and body["where"] == where
    for fragment in fragments:
        assert fragment in body["message"], body["message"]


@pytest.mark.parametrize("mutate,fragments", [
    (lambda e: e["procedures"][0].update(side="both"),
     ["procedures.0.side", "'left', 'right', 'bilateral' or 'by_level'"]),
    (lambda e: e["procedures"][0].update(region="neck"), ["procedures.0.region", "'cervical'"]),
    (lambda e: e["procedures"][0].update(levels=11), ["procedures.0.levels", "10"]),
    (lambda e: e["procedures"][0].update(guidance="mri"), ["procedures.0.guidance", "'fluoroscopy'"]),
    (lambda e: e.update(payer="tricare"), ["payer", "'medicare' or 'commercial'"]),
    (lambda e: e.update(colour="red"), ["colour", "Extra inputs are not permitted"]),
    (lambda e: e.update(em={"code": "9921"}), ["em.code"]),
])
def test_shape_errors_are_422_naming_the_field(server: Any, facet_answer: dict[str, Any], mutate: Any,
                                               fragments: list[str]) -> None:
    edit = edit_of(facet_answer)
    mutate(edit)
    r = correct(server, facet_answer, edit)
    assert r.status_code == 422, r.text
    for fragment in fragments:
        assert fragment in r.json()["message"], r.json()["message"]


def test_unknown_em_code_and_empty_encounter_are_422(server: Any, facet_answer: dict[str, Any]) -> None:
    r = correct(server, facet_answer, edit_of(facet_answer) | {"em": {"code": "99999"}})
    assert r.status_code == 422 and r.json()["where"] == "em.code" and "99213" in r.json()["message"]
    r = correct(server, facet_answer, edit_of(facet_answer) | {"procedures": []})
    assert r.status_code == 422 and "nothing is left to code" in r.json()["message"]


def test_turn_of_another_conversation_is_404(server: Any, facet_answer: dict[str, Any]) -> None:
    other = ask(server, TRIGGER_POINTS)
    wrong = {"conversation_id": other["conversation_id"], "answer_id": facet_answer["answer_id"]}
    r = correct(server, wrong, edit_of(facet_answer))
    assert r.status_code == 404 and r.json()["where"] == "answer_id"
    assert "does not exist in conversation" in r.json()["message"]
    r = correct(server, {"conversation_id": "nope", "answer_id": facet_answer["answer_id"]}, edit_of(facet_answer))
    assert r.status_code == 404 and r.json()["where"] == "conversation_id"
    conv = httpx.get(f"{server.url}/api/conversations/{other['conversation_id']}", timeout=30).json()
    assert conv["turns"][0]["correction"] is None and lines(conv["turns"][0]["answer"]) == ["20552"]


def test_look_up_answers_have_nothing_to_correct(server: Any) -> None:
    lookup = ask(server, "What is the MUE for 64636?")
    assert lookup["kind"] == "lookup" and lookup["understood"] is None
    r = correct(server, lookup, {"procedures": [{"family": "facet_rfa", "region": "lumbar"}], "payer": "medicare"})
    assert r.status_code == 422 and "no encounter to correct" in r.json()["message"]
    general = ask(server, "When would we use XP in a pain practice?")
    assert general["understood"] is None  # describes no procedure or visit: nothing to correct


def test_answer_saved_without_its_reading_is_409(server: Any) -> None:
    store = ConversationStore(Settings(data_dir=server.data_dir, database_url=None))
    try:
        conv = store.create("seeded")
        answer_id = store.add_turn(conv.id, RIGHT_FACET, {"answer": "Bill 64493-RT.", "verdict": None})
    finally:
        store.close()
    r = correct(server, {"conversation_id": conv.id, "answer_id": answer_id},
                {"procedures": [{"family": "facet_injection"}], "payer": "medicare"})
    assert r.status_code == 409 and "ask the question again" in r.json()["message"]

"""PHI stays local (issue #17 item 7): the real ChatOpenAI client against a fake OpenAI-compatible server on
loopback never sends the planted identifiers, the coder sees them restored; ADVISOR_REMOTE_LLM=forbid refuses a
remote engine; an answer written off this machine says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from langchain_core.messages import AIMessage
from pydantic import ValidationError

from advisor.answer.engines import make_engine
from advisor.answer.model import AskRequest, Understanding
from advisor.answer.pipeline import AnswerPipeline, MemoryStore
from advisor.settings import PROJECT_ROOT, Settings
from tests.answer.test_llm import ToolFakeChat, call
from tests.answer.test_openai_server import FakeOpenAI, completion, tool_call

PLANTED = {"NAME": "Jane Okafor", "DOB": "04/12/1961", "MRN": "00482913", "MEMBER": "1EG4-TE5-MK73",
           "PHONE": "(312) 555-0147", "EMAIL": "jokafor@example.org", "SSN": "412-55-8890",
           "ADDRESS": "4410 Maple Avenue, Dayton, OH 45402"}
QUESTION = (f"Patient: {PLANTED['NAME']}, DOB {PLANTED['DOB']}, MRN {PLANTED['MRN']}, Medicare ID {PLANTED['MEMBER']}, "
            f"phone {PLANTED['PHONE']}, {PLANTED['EMAIL']}, SSN {PLANTED['SSN']}, lives at {PLANTED['ADDRESS']}. "
            "Right L5-S1 TFESI with fluoro on 11/02/2026, 80% relief last time. Code?")


def test_server_never_receives_identifiers_and_the_coder_sees_them(settings, catalog, searcher) -> None:
    script = [
        tool_call("recommend_codes", {"description": "right L5-S1 TFESI with fluoro"}, 1),
        tool_call("search_guidance", {"query": "transforaminal 64483 imaging included"}, 2),
        completion({"role": "assistant", "content": "For [NAME-1] (DOB [DOB-1], MRN [MRN-1]): bill 64483 [1]; "
                                                    "fluoroscopy is included."}, "stop"),
    ]
    with FakeOpenAI(script) as server:
        cfg = settings.model_copy(update={"engine": "openai", "llm_base_url": server.base_url,
                                          "llm_model": "fake-vllm", "llm_timeout_s": 10})
        p = AnswerPipeline(cfg, catalog, searcher=searcher, store=MemoryStore(), engine=make_engine(cfg))
        # the reader asks back about the identifiers' loose digits ("I could not place '913'"), so the reading is
        # the coder's corrected one (the recompute path) and the LLM writes for the question as pasted
        reading = p.reading_after(["Right L5-S1 TFESI with fluoro on 11/02/2026. Code?"])
        answer = p.recompute(QUESTION, Understanding.model_validate(reading), None)
    sent = json.dumps([r["body"] for r in server.requests])
    assert len(server.requests) == 3
    leaked = [kind for kind, value in PLANTED.items() if value in sent or json.dumps(value)[1:-1] in sent]
    assert not leaked, leaked
    for kept in ("L5-S1", "11/02/2026", "80%", "Medicare", "Right"):  # the coding facts reach the model
        assert kept in sent
    assert all(f"[{kind}-1]" in sent for kind in PLANTED)
    assert answer.engine == "fake-vllm" and answer.notice is None
    assert f"For {PLANTED['NAME']} (DOB {PLANTED['DOB']}, MRN {PLANTED['MRN']}): bill 64483" in answer.answer
    assert "[NAME-1]" not in answer.answer
    assert not answer.engine_remote  # a server on loopback is this machine


def test_remote_engine_is_named_on_the_answer(settings, catalog, searcher) -> None:
    remote = settings.model_copy(update={"engine": "openai", "llm_base_url": "https://llm.example.com/v1",
                                         "llm_model": "gpt-x", "llm_timeout_s": 10})
    model = ToolFakeChat(responses=[call("recommend_codes", {"description": "right L5-S1 TFESI, fluoro"}),
                                    AIMessage(content="Bill 64483 for [NAME-1].")])
    p = AnswerPipeline(remote, catalog, searcher=searcher, store=MemoryStore(), engine=make_engine(remote, model))
    answer = p.ask(AskRequest(question="Patient: Jane Okafor. Right L5-S1 TFESI with fluoro. Code?"))
    assert answer.engine_remote and answer.engine_label == "Remote LLM, OpenAI-compatible: gpt-x"
    assert "Bill 64483 for Jane Okafor." in answer.answer
    assert "Jane" not in json.dumps([m.content for m in model.seen[0]])


def test_forbid_refuses_a_remote_engine_but_not_a_local_one() -> None:
    with pytest.raises(ValidationError, match="ADVISOR_REMOTE_LLM=forbid"):
        Settings(engine="anthropic", remote_llm="forbid")
    with pytest.raises(ValidationError, match=r"llm\.example\.com"):
        Settings(engine="openai", llm_base_url="https://llm.example.com/v1", remote_llm="forbid")
    local = Settings(engine="openai", llm_base_url="http://127.0.0.1:8080/v1", remote_llm="forbid")
    assert not local.llm_remote and not Settings(engine="ollama", remote_llm="forbid").llm_remote
    with pytest.raises(ValueError, match="forbidden"):  # settings changed in code are checked when the engine is built
        make_engine(local.model_copy(update={"llm_base_url": "https://api.openai.com/v1"}))


def test_cli_says_which_setting_to_change() -> None:
    env = dict(os.environ, ADVISOR_ENGINE="openai", ADVISOR_REMOTE_LLM="forbid", ADVISOR_SERVER_URL="off",
               PYTHONPATH=str(PROJECT_ROOT))
    run = subprocess.run([sys.executable, "-m", "advisor", "ask", "bilateral L4-5 MBB?"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "ADVISOR_REMOTE_LLM" in run.stderr and "api.openai.com" in run.stderr and "Traceback" not in run.stderr

"""Per-user history over real HTTP: each user sees and changes only their own conversations, corrections and
feedback; another user's ids are 404s, exactly like ids that do not exist; deleting one's history leaves the others'."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_correct_api import edit_of
from tests.auth.conftest import Team

pytestmark = pytest.mark.slow

QUESTION = "Right L4-5 facet injection under fluoro, code?"


def ask(client: httpx.Client, question: str = QUESTION, **extra: Any) -> dict[str, Any]:
    r = client.post("/api/ask", json={"question": question, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def test_another_users_conversation_is_a_404_everywhere(team: Team) -> None:
    with team.client("carla") as carla, team.client("bob") as bob:
        mine = ask(carla)
        cid, aid = mine["conversation_id"], mine["answer_id"]
        assert carla.get(f"/api/conversations/{cid}").status_code == 200
        understood = edit_of(mine)

        attempts = [
            bob.get(f"/api/conversations/{cid}"),
            bob.patch(f"/api/conversations/{cid}", json={"title": "taken"}),
            bob.delete(f"/api/conversations/{cid}"),
            bob.post("/api/ask", json={"question": "what if it was bilateral?", "conversation_id": cid}),
            bob.post("/api/ask/stream", json={"question": "what if it was bilateral?", "conversation_id": cid}),
            bob.post(f"/api/conversations/{cid}/turns/{aid}/correct", json=understood),
            bob.post("/api/feedback", json={"answer_id": aid, "rating": "down"}),
        ]
        for r in attempts:
            assert r.status_code == 404, (r.request.method, r.request.url, r.status_code, r.text)
            assert r.json()["error"] == "NotFound"
        # the same message as an id that does not exist: nothing says the conversation is someone else's
        unknown = bob.get("/api/conversations/" + "0" * 32).json()["message"]
        assert attempts[0].json()["message"] == unknown.replace("0" * 32, cid)

        assert cid not in {c["id"] for c in bob.get("/api/conversations").json()}
        assert cid in {c["id"] for c in carla.get("/api/conversations").json()}
        # carla's conversation is untouched by bob's attempts
        kept = carla.get(f"/api/conversations/{cid}").json()
        assert kept["title"] != "taken" and len(kept["turns"]) == 1 and kept["turns"][0]["correction"] is None
        assert kept["turns"][0]["feedback"] is None
        # and carla can still follow up, correct and rate her own
        assert ask(carla, "what if it was bilateral?", conversation_id=cid)["conversation_id"] == cid
        assert carla.post(f"/api/conversations/{cid}/turns/{aid}/correct", json=understood).status_code == 200
        assert carla.post("/api/feedback", json={"answer_id": aid, "rating": "up"}).status_code == 201


def test_openai_and_mcp_answers_go_to_the_tokens_owner(team: Team) -> None:
    chat = {"model": "pain-coding-advisor", "messages": [{"role": "user", "content": QUESTION}]}
    with team.client("carla") as carla, team.client("bob") as bob:
        done = bob.post("/v1/chat/completions", json=chat)
        assert done.status_code == 200, done.text
        cid = done.json()["advisor"]["conversation_id"]
        assert cid in {c["id"] for c in bob.get("/api/conversations").json()}
        assert carla.get(f"/api/conversations/{cid}").status_code == 404

        call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                "params": {"name": "ask", "arguments": {"question": QUESTION}}}
        r = bob.post("/mcp", json=call, headers={"Accept": "application/json, text/event-stream"})
        assert r.status_code == 200, r.text
        mcp_cid = r.json()["result"]["structuredContent"]["conversation_id"]
        assert mcp_cid in {c["id"] for c in bob.get("/api/conversations").json()}
        assert carla.get(f"/api/conversations/{mcp_cid}").status_code == 404
        # an MCP follow-up on another user's conversation is refused like on the JSON API
        call["params"]["arguments"] = {"question": "what if it was bilateral?", "conversation_id": mcp_cid}
        refused = carla.post("/mcp", json=call, headers={"Accept": "application/json, text/event-stream"}).json()
        assert refused["result"]["isError"] is True, refused


def test_delete_all_my_history_leaves_the_others(team: Team) -> None:
    with team.client("carla") as carla, team.client("bob") as bob, team.client("leo") as lead:
        theirs = ask(bob)
        assert bob.post("/api/feedback", json={"answer_id": theirs["answer_id"], "rating": "up"}).status_code == 201
        mine = ask(carla)
        assert carla.post("/api/feedback", json={"answer_id": mine["answer_id"], "rating": "down"}).status_code == 201
        assert carla.get("/api/conversations").json()

        deleted = carla.delete("/api/history")
        assert deleted.status_code == 200
        assert deleted.json()["conversations"] >= 1 and deleted.json()["feedback"] >= 1
        assert carla.get("/api/conversations").json() == []
        assert carla.get(f"/api/conversations/{mine['conversation_id']}").status_code == 404

        assert bob.get(f"/api/conversations/{theirs['conversation_id']}").status_code == 200
        exported = lead.get("/api/feedback").json()
        assert theirs["answer_id"] in {f["answer_id"] for f in exported}
        assert mine["answer_id"] not in {f["answer_id"] for f in exported}


def test_team_usage_names_each_account_without_question_text(team: Team) -> None:
    with team.client("bob") as bob, team.client("leo") as lead:
        ask(bob, "Bilateral L5-S1 transforaminal epidural, codes?")
        figures = lead.get("/api/usage?days=7")
        assert figures.status_code == 200
        rows = {row["name"]: row for row in figures.json()}
        assert rows["bob"]["questions"] >= 1 and rows["bob"]["role"] == "coder"
        assert "transforaminal" not in figures.text

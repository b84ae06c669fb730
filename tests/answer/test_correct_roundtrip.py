"""The editable understanding loses nothing: for every dev-split question whose answer bills something, posting its
`understood` back unchanged recomputes the same claim and verdict with no change reported. A field the summary
cannot carry (per-joint guidance, sides per level, a value the family's fields do not show) would break this."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor.answer.correct import correct_turn
from advisor.answer.model import AskRequest
from advisor.answer.pipeline import AnswerPipeline
from advisor.errors import InvalidInput
from advisor.evaluation.cases import load_split
from advisor.services import build_catalog
from advisor.settings import Settings
from advisor.store import ConversationStore


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> AnswerPipeline:
    settings = Settings(embedder="fake", engine="offline", data_dir=Path(tmp_path_factory.mktemp("correct")))
    return AnswerPipeline(settings, build_catalog(settings), searcher=None, store=ConversationStore(settings))


def test_unchanged_understanding_recomputes_the_same_answer(pipeline: AnswerPipeline) -> None:
    checked, differ = 0, []
    for case in load_split("dev"):
        answer = pipeline.ask(AskRequest(question=case.question))
        view = answer.understood
        if view is None or answer.kind != "claim" or answer.questions:
            continue
        try:
            again = correct_turn(pipeline, pipeline.store, answer.conversation_id, answer.answer_id, view.as_edit())
        except InvalidInput as exc:
            billed = view.procedures or view.em or answer.understanding.reading.lines
            assert not billed, f"{case.id}: {exc.message}"
            continue  # only procedures read as not done: nothing to recompute until one is billed
        checked += 1
        before = ([str(ln) for ln in answer.claim], answer.verdict)
        after = ([str(ln) for ln in again.claim], again.verdict)
        if before != after or again.corrected.changes:
            differ.append(f"{case.id}: {before} -> {after} {again.corrected.changes}")
    assert checked > 300, checked
    assert differ == []

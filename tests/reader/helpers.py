"""Small pure helpers shared by the reader tests."""

from __future__ import annotations

from advisor.answer.verdict import decide
from advisor.claims import ClaimLine, format_line, parse_line
from advisor.reader.encounter import to_encounter
from advisor.reader.followup import read_turn
from advisor.reader.model import Frame, Reading
from advisor.rules.catalog import Catalog


def canon(*lines: str | ClaimLine, sides: bool = True) -> list[str]:
    """Claim lines as sorted text with each line's modifiers sorted ('64493-LT-KX' and '64493-KX-LT' are one line);
    RT/LT dropped when `sides` is False (they are optional on one-sided lines)."""
    out = []
    for line in lines:
        ln = parse_line(line) if isinstance(line, str) else line
        mods = sorted(m for m in ln.modifiers if sides or m not in ("RT", "LT"))
        out.append(format_line(ln.model_copy(update={"modifiers": tuple(mods)})))
    return sorted(out)


def done(reading: Reading) -> list[Frame]:
    """The frames billed today."""
    return reading.done_frames()


def only(reading: Reading, status: str = "done") -> Frame:
    """The one frame of a status (fails with the frames read when there is not exactly one)."""
    frames = [f for f in reading.frames if f.status == status and f.family]
    assert len(frames) == 1, [(f.family, f.status) for f in reading.frames]
    return frames[0]


def by_family(reading: Reading) -> dict[str, str]:
    """{family: status} of every frame with a family."""
    return {f.family: f.status for f in reading.frames if f.family}


def answer(question: str, catalog: Catalog, history: tuple[str, ...] = ()) -> tuple[list[str], str | None, str]:
    """The claim lines (sorted text), verdict and reading kind for a question, after the earlier turns of its chat
    (Medicare unless the question names a payer), as the answer pipeline reads and decides it."""
    reading: Reading | None = None
    for turn in (*history, question):
        reading = read_turn(turn, reading, catalog)
    assert reading is not None
    decision = decide(reading, to_encounter(reading, catalog, None, "medicare"), catalog)
    return sorted(format_line(ln) for ln in decision.claim), decision.verdict, reading.kind

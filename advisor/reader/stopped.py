"""A procedure started and then stopped for the patient's safety ("needle placed, pt vasovagal before any injectate,
doc stopped"): it is billed, with the discontinued modifier the engine picks for the claim type, and not read as a
procedure called off. Words come from vocabulary.yaml `discontinued`; a procedure cancelled before it started stays
called off (nothing billed)."""

from __future__ import annotations

from advisor.modifiers import modifiers
from advisor.reader.model import Frame, Reading, Stopped
from advisor.reader.vocab import vocabulary_of
from advisor.rules.catalog import Catalog


def mark_stopped(reading: Reading, text: str, catalog: Catalog, side_called_off: bool = False) -> None:
    """The one procedure of today (done, or called off by a word such as 'aborted') is `stopped` when the question
    says it was stopped after it had begun, or names a discontinued modifier for it ('the aborted TFESI: can the ASC
    use 53?'); before or after anesthesia decides 73 or 74 on a facility claim. `side_called_off`: the question says
    one side was not done, so a stop word may be about that side."""
    words = vocabulary_of(catalog).discontinued
    named = any(m in modifiers() and modifiers()[m].stopped for m in reading.modifiers)  # "aborted ... 53 ok?"
    today = [f for f in reading.frames if f.family and f.status in ("done", "negated")]
    done = [f for f in today if f.status == "done"]
    bare = [f for f in today if f.status == "negated" and any(_same_procedure(f, d) for d in done)]
    if bare and words["stop"].search(text):  # "R L4-5 TFESI, needle placed ... procedure aborted", "... needle
        today = [f for f in today if f not in bare]  # advanced to the R L4-5 foramen ... no injectate delivered"
    if len({f.family for f in today}) != 1 or len({f.status for f in today}) != 1 or side_called_off:
        return  # several procedures, or one side done and another called off: the done part is billed as usual
    sedated = bool(words["sedated"].search(text)) and not words["before_anesthesia"].search(text)
    if reading.facts.get("setting") in ("asc", "facility") and (words["prepared"].search(text) or sedated) and (
            words["stop"].search(text) or today[0].status == "negated"):
        # "prepped and taken into the room ... cancelled before any sedation": the facility's 73 (74 once sedated)
        when: Stopped = "after_anesthesia" if sedated or words["started"].search(text) else "before_anesthesia"
    elif not words["stop"].search(text) or not (words["started"].search(text) or named) or \
            words["not_started"].search(text):
        return
    else:
        when = "before_anesthesia" if words["before_anesthesia"].search(text) else "after_anesthesia"
    reading.frames = [f for f in reading.frames if f not in bare or f in today]  # the stop is said of the one done
    for frame in today:
        frame.status = "done"
        frame.stopped = when


def _same_procedure(called_off: Frame, done: Frame) -> bool:
    """A procedure called off that names no side or level other than those of one done of its family: the same
    procedure told again, as an op note tells how it went."""
    return called_off.family == done.family and called_off.laterality in (None, done.laterality) and \
        (not called_off.level_names or called_off.level_names == done.level_names)


def keep_stopped(merged: Reading, previous: Reading, text: str, catalog: Catalog) -> None:
    """A follow-up that names the earlier turn's stopped procedure by how it ended ("the ASC side of that aborted
    TFESI") is about that procedure, still stopped, not one called off."""
    stopped = {f.family: f.stopped for f in previous.frames if f.stopped}
    if not stopped or vocabulary_of(catalog).discontinued["not_started"].search(text):
        return
    for frame in merged.frames:
        if frame.family in stopped and frame.status == "negated":
            frame.status = "done"
            frame.stopped = stopped[frame.family]

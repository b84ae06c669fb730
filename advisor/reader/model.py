"""What the question reader produces: tagged spans, procedure frames with their status, the encounter facts the
question states, what it proposes, and what it could not place. Pydantic, so the API can return it and take a
corrected copy back (the coder's edits in the chat)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from advisor.claims import ClaimLine
from advisor.rules.model import Imaging, Laterality, Region

Status = Literal["done", "negated", "planned", "historical", "mentioned"]
Stopped = Literal["before_anesthesia", "after_anesthesia"]
Kind = Literal["claim", "lookup", "clarify", "unsupported", "out_of_scope"]
QuestionType = Literal["yes_no", "wh", "statement"]


class Span(BaseModel):
    """A run of words the tagger recognised: what kind of thing it is, its value, where it is, and whether the
    grammar used it (an unused significant span is something the reader could not place)."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    value: Any = None
    text: str
    start: int = Field(description="Character offset in the normalised question.")
    end: int
    used: bool = False

    @property
    def significant(self) -> bool:
        """Numbers, codes, modifiers, procedure and anatomy words must be placed somewhere ('one' and 'single' without
        a noun are pronouns or adjectives, not counts)."""
        if self.kind in ("num", "ordinal") and isinstance(self.value, dict) and self.value.get("noun") is None and \
                self.text.lower() in ("one", "single", "a single", "first", "second"):
            return False
        return self.kind in SIGNIFICANT


SIGNIFICANT = frozenset({"code", "mod", "num", "pct", "ordinal", "level", "anat", "family", "act", "qty", "per",
                         "again", "vague"})


class Joint(BaseModel):
    """One joint or bursa of a joint frame (a bursa that belongs to a joint is named as that joint)."""

    name: str
    size: Literal["small", "intermediate", "major"]
    laterality: Laterality | None = None
    imaging: Imaging | None = Field(None, description="Guidance named for this joint alone.")


class Frame(BaseModel):
    """One procedure as the question describes it, with the attributes bound to it."""

    model_config = ConfigDict(extra="forbid")

    family: str | None = Field(None, description="Registry family id; None when the words do not settle it.")
    label: str = ""
    status: Status = "done"
    region: Region | None = None
    levels: int | None = None
    levels_stated: int | None = Field(None, description="The level count the words give ('three joints').")
    level_names: list[str] = Field(default_factory=list)
    sides: dict[str, list[str]] = Field(default_factory=dict, description="Levels per side when sides differ by level.")
    laterality: Laterality | None = None
    imaging: Imaging | None = None
    diagnostic: bool | None = None
    joints: list[Joint] = Field(default_factory=list)
    muscles: int | None = None
    muscle_names: list[str] = Field(default_factory=list, description="Muscles named, 'name:side' per side.")
    muscles_stated: int | None = Field(None, description="The muscle count the words give, when they give one.")
    target: str | None = Field(None, description="Nerve or ganglion for families whose code depends on it.")
    today: bool = Field(False, description="The question places it today ('today', 'this visit').")
    count: int | None = Field(None, description="How many of this procedure the words count ('had 4 ESIs').")
    codes: list[str] = Field(default_factory=list, description="Codes written in this procedure's words.")
    acts: list[str] = Field(default_factory=list, description="What the words say was done (inject, ablate...).")
    stopped: Stopped | None = Field(
        None, description="Started, then stopped for the patient's safety (billed with a discontinued modifier).")
    words: str = Field("", description="The words this frame was read from.")
    candidates: list[str] = Field(default_factory=list, description="Families the words could mean, when unsettled.")


class EMFrame(BaseModel):
    """The E/M visit, when one is billed or asked about."""

    code: str | None = None
    status: Status = "done"
    new_patient: bool | None = None
    separate_problem: bool | None = None


class Proposal(BaseModel):
    """What a yes/no question puts forward for the engine to accept or reject."""

    # nothing: no claim at all; count: a count of levels the named levels do not bear out; needs_modifier: whether
    # the lines (all when none) take any modifier ("do I need a modifier on it?"); changes: whether a fact a
    # follow-up replaced changes the claim ("it's BCBS, not Medicare. does that change anything?"); one_service:
    # parts of one service asked to be billed apart ("can the aspiration and the injection be billed separately?")
    kind: Literal["lines", "em25", "modifier", "units", "coverage", "compare", "nothing", "count", "needs_modifier",
                  "changes", "one_service"]
    lines: list[ClaimLine] = Field(default_factory=list)
    modifier: str | None = None
    summary: str = ""


class LookupRequest(BaseModel):
    """A question that asks for a fact instead of a claim."""

    fields: list[str] = Field(default_factory=list, description="mue, mai, ptp, global, bilateral, multiple, addon, "
                                                                "lcd, sessions, relief, definition")
    codes: list[str] = Field(default_factory=list)
    modifiers: list[str] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list, description="Other words the question asks about.")


class Reading(BaseModel):
    """The whole question as read: its kind, frames, facts, proposal, and what was not understood."""

    kind: Kind = "claim"
    question_type: QuestionType = "statement"
    frames: list[Frame] = Field(default_factory=list)
    em: EMFrame | None = None
    facts: dict[str, Any] = Field(default_factory=dict, description="Encounter facts the question states.")
    lines: list[ClaimLine] = Field(default_factory=list, description="Claim lines written in the question.")
    named: list[str] = Field(default_factory=list, description="Families named, one per mention, in order.")
    modifiers: list[str] = Field(default_factory=list, description="Modifiers named on their own.")
    set_aside: list[str] = Field(default_factory=list, description="Modifiers the question proposes to leave off "
                                 "('LT on both instead of XS').")
    units: int | None = Field(None, description="Units proposed in words (twice, x2, per nerve).")
    proposal: Proposal | None = None
    lookup: LookupRequest | None = None
    unplaced: list[Span] = Field(default_factory=list, description="Significant words the reader could not place.")
    conflicts: list[str] = Field(default_factory=list)
    unsupported: list[str] = Field(default_factory=list,
                                   description="Procedures named that this advisor does not cover.")
    questions: list[str] = Field(default_factory=list, description="What to ask to settle what was not understood.")
    override_attempt: bool = False
    unreadable: bool = Field(False, description="Most of the words are not English the reader knows (another "
                             "language, noise): only the codes could be read.")
    follow_up: bool = False
    general: bool = False  # "does Medicare pay for sedation with MBBs?": about a kind of service, no patient's claim
    spans: list[Span] = Field(default_factory=list, exclude=True, description="Every tagged span (not stored).")

    @property
    def confident(self) -> bool:
        return not (self.unplaced or self.conflicts or self.unsupported or self.questions or self.unreadable)

    def done_frames(self) -> list[Frame]:
        return [f for f in self.frames if f.status == "done" and f.family]


__all__ = ["EMFrame", "Frame", "Joint", "Kind", "LookupRequest", "Proposal", "QuestionType", "Reading", "Span",
           "Status"]

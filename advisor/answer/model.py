"""Pydantic shapes of the answer pipeline: the request, what the question was understood to say, and the answer.

`Mentions` holds only what the question itself states (None = not said), so a follow-up ("what if it was
bilateral?") can be merged field by field over the previous turn's mentions; the Encounter and the Proposal
are derived from the merged mentions, never stored separately.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from advisor.claims import ClaimLine
from advisor.rules.model import EMVisit, Encounter, Finding, Imaging, Laterality, Region

MAX_QUESTION_CHARS = 4000

Verdict = Literal["yes", "no", "conditional"]
PayerName = Literal["medicare", "commercial"]


class AskRequest(BaseModel):
    """POST /api/ask body. The question is stripped; empty or over 4,000 characters is a 422."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., description="The coder's question, in their own words.", examples=[
        "Bilateral L4-5 and L5-S1 facet injections under fluoro, Medicare: what do I bill?"])
    conversation_id: str | None = Field(None, max_length=100, description="Continue this conversation.")
    payer: PayerName | None = Field(None, description="medicare | commercial; overrides what the question says.")

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("question must be text")
        text = value.strip()
        if not text:
            raise ValueError("the question is empty; ask something like 'what do I bill for a bilateral L4-5 MBB?'")
        if len(text) > MAX_QUESTION_CHARS:
            raise ValueError(
                f"the question has {len(text)} characters; the limit is {MAX_QUESTION_CHARS}. "
                "Ask about one encounter at a time."
            )
        return text


class JointMention(BaseModel):
    """One joint or bursa named in the question, with its side."""

    name: str
    size: Literal["small", "intermediate", "major"]
    laterality: Laterality | None = None


class ProcedureMention(BaseModel):
    """A procedure named in the question, with the attributes said near it (None = not said)."""

    family: str
    region: Region | None = None
    levels: int | None = None
    level_names: list[str] = Field(default_factory=list)
    laterality: Laterality | None = None
    side_level_names: dict[str, list[str]] = Field(
        default_factory=dict, description="Levels per side when the question gives sides per level.")
    imaging: Imaging | None = None
    diagnostic: bool | None = None
    joints: list[JointMention] = Field(default_factory=list)
    muscles: int | None = None
    muscle_names: list[str] = Field(default_factory=list)


class Mentions(BaseModel):
    """Everything the question states, before defaults. Merged over the previous turn for follow-ups."""

    procedures: list[ProcedureMention] = Field(default_factory=list)
    lines: list[ClaimLine] = Field(default_factory=list, description="Claim lines written in the question.")
    codes: list[str] = Field(default_factory=list)
    modifiers: list[str] = Field(default_factory=list, description="Modifiers named on their own ('a 25').")
    units: int | None = None
    laterality: Laterality | None = None
    imaging: Imaging | None = None
    diagnostic: bool | None = None
    em: bool | None = Field(None, description="An E/M visit is billed or asked about.")
    em_code: str | None = None
    new_patient: bool | None = None
    separate_problem: bool | None = None
    payer: PayerName | None = None
    setting: Literal["office", "facility", "asc"] | None = None
    prior_relief_percent: int | None = None
    prior_sessions: dict[str, int] = Field(default_factory=dict)
    sedation: bool | None = None
    radicular: bool | None = Field(None, description="Radicular pain/radiculopathy (True) or axial pain only (False).")
    ablation: str | None = Field(None, description="Ablation technique: thermal, pulsed, chemical, cryo, laser.")
    distinct_sites: bool | None = Field(None, description="The services were at separate sites or sessions.")
    us_permanent_image: bool | None = None
    us_report: bool | None = None
    days_since_global_procedure: int | None = None
    past_procedure: ProcedureMention | None = Field(None, description="A procedure done on an earlier day.")
    past_code: str | None = None


class Proposal(BaseModel):
    """What a yes/no question puts forward, as claim lines the rules engine can check."""

    kind: Literal["lines", "em25", "modifier", "units", "pair", "coverage", "compare"]
    lines: list[ClaimLine] = Field(default_factory=list)
    modifier: str | None = None
    summary: str = ""


class Understanding(BaseModel):
    """The question as the pipeline understood it: intent, stated facts, and the derived Encounter/Proposal."""

    intent: str
    intent_score: float = 0.0
    yes_no: bool = False
    out_of_scope: bool = False
    override_attempt: bool = False
    follow_up: bool = False
    mentions: Mentions = Field(default_factory=Mentions)
    encounter: Encounter = Field(default_factory=Encounter)
    proposal: Proposal | None = None
    topics: list[str] = Field(default_factory=list)


class Citation(BaseModel):
    """One passage an answer cites as [n]."""

    n: int
    doc: str
    title: str
    section: str = ""
    text: str
    sources: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    """What /api/ask and `advisor ask --json` return."""

    answer: str = Field(description="Markdown; [n] markers refer to `citations`.")
    verdict: Verdict | None = Field(None, description="For yes/no questions: does the rules engine accept it?")
    claim: list[ClaimLine] = Field(default_factory=list, description="What to bill, from the rules engine.")
    findings: list[Finding] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    engine: str = "offline"
    engine_label: str = "Offline rules engine"
    notice: str | None = Field(None, description="Shown to the user, e.g. when an LLM answer fell back offline.")
    conversation_id: str | None = None
    answer_id: str | None = None
    knowledge_version: str | None = None
    understanding: Understanding | None = None


__all__ = [
    "AskRequest", "Answer", "Citation", "EMVisit", "JointMention", "Mentions", "ProcedureMention", "Proposal",
    "Understanding", "Verdict",
]

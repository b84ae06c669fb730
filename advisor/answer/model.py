"""Pydantic shapes of the answer pipeline: the request, what the question was understood to say, and the answer.

`Mentions` holds only what the question itself states (None = not said), so a follow-up ("what if it was
bilateral?") can be merged field by field over the previous turn's mentions; the Encounter and the Proposal
are derived from the merged mentions, never stored separately.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from advisor.answer.edits import Correction, UnderstandingView
from advisor.claims import ClaimLine
from advisor.encoder.payment import PaymentEstimate
from advisor.reader.model import Kind, Proposal, Reading
from advisor.rules.model import Applied, Encounter, Finding

MAX_QUESTION_CHARS = 4000
SURROUNDING_SPACE_CHARS = 100  # a pasted note's stray blank lines pass; 100,000 spaces of padding do not

Verdict = Literal["yes", "no", "conditional"]
PayerName = Literal["medicare", "commercial"]


class AskRequest(BaseModel):
    """POST /api/ask body. Over 4,000 characters after trimming, over 4,100 before, or empty is a 422."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., description="The coder's question, in their own words.", examples=[
        "Bilateral L4-5 and L5-S1 facet injections under fluoro, Medicare: what do I bill?"])
    conversation_id: str | None = Field(None, max_length=100, description="Continue this conversation.")
    payer: PayerName | None = Field(None, description="medicare | commercial; overrides what the question says.")
    locality: str | None = Field(None, max_length=100, description="Medicare locality of the claim's payment "
                                 "estimate (MAC-locality 01182-18, CA-18 or a unique part of its name; GET "
                                 "/api/localities lists them): an unknown one is a 422, any one without the imported "
                                 "GPCI file a 409; national amounts when unset.")

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("question must be text")
        if len(value) > MAX_QUESTION_CHARS + SURROUNDING_SPACE_CHARS:  # the raw text: padding costs work too
            raise ValueError(
                f"the question has {len(value)} characters with its surrounding spaces; the limit is "
                f"{MAX_QUESTION_CHARS} (and {SURROUNDING_SPACE_CHARS} around it). Ask about one encounter at a time."
            )
        text = value.strip()
        if not text:
            raise ValueError("the question is empty; ask something like 'what do I bill for a bilateral L4-5 MBB?'")
        if len(text) > MAX_QUESTION_CHARS:
            raise ValueError(
                f"the question has {len(text)} characters; the limit is {MAX_QUESTION_CHARS}. "
                "Ask about one encounter at a time."
            )
        try:  # an unpaired UTF-16 surrogate ("\\ud800" in JSON, undecodable bytes in argv) cannot be stored or shown
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"the question has a character that is not valid text at position {exc.start + 1} (an unpaired "
                "surrogate); remove it or send the question as UTF-8 text"
            ) from None
        return text


class LookupFact(BaseModel):
    """One fact a look-up question asked for, from the tables (or the guidance), with where it comes from."""

    subject: str = Field(description="The code, code pair ('64493/20552'), modifier or family the fact is about.")
    field: str = Field(description="mue, mai, ptp_mi, ptp_col1, global, bilateral, addon, primaries, sessions, ...")
    value: str
    note: str = ""
    source: str = ""
    confidence: str = "unconfirmed"


class Understanding(BaseModel):
    """The question as the pipeline understood it: the reader's Reading (spans left out), the Encounter and the
    Proposal derived from it. Stored with each turn, so a follow-up is read against it."""

    reading: Reading = Field(default_factory=Reading)
    encounter: Encounter = Field(default_factory=Encounter)
    proposal: Proposal | None = None

    @property
    def kind(self) -> str:
        return self.reading.kind


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
    kind: Kind = Field("claim", description="claim | lookup | clarify (the reader asks back) | unsupported (a "
                                            "procedure this advisor does not cover) | out_of_scope")
    claim: list[ClaimLine] = Field(default_factory=list, description="What to bill, from the rules engine.")
    findings: list[Finding] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    lookup: list[LookupFact] = Field(default_factory=list, description="Facts a look-up question asked for.")
    questions: list[str] = Field(default_factory=list, description="What to tell the advisor to settle the answer.")
    engine: str = "offline"
    engine_label: str = "Offline rules engine"
    engine_remote: bool = Field(False, description="True when an LLM off this machine wrote the text (it saw the "
                                                   "question with patient identifiers replaced by placeholders).")
    notice: str | None = Field(None, description="Shown to the user, e.g. when an LLM answer fell back offline.")
    conversation_id: str | None = None
    answer_id: str | None = None
    knowledge_version: str | None = None
    understanding: Understanding | None = None
    understood: UnderstandingView | None = Field(None, description="What the answer was computed from, as fields "
                                                                   "the coder can correct (not for look-ups).")
    corrected: Correction | None = Field(None, description="Set when the answer was recomputed from the coder's "
                                                           "correction of the reading.")
    applied: Applied | None = Field(None, description="Payer, claim type and MAC jurisdiction the answer's rules "
                                                      "applied (the request's, ADVISOR_MAC or none), as a sentence.")
    estimate: PaymentEstimate | None = Field(None, description="Medicare payment estimate of `claim` (national, or "
                                             "the request's locality); only when the MPFS RVU file is imported.")


__all__ = ["Answer", "AskRequest", "Citation", "LookupFact", "Proposal", "Understanding", "Verdict"]

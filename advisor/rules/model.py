"""Inputs and outputs of the rules engine (pydantic), shared by the CLI, the API, the answer pipeline and the audit."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from advisor.claims import ClaimLine
from advisor.dates import DateInput

_RANK: dict[str, int] = {"confirmed": 2, "secondary": 1, "unconfirmed": 0}
MAX_PRIOR_SESSIONS = 52  # a weekly session all year; the LCD limits are 2 to 4 (lcd.yaml `sessions`)


def weakest(*confidences: Confidence) -> Confidence:
    """A decision is only as sure as its least-sure input."""
    return min(confidences, key=_RANK.__getitem__) if confidences else "confirmed"


class Payer(StrEnum):
    MEDICARE = "medicare"
    COMMERCIAL = "commercial"


class Setting(StrEnum):
    """Where the service was done: office = physician claim, facility = hospital outpatient (OPPS), asc."""

    OFFICE = "office"
    FACILITY = "facility"
    ASC = "asc"


class ClaimType(StrEnum):
    """Whose claim it is, independent of the place of service: a physician's claim for a case done in an ASC (POS 24)
    is a professional claim and follows the physician rules."""

    PROFESSIONAL = "professional"
    ASC = "asc"
    HOSPITAL_OUTPATIENT = "hospital_outpatient"


# The older `setting` values and the claim type each one means (setting stays accepted; see Facts).
SETTING_CLAIM_TYPE: dict[Setting, ClaimType] = {Setting.OFFICE: ClaimType.PROFESSIONAL, Setting.ASC: ClaimType.ASC,
                                                Setting.FACILITY: ClaimType.HOSPITAL_OUTPATIENT}
CLAIM_TYPE_SETTING: dict[ClaimType, Setting] = {v: k for k, v in SETTING_CLAIM_TYPE.items()}

Imaging = Literal["fluoroscopy", "ct", "ultrasound", "none"]
Severity = Literal["error", "warning", "info"]
Status = Literal["clean", "warnings", "errors"]
Confidence = Literal["confirmed", "secondary", "unconfirmed"]
SessionFamily = Literal[
    "esi", "facet_diagnostic", "facet_therapeutic", "rfa", "si_diagnostic", "si_therapeutic", "tpi"
]


class UltrasoundDocs(BaseModel):
    """What the note shows about ultrasound guidance (20604/20606/20611 need all three)."""

    model_config = ConfigDict(extra="forbid")

    real_time: bool | None = None
    permanent_image: bool | None = None
    report: bool | None = None


class Facts(BaseModel):
    """Encounter facts that change the decision. Unknown keys are rejected so typos never pass silently."""

    model_config = ConfigDict(extra="forbid")

    payer: Payer = Payer.MEDICARE
    setting: Setting = Field(
        Setting.OFFICE,
        description="office = the physician's professional claim (any place of service); asc = the ASC's facility "
        "claim; facility = the hospital outpatient (OPPS) facility claim.",
    )
    claim_type: ClaimType | None = Field(
        None, description="professional (the physician's claim, whatever the place of service), asc (the ASC's "
        "facility claim) or hospital_outpatient (the OPPS facility claim). Replaces `setting` (office = professional, "
        "asc = asc, facility = hospital_outpatient); when both are given they must agree.")
    mac: str | None = Field(
        None, description="The Medicare contractor whose LCDs apply: a jurisdiction (J15, JE, JH...), a MAC serving "
        "one jurisdiction (CGS) or the practice's two-letter state (OH). Normalised to the jurisdiction; overrides "
        "ADVISOR_MAC.")
    date_of_service: DateInput | None = Field(
        None, description="Date of service: 2026-03-14 or 03/14/2026 (advisor.dates).")
    separate_problem: bool | None = Field(
        None, description="The E/M addressed a significant, separately identifiable problem beyond the procedure."
    )
    new_patient: bool | None = None
    diagnostic: bool | None = Field(None, description="True for diagnostic blocks, False for therapeutic.")
    imaging: Imaging | None = None
    ultrasound: UltrasoundDocs | None = None
    muscles: int | None = Field(None, ge=0, le=50, description="Distinct muscles injected with trigger points.")
    prior_relief_percent: int | None = Field(None, ge=0, le=100, description="Relief from the prior block, percent.")
    prior_sessions: dict[SessionFamily, Annotated[int, Field(ge=0, le=MAX_PRIOR_SESSIONS)]] = Field(
        default_factory=dict, description="Sessions already done in the rolling 12 months, per procedure family "
                                          f"(0-{MAX_PRIOR_SESSIONS} each).")
    sedation: bool | None = None
    seen_within_three_years: bool | None = Field(
        None, description="A physician of the same group and specialty gave the patient a face-to-face service in the "
                          "previous three years (True: an established patient), or not (False).")
    sedation_reason: bool | None = Field(
        None, description="The note documents a patient-specific reason for the sedation (True) or calls it routine "
                          "(False).")
    radicular: bool | None = Field(
        None, description="Radicular pain or radiculopathy is present (True) or the pain is axial only (False)."
    )
    ablation: Literal["thermal", "pulsed", "chemical", "cryo", "laser"] | None = Field(
        None, description="How the facet or SI nerves were ablated (Medicare covers thermal RF only)."
    )
    distinct_sites: bool | None = Field(
        None, description="The paired services were at separate sites or sessions (supports a 59/X bypass)."
    )
    separate_encounter: bool | None = Field(
        None, description="The paired services were at separate encounters the same day ('came back at 4pm'): XE, "
                          "not XS, on a Medicare claim.")
    procedure_day: bool | None = Field(
        None, description="A minor procedure (000 or 010 global) was done on the same date, even if its line is not "
                          "on this claim (an E/M checked on its own).")
    days_since_global_procedure: int | None = Field(None, ge=0, le=365)
    global_procedure_code: str | None = None
    prior_blocks: list[int] = Field(
        default_factory=list, max_length=10,
        description="Relief (percent, 0-100) from each diagnostic block done before this service, oldest first.")
    relief_months: int | None = Field(None, ge=0, le=120, description="How long the prior relief lasted, in months.")
    months_since_prior: int | None = Field(
        None, ge=0, le=600, description="How long ago the prior procedure of the same kind was, in months (a repeat "
                                        "facet RFA more than two years after the last needs new diagnostic blocks).")
    lcds: list[str] = Field(default_factory=list, max_length=10,
                            description="LCD numbers the question names (L39656): which contractor's policy applies.")
    pain_weeks: int | None = Field(None, ge=0, le=2600, description="How long the pain has lasted, in weeks (the "
                                   "Medicare LCDs ask for a minimum duration before an injection).")
    acute_zoster: bool | None = Field(None, description="The pain is from acute herpes zoster (the ESI LCDs waive "
                                      "their minimum pain duration for it).")
    provocative_tests: int | None = Field(None, ge=0, le=10, description="Positive SI joint provocative tests "
                                          "documented (the Medicare SI LCDs ask for at least three).")
    branches_reduced: bool | None = Field(
        None, description="Fewer than the three genicular branches the code describes (superolateral, superomedial, "
                          "inferomedial) were treated (True).")
    rfa_not_possible: bool | None = Field(
        None, description="The note documents why the patient cannot have radiofrequency ablation (a Medicare "
                          "condition for therapeutic intra-articular facet injections).")

    @field_validator("mac")
    @classmethod
    def _jurisdiction(cls, value: str | None) -> str | None:
        from advisor.rules.jurisdiction import optional_mac

        return optional_mac(value)

    @model_validator(mode="after")
    def _claim_type_and_setting(self) -> Facts:
        """`claim_type` and the older `setting` describe the same thing: keep them in step, reject a contradiction."""
        if self.claim_type is None:
            return self
        implied = CLAIM_TYPE_SETTING[self.claim_type]
        if "setting" in self.model_fields_set and self.setting is not implied:
            raise ValueError(f"claim_type {self.claim_type.value!r} and setting {self.setting.value!r} disagree "
                             f"(setting {implied.value!r} means that claim type); send claim_type alone")
        self.setting = implied
        return self

    @property
    def claim(self) -> ClaimType:
        """The claim type, from `claim_type` or, when only the older `setting` was given, from it."""
        return self.claim_type or SETTING_CLAIM_TYPE[self.setting]

    @field_validator("prior_blocks", "prior_relief_percent", "relief_months", "prior_sessions", mode="before")
    @classmethod
    def _history_ranges(cls, value: Any, info: ValidationInfo) -> Any:
        """Relief percentages, months and session counts out of range get a message naming the value (a value of
        the wrong type gets pydantic's own)."""
        low, high, message = HISTORY_RANGES[info.field_name or ""]
        items = (value.items() if isinstance(value, dict) else enumerate(value, 1) if isinstance(value, list)
                 else [("", value)])
        for name, v in items:
            if _number(v) and not low <= v <= high:
                raise ValueError(message.format(name=name, value=v, low=low, high=high))
        return value


# field: (lowest, highest, message) of the encounter history values (Facts._history_ranges)
HISTORY_RANGES: dict[str, tuple[int, int, str]] = {
    "prior_blocks": (0, 100, "block {name}'s relief is {value}%; relief is a percentage from {low} to {high}"),
    "prior_relief_percent": (0, 100, "relief of {value}%: relief is a percentage from {low} to {high}"),
    "relief_months": (0, 120, "{value} months: how long the relief lasted is {low} to {high} months"),
    "prior_sessions": (0, MAX_PRIOR_SESSIONS, "{name}: {value} sessions; a count of sessions in the rolling 12 "
                                              "months is {low} to {high}"),
}


def _number(value: Any) -> bool:
    """A JSON number (not a boolean): the range checks above name it; other types get pydantic's own message."""
    return isinstance(value, int | float) and not isinstance(value, bool)


# The question that settles each fact a finding can wait on (Finding.pending).
FACT_QUESTIONS: dict[str, str] = {
    "separate_problem": "Did the visit address a significant, separately identifiable problem beyond the decision "
                        "to do the procedure?",
    "diagnostic": "Is the block diagnostic (e.g. a medial branch block before RFA) or therapeutic?",
    "ultrasound": "Does the note show real-time ultrasound, a saved (retrievable) image and a written report?",
    "prior_relief_percent": "How much relief (percent) did the prior injection or block give, and for how long?",
    "prior_blocks": "How many diagnostic blocks were done before, and what relief (percent) did each give?",
    "distinct_sites": "Were the two services at separate sites (or sessions)?",
    "muscles": "How many distinct muscles were injected?",
    "imaging": "Was imaging guidance used (fluoroscopy, CT, ultrasound or none)?",
    "approach": "Was the epidural interlaminar (or caudal) or transforaminal? 'ESI' names both, and they are coded "
                "differently.",
    "side": "Was it done on both sides, or on one side only (which)?",
    "side_unstated": "The note does not say which side: was it the left, the right or both? Have the physician "
                     "document the side before billing; the side decides RT/LT or 50.",
    "payer": "Which payer is billed: Medicare or a commercial plan?",
    "setting": "Whose claim is it: the physician's professional claim, or the ASC's or hospital's facility claim?",
    "rfa_not_possible": "Does the note document why the patient cannot have radiofrequency ablation?",
    "sedation_reason": "Does the note document a patient-specific reason for the sedation (not routine use)?",
    "lcds": "Which Medicare contractor's LCD applies to this patient (its number, e.g. L39656)? Some cap trigger point "
            "sessions, others do not.",
    "region": "Which spinal region was injected? The region named and the levels named are in different regions.",
    "partly": "Part of what was planned was not done: how many (muscles, levels or joints) were actually done, and "
              "which?",
    "documentation": "The note's parts say different things (header or order against the procedure description): "
                     "which one describes what was done? Code from the procedure description, and have the physician "
                     "amend the note where the header or order is wrong.",
}


class Finding(BaseModel):
    """One decision of one rule: what is wrong or worth knowing, the fix, and where the rule comes from."""

    rule: str
    severity: Severity
    message: str
    codes: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    confidence: Confidence = "confirmed"
    explains: str | None = Field(None, description="The knowledge section that explains the rule (doc#section).")
    pending: str | None = Field(None, description="The fact this finding waits on (see FACT_QUESTIONS), if any.")
    jurisdiction: str | None = Field(None, description="The MAC jurisdiction whose own LCD value this finding "
                                                       "applied (None: the value the jurisdictions share).")


class Applied(BaseModel):
    """What a check was decided under, stated on every result: payer, claim type and the MAC jurisdiction whose LCD
    parameters applied (and where that choice came from)."""

    payer: Payer
    claim_type: ClaimType
    jurisdiction: str | None = Field(None, description="J15, JE...; None: no MAC given, the shared values apply.")
    mac: str | None = None
    mac_from: Literal["request", "setting", "none"] = "none"
    statement: str


class CheckResult(BaseModel):
    """The engine's verdict on a claim: status, findings and the corrected claim."""

    status: Status
    findings: list[Finding]
    claim: list[ClaimLine]
    applied: Applied | None = None


Region = Literal["cervical", "thoracic", "lumbar", "sacral"]
Laterality = Literal["left", "right", "bilateral"]
JointSize = Literal["small", "intermediate", "major"]


class Procedure(BaseModel):
    """What was done, in the terms an op note uses; `recommend` turns it into claim lines."""

    model_config = ConfigDict(extra="forbid")

    family: str = Field(description="A procedure family of the catalog's registry (families.yaml), e.g. "
                                    "facet_injection.")
    region: Region | None = None
    levels: int = Field(1, ge=1, le=10, description="Spinal levels (facet joints, foramina) per side.")
    laterality: Laterality | None = None
    levels_left: int | None = Field(None, ge=0, le=10, description="Levels on the left when the sides differ.")
    levels_right: int | None = Field(None, ge=0, le=10, description="Levels on the right when the sides differ.")
    level_regions: list[Region] = Field(
        default_factory=list, max_length=10,
        description="The region of each level, cranial first, when the levels cross regions (T12-L1 and L1-2): the "
                    "first level takes its region's primary code, each later level its own region's add-on.")
    imaging: Imaging | None = None
    joint: str | None = Field(None, description="Joint or bursa name, e.g. knee, shoulder, wrist.")
    joint_size: JointSize | None = None
    muscles: int | None = Field(None, ge=1, le=50)
    diagnostic: bool | None = None
    target: str | None = Field(None, description="The nerve or ganglion when the family's code depends on it "
                                                  "(anatomy id, e.g. stellate_ganglion).")
    stopped: Literal["before_anesthesia", "after_anesthesia"] | None = Field(
        None, description="Started, then stopped for the patient's safety: the intended procedure's first code is "
                          "billed with 53 (physician) or 73/74 (facility: stopped before or after local anesthesia, a "
                          "block or sedation was given); a procedure cancelled before it started is not billed.")


class EMVisit(BaseModel):
    """The E/M part of the visit, if one is billed or considered."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(None, description="The E/M level billed, e.g. 99213.")
    new_patient: bool | None = None
    separate_problem: bool | None = None


class Encounter(BaseModel):
    """A structured description of one date of service."""

    model_config = ConfigDict(extra="forbid")

    procedures: list[Procedure] = Field(default_factory=list)
    em: EMVisit | None = None
    facts: Facts = Field(default_factory=Facts)


class Recommendation(BaseModel):
    """Recommended claim lines for an encounter, with the findings that explain them."""

    claim: list[ClaimLine]
    status: Status
    findings: list[Finding]
    notes: list[str] = Field(default_factory=list, description="How each line was derived, in plain words.")
    applied: Applied | None = None

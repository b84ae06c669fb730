"""What the encoder view returns (pydantic, so the API documents it): every value with where it comes from."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from advisor.encoder.knowledge import Section
from advisor.rules.model import Confidence

Value = str | int | bool | None


class SourceRef(BaseModel):
    id: str
    title: str
    url: str | None = None


class Origin(BaseModel):
    """Where a value comes from: an imported CMS table (named with its version), the curated catalog (with its
    sources and confidence), or an ADVISOR_* setting the operator chose."""

    kind: Literal["imported", "curated", "setting"]
    table: str = Field(description="'CMS MUE 2026-01-01', 'CMS PTP v32.1r0', or 'curated'.")
    version: str | None = None
    effective: date | None = None
    confidence: Confidence
    sources: list[SourceRef]


class Fact(BaseModel):
    """One value of a code: what it is, what it means, where it comes from; `curated` holds the curated value
    when an imported table says something else (shown side by side)."""

    value: Value
    meaning: str | None = None
    origin: Origin
    curated: CuratedValue | None = None


class CuratedValue(BaseModel):
    value: Value
    origin: Origin


class Difference(BaseModel):
    """A value the curated catalog and the imported CMS table disagree on (the imported one is the one applied)."""

    field: str
    curated: Value
    imported: Value
    table: str
    curated_confidence: Confidence


class Units(BaseModel):
    """The MUE of a code (GET /api/codes/{code}/units)."""

    code: str
    date: date
    mue: int | None = Field(None, description="Units per line (MAI 1) or per date of service (MAI 2, 3); None when "
                                              "no table holds the code.")
    mai: int | None = None
    per: Literal["line", "date of service"] | None = None
    meaning: str | None = None
    appeal: str | None = Field(None, description="What the MAI means for a denial and its appeal.")
    appeal_sources: list[SourceRef] = Field(default_factory=list, description="Where the MAI's meaning comes from.")
    bilateral: str | None = None
    origin: Origin | None = None
    curated: CuratedValue | None = None
    notices: list[str] = Field(default_factory=list)


class PairEdit(BaseModel):
    """One NCCI PTP edit: column 1 is paid, column 2 is denied unless the indicator allows a bypass."""

    col1: str
    col2: str
    other: str | None = Field(None, description="In a code's pair list: the code paired with it.")
    mi: int = Field(description="Modifier indicator 0 (never bypassed), 1 (bypass when distinct), 9 (not applied).")
    meaning: str
    rationale: str
    effective: date | None = None
    deleted: date | None = None
    origin: Origin
    curated_mi: int | None = Field(None, description="The curated pair's indicator when the imported table differs.")
    curated_col1: str | None = Field(None, description="The curated column 1 when the imported table reverses it.")


class PairLookup(BaseModel):
    """GET /api/pairs: is there an edit between two codes on a date, and how is it bypassed (or not)."""

    a: str
    b: str
    date: date
    edit: bool
    pair: PairEdit | None = None
    bypass: list[str] = Field(default_factory=list, description="What bypasses the edit.")
    not_bypass: list[str] = Field(default_factory=list, description="What does not.")
    sources: list[SourceRef] = Field(default_factory=list)
    message: str
    notices: list[str] = Field(default_factory=list)


class FamilyRef(BaseModel):
    id: str
    label: str
    region: str | None = None
    level: str | None = None
    target: str | None = None
    joint_size: str | None = None
    sides: str
    imaging_rule: str


class LcdRule(BaseModel):
    """A Medicare LCD or billing-article rule that applies to the code's family."""

    rule: str
    value: Value | list[str]
    note: str | None = None
    documents: list[str] = Field(description="LCD (L) and billing article (A) numbers its sources name.")
    confidence: Confidence
    sources: list[SourceRef]


class JurisdictionLcd(BaseModel):
    """The LCD and billing article one MAC jurisdiction applies to the code's family topic (jurisdictions.yaml)."""

    jurisdiction: str
    mac: str
    states: list[str]
    lcd: str
    article: str | None = None
    url: str = Field(description="The LCD on the CMS Medicare Coverage Database.")
    confidence: Confidence = Field(description="unconfirmed: which contractor publishes it is not confirmed from a "
                                               "primary page.")
    sources: list[SourceRef]
    default: bool = Field(False, description="The server's ADVISOR_MAC jurisdiction.")


class TableInfo(BaseModel):
    kind: str
    table: str
    effective: date
    used: bool = Field(description="The version that serves the requested date.")


class CodeDetail(BaseModel):
    """GET /api/codes/{code}: one code's facts, each with its origin."""

    code: str
    date: date
    in_catalog: bool = Field(description="The curated catalog describes the code (else only imported rows).")
    descriptor: str | None = Field(None, description="Our own short words (never CPT's descriptor).")
    family: FamilyRef | None = None
    facts: dict[str, Fact] = Field(default_factory=dict, description="addon, global, bilateral, multiple_procedure, "
                                                                      "assistant, imaging, facility_only.")
    primaries: list[str] = Field(default_factory=list, description="For an add-on: the codes it is reported with.")
    addons: list[str] = Field(default_factory=list, description="Add-on codes reported with this code.")
    twin: str | None = Field(None, description="The guided/unguided twin of the code.")
    units: Units
    pairs: list[PairEdit] = Field(default_factory=list)
    lcd: list[LcdRule] = Field(default_factory=list)
    lcd_topic: str | None = Field(None, description="The family's LCD topic (facet, esi, si); None: no LCD topic.")
    lcd_by_jurisdiction: list[JurisdictionLcd] = Field(default_factory=list, description="The topic's LCD and "
                                                       "billing article in each MAC jurisdiction.")
    noncovered: str | None = None
    knowledge: list[Section] = Field(default_factory=list)
    differences: list[Difference] = Field(default_factory=list)
    tables: list[TableInfo] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)


class CodeHit(BaseModel):
    code: str
    descriptor: str | None
    family: str | None
    label: str | None


class ModifierInfo(BaseModel):
    mod: str
    group: str
    means: str
    common: bool
    confidence: Confidence
    sources: list[SourceRef]


Fact.model_rebuild()

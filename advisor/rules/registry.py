"""The family registry, the anatomy and the reader's vocabulary: catalog data about procedure families as a whole.

families.yaml says what is true of a family (how it is counted, sided, guided, which LCD session limit it falls
under, its words); anatomy.yaml names the targets families act on; vocabulary.yaml holds every other word the
question reader knows. Per-code facts stay in codes.yaml. This module only loads and cross-checks the files;
`Catalog` (catalog.py) joins them with the codes and derives the views the engine and the reader use.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import DataError
from advisor.rules.model import Confidence

Act = Literal["inject", "ablate", "aspirate", "catheter", "visit", "guide"]
Counts = Literal["levels", "single", "joints", "muscles", "none"]
Select = Literal["region", "target", "size", "muscles", "claim_type", "none"]
Sides = Literal["bilateral", "midline", "none"]
ImagingRule = Literal["included", "twin", "separate", "us_twin", "none"]
REGION_WORDS = ("cervical", "thoracic", "lumbar", "sacral")


class WithoutImaging(BaseModel):
    """What a procedure whose descriptors name fluoroscopy or CT is, when done without it (families.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str | None
    conf: Confidence
    src: tuple[str, ...]


class UnlistedTechniques(BaseModel):
    """Techniques a family's codes do not describe, and the unlisted code CPT sends them to (families.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    techniques: tuple[str, ...]
    code: str
    conf: Confidence
    src: tuple[str, ...]


class Family(BaseModel):
    """One procedure family (families.yaml); see the file's header for each field's meaning."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str
    act: Act
    targets: tuple[str, ...] = ()
    generic: tuple[str, ...] = ()
    shared_targets: tuple[str, ...] = ()
    default_for: Literal["levels"] | None = None
    counts: Counts
    level_unit: Literal["joint", "foramen", "nerve"] | None = None
    select: Select
    sides: Sides
    imaging: ImagingRule
    guidance: dict[str, str] = Field(default_factory=dict)
    variants: dict[str, str] = Field(default_factory=dict)
    single_shot: str | None = None
    unlisted_techniques: UnlistedTechniques | None = None
    without_imaging: WithoutImaging | None = None
    purpose: bool = False
    sessions: str | dict[str, str] | None = None
    session_group: Literal["region"] | None = None
    docs: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    # words that name this family only when the question names no sibling (same session count): "first ESI" after
    # a transforaminal injection is that injection
    broad_words: tuple[str, ...] = ()
    ask: str | None = None
    implies_diagnostic: tuple[str, ...] = ()
    implies_therapeutic: tuple[str, ...] = ()
    shared_words: tuple[str, ...] = ()
    level_limit: str | None = None

    @property
    def procedure(self) -> bool:
        """E/M visits and imaging guidance are families of codes, not procedures a question describes."""
        return self.act not in ("visit", "guide")

    def session_key(self, diagnostic: bool | None) -> str | None:
        """The LCD session-limit key for this family (per purpose where the purpose decides; None if unknown)."""
        if isinstance(self.sessions, dict):
            return None if diagnostic is None else self.sessions["diagnostic" if diagnostic else "therapeutic"]
        return self.sessions

    @property
    def session_keys(self) -> tuple[str, ...]:
        if isinstance(self.sessions, dict):
            return tuple(self.sessions.values())
        return (self.sessions,) if self.sessions else ()


class Anatomy(BaseModel):
    """A target the reader recognises: a spinal structure, joint or bursa, muscle, nerve or ganglion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: Literal["spine", "joint", "muscle", "nerve", "region"]
    words: tuple[str, ...]
    size: Literal["major", "intermediate", "small"] | None = None
    part_of: str | None = None
    near: str | None = None
    region: str | None = None
    generic: bool = False
    at_level: str | None = Field(None, description="What this (generic) target named at a spinal level is: 'an "
                                 "intra-articular injection at L4-5' is a facet joint injection.")
    nerve_offset: int | None = Field(None, description="A landmark: the nerve lies this many vertebrae from the one "
                                     "the note names ('SAP/TP junction at L4' = the L3 medial branch: -1).")
    nerve: str | None = Field(None, description="A landmark naming one nerve by itself ('sacral ala' = the L5 "
                              "dorsal ramus).")


class Registry(BaseModel):
    """Families, anatomy and vocabulary as loaded (the raw vocabulary mapping is compiled by advisor.reader)."""

    model_config = ConfigDict(frozen=True)

    version: str
    regions: dict[str, str]
    families: dict[str, Family]
    anatomy: dict[str, Anatomy]
    vocabulary: dict[str, Any]
    sources: tuple[str, ...] = ()
    confidence: str = "unconfirmed"

    def family(self, family_id: str) -> Family:
        try:
            return self.families[family_id]
        except KeyError:
            known = ", ".join(sorted(f for f, fam in self.families.items() if fam.procedure))
            raise DataError(f"unknown procedure family {family_id!r}; known: {known}", "family") from None

    @cached_property
    def spinal_families(self) -> frozenset[str]:
        """Procedure families coded by spinal region (epidurals, facet injections and RFA): an 'instead' between two
        of them keeps the levels and side."""
        return frozenset(f.id for f in self.families.values() if f.select == "region" and f.procedure)

    @cached_property
    def point_targets(self) -> frozenset[str]:
        """What a muscle-counting family targets in general ('muscles', 'trigger point'): not a muscle's own name,
        and 'six TP injections' counts injections, not muscles."""
        return frozenset(t for f in self.families.values() if f.counts == "muscles" for t in f.targets)

    def code_region(self, region: str | None) -> str | None:
        """Anatomical region (lumbar) -> the region the codes group by (lumbar_sacral)."""
        return self.regions.get(region or "", region)

    def joints(self) -> dict[str, Anatomy]:
        return {a.id: a for a in self.anatomy.values() if a.kind == "joint" and not a.generic}


def read_yaml(path: Path) -> dict[str, Any]:
    """A catalog file's top-level mapping; a missing or malformed file is a DataError naming it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path.name}: cannot read catalog file ({exc})", str(path)) from None
    if not isinstance(data, dict):
        raise DataError(f"{path.name}: expected a mapping at the top level", str(path))
    return data


def load_registry(directory: Path, known_sources: set[str]) -> Registry:
    """Read families.yaml, anatomy.yaml and vocabulary.yaml and check they agree with each other."""
    fam_data = read_yaml(directory / "families.yaml")
    ana_data = read_yaml(directory / "anatomy.yaml")
    vocab = read_yaml(directory / "vocabulary.yaml")
    try:
        families = {fid: Family(id=fid, **body) for fid, body in fam_data["families"].items()}
        anatomy = {aid: Anatomy(id=aid, kind=body.pop("class"), **body)
                   for aid, body in ((k, dict(v)) for k, v in ana_data["anatomy"].items())}
    except (KeyError, TypeError, ValidationError) as exc:
        raise DataError(f"families.yaml/anatomy.yaml: invalid entry ({exc})", "families.yaml") from None
    for fam in families.values():
        unknown = [t for t in (*fam.targets, *fam.generic) if t not in anatomy]
        if unknown:
            raise DataError(f"families.yaml {fam.id}: unknown target(s) {', '.join(unknown)}", "families.yaml")
        bad = [v for v in (*fam.variants.values(), fam.single_shot) if v is not None and v not in families]
        if bad:
            raise DataError(f"families.yaml {fam.id}: unknown variant family {', '.join(bad)}", "families.yaml")
        if fam.counts == "levels" and fam.level_unit is None:
            raise DataError(f"families.yaml {fam.id}: a family counted in levels needs level_unit", "families.yaml")
    for part in anatomy.values():
        for field, other in (("part_of", part.part_of), ("near", part.near)):
            if other is not None and other not in anatomy:
                raise DataError(f"anatomy.yaml {part.id}: {field} {other!r} is not in the file", "anatomy.yaml")
    src = list(ana_data.get("src", []))
    missing = sorted(set(src) - known_sources)
    if not src or missing:
        raise DataError(f"anatomy.yaml: sources missing or unknown ({', '.join(missing) or 'none given'})",
                        "anatomy.yaml")
    regions = dict(fam_data.get("regions") or {})
    if set(regions) != set(REGION_WORDS):
        raise DataError(f"families.yaml regions must map {', '.join(REGION_WORDS)}", "families.yaml")
    return Registry(version=str(fam_data.get("version", "")), regions=regions, families=families, anatomy=anatomy,
                    vocabulary=vocab, sources=tuple(src), confidence=str(ana_data.get("conf", "unconfirmed")))


__all__ = ["Anatomy", "Family", "Registry", "load_registry", "read_yaml"]

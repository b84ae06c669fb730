"""The one parser for spinal levels: "L4-5", "L5-S1", "C7-T1", "L4-S1", "L3/4", "L4 and L5".

Facet and RFA codes count joints (a level is the joint between two vertebrae), so "L4-S1" is two levels
(L4-5, L5-S1) and "L3-4, L4-5, L5-S1" is three. Transforaminal levels are foramina named either way
("L4-5" or the nerve root "L5"); a bare vertebra counts as one level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Vertebra -> position on one axis: C1=1..C7=7, T1=8..T12=19, L1=20..L5=24, S1=25.
_BASE = {"c": 0, "t": 7, "l": 19, "s": 24}
_MAX = {"c": 7, "t": 12, "l": 5, "s": 5}
_REGION = {"c": "cervical", "t": "thoracic", "l": "lumbar", "s": "sacral"}
_NAMES = {v: f"{k.upper()}{n}" for k, base in _BASE.items() for n in range(1, _MAX[k] + 1) for v in [base + n]}

SPAN_RE = re.compile(r"(?<![a-z0-9])([ctls])(\d{1,2})\s*[-/]\s*[ctls]?\d{1,2}\s*(?:through|thru|to)\s*"
                     r"[ctls]?\d{1,2}\s*[-/]\s*([ctls])?(\d{1,2})(?![0-9])")
RANGE_RE = re.compile(r"(?<![a-z0-9])([ctls])(\d{1,2})\s*(?:-|/|to|through|thru)\s*([ctls])?(\d{1,2})(?![0-9])"
                      r"|(?<![a-z0-9])([ctls])(\d{1,2})\s+([ctls])(\d{1,2})(?![0-9])")
SINGLE_RE = re.compile(r"(?<![a-z0-9-/])([ctls])(\d{1,2})(?![0-9])(?!\s*(?:-|/|to\b|through|thru)\s*[ctls]?\d)")


def _position(letter: str, number: int) -> int | None:
    if number < 1 or number > _MAX[letter]:
        return None
    return _BASE[letter] + number


def joint_name(upper: int) -> str:
    """'L4-5' style name of the joint between `upper` and the next vertebra."""
    a, b = _NAMES.get(upper, "?"), _NAMES.get(upper + 1, "?")
    return f"{a}-{b[1:]}" if a[0] == b[0] else f"{a}-{b}"


@dataclass(frozen=True)
class SpinalLevels:
    """Joints (by upper vertebra position) and bare vertebrae found in a piece of text."""

    joints: frozenset[int]
    vertebrae: frozenset[int]
    region: str | None

    @property
    def names(self) -> list[str]:
        return [joint_name(j) for j in sorted(self.joints)] + [_NAMES[v] for v in sorted(self.vertebrae)]

    def count(self, family: str | None = None) -> int | None:
        """Levels for `family`: joints, plus bare vertebrae (as foramina for TFESI, as nerves for facet)."""
        if not self.joints and not self.vertebrae:
            return None
        if family in ("facet_injection", "facet_rfa"):
            # Facet codes count joints; bare vertebrae are nerves ("L3, L4, L5 medial branches" = 2 joints).
            return len(self.joints) if self.joints else max(1, len(self.vertebrae) - 1)
        extra = {v for v in self.vertebrae if v not in self.joints and v - 1 not in self.joints}
        return len(self.joints) + len(extra)


def parse_levels(text: str) -> SpinalLevels:
    """Spinal levels in lowercase text; ranges expand to every joint they span."""
    joints: set[int] = set()
    regions: list[str] = []
    for m in SPAN_RE.finditer(text):  # "L1-2 through L5-S1": every joint from the first to the last
        a, b = _position(m.group(1), int(m.group(2))), _position(m.group(3) or m.group(1), int(m.group(4)))
        if a is not None and b is not None and 0 < b - a <= 12:
            joints.update(range(a, b))
            regions.append(_REGION[m.group(1)])
    text = SPAN_RE.sub(" ", text)
    for m in RANGE_RE.finditer(text):
        if m.group(1):
            l1, n1, l2, n2 = m.group(1), int(m.group(2)), m.group(3) or m.group(1), int(m.group(4))
        else:  # "L5 S1": two named vertebrae side by side are the joint between them
            l1, n1, l2, n2 = m.group(5), int(m.group(6)), m.group(7), int(m.group(8))
        a, b = _position(l1, n1), _position(l2, n2)
        if a is None or b is None or b <= a or b - a > 12 or (not m.group(1) and b - a != 1):
            continue
        joints.update(range(a, b))
        regions.append(_REGION[l1])
    text = RANGE_RE.sub(" ", text)
    vertebrae: set[int] = set()
    for m in SINGLE_RE.finditer(text):
        pos = _position(m.group(1), int(m.group(2)))
        if pos is not None:
            vertebrae.add(pos)
            regions.append(_REGION[m.group(1)])
    region = regions[0] if regions else None
    if region == "sacral" and any(r != "sacral" for r in regions):
        region = next(r for r in regions if r != "sacral")
    return SpinalLevels(frozenset(joints), frozenset(vertebrae), region)


_TOKEN_RE = re.compile(r"([ctls])(\d{1,2})(?:(?:\s?(?:-|/|to|through|thru)\s?)?([ctls])?(\d{1,2}))?")


def parse_level_token(token: str) -> dict[str, object] | None:
    """One level token ('l4-5', 'l5-s1', 'l5s1', 'l4/5', 'l3 to l5', 'l5', 'l45') as joints (upper vertebra positions),
    bare vertebrae, their names and region; None when it names no real level."""
    m = _TOKEN_RE.fullmatch(token.lower())
    if m is None:
        return None
    l1, n1 = m.group(1), int(m.group(2))
    joints: set[int] = set()
    vertebrae: set[int] = set()
    if m.group(4) is None:
        if n1 > 9 and _position(l1, n1) is None and n1 // 10 + 1 == n1 % 10:  # "L45" = L4-5
            a = _position(l1, n1 // 10)
            if a is not None:
                joints.add(a)
        elif (pos := _position(l1, n1)) is not None:
            vertebrae.add(pos)
    else:
        a, b = _position(l1, n1), _position(m.group(3) or l1, int(m.group(4)))
        if a is None or b is None or not 0 < b - a <= 12:
            return None
        joints.update(range(a, b))
    if not joints and not vertebrae:
        return None
    levels = SpinalLevels(frozenset(joints), frozenset(vertebrae), _REGION[l1] if l1 != "s" or not joints else "lumbar")
    return {"joints": sorted(joints), "vertebrae": sorted(vertebrae), "names": levels.names, "region": levels.region}


def joints_between(first: int, last: int) -> list[int]:
    """Every joint from the one below `first` to the one above `last` (a range 'L3-4 through L5-S1')."""
    return list(range(first, last + 1))

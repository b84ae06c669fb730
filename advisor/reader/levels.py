"""The one parser for spinal level tokens ("L4-5", "L5-S1", "C7-T1", "L4-S1", "L3/4", "L45", "L5") and their names.

A level token names joints (by the upper vertebra's position on one axis) or bare vertebrae; how many levels they are
depends on the family's unit (advisor.reader.frames.count_levels: joints, foramina or nerves).
"""

from __future__ import annotations

import re

# Vertebra -> position on one axis: C1=1..C7=7, T1=8..T12=19, L1=20..L5=24, S1=25.
_BASE = {"c": 0, "t": 7, "l": 19, "s": 24}
_MAX = {"c": 7, "t": 12, "l": 5, "s": 5}
_REGION = {"c": "cervical", "t": "thoracic", "l": "lumbar", "s": "sacral"}
_NAMES = {v: f"{k.upper()}{n}" for k, base in _BASE.items() for n in range(1, _MAX[k] + 1) for v in [base + n]}


def _position(letter: str, number: int) -> int | None:
    if number < 1 or number > _MAX[letter]:
        return None
    return _BASE[letter] + number


def root_foramen(vertebra: int) -> int:
    """The joint (upper vertebra position) whose foramen a spinal nerve root leaves by: a cervical root above its
    vertebra (C6 by C5-6), every other below it (L5 by L5-S1); C8, which has no vertebra, is not named here."""
    return vertebra - 1 if vertebra <= _BASE["t"] else vertebra


def joint_name(upper: int) -> str:
    """'L4-5' style name of the joint between `upper` and the next vertebra."""
    a, b = _NAMES.get(upper, "?"), _NAMES.get(upper + 1, "?")
    return f"{a}-{b[1:]}" if a[0] == b[0] else f"{a}-{b}"


def level_names(joints: set[int] | list[int], vertebrae: set[int] | list[int]) -> list[str]:
    """'L4-5', 'L5-S1' for the joints, then 'L5' for the bare vertebrae, each in spinal order."""
    return [joint_name(j) for j in sorted(joints)] + [_NAMES[v] for v in sorted(vertebrae)]


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
    region = _REGION[l1] if l1 != "s" or not joints else "lumbar"
    return {"joints": sorted(joints), "vertebrae": sorted(vertebrae), "names": level_names(joints, vertebrae),
            "region": region}


__all__ = ["joint_name", "level_names", "parse_level_token", "root_foramen"]

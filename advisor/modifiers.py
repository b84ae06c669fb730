"""The modifiers a claim line may carry, read from their one home: advisor/rules/catalog/modifiers.yaml.

Why a module of its own: the claim-line parser (advisor.claims) must reject `64493-XY` before any catalog exists,
and the rules read the bypass (59/X{EPSU}) and anatomic groups from the same rows, so there is no second list to
drift. The file is read on first use, not at import of advisor.claims (advisor.rules.context reads its groups when
it is imported).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from advisor.errors import DataError

MODIFIERS_FILE = Path(__file__).parent / "rules" / "catalog" / "modifiers.yaml"
Group = Literal["x", "anatomic", "bilateral", "visit", "multiple", "repeat", "reduced", "component", "assistant",
                "coverage", "drug", "telehealth", "teaching", "therapy", "anesthesia", "other"]
# Characters a coder's eye (or an OCR pass) confuses: "2S" was meant as 25, "XO" as X0...
_LOOKALIKE = {"S": "5", "5": "S", "O": "0", "0": "O", "I": "1", "1": "I", "L": "1", "Z": "2", "2": "Z", "B": "8",
              "8": "B", "G": "6", "6": "G"}
SUGGESTIONS = 4


class Modifier(BaseModel):
    """One modifier: its two characters, its group, what it means in our words, and where the list comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mod: str
    group: Group
    means: str
    common: bool = False
    # a discontinued procedure's modifier: the claim it belongs on and when the procedure was stopped
    claim: Literal["physician", "facility"] | None = None
    stopped: Literal["started", "before_anesthesia", "after_anesthesia"] | None = None
    src: tuple[str, ...]
    conf: Literal["confirmed", "secondary", "unconfirmed"]


def load_modifiers(path: Path = MODIFIERS_FILE) -> dict[str, Modifier]:
    """The modifiers of one catalog directory, in file order; DataError names the row that is wrong."""
    where = path.name
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{where}: cannot read the modifier list ({exc})", where) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("modifiers"), list):
        raise DataError(f"{where}: expected a mapping with a `modifiers` list", where)
    out: dict[str, Modifier] = {}
    for row in raw["modifiers"]:
        try:
            item = Modifier(src=tuple(row.get("src", raw.get("src", ()))), conf=row.get("conf", raw.get("conf")),
                            **{k: v for k, v in row.items() if k not in ("src", "conf")})
        except (AttributeError, TypeError, ValidationError) as exc:
            raise DataError(f"{where}: invalid modifier row {row!r} ({exc})", where) from None
        if len(item.mod) != 2 or not item.mod.isalnum() or item.mod != item.mod.upper():
            raise DataError(f"{where}: {item.mod!r} is not a two-character upper-case modifier", where)
        if item.mod in out:
            raise DataError(f"{where}: modifier {item.mod} is listed twice", where)
        if not item.src:
            raise DataError(f"{where}: modifier {item.mod} names no source", where)
        out[item.mod] = item
    return out


@lru_cache(maxsize=1)
def modifiers() -> dict[str, Modifier]:
    """The modifiers every claim line is checked against (read once per process)."""
    return load_modifiers()


def is_known(mod: str) -> bool:
    return mod in modifiers()


def discontinued(facility: bool, stopped: str) -> str:
    """The modifier of a procedure stopped after it started: the physician's one whenever it stopped, the facility's
    by whether anesthesia had been given (modifiers.yaml `claim` and `stopped`)."""
    claim = "facility" if facility else "physician"
    rows: dict[str, str] = {m.stopped: m.mod for m in modifiers().values() if m.claim == claim and m.stopped}
    # the physician's one row covers every stop; on the facility claim a procedure begun is one stopped after it began
    for key in (stopped, "started", "after_anesthesia"):
        if key in rows:
            return rows[key]
    raise DataError(f"modifiers.yaml: no discontinued-procedure modifier for the {claim} claim", "modifiers.yaml")


def in_group(*groups: str) -> tuple[str, ...]:
    """The modifiers of the given groups, in file order (e.g. in_group("x") = 59, XE, XS, XP, XU)."""
    return tuple(m.mod for m in modifiers().values() if m.group in groups)


def close_to(text: str) -> list[str]:
    """Known modifiers a mistyped one was probably meant as, best first: one character kept and the other a
    look-alike (2S -> 25), the two swapped, the first kept, the second kept; common ones before the rest."""
    mod = text.upper()
    if len(mod) != 2:
        return []
    scored: list[tuple[int, int, str]] = []
    for order, (m, info) in enumerate(modifiers().items()):
        if m == mod:
            continue
        if (mod[0] == m[0] and _LOOKALIKE.get(mod[1]) == m[1]) or (mod[1] == m[1] and _LOOKALIKE.get(mod[0]) == m[0]):
            rank = 0
        elif mod[::-1] == m:
            rank = 1
        elif mod[0] == m[0]:
            rank = 2
        elif mod[1] == m[1]:
            rank = 3
        else:
            continue
        scored.append((rank * 2 + (0 if info.common else 1), order, m))
    return [m for _, _, m in sorted(scored)[:SUGGESTIONS]]


class UnknownModifier(ValueError):
    """A well-formed modifier that does not exist (`XY`, `2S`); the message names the likely intended ones."""

    def __init__(self, mod: str) -> None:
        near = close_to(mod)
        super().__init__(f"modifier {mod!r} does not exist" + (f"; did you mean {_or(near)}?" if near else ""))
        self.mod = mod


def valid_list_hint() -> str:
    """Said once after the unknown-modifier errors of a claim: the valid ones a pain claim uses, and where the rest
    are listed."""
    common = [m for m, info in modifiers().items() if info.common]
    return (f"Valid modifiers on pain claims: {', '.join(common)} (all {len(modifiers())} known modifiers: "
            "GET /api/modifiers or `advisor modifiers`).")


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


__all__ = [
    "MODIFIERS_FILE",
    "Modifier",
    "UnknownModifier",
    "close_to",
    "in_group",
    "is_known",
    "load_modifiers",
    "modifiers",
    "valid_list_hint",
]

"""Medicare MAC jurisdictions and LCD parameters per jurisdiction and date (catalog/jurisdictions.yaml).

Why: Medicare coverage is decided by the practice's MAC, not by "Medicare": Noridian, CGS, NGS, Novitas, First Coast,
Palmetto and WPS each publish their own LCDs and billing articles, revised on their own dates. lcd.yaml holds the
values the jurisdictions share; a `policy` variant here overrides one of them for some jurisdictions and/or a date
range, so a finding can say which jurisdiction's rule it applied, which revision it reflects, and where another
jurisdiction differs. Pure data after loading: no I/O at import.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from advisor.errors import DataError
from advisor.rules.model import Confidence

ALL = "all"


class Mac(BaseModel):
    model_config = ConfigDict(frozen=True)

    jurisdiction: str
    mac: str
    states: tuple[str, ...]
    sources: tuple[str, ...]
    confidence: Confidence

    @property
    def label(self) -> str:
        return f"{self.mac}'s jurisdiction ({self.jurisdiction})"


class LcdRef(BaseModel):
    """The LCD and billing article one jurisdiction applies for a topic (facet, si, esi)."""

    model_config = ConfigDict(frozen=True)

    lcd: str
    article: str | None
    sources: tuple[str, ...]
    confidence: Confidence

    def cite(self, mac: Mac, section: str | None) -> str:
        doc = f"LCD {self.lcd}" + (f" / billing article {self.article}" if self.article else "")
        where = f", section '{section}'" if section else ""
        unsure = "; which contractor publishes it is not confirmed from a primary page" \
            if self.confidence == "unconfirmed" else ""
        return f"{doc} ({mac.mac}, {mac.jurisdiction}){where}{unsure} <{self.url}>"

    @property
    def url(self) -> str:
        """The LCD's page on the CMS Medicare Coverage Database."""
        return f"https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid={self.lcd.removeprefix('L')}"


class Variant(BaseModel):
    """One value of an LCD parameter for some jurisdictions and a date range (either end open)."""

    model_config = ConfigDict(frozen=True)

    value: Any
    jurisdictions: tuple[str, ...]  # ("all",) = every jurisdiction
    start: date | None = None
    end: date | None = None
    topic: str
    section: str
    revision: str
    sources: tuple[str, ...]
    confidence: Confidence
    note: str | None = None

    @property
    def shared(self) -> bool:
        return self.jurisdictions == (ALL,)

    def covers(self, dos: date) -> bool:
        return (self.start is None or self.start <= dos) and (self.end is None or dos <= self.end)


class Jurisdictions(BaseModel):
    """The MAC table, each topic's LCD per jurisdiction, and the dated per-jurisdiction parameter variants."""

    model_config = ConfigDict(frozen=True)

    macs: dict[str, Mac]
    lcds: dict[str, dict[str, LcdRef]]
    policy: dict[str, tuple[Variant, ...]]
    sources: dict[str, dict[str, Any]]

    def resolve(self, text: str) -> str:
        """A jurisdiction code from a jurisdiction (J15, JE, 15, 'Jurisdiction 15'), a MAC name that serves one
        jurisdiction (CGS) or a state (OH, Ohio is not accepted: use the two-letter code). ValueError names the
        accepted values, and the jurisdictions a MAC with several serves."""
        raw = text.strip()
        key = re.sub(r"[\s_-]+", "", raw.upper()).removeprefix("JURISDICTION")
        if key.isdigit() or (len(key) == 1 and key.isalpha()):
            key = "J" + key
        if key in self.macs:
            return key
        by_state = [j for j, m in self.macs.items() if key in m.states]
        if len(key) == 2 and by_state:
            return by_state[0]
        by_mac = self._served_by(key)
        if len(by_mac) == 1:
            return by_mac[0]
        if by_mac:
            raise ValueError(f"{raw!r} serves several jurisdictions ({', '.join(by_mac)}); name the jurisdiction or "
                             "the practice's state")
        macs = ", ".join(sorted({m.mac for m in self.macs.values()}))
        raise ValueError(f"unknown MAC {raw!r}: use a jurisdiction ({', '.join(self.macs)}), a MAC ({macs}) or a "
                         "two-letter state code (e.g. OH)")

    def _served_by(self, key: str) -> list[str]:
        """The jurisdictions of the MAC whose name, without spaces and upper-cased, is the key."""
        return [j for j, m in self.macs.items() if re.sub(r"\s+", "", m.mac.upper()) == key]

    def named_by(self, word: str) -> str | None:
        """The one jurisdiction a word of a question names by itself: a jurisdiction code written in capitals (J15,
        JE) or a MAC serving one jurisdiction (CGS); not a state code ('PA', 'IN', 'OR' are words too) nor a MAC
        serving several ('Noridian' is JE or JF)."""
        if word.isupper() and word in self.macs:
            return word
        served = self._served_by(word.upper())
        return served[0] if len(served) == 1 else None

    def all_named_by(self, word: str) -> list[str]:
        """Every jurisdiction a word names: a jurisdiction code in capitals, or all those a MAC serves ('Palmetto' is
        JJ and JM); for a question about that MAC's LCDs, not to decide a claim's jurisdiction."""
        if word.isupper() and word in self.macs:
            return [word]
        return self._served_by(word.upper())

    def variants(self, key: str, jurisdiction: str | None, dos: date) -> tuple[Variant | None, list[Variant]]:
        """The variant that applies (None: the lcd.yaml value applies) and, when the jurisdiction is unknown, the
        jurisdiction-specific variants in force on the date whose value differs from the shared one."""
        live = [v for v in self.policy.get(key, ()) if v.covers(dos)]
        shared = next((v for v in live if v.shared), None)
        if jurisdiction is not None:
            return next((v for v in live if jurisdiction in v.jurisdictions), shared), []
        differs = [v for v in live if not v.shared and (shared is None or v.value != shared.value)]
        return shared, differs

    def epoch(self, dos: date) -> int:
        """How many revision dates lie on or before the date: two dates with the same epoch get the same variants
        (the audit memoises checks on it instead of on the date itself)."""
        starts = sum(1 for vs in self.policy.values() for v in vs if v.start is not None and v.start <= dos)
        ends = sum(1 for vs in self.policy.values() for v in vs if v.end is not None and v.end < dos)
        return starts + ends

    def by_lcd(self, number: str) -> list[str]:
        """The jurisdictions whose LCD or billing article (any topic) has this number (L38773, A58364)."""
        key = number.strip().upper()
        return [j for refs in self.lcds.values() for j, r in refs.items() if key in (r.lcd, r.article)]

    def mac(self, jurisdiction: str) -> Mac:
        return self.macs[jurisdiction]

    def lcd(self, topic: str, jurisdiction: str) -> LcdRef | None:
        return self.lcds.get(topic, {}).get(jurisdiction)

    def labels(self, jurisdictions: tuple[str, ...]) -> str:
        """"CGS's jurisdiction (J15)" / "NGS's jurisdictions (J6, JK)" for a variant's jurisdictions."""
        by_mac: dict[str, list[str]] = {}
        for j in jurisdictions:
            by_mac.setdefault(self.macs[j].mac, []).append(j)
        return " and ".join(f"{mac}'s jurisdiction{'s' if len(js) > 1 else ''} ({', '.join(js)})"
                            for mac, js in by_mac.items())


def _date(raw: Any) -> date | None:
    return None if raw is None else raw if isinstance(raw, date) else date.fromisoformat(str(raw))


def load_jurisdictions(raw: dict[str, Any], where: str = "jurisdictions.yaml") -> Jurisdictions:
    """Build and cross-check the table: every variant's jurisdictions and topic exist, and no two variants for the
    same jurisdiction overlap in time (the data would otherwise be ambiguous)."""
    try:
        macs = {j: Mac(jurisdiction=j, mac=m["mac"], states=tuple(m["states"]), sources=tuple(m["src"]),
                       confidence=m["conf"]) for j, m in raw["macs"].items()}
        lcds = {topic: {j: LcdRef(lcd=r["lcd"], article=r.get("article"), sources=tuple(r["src"]),
                                  confidence=r["conf"]) for j, r in rows.items()}
                for topic, rows in raw["lcds"].items()}
        policy: dict[str, tuple[Variant, ...]] = {}
        for key, rows in raw["policy"].items():
            policy[key] = tuple(
                Variant(value=r["v"], jurisdictions=(ALL,) if r["jurisdictions"] == ALL else tuple(r["jurisdictions"]),
                        start=_date(r.get("from")), end=_date(r.get("to")), topic=r["topic"], section=r["section"],
                        revision=r["revision"], sources=tuple(r["src"]), confidence=r["conf"], note=r.get("note"))
                for r in rows)
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise DataError(f"{where}: invalid entry ({exc})", where) from None
    states = [s for m in macs.values() for s in m.states]
    if len(states) != len(set(states)):
        raise DataError(f"{where}: a state is listed under two jurisdictions", where)
    for key, variants in policy.items():
        for v in variants:
            unknown = set(v.jurisdictions) - set(macs) - {ALL}
            if unknown:
                raise DataError(f"{where}: policy {key} names unknown jurisdictions {sorted(unknown)}", where)
        for i, a in enumerate(variants):
            for b in variants[i + 1:]:
                same = set(a.jurisdictions) & set(b.jurisdictions)
                apart = (a.end is not None and b.start is not None and a.end < b.start) or \
                        (b.end is not None and a.start is not None and b.end < a.start)
                if same and not apart:
                    raise DataError(f"{where}: policy {key} has overlapping variants for {sorted(same)}", where)
    return Jurisdictions(macs=macs, lcds=lcds, policy=policy, sources=dict(raw.get("sources") or {}))


@lru_cache(maxsize=1)
def jurisdiction_table(path: Path | None = None) -> Jurisdictions:
    """The table from catalog/jurisdictions.yaml, read once per process (facts validation resolves MAC names)."""
    from advisor.rules.registry import read_yaml

    target = path or Path(__file__).parent / "catalog" / "jurisdictions.yaml"
    return load_jurisdictions(read_yaml(target), target.name)


def resolve_mac(text: str) -> str:
    """A jurisdiction code for a MAC name, jurisdiction or state (ValueError naming the accepted values)."""
    return jurisdiction_table().resolve(text)


def optional_mac(value: str | None) -> str | None:
    """A MAC setting or request field: empty is none, anything else must name one jurisdiction (resolve_mac)."""
    if value is None or not value.strip():
        return None
    return resolve_mac(value)

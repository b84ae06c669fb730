"""The rule registry: every rule declares what it is, what it reads, what it may change on the claim, which rules
it must run after, the knowledge section that explains it and its primary sources. The engine runs the rules in an
order computed from those declarations, never from a hand-kept list.

Aspects a rule reads or writes (the claim being corrected, plus the encounter facts, which rules only read):
    codes      which code a line carries (swapping 62322 for 62323, 27096 for G0260)
    lines      adding or removing lines
    units      units of a line
    mods.side  50, RT, LT          mods.x   59, XE, XS, XP, XU        mods.em  25, 57
    mods.51    51                  mods.kx  KX                        mods.global  24, 79 (inside another's global)
    facts      the encounter facts (read only)
Two rules that may write the same aspect of the same families' lines must be ordered by their `after` declarations
(tests/rules/test_rulebook.py fails otherwise); the corrected claim must be a fixed point (checking it again changes
nothing).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from advisor.rules.context import Ctx

Aspect = Literal["codes", "lines", "units", "mods.side", "mods.x", "mods.em", "mods.51", "mods.kx", "mods.global",
                 "mods.reduced", "facts"]
ASPECTS: frozenset[str] = frozenset(Aspect.__args__)  # type: ignore[attr-defined]
Severity = Literal["error", "warning", "info"]
ALL = "*"


@dataclass(frozen=True)
class Rule:
    """One rule of the engine and what it declares about itself."""

    name: str
    finding: str
    fn: Callable[[Ctx], None] = field(repr=False, compare=False)
    reads: frozenset[str]
    writes: frozenset[str]
    severity: Severity
    explains: str
    sources: tuple[str, ...]
    families: frozenset[str] = frozenset({ALL})
    after: tuple[str, ...] = ()
    payer: Literal["medicare", "any", "commercial"] = "any"
    doc: str = ""

    def touches(self, other: Rule) -> bool:
        """Could both rules change the same aspect of the same family's lines?"""
        same_families = ALL in self.families or ALL in other.families or bool(self.families & other.families)
        return same_families and bool(self.writes & other.writes)


_RULES: dict[str, Rule] = {}


def rule(finding: str, *, reads: set[str], writes: set[str] | None = None, severity: Severity, explains: str,
         sources: tuple[str, ...], families: set[str] | None = None, after: tuple[str, ...] = (),
         payer: Literal["medicare", "any", "commercial"] = "any",
         ) -> Callable[[Callable[[Ctx], None]], Callable[[Ctx], None]]:
    """Register a rule function. `finding` is the rule id its findings carry (several functions may share one)."""
    bad = (set(reads) | set(writes or ())) - ASPECTS
    if bad:
        raise ValueError(f"rule for {finding}: unknown aspect(s) {', '.join(sorted(bad))}")
    if writes and "facts" in writes:
        raise ValueError(f"rule for {finding}: rules never write the facts")

    def register(fn: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
        name = fn.__name__
        if name in _RULES:
            raise ValueError(f"rule {name!r} registered twice")
        _RULES[name] = Rule(name=name, finding=finding, fn=fn, reads=frozenset(reads), writes=frozenset(writes or ()),
                            severity=severity, explains=explains, sources=tuple(sources),
                            families=frozenset(families or {ALL}), after=tuple(after), payer=payer,
                            doc=(fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return register


def registered() -> dict[str, Rule]:
    """Every rule, by function name (the rule modules register themselves when imported)."""
    from advisor.rules import rules_claim, rules_em, rules_imaging, rules_lcd, rules_levels, rules_modifiers  # noqa: F401

    return dict(_RULES)


def ordered(rules: dict[str, Rule]) -> list[Rule]:
    """A topological order of the rules over their `after` declarations; ties go by name, so the order depends only
    on what the rules declare. An unknown name or a cycle is an error naming the rules involved."""
    indegree = dict.fromkeys(rules, 0)
    nexts: dict[str, list[str]] = {name: [] for name in rules}
    for name, r in rules.items():
        for before in r.after:
            if before not in rules:
                raise ValueError(f"rule {name!r} runs after {before!r}, which is not a rule")
            nexts[before].append(name)
            indegree[name] += 1
    ready = [name for name, n in indegree.items() if n == 0]
    heapq.heapify(ready)
    out: list[Rule] = []
    while ready:
        name = heapq.heappop(ready)
        out.append(rules[name])
        for nxt in nexts[name]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                heapq.heappush(ready, nxt)
    if len(out) != len(rules):
        stuck = sorted(n for n, d in indegree.items() if d > 0)
        raise ValueError(f"the rules' `after` declarations form a cycle among: {', '.join(stuck)}")
    return out


def precedes(rules: dict[str, Rule], first: str, second: str) -> bool:
    """Does `first` run before `second` because of declared dependencies (transitively)?"""
    seen: set[str] = set()
    stack = [second]
    while stack:
        name = stack.pop()
        for before in rules[name].after:
            if before == first:
                return True
            if before not in seen:
                seen.add(before)
                stack.append(before)
    return False


__all__ = ["ALL", "ASPECTS", "Rule", "ordered", "precedes", "registered", "rule"]

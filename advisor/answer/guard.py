"""The guard: an answer may only name codes, modifiers and citations that the tools and passages support.

An LLM can write "bill 77003" or cite "[7]" that no tool produced. The guard finds every code, code-with-modifiers
and [n] marker in the text, keeps the supported ones, and rewrites the rest visibly ("~~77003~~ (removed: not
supported by the rules engine)"), so the reader sees that something was corrected. It also numbers the kept
citations 1..k in order of first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from advisor.answer.model import Citation

CODE_TOKEN = re.compile(r"(?<![\w-])(\d{5}|\d{4}[TFU]|[A-V]\d{4})((?:-[A-Z0-9]{2})*)(?![\w])")
MODIFIER_TOKEN = re.compile(r"\b(?:modifier|mod)\s+-?([0-9]{2}|[A-Z]{2})\b", re.IGNORECASE)
CITE_TOKEN = re.compile(r"\[(\d{1,3})\]")
ALWAYS_OK_MODIFIERS = {"RT", "LT"}


@dataclass
class GuardReport:
    """What the guard changed, for the answer's notice and the tests."""

    removed_codes: list[str] = field(default_factory=list)
    removed_modifiers: list[str] = field(default_factory=list)
    removed_citations: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.removed_codes or self.removed_modifiers or self.removed_citations)

    def notice(self) -> str | None:
        if not self.changed:
            return None
        parts = []
        if self.removed_codes:
            parts.append("codes " + ", ".join(sorted(set(self.removed_codes))))
        if self.removed_modifiers:
            parts.append("modifiers " + ", ".join(sorted(set(self.removed_modifiers))))
        if self.removed_citations:
            parts.append("citations " + ", ".join(f"[{n}]" for n in sorted(set(self.removed_citations))))
        return ("The model's answer named " + "; ".join(parts) + " that the rules engine and the guidance do not "
                "support; they were removed. The verdict and claim lines come from the rules engine.")


def supported_terms(texts: Iterable[str]) -> tuple[set[str], set[str]]:
    """Codes and modifiers that appear anywhere in tool results, passages or the question."""
    codes: set[str] = set()
    mods: set[str] = set(ALWAYS_OK_MODIFIERS)
    for text in texts:
        for m in CODE_TOKEN.finditer(text or ""):
            codes.add(m.group(1).upper())
            mods.update(x.upper() for x in m.group(2).split("-")[1:])
        mods.update(x.upper() for x in MODIFIER_TOKEN.findall(text or ""))
        mods.update(re.findall(r"(?<![\w-])-?(25|50|51|57|59|XS|XE|XP|XU|KX)\b", text or ""))
    return codes, mods


def check_text(text: str, codes: set[str], modifiers: set[str], citations: Sequence[Citation]
               ) -> tuple[str, list[Citation], GuardReport]:
    """Remove unsupported codes/modifiers/citations from `text`; renumber the kept citations 1..k."""
    report = GuardReport()
    by_n = {c.n: c for c in citations}

    def code_sub(m: re.Match[str]) -> str:
        code = m.group(1).upper()
        mods = [x.upper() for x in m.group(2).split("-")[1:]]
        if code not in codes:
            report.removed_codes.append(code)
            return f"~~{m.group(0)}~~"
        bad = [x for x in mods if x not in modifiers]
        if bad:
            report.removed_modifiers.extend(bad)
            kept = [x for x in mods if x in modifiers]
            return "-".join([m.group(1), *kept]) + f" ~~-{'-'.join(bad)}~~"
        return m.group(0)

    def mod_sub(m: re.Match[str]) -> str:
        mod = m.group(1).upper()
        if mod in modifiers:
            return m.group(0)
        report.removed_modifiers.append(mod)
        return f"~~{m.group(0)}~~"

    text = CODE_TOKEN.sub(code_sub, text)
    text = MODIFIER_TOKEN.sub(mod_sub, text)
    order: dict[int, int] = {}

    def cite_sub(m: re.Match[str]) -> str:
        n = int(m.group(1))
        if n not in by_n:
            report.removed_citations.append(n)
            return ""
        order.setdefault(n, len(order) + 1)
        return f"[{order[n]}]"

    text = CITE_TOKEN.sub(cite_sub, text)
    kept = [by_n[old].model_copy(update={"n": new}) for old, new in sorted(order.items(), key=lambda kv: kv[1])]
    return re.sub(r"[ \t]+([.,;])", r"\1", text), kept, report


def guard_offline(text: str, citations: Sequence[Citation]) -> tuple[str, list[Citation]]:
    """The offline writer's own output: only citation numbering is checked (it names engine codes only)."""
    used = {int(n) for n in CITE_TOKEN.findall(text)}
    known = {c.n for c in citations}
    if used <= known and used == known:
        return text, list(citations)
    clean, kept, _ = check_text(text, {m.group(1).upper() for m in CODE_TOKEN.finditer(text)},
                                {x.upper() for m in CODE_TOKEN.finditer(text) for x in m.group(2).split("-")[1:]}
                                | {x.upper() for x in MODIFIER_TOKEN.findall(text)} | ALWAYS_OK_MODIFIERS, citations)
    return clean, kept

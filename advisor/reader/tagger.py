"""The tagger: a question becomes a sequence of spans (codes with modifiers and units, numbers with what they
count, spinal levels, anatomy, procedure words, sides, guidance, cues of negation and time, payer, claim type,
question words), each with its position, so the grammar can bind them and the reader can say which it did not use.

One left-to-right pass over the tokens with a longest-phrase lookup: linear in the length of the question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from advisor.modifiers import is_known, modifiers
from advisor.reader.levels import parse_level_token
from advisor.reader.model import Span
from advisor.reader.vocab import TOKEN_RE, Vocabulary, glues_number, unpossessive
from advisor.reader.words import W

MAX_CHARS = 4000
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
# the two-digit modifiers a number in modifier context is read as: the common ones of modifiers.yaml (25, 50, 53...)
NUMERIC_MODS = frozenset(m.mod for m in modifiers().values() if m.common and m.mod.isdigit())
CASELESS_MODS = frozenset({"XE", "XS", "XP", "XU", "KX"})
UPPER_MODS = frozenset({"GA", "GY", "GZ", "JW", "JZ"})


STATUS_CUES = frozenset({"negated", "planned", "historical", "present", "repeat"})


@dataclass
class Token:
    text: str
    norm: str
    start: int
    end: int
    shape: str




def normalise(question: str) -> str:
    """NFKC, unicode dashes to '-', length capped: the text every offset refers to."""
    return unicodedata.normalize("NFKC", question[: MAX_CHARS * 2]).translate(_DASHES)[:MAX_CHARS]


def tokenize(text: str, vocab: Vocabulary) -> list[Token]:
    tokens: list[Token] = []
    for m in TOKEN_RE.finditer(text):
        shape = m.lastgroup or "sym"
        raw = m.group()
        norm = raw.lower().replace("\u2019", "'")
        if shape == "num" and tokens and tokens[-1].shape == "word" and tokens[-1].end == m.start() and \
                glues_number(tokens[-1].norm):
            prev = tokens.pop()  # "dm2", "t2": a number glued to a word is part of the word
            tokens.append(Token(prev.text + raw, prev.norm + norm, prev.start, m.end(), "word"))
            continue
        if shape == "word":
            norm = vocab.correct(unpossessive(norm))
        elif shape in ("ordinal", "docid"):
            shape = "word"
        n = vocab.numbers.get(norm)
        if n is not None and tokens and tokens[-1].norm in ("c", "t", "l", "s") and tokens[-1].shape == "word":
            prev = tokens.pop()  # "L five S one": a spinal level spelled out
            tokens.append(Token(prev.text + str(n), prev.norm + str(n), prev.start, m.end(), "level"))
            continue
        if n is not None and len(tokens) > 1 and tokens[-1].norm == "-" and tokens[-1].end == m.start() and \
                tokens[-2].shape == "level" and tokens[-2].end == tokens[-1].start and \
                tokens[-2].norm[1:].isdigit() and int(tokens[-2].norm[1:]) + 1 == n:
            tokens.pop()  # "L4-five": the dash between the level and its second number spelled out
        if n is not None and tokens and tokens[-1].shape == "level" and tokens[-1].norm[1:].isdigit() and \
                int(tokens[-1].norm[1:]) + 1 == n:
            prev = tokens.pop()  # "L four five": L4-5
            tokens.append(Token(prev.text + "-" + str(n), f"{prev.norm}-{n}", prev.start, m.end(), "level"))
            continue
        tokens.append(Token(raw, norm, m.start(), m.end(), shape))
    return tokens


def tag(text: str, vocab: Vocabulary) -> tuple[list[Token], list[Span]]:
    """Tokens and spans of the (normalised) question: phrase spans do not overlap; fact spans overlay them and own
    the cue words inside them ("no other problem" is a fact, not a negation of what follows)."""
    tokens = tokenize(text, vocab)
    spans: list[Span] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.shape == "code":
            span, i = _code(text, tokens, i)
            spans.append(span)
            continue
        if tok.shape == "level":
            levels = parse_level_token(tok.norm)
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            pair = parse_level_token(f"{tok.norm}-{nxt.norm}") if nxt is not None and nxt.shape == "level" and \
                nxt.start - tok.end <= 1 and levels and levels["vertebrae"] else None
            if pair and len(pair["joints"]) == 1:  # type: ignore[arg-type]  # "L5 S1": the joint between the two
                spans.append(_span("level", pair, text, tokens, i, i + 2))
                i += 2
                continue
            spans.append(_span("level", levels, text, tokens, i, i + 1) if levels else _span("unknown", None, text,
                                                                                             tokens, i, i + 1))
            i += 1
            continue
        if tok.shape == "pct":
            plus = i + 1 < len(tokens) and tokens[i + 1].norm == "+" and tokens[i + 1].start == tok.end
            spans.append(_span("pct", int(float(tok.norm.rstrip("% ").strip())), text, tokens, i, i + 1 + plus))
            i += 1 + plus  # "80%+": at least 80%, not a list
            continue
        mod = _modifier(tokens, i)
        if mod is not None:
            spans.append(_span("mod", mod, text, tokens, i, i + 1))
            i += 1
            continue
        if tok.norm == "#" and i + 1 < len(tokens) and tokens[i + 1].shape == "num" and tokens[i + 1].norm.isdigit() \
                and int(tokens[i + 1].norm) < 20:
            spans.append(_span("ordinal", {"n": int(tokens[i + 1].norm), "noun": None}, text, tokens, i, i + 2))
            i += 2  # "MBB #1": the first one
            continue
        named = _phrase(tokens, i, vocab) if tok.shape == "num" else None
        if named is not None and named[1][0] in ("claim", "place"):  # "on the 1500": the claim form, not a count
            length, (kind, value) = named
            spans.append(_span(kind, value, text, tokens, i, i + length))
            i += length
            continue
        if tok.shape == "num":
            span, i = _number(text, tokens, i, vocab)
            spans.append(span)
            continue
        match = _phrase(tokens, i, vocab)
        if match is not None:
            length, (kind, value) = match
            if kind in ("num", "ordinal"):  # "two", "third": a number word, with what it counts
                value = {"n": int(value), "noun": _noun_after(tokens, i + length, vocab)}
            elif kind == "cue" and value == "repeat" and (ordinal := vocab.lookup((tokens[i + length - 1].norm,))) \
                    and ordinal[0] == "ordinal" and _noun_after(tokens, i + length, vocab) in W.COUNTED_PARTS:
                kind, value = "ordinal", {"n": int(ordinal[1]), "noun": _noun_after(tokens, i + length, vocab)}
            elif kind == "side" and length == 1 and _not_a_side(tokens, i, vocab):
                kind, value = "filler", None  # "is that right?", "the right code": correct, not a side
            elif kind == "purpose" and length == 1 and tok.norm == "dx" and _diagnosis_line(tokens, i + 1, vocab):
                kind, value = "cue", "complaint"  # "Dx: L5 radiculopathy": the diagnosis line, not a diagnostic block
            elif kind == "side" and tok.norm == "both" and _noun_after(tokens, i + 1, vocab) == "level":
                kind, value = "num", {"n": 2, "noun": "level"}  # "both levels": two levels
            spans.append(_span(kind, value, text, tokens, i, i + length))
            i += length
            continue
        if tok.shape == "sym":
            spaced = tok.norm == "-" and (i == 0 or tokens[i - 1].end < tok.start) and \
                (i + 1 == len(tokens) or tokens[i + 1].start > tok.end)
            if tok.norm in ".?!;:,()+&/" or spaced:  # a dash between spaces ("report — how much") ends a clause
                spans.append(_span("punct", "," if spaced else tok.norm, text, tokens, i, i + 1))
        else:
            spans.append(_span("word", tok.norm, text, tokens, i, i + 1))
        i += 1
    _percent_words(spans)
    _negated_list(spans)
    spans = _both_sides(spans, text)
    facts = _facts(text, tokens, vocab)
    owned = [(f.start, f.end) for f in facts]
    spans = [s for s in spans if not (s.kind == "cue" and s.value in STATUS_CUES and s.value != "present"
                                      and any(a <= s.start and s.end <= b for a, b in owned))]
    return tokens, sorted(spans + facts, key=lambda s: (s.start, -s.end))


def _negated_list(spans: list[Span]) -> None:
    """'no fluoro/CT', 'no fluoro or CT': the guidance named after a negated one is negated too."""
    for a, b, c in zip(spans, spans[1:], spans[2:], strict=False):
        if a.kind == "guide" and a.value == "none" and c.kind == "guide" and (
                (b.kind == "punct" and b.value == "/") or b.text.lower() == "or"):
            c.value = "none"


def _diagnosis_line(tokens: list[Token], start: int, vocab: Vocabulary) -> bool:
    """'dx: ...', 'dx of ...', 'dx lumbar radiculopathy': the diagnosis is named next, so 'dx' is the diagnosis, not a
    diagnostic block ('dx MBB', '2 dx blocks')."""
    if start < len(tokens) and tokens[start].norm in (":", "of", "is", "was"):
        return True
    for k in range(start, min(start + 3, len(tokens))):
        found = _phrase(tokens, k, vocab)
        if found is not None and found[1] == ("cue", "complaint"):
            return True
        if found is not None and found[1][0] in ("family", "act", "anat", "code"):
            return False
    return False


def _both_sides(spans: list[Span], text: str) -> list[Span]:
    """'R + L trapezius', 'R and L knees', 'L/R': the two sides named together before one target are both sides."""
    out: list[Span] = []
    i = 0
    while i < len(spans):
        a = spans[i]
        if i + 2 < len(spans) and a.kind == "side" and spans[i + 2].kind == "side" and \
                {a.value, spans[i + 2].value} == {"left", "right"} and \
                spans[i + 1].text.lower() in ("+", "and", "&", "/", "or"):
            end = spans[i + 2].end
            out.append(Span(kind="side", value="bilateral", text=text[a.start:end], start=a.start, end=end,
                            used=True))
            i += 3
            continue
        out.append(a)
        i += 1
    return out


def _percent_words(spans: list[Span]) -> None:
    """'90 percent', '85 and 90 percent': numbers written with the word are percentages like '90%' (a number joined
    to the next by 'and', 'to' or a dash shares its unit)."""
    for i, s in enumerate(spans):
        if s.kind == "num" and (s.value or {}).get("noun") == "percent" and "/" not in s.text:
            s.kind, s.value = "pct", int(s.value["n"])
            j = i - 1
            while j >= 1 and spans[j].text.lower() in ("and", "to", "-", ",", "or") and spans[j - 1].kind == "num" \
                    and (spans[j - 1].value or {}).get("noun") is None:
                spans[j - 1].kind, spans[j - 1].value = "pct", int(spans[j - 1].value["n"])
                j -= 2


def _span(kind: str, value: Any, text: str, tokens: list[Token], i: int, j: int) -> Span:
    start, end = tokens[i].start, tokens[j - 1].end
    return Span(kind=kind, value=value, text=text[start:end], start=start, end=end)


def _phrase(tokens: list[Token], i: int, vocab: Vocabulary) -> tuple[int, tuple[str, Any]] | None:
    """The longest vocabulary phrase starting at token i."""
    for length in range(min(vocab.max_len, len(tokens) - i), 0, -1):
        window = tokens[i:i + length]
        if any(t.shape in ("code", "level", "pct") for t in window):
            continue
        key = tuple(t.norm for t in window)
        reading = vocab.lookup(key)
        if reading is None and len(key[-1]) > 3 and key[-1].endswith("s") and not key[-1].endswith("ss"):
            reading = vocab.lookup((*key[:-1], key[-1][:-1]))  # "si joints", "nerve blocks": the singular phrase
        if reading is None:
            continue
        if length == 1 and window[0].norm == "us" and reading[0] == "guide" and not _capital_us(tokens, i):
            continue  # "us" the pronoun; "US" (or "U/S") is ultrasound
        if length == 1 and window[0].norm in ("l", "r") and i + 1 < len(tokens) and tokens[i + 1].shape == "num":
            continue  # "L 4-5" was not a level token; do not read the letter as a side
        return length, reading
    return None


def _not_a_side(tokens: list[Token], i: int, vocab: Vocabulary) -> bool:
    """'is that right?', 'the right code' (correct); 'the patient left' (went away); 'both in the left shoulder'
    (both injections): words that look like sides but are not."""
    word = tokens[i].norm
    before = tokens[i - 1].norm if i else ""
    after = tokens[i + 1].norm if i + 1 < len(tokens) else ""
    if word == "right":
        placed = before == "the" and i > 1 and tokens[i - 2].norm in W.STOP_COUNT | W.SIDE_VERBS  # "on the right,",
        # "we didn't do the right.": a side
        as_is = after == "as" and i + 2 < len(tokens) and tokens[i + 2].norm in W.AS_BILLED  # "the claim right as is?"
        then = after == "then" and i + 2 < len(tokens) and tokens[i + 2].norm in W.AT_ONCE_FOLLOWERS
        return as_is or then or after in W.NOT_A_SIDE_AFTER or (  # "TPIs right then to the L glute med": at once
            before in W.NOT_A_SIDE_BEFORE and after in ("", ".", ",", "?", "!") and not placed)
    if word == "left":
        following = _phrase(tokens, i + 1, vocab) if i + 1 < len(tokens) else None
        if (i + 1 < len(tokens) and tokens[i + 1].shape == "level") or (
                following is not None and following[1][0] in ("anat", "family", "region")):
            return False  # "and left L4-5", "and left ankle injection": a side
        return before in ("patient", "pt", "he", "she", "they", "who", "and", "had", "then", "has", "have") or \
            after in ("before", "early", "without", "ama", "after", "prior")
    if word == "both":
        reading = vocab.lookup((after,))
        level_next = i + 1 < len(tokens) and tokens[i + 1].shape == "level"
        if reading and reading[0] == "side" and reading[1] in ("left", "right"):
            return True  # "both right side": both injections on the right ("both R and L" still names two sides)
        return not (reading and reading[0] in ("anat", "side", "count", "region")) and after not in ("sides", "side") \
            and not level_next
    return False


def _capital_us(tokens: list[Token], i: int) -> bool:
    before = tokens[i - 1].norm if i else ""
    return tokens[i].text == "US" and before not in ("the", "in", "to", "of", "for")


def _code(text: str, tokens: list[Token], i: int) -> tuple[Span, int]:
    """'64493-50-KX', '64636 x2', '64636 times 2', '2 units of 64484' (units before are read by _number)."""
    tok = tokens[i]
    parts = tok.text.upper().split("-")
    code, mods = parts[0], [p for p in parts[1:] if is_known(p)]  # advisor/rules/catalog/modifiers.yaml
    j, units = i + 1, 1
    if j + 1 < len(tokens) and tokens[j].norm in ("x", "*", "\u00d7", "times") and tokens[j + 1].shape == "num":
        units, j = _int(tokens[j + 1].norm), j + 2
    elif j < len(tokens) and tokens[j].shape == "word" and re.fullmatch(r"x\d{1,2}", tokens[j].norm):
        units, j = int(tokens[j].norm[1:]), j + 1
    value = {"code": code, "modifiers": list(dict.fromkeys(mods)), "units": max(1, min(units, 999)),
             "bad_modifiers": [p for p in parts[1:] if not is_known(p)], "units_written": j > i + 1}
    return _span("code", value, text, tokens, i, j), j


def _int(token: str) -> int:
    """The integer a number token names; 0 for what is not one, a cap for what no billing fact reaches ('1' * 400)."""
    digits = token.replace(",", "")
    if len(digits.split(".")[0]) > 9:
        return 10 ** 9
    try:
        return int(float(digits))
    except ValueError:
        return 0


def _modifier(tokens: list[Token], i: int) -> str | None:
    """A modifier named on its own: XS/KX anywhere, RT/LT after 'modifier' or as 'RT/LT', a number in modifier
    context ('modifier 25', 'the 59', '-50', '25 modifier')."""
    tok = tokens[i]
    up = tok.text.upper()
    before = tokens[i - 1].norm if i else ""
    after = tokens[i + 1].norm if i + 1 < len(tokens) else ""
    if tok.shape == "word":
        if up in CASELESS_MODS or (tok.text in UPPER_MODS):
            return up
        pair = after == "and" and i + 3 < len(tokens) and tokens[i + 2].text in ("RT", "LT") and \
            tokens[i + 3].norm in ("line", "lines", "modifier", "modifiers", "mods")  # "the RT and LT lines"
        if tok.text in ("RT", "LT") and (before in ("modifier", "modifiers", "mod", "/", "or", "and", "-", "use",
                                                    "put", "append", "add", "just")
                                          or after in ("/", "modifier", "modifiers", "instead", "line", "lines")
                                          or pair):
            return up
        return None
    if tok.shape != "num" or up not in NUMERIC_MODS:
        return None
    spaced_dash = after == "-" and i + 1 < len(tokens) and tokens[i + 1].start > tok.end  # "no 50 - is that ok"
    if after in W.NOT_MOD_AFTER or (after in ("/", "-", "%") and not spaced_dash) or before in W.NOT_MOD_BEFORE or (
            after == "." and before not in ("no", "not", "without", "w/o")):  # "20553 once, no 50."
        return None
    return up  # 25, 50, 59, 57, 51... in this domain a modifier unless it counts something




def _number(text: str, tokens: list[Token], i: int, vocab: Vocabulary) -> tuple[Span, int]:
    """A number and, when a count noun follows (within two words), what it counts: '3 muscles', '2 separate levels',
    '6 months ago' (the noun's own span still follows, so 'knees' in '2 knees' stays anatomy too)."""
    noun = _noun_after(tokens, i + 1, vocab)
    if "/" in tokens[i].norm or ":" in tokens[i].norm:
        parts = tokens[i].norm.split("/")
        dated = len(parts) == 3 or (len(parts) == 2 and i > 0 and tokens[i - 1].norm in W.DATE_BEFORE) or (
            len(parts) == 2 and parts[1] != "10" and len(tokens[i].norm) >= 3)  # "7/10" is a pain score
        noun = "date" if dated and ":" not in tokens[i].norm else "ratio"
    elif tokens[i].norm.isdigit() and 1950 <= int(tokens[i].norm) <= 2099 and i and \
            tokens[i - 1].norm in W.YEAR_BEFORE:
        noun = "date"  # "laminectomy in 2019"
    elif noun is None and i >= 1 and tokens[i - 1].norm in ("level", "lvl"):
        noun = "grade"  # "level 4" (a visit level), not a count
    elif noun is None and i >= 2 and tokens[i - 1].norm in ("x", "\u00d7") and tokens[i - 2].norm == "(":
        noun = "injection"  # "R upper trapezius (x2)": needle sticks in that muscle, not a count of muscles
    return _span("num", {"n": _int(tokens[i].norm), "noun": noun}, text, tokens, i, i + 1), i + 1


def _noun_after(tokens: list[Token], start: int, vocab: Vocabulary) -> str | None:
    """What a number counts: the count noun (or countable anatomy) within the next three words."""
    noun = None
    skipped = 0
    gauge = -1
    for k in range(start, min(start + 5, len(tokens))):
        if tokens[k].norm in W.STOP_COUNT:
            break
        if tokens[k].norm in ("-", "+") or (tokens[k].shape == "pct" and k == start) or k == gauge:
            continue  # "3+ months"; "two 80%+ MBBs": the blocks, each with that relief
        if k == start and tokens[k].shape == "num" and k + 1 < len(tokens) and \
                vocab.nouns.get(tokens[k + 1].norm) == "dose":
            gauge = k + 1  # "two 22g spinal needles": the count is of needles, the 22 their gauge
            continue
        phrase = _phrase(tokens, k, vocab)
        if phrase is not None and phrase[1][0] == "family":
            noun = "injection"  # "the 3rd SI joint injection", "6 trigger point injections": the procedure's count
            break
        if tokens[k].norm in vocab.nouns:
            noun = vocab.nouns[tokens[k].norm]
            break
        reading = vocab.lookup((tokens[k].norm,))
        if reading and reading[0] == "anat":
            anat = vocab.registry.anatomy.get(reading[1])
            if anat is not None and anat.kind == "spine" and skipped < 2:
                skipped += 1
                continue  # "two separate interlaminar needles": the count is of needles
            noun = {"joint": "joint", "muscle": "muscle", "nerve": "nerve"}.get(anat.kind if anat else "")
            if anat is not None and anat.id in vocab.registry.point_targets and not anat.generic:
                noun = "injection"  # "six TP injections", "4 trigger points": points injected, not muscles
            if anat is not None and anat.id in ("knee",):
                noun = "knee"
            break
        if tokens[k].shape != "word" or (reading and reading[0] not in ("filler", "side", "region", "purpose")
                                         and tokens[k].norm not in ("separate", "different", "distinct", "total",
                                                                    "more", "additional", "other")):
            break
    return noun


def _facts(text: str, tokens: list[Token], vocab: Vocabulary) -> list[Span]:
    """Fact patterns over the normalised tokens joined by spaces, mapped back to character offsets."""
    joined, starts = [], []
    pos = 0
    for tok in tokens:
        starts.append(pos)
        joined.append(tok.norm)
        pos += len(tok.norm) + 1
    norm_text = " ".join(joined)
    spans = []
    for fact, value, pattern in vocab.patterns:
        for m in pattern.finditer(norm_text):
            first = _token_at(starts, m.start())
            last = _token_at(starts, max(m.start(), m.end() - 1))
            spans.append(Span(kind="fact", value=(fact, value), text=text[tokens[first].start:tokens[last].end],
                              start=tokens[first].start, end=tokens[last].end))
    return spans


def _token_at(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


__all__ = ["MAX_CHARS", "NUMERIC_MODS", "Token", "normalise", "tag", "tokenize"]

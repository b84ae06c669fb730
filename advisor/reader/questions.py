"""What kind of question it is: yes/no, a wh-question or a statement; and whether it asks a fact (a look-up) rather
than what to bill."""

from __future__ import annotations

from itertools import pairwise

from advisor.claims import is_em_code
from advisor.reader.model import LookupRequest, QuestionType, Span
from advisor.reader.vocab import Vocabulary
from advisor.reader.words import W


def _clauses(sentence: list[Span]) -> list[list[Span]]:
    out: list[list[Span]] = [[]]
    for s in sentence:
        if s.kind == "punct" and s.value in (",", ":", "(", ")", ";"):
            out.append([])
        elif s.kind not in ("fact",):
            out[-1].append(s)
    return [c for c in out if c]


def _sentences(spans: list[Span]) -> list[list[Span]]:
    out: list[list[Span]] = [[]]
    for s in spans:
        if s.kind == "fact":
            continue
        out[-1].append(s)
        if s.kind == "punct" and s.value in (".", "?", "!"):
            out.append([])
    return [x for x in out if x]


def question_type(spans: list[Span], vocab: Vocabulary) -> QuestionType:
    """The first sentence that asks decides: a wh-question or a choice ('57 or 25?') is not yes/no; a clause opened by
    an auxiliary ('can I', 'is it'), a tag ('right?', 'ok?') or a request to confirm is."""
    sentences = _sentences(spans)
    asking = [s for s in sentences if s[-1].kind == "punct" and s[-1].value == "?"] or sentences[-1:]
    if len(asking) > 1 and _premise(asking[0]):
        asking = asking[1:]  # "what if the second MBB only gave 60%? still good to bill the RFA?": the premise, then
    for sentence in asking[:1]:
        clauses = _clauses(sentence[:-1] if sentence[-1].kind == "punct" else sentence)
        if not clauses:
            continue
        if _why_denied(sentence, sentences):
            return "yes_no"  # "we billed 20610 and 77003, denied for 77003. why?": was the claim right?
        if _premise(sentence) and len(clauses) > 1 and any(x.kind == "code" for x in clauses[-1]) and \
                not any(x.kind == "wh" for x in clauses[-1]):
            return "yes_no"  # "what if he did both sides - 64483-50?": the code put to the supposition
        if any(_opens(c, "wh") for c in clauses) or (  # "can I bill the 99213 and with what modifier?" asks yes too
                _embedded_wh(clauses[-1]) and not _opens_yes_no(clauses[-1], vocab)):
            # "What are the codes, and will Medicare pay all three levels?": the yes/no part wants a verdict too
            return "yes_no" if any(_opens_yes_no(c, vocab) for c in clauses[1:]) else "wh"
        last = clauses[-1]
        if _is_choice(last, follows=len(clauses) > 1):
            return "wh"
        asked = sentence[-1].kind == "punct" and sentence[-1].value == "?"
        openers = clauses if asked else clauses[:1]  # "..., not addressed today, will see ortho." asks nothing
        if not asked and _short_question(last):
            openers = [*openers, last]  # "they put 59 on the 99214 instead of 25, is that ok" (no question mark)
        if not asked and _asks_codes([x for x in last if x.text.lower() not in W.PLEASE_WORDS]) and \
                any(x.text.lower() in W.PLEASE_WORDS for x in last):
            return "wh"  # "lumbar ILESI at L3-4 today, code pls"
        if not asked and any((said := _content(c))[:1] and said[0] in W.CODE_NOUNS and said[1:2] == ["for"]
                             for c in clauses):
            return "wh"  # "ok, codes for the RFA then, same levels"
        if any(_opens_yes_no(c, vocab) for c in openers) or (asked and _tag_ending(last, vocab)) or \
                _confirm(sentence, vocab) or any(_proposes(c) for c in clauses):
            return "yes_no"
        if sentence[-1].kind == "punct" and sentence[-1].value == "?":
            tail = [x for x in sentence[:-1] if not (x.kind == "punct" and x.value in ("(", ")"))][-4:]
            opens_with_claim = any(w == "claim" and 0 < i <= 2 and seq[i - 1] in W.CLAIM_OWNERS
                                   for seq in [[w for x in _words(clauses[0]) for w in x.split()]]
                                   for i, w in enumerate(seq))
            if opens_with_claim and not any(x.kind in ("code", "mod") for x in sentence):
                # "Physician's claim for the same case as the ASC (..., commercial)?" (not "ASC claim: G0260?")
                return "wh"
            if any(x.kind == "code" for x in last) and _ends_with(last, vocab.yes_no["code_endings"]):
                return "yes_no"  # "L5-S1 ILESI under fluoro - 62323 is the right code?"
            said = _words(last)
            if said and said[0] == "same" and len(said) <= 3:
                return "yes_no"  # "2nd diagnostic one next week, same code?": is it the same
            return "wh" if _asks_codes(last) or _asks_codes(tail) else "yes_no"  # "code(s)?", "pro claim?"
    if any(_confirm(s, vocab) or any(_proposes(c) for c in _clauses(s)) for s in sentences):
        return "yes_no"
    return "statement"


def _premise(sentence: list[Span]) -> bool:
    """'What if ...?', 'and if ...?': a supposition put as a question, which the next question asks about."""
    text = " ".join(w for w in " ".join(_words(sentence)).split() if w not in ("ok", "okay", "and", "so", "but"))
    return text.startswith(("what if ", "if ", "suppose "))


def _why_denied(asking: list[Span], sentences: list[list[Span]]) -> bool:
    """'Why?' about a claim the question says was billed: the billed lines are what to check."""
    words = [w for w in _words(asking) if w not in ("?", ".")]
    return bool(words) and words[0] == "why" and any(
        _proposes([x for x in c if x.text.lower() not in W.SUBJECTS]) for s in sentences for c in _clauses(s)
        if any(x.text.lower() in W.PROPOSED_PAST for x in c))




def modifier_asked(spans: list[Span]) -> list[str] | None:
    """'do I need any modifier on it?', 'does 99213 need a modifier?': the question asks whether a line takes a
    modifier, naming none. The codes named right after it are the lines asked about (none: the question's lines);
    None when the question does not ask that."""
    words = [s for s in spans if s.kind not in ("fact", "punct")]
    at = next((j for j, s in enumerate(words) if s.text.lower() in W.MODIFIER_NOUNS and (
        any(w.text.lower() in W.NEED_WORDS for w in words[max(0, j - 4):j]) or
        (j + 1 < len(words) and words[j + 1].text.lower() in W.NEED_WORDS))), None)
    if at is None:
        return None
    return [s.value["code"] for s in words[at + 1:at + 4] if s.kind == "code"]


def _proposes(clause: list[Span]) -> bool:
    """An instruction to bill something definite: 'Bill 64495 x3 ...', 'bill 20610-RT and 20610-LT on two lines?',
    'Bill both codes?', 'doc wants 99213-25 too'."""
    words = _content(clause)
    definite = any(s.kind in ("code", "mod", "qty") for s in clause)
    wanted = any(w in W.WANT_WORDS for w in words[:3]) and definite
    if words[1:2] and words[1] in W.CHARGE_DOCUMENTS:
        return False  # "charge ticket has 64483 and 77003, codes?": the document, not an instruction to charge
    return bool(words) and (wanted or ((words[0] in W.PROPOSE_VERBS or words[0] in W.PROPOSED_PAST) and (
        definite or "both" in words)))


def _short_question(clause: list[Span]) -> bool:
    """A short clause opened by an auxiliary and a pronoun ('is that ok', 'can we bill it') asks even without a
    question mark; 'will see ortho' does not."""
    words = _words(clause)
    return 2 <= len(words) <= 8 and words[0] in W.AUXILIARIES and words[1] in W.SUBJECT_PRONOUNS


def _words(clause: list[Span]) -> list[str]:
    return [s.text.lower() for s in clause]


def _content(clause: list[Span]) -> list[str]:
    """The clause's words without discourse words ('ok, so can I ...'); 'ok to bill ...?', 'ok for the pro claim?'
    keep their 'ok'."""
    said = _words(clause)
    return [w for i, w in enumerate(said) if w not in W.DISCOURSE_WORDS or (
        w in ("ok", "okay") and said[i + 1:i + 2] in (["to"], ["for"]))]


def _opens(clause: list[Span], kind: str) -> bool:
    """Does the clause open with a wh-word (after 'so', 'and', 'ok'...)?"""
    words = _content(clause)
    return bool(words) and words[0].split()[0] in W.WH




def _embedded_wh(clause: list[Span]) -> bool:
    """'... at each level o What do I bill?', '20610 needs what modifier?': a question pasted after unpunctuated
    text, or a wh-word asking for a code or modifier mid-clause, still asks what."""
    words = _words(clause)
    return any(w in W.WH and (nxt in W.AUXILIARIES or nxt in W.ASKED_NOUNS) for w, nxt in pairwise(words[1:]))




def _opens_yes_no(clause: list[Span], vocab: Vocabulary) -> bool:
    words = _content(clause)
    if not words:
        return False
    if words[0] in W.NARRATIVE_VERBS and words[1:2] and words[1] in W.INDEFINITE_WORDS:
        return False  # "did a TFESI and some facet injections, codes?": what was done, not a question
    for n in (3, 2, 1):
        head = tuple(words[:n])
        if head in vocab.yes_no["not_openers"]:
            return False
        if head in vocab.yes_no["openers"]:
            return True
    return False


def _tag_ending(clause: list[Span], vocab: Vocabulary) -> bool:
    """'..., right?', '..., ok?' (the caller only asks this of a sentence that ends with a question mark)."""
    return _ends_with(clause, vocab.yes_no["endings"])


def _ends_with(clause: list[Span], endings: frozenset[tuple[str, ...]]) -> bool:
    words = _words(clause)
    return any(tuple(words[-n:]) in endings for n in (1, 2, 3) if len(words) >= n)


def _confirm(sentence: list[Span], vocab: Vocabulary) -> bool:
    words = _words(sentence)
    return any(tuple(words[i:i + n]) in vocab.yes_no["confirm"] for n in (1, 2, 3) for i in range(len(words)))


def _is_choice(clause: list[Span], follows: bool = False) -> bool:
    """'57 or 25?', '1 unit or 2?', '50 or RT/LT?' (but not 'or not?'); `follows`: the clause continues an earlier one
    ('do I bill 64490 twice (one each side) or use modifier 50?')."""
    words = _words(clause)
    return any(w in W.CHOICE_WORDS and i + 1 < len(words) and words[i + 1] != "not" and (i > 0 or follows)
               and not (words[i + 1] in W.AUXILIARIES and words[i + 2:i + 3] and words[i + 2] in W.SUBJECT_PRONOUNS)
               and not {"instead of", "rather than"} & set(words[i:])  # "59 or XU instead of 25?": either, yes or no
               for i, w in enumerate(words))  # "is 64483 right for S1 or is that only lumbar?" asks yes or no


def choice_options(spans: list[Span]) -> list[Span]:
    """The codes or modifiers a choice question offers ('73 or 74?', '64483 or 64479?'), in its last asking
    sentence; empty when it offers no such pair."""
    asking = [s for s in _sentences(spans) if s[-1].kind == "punct" and s[-1].value == "?"]
    plain = [x for x in (asking[-1] if asking else []) if x.kind != "fact" and (
        x.kind != "filler" or x.text.lower() in W.CHOICE_WORDS)]
    out: list[Span] = []
    for a, b, c in zip(plain, plain[1:], plain[2:], strict=False):
        if b.text.lower() in W.CHOICE_WORDS and a.kind == c.kind and a.kind in ("code", "mod"):
            out += [x for x in (a, c) if x not in out]
    return out


def _asks_codes(clause: list[Span]) -> bool:
    """'codes?', 'facility code?', 'which modifier?', 'anything to bill?': asks for codes (but '2 units?', '64493?'
    or 'right modifier?' propose them)."""
    if any(s.kind in ("num", "code", "mod") for s in clause):
        return False
    seq = [w for s in clause for w in s.text.lower().split()]
    if seq[:1] in (["right"], ["correct"], ["wrong"], ["proper"]):
        return False  # "biller put 59 on the 99213 - right modifier?": is it right
    if seq[:1] in (["fix"], ["fixed"], ["correction"]) and set(seq[1:]) <= W.POINTING:  # "fix it?"
        return True  # "biller added -51 to the 64494 ... fix?": what the corrected claim is
    if seq[:1] in (["anything"], ["something"]) and "bill" in seq:
        return True  # "called out sick, rescheduled. anything to bill?": what is there to bill
    words = set(seq)
    named_claim = any(w == "claim" and i and seq[i - 1] in W.CLAIM_OWNERS for i, w in enumerate(seq))  # "pro claim?"
    # "..., Medicare. claim?": asks for the claim lines
    bare = [w for w in seq if w not in ("the", "my", "our", "a", ",", ".") and w not in W.WHOLE_WORDS] in (
        ["claim"], ["claims"], ["billing"])  # "full claim?"
    return named_claim or bare or bool(words & {"codes", "code", "cpt", "cpts", "lines", "modifiers", "modifier",
                                                "units", "coding"})




# table facts asked about even when the question describes a procedure ("bilateral L4-5 MBB: what's the MUE?");
# a joint's size class is not one of them: for a described injection the claim answers it
TABLE_FIELDS = frozenset({"mue", "mai", "ptp", "global", "bilateral", "multiple", "imaging", "lcd", "payment"})


def _size_asked(spans: list[Span]) -> bool:
    """'AC joint injection - which size class?': the size is asked of the table, not stated ('since it's a major
    joint'), and nothing else about a service done today is given (no guidance, side or level)."""
    asked = any(s.kind == "lookup" and s.value == "size" and s.text.lower().split()[0] not in ("a", "an")
                for s in spans)
    return asked and not any(s.kind in ("guide", "side", "level") for s in spans)


def lookup_request(spans: list[Span], qtype: QuestionType, described: bool) -> LookupRequest | None:
    """A look-up when the question names a table fact (MUE, PTP edit, global days, bilateral indicator, add-on,
    whether imaging is included, joint size, LCD limits) or asks for a definition, and does not ask what to bill
    for services it describes (`described`: procedures named in words, done today)."""
    fields = [s.value for s in spans if s.kind == "lookup"]
    if not fields:
        return None
    codes = [s.value["code"] for s in spans if s.kind == "code"]
    mods = [s.value for s in spans if s.kind == "mod"]
    words = {w for s in spans if s.kind in ("filler", "word", "lookup") for w in s.text.lower().split()}
    levels = any(s.kind == "level" for s in spans)
    specific = [f for f in fields if f != "definition"]
    if qtype == "yes_no" and described and words & W.MEETS_WORDS and set(specific) <= {"lcd", "relief", "sessions"}:
        return None  # "two MBBs, 80% and 85%. does she meet the LCD for the RFA?": whether this case is covered
    if words & {"claim", "lines"} and words & {"final", "look", "fixed"} and (codes or described):
        return None  # "doc wants 77003 on there too. what's the final claim?", "how should these lines look?"
    if words & {"right", "correct", "proper"} and words & {"code", "codes", "coding"} and codes and qtype == "wh":
        return None  # "the charge sheet says 62321. what's the right code?": the claim to correct
    asked = any(s.kind == "lookup" and s.value in ("mue", "mai", "global", "bilateral", "addon") and any(
        x.kind == "wh" or (x.kind == "lookup" and x.value == "definition") for x in spans[max(0, i - 3):i])
        for i, s in enumerate(spans))  # "what's the MUE for 64493?"
    if words & W.FIXING_WORDS and codes and not asked:
        return None  # "denied 20552 as bundled with 20610. how do I fix the claim?": the claim to correct
    if not specific:  # "what does KX mean?", "59 vs XS?", "what does 64520 describe?"
        if words & W.BILLING_WORDS and not codes and not mods:
            return None  # "what are the codes then?" asks what to bill
        if described and (levels or qtype != "wh" or not (codes or mods or words & W.MEANING_WORDS) or (
                words & (W.BILLING_WORDS | {"coding", "claim", "lines"}) and not words & W.MEANING_WORDS)):
            return None  # "R knee inj w/ US ... what's the right coding?", "what's billable?": this case's claim
        if qtype == "yes_no" and not mods and not codes:
            return None
    elif set(specific) <= {"levels", "sessions", "relief"}:
        judged = specific == ["relief"] and not described and any(s.kind == "pct" for s in spans)
        if (levels or qtype != "wh" or (described and words & W.BILLING_WORDS)) and not judged:
            return None  # "right C3, C4, C5 MBB: how many levels do I bill?", "... her 3rd therapeutic one in 12
            # months ... code?" are about this case; not "the SIJ block gave 80%: enough to count as positive?", the
            # relief held against the LCD's threshold
    elif set(specific) <= {"global"} and (mods or ((described or any(is_em_code(c) for c in codes)) and (
            words & W.BILLING_WORDS or words & {"claim", "modifier", "modifiers"} or (
                qtype == "yes_no" and any(is_em_code(c) for c in codes))))):
        return None  # "coder wants 99213-24 because it's in a global. what goes on the claim?", "(010 global) ...
        # 20610 no imaging. modifier?": a claim question
    elif set(specific) <= {"addon"}:
        if not codes or described:
            return None  # "the second level add-on is 64484, right?" after describing the levels
    elif described and not set(specific) & TABLE_FIELDS and not _size_asked(spans):
        return None
    elif specific == ["ptp"] and described and words & W.BYPASS_ASKS and not codes[1:]:
        return None  # "knee inj plus TPIs ... 20552 is getting bundled - what do I append?": this claim's modifier
    for s in spans:
        if s.kind == "lookup":
            s.used = True
    terms = [s.text for s in spans if s.kind in ("family", "anat", "word") and s.text.isalpha()][:6]
    return LookupRequest(fields=list(dict.fromkeys(specific or ["definition"])), codes=list(dict.fromkeys(codes)),
                         modifiers=list(dict.fromkeys(mods)), terms=terms)


__all__ = ["lookup_request", "modifier_asked", "question_type"]

"""Encounter facts the question states: payer, claim type, E/M facts, indication, sedation, ablation technique,
separate sites, ultrasound documentation (from the fact patterns of vocabulary.yaml), and the history the LCD rules
check: relief from prior blocks and for how long, sessions already done, days since an earlier procedure."""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from advisor.reader.model import Frame, Span
from advisor.reader.words import W

FACT_NAMES = {"us_image": "us_permanent_image"}
DAYS = {"day": 1, "week": 7, "month": 30}
LCD_ID = re.compile(r"[Ll]3\d{4}")  # an LCD number (L3xxxx); billing articles are A5xxxx


def pattern_facts(spans: list[Span]) -> tuple[dict[str, Any], list[str]]:
    """Fact values from the pattern spans; a match that starts inside a longer match of the opposite value is
    dropped ("no separate problem" is not also "separate problem", "no separate US report in the chart" is not also
    "report in the chart"); two values left standing are a conflict."""
    facts = [s for s in spans if s.kind == "fact"]
    kept = [f for f in facts if not any(o is not f and o.value[0] == f.value[0] and o.value[1] != f.value[1]
                                        and o.start <= f.start < o.end
                                        and (o.end - o.start) > (f.end - f.start)
                                        for o in facts)]
    values: dict[str, set[Any]] = {}
    for f in kept:
        values.setdefault(f.value[0], set()).add(f.value[1])
        f.used = True
    out: dict[str, Any] = {}
    conflicts: list[str] = []
    for name, found in values.items():
        key = FACT_NAMES.get(name, name)
        if "unknown" in found:  # "she also mentioned her BP": whether it was addressed is not said
            found -= {"unknown"}
            if found <= {"weak_false"}:
                continue
        if "weak_false" in found:  # a scheduled-procedure visit: false unless something says otherwise
            found = (found - {"weak_false"}) or {False}
        if len(found) == 1:
            out[key] = next(iter(found))
        elif name == "ablation":
            out[key] = next(v for v in found if v != "thermal")
        else:
            conflicts.append(key)
    return out, conflicts


def _clause_before(plain: list[Span], i: int, n: int) -> list[Span]:
    """Up to n spans before i in the same sentence ('left side not done. BCBS.': the payer is not negated)."""
    out: list[Span] = []
    for x in reversed(plain[max(0, i - n):i]):
        if x.kind == "punct" and x.value in (".", "?", "!"):
            break
        out.append(x)
    return out




def payer_and_claim(spans: list[Span]) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    conflicts: list[str] = []
    plain = [s for s in spans if s.kind != "fact"]
    negated = {id(s) for i, s in enumerate(plain) if s.kind in ("claim", "place", "payer") and any(
        (x.kind == "cue" and x.value == "negated") or x.text.lower() in W.COMPARED
        for x in _clause_before(plain, i, 5))}  # "not the doc's pro fee", "KX like we do for Medicare"
    payers = {s.value for s in spans if s.kind == "payer" and id(s) not in negated}
    if len(payers) == 1:
        out["payer"] = payers.pop()
    elif payers:
        conflicts.append("payer")
    sent = {id(s) for i, s in enumerate(plain) if s.kind == "claim" and any(
        x.text.lower() in W.SENT_WORDS for x in plain[i + 1:i + 4])}  # "pro fee already went out as 27096-50-KX"
    claims = {s.value for s in spans if s.kind == "claim" and id(s) not in negated and id(s) not in sent} or {
        s.value for s in spans if s.kind == "claim" and id(s) not in negated}
    places = {s.value for s in spans if s.kind == "place" and id(s) not in negated}
    owned = {s.value for i, s in enumerate(plain) if s.kind == "place" and id(s) not in negated and s.value != "office"
             and next((x.text.lower() for x in plain[i + 1:i + 3] if x.kind != "punct"), "") in W.PLACE_CLAIM_NOUNS}
    claims |= {"asc" if place == "asc" else "facility" for place in owned}  # "Facility (ASC) claim", "surgery center
    # billing q": the place's own claim
    for s in spans:
        if s.kind in ("payer", "claim", "place"):
            s.used = True
    asked = _asked_claims(plain, negated)
    if len(claims) > 1 and len(asked) == 1:
        claims = asked  # "The hospital bills RT/LT lines. For the doctor's claim is 20610-50 right?": the one asked
    if claims:
        claim = "asc" if "asc" in claims or ("facility" in claims and places == {"asc"}) else (
            "facility" if "facility" in claims else "office")
        out["setting"] = claim
        if len(claims - {"facility"}) > 1:
            conflicts.append("setting")
    return out, conflicts


def asking_sentence(spans: list[Span]) -> list[Span]:
    """The last sentence when it is a question (what the question asks about), else nothing."""
    plain = [s for s in spans if s.kind != "fact"]
    if not plain or not (plain[-1].kind == "punct" and plain[-1].value == "?"):
        return []
    return _sentence_of(plain)[id(plain[-1])]


def _asked_claims(plain: list[Span], negated: set[int]) -> set[str]:
    """The claim types named in the asking sentence (the claim the question asks about)."""
    return {s.value for s in asking_sentence(plain) if s.kind == "claim" and id(s) not in negated
            and not s.text.lower().startswith("our ")}  # "our claim" is whoever is asking


def history_facts(spans: list[Span], frames: list[Frame], relief_frames: list[Frame]) -> dict[str, Any]:
    """Relief percentages and durations, sessions already done, days since an earlier procedure."""
    out: dict[str, Any] = {}
    sentences = _sentence_words(spans)
    sentence = _sentence_of(spans)
    plain = [s for s in spans if s.kind != "fact"]
    reliefs = []
    for i, s in enumerate(plain):
        if s.kind != "pct":
            continue
        dose = any(x.kind == "cue" and x.value == "procedure_part"  # "1% lidocaine", "bupivacaine 0.5%"
                   for x in plain[i + 1:i + 3] + plain[max(0, i - 1):i])
        said = sentence.get(id(s), [])
        about_blocks = any(x.kind in ("family", "act") for x in said) or \
            sentences.get(id(s), set()) & W.RESULT_WORDS or any(  # "MBBs: first one 90%, second 60%", "gave 85%"
                a.kind == "ordinal" and b.text.lower() == "one" for a, b in pairwise(said))  # "the second one was 85%"
        if not dose and (sentences.get(id(s), set()) & W.RELIEF_WORDS or about_blocks):
            reliefs.append(min(100, s.value))
            s.used = True
    ablating = any("ablate" in f.acts for f in relief_frames)  # "2nd block only 40%. schedule the RFA?": its blocks
    blocks = [f for f in relief_frames if f.status == "historical" and (
        f.family == "facet_injection" or (f.family is None and ablating and "inject" in f.acts))]
    if reliefs:
        if blocks and len(reliefs) == 1 and sum(f.count or 1 for f in blocks) >= 2:
            reliefs = reliefs * min(10, sum(f.count or 1 for f in blocks))  # "2 MBBs >80%": each gave it
        if blocks and len(reliefs) >= 2:
            out["prior_blocks"] = reliefs[:10]
        elif blocks and any(f.family == "facet_rfa" and f.status == "done" for f in frames):
            out["prior_blocks"] = reliefs[:10]
            out["prior_relief_percent"] = reliefs[-1]
        else:
            out["prior_relief_percent"] = reliefs[-1]
    sentence = _sentence_of(spans)

    def procedure_named(span: Span) -> bool:
        return any(x.kind in ("act", "family", "code") for x in sentence.get(id(span), []))

    lcds = [s.text.upper() for s in spans if s.kind == "word" and LCD_ID.fullmatch(s.text)]
    if lcds:
        out["lcds"] = list(dict.fromkeys(lcds))[:10]  # "pt is in a MAC with L39656": that contractor's policy
        for s in spans:
            if s.kind == "word" and LCD_ID.fullmatch(s.text):
                s.used = True
    second_complaint = {k for k, words in sentence.items()
                        if any(p in " ".join(x.text.lower() for x in words) for p in OTHER_PROBLEM_PHRASES)}
    dated = _dates(spans)
    if len(dated) >= 2 and procedure_named(dated[0][1]):  # "RFA on 3/2. Pt back 3/8 for ...": six days after it
        days = (dated[-1][0] - dated[0][0]).days
        if 0 < days <= 365:
            out["days_since_global_procedure"] = days
            for _, span in dated:
                span.used = True
    elif len(dated) == 1 and procedure_named(dated[0][1]):
        out["procedure_date"] = dated[0][0].isoformat()  # "bilat RFA on 3/2": a follow-up "back 3/9" counts from it
        dated[0][1].used = True
    for s, nxt, prev in _with_neighbours(spans):
        value = s.value if s.kind == "num" else None
        if not value:
            continue
        noun = value.get("noun")
        words = {w for text in sentences.get(id(s), set()) for w in text.split()}
        onset = prev in W.ONSET_WORDS and nxt == "ago" and bool(words & W.PAIN_WORDS)
        if noun in ("week", "month", "year") and (onset or _pain_duration(s, sentences, prev, nxt)) and \
                id(s) not in second_complaint:
            weeks = value["n"] * {"week": 1, "month": 4, "year": 52}[noun] + (value["n"] if noun == "month" else 0) // 3
            out["pain_weeks"] = min(2600, weeks)  # "radicular pain x 2 wks", "LBP for 6 months": how long it hurt
            s.used = True
        elif noun == "test" and sentences.get(id(s), set()) & W.PROVOCATIVE_WORDS:
            out["provocative_tests"] = min(10, value["n"])  # "only two positive provocative tests (FABER, ...)"
            s.used = True
        elif noun == "month" and (prev in ("for", "lasting", "lasted", "x") or (
                prev in ("after", "about", "around", "approximately") and words & W.WORE_OFF_WORDS)):
            out["relief_months"] = value["n"]
            s.used = True
        elif not procedure_named(s):
            continue  # "pain for 7 days after a fall" dates a complaint, not an earlier procedure
        elif noun == "year" and nxt == "ago" and procedure_named(s):
            years = float(s.text) if s.text.replace(".", "", 1).isdigit() else value["n"]
            out["months_since_prior"] = min(600, round(years * 12))  # "last RFA was about 2.5 yrs ago"
            s.used = True
        elif noun in ("day", "week", "month") and nxt in ("after", "later", "post", "following", "since", "ago",
                                                            "out"):
            out["days_since_global_procedure"] = min(365, value["n"] * DAYS[noun])
            s.used = True
        elif prev in ("day", "pod") and (nxt in ("after", "post", "following", "postop", "post-op", ")") or any(
                x.kind == "act" and x.value == "visit" for x in sentence.get(id(s), []))):
            out["days_since_global_procedure"] = min(365, value["n"])  # "seen day 5 after the RFA", "(day 3)", "back
            # on day 8 for a post-op check"
            s.used = True
    return out


def seen_in_group(spans: list[Span], this_year: int) -> bool | None:
    """'saw dr patel (our group, same specialty) in 2024. now in 2026 ...': whether that visit falls within the three
    years that make the patient established (CMS IOM 100-04 Ch. 12 §30.6.7), counted from the latest year named, or
    this year when only one is named, or 'seen 18 months ago by dr k (same group)'; a visit three years back depends
    on the exact dates, so it is left unsaid."""
    years = [s for s in spans if s.kind == "num" and (s.value or {}).get("noun") == "date"
             and 1980 <= int(s.value.get("n", 0)) <= 2100]
    sentences = _sentence_words(spans)
    for s, unit, ago in zip(spans, spans[1:], spans[2:], strict=False):
        words = sentences.get(id(s), set())
        if s.kind == "num" and unit.kind == "count" and unit.value in ("month", "year") and ago.text.lower() == "ago" \
                and words & W.SEEN_WORDS and words & W.GROUP_WORDS:
            months = int((s.value or {}).get("n", 0)) * (12 if unit.value == "year" else 1)
            return True if months < 36 else False if months > 36 else None
    if any(s.text.lower() in W.RECENT_PAST and (words := sentences.get(id(s), set())) & W.SEEN_WORDS
           and words & W.GROUP_WORDS for s in spans):
        return True  # "seen last year by dr patel (my partner, same group and specialty)"
    seen = [s for s in years if (words := sentences.get(id(s), set())) & W.SEEN_WORDS and words & W.GROUP_WORDS]
    if not seen:
        return None
    now = max(int(s.value["n"]) for s in years) if len(years) > 1 else this_year
    gap = now - int(seen[0].value["n"])
    return True if 0 <= gap <= 2 else False if gap >= 4 else None


# "also worked up a new complaint - L knee pain x2 wks": how long another problem has lasted
OTHER_PROBLEM_PHRASES = ("new onset", "new-onset", "also c/o", "also complains")  # a second complaint's own duration


def _pain_duration(span: Span, sentences: dict[int, set[str]], prev: str, nxt: str) -> bool:
    """'x 2 wks', 'for 3 months', '8 wks', '2 weeks of sciatica' in a sentence about pain and not about relief: how
    long the pain has lasted ('relief lasting 6 months' is the relief's duration, '2 weeks ago' a date, 'in 2 weeks' a
    plan)."""
    words = {w for text in sentences.get(id(span), set()) for w in text.split()}
    return (prev in ("x", "for", "of", "over", "past", "last") or prev in W.PAIN_WORDS or nxt == "of") and \
        bool(words & W.PAIN_WORDS) and not words & W.RELIEF_WORDS and not words & W.OTHER_PROBLEM_WORDS and \
        nxt not in ("ago", "later", "after", "post", "following", "out", "since")


def _dates(spans: list[Span]) -> list[tuple[date, Span]]:
    """Month/day dates ('3/2', '03/08/26') in the order of the calendar, each once; the year is taken as one year
    unless given (a visit and the procedure before it are days or weeks apart)."""
    out: dict[date, Span] = {}
    for s in spans:
        if s.kind != "num" or (s.value or {}).get("noun") != "date":
            continue
        parts = s.text.split("/")
        try:
            month, day = int(parts[0]), int(parts[1])
            year = 2000 + int(parts[2]) % 100 if len(parts) > 2 and parts[2].isdigit() else 2001
            out.setdefault(date(year, month, day), s)
        except (ValueError, IndexError):
            continue
    if not out:
        return _days_of_month(spans) or _weekdays(spans)
    return sorted(out.items(), key=lambda kv: kv[0])


DAY_OF_MONTH = re.compile(r"([1-9]|[12]\d|3[01])(?:st|nd|rd|th)")
DATE_WORDS = re.compile(r"\b(?:\d{1,2}/\d{1,2}(?:/\d{2,4})?|the " + DAY_OF_MONTH.pattern + r")\b", re.IGNORECASE)


def names_a_date(words: str) -> bool:
    """Whether a procedure's words give it a date ('RFA on 3/3', 'RFA on the 3rd')."""
    return DATE_WORDS.search(words) is not None


def _days_of_month(spans: list[Span]) -> list[tuple[date, Span]]:
    """'RFA on the 3rd ... seen on the 8th': days of one month, each named as 'the Nth' with nothing it counts after
    it (not 'the 3rd level'), when the question gives no calendar dates; one alone dates nothing."""
    plain = [s for s in spans if s.kind not in ("fact",)]
    out: dict[date, Span] = {}
    for i, s in enumerate(plain):
        match = DAY_OF_MONTH.fullmatch(s.text.lower())
        after = plain[i + 1] if i + 1 < len(plain) else None
        if match is None or i == 0 or plain[i - 1].text.lower() != "the" or (
                after is not None and after.kind not in ("punct", "filler")):
            continue
        out.setdefault(date(2001, 1, int(match.group(1))), s)
    return sorted(out.items(), key=lambda kv: kv[0]) if len(out) >= 2 else []


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekdays(spans: list[Span]) -> list[tuple[date, Span]]:
    """'TPIs Monday ... back Thursday': weekdays in the order named, each after the one before (within a week or
    two), when the question gives no calendar dates; one weekday alone dates nothing."""
    named = [s for s in spans if s.kind == "word" and s.text.lower() in WEEKDAYS]
    out: list[tuple[date, Span]] = []
    for s in named:
        day = date(2001, 1, 1 + WEEKDAYS.index(s.text.lower()))  # 2001-01-01 was a Monday
        while out and day <= out[-1][0]:
            day += timedelta(days=7)
        out.append((day, s))
    return out if len({d for d, _ in out}) >= 2 else []


def _sentence_words(spans: list[Span]) -> dict[int, set[str]]:
    """For each span, the lower-case words of its sentence (relief percentages sit near 'relief'); one set per
    sentence, shared by its spans (linear in the question, however long one sentence is)."""
    by_sentence: dict[int, set[str]] = {}
    out: dict[int, set[str]] = {}
    for k, sentence in _sentence_of(spans).items():
        words = by_sentence.get(id(sentence))
        if words is None:
            words = by_sentence[id(sentence)] = {s.text.lower() for s in sentence}
        out[k] = words
    return out


def _sentence_of(spans: list[Span]) -> dict[int, list[Span]]:
    """For each span (by id), the spans of its sentence."""
    out: dict[int, list[Span]] = {}
    current: list[Span] = []

    def flush() -> None:
        for s in current:
            out[id(s)] = current

    for s in spans:
        if s.kind == "fact":
            continue
        current.append(s)
        if s.kind == "punct" and s.value in (".", "?", "!", ";"):
            flush()
            current = []
    flush()
    return out


def _with_neighbours(spans: list[Span]) -> list[tuple[Span, str, str]]:
    """Each span with the next word (after its count noun) and the previous one (past 'about', 'around')."""
    plain = [s for s in spans if s.kind != "fact"]
    out = []
    for i, s in enumerate(plain):
        nxt = plain[i + 1].text.lower() if i + 1 < len(plain) else ""
        if plain[i + 1:i + 2] and plain[i + 1].kind == "count" and i + 2 < len(plain):
            nxt = plain[i + 2].text.lower()
        j = i - 1
        while j > 0 and plain[j].text.lower() in W.APPROXIMATELY:
            j -= 1
        prev = plain[j].text.lower() if i else ""
        out.append((s, nxt, prev))
    return out


__all__ = ["history_facts", "names_a_date", "pattern_facts", "payer_and_claim"]


def days_after(procedure_date: str, spans: list[Span]) -> int | None:
    """Days from an earlier turn's procedure date to the one date this turn gives ('pt back 3/9'), within a year."""
    dated = _dates(spans)
    if len(dated) != 1:
        return None
    try:
        earlier = date.fromisoformat(procedure_date)
    except ValueError:
        return None
    later = dated[0][0].replace(year=earlier.year) if dated[0][0].year == 2001 else dated[0][0]
    days = (later - earlier).days
    if 0 < days <= 365:
        dated[0][1].used = True
        return days
    return None

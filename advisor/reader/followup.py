"""Follow-up questions: "what if it was bilateral?", "and the left knee too?", "what about an RFA instead?",
"can I add 77003?" read against the previous turn. The previous Reading's frames and facts carry over; what the
follow-up states replaces or adds to them; its attribute words are bound to the previous procedures."""

from __future__ import annotations

import re
from itertools import pairwise

from advisor.reader.facts import days_after
from advisor.reader.frames import Grammar, add_joint, sentences, settle_muscles
from advisor.reader.model import Frame, Joint, LookupRequest, Reading, Span
from advisor.reader.reader import (
    asked_plan,
    called_off_apart,
    described_in_words,
    finish,
    mark_distinct_sites,
    named_then_negated,
    read,
    refused_levels,
    resolve_against,
    sides_called_off,
)
from advisor.reader.stopped import keep_stopped, mark_stopped
from advisor.reader.vocab import vocabulary_of
from advisor.reader.words import W
from advisor.rules.catalog import Catalog

SHORT = 14
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
SMALL_TALK = frozenset({"filler", "word", "punct", "num", "count", "wh"})  # the spans of a sentence that says nothing
# a coder reads ("The patient is a 67 year old retired teacher who drove herself in.")

# facts a follow-up may replace and ask whether that changes the claim (the frames stay those of the earlier turn)
CHANGEABLE_FACTS = frozenset({"payer", "setting", "diagnostic", "separate_problem", "new_patient", "sedation",
                              "prior_relief_percent", "radicular"})


def _opens_with(words: list[str], phrases: frozenset[str]) -> bool:
    """The words begin with one of the phrases ('forgot to say, ...')."""
    return any(tuple(words[:len(p.split())]) == tuple(p.split()) for p in phrases)


def _changes_only_results(current: Reading) -> bool:
    """'and if the first one had only given 50%?', 'what if the relief only lasted 3 months?': the follow-up changes
    an earlier result the coverage rules weigh, and nothing billed: it asks whether the claim still holds."""
    results = {"prior_relief_percent", "relief_months", "prior_blocks"}
    return bool(results & set(current.facts)) and not current.lines and not current.modifiers and \
        not current.done_frames()


def _words(reading: Reading) -> list[str]:
    return [w for s in reading.spans if s.kind not in ("punct", "fact") for w in s.text.lower().split()]


def _sentence_starts(reading: Reading) -> list[list[str]]:
    """The words of each sentence, from its start."""
    out: list[list[str]] = [[]]
    for s in reading.spans:
        if s.kind == "punct" and s.value in (".", "?", "!", ";"):
            out.append([])
        elif s.kind not in ("punct", "fact"):
            out[-1] += s.text.lower().split()
    return [w for w in out if w]


def is_follow_up(reading: Reading, catalog: Catalog) -> bool:
    """A follow-up opens with 'what if/and/with', says it adds ('the right shoulder too'), or names no procedure
    of its own (no procedure code either): a short question, a later visit, a code to add."""
    words = _words(reading)
    starts = _sentence_starts(reading)  # "The patient is 67. sorry, correction on that one...": any sentence may open
    if any(_opens_with(w, W.FOLLOW_UP_OPENERS) for w in starts) or W.ADDING & set(words) or "instead" in words:
        return True
    done = reading.done_frames()
    if done and len(words) <= SHORT and W.POINTING & set(words) and all(
            f.levels is None and not f.level_names and not f.joints and not f.muscle_names and f.laterality is None
            for f in done):
        return True  # "do I need a modifier on the TPI line?": the procedure of the earlier turn, named again
    if done or reading.kind == "unsupported" or any(s.kind == "oos" for s in reading.spans):
        return False
    if reading.lookup is not None and (reading.lookup.codes or reading.lookup.modifiers):
        return False
    if any((info := catalog.code(ln.code)) is not None and catalog.family(info.family).procedure
           for ln in reading.lines):
        return False
    if reading.frames and all(f.family is None for f in reading.frames):
        return True  # "the note says only the left side was injected": acts and sides of the earlier procedure
    return bool(reading.lines or reading.modifiers) or "days_since_global_procedure" in reading.facts or \
        len(words) <= SHORT  # "... still bill w/ KX?": a modifier asked of the earlier procedure


def merge(previous: Reading, current: Reading, catalog: Catalog) -> Reading:
    """The follow-up over the previous turn: facts and frames carry over, restated ones are replaced, added ones
    appended; the follow-up's own words are bound to the previous procedures when it names none."""
    merged = current.model_copy(deep=True)
    merged.follow_up = True
    merged.facts = {**previous.facts, **current.facts}
    words_said = _words(current)
    text = " ".join(words_said)
    if current.question_type == "yes_no" and any(phrase in text for phrase in W.CHANGE_ASKS):
        # "actually her primary is BCBS, not Medicare. does that change anything?": the facts it replaces, so the
        # verdict compares the claim before and after
        merged.facts["changed_from"] = {k: previous.facts.get(k) for k, v in current.facts.items()
                                        if k in CHANGEABLE_FACTS and previous.facts.get(k) != v}
    _restate_block(merged, previous, current)
    addons = _addons_of(previous.lookup, catalog) if previous.lookup is not None and not current.lines and \
        _names_the_code(current, previous.lookup) else []  # "MUE for 64635?" then "and for the add-on?": 64636
    if previous.lookup is not None and (current.lookup is None or _names_the_code(current, previous.lookup)) and \
            (current.lines or addons) and current.question_type != "statement" and \
            not any(s.kind in ("family", "act", "anat") for s in current.spans):
        # "what's the MUE on 64636?" then "and 64635?": the same look-up for another code
        codes = list(dict.fromkeys(ln.code for ln in current.lines)) or addons
        merged.lookup = previous.lookup.model_copy(update={"codes": codes})
        merged.frames = []
        return finish(merged, catalog)
    if merged.lookup is not None and merged.lookup.fields == ["definition"] and not merged.lookup.codes and \
            not merged.lookup.modifiers:
        merged.lookup = None  # "ok, now what does the ASC put on its claim?": about the earlier case, not a term
    words = set(words_said)
    corrects = _opens_with(words_said, W.CORRECTING_OPENERS)  # "my bad, it was the LEFT side"
    adding = bool(W.ADDING & words) or any(" " in phrase and phrase in text for phrase in W.ADDING)  # "as well"
    grammar = Grammar(catalog.registry)
    previous_frames = [f.model_copy(deep=True) for f in previous.frames]
    if "procedure_date" in previous.facts and "days_since_global_procedure" not in current.facts:
        days = days_after(previous.facts["procedure_date"], current.spans)  # "RFA on 3/2" ... "pt back 3/9"
        if days is not None:
            current.facts["days_since_global_procedure"] = merged.facts["days_since_global_procedure"] = days
            merged.facts["procedure_date"] = previous.facts["procedure_date"]  # still the procedure's date
    merged.frames = [resolve_against(f, previous_frames, catalog) for f in merged.frames]
    if "days_since_global_procedure" in current.facts and not merged.done_frames():
        for frame in previous_frames:
            frame.status = "historical"  # "comes back 6 days later": the earlier turn's procedure is in the past
        merged.frames = previous_frames
        nth = _nth_of_the_same(current)
        if nth:  # "second one is 3/20": the same procedure again on the later date
            again = [f.model_copy(update={"status": "done"}) for f in previous_frames if f.family]
            merged.frames = previous_frames + again
            sessions = dict(merged.facts.get("prior_sessions") or {})
            for f in again:
                key = catalog.family(f.family or "").session_key(f.diagnostic)
                if key:
                    sessions[key] = max(sessions.get(key, 0), nth - 1)
            merged.facts["prior_sessions"] = sessions
    elif current.question_type == "yes_no" and not current.lines and not merged.done_frames() and any(
            f.status == "planned" and f.family for f in merged.frames):
        for frame in previous_frames:  # "2nd block gave only 40%. can we schedule the RFA?": the blocks are done,
            if frame.status == "done":  # the RFA is asked about
                frame.status = "historical"
        merged.frames = previous_frames + merged.frames
        asked_plan(merged, catalog)
    elif not [f for f in merged.done_frames() if described_in_words(f, catalog)]:
        # nothing described in words ("can I send it as 64493-RT and 64493-LT instead?"): the earlier procedures
        # stand, with what the follow-up says of them; its codes are what it proposes
        merged.frames = [_overlay(f, _attributes(grammar, merged, f), adding, grammar.point_targets, corrects)
                         if f.status == "done" else f
                         for f in previous_frames]
    elif (area := _same_procedure_other_joint(previous_frames, merged.done_frames(), catalog)) is not None:
        merged.frames = area  # "R knee genicular block" then "he did the left knee too": the block, both knees
    else:
        merged.frames = _combine(previous_frames, merged.done_frames(), "instead" in words, adding, catalog,
                                 corrects)
    mark_distinct_sites(merged, merged.facts)  # "he also injected the R knee": a second site today
    if merged.em is None and previous.em is not None:
        merged.em = previous.em.model_copy()
    elif merged.em is not None and merged.em.code is None and previous.em is not None and previous.em.code:
        merged.em.code = previous.em.code  # "what if she also brought up new shoulder pain?": the same 99213
    if merged.em is not None:
        merged.em.separate_problem = merged.facts.get("separate_problem")
        merged.em.new_patient = merged.facts.get("new_patient")
    words_in_order = words_said
    opens = _opens_with(words_in_order, W.FOLLOW_UP_OPENERS)
    own = (current.question_type == "yes_no" and (bool(_clause_openers(current) & W.ASKING) or tuple(  # "..., will all
        words_in_order[:2]) == ("what", "if"))) or "changed_from" in merged.facts  # 3 pay?", "what if the 2nd
    # MBB gave 60%? still good to bill?", "actually it's BCBS. does that change anything?"
    what_if = any(tuple(words_in_order[i:i + 2]) == ("what", "if") for i in range(3))  # "ok but what if ..."
    if not own and what_if and previous.question_type == "yes_no":
        merged.question_type = "yes_no"  # "can I bill 99214-25?" then "what if she documented a 99204?"
    elif not own and "if" in words_in_order[:4] and _changes_only_results(current):
        merged.question_type = "yes_no"  # "RFA R L4-5 ... codes?" then "what if the relief only lasted 3 months?"
    elif not own and current.question_type != "wh" and (opens or current.question_type == "statement") and \
            not current.lines and not current.modifiers:  # "ok and what does the ASC put on its claim?" asks its own
        merged.question_type = previous.question_type  # "and bilateral?" asks what the previous turn asked
    _nth_session(merged, current, catalog)
    _called_off_whole(merged, current, grammar.called_off, catalog)
    _muscles_called_off(merged, current, grammar)
    _called_off_by_name(merged, current)
    called_off_apart(merged, merged.spans, catalog)  # "update: left side aborted, only the right was done"
    keep_stopped(merged, previous, " ".join(s.text for s in current.spans), catalog)
    if not any(f.family for f in current.frames) and not any(f.stopped for f in merged.frames):
        # "update: it got stopped after the needle was in, pt had a vasovagal, nothing injected": the earlier turn's
        # procedure, stopped after it began
        mark_stopped(merged, " ".join(s.text for s in current.spans), catalog, bool(sides_called_off(current.spans)))
    return finish(merged, catalog)


def _restate_block(merged: Reading, previous: Reading, current: Reading) -> None:
    """'2 MBBs gave 85% and 90%' then 'the 2nd block was only 55%': the relief of that block in the series is
    corrected."""
    blocks = previous.facts.get("prior_blocks")
    said = current.facts.get("prior_blocks")
    relief = current.facts.get("prior_relief_percent", said[0] if isinstance(said, list) and len(said) == 1 else None)
    nth = [s.value["n"] for s in current.spans
           if s.kind == "ordinal" and isinstance(s.value, dict) and s.value.get("n")]
    if isinstance(blocks, list) and relief is not None and len(nth) == 1 and 1 <= nth[0] <= len(blocks):
        merged.facts["prior_blocks"] = [relief if i == nth[0] - 1 else r for i, r in enumerate(blocks)]
        if "prior_relief_percent" not in previous.facts:
            merged.facts.pop("prior_relief_percent", None)


def _addons_of(request: LookupRequest, catalog: Catalog) -> list[str]:
    """The add-on codes reported with the codes an earlier look-up asked about."""
    out = []
    for code in request.codes:
        info = catalog.code(code)
        if info is not None:
            out += [c.code for c in catalog.family_codes(info.family) if c.addon and code in c.primaries]
    return list(dict.fromkeys(out))


def _nth_session(merged: Reading, current: Reading, catalog: Catalog) -> None:
    """'and if it were her 5th lumbar one in the last 12 months?': today's procedure is that session of the year (four
    before it), when the follow-up names no procedure of its own; 'and if she'd already had four this year?': four
    before it."""
    plain = [s for s in current.spans if s.kind not in ("filler", "fact")]
    nth = [s.value["n"] for i, s in enumerate(plain) if s.kind == "ordinal" and isinstance(s.value, dict)
           and (s.value.get("n") or 0) >= 2 and s.value.get("noun") in (None, "session", "injection")
           and not (i + 1 < len(plain) and plain[i + 1].kind in ("act", "family", "anat"))]  # not "the 2nd block"
    had = [s.value["n"] for i, s in enumerate(plain) if s.kind == "num" and i and (s.value or {}).get("noun") in (
        None, "year", "session", "injection") and plain[i - 1].text.lower().split()[-1] == "had"]
    # "and if she'd already had four this year?"
    done = merged.done_frames()
    if any(s.kind == "pct" for s in plain):
        nth = []  # "what if the second one was 85% instead?": an earlier block's result, not today's place
    if len(nth) + len(had) != 1 or current.done_frames() or len(done) != 1 or not done[0].family:
        return
    key = catalog.family(done[0].family).session_key(done[0].diagnostic)
    if key:
        merged.facts["prior_sessions"] = {**merged.facts.get("prior_sessions", {}), key: nth[0] - 1 if nth else had[0]}


def _names_the_code(current: Reading, earlier: LookupRequest) -> bool:
    """'mue for 64633?' then 'and the add-on 64634?': 'the add-on' names the next code, it does not ask whether it is
    one (the look-up asked before carries over)."""
    asked = [s for s in current.spans if s.kind == "lookup"]
    return bool(asked) and all(s.value == "addon" for s in asked) and "addon" not in earlier.fields and all(
        i and current.spans[i - 1].text.lower() in W.POINTING for i, s in enumerate(current.spans) if s in asked)


def _called_off_whole(merged: Reading, current: Reading, words: frozenset[str], catalog: Catalog) -> None:
    """'update: got cancelled after IV start, before anything was injected': a follow-up with a sentence that calls
    the procedure off and names no procedure, side or level of its own, and nothing it says was done, leaves nothing
    done (a stop after the needle went in is a stopped procedure, kept by keep_stopped)."""
    text, said = " ".join(s.text for s in current.spans), vocabulary_of(catalog).discontinued
    if any(f.status == "done" for f in current.frames) or not any(_calls_off(sentence, words)
                                                                  for sentence in sentences(current.spans)) \
            or (said["started"].search(text) and not said["not_started"].search(text)):
        return
    for frame in merged.frames:
        if frame.status == "done":
            frame.status = "negated"


def _calls_off(sentence: list[Span], words: frozenset[str]) -> bool:
    """A sentence that calls a procedure off and names no procedure, side, level or code of its own ('Update: the
    patient left before the procedure, so it was not done.'); a negation calls it off only beside a noun for the
    procedure, not beside 'it' ('it was not diagnostic')."""
    return not any(s.kind in ("side", "level", "anat", "family", "act", "code") for s in sentence) and (
        any(s.kind == "cue" and s.text.lower() in words for s in sentence) or (
            any(s.kind == "cue" and s.value == "negated" for s in sentence)
            and any(s.text.lower() in W.PROCEDURE_NOUNS and s.text.lower() != "it" for s in sentence)))


def _called_off_by_name(merged: Reading, current: Reading) -> None:
    """'... plus TPIs - correcting myself, the TPIs were NOT done': a follow-up that names an earlier procedure only to
    say it was not done calls that procedure off."""
    plain = [s for s in current.spans if s.kind not in ("filler", "punct", "fact")]
    if any(s.kind in ("anat", "level", "side") and nxt.kind == "cue" and nxt.value == "negated"
           for s, nxt in pairwise(plain)):
        return  # "the levator wasnt injected": one part of it (see _muscles_called_off)
    said_done = {f.family for f in current.frames if f.status == "done"}
    named_off = named_then_negated(current.spans) - said_done
    off = {f.family for f in current.frames if f.status == "negated" and f.family in named_off}
    for frame in merged.frames:
        if frame.status == "done" and frame.family in off:
            frame.status = "negated"


def _muscles_called_off(merged: Reading, current: Reading, grammar: Grammar) -> None:
    """'sorry, the levator wasnt injected, just the other two': a muscle the follow-up says was not injected leaves
    the earlier trigger point frame, and the count stated for it drops by as many."""
    plain = [s for s in current.spans if s.kind not in ("filler", "punct", "fact")]
    off = {s.value for s, nxt in pairwise(plain) if s.kind == "anat" and grammar.is_muscle(s) and nxt.kind == "cue"
           and nxt.value == "negated"}
    for frame in merged.done_frames() if off else []:
        kept = [n for n in frame.muscle_names if n.split(":")[0] not in off]
        if not kept or len(kept) == len(frame.muscle_names):
            continue
        if frame.muscles_stated:
            frame.muscles_stated = max(len(kept), frame.muscles_stated - (len(frame.muscle_names) - len(kept)))
        frame.muscle_names = kept
        settle_muscles(frame, grammar.point_targets)


def _clause_openers(reading: Reading) -> set[str]:
    """The first word of each clause (after any punctuation)."""
    out: set[str] = set()
    fresh = True
    for s in reading.spans:
        if s.kind == "punct":
            fresh = True
        elif s.kind != "fact":
            if fresh:
                out.add(s.text.lower().split()[0])
            fresh = False
    return out




def _same_procedure_other_joint(previous: list[Frame], current: list[Frame], catalog: Catalog) -> list[Frame] | None:
    """'R knee genicular block' then 'he did the left knee too': a joint named with no procedure word of its own,
    where the earlier procedure treats that joint's nerves, is that procedure on the other side."""
    if len(current) != 1 or current[0].family != "joint" or current[0].acts or len(current[0].joints) != 1:
        return None
    joint = current[0].joints[0]
    anatomy = catalog.registry.anatomy
    for frame in previous:
        targets = catalog.family(frame.family).targets if frame.family and frame.status == "done" else ()
        if any(t in anatomy and anatomy[t].near == joint.name for t in targets) and \
                {frame.laterality, joint.laterality} == {"left", "right"}:
            return [f.model_copy(update={"laterality": "bilateral"}) if f is frame else f for f in previous]
    return None


def _nth_of_the_same(current: Reading) -> int | None:
    """'second one is 3/20', 'the 2nd is on 4/1': an ordinal standing for the earlier procedure, done again."""
    plain = [s for s in current.spans if s.kind not in ("punct", "fact", "filler")]
    for i, s in enumerate(plain):
        nxt = plain[i + 1].text.lower() if i + 1 < len(plain) else ""
        if s.kind == "ordinal" and (s.value or {}).get("n", 0) >= 2 and nxt in ("one", "is", "was", "on"):
            return int(s.value["n"])
    return None


def _contrasted(spans: list[Span]) -> list[Span]:
    """'sorry, R wrist, not the knee': the anatomy a negation sets against the anatomy before it is not restated."""
    plain = [s for s in spans if s.kind not in ("fact", "filler", "punct")]
    return [s for i, s in enumerate(plain) if s.kind == "anat" and i >= 2 and plain[i - 1].kind == "cue"
            and plain[i - 1].value == "negated" and plain[i - 2].kind == "anat"]


def _attributes(grammar: Grammar, reading: Reading, frame: Frame) -> Frame:
    """The follow-up's words read as attributes of one earlier procedure ('and bilateral?', '3 levels', 'no fluoro')."""
    if not frame.family:
        return Frame()
    visit = reading.em is not None  # "doc also saw her for new neck pain": the visit's complaint, not the procedure's
    contrasted = _contrasted(reading.spans)
    for s in contrasted:
        s.used = True  # read: set aside
    refused = {id(s) for s in refused_levels(reading.spans) + contrasted}  # "wait L3-4 wasnt done": not restated
    return grammar.attributes([s for s in reading.spans if not (visit and s.used and s.kind in ("region", "side"))
                               and id(s) not in refused], frame.family)


def _overlay(old: Frame, new: Frame, adding: bool, general: frozenset[str], corrects: bool = False) -> Frame:
    """The follow-up's attributes over the earlier procedure's; a side restated in a correction replaces the earlier
    side even when something is added ('my bad, it was the LEFT side, and he added C4-5 as well')."""
    data = old.model_dump()
    for key in ("region", "laterality", "imaging", "diagnostic", "target", "muscles"):
        value = getattr(new, key)
        if value is not None:
            data[key] = value
    if adding and not corrects and {old.laterality, new.laterality} == {"left", "right"} and not old.joints:
        data["laterality"] = "bilateral"  # "he did the left knee as well"
    if new.muscle_names or new.muscles_stated:
        if adding:  # "he also did the R rhomboid"
            data["muscle_names"] = list(dict.fromkeys(old.muscle_names + new.muscle_names))
            before = old.muscles_stated or len(old.muscle_names) or old.muscles or 0  # "also got one in the L levator"
            data["muscles_stated"] = before + new.muscles_stated if new.muscles_stated else old.muscles_stated
        else:
            data["muscle_names"], data["muscles_stated"] = new.muscle_names, new.muscles_stated
        frame = Frame.model_validate(data)
        settle_muscles(frame, general)
        data = frame.model_dump()
    if new.level_names:
        names = list(dict.fromkeys(old.level_names + new.level_names)) if adding else new.level_names
        data["level_names"] = names
        data["levels"] = max(len(names), new.levels or 0) if adding else (new.levels or len(names))
        data["sides"] = {}
    elif new.levels:
        data["levels"] = new.levels
    if new.joints:
        if adding:  # "he also did the subacromial bursa on that same shoulder": a part of a joint named is that joint
            found: dict[str, Joint] = {f"{j.name}:{j.laterality}": j for j in old.joints}
            for joint in new.joints:
                add_joint(found, joint)
            joints = list(found.values())
        else:
            joints = new.joints
        if not adding and len(new.joints) == 1 and new.joints[0].laterality is None and old.joints:
            joints = [new.joints[0].model_copy(update={"laterality": old.joints[0].laterality})]
        data["joints"] = [j.model_dump() for j in joints]
    elif new.laterality and old.joints:
        data["joints"] = [dict(j.model_dump(), laterality=new.laterality) for j in old.joints]
    if new.imaging is not None and not new.joints:  # "what if they used US instead?": every joint's guidance
        data["joints"] = [dict(j, imaging=None) for j in data["joints"]]
    if new.laterality:
        data["sides"] = {}
    return Frame.model_validate(data)


def _combine(old: list[Frame], new: list[Frame], instead: bool, adding: bool, catalog: Catalog,
             corrects: bool = False) -> list[Frame]:
    """New procedures in a follow-up: the same family restates it, 'instead' replaces (keeping the levels and side
    of a spinal procedure unless restated), otherwise they are added."""
    spinal = catalog.registry.spinal_families
    out = list(old)
    for frame in new:
        if frame.status == "negated" and any(f.family == frame.family and f.status == "done" for f in new):
            out.append(frame)  # "sorry, R wrist, not the knee": the one named in contrast is not done
            continue
        same = next((i for i, f in enumerate(out) if f.family == frame.family and f.status == "done"), None)
        if same is not None:
            out[same] = _overlay(out[same], frame, adding, catalog.registry.point_targets, corrects)
            continue
        swap = next((i for i, f in enumerate(out) if f.status == "done" and f.family in spinal
                     and frame.family in spinal), None) if not adding else None
        if swap is not None and (instead or not adding):
            stated = {k: v for k, v in frame.model_dump().items() if v not in (None, [], {}, "")}
            carried = out[swap].model_dump() | stated
            out[swap] = Frame.model_validate(carried)
        elif instead and out:
            out = [f for f in out if f.status != "done"] + [frame]
        else:
            out.append(frame)
    return out


def _levels_restated(before_text: str, before: Reading, after: Reading) -> str | None:
    """'R L4-5 - sorry, L5-S1 - TFESI': a correction of levels alone, before any procedure is named, keeps the words
    before the marker (the side) without the levels it takes back; None when there is no such level to take back."""
    taken_back = [s.text for s in before.spans if s.kind == "level"]
    if not taken_back or not any(s.kind == "level" for s in after.spans):
        return None
    for text in taken_back:
        if text not in before_text:
            return None
        before_text = before_text.replace(text, " ", 1)
    return before_text


def _count_restated(before: str, after: str, catalog: Catalog) -> str:
    """'TPIs in three muscles - no wait, just two: R trap and R levator': a bare number right after the correction
    restates the count named before it, so it gets that count's noun ('just two muscles')."""
    number = "|".join([*map(re.escape, vocabulary_of(catalog).numbers), r"\d+"])
    nouns = "|".join(map(re.escape, W.COUNTED_PARTS))
    named = re.findall(rf"\b(?:{number})\s+({nouns})s?\b", before, re.IGNORECASE)
    if not named:
        return after
    bare = re.compile(rf"^(\W*[a-z ,]{{0,20}}?\b)({number})(?=\s*[-,.:;])", re.IGNORECASE)
    return bare.sub(lambda m: f"{m.group(1)}{m.group(2)} {named[-1].lower()}s", after, count=1)


def read_question(question: str, catalog: Catalog) -> Reading:
    """A question that corrects itself ('L knee inj w/o US... sorry, correction, it was the RIGHT knee') is its first
    words followed by a correction: the words after the marker are read as a follow-up of the words before it, so
    what they restate replaces what was said first."""
    marker = vocabulary_of(catalog).corrections
    found = marker.search(question) if marker is not None else None
    if found is None or not question[:found.start()].strip():
        return read(question, catalog)
    before = read(question[:found.start()], catalog)
    after = read(_count_restated(question[:found.start()], question[found.start():], catalog), catalog)
    if not before.frames:
        restated = _levels_restated(question[:found.start()], before, after)
        return read(question if restated is None else restated + question[found.end():], catalog)
    restates = {f.family for f in after.done_frames()} & {f.family for f in before.done_frames()}
    if not is_follow_up(after, catalog) and not restates:  # "TPI x4 - scratch that, only the R and L QL injected":
        return read(question, catalog)  # a correction that describes the procedure again still corrects it
    merged = merge(before, after, catalog)
    if merged.unreadable and not before.unreadable:  # "no wait, separate new low back complaint worked up": a
        merged.unreadable = False  # short correction of a readable question is not a foreign one
        merged = finish(merged, catalog)
    if merged.question_type == "statement" and after.question_type != "statement":
        merged.question_type = after.question_type  # "TFESI L4-5 - sorry, I meant L3-S1. Can I bill all three?"
        return finish(merged, catalog)
    return merged


def read_turn(question: str, previous: Reading | None, catalog: Catalog) -> Reading:
    """One turn of a conversation: the question on its own, or over the previous turn when it follows up on it. A
    follow-up opened by a sentence of small talk ('The patient is a 67 year old retired teacher. make it both
    sides') is judged, and merged, without that sentence."""
    reading = read_question(question, catalog)
    if previous is None:
        return reading
    rest = _after_small_talk(question, catalog)
    if rest is not None and is_follow_up(again := read_question(rest, catalog), catalog):
        return merge(previous, again, catalog)
    return merge(previous, reading, catalog) if is_follow_up(reading, catalog) else reading


def _after_small_talk(question: str, catalog: Catalog) -> str | None:
    """The question without its opening sentences that say nothing a coder reads (no procedure, code, fact or
    question about coding); None when it opens otherwise or has nothing after them."""
    parts = SENTENCE_BREAK.split(question.strip())
    cut = 0
    while cut < len(parts) - 1:
        said = read(parts[cut], catalog)
        if said.facts or any(s.kind not in SMALL_TALK for s in said.spans) or \
                _opens_with(_words(said), W.FOLLOW_UP_OPENERS | W.CORRECTING_OPENERS):
            break
        cut += 1
    return " ".join(parts[cut:]) if cut else None


__all__ = ["is_follow_up", "merge", "read_question", "read_turn"]

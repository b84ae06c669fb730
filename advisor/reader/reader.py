"""read(question, catalog) -> Reading: the whole question as the reader understood it, with what it could not place.

tag -> frames (grammar) -> facts -> question type, look-up -> what is proposed -> coverage. Deterministic: the same
words always give the same Reading. When a number, code, modifier, procedure or anatomy word is left unplaced, two
statements conflict, or a procedure is outside the catalog, the Reading says so (`unplaced`, `conflicts`,
`unsupported`, `questions`) and the answer asks instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import pairwise, takewhile
from typing import Any

from advisor.claims import ClaimLine, is_em_code
from advisor.privacy.redact import find_identifiers
from advisor.reader.facts import (
    asking_sentence,
    history_facts,
    names_a_date,
    pattern_facts,
    payer_and_claim,
    seen_in_group,
)
from advisor.reader.frames import (
    SPINAL_REGIONS,
    Grammar,
    add_joint,
    already_bundled,
    contrasts,
    level_conflicts,
    next_content,
    opposite_side,
    recount,
    settle_muscles,
)
from advisor.reader.model import EMFrame, Frame, Joint, Laterality, Reading, Span, Status
from advisor.reader.questions import lookup_request, question_type
from advisor.reader.stopped import mark_stopped
from advisor.reader.tagger import normalise, tag
from advisor.reader.vocab import Vocabulary, vocabulary_of
from advisor.reader.words import W
from advisor.rules.catalog import Catalog
from advisor.rules.model import FACT_QUESTIONS

CLAUSE_ENDS = frozenset({".", "?", "!", ";", ",", "(", ")"})
QUANTITY_PER = {"level": "levels", "levels": "levels", "nerve": "nerves", "nerves": "nerves", "muscle": "muscles",
                "muscles": "muscles", "joint": "joints", "joints": "joints", "knee": "joints", "knees": "joints",
                "side": "sides", "sides": "sides", "injection": "injections", "injections": "injections",
                "needle": "injections", "needles": "injections", "stick": "injections", "site": "injections",
                "sites": "injections", "point": "injections", "points": "injections", "day": "days", "days": "days",
                "branch": "nerves", "branches": "nerves", "root": "levels", "roots": "levels", "bursa": "joints"}


# facts whose words name a procedure as their topic ("no reason documented why not RFA")
TOPIC_FACTS = ("rfa_not_possible",)


def read(question: str, catalog: Catalog) -> Reading:
    """Read one question on its own (follow-ups are merged with the previous turn by advisor.reader.followup)."""
    vocab = vocabulary_of(catalog)
    text = _without_identifiers(normalise(question))
    _, spans = tag(text, vocab)
    reading = Reading(spans=spans)
    _contrast_paths(spans)
    _ruled_out(spans)
    _ahead_of(spans, catalog)
    grammar = Grammar(catalog.registry)
    drafts = grammar.drafts(spans)
    procedure_drafts = [d for d in drafts if not _is_visit(d)]
    for d in procedure_drafts:
        grammar.resolve(d)
    procedure_drafts = _fold_generic(procedure_drafts, grammar)
    lone = len({d.family.id for d in procedure_drafts if d.family is not None}) <= 1  # one kind of procedure
    statuses = [grammar.status(d, lone) for d in procedure_drafts]
    _planned_together(procedure_drafts, statuses, spans)
    _results_are_earlier(procedure_drafts, statuses)
    _adopt_earlier(procedure_drafts, statuses)
    frames = [grammar.frame(d, status) for d, status in zip(procedure_drafts, statuses, strict=True)]
    _fact_topics(frames, procedure_drafts, spans)
    frames = _drop_unsupported(frames, procedure_drafts, reading)
    reading.named = [f.family for f in frames if f.family]
    if any(s.kind == "fact" and s.value == ("other_side_too", True) for s in spans):
        for frame in frames:  # "R SIJ injected ... Same performed on the L."
            if frame.status == "done" and frame.laterality in ("left", "right"):
                frame.laterality = "bilateral"
    merged = _merge(frames, catalog, reading)
    resolved = [r for f in merged if (r := _resolve_bare_ablation(f, merged, catalog)) is not None]
    reading.frames = _named_again(resolved, spans)
    called_off_apart(reading, spans, catalog)
    past = {c for f in reading.frames if f.status not in ("done", "mentioned") for c in f.codes
            if not is_em_code(c)} - proposed_codes(spans)  # a visit's code is never an earlier procedure's
    removed = removed_codes(spans)
    reading.lines = [ln for ln in _lines(spans, catalog, past) if ln.code not in removed]
    reading.modifiers, reading.set_aside = _modifiers(spans)
    reading.em = _em(drafts, reading, spans)
    reading.question_type = question_type(spans, vocab)
    asked_plan(reading, catalog)
    visits = []
    for d in drafts:
        if _is_visit(d):
            visits.append(grammar.status(d, lone))
            for s in d.spans("act", "side", "anat", "level", "region"):
                s.used = True  # the visit and the complaint it addressed
    if reading.em is not None and reading.em.code is None and not em_class_named(spans) and (
            (visits and "done" not in visits) or any(is_em_code(c) for c in past)):
        reading.em = None  # "no injection, no visit": nothing to bill for a visit; "is yesterday's 99213 payable?"
    _lone_attributes(reading, spans, catalog)
    _facts(reading, spans, catalog, frames)
    mark_stopped(reading, text, catalog, bool(sides_called_off(spans)))
    if past:  # codes of earlier or planned procedures, and of clauses about the past ("after a 64635")
        reading.facts["past_codes"] = sorted(past)
    if removed:
        reading.facts["removed_codes"] = sorted(removed)  # the verdict checks the engine does not keep them
    _earlier_procedure(reading)
    _settle_bare_acts(reading, catalog)
    _single_shot_catheter(reading, spans, catalog)
    _repeat(reading, spans)
    _same_levels(reading, spans, catalog)
    _orphan_levels(reading, spans, catalog)
    _coded_only(reading, catalog)
    described = bool(reading.done_frames())
    called_off = any(f.status == "negated" and f.family for f in reading.frames)
    if not described and reading.lines and not called_off:  # "coder put 64483. ok? Update: ... it was not done":
        reading.frames += frames_from_codes(reading.lines, catalog, spans, grammar, reading.frames)
    _earlier_procedure(reading)  # again for the frames the codes added ("64635 done 3/2, seen 3/14")
    _levels_from_codes(reading, catalog)
    _attributes_from_codes(reading, catalog)
    _proposal_words(reading, spans, vocab)
    reading.lookup = lookup_request(spans, reading.question_type, described)
    reading.unsupported += list(dict.fromkeys(s.value for s in spans if s.kind == "unsupported"))
    reading.unsupported = list(dict.fromkeys(reading.unsupported))
    reading.override_attempt = any(s.kind == "override" for s in spans)
    reading.conflicts += [c for f in reading.frames if f.status == "done" for c in f.candidates if ":" in c]
    _partly_done(reading, spans)
    _area_of_nerve(reading, spans, catalog)
    _place_numbers(reading, spans, vocab)
    reading.unreadable = _unreadable(text, spans)
    return finish(reading, catalog)


def _ahead_of(spans: list[Span], catalog: Catalog) -> None:
    """'genicular nerve block before RFA', 'MBB before the SI RFA': the ablation the block comes before is a later
    procedure (planned), not part of today's block."""
    ablations = {f.id for f in catalog.registry.families.values() if f.act == "ablate"}
    plain = [s for s in spans if s.kind not in ("fact", "filler") and not (s.kind == "cue" and s.value == "planned")
             and s.text.lower() not in W.INTENDED_WORDS]
    for s, nxt in pairwise(plain):  # "before a planned RFA": the plan word adds nothing
        if s.kind == "word" and s.text.lower() in ("before", "ahead") and (
                (nxt.kind == "act" and nxt.value == "ablate") or (nxt.kind == "family" and nxt.value in ablations)):
            s.kind, s.value = "cue", "planned"


def _ruled_out(spans: list[Span]) -> None:
    """'note explains pt can't have RFA': a procedure word inside the words that rule it out names no procedure."""
    for fact in (s for s in spans if s.kind == "fact" and s.value == ("rfa_not_possible", True)):
        for s in spans:
            if s.kind == "act" and fact.start <= s.start < fact.end:
                s.kind, s.used = "word", True




def _contrast_paths(spans: list[Span]) -> None:
    """'contrast showed spread along the S1 root', 'outlined the L5 nerve': where the contrast went, not a level
    injected."""
    plain = [s for s in spans if s.kind not in ("fact", "filler", "side")]
    for i, s in enumerate(plain):
        if s.kind == "level" and i and plain[i - 1].text.lower() in W.SPREAD_WORDS:
            s.kind, s.used = "word", True


def _unreadable(text: str, spans: list[Span]) -> bool:
    """Another script ('同一天做了膝关节注射和64493'), or Latin-script words that are neither the catalog's vocabulary
    nor English function words ('Bisa tagih 20610 dua kali untuk lutut kiri dan kanan?'): the codes may be read,
    the words that change their meaning are not."""
    letters = [c for c in text if c.isalpha()]
    foreign = sum(1 for c in letters if not c.isascii())
    if foreign >= 4 and foreign > 0.3 * len(letters):
        return True
    words = [s for s in spans if s.kind not in ("punct", "fact", "code", "level", "pct", "num", "mod")]
    unknown = sum(1 for s in words if s.kind == "word" and not s.used)  # a contractor's name is known
    english = sum(1 for s in words if s.kind == "filler")
    return len(words) >= 5 and english == 0 and unknown >= 0.5 * len(words)


def _restated(reading: Reading, spans: list[Span], catalog: Catalog) -> None:
    """A level or joint named again in a reason ('since L5-S1 is the lower level', 'the AC joint, it's the
    shoulder') is the one already placed, not a second procedure."""
    names = {n for f in reading.frames for n in f.level_names}
    joints = {j.name for f in reading.frames for j in f.joints}
    anatomy = catalog.registry.anatomy
    areas = {a for j in joints if j in anatomy for a in (anatomy[j].part_of, anatomy[j].near) if a}
    counts = {n for f in reading.frames for n in (f.levels, len(f.joints), f.muscles) if n}
    named_before = {s.value for s in spans if s.kind == "anat" and s.used}  # "c/o hip pain ... nothing for the hip"
    for s in spans:
        if s.used:
            continue
        level_again = s.kind == "level" and s.value["names"] and set(s.value["names"]) <= names
        compared = s.kind == "anat" and any(x.text.lower() in ("like", "unlike", "than", "as")
                                            for x in spans[max(0, spans.index(s) - 3):spans.index(s)])
        if level_again or compared or (s.kind == "anat" and s.value in joints | areas | named_before):
            s.used = True
        elif s.kind == "num" and s.value["n"] in counts and (
                s.value.get("noun") in ("level", "joint", "muscle")
                or (s.value.get("noun") is None and any(_after_word(spans, s, w) for w in W.COUNT_RESTATERS))):
            s.used = True  # "will Medicare pay all three levels?", "bill all three": the count already placed
        elif s.kind == "num" and _range_end(spans, s) and max(counts, default=0) >= s.value["n"]:
            s.used = True  # "units of 64495 for levels 3 to 5": positions among the levels placed


def _range_end(spans: list[Span], span: Span) -> bool:
    """The second number of a range of placed numbers ('levels 3 to 5', 'levels 3-5')."""
    plain = [s for s in spans if s.kind not in ("fact", "filler") or s.text.lower() in W.RANGE_WORDS]
    i = plain.index(span)
    before = plain[i - 1] if i else None
    if before is not None and before.kind == "num" and before.used and span.start == before.end + 1:
        return True  # "levels 3-5": the dash is not a span of its own
    return i >= 2 and plain[i - 1].text.lower() in W.RANGE_WORDS and plain[i - 2].kind == "num" and plain[i - 2].used


def finish(reading: Reading, catalog: Catalog) -> Reading:
    """What was left unplaced, the kind of answer the question gets, and what to ask (run again after a follow-up
    is merged with the previous turn, which may place more of its words)."""
    _restated(reading, reading.spans, catalog)
    reading.unplaced = [s for s in reading.spans if s.significant and not s.used]
    reading.kind = _kind(reading, reading.spans, catalog)  # type: ignore[assignment]
    reading.general = _general(reading)
    reading.questions = _questions(reading, catalog)
    return reading


ENCOUNTER_KINDS = frozenset({"level", "side", "num", "code", "pct", "ordinal", "guide", "mod", "qty", "claim",
                             "place"})


def _general(reading: Reading) -> bool:
    """A yes/no question about a kind of service in general ('does Medicare pay for sedation with MBBs?', 'are TPIs
    covered?'): procedures named only in the plural, and nothing of a patient's encounter (no level, side, count,
    code, guidance, date or person). It gets a verdict on the rule and no claim lines."""
    if reading.question_type != "yes_no" or reading.follow_up or not reading.frames:
        return False
    names = [s for s in reading.spans if s.kind == "family"]
    if not names or not all(s.text.lower().endswith("s") for s in names):
        return False
    words = {s.text.lower() for s in reading.spans}
    return not any(s.kind in ENCOUNTER_KINDS for s in reading.spans) and not words & W.ENCOUNTER_WORDS and not any(
        s.kind == "anat" and s.used for s in reading.spans)


def _is_visit(draft: Any) -> bool:
    acts = {s.value for s in draft.spans("act")}
    return "visit" in acts and not draft.spans("family") and len(acts) == 1


def _merge(frames: list[Frame], catalog: Catalog, reading: Reading) -> list[Frame]:
    """Frames of one family and status are one procedure named twice: levels, sides, joints and muscles add up.
    A procedure called bilateral in one place and one-sided in another, for the same levels, is a conflict."""
    for frame in frames:  # "SIJ RFA of the L5 dorsal ramus and S1-S3 lateral branches": nerves of the SI procedure
        named = [c for c in frame.candidates if any(o.family == c and o.status == frame.status for o in frames)]
        if frame.family is None and len(named) == 1:
            frame.family, frame.label, frame.candidates = named[0], catalog.family(named[0]).label, named
    out: list[Frame] = []
    called_off = sides_called_off(reading.spans)
    for frame in frames:
        same = next((f for f in out if f.family and f.family == frame.family and f.status == frame.status
                     and not _other_region(f, frame, catalog)), None)
        if same is None:
            out.append(frame)
            continue
        said = {same.laterality, frame.laterality}
        per_site = catalog.family(same.family or "").counts in ("muscles", "joints")  # sides belong to each site
        if "bilateral" in said and said & {"left", "right"} and not per_site and not (
                set(same.level_names) ^ set(frame.level_names) and same.level_names and frame.level_names
                and not set(same.level_names) & set(frame.level_names)) and not called_off:
            reading.conflicts.append("side: bilateral in one place, one side in another")
        if said == {"left", "right"} and not per_site and (
                any(x.text.lower() in W.NOTE_PARTS for x in reading.spans) or (
                _labelled(reading.spans) and set(same.level_names) & set(frame.level_names))):
            reading.conflicts.append("documentation: the note's parts disagree")  # "Header: right ... Body: left",
            # "PROCEDURE: Right L5-S1 TFESI ... needle to the left L5-S1 foramen"
        data = same.model_dump()
        for key, value in frame.model_dump().items():
            if key in ("level_names", "joints", "muscle_names", "words", "sides", "candidates"):
                continue
            if value not in (None, [], {}, "") and data.get(key) in (None, [], {}, ""):
                data[key] = value
        names = list(dict.fromkeys(same.level_names + frame.level_names))
        if frame.level_names:
            data["level_names"] = names
            unit = catalog.family(same.family or "").level_unit or "joint"
            data["levels"] = recount(names, unit) if same.level_names else frame.levels
        sides = {k: list(v) for k, v in same.sides.items()}
        for frm in (same, frame):
            if not frm.sides and frm.laterality and frm.level_names:
                sides.setdefault(frm.laterality, [])
                sides[frm.laterality] = sorted(set(sides[frm.laterality]) | set(frm.level_names))
        for side, lv in frame.sides.items():
            sides[side] = sorted(set(sides.get(side, [])) | set(lv))
        if len(sides) > 1:
            data["sides"] = sides
            data["laterality"] = None
        elif same.laterality != frame.laterality and same.laterality and frame.laterality:
            data["laterality"] = "bilateral" if {same.laterality, frame.laterality} == {"left", "right"} else \
                frame.laterality
        joints: dict[str, Joint] = {}
        for joint in same.joints + frame.joints:
            add_joint(joints, joint)
        anatomy = catalog.registry.anatomy
        areas = {anatomy[j.name].near for j in joints.values() if j.name in anatomy}  # "trochanteric bursa ..., hip"
        data["joints"] = [j.model_dump() for j in joints.values() if j.name not in areas]
        data["muscle_names"] = list(dict.fromkeys(same.muscle_names + frame.muscle_names))
        stated = [n for n in (same.muscles_stated, frame.muscles_stated) if n]
        data["muscles_stated"] = sum(stated) if stated else None
        data["words"] = (same.words + " / " + frame.words)[:300]
        merged = Frame.model_validate(data)
        if (frame.level_names and same.level_names) or merged.levels_stated != same.levels_stated:
            # the count against all levels named, or a count given apart from the levels ("... thats 3 levels?")
            merged.candidates = [c for c in merged.candidates if not c.startswith("levels:")] + level_conflicts(
                catalog.family(merged.family or "").level_unit or "joint", merged.level_names, merged.levels,
                merged.levels_stated, merged.laterality)
        if merged.muscle_names or merged.muscles_stated:
            merged.candidates = [c for c in merged.candidates if not c.startswith("muscles:")]
            settle_muscles(merged, catalog.registry.point_targets)
        total = sum(2 if j.laterality == "bilateral" else 1 for j in merged.joints)
        merged.candidates = [c for c in merged.candidates  # "two joints: R knee + R shoulder": both now named
                             if not (c.startswith("joints:") and c.endswith(f", {total} stated"))]
        out[out.index(same)] = merged
    return out


def _labelled(spans: list[Span]) -> bool:
    """An op note with a labelled procedure line ('PROCEDURE: ...'), whose narrative restates the procedure."""
    return any(a.text.lower() in W.NOTE_LABELS and b.kind == "punct" and b.value == ":" for a, b in pairwise(spans))


def called_off_apart(reading: Reading, spans: list[Span], catalog: Catalog) -> None:
    """A side or a level called off in a clause of its own (in the question, or in a follow-up of it) is taken off
    the procedure done."""
    plain = [s for s in spans if s.kind not in ("fact", "filler")]
    _level_refused_apart(reading, plain, catalog)
    _only_levels_done(reading, [s for s in spans if s.kind != "fact"], catalog)
    _side_refused_apart(reading, spans)




def sides_called_off(spans: list[Span]) -> dict[str, str | None]:
    """Each side named and then negated ('left side NOT performed', 'the R knee was skipped'), with the joint named
    with it; not a side set against another ('the left side, not the right')."""
    plain = [s for s in spans if s.kind not in ("fact", "filler")]
    refused: dict[str, str | None] = {}
    for i, s in enumerate(plain):
        nxt = [x for x in plain[i + 1:i + 6] if not (x.kind == "count" and x.text.lower() in ("side", "sides"))
               and x.text.lower() not in W.CALLED_OFF_FILLER][:2]  # "left side was planned but not done"
        joint = nxt[0].value if nxt and nxt[0].kind == "anat" else None
        cue = nxt[1:2] if joint else nxt[:1]
        if s.kind == "side" and s.value in ("left", "right") and cue and cue[0].kind == "cue" and \
                cue[0].value == "negated" and not contrasts(spans, spans.index(cue[0])):
            refused[s.value] = joint
        elif s.kind == "side" and s.value in ("left", "right") and i and \
                plain[i - 1].text.lower() in W.BEFORE_WORDS and \
                any(x.text.lower() in W.NOT_YET_WORDS for x in plain[i + 1:i + 5]):
            refused[s.value] = joint  # "asked to stop before the left was even started"
        elif s.kind == "side" and s.value in ("left", "right") and _done_without(plain[max(0, i - 2):i]) and not (
                _article_before(spans, plain[i - 1])):  # not "an aborted left L4-5 TFESI": the whole procedure

            refused[s.value] = joint  # "she got lightheaded so we didn't do the left", "did not inject the left"
        elif s.kind == "side" and s.value in ("left", "right") and i and plain[i - 1].text.lower() == "only" and \
                joint is not None and any(x.kind == "act" for x in plain[i + 2:i + 5]):
            refused[opposite_side(s.value)] = joint  # "so only the R knee was injected"
    return refused


def _article_before(spans: list[Span], span: Span) -> bool:
    """An article right before the span ('an aborted', 'the cancelled'): the word describes what follows."""
    k = spans.index(span)
    return k > 0 and spans[k - 1].text.lower() in W.ARTICLES


def _done_without(before: list[Span]) -> bool:
    """The words before a side call it off: a verb's negation ('didn't', 'skipped'), perhaps with the act ('did not
    inject'); a bare 'not' sets one side against another instead ('the right, not the left')."""
    if before and before[-1].kind == "act":
        before = before[:-1]
    return bool(before) and before[-1].kind == "cue" and before[-1].value == "negated" and \
        before[-1].text.lower() not in ("not", "no", "never", "nor")


def _side_refused_apart(reading: Reading, spans: list[Span]) -> None:
    """'Planned bilateral L4-5 MBB. Right side completed ... left side not done': a side called off leaves the one
    procedure done on both sides to the other side."""
    refused = sides_called_off(spans)
    if len(refused) != 1:
        return
    side, joint = next(iter(refused.items()))
    keep: Laterality = "right" if side == "left" else "left"

    def both_sides(f: Frame) -> list[Joint]:  # "both knees on the schedule, the R knee was skipped"
        return [j for j in f.joints if j.laterality == "bilateral" and joint in (None, j.name)]

    bilateral = [f for f in reading.done_frames() if (f.laterality == "bilateral" and not f.sides) or (
        "bilateral" in f.sides and set(f.sides) <= {"bilateral", keep}) or both_sides(f)]  # "... R L3, L4 MB done"
    if len(bilateral) != 1:
        return
    frame = bilateral[0]
    if frame.joints:
        kept: dict[str, Joint] = {}
        for j in frame.joints:
            if joint not in (None, j.name) or j.laterality != side:
                add_joint(kept, j.model_copy(update={"laterality": keep}) if j in both_sides(frame) else j)
        frame.joints = list(kept.values())
    if frame.laterality == "bilateral" or frame.sides:
        frame.laterality, frame.sides = keep, {}


def refused_levels(spans: list[Span]) -> list[Span]:
    """Levels a negation follows: 'L5-S1 got cancelled', 'L5-S1 was planned but not done', 'L3-4 wasnt done'."""
    plain = [s for s in spans if s.kind not in ("fact", "filler")]

    def refused(i: int) -> bool:
        after = [x for x in plain[i + 1:i + 6] if x.kind != "filler" and x.text.lower() not in W.CALLED_OFF_FILLER]
        return bool(after) and after[0].kind == "cue" and after[0].value == "negated" and not (
            len(after) > 1 and after[1].kind == "level")  # "it was C5-6 not L5-S1" sets one level against another

    def set_aside(i: int) -> bool:  # "it was C5-6 not L5-S1": the level after the negation is the one taken back
        return i >= 2 and plain[i - 1].kind == "cue" and plain[i - 1].value == "negated" and \
            plain[i - 2].kind == "level"

    return [s for i, s in enumerate(plain) if s.kind == "level" and s.value and (refused(i) or set_aside(i))]


def _level_refused_apart(reading: Reading, plain: list[Span], catalog: Catalog) -> None:
    """'L5-S1 got cancelled (couldn't get past the osteophyte), only L4-5 was injected': a level called off is not one
    of the levels done."""
    spans = refused_levels(plain)
    names = {n for s in spans for n in s.value["names"]}
    frames = [f for f in reading.done_frames() if names and names < set(f.level_names)]
    if len(frames) == 1:
        frame = frames[0]
        unit = catalog.family(frame.family or "").level_unit or "joint"
        frame.level_names = [n for n in frame.level_names if n not in names]
        frame.levels = recount(frame.level_names, unit)
    done = [n for f in reading.done_frames() for n in f.level_names]
    if not names & set(done):
        for s in spans:
            s.used = True  # "L4-5 done bilaterally; L3-4 aborted": placed as the level not done




def _only_levels_done(reading: Reading, plain: list[Span], catalog: Catalog) -> None:
    """'R L4-5 and L5-S1 TFESI planned; only L5-S1 done': the levels after 'only' and before a done word are the ones
    done, of the levels the procedure names."""
    for i, s in enumerate(plain):
        if s.text.lower() != "only":
            continue
        levels = list(takewhile(lambda x: x.kind == "level" or x.text.lower() in ("and", "&", ","), plain[i + 1:]))
        after = plain[i + 1 + len(levels):i + 4 + len(levels)]  # "only L5-S1 done", "only L4-5 and L5-S1 were done"
        names = {n for x in levels if x.kind == "level" and x.value for n in x.value["names"]}
        if not names or not any(x.text.lower() in W.DONE_WORDS for x in after):
            continue
        frames = [f for f in reading.done_frames() if names < set(f.level_names)]
        if len(frames) == 1:
            frame = frames[0]
            frame.level_names = [n for n in frame.level_names if n in names]
            frame.levels = recount(frame.level_names, catalog.family(frame.family or "").level_unit or "joint")


def _partly_done(reading: Reading, spans: list[Span]) -> None:
    """'TPIs planned into 3 muscles ... after the trapezius the rest were not done': the count stated is what was
    planned and the question does not say how many were done; the reader asks rather than bill the plan."""
    plain = [s for s in spans if s.kind not in ("fact", "filler")]
    rest_off = any(s.text.lower() in W.REST_WORDS and any(x.kind == "cue" and x.value == "negated"
                                                       for x in plain[i + 1:i + 3]) for i, s in enumerate(plain))
    if rest_off and any(f.muscles_stated or f.levels_stated or f.count for f in reading.done_frames()):
        reading.conflicts.append("partly: the rest was not done")


def resolve_against(frame: Frame, earlier: list[Frame], catalog: Catalog) -> Frame:
    """'Today RFA of those same joints', 'one MBB (90%) ... OK to bill the RFA?': an act with no target of its own,
    beside a procedure named earlier (in this question or the turn before), is the family that does that act to that
    procedure's targets, at its levels unless the act names its own."""
    if frame.family is not None or frame.status not in ("done", "planned") or not frame.acts:
        return frame
    for before in reversed([f for f in earlier if f.family]):
        targets = set(catalog.family(before.family or "").targets)
        matches = [f for f in catalog.registry.families.values()
                   if f.procedure and f.act in frame.acts and targets & set(f.targets)]
        if len(matches) == 1:
            fam = matches[0]
            carried = {k: getattr(before, k) for k in ("region", "levels", "level_names", "sides", "joints", "target")
                       if not getattr(frame, k)}
            return frame.model_copy(update={"family": fam.id, "label": fam.label, "candidates": [], **carried,
                                            "laterality": frame.laterality or before.laterality})
    return frame


def _resolve_bare_ablation(frame: Frame, frames: list[Frame], catalog: Catalog) -> Frame | None:
    """'One MBB (90%) ... OK to bill the RFA?': an ablation named with no target is the one of the blocks' targets;
    named again beside an ablation already described, it is that one (None: not a second procedure)."""
    if "ablate" not in frame.acts:
        return frame
    resolved = resolve_against(frame, [g for g in frames if g is not frame], catalog)
    own = frame.level_names or frame.laterality or frame.joints or frame.codes
    if any(g is not frame and g.family == resolved.family and (g.level_names or g.joints) and (
            g.status == "done" or (g.status == "negated" and frame.status == "done" and not own)) for g in frames):
        return None  # "R L4-5, L5-S1 RFA ... OK to bill the RFA?", "RFA ... cancelled in pre-op. bill anything for
    return resolved  # the RFA?": the RFA described or called off, named again


def _lone_attributes(reading: Reading, spans: list[Span], catalog: Catalog) -> None:
    """'... 0.5 mL bupivacaine each'. Diagnostic, criteria met, first block.', 'Using a linear transducer the joint
    was identified': a purpose or guidance said in a sentence of its own belongs to the one procedure done, when its
    own words gave none."""
    done = reading.done_frames()
    if len(done) != 1:
        return
    frame = done[0]
    for kind in ("purpose", "guide"):
        said = {s.value for s in spans if s.kind == kind and not s.used}
        if len(said) != 1:
            continue
        if kind == "purpose" and frame.diagnostic is None and frame.family and catalog.family(frame.family).purpose:
            frame.diagnostic = said.pop() == "diagnostic"
        elif kind == "guide" and frame.imaging is None and frame.family:
            frame.imaging = said.pop()
        else:
            continue
        for s in spans:
            if s.kind == kind:
                s.used = True


def _area_of_nerve(reading: Reading, spans: list[Span], catalog: Catalog) -> None:
    """'Right knee. ... genicular nerves blocked': the joint whose nerves a procedure treats says where (and which
    side) it was done, not a joint injection."""
    anatomy = catalog.registry.anatomy
    plain = [s for s in spans if s.kind not in ("fact", "filler")]
    for frame in reading.done_frames():
        targets = catalog.family(frame.family).targets if frame.family else ()
        areas = {anatomy[t].near for t in targets if t in anatomy and anatomy[t].near}
        for i, s in enumerate(plain):
            if s.kind == "anat" and not s.used and s.value in areas:
                s.used = True
                if frame.laterality is None and i and plain[i - 1].kind == "side":
                    frame.laterality = plain[i - 1].value


def said_nothing_done(spans: list[Span]) -> bool:
    """'Today just a follow-up visit, nothing done': the question says no procedure was done today."""
    return any(s.kind == "cue" and s.value == "negated" and s.text.lower().startswith("nothing") for s in spans)


def _named_again(frames: list[Frame], spans: list[Span]) -> list[Frame]:
    """A procedure named again with nothing of its own (no level, side, site, code or count) after the question
    described it or called it off ('MBB ... cancelled before any needle. bill anything for the MBB?') is that
    procedure, not a second one done; so is one named again only by its code after an earlier one, when the question
    says nothing was done today ('RFA last March ... nothing done. Should I bill 64635-50 for the RFA?'). Named again
    with nothing of its own only to say it was not done, it is called off."""
    nothing_today = said_nothing_done(spans)
    called_off = named_then_negated(spans)
    out: list[Frame] = []
    off: set[str] = set()
    earlier: set[str] = set()
    described = {f.family for f in frames if f.status == "done" and f.family and (f.level_names or f.joints)}
    for f in frames:
        own = f.level_names or f.laterality or f.joints or f.muscle_names or f.count or f.imaging or f.today
        if f.status == "done" and not own and (
                (f.family in off and not (f.codes or f.levels)) or (nothing_today and f.family in earlier)
                or (f.family in described and not (f.codes or f.levels))):
            continue  # "R L4-5, L5-S1 RFA ... OK to bill the RFA?": the RFA described, named again
        if f.family and f.status == "negated":
            off.add(f.family)
        if f.family and f.status == "historical":
            earlier.add(f.family)
        if f.family in called_off and f.status == "negated" and not own and not f.codes:
            # "L knee injection plus TPIs - correcting myself, the TPIs were NOT done": named again to call it off
            out = [o for o in out if not (o.family == f.family and o.status == "done")]
        out.append(f)
    return out


def named_then_negated(spans: list[Span]) -> set[str]:
    """Families named and then denied ('the TPIs were NOT done'), not set against another ('therapeutic, not MBB')."""
    plain = [s for s in spans if s.kind not in ("filler", "punct", "fact")]
    return {s.value for i, s in enumerate(plain) if s.kind == "family" and any(
        x.kind == "cue" and x.value == "negated" for x in plain[i + 1:i + 4])}


def _orphan_levels(reading: Reading, spans: list[Span], catalog: Catalog) -> None:
    """Levels named in a clause of their own ('L4-5 with fluoro today - 62323 ok?', 'can we repeat it? L5-S1
    bilat') belong to the one procedure done whose levels the question has not named yet."""
    orphans = [s for s in spans if s.kind == "level" and not s.used and s.value and s.value["names"]]
    open_frames = [f for f in reading.done_frames() if not f.level_names and _spinal(catalog.family(f.family or ""))]
    if not orphans or len(open_frames) != 1:
        return
    frame = open_frames[0]
    unit = catalog.family(frame.family or "").level_unit or "joint"
    names = list(dict.fromkeys(n for s in orphans for n in s.value["names"]))
    frame.level_names, frame.levels = names, recount(names, unit)
    regions = {s.value["region"] for s in orphans if s.value.get("region")}
    if frame.region is None and len(regions) == 1:
        frame.region = regions.pop()  # "right L4-5 ... it was a TFESI": lumbar
    sides = {s.value for s in spans if s.kind == "side" and not s.used and any(
        _same_sentence(spans, s, o) for o in orphans)}
    if frame.laterality is None and len(sides) == 1:
        frame.laterality = sides.pop()
        for s in spans:
            if s.kind == "side" and any(_same_sentence(spans, s, o) for o in orphans):
                s.used = True
    for s in orphans:
        s.used = True


def _spinal(fam: Any) -> bool:
    """A family whose code depends on spinal levels (counted, or choosing the code by region)."""
    return bool(fam.level_unit) or fam.select == "region"


def _other_region(a: Frame, b: Frame, catalog: Catalog) -> bool:
    """A family coded once per session by region (an interlaminar ESI) named in two regions is two procedures
    ('C7-T1 interlaminar and L5-S1 interlaminar'), not one named twice."""
    fam = catalog.family(a.family or "")
    code_region = catalog.registry.code_region
    return fam.select == "region" and fam.counts == "single" and bool(a.region and b.region) and \
        code_region(a.region or "") != code_region(b.region or "") and not (a.acts or b.acts)  # not "block it"


def _fold_generic(drafts: list[Any], grammar: Grammar) -> list[Any]:
    """A draft named only by a generic target ('two joints injected', 'the muscles') after a resolved procedure
    speaks of that procedure: its words join it instead of making a frame of their own."""
    out: list[Any] = []
    for i, draft in enumerate(drafts):
        nxt = drafts[i + 1] if i + 1 < len(drafts) else None
        if draft.family is None and draft.spans("level") and not draft.spans("anat", "family") and nxt is not None \
                and nxt.family is not None and nxt.chunks[0].sentence == draft.chunks[-1].sentence:
            nxt.chunks[:0] = draft.chunks  # "blocked the L3 and L4 medial branches": the levels of the next target
            continue
        if draft.family is not None and draft.family.counts == "joints" and draft.spans("level") and nxt is not None \
                and nxt.family is not None and nxt.family.counts == "levels" and \
                nxt.chunks[0].sentence == draft.chunks[-1].sentence:
            nxt.chunks[:0] = draft.chunks  # "intra-articular injection of the right L4-5 and L5-S1 facet joints"
            continue
        before = out[-1] if out else None
        acts = {a.value for a in draft.spans("act")}
        if draft.family is None and draft.spans("level") and not draft.spans("anat", "family") and before is not None \
                and before.family is not None and acts and acts <= {before.family.act} \
                and before.chunks[-1].sentence == draft.chunks[0].sentence:
            before.chunks += draft.chunks  # "bilateral MBB at T12-L1 and L1-2 (first block ...)": more of the MBB
            continue
        if draft.family is None and draft.spans("level") and not draft.spans("anat", "family") and before is not None \
                and before.family is not None and \
                {s.text.upper() for s in draft.spans("level")} <= {s.text.upper() for s in before.spans("level")}:
            before.chunks += draft.chunks  # "R L5-S1 TFESI. Needle advanced ... at R L5-S1": the note's own levels
            continue
        if _summary_of_regions(draft, drafts):
            for s in draft.spans("region", "family", "cue"):
                s.used = True  # "cervical AND lumbar ESIs same visit - C7-T1 ILESI plus L L5-S1 TFESI": the details
            continue
        sibling = _named_sibling(draft, drafts, grammar)
        if sibling is not None:
            sibling.anchored = sibling.anchored or any((s.value or {}).get("n", 0) >= 2
                                                       for s in draft.chunks[0].of("ordinal"))  # "2nd ESI this yr"
            sibling.chunks += draft.chunks  # "TFESI left L4-5 and L5-S1 ..., first ESI": the ESI is the TFESI
            continue
        targets = list(draft.spans("anat"))
        generic = targets and all(grammar.anatomy[s.value].generic for s in targets if s.value in grammar.anatomy)
        previous = next((d for d in reversed(out) if d.family is not None), None)
        if previous is not None and _technique_of(draft, previous, grammar):
            previous.chunks += draft.chunks  # "Facet RFA R L4-5, L5-S1. Electrodes along the L3 and L4 medial branches"
            continue
        if draft.family is not None and generic and not draft.spans("family") and previous is not None and \
                acts <= {previous.family.act}:  # not "bilat RFA L3-4 ... three joints each side" after the MBBs
            previous.chunks += draft.chunks
            continue
        out.append(draft)
    return out


def _technique_of(draft: Any, previous: Any, grammar: Grammar) -> bool:
    """A sentence of an op note that names only anatomy the earlier procedure treats (the nerves an RFA lesions, the
    landmarks a needle is placed at), with no procedure word, time or other act of its own, describes how that
    procedure was done; it is not a second procedure."""
    acts = {s.value for s in draft.spans("act")}
    if draft.family is None or draft.family.id == previous.family.id or draft.spans("family") or \
            not acts <= {previous.family.act} or \
            any(c.value in ("negated", "planned", "historical") for c in draft.spans("cue")):
        return False  # "SI joint RFA - S1-S3 lateral branches and L5 dorsal ramus lesioned": the same ablation
    targets = {s.value for s in draft.spans("anat") if s.value in grammar.anatomy}
    specific, generic = grammar._target_match(previous.family, targets)
    if _closes_aside_of(draft, previous) and specific + generic == len(targets):
        return True  # "SI joint RFA (lateral branches S1-S3 + L5 dorsal ramus)": the targets listed in its aside;
    # not "(TPIs in the L trap and L levator, knee injection was the R knee)": another procedure's target
    return bool(targets) and specific + generic == len(targets)


def _closes_aside_of(draft: Any, previous: Any) -> bool:
    """The draft's words end a parenthesis the previous procedure's words opened."""
    def depth(spans: list[Span]) -> int:
        return sum(1 if s.value == "(" else -1 if s.value == ")" else 0 for s in spans if s.kind == "punct")
    mine = [s for s in draft.spans("punct") if s.value in ("(", ")")]
    return depth(previous.spans("punct")) > 0 and bool(mine) and mine[0].value == ")" and \
        previous.chunks[-1].sentence == draft.chunks[0].sentence


def _summary_of_regions(draft: Any, drafts: list[Any]) -> bool:
    """A broad family word over several regions ('cervical and lumbar ESIs') with a named procedure for each of them
    further on: a summary of those procedures, not one of its own."""
    fam = draft.family
    words = draft.spans("family")
    regions = {s.value for s in draft.spans("region") if s.value in SPINAL_REGIONS}
    named = [d for d in drafts if d is not draft and d.family is not None and d.spans("level", "region")]
    return fam is not None and bool(fam.broad_words) and bool(words) and len(regions) >= 2 and \
        not draft.spans("level", "anat") and all(s.text.lower() in fam.broad_words for s in words) and \
        len(named) >= len(regions)


def _named_sibling(draft: Any, drafts: list[Any], grammar: Grammar) -> Any:
    """The draft of a sibling family (same session count) the question names, when this draft names its own family
    only by a broad word ('ESI') and says nothing of its own site."""
    fam = draft.family
    words = draft.spans("family")
    if fam is None or not fam.broad_words or not words or draft.spans("level", "anat") or \
            not all(s.text.lower() in fam.broad_words for s in words) or \
            any(c.value in ("negated", "planned", "historical") for c in draft.chunks[0].of("cue")):
        return None  # "the last ESI gave 60%" speaks of an earlier injection, whatever its kind ("2nd ESI this yr,
    # the first gave 70%" is today's, whatever the later clause says of the first)
    return next((d for d in drafts if d is not draft and d.family is not None and d.family.id != fam.id
                 and d.family.sessions == fam.sessions), None)


def _modifiers(spans: list[Span]) -> tuple[list[str], list[str]]:
    """Modifiers named on their own, and those the question sets aside ('LT on both instead of XS')."""
    plain = [s for s in spans if s.kind != "fact"]
    out: list[str] = []
    aside: list[str] = []
    physician = any(s.kind == "claim" and s.value == "office" for s in plain)
    for i, s in enumerate(plain):
        if s.kind != "mod":
            continue
        s.used = True  # a modifier named on its own is part of what the question proposes
        if physician and any(x.kind in ("place", "claim") and x.value in ("asc", "hospital", "facility")
                             and _same_sentence(plain, x, s) for x in plain[max(0, i - 6):i]):
            continue  # "physician claim ... Hospital is billing RT/LT lines": the other claim's modifiers
        j = i
        while j and plain[j - 1].text.lower() in W.TAKE_VERBS:
            j -= 1  # "the 64494 doesn't take modifier 51": the negation before the verb
        before = [x for x in plain[max(0, j - 2):j] if x.kind not in ("filler",)]
        left_off = _left_off(plain, i)
        listed = bool(aside) and aside[-1] != s.value and i >= 2 and plain[i - 1].text in ("/", "or", "nor") and \
            plain[i - 2].kind == "mod" and plain[i - 2].value == aside[-1]  # "no RT/LT": both are set aside
        (aside if _negated_before(before) or left_off or listed else out).append(s.value)  # "I leave KX off"
    return list(dict.fromkeys(out)), list(dict.fromkeys(aside))


def _left_off(plain: list[Span], i: int) -> bool:
    """'I leave KX off', 'leaving 77012 off', 'dropped the 76942', 'should 77003 come off?': named as left off the
    claim; 'KX only goes on the diagnostic ones, so none on this line': named in a rule the question then applies as
    'none' to this line."""
    if [x.text.lower() for x in plain[i + 1:i + 2]] == ["off"] and any(
            x.text.lower() in W.LEAVE_WORDS for x in plain[max(0, i - 2):i]):
        return True
    if _removed(plain, i):
        return True
    rest = [x.text.lower() for x in _rest_of_sentence(plain, i)]
    return any(a in ("none", "no") and b == "on" and c in ("this", "it", "that", "the") for a, b, c in
               zip(rest, rest[1:], rest[2:], strict=False))


def _rest_of_sentence(plain: list[Span], i: int) -> list[Span]:
    """The spans after `i` up to the end of its sentence."""
    return list(takewhile(lambda x: not (x.kind == "punct" and x.value in (".", "?", "!", ";")), plain[i + 1:]))


def _removed(plain: list[Span], i: int) -> bool:
    """'I dropped the 76942 and billed only 20611-RT', 'should 77003 come off?', 'so I shouldn't add 77003',
    'superbill says 62322, shouldnt it be 62323?': the code is taken off the claim."""
    after = " ".join(x.text.lower() for x in plain[i + 1:i + 4])
    before = [x.text.lower() for x in plain[max(0, i - 3):i]]
    negated = bool(set(before) & W.NOT_ADDING) or any(a in W.AUXILIARIES and b == "not" for a, b in pairwise(before))
    not_added = negated and bool(set(before) & (W.CHARGE_WORDS | W.GUIDANCE_ASKS))
    return not_added or _replaced(plain, i) or any(
        x.text.lower() in W.REMOVE_WORDS for x in plain[max(0, i - 2):i]) or any(
        after.startswith(w) for w in W.REMOVED_AFTER)


def _replaced(plain: list[Span], i: int) -> bool:
    """'superbill says 62322, shouldnt it be 62323?': the code the question puts another in place of."""
    rest = _rest_of_sentence(plain, i)
    words = " ".join(x.text.lower() for x in rest if x.kind != "code")
    code = plain[i].value["code"] if plain[i].kind == "code" else None
    return any(x.kind == "code" and x.value["code"] != code for x in rest) and any(w in words for w in W.REPLACED_BY)


def removed_codes(spans: list[Span]) -> set[str]:
    """The codes the question takes off the claim: every line of that code is off ('they billed 62323 + 77003.
    Should 77003 come off?' proposes 62323 alone)."""
    plain = [s for s in spans if s.kind != "fact"]
    return {s.value["code"] for i, s in enumerate(plain) if s.kind == "code" and _removed(plain, i)}


def _negated_before(before: list[Span]) -> bool:
    """'no separate 77003', 'without KX', 'not 20611': the code or modifier is named as left out."""
    return any((x.kind == "cue" and x.value == "negated") or x.text.lower() in W.WITHOUT_WORDS for x in before)


def _same_sentence(spans: list[Span], a: Span, b: Span) -> bool:
    lo, hi = sorted((a.start, b.start))
    return not any(s.kind == "punct" and s.value in (".", "?", "!", ";") and lo <= s.start < hi for s in spans)


def _fact_topics(frames: list[Frame], drafts: list[Any], spans: list[Span]) -> None:
    """'Nothing in the chart about why RFA isn't an option', 'not a candidate for RFA': a procedure named only inside
    the words of a fact about it (vocabulary.yaml `facts`) is that fact's topic, not a procedure done."""
    facts = [s for s in spans if s.kind == "fact" and s.value[0] in TOPIC_FACTS]
    for frame, draft in zip(frames, drafts, strict=True):
        heads = draft.spans("act", "family")
        if frame.status == "done" and heads and all(any(f.start <= h.start and h.end <= f.end for f in facts)
                                                    for h in heads):
            frame.status = "mentioned"


def _drop_unsupported(frames: list[Frame], drafts: list[Any], reading: Reading) -> list[Frame]:
    """A procedure named together with an unsupported one in the same words ('PRP injection into the knee',
    'botox piriformis injection', 'basivertebral nerve ablation') is that procedure: not coded as its neighbour."""
    out = []
    for frame, draft in zip(frames, drafts, strict=True):
        head = draft.chunks[0]
        unsupported = [s for s in head.spans if s.kind == "unsupported"] or (
            [s for s in reading.spans if s.kind == "unsupported" and head.spans and _same_sentence(
                reading.spans, s, head.spans[0])] if not draft.spans("act", "family") else [])
        # "peripheral nerve stimulator trial ... leads near the GON": a site named beside it is its site
        if unsupported:
            reading.unsupported += [s.value for s in unsupported]
            for s in draft.spans("family", "act", "anat", "level", "side", "guide"):
                s.used = True
            continue
        out.append(frame)
    return out


def _same_levels(reading: Reading, spans: list[Span], catalog: Catalog) -> None:
    """'Today the confirmatory MBB, same joints': the levels of an earlier procedure counted in the same unit (MBBs
    before an RFA name the RFA's joints)."""
    if not any(s.text.lower() in ("same joints", "same levels", "same level", "same joint", "same")
               for s in spans if s.kind in ("word", "filler")):
        return
    for frame in reading.done_frames():
        if frame.levels is not None:
            continue
        earlier = next((f for f in reading.frames if f.status != "done" and f.level_names and (
            f.family == frame.family or _same_unit(f.family, frame.family, catalog))), None)
        if earlier is not None:
            frame.level_names, frame.levels = list(earlier.level_names), earlier.levels
            frame.sides = dict(earlier.sides)
            frame.laterality = frame.laterality or earlier.laterality


def _same_unit(a: str | None, b: str | None, catalog: Catalog) -> bool:
    if a is None or b is None:
        return False
    fa, fb = catalog.family(a), catalog.family(b)
    return fa.counts == fb.counts == "levels" and fa.level_unit == fb.level_unit


def _lines(spans: list[Span], catalog: Catalog, past: set[str]) -> list[ClaimLine]:
    """Claim lines written in the question ('99213-25', '64636 x2', '2 units of 64484'); identifiers are not codes,
    nor are the codes of an earlier or planned procedure ('had a TFESI (64483) last week')."""
    lines = []
    plain = [s for s in spans if s.kind != "fact"]
    proposed = _proposed(spans)
    set_aside: set[int] = set()
    for i, s in enumerate(plain):
        if s.kind != "code":
            continue
        before = plain[i - 1].text.lower() if i else ""
        joined = i >= 2 and plain[i - 1].kind == "punct" and plain[i - 1].value in ("+", "&") and \
            id(plain[i - 2]) in set_aside  # "0216T rather than 64493 + 76942": both set aside
        if (_negated_before([x for x in plain[max(0, i - 2):i] if x.kind != "filler"]) and before != "x") or \
                _left_off(plain, i) or joined:
            s.used = True  # "27096 only, no separate 77003": named as not billed
            set_aside.add(id(s))
            continue
        if before in W.IDENTIFIER_WORDS or (s.value["code"] in past and not any(s is p for p in proposed)) or \
                _in_past_clause(plain, i):  # "... a full 99213 note ... already injecting. Do I bill the 99213-25?"
            s.used = True
            if before not in W.IDENTIFIER_WORDS:
                past.add(s.value["code"])
            continue
        units = s.value["units"]
        if i >= 2 and plain[i - 1].text.lower() == "of" and plain[i - 2].kind == "num" and \
                (plain[i - 2].value or {}).get("noun") == "unit":
            units = plain[i - 2].value["n"] or 1
            plain[i - 2].used = True
        try:
            lines.append(ClaimLine(code=s.value["code"], modifiers=tuple(s.value["modifiers"]), units=units))
            s.used = True
        except ValueError:
            continue
    return lines


def proposed_codes(spans: list[Span]) -> set[str]:
    """Codes right after a billing verb ('doc wants to go bilateral and bill 62323-50'): put forward for today's
    claim, even in a clause about what someone plans."""
    return {s.value["code"] for s in _proposed(spans)}


def _proposed(spans: list[Span]) -> list[Span]:
    """The code spans right after a billing verb ('bill 62323-50', 'bill the 99213-25')."""
    plain = [s for s in spans if s.kind not in ("fact", "punct")]
    return [s for i, s in enumerate(plain) if s.kind == "code" and i and (
        plain[i - 1].text.lower() in W.PROPOSE_VERBS or (i > 1 and plain[i - 1].text.lower() in ("the", "a", "it as")
                                                        and plain[i - 2].text.lower() in W.PROPOSE_VERBS))]


def _in_past_clause(plain: list[Span], i: int) -> bool:
    """A code in a clause about the past ('after a 64635', 'yesterday (99213 billed)', 'had 64483 last week')."""
    j = i - 1
    while j >= 0 and not (plain[j].kind == "punct" and plain[j].value in CLAUSE_ENDS):
        if plain[j].kind == "cue" and plain[j].value == "historical" and plain[j].text.lower() not in W.RESULT_CUES \
                and not already_bundled(plain[j], next_content(plain, j)):
            return True
        j -= 1
    k = i + 1
    while k < len(plain) and not (plain[k].kind == "punct" and plain[k].value in CLAUSE_ENDS):
        had = plain[k].text.lower() in W.HAD_WORDS and plain[k - 1].text.lower() in W.SUBJECT_WORDS | W.ADDING
        if plain[k].kind == "cue" and plain[k].value == "historical" and plain[k].text.lower() not in (
                "after", "following") and not had and not already_bundled(plain[k], next_content(plain, k)):
            # not "99214 where she also had new hip pain" (the patient's), nor "27096 already includes the fluoro"
            return True
        if plain[k].kind in ("cue",) and plain[k].value == "present":
            return False
        k += 1
    return False


def _em(drafts: list[Any], reading: Reading, spans: list[Span]) -> EMFrame | None:
    codes = [ln.code for ln in reading.lines if is_em_code(ln.code)]
    visit = any(s.kind == "act" and s.value == "visit" for s in spans)
    for s in spans:
        if s.kind == "act" and s.value == "visit":
            s.used = True
    em_25 = "25" in reading.modifiers or any("25" in ln.modifiers and is_em_code(ln.code) for ln in reading.lines)
    if not codes and not visit and not em_25 and not em_class_named(spans):  # "62323-25" puts 25 on a procedure:
        return None  # no visit is named
    if not codes:  # "level 4 visit": 99214, or 99204 for a new patient
        level = next((int(w) for s in spans if s.kind == "act" and s.value == "visit"
                      for w in s.text.split() if w.isdigit() and 2 <= int(w) <= 5), None)
        new = any(s.kind == "fact" and s.value == ("new_patient", True) for s in spans)
        if level is not None:
            codes = [f"9920{level}" if new else f"9921{level}"]
    return EMFrame(code=codes[0] if codes else None)


def em_class_named(spans: list[Span]) -> bool:
    """'ok to use the new pt codes today?': the visit codes of a kind of patient, put forward for today's visit."""
    for i, s in enumerate(spans):
        if s.kind == "fact" and s.value[0] == "new_patient":
            after = [x.text.lower() for x in spans[i + 1:i + 5] if x.start >= s.end and x.kind != "fact"]
            if after[:1] and after[0] in W.EM_CLASS_NOUNS:
                return True
    return False


def _facts(reading: Reading, spans: list[Span], catalog: Catalog, mentions: list[Frame]) -> None:
    facts, conflicts = pattern_facts(spans)
    more, more_conflicts = payer_and_claim(spans)
    facts.update(more)
    relief_frames = reading.frames
    facts.update(history_facts(spans, reading.done_frames(), relief_frames))
    if "seen_within_three_years" not in facts and (seen := seen_in_group(spans, date.today().year)) is not None:
        facts["seen_within_three_years"] = seen  # "saw dr patel (our group) in 2024"
    _sessions(reading, spans, facts, catalog, mentions)
    mark_distinct_sites(reading, facts)
    reading.conflicts += [f"{name} is stated both ways" for name in conflicts + more_conflicts]
    facts.pop("other_side_too", None)  # read with the sides (read())
    mac = _mac(spans, catalog)
    if mac is not None:
        facts["mac"] = mac
    elif len(macs := _macs(spans, catalog)) > 1:
        facts["macs"] = macs  # "Palmetto (JJ/JM) facet LCD?": the LCDs of each
    if facts.pop("documentation", None):  # "header says bilateral, the body only describes the right"
        reading.conflicts.append("documentation: the note's parts disagree")
    if facts.pop("side_unstated", None) and any(f.laterality is None and f.family and
                                                catalog.family(f.family).sides == "bilateral"
                                                for f in reading.done_frames()):
        reading.conflicts.append("side_unstated: the note names no side")  # "the note never says which side"
    if reading.em is not None:
        reading.em.new_patient = facts.get("new_patient")
        reading.em.separate_problem = facts.get("separate_problem")
    reading.facts = {**reading.facts, **facts}  # "billed_ahead" was read with the question type


def _mac(spans: list[Span], catalog: Catalog) -> str | None:
    """The practice's Medicare contractor named in the question ('CGS Part B pt', 'Noridian JE'): its jurisdiction
    code, when the words name one jurisdiction (the catalog's MAC table decides)."""
    found = _macs(spans, catalog)
    return found[0] if len(found) == 1 else None


def _macs(spans: list[Span], catalog: Catalog) -> list[str]:
    """Every jurisdiction the words name ('Palmetto (JJ/JM)'): what a question about contractors' LCDs asks of."""
    found: set[str] = set()
    for s in spans:
        named = catalog.jurisdictions.all_named_by(s.text.strip()) if s.kind == "word" else []
        if named:
            found.update(named)
            s.used = True
    return sorted(found)


def mark_distinct_sites(reading: Reading, facts: dict[str, Any]) -> None:
    """Procedures of different families done today are at separate sites unless the question says otherwise
    ('same knee'): the fact a 59/XS bypass of a PTP edit rests on."""
    done = reading.done_frames()
    if "distinct_sites" not in facts and len({f.family for f in done}) > 1:
        facts["distinct_sites"] = True


def _sessions(reading: Reading, spans: list[Span], facts: dict[str, Any], catalog: Catalog,
              mentions: list[Frame]) -> None:
    """Sessions already done: 'the 4th ESI this year' (three before), 'had 3 ESIs', a historical frame of the same
    kind as today's procedure (a repeat)."""
    done = reading.done_frames()

    def key(frame: Frame) -> str | None:
        return catalog.family(frame.family or "").session_key(frame.diagnostic) if frame.family else None

    sessions: dict[str, int] = {}
    today = key(done[0]) if done else None
    plain = [s for s in spans if s.kind != "fact"]
    for i, s in enumerate(plain):
        after = plain[i + 1].text.lower() if i + 1 < len(plain) else ""
        if after in ("one", "set") and not (s.kind == "ordinal" and int((s.value or {}).get("n", 0)) >= 3):
            continue  # "first one 90%, second one 60%": earlier blocks listed, not today's place in the series
        if s.kind == "num" and today and i and plain[i - 1].text.lower() in ("had", "'s had", "has had") and \
                (s.value or {}).get("noun") is None and not s.used:
            sessions[today] = max(sessions.get(today, 0), int(s.value["n"]))  # "lumbar ESIs: she's had 4 this year"
            s.used = True
            continue
        skip = int(after == "already" and i + 2 < len(plain) and plain[i + 2].text.lower() == "done")
        after = "done" if skip else after  # "(4 already done since last spring)"
        later = plain[i + 2 + skip] if i + 2 + skip < len(plain) else None
        if s.kind == "num" and today and after == "done" and (s.value or {}).get("noun") is None and not s.used and \
                not (later is not None and (later.text.lower() in ("today", "now") or later.kind in ("level", "side"))):
            sessions[today] = max(sessions.get(today, 0), int(s.value["n"]))  # "5th ESI (4 done since feb)"
            s.used = True
            continue
        beside = [x for x in plain[max(i - 1, 0):i + 2] if x is not s]
        if s.kind == "ordinal" and done and any(_names_other_act(x, done[0], catalog) for x in beside):
            continue  # "RFA ... doc skipped the 2nd block", "MBB #2 only 50%": a block's place in its series
        result = list(takewhile(lambda x: x.kind not in ("family", "act", "punct"), plain[i + 1:i + 4]))
        if s.kind == "ordinal" and any(x.kind == "pct" for x in result):
            continue  # "had 2 MBBs: first 85%, second only 50%": each block's result, not today's place
        if s.kind == "ordinal" and today and (s.value or {}).get("noun") in (None, "session", "injection") and \
                not s.used:
            sessions[today] = max(sessions.get(today, 0), int(s.value["n"]) - 1)  # "the 4th ESI": three before it
            s.used = True
        elif s.kind == "num" and today and i >= 2 and plain[i - 1].text.lower() in W.NUMBER_MARKERS and \
                plain[i - 2].text.lower() in ("session", "injection", "block", "treatment"):
            sessions[today] = max(sessions.get(today, 0), int(s.value["n"]) - 1)  # "TPI session number 4"
            s.used = True
    if today and any(a.text.lower() in ("last", "previous", "prior") and b.text.lower() == "one"
                     for a, b in pairwise(plain)):
        sessions[today] = max(sessions.get(today, 0), 1)  # "therapeutic - last one 5 months ago gave 70%"
    earlier = [k for f in mentions if f.status == "historical" and (k := key(f))]
    repeated = today or (earlier[-1] if earlier else None)  # "had two SIJ blocks. Doc wants a 3rd one"
    for s in spans:
        if s.kind == "cue" and s.value == "repeat" and repeated:
            n = next((v for w, v in vocabulary_of(catalog).ordinals.items() if v >= 2 and w in s.text.lower()),
                     2)  # "a 3rd one"; "repeat": one before
            sessions[repeated] = max(sessions.get(repeated, 0), n - 1)
    def other_region(frame: Frame) -> bool:  # "4 lumbar ESIs this year; today a C6-7 ESI": counted per region
        fam = catalog.family(frame.family or "")
        mine = next((d.region for d in done if d.family == frame.family and d.region), None)
        return fam.session_group == "region" and bool(mine and frame.region) and \
            catalog.registry.code_region(mine) != catalog.registry.code_region(frame.region or "")

    mentioned: dict[str, int] = {}
    for frame in mentions:  # each earlier mention is an earlier session ("RFA in January, the left in February")
        if frame.status == "historical" and (k := key(frame)) and not other_region(frame):
            mentioned[k] = mentioned.get(k, 0) + (frame.count or 1)
    for k, n in mentioned.items():  # "the 2nd block; the first gave 50%": one earlier session, counted once
        sessions[k] = max(sessions.get(k, 0), n)
    counts = [s for s in spans if s.kind == "num" and (s.value or {}).get("noun") == "session"]
    counted = today or (earlier[-1] if earlier else None)  # "MBBs done last month, two sets": two earlier sessions
    if counts and counted:
        sessions[counted] = counts[0].value["n"]
        counts[0].used = True
    if sessions:
        facts["prior_sessions"] = sessions


def _names_other_act(span: Span, frame: Frame, catalog: Catalog) -> bool:
    """A procedure word naming another act than the frame's procedure ('block' beside an RFA)."""
    if span.kind not in ("act", "family") or not frame.family:
        return False
    mine = catalog.family(frame.family)
    if span.kind == "family":
        return span.value != mine.id and catalog.family(span.value).act != mine.act
    return span.value != mine.act


def _results_are_earlier(drafts: list[Any], statuses: list[Status]) -> None:
    """'Diagnostic MBBs: first one 90%, second one 60%. Did RFA right L4-5 today': a procedure whose words report its
    relief, not placed today, beside one placed today (or one planned), was done before."""
    today = [i for i, d in enumerate(drafts) if (statuses[i] == "done" and d.spans("cue") and
             any(s.value == "present" for s in d.spans("cue"))) or (  # "one MBB (95% relief), doc wants RFA"
             statuses[i] == "planned" and (d.family is not None or d.spans("act")) and not _reports_relief(d)) or (
             statuses[i] == "done" and ((d.family is not None and d.family.act == "ablate") or any(
                 s.value == "ablate" for s in d.spans("act"))) and not _reports_relief(d))]
    # "R L5-S1 facet RFA. Only one diagnostic MBB was done (90% relief)", "... MBB x2 with 90% and 85% relief. can we
    # do RFA?": the ablation is what the blocks led to
    for i, draft in enumerate(drafts):
        if statuses[i] == "done" and today and i not in today and _reports_relief(draft) and not any(
                s.value == "present" for s in draft.spans("cue")):
            statuses[i] = "historical"
        elif statuses[i] == "done" and draft.family is None and draft.spans("ordinal") and _reports_relief(draft):
            statuses[i] = "historical"  # "the 2nd block was only 55%": the relief of an earlier block in the series


def _planned_together(drafts: list[Any], statuses: list[Status], spans: list[Span]) -> None:
    """'doc wants to do a C6-7 ILESI and a R L5-S1 TFESI on the same day': the plan word governs every procedure
    joined to the planned one by 'and'; 'same day' then says they share a date, not that it is today."""
    for i in range(1, len(drafts)):
        first, second = drafts[i - 1].chunks[0], drafts[i].chunks[0]
        if statuses[i - 1] != "planned" or statuses[i] != "done" or not first.cues("planned") or \
                any(s.value != "present" or s.text.lower() not in W.SAME_DAY for s in drafts[i].spans("cue")):
            continue
        between = spans[spans.index(first.spans[-1]) + 1:spans.index(second.spans[0])]
        if any(s.text.lower() == "and" for s in between) and all(
                s.kind == "filler" or (s.kind == "punct" and s.value == ",") for s in between):
            statuses[i] = "planned"


def _reports_relief(draft: Any) -> bool:
    """A percent in the draft's words that is not a drug's concentration ('1% lidocaine', 'lido 1%')."""
    def drug(spans: list[Span], j: int) -> bool:
        return 0 <= j < len(spans) and spans[j].kind == "cue" and spans[j].value == "procedure_part"

    return any(s.kind == "pct" and not (drug(c.spans, j + 1) or drug(c.spans, j - 1))
               for c in draft.chunks for j, s in enumerate(c.spans))


def _adopt_earlier(drafts: list[Any], statuses: Sequence[str]) -> None:
    """'First MBB gave 50%. Doc repeated it today as the 2nd diagnostic block, bilateral L4-5 L5-S1': a procedure
    done today whose words name only the act is the earlier procedure of that act, done again. The reverse too:
    'SIJ injection today (2 prior dx blocks)': earlier blocks named only by their act were of today's kind."""
    _adopt(drafts, statuses, source="historical", target="done")
    _adopt(drafts, statuses, source="done", target="historical")


def _adopt(drafts: list[Any], statuses: Sequence[str], source: str, target: str) -> None:
    earlier = {d.family.id: d.family for d, st in zip(drafts, statuses, strict=True)
               if d.family is not None and st == source}
    for draft, status in zip(drafts, statuses, strict=True):
        if draft.family is not None or status != target:
            continue
        acts = {s.value for s in draft.spans("act")}
        same = [f for f in earlier.values() if f.act in acts]
        if len(same) == 1:
            draft.family, draft.candidates = same[0], [same[0].id]




def asked_plan(reading: Reading, catalog: Catalog) -> None:
    """'Only one MBB so far; doc wants to go straight to RFA. Will it be covered?', 'R SIJ injection tomorrow: does
    27096 need KX?': a yes/no question about a planned procedure, with nothing done today and no visit or other
    procedure proposed, asks about that procedure."""
    ahead = {f.family for f in reading.frames if f.status == "planned" and f.family and
             W.FUTURE_WORDS & set(f.words.lower().split())}  # "tomorrow", not "was scheduled ... left before"
    others = [ln for ln in reading.lines if (info := catalog.code(ln.code)) is None or info.family not in ahead]
    billed_today = any(s.kind == "cue" and (s.text.lower() in ("today", "today's") or (
        s.text.lower() == "now" and _billing_before(reading.spans, s))) and not _plan_date(reading.spans, s)
        for s in reading.spans)  # "drop the
    # charges today (now) so they're ready": billing today what is planned for later; not "now doc wants to redo"
    if reading.question_type == "yes_no" and ahead and billed_today and _plan_asked_now(reading, ahead):
        reading.facts["billed_ahead"] = sorted({f.label or "the procedure" for f in reading.frames
                                                if f.family in ahead})
    named = {info.family for ln in reading.lines if (info := catalog.code(ln.code)) is not None}
    called_off = any(s.kind == "cue" and s.value == "negated" for s in reading.spans)  # "... left before the needle"
    for frame in reading.frames:  # "est pt scheduled for her 3 month knee injection ... doc wants 99213-25 + 20610"
        if frame.status == "planned" and frame.family in named and frame.family not in ahead and not called_off and \
                not any(f.family == frame.family for f in reading.done_frames()) and \
                any(p in frame.words.lower() for p in W.VISIT_FOR_WORDS):
            frame.status, frame.today = "done", True
    if reading.question_type != "yes_no" or reading.done_frames() or reading.em is not None or others or \
            billed_today:
        return
    for frame in reading.frames:
        if frame.status == "planned" and frame.family:
            frame.status, frame.today = "done", True




def _plan_asked_now(reading: Reading, ahead: set[str]) -> bool:
    """'Ordered bilat SI injections for next month. Can I put them on today's claim?': the asking sentence points at
    the planned procedure (by name or a pronoun), none of its family done today."""
    if any(f.family in ahead for f in reading.done_frames()):
        return False
    return any(s.text.lower() in W.OBJECT_PRONOUNS or (s.kind == "family" and s.value in ahead)
               for s in asking_sentence(reading.spans))


def _plan_date(spans: list[Span], span: Span) -> bool:
    """'RFA planned for today': the time word dates the plan, it does not bill something else today."""
    before = [s for s in spans[:spans.index(span)] if s.kind != "filler"][-1:]
    return bool(before) and before[0].kind == "cue" and before[0].value == "planned"


def _billing_before(spans: list[Span], span: Span) -> bool:
    """'drop the charge now', 'bill it now': the time word is when to bill, not when the procedure is done."""
    i = spans.index(span)
    return any(x.text.lower() in W.CHARGE_WORDS for x in spans[max(0, i - 4):i])


def _repeat(reading: Reading, spans: list[Span]) -> None:
    """'Had 4 ESIs this year, can we do a fifth?', 'Can we repeat it?': the procedure asked about is another one of
    the earlier kind, done now."""
    cues = [s for s in spans if s.kind == "cue" and s.value == "repeat" and not any(
        _same_sentence(spans, s, o) and o.kind == "cue" and o.value == "mentioned" for o in spans)]
    # not "doc discussed repeating the RFA next year": a plan talked about
    earlier = [f for f in reading.frames if f.status == "historical" and f.family]
    if not cues or not earlier or reading.done_frames():
        return
    again = earlier[-1].model_copy(update={"status": "done", "today": True, "count": None})
    sides = {s.value for s in spans if s.kind == "side" and any(_same_sentence(spans, s, c) for c in cues)}
    if len(sides) == 1 and sides <= {"left", "right"}:  # "RFA left in Feb, right in June; now redo the left side"
        again.laterality, again.sides = sides.pop(), {}
    # "can we just repeat it now without new diagnostic blocks?": the repeat is the procedure; a bare act is not another
    reading.frames = [f for f in reading.frames if not (_bare(f) and f.status == "done")] + [again]
    for s in cues:
        s.used = True


def _earlier_procedure(reading: Reading) -> None:
    """'Seen 6 days after the RFA': on a visit question with a count of days since a procedure, the procedure not
    placed today is the earlier one; with no visit, of two dated procedures the first named is the earlier one."""
    if reading.facts.get("days_since_global_procedure") is None:
        return
    if reading.em is not None:
        for frame in reading.frames:
            if frame.status == "done" and not frame.today:
                frame.status = "historical"
        return
    done = reading.done_frames()  # "RFA on the 3rd. On the 8th the same doc injected the knee": the RFA is earlier
    if len(done) >= 2 and names_a_date(done[0].words) and names_a_date(done[-1].words) and not done[0].today:
        done[0].status = "historical"


def _settle_bare_acts(reading: Reading, catalog: Catalog) -> None:
    """An act with no target ('the injection', 'decided to inject'): on an E/M question it only says a procedure was
    done that day (fact procedure_day); beside procedure codes the codes name it; otherwise it stays unresolved and
    the reader asks which procedure it was."""
    _fold_note_steps(reading, catalog)
    bare = [f for f in reading.frames if _bare(f)]
    named_acts = {a for f in reading.frames if f.family for a in f.acts}
    echoes = [f for f in bare if f.status == "done" and set(f.acts) & named_acts]
    if echoes:  # "the hip injection was postponed. anything to bill for the injection?": the one named, again
        reading.frames = [f for f in reading.frames if f not in echoes]
        bare = [f for f in bare if f not in echoes]
    if not bare:
        return
    coded = any((info := catalog.code(ln.code)) is not None and catalog.family(info.family).procedure
                for ln in reading.lines)
    if reading.em is not None or coded or reading.done_frames():
        if any(f.status == "done" for f in bare) and not coded:
            reading.facts["procedure_day"] = True
        # a bare act planned or called off stays ("RFA planned in 2 wks ... bill both?"): never billed, but asked about
        reading.frames = [f for f in reading.frames if f not in bare or f.status in ("planned", "negated")]


def _bare(frame: Frame) -> bool:
    """An act with no target, site or family of its own ('the injection', 'without new diagnostic blocks')."""
    return frame.family is None and not (frame.level_names or frame.joints or frame.region or frame.target
                                         or frame.candidates)


def _fold_note_steps(reading: Reading, catalog: Catalog) -> None:
    """'Procedure: right cervical MBBs ... Under fluoroscopy needles placed at C3, C4 and C5; 0.3 mL at each level':
    an act with no procedure of its own, in the region of the one procedure done, at levels that procedure names, is
    a step of that procedure (its imaging carried over), not a second one to ask about."""
    named = [f for f in reading.frames if f.family and f.status == "done"]
    if len(named) != 1:
        return
    proc = named[0]
    fam = catalog.family(proc.family or "")
    region = catalog.registry.code_region

    def step(f: Frame) -> bool:
        if f.family is not None or f.status != "done" or f.joints or f.target or f.candidates or not f.acts:
            return False
        if f.region and proc.region and region(f.region) != region(proc.region):
            return False
        return not f.level_names or not proc.level_names or set(f.level_names) <= set(proc.level_names) or \
            fam.counts != "levels"

    steps = [f for f in reading.frames if step(f)]
    for f in steps:
        proc.imaging = proc.imaging or f.imaging
    reading.frames = [f for f in reading.frames if f not in steps]


def _single_shot_catheter(reading: Reading, spans: list[Span], catalog: Catalog) -> None:
    """'Caudal epidural ... a catheter was threaded to L5 ... injected through the catheter, then the catheter was
    removed': a catheter used for one injection and pulled the same day is the technique of that injection, not a
    second procedure (families.yaml `single_shot`)."""
    if not any(s.kind == "cue" and s.value == "single_shot" for s in spans):
        return
    done = [f for f in reading.frames if f.status == "done"]
    shot_of = {fam.id: fam.single_shot for fam in catalog.registry.families.values() if fam.single_shot}
    drop = []
    for frame in done:
        shot = shot_of.get(frame.family or "")
        if frame.family is None and set(frame.acts) == {"catheter"}:
            shot = next((s for s in shot_of.values() if any(f.family == s for f in done)), None)
            if shot is not None:
                drop.append(frame)  # 'threaded a catheter up to L2': how the epidural described was given
        elif shot is not None and any(f.family == shot for f in done):
            drop.append(frame)  # the catheter's injection, already read as the epidural it delivered
        elif shot is not None:
            frame.family, frame.label = shot, catalog.family(shot).label
    reading.frames = [f for f in reading.frames if f not in drop]


def described_in_words(frame: Frame, catalog: Catalog) -> bool:
    """A frame read from the question's words, not from a code alone (frames_from_codes gives those the code as
    their words)."""
    return catalog.code(frame.words) is None


def _coded_only(reading: Reading, catalog: Catalog) -> None:
    """'only L5-S1 was injected - can i bill it as 64494?': a procedure the words do not name but the codes written
    with it do is read from those codes (frames_from_codes), not asked about."""
    for frame in [f for f in reading.frames if f.status == "done" and f.family is None and f.codes]:
        infos = [catalog.code(c) for c in frame.codes]
        families = {i.family for i in infos if i is not None and catalog.family(i.family).procedure}
        if len(families) == 1 and all(i is not None for i in infos):
            reading.frames.remove(frame)


def frames_from_codes(lines: list[ClaimLine], catalog: Catalog, spans: list[Span], grammar: Grammar,
                      existing: list[Frame]) -> list[Frame]:
    """A question that names codes, not procedures ('64493 + 64494 bilateral?'): the procedures the codes stand
    for, with what the words say about them (levels, side, imaging), so the engine can say what the claim should
    be."""
    by_family: dict[str, Frame] = {}
    for line in dict.fromkeys(lines):  # "which line gets the 25, the 20610 or the E/M?": one 20610 named twice
        info = catalog.code(line.code)
        if info is None or not catalog.family(info.family).procedure:
            continue
        if any(f.family == info.family for f in existing):
            continue  # the words describe that procedure (planned, earlier or not done): the code is theirs
        fam = catalog.family(info.family)
        frame = by_family.setdefault(fam.id, Frame(family=fam.id, label=fam.label, words=line.code))
        if info.level:
            extra = line.units if info.level in ("2+",) else 1
            position = {"1": 1, "2": 2, "3+": 3, "2+": 1 + extra}[info.level]
            frame.levels = max(frame.levels or 1, position)
        if info.region:
            frame.region = "cervical" if info.region == "cervical_thoracic" else "lumbar"
        if "50" in line.modifiers:
            frame.laterality = "bilateral"
        elif "RT" in line.modifiers or "LT" in line.modifiers:
            frame.laterality = "right" if "RT" in line.modifiers else "left"
        if "KX" in line.modifiers:
            frame.diagnostic = True
        if info.joint_size:
            frame.joints.append(Joint(name=f"{info.joint_size} joint", size=info.joint_size,
                                      laterality=frame.laterality))
        if info.muscles:
            frame.muscles = max(frame.muscles or 0, 1 if info.muscles == "1-2" else 3)
        if info.target:
            frame.target = info.target
        if info.imaging == "included_us":
            frame.imaging = "ultrasound"
    out = []
    for family, frame in by_family.items():
        words = grammar.attributes(spans, family)
        data = frame.model_dump()
        for key in ("region", "laterality", "imaging", "diagnostic", "target", "muscles", "sides"):
            value = getattr(words, key)
            if key == "region" and data["region"] and value and \
                    catalog.registry.code_region(value) != catalog.registry.code_region(data["region"]):
                continue  # '64483-RT ... visit for a new neck problem': the code names the region, not the visit
            if value not in (None, {}, []):
                data[key] = value
        if words.levels:
            data["levels"], data["level_names"] = words.levels, words.level_names
        if words.joints:
            data["joints"] = [j.model_dump() for j in words.joints]
        one = [s for s in spans if s.kind == "num" and s.value["n"] == 1 and s.value.get("noun") in ("joint", "knee")]
        if one and data.get("laterality") == "bilateral" and len(data["joints"]) <= 1:
            data["candidates"] = ["joints: modifier 50 says both sides, 1 stated"]  # "20610-50 for one knee"
        out.append(Frame.model_validate(data))
    return out


def _levels_from_codes(reading: Reading, catalog: Catalog) -> None:
    """A procedure described without its levels but proposed with level codes ('64494-50 for the second bilateral
    level, with 64493-50 for the first'): the codes say how many levels."""
    for frame in reading.done_frames():
        fam = catalog.family(frame.family or "")
        if fam.counts != "levels" or frame.levels is not None:
            continue
        positions = [{"1": 1, "2": 2, "3+": 3, "2+": 1 + ln.units}[info.level] for ln in reading.lines
                     if (info := catalog.code(ln.code)) is not None and info.family == fam.id and info.level]
        if positions:
            frame.levels = max(positions)


def _attributes_from_codes(reading: Reading, catalog: Catalog) -> None:
    """A procedure described without its guidance or muscle count but proposed only under one code of its family
    ('can I add 76942 to 20611 for the hip inj?', 'TPIs ... 20553 is all we'd bill'): the code says it."""
    for frame in reading.done_frames():
        named = [info for ln in reading.lines
                 if (info := catalog.code(ln.code)) is not None and info.family == frame.family]
        if frame.imaging is None and named and {i.imaging for i in named} == {"included_us"}:
            frame.imaging = "ultrasound"
        if frame.muscles is None and not frame.muscle_names and named and {i.muscles for i in named} == {"3+"}:
            frame.muscles = 3
        targets = {i.target for i in named if i.target}
        if frame.target is None and len(targets) == 1:
            frame.target = targets.pop()  # "bilateral occipital nerve blocks ... 64405-50 right?": the greater

def _proposal_words(reading: Reading, spans: list[Span], vocab: Vocabulary) -> None:
    """Units a question proposes in words: 'twice', 'x2', '2 units', 'per nerve', 'for each level', 'another 62327',
    'one more line for the other side'."""
    plain = [s for s in spans if s.kind != "fact"]
    frame = next(iter(reading.done_frames()), None)
    written = any(s.kind == "code" and s.value.get("units_written") for s in plain)  # "20611-50 x1": units given
    words = " ".join(s.text.lower() for s in plain)
    if frame is not None and not written and vocab.split_units is not None and vocab.split_units.search(words):
        reading.units = 2  # "aspirated then injected - one for the asp and one for the inj?"
        for s in plain:
            if s.kind == "num" and s.text.lower() == "one":
                s.used = True
    for i, s in enumerate(plain):
        nxt = plain[i + 1] if i + 1 < len(plain) else None
        if written and s.kind in ("per", "qty"):
            s.used = True  # "a report for each knee ... 20611-50 x1?": the line says its units
            if s.kind == "per" and nxt is not None and nxt.kind == "again":
                nxt.used = True  # "64636 x2 (one unit per additional joint)": the rate the units follow
            continue
        if s.kind == "code" and nxt is not None and nxt.text.lower() == "s" and nxt.start == s.end and i and (
                plain[i - 1].text.lower() == "both" or (plain[i - 1].kind == "num" and not plain[i - 1].used)):
            before = plain[i - 1]  # "bill both 62321s?", "two 64483s": that many units of the code
            reading.units = 2 if before.text.lower() == "both" else before.value["n"]
            before.used = nxt.used = True
        elif s.kind == "qty":
            reading.units, s.used = int(s.value), True
        elif s.kind == "word" and s.text.lower().startswith("x") and s.text[1:].isdigit():
            reading.units, s.used = int(s.text[1:]), True
        elif s.kind == "num" and (s.value or {}).get("noun") == "unit" and not s.used:
            reading.units, s.used = s.value["n"] or None, True
        elif s.kind == "per" and nxt is not None and i and plain[i - 1].kind == "cue" and \
                plain[i - 1].value == "negated":
            s.used = nxt.used = True  # "once, not per day": the quantity is ruled out, not proposed
        elif s.kind == "per" and nxt is not None and nxt.text.lower() == "of" and (
                each := [x for x in plain[i + 1:i + 5] if x.text.lower() not in ("of", "the")][:2]) and \
                len(each) == 2 and each[0].kind == "num" and each[1].kind == "count" and \
                QUANTITY_PER.get(each[1].text.lower()):
            reading.units = reading.units or each[0].value["n"]  # "62327 for each of the 3 days": three units
            s.used = each[0].used = each[1].used = True
        elif s.kind == "per" and nxt is not None:
            noun = plain[i + 2] if nxt.kind == "anat" and i + 2 < len(plain) and plain[i + 2].kind == "count" else nxt
            word = noun.text.lower().removesuffix("'s")  # "one per genicular branch": the noun after the anatomy
            counted = QUANTITY_PER.get(word) or QUANTITY_PER.get(word.rstrip("s")) or (
                QUANTITY_PER.get(noun.value) if noun.kind == "count" and isinstance(noun.value, str) else None)
            if counted:  # "three times, one per branch": the number said wins over the count it explains
                reading.units = reading.units or max(2, _count(reading, frame, counted, spans) or 2)
                s.used = nxt.used = noun.used = True
        elif s.text.lower() == "both" and i and plain[i - 1].text.lower() in W.BILLING_WORDS and (
                nxt is None or nxt.kind == "punct") and not reading.lines and len(reading.done_frames()) == 1:
            reading.units = reading.units or 2  # "can the doc also do a C6-7 interlaminar ... and bill both?": the
            # one procedure's code twice (two procedures billed are checked line by line)
        elif s.kind == "again":
            code = next((x for x in plain[i + 1:i + 3] if x.kind == "code"), None)
            if code is not None or any(x.text.lower() in ("side", "line", "unit") for x in plain[i + 1:i + 5]):
                reading.units = reading.units or 2
                s.used = True
                if any(x.text.lower() == "side" for x in plain[i + 1:i + 6]):
                    reading.facts["other_side"] = True


def _count(reading: Reading, frame: Frame | None, counted: str, spans: list[Span]) -> int | None:
    if counted == "levels" and frame is not None:
        return frame.levels
    if counted == "muscles" and frame is not None:
        return frame.muscles
    if counted == "joints" and frame is not None:
        return len(frame.joints) or (2 if frame.laterality == "bilateral" else 1)
    if counted == "sides":
        return 2
    nouns = {"nerves": ("nerve",), "injections": ("injection",), "days": ("day",)}.get(counted, ())
    stated = [s.value["n"] for s in spans if s.kind == "num" and (s.value or {}).get("noun") in nouns]
    if stated:
        return stated[0]
    if counted == "nerves" and frame is not None and frame.level_names:
        return len([n for n in frame.level_names if "-" not in n]) or None
    return None






def _second_score(plain: list[Span], i: int) -> bool:
    """'NRS 8 -> 1', 'VAS 7 to 2': the number a pain score fell to, after the score it fell from."""
    j = i - 1 if i and plain[i - 1].text.lower() in ("to", "->", "→", "down to") else i
    return j >= 2 and plain[j - 1].kind == "num" and plain[j - 1].used and plain[j - 2].text.lower() in W.SCORE_WORDS


def _place_numbers(reading: Reading, spans: list[Span], vocab: Vocabulary) -> None:
    """Numbers that carry no billing fact (doses, concentrations, ages, dates, pain scores, list numbers, counts of
    needles or sessions, temperatures, time ago) are placed as such; a number followed by a procedure word counts
    that procedure ('two MBBs')."""
    plain = [s for s in spans if s.kind != "fact"]
    for i, s in enumerate(plain):
        if s.used:
            continue
        nxt = plain[i + 1] if i + 1 < len(plain) else None
        prev = plain[i - 1].text.lower() if i else ""
        if s.kind == "num":
            noun = (s.value or {}).get("noun")
            if noun in W.INFO_NOUNS or noun in ("nerve", "temperature", "frequency", "time", "test", "thing") or \
                    (noun == "unit" and reading.units):
                s.used = True
            elif "." in s.text.strip(".") or (
                    prev == "is" and i >= 2 and plain[i - 2].text.lower() in W.SUBJECT_WORDS) \
                    or prev in W.ATTRIBUTED or (prev in ("pt", "patient") and 12 <= s.value["n"] <= 110) or (
                    prev in ("she's", "he's", "shes", "hes") and 12 <= s.value["n"] <= 110 and noun is None
                    and (nxt is None or nxt.kind == "punct")):
                s.used = True  # "A1c 7.1": a measurement; "pt is 64", "she's 71,": an age; "charge sheet says 3
                # levels": hearsay
            elif any(o.kind in ("family", "act") for o in _next_content(plain, i)):
                s.used = True  # "two MBBs", "4 lumbar ESIs": how many were done (sessions, blocks)
            elif prev in W.SCORE_WORDS or prev in ("level", "levels", "lvl", "grade", "stage", "age", "aged", "line",
                          "mai", "indicator", "or", "day", "pod", "version", "first", "last", "x", "rolling",
                          "other", "not", "locality", "carrier", "jurisdiction", "zip", "region", "prior",
                          "previous", "than") or (
                    prev == "of" and i >= 2 and plain[i - 2].kind in ("num", "ordinal")) or \
                    prev in vocab.vitals or prev in vocab.drugs or prev in vocab.medications or (
                    len(prev) == 1 and i >= 2 and plain[i - 2].text.lower() in vocab.drugs) or (
                    prev in ("was", "is", "of", "at", "=", "was:", "up", "down") and i >= 2  # "glucose was 420"
                    and plain[i - 2].text.lower() in vocab.vitals) or (
                    prev in ("and", ",", "&") and i >= 2 and plain[i - 2].kind == "num" and plain[i - 2].used) or \
                    _second_score(plain, i):
                s.used = True  # "level 3 visit", "MAI 3", "1 unit or 2", "day 5 after", "for levels 3 and 4",
                # "Isovue-M 200"
            elif any(o.kind == "cue" and o.value == "complaint" for o in _next_content(plain, i)):
                s.used = True  # "2-level MRI findings", "3 mo R leg pain": about the complaint, not the service
            elif prev == "(" and nxt is not None and nxt.kind == "punct" and nxt.value == ")":
                s.used = True  # "(1) R knee IA injection ... (2) TPIs": a list number
            elif nxt is not None and nxt.kind == "anat" and s.value["n"] in _sites(reading):
                s.used = True  # "40 mg split among 4 foramina" on a bilateral two-level TFESI: the sites injected
            elif prev == "the" and i >= 2 and plain[i - 2].text.lower() in W.SHARED_AMONG and \
                    s.value["n"] in _sites(reading):
                s.used = True  # "80 mg depo split between the two": the levels named, pointed back to
            elif (nxt is not None and nxt.kind == "purpose") or (i and plain[i - 1].kind == "purpose"):
                s.used = True  # "her 2 diagnostic ones", "2 dx blocks": earlier sessions counted
            elif nxt is not None and nxt.text.lower() in ("global", "day global", "-day"):
                s.used = True  # "(010 global)": the global period named
            elif nxt is not None and nxt.kind == "pct":
                s.used = True  # "60-70% relief": a range
            elif nxt is not None and nxt.text.lower() in vocab.drugs:
                s.used = True  # "40 kenalog", "80 depo-medrol": a dose
            elif nxt is not None and nxt.text.lower() == "of" and i + 2 < len(plain) and plain[i + 2].kind == "num":
                s.used = True  # "4 of 6 provocative tests positive": a tally
            elif (prev in ("as", "=", "equals") or (i and plain[i - 1].kind == "count")) and any(
                    o.kind == "num" and (o.value or {}).get("noun") == "nerve" for o in plain[max(0, i - 4):i - 1]):
                s.used = True  # "counted 3 nerves as 3 levels", "three nerves = three levels": the count disputed
            elif nxt is not None and (nxt.text.lower() in W.CODE_NOUNS or (
                    nxt.text.lower() in W.SEPARATELY_WORDS | {"different"} and i + 2 < len(plain)
                    and plain[i + 2].text.lower() in W.CODE_NOUNS)):
                s.used = True  # "two different codes?": how many codes the question asks about
            elif nxt is not None and nxt.text.lower() in W.PEOPLE_WORDS:
                s.used = True  # "3 pts no-showed", "20 patients today": other patients' day
            elif nxt is not None and nxt.text.lower() in ("more", "others") and any(
                    o.kind == "num" and o.used for o in plain[max(0, i - 12):i]):
                s.used = True  # "3 spots along the nerve (... and 2 more cephalad)": part of a count already given
            elif nxt is not None and nxt.text.lower() in W.CHOICE_WORDS and i + 2 < len(plain) and \
                    plain[i + 2].kind == "num":
                s.used = True  # "1 or 2 codes?": a choice of counts, like "1 unit or 2"
            elif nxt is not None and (nxt.text.lower() in W.AGE_WORDS or (nxt.kind == "punct" and nxt.value == ")"
                                                                         and (i == 0 or prev in (".", ":", ","))) or
                                      (nxt.kind == "punct" and nxt.value == "-" and i + 2 < len(plain)
                                       and plain[i + 2].kind == "pct")):
                s.used = True  # "72F", "1) knee injection", "60-70% relief"
            elif any(x.text.lower() in vocab.vitals for x in plain[max(0, i - 3):i]) and not any(
                    x.kind in ("num", "pct") for x in plain[max(0, i - 3):i]):
                s.used = True  # "HR dropped to 38", "BP came up to 190": a vital sign's value
            elif noun is None and len(s.text) == 4 and 1950 <= s.value["n"] <= 2035:
                s.used = True  # "L4-5 laminectomy 2019": a year
            elif nxt is not None and nxt.kind == "cue" and nxt.value == "negated" and nxt.text.lower().startswith("no"):
                s.used = True  # "2 no-shows today": other patients' visits
            elif nxt is not None and nxt.kind == "side" and nxt.text.lower().startswith("each"):
                s.used = True  # "(3 each side)": injections per side
            elif nxt is not None and nxt.kind == "per" and prev not in ("unit", "units", "x"):
                s.used = True  # "6 lesions (2 per nerve)", "1 cc per level": a technique rate, not a billed count
            elif i == 0 or (plain[i - 1].kind == "punct" and plain[i - 1].value in (".", ":", ";")):
                s.used = nxt is not None and nxt.kind == "punct" and nxt.value in (")", ".")  # "2. right knee"
        elif s.kind == "pct":
            after = {x.text.lower() for x in plain[i + 1:i + 3]}
            scored = any(x.text.endswith("/10") for x in plain[max(0, i - 3):i])  # "post 1/10 (88%)": the result
            improved = any(x.text.lower() in W.PAIN_WORDS for x in plain[max(0, i - 3):i]) and \
                prev in W.IMPROVEMENT_WORDS  # "pain down 60%": how she is doing
            s.used = bool(after & vocab.drugs) or prev in vocab.drugs or prev in vocab.vitals or scored or improved
            # "1% lido", "SpO2 98%": a concentration, a measurement
        elif s.kind in ("per", "again"):
            # "per Medicare", "another problem": not a quantity proposal, nothing to place
            s.used = nxt is None or nxt.kind not in ("count", "anat", "code") or (
                nxt.kind == "count" and nxt.value == "region") or (  # "a 20552 for each area": the regions are named
                nxt.text.lower() in ("time", "visit", "session", "round")) or (  # "3 muscles each time": every session
                nxt.kind == "anat" and nxt.value in vocab.registry.point_targets) or (  # "injected into each TP"
                nxt.kind == "anat" and any(f.laterality == "bilateral" for f in reading.done_frames()))
            # "a needle into each SI joint" on a bilateral procedure: both sides, already read
        elif s.kind == "ordinal":
            s.used = True
        elif s.kind == "vague":  # "several new complaints": not a count of anything billed; nor "multiple
            # injections fanning along the nerve", "multiple TPs in the R trap" (sticks: no code counts them)
            s.used = not any((x.kind in ("anat", "family", "level") and not (
                x.kind == "anat" and x.value in vocab.registry.point_targets)) or (
                x.kind == "count" and x.value in ("level", "joint", "muscle", "nerve"))
                for x in plain[i + 1:i + 4])
        elif s.kind == "anat" and vocab.registry.anatomy[s.value].generic:
            s.used = True  # "the second joint", "these muscles": a reference, not a new site


def _sites(reading: Reading) -> set[int]:
    """How many sites each procedure done reaches: its levels, twice when bilateral."""
    return {(f.levels or 0) * (2 if f.laterality == "bilateral" else 1) for f in reading.frames
            if f.status == "done" and f.levels}


def _next_content(plain: list[Span], i: int) -> list[Span]:
    """The next two spans after i that are not filler, sides, regions or purposes."""
    out = []
    for s in plain[i + 1:i + 5]:
        if s.kind in ("filler", "side", "region", "purpose", "word"):
            continue
        out.append(s)
        if len(out) == 2:
            break
    return out


def _kind(reading: Reading, spans: list[Span], catalog: Catalog) -> str:
    in_scope_codes = [ln for ln in reading.lines if catalog.code(ln.code) is not None]
    unknown_codes = [ln.code for ln in reading.lines if catalog.code(ln.code) is None]
    supported = bool(reading.frames or in_scope_codes or reading.modifiers or reading.em or reading.lookup)
    if any(s.kind == "off_task" for s in spans):
        return "out_of_scope"  # "translate this into Spanish", "write me a poem": not a coding question
    if reading.unreadable:
        return "clarify"
    in_words = [f for f in reading.frames if f.status == "done" and f.family and described_in_words(f, catalog)]
    if reading.unsupported and not in_words:
        return "unsupported"  # "dry needling, can that go out as 20552?": the code proposed for it changes nothing
    if not supported:
        if unknown_codes and not any(s.kind == "oos" for s in spans):  # "97110 x3: the 8 minute rule?" is off topic
            reading.unsupported += [f"code {c}" for c in unknown_codes]
            return "unsupported"
        return "out_of_scope"
    if any(s.kind == "oos" for s in spans) and not in_scope_codes and all(
            f.family is None and not (f.level_names or f.laterality or f.joints or f.target) for f in reading.frames):
        return "out_of_scope"  # "our cardiology group did an RF ablation for afib": an act, nothing of the spine
    asked = asking_sentence(spans)
    cuts = [i for i, s in enumerate(asked) if s.kind == "punct" and s.value == ","]
    asked = asked[cuts[-1] + 1:] if cuts else asked  # the clause that asks
    if any(s.kind == "oos" for s in asked) and not any(s.kind in ("family", "act", "code", "anat", "level", "mod")
                                                        for s in asked):
        return "out_of_scope"  # "pt also got her flu shot after the TFESI - what's the vaccine admin code?"
    if any(c.startswith("documentation") for c in reading.conflicts):
        return "clarify"  # the note disagrees with itself: nothing to look up or bill until it is settled
    if reading.lookup is not None:
        return "lookup"
    undone = not reading.done_frames()  # "what codes for the spine injection yesterday?" asks about that one
    if reading.unplaced or reading.conflicts or any(
            f.family is None and (f.status == "done" or (undone and f.status == "historical")) for f in reading.frames):
        return "clarify"
    done = reading.done_frames()
    if reading.question_type != "yes_no" and (any(_count_unsaid(f, done, catalog) for f in done) or (
            len(done) == 1 and _needs_side(done[0], reading, catalog))):
        return "clarify"
    if _twin_choice(reading, catalog) or _us_docs_unsaid(reading, catalog) or _approach_unsaid(reading, catalog):
        return "clarify"
    return "claim"


def _us_docs_unsaid(reading: Reading, catalog: Catalog) -> bool:
    """'US guided knee injection, code?': 20611 needs a saved image and a report, 20610 is the joint code without
    them; the question says neither, so which code applies is a guess."""
    if reading.question_type != "wh" or "us_permanent_image" in reading.facts or "us_report" in reading.facts:
        return False
    named = {(info.family, info.imaging) for ln in reading.lines if (info := catalog.code(ln.code)) is not None}
    for f in reading.done_frames():
        own = {imaging for family, imaging in named if family == f.family}
        if f.imaging == "ultrasound" and f.family and len(own) != 1 and any(  # "20611 or 20610?" names both
                info.imaging == "included_us" for info in catalog.family_codes(f.family)):
            return True
    return False


def _approach_unsaid(reading: Reading, catalog: Catalog) -> bool:
    """'lumbar ESI at L4-5, what do I code?': a family named only by a broad word ('ESI' is interlaminar or
    transforaminal, coded differently) at a level, with no target of its own: which codes apply is a guess."""
    if reading.question_type != "wh" or reading.lines:
        return False
    for frame in reading.done_frames():
        fam = catalog.family(frame.family) if frame.family else None
        if fam is None or not fam.broad_words or frame.target or not (
                frame.level_names or any(s.kind == "level" for s in reading.spans)) or any(
                s.kind == "anat" and s.value in fam.targets and s.value not in fam.generic for s in reading.spans):
            continue  # "interlaminar ESI", "ESI, caudal approach": the approach is named
        words = [s for s in reading.spans if s.kind == "family" and s.value == frame.family]
        if words and all(s.text.lower() in fam.broad_words for s in words):
            return True
    return False


def _twin_choice(reading: Reading, catalog: Catalog) -> bool:
    """'Is it 62322 or 62323?', 'ILESI at L4-5, codes?': the imaging that decides between a family's guided and
    unguided code is not stated, so which code applies is a guess."""
    if reading.question_type != "wh" or any(s.text.lower() in vocabulary_of(catalog).contrast
                                              for s in reading.spans):
        return False  # contrast spread seen: imaging was used
    infos = [info for ln in reading.lines if (info := catalog.code(ln.code)) is not None]
    codes = {info.code for info in infos}
    for frame in reading.done_frames():
        if frame.imaging is not None or frame.family is None:
            continue
        own = [info for info in infos if info.family == frame.family]
        if any(info.twin in codes for info in own) or (catalog.family(frame.family).imaging == "twin" and not own):
            return True
    return False


def _needs_side(frame: Frame, reading: Reading, catalog: Catalog) -> bool:
    """'L4-5 & L5-S1 facet injections, Cigna - codes?': a procedure billed with 50 when done on both sides, with no
    side named (nor a side modifier written), is one line or a bilateral one: a guess either way."""
    fam = catalog.family(frame.family or "")
    written = any(m in ("50", "RT", "LT") for ln in reading.lines for m in ln.modifiers) or any(
        f.family == frame.family and f.laterality for f in reading.frames)  # "Right knee RFA yesterday ... ablated 3"
    return fam.sides == "bilateral" and fam.counts != "joints" and fam.select != "target" and not frame.joints and \
        frame.laterality is None and not frame.sides and not written and frame.count != 1  # "a single TF": one side


def _count_unsaid(frame: Frame, done: list[Frame], catalog: Catalog) -> bool:
    """A count to ask about: any count of a lone procedure; beside other procedures, the spinal levels ('a TFESI and
    some facet injections, codes?'), which have no default (a muscle count has one, with its own warning)."""
    return _needs_count(frame, catalog) and (len(done) == 1 or catalog.family(frame.family or "").counts == "levels")


def _needs_count(frame: Frame, catalog: Catalog) -> bool:
    """A deciding count the question leaves out with no sensible default: no joint named for a joint injection,
    neither a level nor a region for a spinal procedure counted in levels, no muscle count for trigger points."""
    fam = catalog.family(frame.family or "")
    if fam.counts == "joints":
        return not frame.joints
    if fam.counts == "levels" and frame.levels is None and not frame.level_names:
        return True  # "pt had facet injections today, lumbar", "bilateral lumbar MBB": how many levels is a guess
    if fam.counts == "levels" and fam.select == "region":
        return frame.region is None  # "MBB 2 levels bilateral": cervical/thoracic or lumbar/sacral codes?
    if fam.select == "region":
        return frame.region is None  # an epidural with no region: cervical/thoracic or lumbar/sacral code?
    if fam.counts == "muscles":
        return not frame.muscles
    if fam.select == "target":
        return frame.target is None
    return False


def _questions(reading: Reading, catalog: Catalog) -> list[str]:
    """The questions that would settle what the reader could not place."""
    out: list[str] = []
    for frame in reading.frames:
        if frame.family is None and frame.status == "done":
            options = [catalog.family(c).label for c in frame.candidates if c in catalog.registry.families]
            out.append("Which procedure was done" + (f": {' or '.join(options)}?" if options else
                                                      f" (I read '{frame.words}')?"))
        elif frame.status == "done" and frame.family and reading.question_type != "yes_no" and \
                _count_unsaid(frame, reading.done_frames(), catalog):
            fam = catalog.family(frame.family)
            if fam.counts == "levels" and frame.levels is not None:
                out.append(f"In which spinal region was the {fam.label} done (cervical/thoracic or lumbar/sacral), "
                           "at which levels?")
            else:
                out.append(fam.ask or f"Which {fam.label} was it?")
        elif frame.status == "done" and frame.family and reading.question_type != "yes_no" and \
                len(reading.done_frames()) == 1 and _needs_side(frame, reading, catalog):
            out.append(f"Which side was the {catalog.family(frame.family).label} done on: left, right or both?")
        elif frame.candidates and frame.candidates[0].split(":")[0] in ("levels", "joints", "muscles"):
            what, detail = frame.candidates[0].split(": ", 1)
            out.append(f"How many {what} were treated? The question gives {detail}.")
    if reading.unreadable:
        out.append("I could not read most of this question. Please ask in English and name the procedure, the "
                   "levels or joints, the side, the imaging and the payer.")
    for span in reading.unplaced[:3]:
        out.append(f"I could not place '{span.text}' in the question: what does it refer to?")
    if _twin_choice(reading, catalog):
        out.append(FACT_QUESTIONS["imaging"])
    if _us_docs_unsaid(reading, catalog):
        out.append(FACT_QUESTIONS["ultrasound"])
    if _approach_unsaid(reading, catalog):
        out.append(FACT_QUESTIONS["approach"])
    for conflict in (c for c in reading.conflicts if c.split(":")[0] not in ("levels", "joints", "muscles")):
        name = conflict.split(" ")[0].rstrip(":")
        out.append(FACT_QUESTIONS.get(name, f"The question states {conflict}: which is right?")
                   + ("" if name in ("documentation", "partly", "side_unstated") else
                      " (the question says it both ways)"))
    for name in reading.unsupported:
        out.append(f"'{name}' is outside what this advisor covers; check it against the CPT book and the payer's "
                   "policy.")
    return list(dict.fromkeys(out))


NUMERIC_IDENTIFIERS = frozenset({"DOB", "MRN", "MEMBER", "PHONE", "SSN", "EMAIL"})  # names are only unknown words


def _without_identifiers(text: str) -> str:
    """The text with the patient's identifiers (name, date of birth, MRN, member id, phone, address, email, SSN)
    blanked to spaces of the same length: they are no coding fact ('MRN 4471923' is not code 44719 and 23 units,
    a DOB is not the procedure date), and offsets into the text stay the same."""
    found = [s for s in find_identifiers(text) if s.kind in NUMERIC_IDENTIFIERS]
    if not found:
        return text
    chars = list(text)
    for span in found:
        chars[span.start:span.end] = " " * (span.end - span.start)
    return "".join(chars)


def _after_word(spans: list[Span], span: Span, word: str) -> bool:
    """The word just before `span` (fillers skipped) is `word`."""
    before = [x for x in spans[:spans.index(span)] if x.kind != "filler" or x.text.lower() == word]
    return bool(before) and before[-1].text.lower() == word


__all__ = ["asked_plan", "described_in_words", "finish", "frames_from_codes", "mark_distinct_sites", "read",
           "refused_levels"]

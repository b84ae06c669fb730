"""The grammar: tagged spans become procedure frames, each with its own attributes and status.

A sentence is cut into chunks at commas and coordinators ("and", "plus", "then", "but"...). A chunk with a procedure
word (an act such as "injection" or "RFA", or a family word such as "MBB") heads a frame; so does a chunk naming a
procedural target ("the L4-5 facet", "the left knee") when its sentence has an act to share. Every other chunk lends
its attributes to the frame before it (or after it, at the start of a sentence). Attributes are bound inside a
frame's chunks only, so "bilateral L4-5 facet and a left knee injection" gives each procedure its own side.

Cues of negation and time apply to the frames of their chunk (ConText style): negated, planned, historical or only
mentioned; a present marker ("today") keeps a frame today's despite a historical cue. The family of a frame comes
from its act and targets through the registry (families.yaml `act`, `targets`, `default_for`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, cast

from advisor.reader.levels import level_names, parse_level_token, root_foramen
from advisor.reader.model import Frame, Joint, Laterality, Region, Span, Status
from advisor.reader.words import W
from advisor.rules.registry import Family, Registry

SENTENCE_END = frozenset({".", "?", "!", ";"})
SPINAL_REGIONS = frozenset({"cervical", "thoracic", "lumbar", "sacral"})
STATUS_RANK = {"negated": 4, "planned": 3, "historical": 2, "mentioned": 1}
GUIDE_RANK = {"fluoroscopy": 0, "ct": 0, "ultrasound": 1, "none": 2}  # which guidance a frame takes when several


@dataclass
class Chunk:
    spans: list[Span]
    sentence: int
    location: bool = False  # says where the frame's procedure was done ("R shoulder" after a nerve block)
    called_off: bool = False  # a later sentence that calls the procedure off ("Update: it was not done")

    def of(self, *kinds: str) -> list[Span]:
        return [s for s in self.spans if s.kind in kinds]

    def cues(self, category: str) -> list[Span]:
        return [s for s in self.spans if s.kind == "cue" and s.value == category]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.spans if s.kind != "punct")


@dataclass
class Draft:
    """A frame being built: its chunks (the head chunk first) and, once resolved, its family."""

    chunks: list[Chunk] = field(default_factory=list)
    family: Family | None = None
    candidates: list[str] = field(default_factory=list)
    shared_act: Span | None = None
    anchored: bool = False  # named elsewhere as today's Nth ("2nd ESI this yr, the first gave 70%. ... TFESI ...")

    def spans(self, *kinds: str) -> list[Span]:
        return [s for c in self.chunks for s in c.of(*kinds)]


def sentences(spans: list[Span]) -> list[list[Span]]:
    """The spans by sentence; 'Update:' opens one even without a full stop before it ('..., commercial plan Update:
    the patient left before the procedure')."""
    out: list[list[Span]] = [[]]
    plain = [s for s in spans if s.kind != "fact"]  # facts overlay the words; they are read separately
    for i, s in enumerate(plain):
        if out[-1] and s.text.lower() in W.UPDATE_WORDS and i + 1 < len(plain) and plain[i + 1].kind == "punct" and \
                plain[i + 1].value in (":", "-"):
            out.append([])
        out[-1].append(s)
        if s.kind == "punct" and s.value in SENTENCE_END:
            out.append([])
    return [x for x in out if x]


def _is_separator(span: Span) -> bool:
    return (span.kind == "punct" and span.value in (",", "+", "&")) or (
        span.kind in ("word", "filler") and span.text.lower() in W.SEPARATOR_WORDS) or (
        span.kind == "cue" and span.value == "neutral" and span.text.lower() == "then")  # "one MBB ... then RFA"


def chunks_of(sentence: list[Span], index: int) -> list[Chunk]:
    out: list[Chunk] = [Chunk([], index)]
    for at, s in enumerate(sentence):
        if _is_separator(s) or (s.kind == "punct" and s.value == "(" and _has_head(out[-1]) and
                                _earlier_aside(sentence, at)) or _result_clause(sentence, at) or (
                _has_head(out[-1]) and _counted_after_colon(sentence, at)):
            if out[-1].spans:  # "SI joint injections under fluoro (last one gave 70%)": the aside is a chunk
                out.append(Chunk([], index))
            continue
        predicate = s.kind == "cue" and s.value == "planned" and (s.text.lower().split()[0] in W.COPULAS or (
            at > 0 and sentence[at - 1].text.lower() in W.COPULAS))
        if s.kind == "cue" and (s.value in ("negated", "historical", "planned") or s.text.lower() in W.SAME_DAY) and \
                _has_head(out[-1]) and not predicate:
            out.append(Chunk([], index))  # "the TFESI, not the facet", "RFA after two MBBs": the cue opens a chunk,
            # but not "TPI was planned for the L trap": what the procedure was
        if s.kind == "punct" and s.value == ")" and not _has_head(out[-1]) and out[-1].cues("mentioned"):
            out.append(Chunk([], index))  # "(..., MRI ordered) on the day of the ESI": the aside ends there
            continue
        out[-1].spans.append(s)
    return [c for c in out if c.spans]


def _patient_had(draft: Draft, cue: Span) -> bool:
    """'had' in a later chunk with no procedure, site, level or number of its own: something the patient had."""
    chunk = next(c for c in draft.chunks if any(x is cue for x in c.spans))
    return chunk is not draft.chunks[0] and not _has_head(chunk) and \
        not chunk.of("anat", "level", "pct", "num", "ordinal")


def _counted_after_colon(sentence: list[Span], at: int) -> bool:
    """'therapeutic facet IA injections for a medicare pt: 2 dx blocks (85%, 90%)': a colon before a count of
    procedures opens a chunk about those (earlier) procedures."""
    after = [s for s in sentence[at + 1:at + 4] if s.kind != "filler"]
    return sentence[at].kind == "punct" and sentence[at].value == ":" and len(after) >= 2 and \
        after[0].kind == "num" and after[1].kind in ("purpose", "act", "family")


def _result_clause(sentence: list[Span], at: int) -> bool:
    """'... mentioned R knee OA flare so doc injected the R knee': 'so' opens a clause with its own act."""
    if sentence[at].text.lower() != "so":
        return False
    after = [s for s in sentence[at + 1:at + 4] if s.kind != "filler"]
    return bool(after) and after[0].kind in ("act", "family")


def _month(word: str) -> bool:
    """'november', 'nov' (the span keeps the words as written; the tagger read 'nov' as November)."""
    return len(word) >= 3 and any(m.startswith(word) for m in W.MONTHS)


def _earlier_aside(sentence: list[Span], at: int) -> bool:
    """The parenthesis opened at `at` reports on an earlier procedure ('(last one gave 70% improvement)')."""
    inside = []
    for s in sentence[at + 1:]:
        if s.kind == "punct" and s.value == ")":
            break
        inside.append(s)
    return any(s.kind == "cue" and s.value == "historical" for s in inside)


def _has_head(chunk: Chunk) -> bool:
    return bool(chunk.of("family", "act"))


class Grammar:
    """Builds frames for one question from its spans, with the registry's families and anatomy."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.called_off = frozenset(str(w).lower() for w in registry.vocabulary["cues"]["called_off"])
        self.point_targets = registry.point_targets
        self.anatomy = registry.anatomy

    # --- chunking into frames ---------------------------------------------------------------------------------------

    def drafts(self, spans: list[Span]) -> list[Draft]:
        drafts: list[Draft] = []
        mentioned: list[Span] = []  # anatomy named as a complaint, which a later "it" or "the bursa" may point to
        sides_of: dict[int, list[Span]] = {}  # the sides named with it
        said_in: dict[int, int] = {}  # and the sentence it was named in
        leading: list[Chunk] = []  # "R knee prepped. US used; needle into the suprapatellar pouch": the set-up
        said = list(sentences(spans))
        found: list[Chunk] = []  # muscles named as exam findings ("taut bands in the R trapezius")
        for index, sentence in enumerate(said):
            chunks = chunks_of(sentence, index)
            # acts a target without its own may share; not one the question negates ("not a facet injection, it
            # was a transforaminal")
            sentence_acts = [s for c in chunks if not c.cues("negated") for s in c.of("act", "family")]
            pending: list[Chunk] = []
            current: Draft | None = None
            listed = False  # the chunk before was a complaint or finding, which a bare list of sites continues
            for at, chunk in enumerate(chunks):
                for a in self._indicated_sites(chunk):  # "ILESI for a separate new knee problem": not the site
                    chunk.spans.remove(a)
                    a.used = True
                    mentioned += [a] if self._procedural(a) else []
                if self._mention_only(chunk) or (at and listed and chunk.of("level", "anat") and all(
                        s.kind in ("side", "level", "anat", "filler", "punct", "word") or _point_count(chunk, s)
                        for s in chunk.spans)):
                    listed = True  # "Pre-op dx: lumbar radiculopathy, R L5.", "taut bands in the R trap, R levator
                    # (1 point)"
                    for a in chunk.of("anat", "level"):
                        a.used = True  # "examined the shoulder", "L5 radiculopathy": mentioned, not a procedure site
                    if any(self._own_muscle(a) for a in chunk.of("anat")):
                        found.append(chunk)
                    mentioned += [a for a in chunk.of("anat") if self._procedural(a)]
                    sides_of.update({id(a): chunk.of("side") for a in chunk.of("anat")})
                    said_in.update({id(a): index for a in chunk.of("anat")})
                    continue
                listed = False
                bare = not chunk.of("anat")
                if mentioned and chunk.of("act") and not chunk.of("family", "level") and not (
                        bare and current is not None and self._same_act(chunk, current)) and (
                        (bare and any(s.text.lower() in ("it", "them", "that", "there") for s in chunk.spans))
                        or self._points_back(chunk, mentioned[-1])
                        or (bare and said_in.get(id(mentioned[-1])) == index)):  # "OA both knees, injected bilat"
                    chunk.spans += [mentioned[-1], *(x for x in sides_of.get(id(mentioned[-1]), [])
                                                     if not chunk.of("side"))]  # "examined the knee... inject it"
                if current is not None and self._more_muscles(chunk, current):
                    current.chunks.append(chunk)  # "TPIs ... for the R trap and R levator": more muscles of it
                    continue
                if current is not None and self._location(chunk, current):
                    chunk.location = True  # "suprascapular nerve block, R shoulder": where, not another joint
                    current.chunks.append(chunk)
                elif current is not None and self._other_side(chunk, current):
                    drafts.append(Draft(chunks=[chunk], shared_act=_nearest(sentence_acts, chunk) or
                                        next(iter(current.spans("act", "family")), None)))
                elif self._heads(chunk, bool(sentence_acts)):
                    current = Draft(chunks=[chunk, *pending])
                    if not chunk.of("act", "family"):
                        current.shared_act = _nearest(sentence_acts, chunk)
                    pending = []
                    drafts.append(current)
                elif current is not None and not self._other_time(chunk, current) and not (
                        chunk.of("level") and _visit_only(current)) and not _side_for_next(chunk, chunks[at + 1:]):
                    current.chunks.append(chunk)  # not "the visit the same day as the R L4-5 + ...", "R + L trap"
                else:
                    pending.append(chunk)  # "RFA next week, today only the left L4-5 and L5-S1 MBBs"
            found += [c for c in pending if any(self._own_muscle(a) for a in c.of("anat")) and not c.of(
                "act", "family", "level", "code") and not any(c.cues(k) for k in ("negated", "planned", "historical"))]
            # "Muscles: L trapezius (3 sites), L splenius capitis (2 sites)": the muscles of the procedure named before
            if not drafts:
                leading = self._leading(leading, chunks, pending, index)
            elif leading and drafts[0].chunks[0].sentence == index:
                site = {a.value for a in drafts[0].spans("anat")}
                if all({a.value for a in c.of("anat")} <= site for c in leading):
                    drafts[0].chunks += leading
                leading = []
            named = {a.value for d in drafts if d.chunks and d.chunks[0].sentence == index - 1  # "L knee aspiration
                     for a in d.spans("anat")}  # and injection. US used to see the suprapatellar recess": the knee
            asks = bool(sentence) and sentence[-1].kind == "punct" and sentence[-1].value == "?"
            attributes = [c for c in pending if not c.of("code") and (  # "2 knee injections. R knee under US, ..."
                not c.of("anat") or {a.value for a in c.of("anat")} <= named) and not (
                asks and not c.of("side", "guide", "level", "anat", "num", "purpose", "region"))]
            # a question adds what it names, not its time words ("SI RFA next month. Can I drop the charge now?")
            about_else = any(self._mention_only(c) for c in chunks)  # "mentioned back pain, nothing done for it"
            called_off = [c for c in attributes if c.cues("negated") and any(
                s.text.lower() in W.PROCEDURE_NOUNS for s in c.spans)]
            if called_off and current is None and not about_else:
                for chunk in called_off:
                    chunk.called_off = True
                for draft in drafts:  # "Update: the patient left before the procedure, so it was not done."
                    draft.chunks += called_off
            elif attributes and current is None and not about_else and drafts and \
                    _follows(drafts[-1].chunks[0].sentence, index, said) and not _another_one(attributes) and \
                    not any(c.cues("repeat") for c in attributes) and \
                    not any(x.kind == "wh" for x in sentence):  # "what code goes on today's claim?" asks, adds nothing
                # a sentence that only adds attributes ("Under fluoro.") lends them to the previous sentence's frame
                drafts[-1].chunks += attributes
        self._found_muscles(drafts, found)
        return _fold_bare_acts(drafts, self.called_off, self.registry)

    def _found_muscles(self, drafts: list[Draft], found: list[Chunk]) -> None:
        """'Procedure: trigger point injections. Palpated taut bands in the R splenius capitis and R upper trapezius':
        a trigger point procedure that names no muscle of its own was done in the muscles the exam found."""
        points = [d for d in drafts if self._names_points(d)]
        if found and points and not any(self._own_muscle(a) for d in points for a in d.spans("anat")):
            points[0].chunks += found

    def _more_muscles(self, chunk: Chunk, current: Draft) -> bool:
        """A chunk of only sides and muscles after a trigger point procedure names more of its muscles."""
        return self._names_points(current) and bool(chunk.of("anat")) and all(
            self._own_muscle(a) for a in chunk.of("anat")) and all(
            s.kind in ("side", "anat", "filler", "punct") for s in chunk.spans)

    def _names_points(self, draft: Draft) -> bool:
        """The draft names a trigger point procedure (a muscle-counting family or its general target)."""
        shared = [draft.shared_act] if draft.shared_act is not None and draft.shared_act.kind == "family" else []
        return any(a.value in self.point_targets for a in draft.spans("anat")) or any(
            self.registry.families[f.value].counts == "muscles" for f in [*draft.spans("family"), *shared])

    def _own_muscle(self, span: Span) -> bool:
        return span.kind == "anat" and self._own_muscle_id(span.value)

    def _own_muscle_id(self, anatomy_id: str) -> bool:
        """A muscle by its own name: not 'muscles' nor 'trigger point' (what a muscle-counting family targets)."""
        anat = self.anatomy.get(anatomy_id)
        return anat is not None and anat.kind == "muscle" and not anat.generic and anatomy_id not in self.point_targets

    def _same_act(self, chunk: Chunk, current: Draft) -> bool:
        """'... did the L4-5 medial branch block, first block': a bare act that the procedure being described
        performs is more words about it, not the complaint named earlier."""
        acts = {s.value for s in current.spans("act")} | {self.registry.families[f.value].act
                                                           for f in current.spans("family")}
        return {s.value for s in chunk.of("act")} <= acts

    def _leading(self, leading: list[Chunk], chunks: list[Chunk], pending: list[Chunk], index: int) -> list[Chunk]:
        """Set-up sentences before the first procedure sentence of an op note ('Right knee prepped.', 'Real-time
        ultrasound used;'): a side, a joint or guidance and nothing else (no level, code, count or question). They
        lend those to the procedure the next sentence names; any other sentence in between breaks the run."""
        setup = bool(pending) and len(pending) == len(chunks) and all(
            c.of("side", "anat", "guide") and not c.of("level", "code", "num", "wh", "mod", "claim", "payer")
            and not any(c.cues(cue) for cue in ("negated", "planned", "historical")) and all(
                self._procedural(a) and self.anatomy[a.value].kind == "joint" for a in c.of("anat"))
            for c in pending)
        if not setup:
            return []
        return [c for c in leading if c.sentence == index - 1 or c.sentence == index - 2] + pending

    @staticmethod
    def _other_time(chunk: Chunk, current: Draft) -> bool:
        """A chunk placed today after a procedure placed at another time (or the reverse) starts the words of the
        next procedure, not more words about this one."""
        mine = {s.value for s in current.spans("cue")} & {"planned", "historical", "present"}
        theirs = {s.value for s in chunk.of("cue") if s.text.lower() not in W.RESULT_CUES} & {
            "planned", "historical", "present"}  # "L5-S1 (the first set gave 85%)" still names today's levels
        return bool(mine and theirs) and (("present" in theirs) != ("present" in mine))

    def _points_back(self, chunk: Chunk, earlier: Span) -> bool:
        """'L olecranon bursitis. Aspirated the bursa': a generic target of the same class as anatomy named before
        (the bursa, the joint) is that anatomy."""
        anat = [self.anatomy.get(a.value) for a in chunk.of("anat")]
        named = self.anatomy.get(earlier.value)
        return bool(anat) and named is not None and all(a is not None and a.generic and a.kind == named.kind
                                                        for a in anat)

    def _location(self, chunk: Chunk, current: Draft) -> bool:
        """A joint named after a nerve, spinal or muscle procedure, with no act of its own, says where that procedure
        was done ("suprascapular nerve block, R shoulder"; "TPIs in the neck, upper back and hip")."""
        if chunk.of("act", "family", "code") or not chunk.of("anat"):
            return False  # "TPI 2 muscles and L knee 20610": a site with its own code is its own procedure
        kinds = {self.anatomy[a.value].kind for a in chunk.of("anat") if a.value in self.anatomy}
        head = {self.anatomy[a.value].kind for a in current.spans("anat") if a.value in self.anatomy
                and not self.anatomy[a.value].generic}
        named = {self.registry.families[f.value].act for f in current.spans("family")}
        return kinds == {"joint"} and bool(head - {"joint"} or (named and not head))

    def _other_side(self, chunk: Chunk, current: Draft) -> bool:
        """'Right side is scheduled for next week' after a left-side procedure: the same procedure, on the other
        side, with its own status; not an attribute of the one done today."""
        status = [s for s in chunk.of("cue") if s.value in ("planned", "negated", "historical")]
        if chunk.of("act", "family", "anat") or not status:
            return False
        side = self._laterality(Draft(chunks=[chunk]))
        mine = self._laterality(current)
        return side is not None and mine is not None and side != mine and "bilateral" not in (side, mine)

    def _heads(self, chunk: Chunk, sentence_has_act: bool) -> bool:
        """A procedure word heads a frame; so does a procedural target when its sentence has an act to share
        ("the knee and the shoulder were injected"), and a spinal or nerve target even alone ("L5-S1 facet R",
        "a bilateral caudal": coders name these procedures by their target)."""
        if chunk.of("family", "act"):
            return True
        if self._mention_only(chunk):
            return False
        kinds = {self.anatomy[a.value].kind for a in chunk.of("anat") if self._procedural(a)}
        today = bool(chunk.cues("present"))  # "Today we did the left knee": a site named for today's procedure
        spinal_site = chunk.of("level") and any(self.anatomy[a.value].kind == "spine" for a in chunk.of("anat")
                                                if a.value in self.anatomy)  # "C6-7 epidural"
        single = chunk.cues("single_shot") and any(self.anatomy[a.value].kind == "spine" for a in chunk.of("anat")
                                                    if a.value in self.anatomy)  # "single shot lumbar epidural"
        return bool(kinds & {"spine", "nerve"}) or bool(spinal_site) or bool(single) or (
            (sentence_has_act or today) and bool(kinds))

    def _procedural(self, span: Span) -> bool:
        anat = self.anatomy.get(span.value)
        return anat is not None and not anat.generic and anat.kind in ("spine", "joint", "muscle", "nerve")

    def _indicated_sites(self, chunk: Chunk) -> list[Span]:
        """Anatomy a complaint word follows ("ILESI ... a new shoulder problem", "knee swelling") that no procedure
        named in the chunk targets: where the complaint is, not where the needle went."""
        named = [self.registry.families[s.value] for s in chunk.of("family")]
        if not named:
            return []
        out = []
        for i, s in enumerate(chunk.spans):
            after = next((x for x in chunk.spans[i + 1:] if x.kind not in ("filler", "side")), None)
            if s.kind == "anat" and s.value in self.anatomy and after is not None and after.kind == "cue" and \
                    after.value == "complaint" and all(self._target_match(f, {s.value}) == (0, 0) for f in named):
                out.append(s)
        return out

    @staticmethod
    def _mention_only(chunk: Chunk) -> bool:
        """Anatomy named as a complaint or exam finding ("knee pain", "examined the shoulder"), no procedure word.
        Sites named before the indication ("and T9 for rib fx pain") are where the procedure was done."""
        if chunk.of("act", "family"):
            return False
        if chunk.cues("mentioned"):
            return True
        complaints = chunk.cues("complaint")
        if not complaints:
            return False
        first = chunk.spans.index(complaints[0])
        sites = [i for i, s in enumerate(chunk.spans) if s.kind in ("anat", "level")]
        return not (sites and min(sites) < first and any(  # "R rhomboid (3 muscles) for separate myofascial pain"
            s.text.lower() in W.INDICATION_WORDS for s in chunk.spans[min(sites):first]))

    # --- family ---------------------------------------------------------------------------------------------------

    def resolve(self, draft: Draft) -> None:
        """The family the draft's act and targets name; candidates when they tie or nothing fits."""
        words = draft.spans("family")
        acts = {s.value for s in draft.spans("act")} | ({draft.shared_act.value} if draft.shared_act and
                                                        draft.shared_act.kind == "act" else set())
        named = [self.registry.families[s.value] for s in words]
        if draft.shared_act is not None and draft.shared_act.kind == "family":
            named.append(self.registry.families[draft.shared_act.value])
        if any(s.value == "single_shot" for s in draft.spans("cue")):  # one bolus, catheter pulled the same day
            named = [self.registry.families[f.single_shot] if f.single_shot else f for f in named]
        own = {s.value for c in draft.chunks if not c.location for s in c.of("anat")
               if s.value in self.anatomy and not self.anatomy[s.value].generic}
        for fam in [f for f in named if f.targets and not own & set(f.targets) and own and all(
                self.anatomy[t].generic or t in f.generic for t in f.targets)]:
            named.remove(fam)  # "intra-articular facet joint injections": the facet names it, not "joint injections"
            acts.add("inject")
        implied: set[str] = set()
        joint_levels = any(s.value.get("joints") for s in draft.spans("level"))
        for fam in [f for f in named if f.targets and not own and joint_levels and all(
                self.anatomy[t].at_level for t in f.targets)]:
            named.remove(fam)  # "Right L4-5 intra-articular injection": the joint at a spinal level is the facet
            implied |= {self.anatomy[t].at_level or "" for t in fam.targets}
            acts.add("inject")
        for s in words:  # "b/l GNB (greater occipital)": the nerve named decides what the shared shorthand meant
            fam = self.registry.families[s.value]
            near = set(fam.targets) | {a.near for t in fam.targets if (a := self.anatomy.get(t)) and a.near}
            if s.text.lower() in fam.shared_words and own and not own & near and fam in named:
                named.remove(fam)
                acts.add(fam.act)
        acts |= {f.act for f in named}
        acts.discard("visit")  # "put 57 on the E/M when the doc decides to do RFA": the visit is the E/M's
        if "catheter" in acts and any(s.value == "single_shot" for s in draft.spans("cue")):
            acts = (acts - {"catheter"}) | {"inject"}
        vague = any(s.text.lower() in W.VAGUE_NOUNS and _next_word(c, s) not in W.CODE_NOUNS | W.ENDED_WORDS
                    for c in draft.chunks if not c.called_off
                    for s in c.of("count", "word"))  # "a genicular procedure", "the SI thing"
        if not acts and not vague:
            acts = {"inject"}  # "L5-S1 facet R": a target named alone was injected; "a genicular procedure" is open
        targets = {s.value for c in draft.chunks if not c.location for s in c.of("anat")} | implied
        kinds = {self.anatomy[t].kind for t in targets if t in self.anatomy}
        if "nerve" in kinds and "joint" in kinds:  # "suprascapular nerve block R shoulder": the joint says where
            targets = {t for t in targets if t not in self.anatomy or self.anatomy[t].kind != "joint"}
        if not named and kinds == {"joint"} and any("nerve" in s.text.lower() for s in draft.spans("act")):
            draft.candidates = [f.id for f in self.registry.families.values()
                                if f.procedure and f.act in ("inject", "aspirate") and any(
                                    (a := self.anatomy.get(t)) is not None and (
                                        a.near in targets or t in targets or (a.generic and a.kind == "joint"))
                                    for t in f.targets)]
            return  # "nerve block for her knee pain": which of the knee's nerves is not said
        targets |= {(f.generic or f.targets or ("",))[0] for f in named if f.targets}
        has_levels = bool(draft.spans("level")) or any(
            (s.value or {}).get("noun") == "level" for s in draft.spans("num", "ordinal")) or any(
            s.value in SPINAL_REGIONS for s in draft.spans("region"))
        specific_targets = {t for t in targets if t in self.anatomy and not self.anatomy[t].generic}
        scored: list[tuple[tuple[int, int, int, int], str]] = []
        for fam in self.registry.families.values():
            if not fam.procedure or not fam.targets:
                continue
            act_ok = fam.act in acts or (fam.act == "aspirate" and "inject" in acts) or (
                fam.act == "inject" and "aspirate" in acts and "joint" in fam.targets)
            specific, generic = self._target_match(fam, targets)
            word = sum(1 for f in named if f.id == fam.id)
            default = 1 if (fam.default_for == "levels" and has_levels and not specific_targets) else 0
            if not act_ok and not word:
                continue
            if specific or generic or word or default:
                scored.append(((specific, word, generic + default, int(act_ok)), fam.id))
        scored.sort(reverse=True)
        if not scored:
            draft.candidates = []
            return
        best = scored[0][0]
        tied = [fid for score, fid in scored if score == best]
        if len(tied) == 1:
            draft.family = self.registry.families[tied[0]]
        draft.candidates = [fid for _, fid in scored[:4]]

    def _target_match(self, fam: Family, targets: set[str]) -> tuple[int, int]:
        """(specific, generic) matches of a frame's anatomy against a family's targets: the same anatomy id is
        specific unless the family calls it generic; anatomy of a class the family lists by its generic id (any
        joint, any muscle) matches generically."""
        specific = generic = 0
        for t in targets:
            anat = self.anatomy.get(t)
            if anat is None:
                continue
            if t not in fam.targets and anat.kind == "spine" and anat.part_of in fam.targets:
                t = anat.part_of  # "needle to the SAP/TP junction at L4": the medial branch's landmark
            if t in fam.targets:
                if t in fam.generic or anat.generic:
                    generic += 1
                else:
                    specific += 1
            elif t in fam.shared_targets:
                generic += 1  # "SI RFA ... and the L5 dorsal ramus": a nerve the facet procedures name too
            elif any(self.anatomy[g].generic and self.anatomy[g].kind == anat.kind for g in fam.targets
                     if g in self.anatomy):
                specific += 1 if anat.kind in ("joint", "muscle") else 0
        return specific, generic

    # --- status ----------------------------------------------------------------------------------------------------

    def status(self, draft: Draft, lone: bool) -> Status:
        """Negated, planned, historical or only mentioned, from the cues of the frame's chunks. Cues in a chunk the
        frame only borrows attributes from do not move a procedure the head chunk places today or repeats ("Repeat
        TFESI, the prior one gave 30% relief"), nor does a chunk that reports an earlier result."""
        head = draft.chunks[0]
        procedure_words = [(c, s) for c in draft.chunks for s in c.of("act", "family")]
        if procedure_words and all(_next_word(c, s) in W.CODE_NOUNS | W.RULE_NOUNS for c, s in procedure_words) and \
                not draft.spans("level", "side"):  # "right C5-6 C6-7 TFESI codes" describes one
            for c in draft.chunks:
                for s in c.of("cue"):
                    s.used = True
            return "mentioned"  # "is the knee major for the arthrocentesis codes?": a code family, not a service
        ordinal = draft.anchored or any((s.kind == "ordinal" and (s.value or {}).get("n", 0) >= 2) or (  # "the 5th"
            s.kind == "num" and i and head.spans[i - 1].text.lower() in W.NUMBER_MARKERS)
            for i, s in enumerate(head.spans))
        visit_dates = {id(s) for s, nxt in pairwise(head.spans) if nxt.kind == "act" and nxt.value == "visit"}
        anchored = ordinal or any(s.kind == "cue" and s.value in ("present", "repeat") and id(s) not in visit_dates
                                  for s in head.spans)  # "2nd MBB, the 1st ..."; not "at today's visit the doc ordered"
        cues = [s for c in draft.chunks for s in c.of("cue")
                if (c is head or c.called_off or s.text.lower() in self.called_off
                    or (s.value == "negated" and not _has_head(c) and not c.of("anat", "level", "side"))
                    or not (anchored or ((c.of("pct") or _in_aside(c, s)) and s.value == "historical"
                                         and self._own_subject(c))))
                and not (s.text.lower() in W.RESULT_CUES and not c.of("pct"))]
        present = any(s.value == "present" for c in draft.chunks if not c.cues("negated") for s in c.of("cue")
                      if s in cues)  # "nothing done today" does not place the earlier injection today
        found: Status = "historical" if _results_counted(head) else "done"  # "(criteria met, 2 positive MBBs)"
        for s in [s for c in draft.chunks for s in c.of("cue")]:
            s.used = True
        for s in cues:
            category = s.value
            if category not in STATUS_RANK:
                continue
            if category == "historical" and (present or (lone and s.text.lower() in W.SEQUENCE_CUES)):
                continue
            if category == "historical" and ordinal and (any(s.text.lower().startswith(o + " ")
                                                             for o in W.WINDOW_OPENERS) or _in_aside(head, s) or
                                                         _month(s.text.lower().removeprefix("in "))):
                continue  # "this is the 5th SIJ session in the last 12 mo (each gave 60%)": today's, in the window
            if category == "historical":
                spans_of = next(c for c in draft.chunks if s in c.spans).spans
                after = next_content(spans_of, spans_of.index(s))
                other = next_content(spans_of, spans_of.index(s), skip=("filler", "word"))
                if already_bundled(s, after) or (other is not None and other.kind == "oos"):
                    continue  # "fluoro is already bundled in 64635": how the code is built, not when it was done;
                    # "s/p (inguinal) hernia repair": when another operation was
            if category == "historical" and s.text.lower() in W.HAD_WORDS and _patient_had(draft, s):
                continue  # "(pt had a vasovagal episode after the right)": what happened to the patient, not when
            if category == "historical" and lone and s.text.lower() == "had" and not any(
                    c.value == "historical" and c.text.lower() != "had" for c in cues):
                continue  # "pt had L5-S1 ILESI w/ fluoro, cpt?": what the patient had today
            if category == "negated" and not self._negates(draft, s):
                continue
            if category == "planned" and _relative_plan(draft, s):
                continue  # "plus the right L4-5 TFESI he was scheduled for.": the plan it was, done now
            if STATUS_RANK[category] > STATUS_RANK.get(found, 0):
                found = category
        return found

    @staticmethod
    def _own_subject(chunk: Chunk) -> bool:
        """'the prior one gave 30%', 'the last ESI helped 50%': a result clause about another procedure (its own
        subject, or an ordinal standing for one: "(#2, first gave 90%)"); "done earlier, gave 90%" has none and
        reports on the procedure it follows."""
        content = [s for s in chunk.spans if s.kind not in ("filler", "punct")]
        opener = content[0] if content else None
        if len(content) > 1 and content[0].text.lower() in W.EARLIER_OPENERS and \
                content[1].text.lower() in W.RESULT_CUES:
            return True  # "last gave 60% relief": the last one
        return bool(chunk.of("family", "act")) or (opener is not None and opener.kind == "ordinal") or any(
            (s.kind in ("num", "cue") and s.text.lower().split()[-1] == "one") or s.text.lower() in W.ONE_WORDS
            for s in chunk.spans)  # "(she had her 2 diagnostic ones last spring w/ >75% relief)", "first gave 90%",
        # "last set gave 70%"

    def _negates(self, draft: Draft, cue: Span) -> bool:
        """A negation cue negates the procedure when the next content word after it is the procedure itself ("no
        injection", "declined the RFA", "not a facet"), or when it closes a clause about the procedure ("the RFA was
        cancelled", "not done"); "no contrast allergy" or "not pregnant" negate something else."""
        chunk = next(c for c in draft.chunks if cue in c.spans)
        if _side_level_refused(draft, chunk) or _other_side_refused(draft, chunk) or _level_then_refused(draft, chunk):
            return False  # "(left L5-S1 was skipped, hardware)", "L knee inj. R side not done.": one side only
        at = draft.chunks.index(chunk)
        people = [a for a, b in pairwise(chunk.spans[:chunk.spans.index(cue)])
                  if a.kind == "num" and b.text.lower() in W.SUBJECT_WORDS | W.PEOPLE_WORDS]
        if people:
            return False  # "it was pouring, 3 pts no-showed": other patients' appointments
        if at and all(s is cue or s.kind in ("filler", "punct") for s in chunk.spans) and \
                any(g.value == "none" for g in draft.chunks[at - 1].of("guide")):
            return False  # "done blind - no fluoro, no CT, nothing": the list of guidance not used goes on
        after = [s for s in chunk.spans[chunk.spans.index(cue) + 1:] if s.kind not in ("filler", "punct")
                 and not (s.kind == "cue" and s.value in ("present", "neutral"))  # "cancelled today"
                 and s.text.lower() not in W.OTHER_WORDS]  # "no other RFA this year"
        before = [s for s in chunk.spans[:chunk.spans.index(cue)] if s.kind not in ("filler", "punct")]
        heads = ("family", "act", "anat", "level", "side", "region")
        if cue.text.lower() in self.called_off and (chunk.called_off or chunk.of("family")):
            return True  # "Procedure cancelled before any needle placement": folded onto the procedure it calls off
        if cue.text.lower() in self.called_off and not any(s.kind in heads and s.kind != "region" for s in chunk.spans):
            return True  # "scheduled, but cancelled in pre-op", "doc cancelled before she went back"
        sided = bool(after) and (after[0].kind == "side" or (after[0].kind == "count" and after[0].value == "side"))
        if cue.text.lower() in self.called_off and any(s.kind in heads and s.kind != "region" for s in before) and (
                not after or not (sided or after[0].kind == "level")):
            return True  # "the SGB was cancelled in pre-op bc ...": what follows says when or why, not what
        if cue.text.lower() in W.REFUSALS and not any(s.kind in heads for s in chunk.spans):
            return True  # "was planned but pt refused (after consent)", "pt declined once she got in the room"
        if after and after[0].kind == "anat" and draft.family is not None:
            return self._own_target(draft.family, after[0])  # "not the joint itself" on a trigger point frame
        earlier = [s for c in draft.chunks for s in c.spans if s.end <= cue.start and s.kind not in ("filler", "punct")]
        last = before[-1:] or sorted(earlier, key=lambda s: s.start)[-1:]  # the words the negation closes
        if not after and last and last[0].kind == "anat" and draft.family is not None and (
                not self._own_target(draft.family, last[0]) or draft.spans("level")):
            return False  # "C3-4, C4-5 RFA (third occipital not done)": one target was not done, the levels were
        if not after and last and last[0].kind == "anat" and draft.family is not None and any(
                a.value != last[0].value and self._own_target(draft.family, a) for a in draft.spans("anat")):
            return False  # "R lesser occipital nerve block only (GON was not done)": that one target was not done
        if not after and last and last[0].kind == "anat" and draft.family is not None and \
                draft.family.counts == "muscles" and len([m for m in draft.spans("anat") if self.is_muscle(m)]) > 1:
            return False  # "piriformis wasn't injected, only glut med and QL": one muscle was not done
        if after and (sided or (after[0].kind == "act" and after[1:2] and (
                after[1].kind == "side" or (after[1].kind == "count" and after[1].value == "side")))):
            return False  # "declined the left side", "did not inject the left", "nothing was injected on that side",
            # "aborted that side": one side is not done (_denied_side)
        if after and after[0].kind == "act" and draft.family is not None and after[0].value != draft.family.act and \
                draft.family.act != "aspirate" and draft.spans("family"):
            return False  # "therapeutic facet injections ... pacemaker so no RFA": another act is ruled out
        if after and after[0].kind == "act" and any(a is not after[0] and a.value != after[0].value
                                                    for a in draft.spans("act")):
            return False  # "aspiration only (no injection)": one act of the procedure is denied, not the procedure
        if after and (after[0].kind in heads or after[0].text.lower() in W.PROCEDURE_NOUNS):
            return True  # "declined the RFA", "left before the procedure"
        if after and after[0].text.lower() in W.REASON_WORDS:
            after = []  # "RFA was deferred bc of her pacemaker": the reason follows the negation
        owner = chunk.spans[chunk.spans.index(cue) + 1:chunk.spans.index(cue) + 3]
        if not after and any(s.text.lower() in W.CLAIM_OWNERS | W.CLAIM_PERSONS for s in owner):
            return False  # "surgery center claim (facility, not the doc)": whose claim, not whether it was done
        if not after:
            if before and before[-1].kind == "level" and any(c is not chunk and c.of("level") for c in draft.chunks):
                return False  # "... and an intended third level at L3-4 was not performed": that level only
            if before and before[-1].kind == "side" and any(c is not chunk for c in draft.chunks):
                return False  # "left side was not done": that side is denied (see _denied_sides), the rest stands
            # "the RFA was cancelled"; a later chunk that is only the negation ("..., not done"); not "EBL none"
            return any(s.kind in heads for s in before) or (chunk is not draft.chunks[0] and not before)
        return False

    def _own_target(self, fam: Family, span: Span) -> bool:
        specific, generic = self._target_match(fam, {span.value})
        return bool(specific or generic)

    # --- attributes -------------------------------------------------------------------------------------------------

    def frame(self, draft: Draft, status: Status) -> Frame:
        fam = draft.family
        frame = Frame(family=fam.id if fam else None, label=fam.label if fam else "", status=status,
                      words=" / ".join(c.text for c in draft.chunks)[:200], candidates=draft.candidates)
        frame.today = any(s.value == "present" for s in draft.spans("cue"))
        frame.laterality = self._laterality(draft)
        noted = {s.value for c in draft.chunks[1:] if any(w.text.lower() in W.NOTE_WORDS for w in c.spans)
                 for s in c.of("side")} & {"left", "right"}
        head = draft.chunks[0] if draft.chunks else Chunk([], 0)  # attributes read for a code have no chunks
        refused = _refused_sides(draft)
        said = {s.value for s in head.of("side") if _next_word(head, s) not in W.SYMPTOM_WORDS} - refused
        if noted and said & {"left", "right"} and not noted & said and "bilateral" not in said:
            frame.candidates = [f"side: {'/'.join(sorted(said))} in the question, {'/'.join(sorted(noted))} in the "
                                "note"]  # "left L5-S1 TFESI ..., op note says right side injected"
        if frame.laterality in ("left", "right") and "bilateral" in {s.value for s in draft.spans("side")} and \
                not refused and not any(s.text.lower() in W.INTENDED_WORDS
                                                       for c in draft.chunks for s in c.spans):
            frame.candidates = [f"side: bilateral and {frame.laterality} only"]  # which one was done?
        for s in draft.spans("family", "act", "anat"):
            s.used = True
        if draft.shared_act is not None:
            draft.shared_act.used = True
        guides = draft.spans("guide")
        named = [g for g in guides if not self._after_negation(draft, g)]
        best = min((GUIDE_RANK.get(g.value, len(GUIDE_RANK)) for g in named), default=None)
        # "US only, no fluoro" is ultrasound; "US to scout, then fluoro" is fluoroscopy
        frame.imaging = _first_value([g for g in named if GUIDE_RANK.get(g.value, len(GUIDE_RANK)) == best])
        for g in guides:
            g.used = True
        frame.codes = [s.value["code"] for s in draft.spans("code")]
        shared = [draft.shared_act.value] if draft.shared_act is not None and draft.shared_act.kind == "act" else []
        frame.acts = sorted({s.value for s in draft.spans("act")} | set(shared))
        frame.count = self._count(draft)
        months = {c.text.lower() for c in draft.spans("cue") if c.value == "historical"
                  and c.text.lower().removeprefix("in ").removeprefix("last ") in W.MONTHS}
        if status == "historical" and frame.count is None and len(months) > 1:
            frame.count = len(months)  # "RFA right side in January and left side in April": two earlier sessions
        purposes = draft.spans("purpose") if status == "historical" else _current_purposes(draft)
        own = [s for s in purposes if s in draft.chunks[0].spans]  # "2nd therapeutic SI inj ... KX only goes on
        if purposes:  # the diagnostic ones": the purpose named with the procedure, not one in a rule quoted later
            frame.diagnostic = (own or purposes)[-1].value == "diagnostic"
        elif fam is not None and any(s.value in fam.implies_diagnostic or s.text.lower() in fam.implies_diagnostic
                                     for s in draft.spans("anat", "family")):
            frame.diagnostic = True
        elif fam is not None and any(s.text.lower() in fam.implies_therapeutic for s in draft.spans("family", "anat")):
            frame.diagnostic = False  # "TFESI": the steroid injection, not a diagnostic root block
        frame.region = self._region(draft, fam)
        said = {s.value for s in draft.spans("region") if s.value in SPINAL_REGIONS}
        by_level: set[str] = {r for s in draft.spans("level") if (r := (s.value or {}).get("region"))}
        if said and by_level and len({self.registry.code_region(r) for r in said | by_level}) > 1:
            frame.candidates = [f"region: {', '.join(sorted(said))} named, levels in {', '.join(sorted(by_level))}"]
        if fam is not None and fam.counts == "levels":
            self._levels(draft, fam, frame)
        elif draft.spans("level"):
            for s in draft.spans("level"):
                s.used = True  # the levels of an SI, epidural or other single-code procedure: placed, not counted
        if fam is not None and fam.counts == "joints":
            frame.joints = self._joints(draft, frame)
        if fam is not None and fam.counts == "muscles":
            frame.muscle_names, frame.muscles_stated = self._muscles(draft)
            settle_muscles(frame, self.point_targets)
        if fam is not None and fam.select == "target":
            frame.target = next((s.value for s in draft.spans("anat") if s.value in fam.targets and (
                not self.anatomy[s.value].generic or s.value in fam.generic)), None)  # "occipital" names no nerve
        return frame

    @staticmethod
    def _after_negation(draft: Draft, span: Span) -> bool:
        """'ultrasound instead of fluoro', 'not under fluoro': a guidance word right after a negation is not used."""
        for chunk in draft.chunks:
            if span in chunk.spans:
                i = chunk.spans.index(span)
                window = [s for s in chunk.spans[max(0, i - 3):i] if s.kind not in ("filler",)]
                listed = i >= 2 and chunk.spans[i - 1].text.lower() in ("or", "nor", "and") and \
                    chunk.spans[i - 2].kind == "guide" and chunk.spans[i - 2].value == "none"  # "no US or fluoro"
                return listed or any(s.kind == "cue" and s.value == "negated" for s in window)
        return False

    @staticmethod
    def _count(draft: Draft) -> int | None:
        """'had 4 lumbar ESIs', 'two MBBs': a number just before the procedure word counts the procedures."""
        if not draft.chunks:
            return None  # attributes read from words that only mention anatomy ("64633 examined")
        head = draft.chunks[0].spans
        for i, s in enumerate(head):
            if s.kind in ("family", "act"):
                before = [x for x in head[:i] if x.kind not in ("region", "side", "filler", "purpose", "cue")
                          and not (x.kind == "pct" and x is head[i - 1])][-1:]  # "two 80%+ MBBs"
                if before and before[0].kind == "num" and \
                        (before[0].value or {}).get("noun") in (None, "injection", "session", "thing"):
                    before[0].used = True
                    return int(before[0].value["n"])
                near = [x for x in head[:i] if x.kind not in ("region", "purpose")][-1:]
                if near and near[0].text.lower() == "both" and s.kind == "family" and s.text.lower().endswith("s"):
                    return 2  # "both diagnostic MBBs gave 80%": two of them
        return None

    def _laterality(self, draft: Draft) -> Laterality | None:
        refused = _refused_sides(draft)
        symptoms = {id(s) for c in draft.chunks for s in c.of("side") if _next_word(c, s) in W.SYMPTOM_WORDS}
        sides = {s.value for s in draft.spans("side") if id(s) not in symptoms} - refused
        for s in draft.spans("side"):
            s.used = True
        if "bilateral" in sides and len(refused) == 1:  # "bilateral planned, left side not done": the right only
            return cast("Laterality", opposite_side(next(iter(refused))))
        only = {s.value for c in draft.chunks if not c.of("level", "anat")  # not "L5-S1 on the right only"
                for s in c.of("side") if _beside(c, s, "only")} & {"left", "right"}
        if "bilateral" in sides and len(only) == 1:  # "bilateral SI joint injection, right side only"
            return cast("Laterality", next(iter(only)))
        if "bilateral" in sides or {"left", "right"} <= sides:
            return "bilateral"
        return next(iter(sides), None)

    def _region(self, draft: Draft, fam: Family | None) -> Region | None:
        words = [s.value for s in draft.spans("region") if s.value in SPINAL_REGIONS]
        for s in draft.spans("region"):
            s.used = True
        from_levels = [(s.value or {}).get("region") for s in draft.spans("level")]
        region = next((r for r in from_levels if r and r != "sacral"), None) or next((r for r in words), None) or \
            next((r for r in from_levels if r), None)
        if region is None:
            region = next((self.anatomy[s.value].region for s in draft.spans("anat")
                           if s.value in self.anatomy and self.anatomy[s.value].region), None)
        if region is None:  # "caudal epidural": a family word that names a target with a region
            region = next((a.region for s in draft.spans("family") for a in self.anatomy.values()
                           if a.region and set(a.words) & set(s.text.lower().split())), None)
        return cast("Region", region) if region in SPINAL_REGIONS else None

    def _levels(self, draft: Draft, fam: Family, frame: Frame) -> None:
        """Level names per chunk (with that chunk's side), merged; counted in the family's unit. Levels named
        before a side in a coordination take that side ("C5-6 and C6-7 on the right")."""
        joints: set[int] = set()
        vertebrae: set[int] = set()
        per_side: dict[str, set[str]] = {}
        waiting: list[str] = []  # levels named before any side: the next side word takes them
        current: str | None = None  # a side named before levels carries on to the next side word
        denied = {id(s) for s in _denied_sides(draft)}
        offset = 0  # levels named after a medial-branch landmark name the vertebra below the nerve
        derived: dict[int, str] = {}  # nerves read from a landmark's levels, by vertebra
        restated: set[int] | None = None  # nerves an aside after the landmark names outright
        ordered = sorted((x for c in draft.chunks for x in c.spans if x.kind not in ("filler", "punct")),
                         key=lambda x: x.start)
        position = {id(x): i for i, x in enumerate(ordered)}
        compared = {id(x) for i, x in enumerate(ordered) if x.kind == "level" and any(
            n.text.lower() in ("vs", "vs.", "versus") for n in ordered[max(0, i - 1):i + 2])}  # "L4 vs L5 radic"
        for chunk in draft.chunks:
            _expand_ranges(chunk)
            for s in chunk.spans:
                if s.kind == "punct" and s.value == "(":
                    offset = 0  # "SAP/TP of L4 and L5 (L3 and L4 medial branches)": the aside names the nerves
                    restated = set() if derived and restated is None else restated
                if s.kind == "punct" and s.value == ")" and restated == set():
                    restated = None  # an aside that named no nerve
                landmark = self.anatomy.get(s.value) if s.kind == "anat" else None
                if landmark is not None and landmark.nerve_offset:
                    offset = landmark.nerve_offset
                if landmark is not None and landmark.nerve and (own := parse_level_token(landmark.nerve)):
                    s.used = True
                    s = Span(kind="level", text=s.text, start=s.start, end=s.end, value=own)  # "the sacral ala": L5
                elif s.kind == "level" and offset and s.value["vertebrae"] and not s.value["joints"]:
                    shifted = [v + offset for v in s.value["vertebrae"]]
                    derived.update({v: name for v in shifted for name in level_names(set(), [v])[:1]})
                    s.used = True
                    s = Span(kind="level", text=s.text, start=s.start, end=s.end,
                             value={**s.value, "vertebrae": shifted, "names": level_names(set(), shifted)})
                if (s.kind == "side" and id(s) in denied) or id(s) in compared:
                    s.used = True  # a side called off; levels weighed against each other (the diagnosis)
                elif s.kind == "side":
                    side = "bilateral" if s.value == "bilateral" else s.value
                    if waiting and current is None:
                        per_side.setdefault(side, set()).update(waiting)
                        waiting = []
                    else:
                        current = side
                elif s.kind == "level":
                    s.used = True
                    if restated is not None and not offset:
                        restated.update(s.value["vertebrae"])
                    joints.update(s.value["joints"])
                    vertebrae.update(s.value["vertebrae"])
                    names = s.value["names"] if s.value["joints"] or s.value["vertebrae"] else []
                    if current is None:
                        waiting += names
                    else:
                        per_side.setdefault(current, set()).update(names)
        for chunk in (c for c in draft.chunks if _side_level_refused(draft, c)):
            last_level = max(i for i, x in enumerate(chunk.spans) if x.kind == "level")
            at = max((i for i, x in enumerate(chunk.spans[:last_level]) if x.kind == "side"), default=None)
            if at is None:
                continue
            side = chunk.spans[at].value
            for s in (x for x in chunk.spans[at:] if x.kind == "level"):  # the levels the refused side names
                for name in s.value["names"]:
                    if name in per_side.get("bilateral", set()) and side in ("left", "right"):
                        per_side["bilateral"].discard(name)
                        per_side.setdefault(opposite_side(side), set()).add(name)
                    per_side.get(side, set()).discard(name)
        if restated:  # "SAP/TP of L3 and L4 (L3 and L4 medial branches)": the nerves the note names, not the landmark's
            dropped = {n for v, n in derived.items() if v not in restated}
            vertebrae -= {v for v in derived if v not in restated}
            waiting = [n for n in waiting if n not in dropped]
            per_side = {k: v - dropped for k, v in per_side.items()}
        unsided = bool(waiting)
        narrowed = any(s.text.lower() == "only" for s in draft.spans("word"))
        for side in ("left", "right"):  # "ordered bilateral L4-5, ... only the right L4-5 was done"
            if narrowed and side in per_side and "bilateral" in per_side:
                per_side["bilateral"] -= per_side[side]
        per_side = {k: v for k, v in per_side.items() if v}
        counted = count_levels(sorted(joints), sorted(vertebrae), fam.level_unit or "joint")
        explicit = [s for s in draft.spans("num", "ordinal")
                    if (s.value or {}).get("noun") in ("level", "joint", "nerve")
                    and (fam.level_unit == "nerve" or (s.value or {}).get("noun") != "nerve")]
        hearsay = [s for s in explicit if any(
            x.text.lower() in W.ATTRIBUTED for x in ordered[max(0, position[id(s)] - 3):position[id(s)]]) or any(
            x.text.lower() in W.WRITTEN_BY for x in ordered[position[id(s)] + 1:position[id(s)] + 8])]
        explicit = [s for s in explicit if s not in hearsay]  # "charge sheet says 3 levels": the levels named decide
        for s in hearsay:
            s.used = True
        values = [s.value["n"] for s in explicit]
        # "(three levels) ... bill all three levels?" restates one count; different counts add up
        stated = (values[0] if len(set(values)) == 1 else sum(values)) if values else None
        for s in draft.spans("num"):
            if (s.value or {}).get("noun") == "nerve":
                s.used = True  # "that's two nerves": nerves are not levels for facet codes
        for s in explicit:
            s.used = True
        frame.level_names = level_names(joints, vertebrae)
        frame.levels = counted or stated or (hearsay[0].value["n"] if hearsay else None)
        frame.levels_stated = stated
        asked = bool(explicit) and all(_asked_count(draft, s) for s in explicit)
        if not asked:  # "L3-4, L4-5, L5-S1 MBB. do I bill 4 levels?": a count put up to check, not a second reading
            frame.candidates = level_conflicts(fam.level_unit or "joint", frame.level_names, counted, stated,
                                               frame.laterality) or frame.candidates
        if len(per_side) > 1 and not unsided:
            frame.sides = {side: sorted(names) for side, names in per_side.items()}
        elif narrowed and len(per_side) == 1 and not _refused_sides(draft):
            frame.laterality = cast("Laterality", next(iter(per_side)))

    def _joints(self, draft: Draft, frame: Frame) -> list[Joint]:
        """One joint per joint and side (a bursa is its joint), each with the guidance named in its own chunk when
        the joints' chunks name different guidance ("R knee US-guided, L knee landmark")."""
        found: dict[str, Joint] = {}
        areas = {a.near for a in (self.anatomy.get(s.value) for s in draft.spans("anat")) if a is not None and a.near}
        carried: str | None = None  # "R and L knees": a side alone before the joint's own side
        for chunk in sorted(draft.chunks, key=lambda c: c.spans[0].start if c.spans else 0):
            side = self._laterality(Draft(chunks=[chunk]))
            if not chunk.of("anat"):
                last = [x for x in chunk.spans if x.kind not in ("punct", "filler")][-1:]
                carried = last[0].value if last and last[0].kind == "side" else None
                continue
            if carried in ("left", "right") and side in ("left", "right") and side != carried:
                side = "bilateral"
            carried = None
            guide = _first_value([g for g in chunk.of("guide") if not self._after_negation(draft, g)])
            for s in chunk.of("anat"):
                anat = self.anatomy.get(s.value)
                if anat is None or anat.kind != "joint" or anat.generic or anat.size is None:
                    continue
                if anat.id in areas:
                    s.used = True  # "trochanteric bursa injection, right hip": the hip says where, not a 2nd joint
                    continue
                name = anat.part_of or anat.id
                size = self.anatomy[name].size or anat.size
                add_joint(found, Joint(name=name, size=size, laterality=side, imaging=guide))
        refused = _refused_sides(draft)
        if len(refused) == 1:  # "both knees planned, the left was cancelled"
            kept = opposite_side(next(iter(refused)))
            found = {k: j.model_copy(update={"laterality": kept}) if j.laterality == "bilateral" else j
                     for k, j in found.items() if j.laterality not in refused}
        joints = list(found.values())
        stated = [s for s in draft.spans("num") if (s.value or {}).get("noun") == "joint"]
        for s in stated:
            s.used = True
        total = sum(2 if j.laterality == "bilateral" else 1 for j in joints)
        if stated and joints and sum(s.value["n"] for s in stated) != total:
            frame.candidates = [f"joints: {total} named, {sum(s.value['n'] for s in stated)} stated"]
        return joints

    def _muscles(self, draft: Draft) -> tuple[list[str], int | None]:
        """Muscles named, one entry per muscle and side (left and right of one muscle count as two), and the count
        the words state ("3 in the neck and one in the back" adds up); settle_muscles decides after merging."""
        sided: list[str] = []
        frame_side = self._laterality(draft)
        carried: set[str] = set()  # "R and L trapezius": a side alone before the next muscle's side
        listed: str | None = None  # "2 on the right side (trap, levator)": the side of a list of muscles
        for chunk in sorted(draft.chunks, key=lambda c: c.spans[0].start if c.spans else 0):
            own = self._laterality(Draft(chunks=[chunk]))
            side = own or listed or (frame_side if frame_side == "bilateral" else None)
            muscles = [s for s in chunk.of("anat") if self.is_muscle(s)]
            if not chunk.of("anat"):
                last = [x for x in chunk.spans if x.kind not in ("punct", "filler")][-1:]
                carried = {last[0].value} if last and last[0].kind == "side" else set()
                listed = None
                continue
            if carried and side in ("left", "right") and carried != {side}:
                side = "bilateral"
            carried = set()
            listed = side if muscles and side is not None else None
            for s in muscles:
                if _negated_next(chunk, s):
                    continue  # "piriformis wasn't injected"
                for one in (("left", "right") if side == "bilateral" else (side or "unspecified",)):
                    sided.append(f"{s.value}:{one}")
        stated = [s for s in draft.spans("num") if (s.value or {}).get("noun") == "muscle" or (
            (s.value or {}).get("noun") is None and _located(draft, s) and not self._into_muscle(draft, s))]
        # "3 in the neck, one in the back"; not "4 sticks in the trap, 2 in the rhomboid" (injections into a muscle)
        for s in stated:
            s.used = True
        for s in draft.spans("num"):
            if self._into_muscle(draft, s) or (stated and _per_side(draft, s)):
                s.used = True  # "2 in the rhomboid": sticks into a muscle named; "two on each side" of those stated
        return list(dict.fromkeys(sided)), (sum(s.value["n"] for s in stated) if stated else None)

    def is_muscle(self, span: Span) -> bool:
        """A muscle named by its own name (not 'muscles')."""
        anat = self.anatomy.get(span.value) if span.kind == "anat" else None
        return anat is not None and anat.kind == "muscle" and not anat.generic

    def _into_muscle(self, draft: Draft, num: Span) -> bool:
        """'2 in the rhomboid', '2 in R piriformis': a number of injections into one muscle named right after it."""
        chunk = next(c for c in draft.chunks if num in c.spans)
        after = [s for s in chunk.spans[chunk.spans.index(num) + 1:]
                 if (s.kind != "filler" or s.text.lower() == "in") and s.kind != "side"][:2]
        return len(after) == 2 and after[0].text.lower() == "in" and self.is_muscle(after[1])

    def attributes(self, spans: list[Span], family_id: str) -> Frame:
        """The question's words read as attributes of one procedure named elsewhere (by a code, or by the previous
        turn): 'and bilateral?', '3 levels', 'no fluoro', '64493 for L4-5 on the left'."""
        chunks = [c for i, sentence in enumerate(sentences(spans)) for c in chunks_of(sentence, i)
                  if not self._mention_only(c)]
        draft = Draft(chunks=chunks, family=self.registry.families[family_id])
        return self.frame(draft, "done")


def settle_muscles(frame: Frame, general: frozenset[str]) -> None:
    """The muscle count: the stated count, else the distinct muscles named; several muscles named that disagree with
    the stated count ('3 muscles: L trapezius and L levator scapulae') is a conflict to ask about. A muscle named
    with its side and again without one ('L trap ... 4 sticks in the trap') is one muscle, and 'each TP' beside
    muscles named by name (general) is those muscles' points."""
    sided = {n.split(":")[0] for n in frame.muscle_names if not n.endswith(":unspecified")}
    own = {n.split(":")[0] for n in frame.muscle_names} - general
    frame.muscle_names = [n for n in frame.muscle_names
                          if not (n.endswith(":unspecified") and n.split(":")[0] in sided)
                          and not (own and n.split(":")[0] in general)]
    named = len(frame.muscle_names)
    frame.muscles = frame.muscles_stated or named or None
    distinct = {n.split(":")[0] for n in frame.muscle_names}
    if frame.muscles_stated and len(distinct) >= 2 and frame.muscles_stated != named:
        frame.candidates = [f"muscles: {named} named, {frame.muscles_stated} stated"]


def _side_for_next(chunk: Chunk, rest: list[Chunk]) -> bool:
    """'R + L trapezius': a side alone before a chunk that names its own side and a target goes with that target."""
    content = [s for s in chunk.spans if s.kind not in ("punct", "filler")]
    nxt = rest[0] if rest else None
    return len(content) == 1 and content[0].kind == "side" and content[0].value in ("left", "right") and \
        nxt is not None and bool(nxt.of("side")) and bool(nxt.of("anat"))


def _visit_only(draft: Draft) -> bool:
    """A draft headed by the visit alone: spinal levels are never the visit's."""
    heads = draft.spans("act", "family")
    return bool(heads) and all(s.kind == "act" and s.value == "visit" for s in heads)


def _current_purposes(draft: Draft) -> list[Span]:
    """The purposes said of this procedure: not one after a past cue in its clause ('therapeutic (she had her 2
    diagnostic ones last spring)', 'therapeutic - both diagnostic blocks were positive'), unless that is all the words
    say."""
    out: list[Span] = []
    for c in draft.chunks:
        past = next((k for k, s in enumerate(c.spans) if s.kind == "cue" and s.value == "historical"), len(c.spans))
        if any(s.text.lower() in W.RESULT_ADJECTIVES for s in c.spans):
            past = 0  # a chunk that tells a result speaks of blocks already done
        out += [s for k, s in enumerate(c.spans[:past]) if s.kind == "purpose" and not _denied(c.spans, k)]
    return out or [s for c in draft.chunks for k, s in enumerate(c.spans)
                   if s.kind == "purpose" and not _denied(c.spans, k)]


def _denied(spans: list[Span], k: int) -> bool:
    """'therapeutic, not a diagnostic SNRB': the purpose right after a negation is the one it was not."""
    return k > 0 and spans[k - 1].kind == "cue" and spans[k - 1].value == "negated"


def _follows(start: int, index: int, said: list[list[Span]]) -> bool:
    """Sentence `index` comes right after sentence `start`, or after only payer or claim-type sentences ('... L5-S1
    joints). commercial. since its 4 nerves do I bill 4 levels?')."""
    return start < index and all(
        all(x.kind in ("payer", "claim", "place", "filler", "punct") for x in said[k]) for k in range(start + 1, index))


def _asked_count(draft: Draft, span: Span) -> bool:
    """'do I bill 4 levels?': a count right after a billing verb is the count put up to check."""
    for c in draft.chunks:
        if span in c.spans:
            k = c.spans.index(span)
            return any(x.text.lower() in W.PROPOSE_VERBS for x in c.spans[max(0, k - 3):k])
    return False


def level_conflicts(unit: str, names: list[str], counted: int | None, stated: int | None,
                    laterality: str | None) -> list[str]:
    """Where the levels named and the count given disagree: 'L4-5, L5-S1 = 3 levels', or joints and medial branches
    that do not match (more nerves named than the joints named take). 'Two joints' for one bilateral level is both
    sides, and 'L3 MB, L4 MB, L5 DR = 3 levels' counts the nerves (with or without the two joints they serve named):
    a miscount the named nerves settle. '3 levels: L4-5, L5-S1' is the same miscount (the three nerves of two joints):
    the joints named decide, as independent coders read it; a count further off ('4 levels: L4-5, L5-S1') asks."""
    joints = [n for n in names if "-" in n]
    nerves = len(names) - len(joints)
    doubled = laterality == "bilateral" and stated == 2 * (counted or 0)
    nerves_counted = unit == "joint" and stated == nerves >= 2 and (not joints or nerves == len(joints) + 1)
    nerves_counted = nerves_counted or (unit in ("joint", "foramen") and not nerves and len(joints) >= 2
                                        and stated == len(joints) + 1 == (counted or 0) + 1)
    if counted and stated and counted != stated and not doubled and not nerves_counted:
        return [f"levels: {counted} named, {stated} stated"]
    if unit == "joint" and joints and nerves - 1 > len(joints):  # fewer nerves named loosely: the joints decide
        return [f"levels: {len(joints)} joints named, {nerves} nerves named"]
    return []


def _other_act(bare: Draft, draft: Draft, registry: Registry) -> bool:
    """'first lumbar RFA, the two MBBs gave 90% and 50%': an ablation named beside blocks and their results is not
    what was done to the blocks' target."""
    acts = {a.value for a in bare.spans("act")}
    theirs = {registry.families[f.value].act for f in draft.spans("family")}
    return "ablate" in acts and bool(theirs) and "ablate" not in theirs and bool(draft.spans("pct"))


def _fold_bare_acts(drafts: list[Draft], called_off_words: frozenset[str], registry: Registry) -> list[Draft]:
    """A draft that is only an act ("aspirated, then injected the knee") joins the next draft of its sentence (or
    the previous one): it says what was done to that procedure's target, not a procedure of its own. An act called
    off ("injection cancelled", "nothing injected") calls off the procedure named before it."""
    out: list[Draft] = []
    for i, draft in enumerate(drafts):
        bare = not draft.spans("family", "anat", "level") and draft.spans("act") and \
            not any(a.value == "visit" for a in draft.spans("act")) and \
            not any(c.value in ("negated", "planned", "historical") for c in draft.spans("cue"))  # "RFA next week"
        sentence = draft.chunks[0].sentence
        stops = [c for c in draft.chunks if (c.of("act") and c.cues("negated")) or any(
            x.text.lower() in called_off_words for x in c.cues("negated"))]  # "nothing injected", "... cancelled"
        called_off = not draft.spans("family", "anat", "level") and draft.spans("act") and \
            not any(a.value == "visit" for a in draft.spans("act")) and bool(stops) and \
            not any(s.text.lower() in W.OTHER_WORDS for c in stops for s in c.spans)
        # "No other RFA in the past year" speaks of other sessions; it calls off nothing
        target = next((d for d in reversed(out) if d.spans("family", "level", "anat")), None)
        if called_off and target is not None and (target.chunks[0].sentence == sentence or any(
                c.text.lower() in ("nothing", "no") or c.text.lower() in called_off_words
                for c in draft.spans("cue"))):  # "... TFESI. Procedure cancelled before any needle placement."
            for chunk in stops:
                chunk.called_off = True  # its negation calls the procedure off wherever the chunk stands
            target.chunks += draft.chunks  # "the L4-5 ILESI ..., injection cancelled", "... Nothing injected."
            continue
        if not bare:
            out.append(draft)
            continue
        nxt = next((d for d in drafts[i + 1:] if d.chunks[0].sentence == sentence), None)
        if nxt is not None and not any(a.value == "visit" for a in nxt.spans("act")) and \
                not _other_act(draft, nxt, registry):
            nxt.chunks = nxt.chunks + draft.chunks
        elif out and out[-1].chunks[0].sentence == sentence and not out[-1].chunks[0].cues("negated"):
            out[-1].chunks += draft.chunks  # not "not MBB - it was an RFA": the act named against it
        else:
            out.append(draft)
    return out


def _expand_ranges(chunk: Chunk) -> None:
    """'L1-2 through L5-S1', 'L2-3 down to L5-S1' (joints) and 'T5 through T8' (nerves): every level between."""
    spans = chunk.spans
    for i in range(len(spans) - 2):
        a = spans[i]
        if a.kind != "level":
            continue
        between: list[str] = []
        for j in range(i + 1, min(i + 7, len(spans))):
            if spans[j].kind == "level":
                if between and " ".join(between) in W.RANGE_WORDS:
                    _span_range(a, spans[j])
                    for k in range(i + 1, j):
                        spans[k].used = True
                break
            between.append(spans[j].text.lower())




def _span_range(a: Span, b: Span) -> None:
    if not (a.value["joints"] or a.value["vertebrae"]) or not (b.value["joints"] or b.value["vertebrae"]):
        return  # already expanded (a chunk read twice)
    if not a.value["joints"] and not b.value["joints"] and a.value["vertebrae"] and b.value["vertebrae"]:
        first, last = min(a.value["vertebrae"]), max(b.value["vertebrae"])
        if 0 <= last - first <= 12:
            a.value = dict(a.value, vertebrae=list(range(first, last + 1)))
            b.value = dict(b.value, vertebrae=[])
        return
    top = min(a.value["joints"] + a.value["vertebrae"])
    bottom = max(b.value["joints"] or [v - 1 for v in b.value["vertebrae"]])
    if 0 <= bottom - top <= 12:
        a.value = dict(a.value, joints=list(range(top, bottom + 1)), vertebrae=[])
        b.value = dict(b.value, joints=[], vertebrae=[])


def recount(names: list[str], unit: str) -> int:
    """Levels from level names in a family's unit (joints, foramina or nerves)."""
    joints: set[int] = set()
    vertebrae: set[int] = set()
    for name in dict.fromkeys(names):
        parsed = parse_level_token(name.lower())
        if parsed:
            joints.update(parsed["joints"])  # type: ignore[arg-type]
            vertebrae.update(parsed["vertebrae"])  # type: ignore[arg-type]
    return count_levels(sorted(joints), sorted(vertebrae), unit) or 0


def count_levels(joints: list[int], vertebrae: list[int], unit: str) -> int | None:
    """Levels in a family's unit: joints (n medial branches block n-1 joints), foramina (a joint or a root each),
    or nerves (one per vertebra named)."""
    if not joints and not vertebrae:
        return None
    if unit == "joint":
        return len(joints) if joints else max(1, len(vertebrae) - 1)
    if unit == "nerve":  # "T5 through T8", "T7-8": every nerve from the first to the last named
        return len(set(vertebrae) | set(joints) | {j + 1 for j in joints})
    extra = {v for v in vertebrae if root_foramen(v) not in joints}  # "L5" is the L5-S1 foramen, "C6 (C5-6
    # foramen)" one level; "S1" its own
    return len(joints) + len(extra)


def add_joint(found: dict[str, Joint], joint: Joint) -> None:
    """A joint already named (same joint, same or unstated side) is not added twice."""
    same = next((k for k, j in found.items() if j.name == joint.name and (
        j.laterality == joint.laterality or joint.laterality is None or j.laterality is None)), None)
    if same is None:
        found[f"{joint.name}:{joint.laterality}"] = joint
    elif joint.laterality and found[same].laterality is None:
        found[same] = found[same].model_copy(update={"laterality": joint.laterality,
                                                     "imaging": found[same].imaging or joint.imaging})


def _denied_sides(draft: Draft) -> list[Span]:
    """Sides a negation points at ('the patient declined the left side'), with the side that was done named beside
    them; the procedure itself stands."""
    out = []
    for chunk in draft.chunks:
        plain = [s for s in chunk.spans if s.kind != "filler"]  # punctuation ends what a negation reaches
        out += [s for i, s in enumerate(plain) if s.kind == "side" and i and plain[i - 1].kind == "cue"
                and plain[i - 1].value == "negated"]
        words = [s for s in plain if s.kind != "punct"]
        if len(draft.chunks) > 1 and len(words) >= 2 and words[0].kind == "side" and words[1].kind == "cue" and \
                words[1].value == "negated" and not any(w.kind in ("family", "level", "anat") for w in words) and \
                not contrasts(chunk.spans, chunk.spans.index(words[1])):
            out.append(words[0])  # "..., left side was not done", "the right side was aborted before any needle"
    return out


def contrasts(spans: list[Span], k: int) -> bool:
    """'it was the left side, not the right': the negation at k sets another side against the one before it (that
    side was done), rather than calling it off."""
    after = [s for s in spans[k + 1:k + 4] if s.text.lower() not in ("the", "a", "on")]
    return bool(after) and (after[0].kind == "side" or after[0].text.lower() in W.SIDE_WORDS)


def _side_level_refused(draft: Draft, chunk: Chunk) -> bool:
    """'L4-5 both sides and L5-S1 on the right (left L5-S1 was skipped)': a later chunk naming a side and a level
    that a negation follows, while other chunks name levels of the procedure."""
    if chunk is draft.chunks[0] or not chunk.of("side") or not chunk.of("level"):
        return False
    negation = [i for i, s in enumerate(chunk.spans) if s.kind == "cue" and s.value == "negated"]
    level = [i for i, s in enumerate(chunk.spans) if s.kind == "level"]
    return bool(negation) and min(negation) > max(level) and any(
        c is not chunk and c.of("level") for c in draft.chunks)


def _level_then_refused(draft: Draft, chunk: Chunk) -> bool:
    """'R L4-5 TFESI done, R L5-S1 was planned but not done': a negation standing alone after a chunk that names only
    a level (no procedure word), while earlier chunks name other levels of the procedure: that level was not done."""
    at = draft.chunks.index(chunk)
    if at < 2 or chunk.of("level", "side", "act", "family", "anat"):
        return False
    before = draft.chunks[at - 1]
    return bool(before.of("level")) and not before.of("act", "family") and any(
        c.of("level") for c in draft.chunks[:at - 1])


def _other_side_refused(draft: Draft, chunk: Chunk) -> bool:
    """'L knee inj. R side not done.': a later chunk of no procedure word of its own that names the side opposite to
    the procedure's side and then negates: that side was not done, the procedure was."""
    if chunk is draft.chunks[0] or chunk.of("act", "family"):
        return False
    sides = [i for i, s in enumerate(chunk.spans) if s.kind == "side" and s.value in ("left", "right")]
    negation = [i for i, s in enumerate(chunk.spans) if s.kind == "cue" and s.value == "negated"]
    if not sides or not negation or min(negation) < max(sides):
        return False
    mine = chunk.spans[sides[0]].value
    return any(s.kind == "side" and s.value == opposite_side(mine) for c in draft.chunks if c is not chunk
               for s in c.spans)


def opposite_side(side: str) -> str:
    return "right" if side == "left" else "left"


def _refused_sides(draft: Draft) -> set[str]:
    """The sides the words say were not done ('left side was not done'); one only, or none."""
    refused = {s.value for s in _denied_sides(draft)} & {"left", "right"}
    return refused if len(refused) == 1 else set()


def _beside(chunk: Chunk, span: Span, word: str) -> bool:
    """The word right before or after a span, fillers and 'side' aside ('right side only', 'only the left')."""
    plain = [s for s in chunk.spans if s.kind != "filler" and s.text.lower() not in ("side", "sides")]
    i = plain.index(span)
    return any(0 <= j < len(plain) and plain[j].text.lower() == word for j in (i - 1, i + 1))




def _next_word(chunk: Chunk, span: Span) -> str:
    i = chunk.spans.index(span)
    return chunk.spans[i + 1].text.lower() if i + 1 < len(chunk.spans) else ""


def _another_one(chunks: list[Chunk]) -> bool:
    """'Last one, 4 months ago, gave 30%': a sentence about another instance of the procedure, not more words about
    today's."""
    words = [s.text.lower() for c in chunks for s in c.spans]
    return any(a in ("last", "prior", "previous", "earlier") and b == "one" for a, b in pairwise(words))


def next_content(spans: list[Span], at: int, skip: tuple[str, ...] = ("filler",)) -> Span | None:
    """The first span after `at` that is not of the kinds skipped (filler)."""
    return next((x for x in spans[at + 1:] if x.kind not in skip), None)


def already_bundled(cue: Span, after: Span | None) -> bool:
    """'already' right before 'bundled', 'included' ('fluoro is already bundled in 64635'; `after` is the next span
    that is not filler): a statement about the code, not a date."""
    return cue.text.lower() == "already" and after is not None and after.kind == "lookup"


def _relative_plan(draft: Draft, cue: Span) -> bool:
    """'the TFESI he was scheduled for', 'the C6-7 TFESI ... she was referred for': a plan cue closing a relative
    clause (subject, copula, cue, then the clause ends) tells why the procedure was on today's list."""
    spans = next(c for c in draft.chunks if cue in c.spans).spans
    k = spans.index(cue)
    after = spans[k + 1:k + 2]
    return k >= 2 and spans[k - 2].text.lower() in W.SUBJECT_WORDS and spans[k - 1].text.lower() in W.COPULAS and \
        (not after or after[0].kind == "punct")


def _results_counted(chunk: Chunk) -> bool:
    """'2 positive MBBs', 'two failed ESIs': earlier procedures counted by their result, not one done today."""
    plain = [s for s in chunk.spans if s.kind != "punct"]
    return any(a.kind == "num" and b.text.lower() in W.RESULT_ADJECTIVES and c.kind == "family"
               for a, b, c in zip(plain, plain[1:], plain[2:], strict=False))


def _per_side(draft: Draft, num: Span) -> bool:
    """'four muscles, two on each side': how a count splits between the sides, not more of them."""
    chunk = next(c for c in draft.chunks if num in c.spans)
    after = chunk.spans[chunk.spans.index(num) + 1:][:2]
    return len(after) == 2 and after[0].text.lower() == "on" and after[1].kind == "side" and \
        after[1].value == "bilateral"


def _located(draft: Draft, num: Span) -> bool:
    """A bare number followed by where it was ('3 in the neck', 'one on the left') counts muscles; 'x6', 'no 50' do
    not."""
    chunk = next(c for c in draft.chunks if num in c.spans)
    at = chunk.spans.index(num)
    if at and chunk.spans[at - 1].text.lower() in ("number", "no", "#", "session", "visit"):
        return False  # "TPI session number 4 in the last 12 months"
    if _per_side(draft, num) or "." in num.text:
        return False  # "a 25g 1.5 in needle": a length, not a count
    words = [s.text.lower() for s in chunk.spans[at + 1:][:2]]
    return words[:1] in (["in"], ["on"]) or words[:1] in (["more"], ["others"]) or (
        words[:1] in (["other"], ["additional"]) and words[1:2] in (["in"], ["on"]))  # "(3 more)"


def _in_aside(chunk: Chunk, span: Span) -> bool:
    """The span stands inside a parenthesis opened in its chunk ('therapeutic (she had her 2 diagnostic ones last
    spring)')."""
    return any(s.kind == "punct" and s.value == "(" for s in chunk.spans[:chunk.spans.index(span)])


def _negated_next(chunk: Chunk, span: Span) -> bool:
    """The next word after a target negates it ('piriformis wasn't injected')."""
    after = [s for s in chunk.spans[chunk.spans.index(span) + 1:] if s.kind not in ("filler", "punct")][:1]
    return bool(after) and after[0].kind == "cue" and after[0].value == "negated"


def _point_count(chunk: Chunk, span: Span) -> bool:
    """'(2 points)' after a muscle of a list: how many points in it, not another site."""
    at = chunk.spans.index(span)
    nxt = chunk.spans[at + 1] if at + 1 < len(chunk.spans) else None
    return (span.kind == "count" and span.value == "injection") or (
        span.kind == "num" and nxt is not None and nxt.kind == "count" and nxt.value == "injection")


def _nearest(candidates: list[Span], chunk: Chunk) -> Span | None:
    if not candidates or not chunk.spans:
        return None
    at = chunk.spans[0].start
    return min(candidates, key=lambda s: abs(s.start - at))


def _first_value(spans: list[Span]) -> Any:
    for s in spans:
        s.used = True
    return spans[-1].value if spans else None


__all__ = [
    "Chunk",
    "Draft",
    "Grammar",
    "add_joint",
    "chunks_of",
    "count_levels",
    "recount",
    "sentences",
    "settle_muscles",
]

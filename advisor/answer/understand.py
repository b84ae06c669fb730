"""Question -> Understanding: the codes, modifiers, units, levels, procedures and facts a coder's question states.

Deterministic on purpose: the same words always give the same Encounter, so the rules engine's verdict is
reproducible and testable. Patterns read the lexicon-normalised text; codes and modifiers are read from the
original text (where "RT" is a modifier, not the word "right"). Attributes are attached to the procedure named
in the same clause, so "bilateral L4-5 facet and a left knee injection" gives each its own side.
"""

from __future__ import annotations

import re

from advisor.answer.facts import (  # noqa: F401 - re-exported: the word-level readers live in facts.py
    IMAGING_PATTERNS, NUM, NUMBER_WORDS, ORDINALS, _diagnostic, _first, _laterality, _num, _tristate, extract_facts,
)
from advisor.answer.intents import IntentClassifier
from advisor.answer.lexicon import Lexicon
from advisor.answer.model import JointMention, Mentions, ProcedureMention, Understanding
from advisor.answer.spine import parse_levels
from advisor.claims import ClaimLine

VALID_MODIFIERS = {"25", "50", "51", "57", "59", "76", "77", "XE", "XS", "XP", "XU", "KX", "RT", "LT", "GA",
                   "GY", "GZ", "JW", "JZ", "26", "TC"}
EM_CODE_RE = re.compile(r"^99(20[2-5]|21[1-5])$")

CODE_RE = re.compile(
    r"(?<![\w-])(\d{5}|\d{4}[TFU]|[A-V]\d{4})((?:-(?:[A-Z0-9]{2}))*)(?![\w])(?:\s*(?:x|×|\*)\s*(\d{1,2})(?!\d)|\s+times\s+(\d{1,2})\b)?",
    re.IGNORECASE,
)
UNITS_BEFORE_RE = re.compile(r"\b(\d{1,2})\s+units?\s+(?:of\s+)?(\d{5}|\d{4}[TFU]|[A-V]\d{4})\b", re.IGNORECASE)
MODIFIER_PATTERNS = [
    re.compile(r"\bmod(?:ifier)?s?\s*-?\s*([0-9]{2}|[a-z]{2})\b", re.IGNORECASE),
    re.compile(r"\b([0-9]{2}|xs|xe|xp|xu|kx)[\s-]+modifiers?\b", re.IGNORECASE),
    re.compile(r"(?<![\w-])-(25|50|51|57|59|xs|xe|xp|xu|kx|rt|lt)\b", re.IGNORECASE),
    re.compile(r"\b(?:a|an|the|with|use|add|append|put|bill|need|needs|or|and|get|gets|take|takes|carry|carries|"
               r"require|requires|justify|justifies|support|supports|warrant|warrants)\s+(25|50|51|57|59)\b"
               r"(?!\s*(?:%|percent|units?|years?|yo|y/o|mg|ml|minutes?|min|days?|levels?|muscles?|joints?))",
               re.IGNORECASE),
    re.compile(r"\b(XS|XE|XP|XU|KX)\b"),
    re.compile(r"\b(xs|xe|xp|xu|kx)\b(?=\s*(?:\?|$|,|or\b|on\b|instead\b|vs\b))", re.IGNORECASE),
    re.compile(r"\b(RT|LT)\s*(?:/|and|or|&)\s*(?:RT|LT)\b|\b(RT|LT)\s+modifiers?\b"),
]

FAMILY_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("rfa", re.compile(r"\bradiofrequency( ablation)?\b|\bablation\b|\bneurotomy\b|\brhizotomy\b|\bdenervation\b|\blesioning\b|\bcoolief\b")),
    ("facet", re.compile(r"\bfacet\b|\bmedial branch( block)?\b|\bzygapophyseal\b|\bz-joint\b")),
    ("tfesi", re.compile(r"\btransforaminal\b|\bselective nerve root block\b|\bnerve root block\b")),
    ("catheter", re.compile(r"\bcatheter\b")),
    ("ilesi", re.compile(r"\binterlaminar\b|\bcaudal\b|\bepidural( steroid injection)?\b")),
    ("il_named", re.compile(r"\binterlaminar\b|\bcaudal\b")),
    ("si", re.compile(r"\bsi joints?\b|\bsi (?:injection|nerve|rfa|radiofrequency|lateral)")),
    ("si_nerve", re.compile(r"\blateral branch(es)?\b|\bnerves? innervating\b|\bsi (?:joint )?nerve block\b")),
    ("tpi", re.compile(r"\btrigger point\b|\bmyofascial\b")),
    ("joint", re.compile(r"\barthrocentesis\b|\baspiration\b|\bjoint injection\b|\bbursa\b|\bintra-articular (?:knee|shoulder|hip)")),
]
SEPARATOR_RE = re.compile(r"\s*(?:,|;|\band also\b|\band\b|\bplus\b|\+|\bwith\b|\bthen\b|\balso\b|\bas well as\b)\s*")
WITH_RE = re.compile(r"^(?:with|under|using|w/)\b")
SENTENCE_RE = re.compile(r"(?<=[.?!;\n])\s+|\n+")

PAST_RE = re.compile(r"\b(repeat|same day|same session|also did|(done|performed|did|doing|do)( \w+){0,3} today)\b")
NONE_TODAY_RE = re.compile(r"\bno (procedure|injection|block)s?( was| were)?( done| performed)? today\b")
OUT_OF_SCOPE_HARD = re.compile(r"\b(poem|weather|recipe|stock|joke)\b")
YES_NO_START = re.compile(r"^(so |and |but |then |ok |okay )?(can|could|may|is|are|does|do|should|shall|will|would|am|was|"
                          r"were|isn't|aren't|doesn't|don't|has|have|must|did)\b(?! (you|u) (help|tell|explain|show|give|list|check))")
YES_NO_ANYWHERE = re.compile(r"\b(ok|okay|allowed|correct|right|fine|covered|billable|legit|supported|payable)\s*\?|"
                             r"\b(is|are) (it|this|that|these) (ok|okay|allowed|correct|right|fine|covered|billable)\b|"
                             r"\bor not\b|\byes or no\b")
WH_START = re.compile(r"^(what|which|how|why|when|where|who)\b")
FOLLOW_UP_RE = re.compile(r"^(and |so |ok |okay )?(what|how) (if|about)\b|^(and|with|without|plus)\b")
VERB_START = re.compile(r"^(bill|add|use|put|append|need|include|report|charge|submit|code it as|still)\b")
CODE_REQUEST = re.compile(r"\b(codes?|cpts?|lines|modifiers?|mods|meaning|max(imum)?|icd|cdt|number of)\b")
PROPOSE_RE = re.compile(r"\b(just )?(confirm|agree|approve|tell me (it'?s|that)|say (it'?s|that|\d{2}))\b|^(bill|code|use) \d|"
                        r"[.!] (bill|code|use) \d|\bbill \d{5}[\w -]*\.?$")
CLAUSE_RE = re.compile(r"[,.;:!?]\s*|\s+-\s+|\s+but\s+")


def is_yes_no(text: str) -> bool:
    """Does the question expect yes/no? The first question sentence decides: a wh-question ("what code?") or a choice
    ("57 or 25?", "1 unit or 2?") or a request for codes ("codes?") is not; any other question is ("Add 50?",
    "64490 + 64491?", "can I bill...?"). Without a question mark: an auxiliary verb opening a clause, or an
    instruction to confirm/bill something."""
    sentences = [x.strip() for x in re.split(r"(?<=[.?!])\s+|\n+", text) if x.strip()]
    questions = [x for x in sentences if x.endswith("?")]
    for sentence in questions[:1]:
        clauses = [c.strip() for c in CLAUSE_RE.split(sentence.rstrip("?")) if c.strip()] or [sentence]
        clause = clauses[-1]
        if FOLLOW_UP_RE.match(sentence) or any(WH_START.match(c) for c in clauses):
            return False  # a wh-question; follow-ups ("and bilateral?") take the previous turn's kind
        if re.search(r"\b(?<!and/)\S+ or (?!not\b)\S+", clause):
            return False
        if YES_NO_START.match(clause) or VERB_START.match(clause):
            return True
        return not CODE_REQUEST.search(clause)
    clauses = [c.strip() for c in CLAUSE_RE.split(text) if c.strip()]
    return any(YES_NO_START.match(c) for c in clauses) or bool(YES_NO_ANYWHERE.search(text) or PROPOSE_RE.search(text))


# --- codes and modifiers (original text) -------------------------------------------------------------------

def extract_lines(original: str) -> tuple[list[ClaimLine], list[tuple[str, int]], int | None]:
    """Claim lines written in the question ("99213-25", "64636 x2"), each code's position, and stated units."""
    lines: list[ClaimLine] = []
    positions: list[tuple[str, int]] = []
    units_before = {m.group(2).upper(): int(m.group(1)) for m in UNITS_BEFORE_RE.finditer(original)}
    for m in CODE_RE.finditer(original):
        code = m.group(1).upper()
        mods = [x.upper() for x in m.group(2).split("-")[1:] if x.upper() in VALID_MODIFIERS]
        units = int(m.group(3) or m.group(4) or units_before.get(code, 1))
        try:
            line = ClaimLine(code=code, modifiers=tuple(dict.fromkeys(mods)), units=max(1, min(units, 999)))
        except ValueError:
            continue
        lines.append(line)
        positions.append((code, m.start()))
    stated = max((ln.units for ln in lines), default=None)
    return lines, positions, stated if stated and stated > 1 else None


def extract_modifiers(original: str) -> list[tuple[str, int]]:
    """Modifiers named on their own ("a 25", "modifier 50", "XS", "RT/LT"), with their positions."""
    stripped = CODE_RE.sub(lambda m: " " * len(m.group(0)), original)
    found: dict[str, int] = {}
    for pattern in MODIFIER_PATTERNS:
        for m in pattern.finditer(stripped):
            for group in m.groups():
                mod = (group or "").upper()
                if mod in VALID_MODIFIERS and mod not in found:
                    found[mod] = m.start()
            if pattern is MODIFIER_PATTERNS[-1] and re.search(r"/|and|or|&", m.group(0)):
                found.setdefault("RT", m.start())
                found.setdefault("LT", m.start())
    return sorted(found.items(), key=lambda kv: kv[1])


# --- procedures (normalised text) ----------------------------------------------------------------------------

def _families_in(text: str, lexicon: Lexicon | None = None) -> list[tuple[str, int]]:
    """Procedure families named in a segment, with positions; the combinations resolve RFA/SI/facet."""
    hits = {name: m.start() for name, pattern in FAMILY_PATTERNS for m in [pattern.search(text)] if m}
    if lexicon is not None and "joint" not in hits:
        joint = lexicon.joint_re.search(text)
        if joint and not re.search(r"\b(replacement|arthroplasty)\b", text):
            hits["joint"] = joint.start()
    if lexicon is not None and PERIARTICULAR.search(text) and lexicon.muscle_re.search(text):
        # "the muscles around the SI joint (piriformis, QL), not the joint itself": trigger points, not the joint
        hits = {k: v for k, v in hits.items() if k not in ("si", "si_nerve", "joint", "facet")}
        hits.setdefault("tpi", lexicon.muscle_re.search(text).start())  # type: ignore[union-attr]
    found: list[tuple[str, int]] = []
    if "si" in hits:
        if "rfa" in hits:
            found.append(("si_rfa", hits["si"]))
        elif "si_nerve" in hits:
            found.append(("si_nerve_block", hits["si"]))
        else:
            found.append(("si_joint", hits["si"]))
    elif "rfa" in hits:
        found.append(("facet_rfa", hits["rfa"]))
    if "facet" in hits and ("rfa" not in hits or "si" in hits):
        found.append(("facet_injection", hits["facet"]))
    if "tfesi" in hits:
        found.append(("tfesi", hits["tfesi"]))
    if "catheter" in hits and "ilesi" in hits and not CATHETER_SINGLE_SHOT.search(text):
        found.append(("epidural_catheter", hits["catheter"]))
    elif "il_named" in hits or ("ilesi" in hits and "tfesi" not in hits):
        found.append(("ilesi", hits.get("il_named", hits["ilesi"])))
    if "tpi" in hits:
        found.append(("trigger_point", hits["tpi"]))
    named_joint = lexicon is not None and lexicon.joint_re.search(text)
    if "joint" in hits and (named_joint or not ({"si", "facet"} & hits.keys())):
        found.append(("joint", hits["joint"]))
    return found


# One injection through a catheter removed the same day is the single-injection code (62320-62323), not 62324-62327.
CATHETER_SINGLE_SHOT = re.compile(
    r"\bcatheter\b[^.?!]{0,60}\b(pulled|removed|withdrawn|taken out|discontinued)\b(?![^.?!]{0,40}\b((after|for|on) (day )?\w+ days?|next day|tomorrow|on day \d+)\b)|"
    r"\bsingle (shot|injection|bolus|dose)\b[^.?!]{0,60}\b(through|via|thru) (a |the |an )?(\w+ ){0,2}catheter\b")
PERIARTICULAR = re.compile(r"\bmuscles? (around|near|surrounding|adjacent to|overlying|next to|by)\b|"
                           r"\bnot (into |in )?the (\w+ )?joint( itself)?\b|\bnot intra-?articular\b")
HISTORY_RE = re.compile(r"\b(had|has had|after|following|prior|previous|last|earlier)\b")


NOT_A_SITE = re.compile(r"^\s*(?:\w+\s+)?(replacement|arthroplasty|pain|complaint|problem|issue|oa|osteoarthritis|"
                        r"arthritis|symptoms?|x-?rays?|mri|numbness|exam)\b")


def _joints(text: str, lexicon: Lexicon) -> list[JointMention]:
    """Joints injected, one per joint and side; a bursa or approach of a joint counts as that joint."""
    joints: dict[str, JointMention] = {}
    for m in lexicon.joint_re.finditer(text):
        name = m.group(0)
        if NOT_A_SITE.match(text[m.end():m.end() + 30]) and not re.match(r"\s*(injection|aspiration)", text[m.end():]):
            continue  # "new shoulder pain", "knee OA": a complaint, not an injection site
        site = lexicon.joint_sites.get(name, name)
        prefix = re.split(r"\band\b|\bplus\b|[,;+&]", text[max(0, m.start() - 30):m.start()])[-1]
        side = "bilateral" if re.search(r"\bboth\b", prefix) else _laterality(prefix)
        add_joint(joints, JointMention(name=site, size=lexicon.joints.get(site, lexicon.joints[name]), laterality=side))
    return list(joints.values())


def add_joint(joints: dict[str, JointMention], joint: JointMention) -> None:
    """Add a joint unless it is one already named (same joint, same or unstated side)."""
    same = next((k for k, j in joints.items() if j.name == joint.name and (
        j.laterality == joint.laterality or joint.laterality is None or j.laterality is None)), None)
    if same is None:
        joints[f"{joint.name}:{joint.laterality}"] = joint
    elif joint.laterality and joints[same].laterality is None:
        joints[same] = joints[same].model_copy(update={"laterality": joint.laterality})


def _muscles(text: str, lexicon: Lexicon) -> tuple[int | None, list[str]]:
    """Distinct muscles (left and right of one muscle count as two); an explicit count wins."""
    explicit = [_num(g) for g in re.findall(rf"(?:\bx\s*|\b){NUM}\s+(?:[a-z]+\s+){{0,2}}muscle", text)]
    sided: set[tuple[str, str]] = set()
    names: list[str] = []
    distributed_bilateral = bool(re.search(r"\bbilateral\b", text))
    for m in lexicon.muscle_re.finditer(text):
        muscle = lexicon.muscles[m.group(0)]
        prefix = re.split(r"\band\b|,|;", text[max(0, m.start() - 25):m.start()])[-1]
        side = _laterality(prefix)
        if side is None and distributed_bilateral:
            side = "bilateral"
        sides = ["left", "right"] if side == "bilateral" else [side or "unspecified"]
        sided.update((muscle, s) for s in sides)
        names.append(muscle)
    if explicit:
        return sum(explicit), names
    return (len(sided) or None), names


def _segments(sentence: str, lexicon: Lexicon) -> list[tuple[str, list[str]]]:
    """Split a sentence naming several procedures into (segment text, families) with attributes attached."""
    parts = [p for p in SEPARATOR_RE.split(sentence) if p and p.strip()]
    separators = SEPARATOR_RE.findall(sentence)
    whole = [f for f, _ in _families_in(sentence, lexicon)]
    tagged = [(p, [f for f, _ in _families_in(p, lexicon)]) for p in parts]
    if len(whole) < 2 or sum(1 for _, fams in tagged if fams) < 2:
        return [(sentence, whole)]  # one procedure ("RFA ... L4-5 facets"): every clause describes it
    groups: list[list] = []
    pending: list[str] = []
    for i, (part, fams) in enumerate(tagged):
        sep = separators[i - 1].strip() if 0 < i <= len(separators) else ""
        if fams:
            groups.append([" ".join(pending + [part]), fams])
            pending = []
        elif groups and (WITH_RE.match(part) or sep in ("with", "w/")):
            groups[-1][0] += " " + part
        else:
            pending.append(part)
    if pending and groups:
        groups[-1][0] += " " + " ".join(pending)
    return [(text, fams) for text, fams in groups]


def _procedure(family: str, text: str, lexicon: Lexicon) -> list[ProcedureMention]:
    levels = parse_levels(text)
    count = levels.count(family)
    words = re.search(rf"\b{NUM}[ -](?:level|joint|foramina|foramen)s?\b", text)
    ordinal = re.search(r"\b(?:(\d)(?:st|nd|rd|th)|(second|third|fourth|fifth))[ -](?:level|joint)\b", text)
    if count is None and words:
        count = _num(words.group(1))
    elif count is None and ordinal:
        count = int(ordinal.group(1)) if ordinal.group(1) else ORDINALS[ordinal.group(2)]
    region = levels.region or _first([(r, re.compile(rf"\b{r}\b")) for r in ("cervical", "thoracic", "lumbar")], text)
    if region is None and re.search(r"\bneck\b", text):
        region = "cervical"
    if region is None and re.search(r"\blow(er)? back\b|\bcaudal\b", text):
        region = "lumbar"
    diagnostic = _diagnostic(text)
    if diagnostic is None and family == "facet_injection" and re.search(r"\bmedial branch\b", text):
        diagnostic = True
    if diagnostic is None and family == "tfesi" and re.search(r"\bselective nerve root block\b", text):
        diagnostic = True
    base = ProcedureMention(family=family, region=region, levels=count, level_names=levels.names,
                            laterality=_laterality(text), imaging=_first(IMAGING_PATTERNS, text), diagnostic=diagnostic)
    if family == "trigger_point":
        base.muscles, base.muscle_names = _muscles(text, lexicon)
    if family in ("si_joint", "si_nerve_block", "si_rfa"):
        base.region = "sacral"
    if family in ("facet_injection", "facet_rfa", "tfesi"):
        base.side_level_names = _sides_per_level(text)
    return [base]


def _sides_per_level(text: str) -> dict[str, list[str]]:
    """"bilateral L5-S1 and left L4-5": the levels each side gets, when every level named carries its own side
    and the sides differ; otherwise {} (one side, or a side said once for all levels)."""
    found: dict[str, list[str]] = {}
    for part in SEPARATOR_RE.split(text):
        names = parse_levels(part).names
        if not names:
            continue
        side = _laterality(part)
        if side is None:
            return {}
        found[side] = list(dict.fromkeys(found.get(side, []) + names))
    return found if len(found) > 1 else {}


def extract_procedures(text: str, lexicon: Lexicon) -> list[ProcedureMention]:
    """Procedures in normalised text, one per family (joints: one per joint named), attributes per clause."""
    found: dict[str, ProcedureMention] = {}
    history: set[str] = set()
    joints: list[JointMention] = []
    joint_text = ""
    for sentence in (s for s in SENTENCE_RE.split(text) if s.strip()):
        for segment, families in _segments(sentence, lexicon):
            for family in families:
                if HISTORY_RE.search(segment):
                    history.add(family)
                if family == "joint":
                    continue
                for mention in _procedure(family, segment, lexicon):
                    previous = found.get(family)
                    found[family] = mention if previous is None else _merge_procedure(previous, mention)
            seg_joints = _joints(segment, lexicon) if "joint" in families else []
            if seg_joints:
                side = _laterality(segment) if len(seg_joints) == 1 else None
                joints += [j if j.laterality or not side else j.model_copy(update={"laterality": side}) for j in seg_joints]
                joint_text += " " + segment
    if "facet_rfa" in found and "facet_injection" in history:
        found.pop("facet_injection", None)  # "RFA after two MBBs": the blocks are history, not today's work
    if joints or re.search(r"\barthrocentesis\b", text):
        dedup: dict[str, JointMention] = {}
        for joint in joints:
            add_joint(dedup, joint)
        found["joint"] = ProcedureMention(family="joint", joints=list(dedup.values()),
                                          imaging=_first(IMAGING_PATTERNS, joint_text or text),
                                          laterality=_laterality(joint_text) if len(dedup) <= 1 else None)
    return list(found.values())


def _merge_procedure(old: ProcedureMention, new: ProcedureMention) -> ProcedureMention:
    """Two mentions of one family in a question: what the later one states wins, the rest is kept."""
    data = old.model_dump()
    for key, value in new.model_dump().items():
        if value not in (None, [], {}):
            data[key] = value
    if old.level_names and new.level_names:
        names = list(dict.fromkeys(old.level_names + new.level_names))
        data["level_names"] = names
        data["levels"] = max(old.levels or 0, new.levels or 0, parse_levels(" ".join(n.lower() for n in names)).count(old.family) or 0)
    sides = _side_levels(old, new)
    if len(sides) > 1:  # "bilateral L5-S1 and left L4-5": each side counts its own levels
        data["side_level_names"] = sides
    return ProcedureMention.model_validate(data)


def _side_levels(old: ProcedureMention, new: ProcedureMention) -> dict[str, list[str]]:
    sides = {k: list(v) for k, v in old.side_level_names.items()}
    for mention in ([] if old.side_level_names else [old]) + [new]:
        if mention.laterality and mention.level_names:
            sides[mention.laterality] = list(dict.fromkeys(sides.get(mention.laterality, []) + mention.level_names))
    return sides


def procedures_from_codes(lines: list[ClaimLine], lexicon: Lexicon) -> list[ProcedureMention]:
    """When a question names codes, not procedures: 64493 + 64494 = a two-level lumbar facet injection."""
    by_family: dict[str, ProcedureMention] = {}
    for line in lines:
        info = lexicon.code_info(line.code)
        if not info or "family" not in info:
            continue
        family = info["family"]
        level = int(info.get("level", 1)) + (line.units - 1 if info.get("addon") else 0)
        side = "bilateral" if "50" in line.modifiers else ("left" if "LT" in line.modifiers else "right" if "RT" in line.modifiers else None)
        mention = by_family.get(family) or ProcedureMention(family=family, region=info.get("region"), levels=1)
        mention.levels = max(mention.levels or 1, level)
        mention.imaging = mention.imaging or info.get("imaging")
        mention.laterality = mention.laterality or side
        if family == "joint":
            mention.joints.append(JointMention(name=f"{info['size']} joint", size=info["size"], laterality=side))
        if family == "trigger_point":
            mention.muscles = max(mention.muscles or 0, int(info.get("muscles", 1)))
        if "KX" in line.modifiers:
            mention.diagnostic = True
        by_family[family] = mention
    return list(by_family.values())


# --- the whole question -------------------------------------------------------------------------------------------

def understand(question: str, lexicon: Lexicon, classifier: IntentClassifier) -> Understanding:
    """Read one question (no history): intent, yes/no, stated mentions. Encounter/proposal come later."""
    text = lexicon.normalize(question)
    lines, positions, units = extract_lines(question)
    mods = extract_modifiers(question)
    procedures = extract_procedures(text, lexicon)
    named = {p.family for p in procedures}
    for coded in procedures_from_codes(lines, lexicon):
        same = next((p for p in procedures if p.family == coded.family), None)
        if same is not None:  # the words name it; the codes fill in what the words leave out
            same.levels = same.levels or coded.levels
            same.laterality = same.laterality or coded.laterality
        elif not named:  # only codes: the procedure they stand for, with what the words say (levels, side)
            stated = _procedure(coded.family, text, lexicon)[0]
            procedures.append(_merge_procedure(coded, stated.model_copy(update={"region": stated.region and coded.region and stated.region})))
    families = [p.family for p in procedures]
    mentions = extract_facts(text, lexicon, families)
    mentions.procedures = procedures
    mentions.lines = lines
    mentions.codes = list(dict.fromkeys(code for code, _ in positions))
    mentions.modifiers = [mod for mod, _ in mods]
    mentions.units = units
    if NONE_TODAY_RE.search(text):
        mentions.procedures = []  # a visit without a procedure; what is planned for later is not on today's claim
    elif mentions.days_since_global_procedure is not None and mentions.procedures and not PAST_RE.search(text):
        # "RFA was 7 days ago, follow-up visit today": the procedure is in the past; only its global period matters.
        mentions.past_procedure = mentions.procedures[0]
        mentions.procedures = []
        mentions.lines = [ln for ln in lines if EM_CODE_RE.match(ln.code) or not lexicon.code_info(ln.code)]
        mentions.past_code = next((ln.code for ln in lines if lexicon.code_info(ln.code)), None)
    em_codes = [c for c in mentions.codes if EM_CODE_RE.match(c)]
    if em_codes:
        mentions.em, mentions.em_code = True, em_codes[0]
        if em_codes[0] in {"99202", "99203", "99204", "99205"} and mentions.new_patient is None:
            mentions.new_patient = True
    if "25" in mentions.modifiers or any("25" in ln.modifiers for ln in lines):
        mentions.em = True

    intent, score, _ = classifier.classify(text, question)
    in_scope_code = any(lexicon.code_info(c) or EM_CODE_RE.match(c) for c in mentions.codes)
    domain = bool(procedures or in_scope_code or mentions.em or mentions.modifiers or _domain_words(text))
    out_of_scope = (not domain and (intent == "out_of_scope" or bool(lexicon.out_of_scope_re.search(text))
                                    or bool(mentions.codes))) or bool(OUT_OF_SCOPE_HARD.search(text) and not domain)
    if lexicon.out_of_scope_re.search(text) and not procedures and not in_scope_code:
        out_of_scope = True
    if intent == "out_of_scope" and not out_of_scope:
        intent = "code_procedure" if procedures else "definition"
    yes_no = is_yes_no(text)
    return Understanding(
        intent="out_of_scope" if out_of_scope else intent,
        intent_score=round(score, 3),
        yes_no=yes_no and not out_of_scope,
        out_of_scope=out_of_scope,
        override_attempt=bool(lexicon.override_re.search(text)),
        mentions=mentions,
        topics=_topics(text, mentions),
    )


DOMAIN_RE = re.compile(
    r"\b(modifier|kx|xs|xe|xp|xu|mue|mai|ptp|ncci|lcd|ncd|bilateral indicator|global (period|days|indicator)|add-on|"
    r"addon|zzz|injection|block|epidural|facet|trigger point|medicare|oig|sedation|fluoroscopy|ultrasound|guidance|"
    r"em|asc|facility claim|physician claim|kx|denial|denied|relief|sessions?|levels?)\b")


def _domain_words(text: str) -> bool:
    return bool(DOMAIN_RE.search(text))


def _topics(text: str, mentions: Mentions) -> list[str]:
    """Words for the retrieval query beyond the codes: what the question is about."""
    topics = []
    for word in ("kx", "mue", "mai", "ptp", "ncci", "lcd", "global", "add-on", "sedation", "documentation",
                 "audit", "oig", "bilateral", "asc", "commercial", "g0260", "glossary", "primer"):
        if re.search(rf"\b{re.escape(word)}\b", text):
            topics.append(word)
    if mentions.em:
        topics.append("modifier 25")
    return topics

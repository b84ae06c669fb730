"""Encounter-wide facts a coder's question states, and the word-level readers the procedure patterns share.

Payer, setting, E/M and separate problem, relief, sessions, sedation, ultrasound documentation, radicular vs axial
pain, separate sites, days since an earlier procedure; plus sides ("right" as a side, not "the right code"),
imaging, diagnostic vs therapeutic and number words. Patterns read the lexicon-normalised text.
"""

from __future__ import annotations

import re
from typing import Iterable

from advisor.answer.lexicon import Lexicon
from advisor.answer.model import Mentions

NUMBER_WORDS = {"one": 1, "single": 1, "two": 2, "both": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7}
NUM = r"(\d{1,2}|one|single|two|three|four|five|six|seven|eight|nine|ten)"

IMAGING_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("none", re.compile(r"\b(no|without|w/o) (any |the )?(imaging|image guidance|guidance|fluoroscopy|ultrasound|ct)\b|\bunguided\b|\bblind\b|\blandmark\b|\bpalpation\b|\bnon-guided\b")),
    ("ultrasound", re.compile(r"\bultrasound\b")),
    ("ct", re.compile(r"\bct\b|\bcomputed tomography\b")),
    ("fluoroscopy", re.compile(r"\bfluoroscopy\b|\bx-ray guid")),
]
US_IMAGE_NO = re.compile(r"\b(no|without|w/o|not|didn't|did not|never)\b[\w ]{0,20}\b(image|images|picture|recording|saved|stored)\b|\bimage (was |were )?not (saved|stored|kept|retained)\b")
US_IMAGE_YES = re.compile(r"\b(image|images|picture|recording|still)s? (was |were |is |are )?(saved|stored|recorded|retained|archived|captured|kept)\b|\bpermanent(ly)? (image|recording|record)\b|\bsaved (the |an? )?(image|images|picture)\b")
US_REPORT_NO = re.compile(r"\b(no|without|w/o|lacks?|missing)( an?| any)? (separate |written |formal |dictated )?(interpretation|report)\b|"
                          r"\breport (was |is )?(not|missing)\b|\b(didn't|did not|never) (write|dictate|document|do)( an?| any)? "
                          r"(separate |written )?(interpretation|report)\b|\bno (written )?interpretation ?/ ?report\b")
US_REPORT_YES = re.compile(r"\b(with|and) (a |the )?(written |separate )?report\b|\breport (was |is )?(dictated|documented|written|done|"
                           r"in the chart|in chart|on file|in the note)\b|\bdocumented (with )?(a )?report\b|\bimage and report\b")

RADICULAR_YES = re.compile(r"\bradiculopath\w*|\bradicular\b|\bsciatica\b|\bradiating (leg|arm|down)|\bradiates (down|into)\b|"
                           r"\bneurogenic claudication\b|\bnerve root (pain|compression|irritation|impingement)\b")
RADICULAR_NO = re.compile(r"\b(no|without|denies|not|non-?)\s?(\w+ ){0,2}(radiculopath\w*|radicular|sciatica|leg pain|arm pain)\b|"
                          r"\baxial\b|\b(back|neck) pain only\b|\bonly (axial |low )?(back|neck) pain\b")
DISTINCT_YES = re.compile(r"\b(different|separate|distinct|other) (anatomic(al)? )?(sites?|areas?|locations?|body parts?|regions?|"
                          r"structures?|sides?|incisions?|sessions?|encounters?)\b")
DISTINCT_NO = re.compile(r"\bsame (anatomic(al)? )?(site|area|location|spot|muscle|region|structure|incision)\b|"
                         r"\b(different|separate) diagnos[ie]s\b(?=.*\b(enough|alone|suffic\w*|justify|justifies)\b)|"
                         r"\b(only|just) (a |the )?(different|separate) diagnos[ie]s\b")
SEPARATE_NO = re.compile(
    r"\bno (new|separate|other|additional|different) (problem|complaint|issue|concern)s?\b|\bnothing else\b|"
    r"\bonly (the |for the |for )?(scheduled |planned )?(injection|procedure|block|esi|rfa)\b|\bjust (the |for the |for )?(scheduled |planned )?(injection|procedure|block)\b|"
    r"\bscheduled\b|\bplanned\b|\bdecision to (inject|perform|do)\b|\bdecided to (inject|do)\b|\bdecided (on|upon) (it|the (injection|procedure|block))\b|\bsame problem\b|"
    r"\bpre-?procedure\b|\bnot addressed\b|\bdidn't address\b|\bno other\b|\bjust came (in )?for\b|"
    r"\b(new patient|new pt)\b[\w ]{0,25}\b(enough|alone|by itself|sufficient)\b|\bbeing a new (patient|pt)\b|"
    r"\b(vitals|consent|pre-?op)\b[\w ]{0,30}\bbefore the\b|\bdecision to inject\b|\bflare of the same\b")
SEPARATE_YES = re.compile(
    r"(?<!no )\b(new|separate|different|unrelated|additional)(?! patient| pt)( [\w-]+){0,3} (problem|complaint|issue|condition|concern|"
    r"diagnosis|pain|numbness|headache|symptoms?)\b|\bseparately documented\b|\bdocumented separately\b|"
    r"\bworked up\b|\bwork-?up\b|\balso (addressed|evaluated|managed|treated|assessed|examined)\b|"
    r"\bseparately identifiable\b|\bmedication management\b|\bmed management\b|\bsignificant(ly)? (and )?separate\b|"
    r"\b(addressed|evaluated) (a |his |her |their )?(new|other|separate)\b")

EM_RE = re.compile(
    r"\bem\b|\b99(20[2-5]|21[1-5])\b|\bconsult(ation)?\b|\b(follow-?up|new patient|post-?op|em|separate|clinic|"
    r"established patient) visit\b|\b(bill|charge|code|add|count)( \w+){0,2} visit\b|\bvisit\b[\w ]{0,15}\b(billable|payable|"
    r"separately)\b|\bpost-?op (check|visit)\b|\bmdm\b")

PAYER_MEDICARE = re.compile(r"\bmedicare\b")
SETTINGS: list[tuple[str, re.Pattern[str]]] = [
    ("office", re.compile(r"\b(professional|physician'?s?|doctor'?s?( own)?( professional)?) claim\b")),
    ("asc", re.compile(r"\basc\b")),
    ("facility", re.compile(r"\bhospital outpatient\b|\bfacility\b|\bhospital\b|\boutpatient department\b")),
    ("office", re.compile(r"\boffice\b|\bin-office\b|\bclinic\b|\bprofessional claim\b|\bphysician claim\b")),
]
RELIEF_RE = re.compile(r"(\d{1,3})\s*(?:%|percent)\s*(?:pain\s+)?(?:relief|improvement|reduction|better|pain relief)|(?:relief|improvement)\s+(?:of\s+)?(\d{1,3})\s*(?:%|percent)")
SEDATION_NO = re.compile(r"\b(no|without) (sedation|mac|anesthesia)\b")
SEDATION_YES = re.compile(r"\bsedation\b|\bmac anesthesia\b|\b(under|with) mac\b|\bmonitored anesthesia\b|\bversed\b|\bmidazolam\b|\bpropofol\b|\bgeneral anesthesia\b")
SESSION_NOUN = (r"(esi|epidural( steroid injection)?|transforaminal( epidural)?|interlaminar( epidural)?|injection|"
                r"session|radiofrequency ablation|rfa|ablation|trigger point|medial branch block|block|si joint( injection)?)s?")
SESSION_ORDINAL_RE = re.compile(rf"\b(\d)(?:st|nd|rd|th)|\b(first|second|third|fourth|fifth|sixth|seventh)\b(?=\s+(?:\w+\s+){{0,3}}?{SESSION_NOUN})")
SESSION_COUNT_RE = re.compile(rf"\b(?:had|has had|received|done|did|got|already)\s+(?:\w+\s+)?{NUM}\s+(?:\w+\s+){{0,2}}?{SESSION_NOUN}")
PERIOD_RE = re.compile(r"\bthis year\b|\b12 months\b|\bin \d{1,2} months\b|\btwelve months\b|\bpast year\b|\blast year\b|\bcalendar year\b|\bin a year\b|\brolling\b")
DAYS_RE = re.compile(r"\b(\d{1,3}|a|one|two|three|four|five|six)\s+(days?|weeks?)\s+(after|since|post|following|from|ago|later)\b"
                     r"|\bday (\d{1,3}) (after|post|following)\b|\b(last|past) (week)\b")

# "right" meaning correct: "is that the right code?", "is this right?", "right away"
NOT_A_SIDE = re.compile(r"\bright (codes?|cpts?|modifiers?|way|lines?|units?|answer|choice|thing|call|level of)\b|"
                        r"\b(is|are) (that|this|it|these|those) right\b|\bright\s*\?|\ball right\b|\bright (now|away)\b|"
                        r"\b(get|got|have|has) (it|this|that) right\b")

ABLATION = (
    ("pulsed", re.compile(r"\bpulsed\b|\bprf\b")),
    ("cryo", re.compile(r"\bcryo\w*")),
    ("chemical", re.compile(r"\bchemical (neurolysis|ablation|denervation)\b|\bphenol\b|\balcohol neurolysis\b")),
    ("laser", re.compile(r"\blaser\b")),
    ("thermal", re.compile(r"\b(thermal|conventional|cooled|continuous)\s+(rf|radio ?frequency|ablation|lesion\w*)\b")),
)


def _num(token: str) -> int:
    return int(token) if token.isdigit() else NUMBER_WORDS.get(token, ORDINALS.get(token, 0))


def _first(patterns: Iterable[tuple[str, re.Pattern[str]]], text: str) -> str | None:
    for name, pattern in patterns:
        if pattern.search(text):
            return name
    return None


def _laterality(text: str) -> str | None:
    text = NOT_A_SIDE.sub(" ", text)
    if re.search(r"\bbilateral\b", text) or (re.search(r"\bleft\b", text) and re.search(r"\bright\b", text)):
        return "bilateral"
    left = re.search(r"\bleft\b|\(l\)|(?<![a-z0-9/'-])l(?![a-z0-9/'-])", text)
    right = re.search(r"\bright\b|\(r\)|(?<![a-z0-9/'-])r(?![a-z0-9/'-])", text)
    if left and right:
        return "bilateral"
    if left:
        return "left"
    if right:
        return "right"
    return None


def _diagnostic(text: str) -> bool | None:
    """Diagnostic vs therapeutic; when both are named ("after the diagnostic block, a therapeutic one") the later wins."""
    diag = [m.start() for m in re.finditer(r"\bdiagnostic\b|\bconfirmatory\b", text)]
    ther = [m.start() for m in re.finditer(r"\btherapeutic\b", text)]
    if diag and ther:
        return max(diag) > max(ther)
    return True if diag else False if ther else None


def _radicular(text: str) -> bool | None:
    """Radicular pain (radiculopathy, sciatica) vs axial pain only; a negated mention ("without radiculopathy") is axial."""
    if RADICULAR_NO.search(text):
        return False
    return True if RADICULAR_YES.search(text) else None


def _tristate(text: str, yes: re.Pattern[str], no: re.Pattern[str], yes_wins: bool = True) -> bool | None:
    y, n = bool(yes.search(text)), bool(no.search(text))
    if y and n:
        return yes_wins
    return True if y else False if n else None

# --- facts ------------------------------------------------------------------------------------------------------

def extract_facts(text: str, lexicon: Lexicon, families: list[str]) -> Mentions:
    """Encounter-wide facts: payer, setting, E/M, relief, sessions, sedation, ultrasound documentation."""
    m = Mentions()
    if lexicon.commercial_re.search(text):
        m.payer = "commercial"
    elif PAYER_MEDICARE.search(text):
        m.payer = "medicare"
    m.setting = _first(SETTINGS, text)
    m.laterality = _laterality(text)
    m.imaging = _first(IMAGING_PATTERNS, text)
    m.diagnostic = _diagnostic(text)
    m.new_patient = True if re.search(r"\bnew (patient|pt)\b", text) else False if re.search(r"\bestablished\b", text) else None
    m.separate_problem = _tristate(text, SEPARATE_YES, SEPARATE_NO)
    if EM_RE.search(text):
        m.em = True
    relief = RELIEF_RE.search(text)
    if relief:
        m.prior_relief_percent = min(100, int(relief.group(1) or relief.group(2)))
    m.sedation = _tristate(text, SEDATION_YES, SEDATION_NO, yes_wins=False)
    # a follow-up ("what if they didn't save the image?") states the documentation without naming ultrasound again
    docs = re.sub(r"\bimage[- ]guid\w*|\bimaging\b", " ", text)
    m.us_permanent_image = _tristate(docs, US_IMAGE_YES, US_IMAGE_NO, yes_wins=False)
    m.us_report = _tristate(docs, US_REPORT_YES, US_REPORT_NO, yes_wins=False)
    m.radicular = _radicular(text)
    m.ablation = _first(ABLATION, text)
    m.distinct_sites = _tristate(text, DISTINCT_YES, DISTINCT_NO, yes_wins=False)
    days = DAYS_RE.search(text)
    if days and days.group(1):
        n = _num(days.group(1)) if days.group(1) != "a" else 1
        m.days_since_global_procedure = min(365, n * (7 if days.group(2).startswith("week") else 1))
    elif days and days.group(4):
        m.days_since_global_procedure = int(days.group(4))
    elif days:
        m.days_since_global_procedure = 7
    m.prior_sessions = _sessions(text, families)
    return m


def _sessions(text: str, families: list[str]) -> dict[str, int]:
    """'4th ESI this year' = 3 before this one; 'had 4 ESIs in 12 months' = 4 before."""
    if not PERIOD_RE.search(text) and not re.search(r"\b(already had|has had|prior|previous|repeat|last)\b", text):
        return {}
    count = None
    ordinal = SESSION_ORDINAL_RE.search(text)
    if ordinal:
        count = (int(ordinal.group(1)) if ordinal.group(1) else ORDINALS[ordinal.group(2)]) - 1
    had = SESSION_COUNT_RE.search(text)
    if had:
        count = max(count or 0, _num(had.group(1)))
    if not count and re.search(r"\b(repeat|last|previous|prior)\b[\w ]{0,20}\b(radiofrequency ablation|rfa|ablation)\b|"
                               r"\b(radiofrequency ablation|rfa)\b[\w ]{0,20}\brepeat\b|\brepeat it\b", text):
        count = 1  # a repeat RFA: the LCD's repeat criteria apply
    if not count:
        return {}
    diagnostic = bool(re.search(r"\bdiagnostic\b|\bmedial branch\b", text))
    family_map = {"tfesi": "esi", "ilesi": "esi", "facet_rfa": "rfa", "trigger_point": "tpi",
                  "facet_injection": "facet_diagnostic" if diagnostic else "facet_therapeutic",
                  "si_joint": "si_diagnostic" if diagnostic else "si_therapeutic",
                  "si_nerve_block": "si_diagnostic"}
    return {family_map[f]: count for f in families[:1] if f in family_map}

"""Patient identifiers out, placeholders in; the placeholders back in the reply (issue #17 item 7, "PHI stays local").

Why: an LLM engine receives the coder's question as typed, and a pasted op note carries the patient's name, date of
birth, MRN, member id, phone, address, e-mail and SSN. None of them matters to the coding, so the prompt gets stable
placeholders ([NAME-1], [DOB-1], [MRN-1], ...) and the answer shown to the coder gets the originals back.

What is kept on purpose, because the coding rests on it: CPT/HCPCS codes with modifiers and units, spinal levels,
sides, ages, percentages, payer names, drug doses, and every date that is not a birth date (dates of service and
procedure dates: days since a procedure decide global periods and repeat-injection intervals). A date is a date of
birth only when it is labelled so (DOB, born, date of birth, ...) or follows a detected name directly ("Jane Doe,
04/12/1961") and lies more than BIRTH_MIN_YEARS in the past.

How: regular expressions for the shaped identifiers (e-mail, SSN, phone, Medicare MBI, street address), labels for the
unshaped ones (MRN: ..., Member ID: ..., Patient: ...), titles (Mr., Dr.) and a small local list of common given names
and surnames (names.yaml) for names written without a label. Detection is deliberately generous around labels and
conservative elsewhere: a missed code costs a wrong answer, a missed name costs a disclosure, and the stop list keeps
payer, drug, anatomy and coding words out of the name slots. `tests/privacy/notes.yaml` measures the recall.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

KINDS = ("NAME", "DOB", "MRN", "MEMBER", "PHONE", "ADDRESS", "EMAIL", "SSN")
BIRTH_MIN_YEARS = 10  # an unlabelled date right after a name is a birth date only if at least this old
PLACEHOLDER = re.compile(r"\[?\b(" + "|".join(KINDS) + r")-(\d{1,4})\b\]?")

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_DATE = (rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})(?!\d)|\d{{4}}-\d{{1,2}}-\d{{1,2}}(?!\d)|"
         rf"(?i:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?i:{_MONTH})\.?,?\s+\d{{4}}|"
         rf"(?i:{_MONTH})\.?,?\s+\d{{4}}|(?:19|20)\d{{2}}(?!\d))")
DATE = re.compile(_DATE)
_YEAR = re.compile(r"(?<!\d)(\d{4}|\d{2})(?!.*\d)")

_DOB_LABEL = r"(?i:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?date|birthday|born(?:\s+on|\s+in)?|b\.)"
DOB = re.compile(rf"\b{_DOB_LABEL}\s*(?:is\s+|was\s+)?[:#=-]?\s*({_DATE})")

EMAIL = re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b")
SSN = re.compile(r"(?<![\w-])(\d{3}-\d{2}-\d{4})(?![\w-])|"
                 r"\b(?i:ssn|ss\s?#|social\s+security(?:\s+(?:number|no\.?|#))?)\s*(?:is\s+)?[:#]?\s*"
                 r"((?:\d{3}|[Xx*]{3})[- ]?(?:\d{2}|[Xx*]{2})[- ]?\d{4})(?!\d)")
_PHONE_BODY = r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}"
PHONE = re.compile(r"(?<![\w-])(?:\+?1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[.-])\d{3}[.-]\d{4}(?![\w-])|"
                   r"\b(?i:phone|ph|tel|telephone|cell|mobile|home|work|fax|contact|call(?:\s+back)?(?:\s+at)?)"
                   rf"\s*(?:#|no\.?|number)?\s*[:.]?\s*({_PHONE_BODY})(?![\w-])")
# Medicare Beneficiary Identifier: 11 characters, fixed letter/digit positions (CMS MBI format), dashes optional
_L = "[AC-HJKMNP-RT-Y]"
_A = "[AC-HJKMNP-RT-Y0-9]"
MBI = re.compile(rf"(?<![\w-])[1-9]{_L}{_A}\d-?{_L}{_A}\d-?{_L}{{2}}\d{{2}}(?![\w-])")
_ID_VALUE = r"((?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9-]{3,}(?:[ -]\d{2,4}(?!\d))*)"
MRN = re.compile(
    r"\b(?i:mrn|mr\s?#|mr\s+no\.?|medical\s+record(?:\s+(?:number|no\.?|#))?|chart(?:\s+(?:number|no\.?|#|id))|"
    r"acct\.?(?:\s+(?:number|no\.?|#))?|account(?:\s+(?:number|no\.?|#))|patient\s+(?:id|#|number)|"
    r"pt\.?\s+(?:id|#)|encounter\s+(?:id|number|#)|visit\s+(?:id|#)|fin|csn|har)"
    rf"\s*(?:is\s+)?[:#=]?\s*{_ID_VALUE}")
MEMBER = re.compile(  # "no 77003" is never an id: a bare label counts only as "ID"; no/number/# need their noun
    r"\b(?i:member|subscriber|policy|insurance|ins\.?|beneficiary|medicare|medicaid|group|plan|payer|card)\s*"
    r"(?i:(?:id|number|identifier|no)\b\.?|#)\s*(?:is\s+)?[:#=]?\s*" + _ID_VALUE
    + r"|\b(?i:id)\b\.?\s*(?:is\s+)?[:#=]?\s*" + _ID_VALUE
    + r"|\b(?i:mbi|hicn|member|subscriber|beneficiary)\s*[:#=]?\s*" + _ID_VALUE)
_SUFFIX = (r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|"
           r"circle|cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|loop|pike)\b\.?")
_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|"
           "ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR")
_CITY = r"[A-Z][A-Za-z'.-]+(?:\s[A-Z][A-Za-z'.-]+){0,2}"
_CITY_STATE = rf"{_CITY},?\s+(?:{_STATES})\b(?:\s+\d{{5}}(?:-\d{{4}})?)?"
ADDRESS = re.compile(
    rf"\b\d{{1,6}}\s+(?:(?i:[NSEW]\.?|north|south|east|west)\s+)?(?:(?:[A-Z][A-Za-z'-]*|\d+(?i:st|nd|rd|th))\s+)"
    rf"{{1,3}}{_SUFFIX}(?:,?\s*(?i:apt|apartment|unit|suite|ste|#)\.?\s*#?\w+)?(?:,\s*{_CITY_STATE})?|"
    rf"\b(?i:p\.?\s?o\.?\s+box)\s+\d+(?:,\s*{_CITY_STATE})?|"
    rf"\b{_CITY},\s+(?:{_STATES})\s+\d{{5}}(?:-\d{{4}})?\b")

_NAME_WORD = r"(?:[A-Z](?:[a-z]+|[A-Z]+)?(?:['\u2019-][A-Z][A-Za-z]+)?|Mc[A-Z][a-z]+|Mac[A-Z][a-z]+|[A-Z]\.)"
_NAME_RUN = rf"{_NAME_WORD}(?:,?\s+{_NAME_WORD}){{0,3}}"
TITLE = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Doctor|Prof)\.?\s+({_NAME_RUN})")
NAME_LABEL = re.compile(
    r"\b(?i:patient(?:'s)?\s+name|pt\.?\s+name|name|patient|pt|surgeon|assistant|attending|physician|provider|"
    r"referring(?:\s+(?:physician|provider|md|doctor))?|anesthesiologist|pcp|guarantor|subscriber|insured|"
    r"emergency\s+contact|(?:electronically\s+)?signed\s+by|dictated\s+by|performed\s+by|seen\s+by|referred\s+by|"
    r"cc)\s*:\s*" + rf"({_NAME_RUN})")
ROLE_NAME = re.compile(r"\b(?i:surgeon|attending|anesthesiologist|signed\s+by|dictated\s+by|performed\s+by|"
                       r"referred\s+by|seen\s+by|(?:patient|pt\.?)(?:\s+(?:is|named|was))?)\s+"
                       rf"({_NAME_RUN})")
CAP_WORD = re.compile(r"\b[A-Z][A-Za-z]*(?:['\u2019-][A-Z][A-Za-z]+)?\b")

# Capitalised words that are never a person's name here: payers, drugs, anatomy, procedures, coding words.
STOP = frozenset("""
medicare medicaid aetna cigna humana united unitedhealthcare uhc anthem bcbs blue cross shield tricare kaiser
molina centene wellcare oscar ambetter champva va workers comp commercial advantage optum highmark regence premera
carefirst horizon geisinger emblem healthfirst caresource amerigroup wellpoint
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
right left bilateral lumbar cervical thoracic sacral sacroiliac facet facets medial branch block blocks nerve
epidural injection injections fluoro fluoroscopy fluoroscopic ct ultrasound us mri procedure procedures diagnosis
history plan assessment indication indications preoperative postoperative pre post op operative note notes
technique findings complications complication anesthesia sedation consent patient pt the an and or with was is
for to of in on at under after before dos dob mrn cpt hcpcs icd ncci mue mues lcd lcds modifier modifiers units
unit level levels yes no what how can do does should would could bill billed billing code codes coding claim
claims denied denial pain clinic center hospital asc office hopd lidocaine bupivacaine marcaine kenalog
triamcinolone depo medrol methylprednisolone dexamethasone decadron omnipaque isovue betamethasone celestone
botox ropivacaine saline contrast gabapentin radiofrequency ablation rfa rfa's tfesi ilesi esi mbb mbbs si sij
joint trigger point points spinal cord stimulator scs trial implant kyphoplasty vertebroplasty discography
genicular occipital stellate ganglion sympathetic hypogastric celiac plexus intrathecal pump e m em new
established visit visits dr mr mrs ms md do np pa crna rn ma lpn physician surgeon provider date service
age male female man woman he she his her they them we you it this that these those there here then also
same separate distinct prior previous repeat follow followup subsequent initial first second third fourth
last next just only one two three four five today yesterday tomorrow ok okay correct right wrong yes sure please
thanks dx tx rx hx sx fx
needle needles approach transforaminal interlaminar caudal paravertebral intraarticular vas nrs pain's
impression description specimen specimens ebl estimated blood loss none sterile prep prepped draped
chloraprep betadine time out timeout monitored vital signs stable tolerated well discharged recovery
l1 l2 l3 l4 l5 s1 s2 c1 c2 c3 c4 c5 c6 c7 t1 t2 t3 t12 ii iii iv
radiculopathy spondylosis stenosis degenerative disc disease arthropathy syndrome neuropathy
headache migraine knee hip shoulder lumbago sciatica cervicalgia low back neck
covered coverage policy payer payers plan plans group member subscriber insurance primary secondary
please thanks thank hi hello question questions note answer name id ssn phone cell tel email address
""".split())


@lru_cache(maxsize=1)
def _names() -> tuple[frozenset[str], frozenset[str]]:
    """The given-name and surname lists (lower case), read once from names.yaml beside this module."""
    data = yaml.safe_load((Path(__file__).with_name("names.yaml")).read_text(encoding="utf-8"))
    return (frozenset(n.lower() for n in data["first"]) - STOP, frozenset(n.lower() for n in data["last"]) - STOP)


@dataclass(frozen=True)
class Span:
    """One identifier found in a text: [start, end) and its kind."""

    start: int
    end: int
    kind: str


@dataclass
class Redactor:
    """Placeholders for one conversation with an LLM: the same identifier gets the same placeholder in every text
    redacted with this instance, and `restore` puts the originals back into the model's reply."""

    originals: dict[str, str] = field(default_factory=dict)  # placeholder -> the text it replaced
    _keys: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    _known_names: set[str] = field(default_factory=set)

    def redact(self, text: str) -> str:
        """`text` with every identifier found replaced by its placeholder."""
        out, last = [], 0
        for span in find_identifiers(text, self._known_names):
            out.append(text[last:span.start])
            out.append(self._placeholder(span.kind, text[span.start:span.end]))
            last = span.end
        out.append(text[last:])
        return "".join(out)

    def restore(self, text: str) -> str:
        """The model's reply with each placeholder it repeated ([NAME-1], or NAME-1 without brackets) replaced by
        the original; a placeholder this redactor never issued is left as written."""
        return PLACEHOLDER.sub(lambda m: self.originals.get(f"[{m.group(1)}-{m.group(2)}]", m.group(0)), text)

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, " ".join(value.split()).casefold())
        if key not in self._keys:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            token = f"[{kind}-{self._counts[kind]}]"
            self._keys[key] = token
            self.originals[token] = value
        if kind == "NAME":  # a surname seen once is a name wherever it recurs ("Mrs. Alvarez ... Alvarez tolerated")
            self._known_names.update(w.casefold() for w in re.findall(r"[A-Za-z'\u2019-]{3,}", value)
                                     if w.casefold() not in STOP)
        return self._keys[key]


def find_identifiers(text: str, known_names: set[str] | None = None) -> list[Span]:
    """Every identifier in `text`, sorted, without overlaps (an earlier and then longer match wins)."""
    found: list[Span] = []
    for kind, pattern in (("EMAIL", EMAIL), ("SSN", SSN), ("DOB", DOB), ("PHONE", PHONE), ("MEMBER", MBI),
                          ("MRN", MRN), ("MEMBER", MEMBER), ("ADDRESS", ADDRESS)):
        for m in pattern.finditer(text):
            start, end = _group_span(m)
            if kind in ("MRN", "MEMBER") and DATE.fullmatch(text[start:end]):
                continue  # "ID: 03/04/2026" is not an id; dates keep their meaning
            found.append(Span(start, end, kind))
    found += _name_spans(text, known_names or set())
    found += _birth_after_name(text, [s for s in found if s.kind == "NAME"])
    return _without_overlaps(found)


def _group_span(m: re.Match[str]) -> tuple[int, int]:
    """The span of the first capturing group that matched (the value after a label), else the whole match."""
    for i in range(1, (m.lastindex or 0) + 1):
        if m.group(i) is not None:
            return m.span(i)
    return m.span()


def _name_spans(text: str, known: set[str]) -> list[Span]:
    """Names after a title or a label, and runs of capitalised words that hold a listed given name, a listed
    surname next to another capitalised word, or a name already seen in this conversation."""
    first, last = _names()
    spans: list[Span] = []
    for pattern in (TITLE, NAME_LABEL, ROLE_NAME):
        for m in pattern.finditer(text):
            start, end = _trim_name(text, *m.span(1))
            if end - start > 1 and not re.match(r"-?\d", text[end:end + 2]):  # not "C" of "C3-4"
                spans.append(Span(start, end, "NAME"))
    words = list(CAP_WORD.finditer(text))
    lows = [_low(w.group(0)) for w in words]
    for i, low in enumerate(lows):
        if low in STOP or len(low) < 2:
            continue
        paired = (i > 0 and _joined(text, words, i) and lows[i - 1] not in STOP) or \
            (i + 1 < len(words) and _joined(text, words, i + 1) and lows[i + 1] not in STOP)
        if not (low in first or low in known or (low in last and paired)):
            continue
        lo = hi = i
        while lo > 0 and _joined(text, words, lo) and lows[lo - 1] not in STOP and hi - lo < 3:
            lo -= 1
        while hi + 1 < len(words) and _joined(text, words, hi + 1) and lows[hi + 1] not in STOP and hi - lo < 3:
            hi += 1
        spans.append(Span(words[lo].start(), words[hi].end(), "NAME"))
    return spans


def _low(word: str) -> str:
    return word.casefold().replace("\u2019", "'")


def _joined(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Word i follows word i-1 as part of one name: only a space, a comma ("Doe, Jane") or an initial's dot."""
    if i == 0:
        return False
    gap = text[words[i - 1].end():words[i].start()]
    initial = len(words[i - 1].group(0)) == 1
    return bool(re.fullmatch(r"\.?\s{1,2}" if initial else r",?[ \t]{1,2}", gap))


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """A labelled name run up to its first stop word ("Jane Doe, Medicare ID" -> "Jane Doe"), leading ones skipped."""
    words = list(re.finditer(r"[A-Za-z][A-Za-z'\u2019.-]*", text[start:end]))
    while words and _low(words[0].group(0).rstrip(".")) in STOP:
        words.pop(0)
    cut = next((i for i, w in enumerate(words) if _low(w.group(0).rstrip(".")) in STOP), len(words))
    words = words[:cut]
    if not words:
        return start, start
    return start + words[0].start(), start + words[-1].end()


def _birth_after_name(text: str, names: list[Span]) -> list[Span]:
    """'Jane Doe, 04/12/1961' or 'Jane Doe (4/12/61)': a date right after a name, if old enough to be a birth."""
    spans = []
    for name in names:
        m = re.compile(rf"\s*[,(]\s*({_DATE})").match(text, name.end)
        if m and _years_ago(m.group(1)) >= BIRTH_MIN_YEARS:
            spans.append(Span(*m.span(1), "DOB"))
    return spans


def _years_ago(date_text: str) -> int:
    m = _YEAR.search(date_text)
    if not m:
        return 0
    year = int(m.group(1))
    today = _dt.date.today().year
    if year < 100:
        year += 2000 if year <= today % 100 else 1900
    return today - year


def _without_overlaps(spans: list[Span]) -> list[Span]:
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


__all__ = ["KINDS", "Redactor", "Span", "find_identifiers"]

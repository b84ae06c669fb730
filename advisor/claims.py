"""Claim lines: the one parser and formatter for `CODE[-MOD[-MOD...]][ xUNITS]`, shared by CLI, API, eval and audit."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import ErrorDetails

from advisor.errors import InvalidInput
from advisor.modifiers import UnknownModifier, is_known, valid_list_hint

MAX_LINES = 100
MAX_UNITS = 999
CODE_RE = re.compile(r"^(?:\d{5}|\d{4}[FTU]|[A-V]\d{4})$")
MODIFIER_RE = re.compile(r"^[A-Z0-9]{2}$")
EM_CODE_RE = re.compile(r"^99[2-4]\d\d$")  # CPT's Evaluation and Management section spans 99202-99499
# ICD-10-CM: a letter, a digit, a letter or digit (the category), then up to four more after an optional dot.
ICD10_RE = re.compile(r"^([A-Z][0-9][0-9A-Z])\.?([0-9A-Z]{1,4})?$")
# The 1500 claim form points each service line at no more than four of the claim's diagnoses (NUCC 1500 Reference
# Instruction Manual, item 24E); the 837P's line pointer (SV107) holds four too.
MAX_LINE_DIAGNOSES = 4
# `64493-50 dx M47.816 M54.50`: "dx" after a space, and the rest (linear: no run of spaces to backtrack over)
_DX_RE = re.compile(r"(?<=\s)dx\b\s*:?\s*(?P<dx>.*)$", re.IGNORECASE | re.DOTALL)
_LINE_RE = re.compile(
    r"^(?P<code>[A-Za-z0-9]+)(?P<mods>(?:-[A-Za-z0-9]*)*)"
    r"(?:\s*(?:[xX×*]\s*|\s+units?[: ]?\s*)(?P<units>\d+)|\s+(?P<units2>\d+)\s*units?)?$"
)


class ClaimLine(BaseModel):
    """One line of a claim: a CPT/HCPCS code, its modifiers in order, and units."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(description="CPT or HCPCS code, e.g. 64493, 0216T, G0260.", examples=["64493"])
    modifiers: tuple[str, ...] = Field((), description="Two-character modifiers, e.g. 50, 25, XS, RT.")
    units: int = Field(1, ge=1, le=MAX_UNITS, description="Units of service on this line.")
    diagnoses: tuple[str, ...] = Field(
        (), max_length=MAX_LINE_DIAGNOSES, exclude_if=lambda v: not v, examples=[["M47.816"]],
        description=f"ICD-10-CM codes this line is billed for, primary first (at most {MAX_LINE_DIAGNOSES}, as a "
                    "1500 claim's diagnosis pointers), e.g. M47.816; written with or without the dot. Carried to the "
                    "corrected claim; no rule reads them yet.")

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> str:
        text = str(value).strip().upper()
        if not CODE_RE.match(text):
            raise ValueError(
                f"code {value!r} is not a CPT/HCPCS code (five digits like 64493, four digits and a letter like "
                "0216T, or a letter and four digits like G0260)"
            )
        return text

    @field_validator("modifiers", mode="before")
    @classmethod
    def _modifiers(cls, value: Any) -> tuple[str, ...]:
        mods = tuple(str(m).strip().upper() for m in _listed(value, r"[-,\s]+"))
        for mod in mods:
            if not MODIFIER_RE.match(mod):
                raise ValueError(f"modifier {mod!r} is not a two-character modifier such as 25, 50, XS or RT")
            if not is_known(mod):
                raise UnknownModifier(mod)  # well formed, but no such modifier in advisor/modifiers.py's list
        if len(set(mods)) != len(mods):
            raise ValueError(f"modifier repeated on one line: {'-'.join(mods)}")
        if len(mods) > 4:
            raise ValueError("a claim line carries at most four modifiers")
        return mods

    @field_validator("diagnoses", mode="before")
    @classmethod
    def _diagnoses(cls, value: Any) -> tuple[str, ...]:
        codes = tuple(icd10(str(d)) for d in _listed(value, r"[,;\s]+"))
        if len(codes) > MAX_LINE_DIAGNOSES:
            raise ValueError(f"{len(codes)} diagnoses on one line; a line points at most {MAX_LINE_DIAGNOSES} "
                             "(put the others on the claim's other lines)")
        if len(set(codes)) != len(codes):
            raise ValueError(f"diagnosis repeated on one line: {' '.join(codes)}")
        return codes

    def has(self, *modifiers: str) -> bool:
        """True when the line carries any of the given modifiers."""
        return any(m in self.modifiers for m in modifiers)

    def with_modifiers(self, *add: str, drop: tuple[str, ...] = ()) -> ClaimLine:
        """A copy with `drop` removed and `add` appended (skipping duplicates)."""
        mods = [m for m in self.modifiers if m not in drop]
        mods += [m for m in add if m not in mods]
        return self.model_copy(update={"modifiers": tuple(mods)})

    def __str__(self) -> str:
        return format_line(self)


def _listed(value: Any, separators: str) -> list[Any]:
    """A list field given as a list, as one string of items (`50-RT`, `M47.816 M54.50`) or not at all."""
    if value is None:
        return []
    if isinstance(value, str):
        return [item for item in re.split(separators, value) if item]
    if not isinstance(value, list | tuple):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    return list(value)


def icd10(text: str) -> str:
    """An ICD-10-CM code in its written form (M47816, m47.816 -> M47.816); ValueError naming the code otherwise."""
    raw = text.strip().upper()
    match = ICD10_RE.match(raw)
    if not match:
        raise ValueError(f"diagnosis {text.strip()[:20]!r} is not an ICD-10-CM code: write a letter, a digit, a letter "
                         "or digit, then up to four more letters or digits, with an optional dot after the third "
                         "(e.g. M47.816 or M54.50)")
    return f"{match[1]}.{match[2]}" if match[2] else match[1]


def merged_diagnoses(*lines: ClaimLine) -> tuple[str, ...]:
    """The diagnoses of lines merged into one, in order, without repeats, at most MAX_LINE_DIAGNOSES."""
    return tuple(dict.fromkeys(d for ln in lines for d in ln.diagnoses))[:MAX_LINE_DIAGNOSES]


def is_em_code(code: str) -> bool:
    """An E/M visit code (99202-99499), whether or not the catalog lists it; sedation (9915x) is not one."""
    return bool(EM_CODE_RE.match(code))


def format_line(line: ClaimLine) -> str:
    """`64493-50`, `64636 x2`: the canonical text of a line."""
    text = "-".join((line.code, *line.modifiers))
    return f"{text} x{line.units}" if line.units != 1 else text


def line_text(line: ClaimLine) -> str:
    """`64493-50 dx M47.816`: the canonical text of a line with its diagnoses, as `parse_line` reads it back."""
    text = format_line(line)
    return f"{text} dx {' '.join(line.diagnoses)}" if line.diagnoses else text


def parse_line(text: str, where: str = "line") -> ClaimLine:
    """Parse one line like `99213-25`, `64493-50`, `64636 x2`, `64493-50 dx M47.816 M54.50` (the line's ICD-10-CM
    codes after `dx`); raise InvalidInput naming `where` and the fault."""
    if not isinstance(text, str):
        raise InvalidInput(f"{where}: expected text like '64493-50 x1', got {type(text).__name__}", where)
    whole = text.strip()
    if not whole:
        raise InvalidInput(f"{where}: empty claim line", where)
    if len(whole) > 120 or any(ord(ch) < 32 or ord(ch) == 127 for ch in whole):
        raise InvalidInput(f"{where}: {whole[:60]!r} contains control characters or is too long for a claim line",
                           where)
    dx = _DX_RE.search(whole)
    raw = whole[:dx.start()].rstrip() if dx else whole
    if len(raw) > 60:
        raise InvalidInput(f"{where}: {raw[:60]!r} is too long for a claim line", where)
    match = _LINE_RE.match(raw)
    if not match:
        raise InvalidInput(
            f"{where}: {raw!r} is not a claim line; write CODE[-MOD[-MOD...]][ xUNITS], e.g. 64493-50 or 64636 x2",
            where,
        )
    mods = match.group("mods")
    parts = mods.split("-")[1:] if mods else []
    if any(p == "" for p in parts):
        raise InvalidInput(f"{where}: {raw!r} has an empty modifier (double or trailing '-')", where)
    units_text = match.group("units") or match.group("units2")
    units = int(units_text) if units_text else 1
    if not 1 <= units <= MAX_UNITS:
        raise InvalidInput(f"{where}: {raw!r} has {units} units; units must be between 1 and {MAX_UNITS}", where)
    data: dict[str, Any] = {"code": match.group("code"), "modifiers": parts, "units": units}
    if dx:
        if not dx["dx"].strip():
            raise InvalidInput(f"{where} ({whole}): 'dx' without a diagnosis; write e.g. 64493-50 dx M47.816", where)
        data["diagnoses"] = dx["dx"]
    return build_line(data, where, shown=whole)


def build_line(data: dict[str, Any], where: str = "line", shown: str | None = None) -> ClaimLine:
    """Validate a `{code, modifiers, units}` object into a ClaimLine, with a message naming `where` (and the line
    as written, `shown`, so a message about one of several lines says which)."""
    from pydantic import ValidationError

    try:
        return ClaimLine.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(_describe(err) for err in errors)
        label = f"{where} ({shown})" if shown else where
        unknown = any(isinstance(err.get("ctx", {}).get("error"), UnknownModifier) for err in errors)
        raise (InvalidModifier if unknown else InvalidInput)(f"{label}: {problems}", where) from None


class InvalidModifier(InvalidInput):
    """A claim line names a modifier that does not exist; a claim's message then lists the valid ones once."""


def _describe(err: ErrorDetails) -> str:
    field = ".".join(str(p) for p in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def coerce_line(item: Any, index: int) -> ClaimLine:
    """A line given as text or as an object (`{code, modifiers, units}`), numbered from 1 in messages."""
    where = f"line {index + 1}"
    if isinstance(item, ClaimLine):
        return item
    if isinstance(item, str):
        return parse_line(item, where)
    if isinstance(item, dict):
        return build_line(item, where)
    raise InvalidInput(f"{where}: expected a string like '64493-50' or an object {{code, modifiers, units}}", where)


def coerce_lines(items: list[Any]) -> list[ClaimLine]:
    """Validate a whole claim: 1 to MAX_LINES lines."""
    if not items:
        raise InvalidInput("the claim has no lines; give at least one line such as '64493-50'", "lines")
    if len(items) > MAX_LINES:
        raise InvalidInput(f"the claim has {len(items)} lines; at most {MAX_LINES} are checked at once", "lines")
    lines: list[ClaimLine] = []
    problems: list[InvalidInput] = []
    for i, item in enumerate(items):
        try:
            lines.append(coerce_line(item, i))
        except InvalidInput as exc:
            problems.append(exc)  # every bad line is reported, not only the first
    if not problems:
        return lines
    hint = f" {valid_list_hint()}" if any(isinstance(p, InvalidModifier) for p in problems) else ""
    if len(problems) == 1:
        raise InvalidInput(problems[0].message + hint, problems[0].where)
    raise InvalidInput(
        f"{len(problems)} claim lines are invalid. " + " ".join(_sentence(p.message) for p in problems) + hint,
        "lines", details=[{"where": p.where, "message": p.message} for p in problems])


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", ")")) else f"{text}."


def split_lines(text: str) -> list[str]:
    """Split pasted text (`99213-25, 64493-50; 64494-50`) into line strings."""
    return [part.strip() for part in re.split(r"[,;\n]+", text) if part.strip()]


def join_unit_args(args: list[str]) -> list[str]:
    """Claim lines from command-line arguments: `advisor check 64636 x2` arrives as two arguments, so a bare `x2` is
    glued onto the line before it; an argument may also hold several lines (`99213-25, 64493`)."""
    out: list[str] = []
    for arg in args:
        if out and re.fullmatch(r"[xX×]\s*\d+", arg.strip()):
            out[-1] = f"{out[-1]} {arg.strip()}"
        else:
            out += split_lines(arg)
    return out

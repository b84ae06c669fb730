"""The evaluation sets: ask cases in two splits, `dev` (eval/dev, the cases the reader is tuned on) and `test`
(eval/test, written blind by people who had not read the reader's code; never tuned on), and claim-check cases
(eval/checks.yaml), validated with pydantic.

A malformed case file stops the run with a CaseFileError naming the file, the case id (or its position) and what is
wrong; the CLI prints it and exits 2. Claim lines in cases are parsed with advisor.claims.parse_line at load time, so a
typo in an expected line is caught before any question is asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from advisor.claims import ClaimLine, parse_line
from advisor.errors import AdvisorError, DataError
from advisor.settings import PROJECT_ROOT

EVAL_DIR = PROJECT_ROOT / "eval"
SPLITS = ("dev", "test")
DEFAULT_CASES = EVAL_DIR / "dev"
DEFAULT_CHECKS = PROJECT_ROOT / "eval" / "checks.yaml"


class CaseFileError(DataError):
    """A case file that cannot be used: `file`, `case_id` and `problem` are also kept separately."""

    def __init__(self, file: Path | str, case_id: str | None, problem: str) -> None:
        self.file = str(file)
        self.case_id = case_id
        self.problem = problem
        where = f"{self.file}: case {case_id!r}" if case_id else self.file
        super().__init__(f"{where}: {problem}", where)


def parse_alternatives(text: str, where: str = "line") -> tuple[ClaimLine, ...]:
    """`"64493|64493-KX"` -> both lines; any alternative is accepted."""
    if not isinstance(text, str):
        raise ValueError(f"{where}: expected a claim line string like '64493-50', got {type(text).__name__}")
    parts = [p.strip() for p in text.split("|")]
    if not all(parts):
        raise ValueError(f"{where}: {text!r} has an empty alternative around '|'")
    try:
        return tuple(parse_line(p, where) for p in parts)
    except AdvisorError as exc:
        raise ValueError(exc.message) from None


def _check_lines(values: list[Any], field: str, alternatives: bool) -> list[str]:
    for i, value in enumerate(values):
        where = f"{field}[{i}]"
        if alternatives:
            parse_alternatives(value, where)
        else:
            if isinstance(value, str) and "|" in value:
                raise ValueError(f"{where}: {value!r}: '|' alternatives are only allowed in `lines`")
            parse_alternatives(value, where)
    return values


class AskCase(BaseModel):
    """One question (optionally after earlier questions in the same conversation) and what the answer must hold."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    verdict: Literal["yes", "no", "conditional"] | None = Field(
        None, description="The verdict a yes/no question must get; none means the answer must give no verdict.")
    lines: list[str] = Field(default_factory=list, description="Expected claim lines; 'A|B' accepts either.")
    exact: bool = Field(True, description="No produced lines beyond the expected ones (the default).")
    kind: Literal["claim", "lookup", "clarify", "unsupported", "out_of_scope"] | None = Field(
        None, description="The kind of answer expected; lookup, clarify, unsupported and out_of_scope produce no "
                          "claim.")
    lookup: dict[str, Any] = Field(default_factory=dict, description="Look-up facts the answer must state, by field "
                                   "(mue, mai, global, bilateral, addon, ptp_mi, ptp_col1).")
    answer_contains: list[str] = Field(default_factory=list, description="Substrings the answer text must contain.")
    must_not: list[str] = Field(default_factory=list, description="Bare code: any modifiers; with modifiers: exactly.")
    cite_contains: list[str] = Field(default_factory=list, description="Some citation contains all these words.")
    tags: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)
    payer: Literal["medicare", "commercial"] | None = None
    history: list[str] = Field(default_factory=list, description="Earlier questions of the same conversation.")

    @field_validator("lines")
    @classmethod
    def _lines(cls, value: list[Any]) -> list[str]:
        return _check_lines(value, "lines", alternatives=True)

    @model_validator(mode="after")
    def _unasserted_lines(self) -> AskCase:
        """A yes/no case that names no `lines` asserts only its verdict (and `must_not`): writers leave the claim out
        when the question is whether something is allowed or covered, not what the claim is."""
        if "lines" not in self.model_fields_set and self.verdict is not None:
            self.exact = False
        return self

    @field_validator("must_not")
    @classmethod
    def _must_not(cls, value: list[Any]) -> list[str]:
        return _check_lines(value, "must_not", alternatives=False)

    @field_validator("history")
    @classmethod
    def _history(cls, value: list[str]) -> list[str]:
        if any(not q.strip() for q in value):
            raise ValueError("history holds an empty question")
        return value

    @property
    def expected(self) -> list[tuple[ClaimLine, ...]]:
        return [parse_alternatives(text) for text in self.lines]


class CheckCase(BaseModel):
    """One claim run through the rules engine (as POST /api/check) and the status/rules/claim it must give."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    lines: list[str] = Field(min_length=1)
    payer: Literal["medicare", "commercial"] | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    status: Literal["clean", "warnings", "errors"]
    rules: list[str] = Field(default_factory=list, description="Rule ids that must fire.")
    not_rules: list[str] = Field(default_factory=list, description="Rule ids that must not fire.")
    claim: list[str] | None = Field(None, description="The corrected claim, exactly (RT/LT scoring as in ask cases).")
    tags: list[str] = Field(min_length=1)
    source: str = Field(min_length=1)

    @field_validator("lines")
    @classmethod
    def _lines(cls, value: list[Any]) -> list[str]:
        return _check_lines(value, "lines", alternatives=False)

    @field_validator("claim")
    @classmethod
    def _claim(cls, value: list[Any] | None) -> list[str] | None:
        return None if value is None else _check_lines(value, "claim", alternatives=True)

    @field_validator("facts")
    @classmethod
    def _facts(cls, value: dict[str, Any]) -> dict[str, Any]:
        from advisor.rules.model import Facts

        try:
            Facts.model_validate(value)
        except ValidationError as exc:
            raise ValueError("facts: " + _describe(exc)) from None
        return value

    def body(self) -> dict[str, Any]:
        """The POST /api/check body this case sends."""
        body: dict[str, Any] = {"lines": list(self.lines), "facts": dict(self.facts)}
        if self.payer is not None:
            body["payer"] = self.payer
        return body


def _describe(exc: ValidationError) -> str:
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err.get("loc", ()))
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        out.append(f"{field}: {msg}" if field else msg)
    return "; ".join(out)


def _read_yaml_list(path: Path) -> list[Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaseFileError(path, None, f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise CaseFileError(path, None, "not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CaseFileError(path, None, f"invalid YAML{at}: {problem}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise CaseFileError(path, None, f"expected a YAML list of cases, got {type(data).__name__}")
    return data


Case = TypeVar("Case", AskCase, CheckCase)


def _load(path: Path, model: type[Case], seen: dict[str, Path]) -> list[Case]:
    cases = []
    for i, raw in enumerate(_read_yaml_list(path)):
        position = f"#{i + 1}"
        if not isinstance(raw, dict):
            raise CaseFileError(path, position, f"expected a mapping with id, ..., got {type(raw).__name__}")
        case_id = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else position
        try:
            case = model.model_validate(raw)
        except ValidationError as exc:
            raise CaseFileError(path, case_id, _describe(exc)) from None
        if case.id in seen:
            raise CaseFileError(path, case.id, f"duplicate id (also in {seen[case.id]})")
        seen[case.id] = path
        cases.append(case)
    return cases


def case_files(path: Path) -> list[Path]:
    """A directory's *.yaml / *.yml files in name order, or the one file given."""
    path = Path(path)
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise CaseFileError(path, None, "no *.yaml case files in this directory")
        return files
    if not path.exists():
        raise CaseFileError(path, None, "no such file or directory")
    return [path]


def split_paths(split: str) -> list[Path]:
    """The case directories of a split: dev, test or all (dev and test)."""
    if split == "all":
        return [EVAL_DIR / s for s in SPLITS]
    if split not in SPLITS:
        raise CaseFileError(EVAL_DIR, None, f"unknown split {split!r}; choose dev, test or all")
    return [EVAL_DIR / split]


def load_split(split: str) -> list[AskCase]:
    """Every case of a split, ids unique across the split's files."""
    seen: dict[str, Path] = {}
    return [case for path in split_paths(split) for file in case_files(path) for case in _load(file, AskCase, seen)]


def load_ask_cases(path: Path = DEFAULT_CASES) -> list[AskCase]:
    """All ask cases under `path` (a directory of YAML files or one file); ids unique across files."""
    seen: dict[str, Path] = {}
    return [case for file in case_files(path) for case in _load(file, AskCase, seen)]


def load_check_cases(path: Path = DEFAULT_CHECKS) -> list[CheckCase]:
    """All claim-check cases in `path` (one YAML file or a directory of them)."""
    seen: dict[str, Path] = {}
    return [case for file in case_files(path) for case in _load(file, CheckCase, seen)]


__all__ = [
    "DEFAULT_CASES",
    "DEFAULT_CHECKS",
    "SPLITS",
    "AskCase",
    "CaseFileError",
    "CheckCase",
    "load_ask_cases",
    "load_check_cases",
    "load_split",
    "parse_alternatives",
    "split_paths",
]

"""`advisor check` as a claim scrubber: the encounter facts its flags give, and the exit status of a result.

Facts come from three places, later ones winning: the `--file` encounter's `facts`, each `--fact key=value`, then the
named flags (`--dos`, `--setting`; a new named flag is one more entry in the `named` mapping). A `--fact` value is
read as JSON when it is one (`true`, `80`, `[80, 85]`, `{"esi": 2}`), else as text; a dotted key sets one field of
an object fact (`prior_sessions.esi=2`). Exit status, as claim scrubbers use it: 0 clean, 1 when the claim has an
error (or, with `--strict`, a warning), 2 for input the advisor cannot read (raised before any check runs).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from advisor.dates import parse_date
from advisor.errors import InvalidInput

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def fact_value(text: str) -> Any:
    """A --fact value: JSON when it parses as JSON, else the text itself (so `imaging=fluoroscopy` needs no quotes)."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def flag_facts(pairs: list[str], named: Mapping[str, Any]) -> dict[str, Any]:
    """The facts the flags state: every `--fact key=value`, then the named flags that were given (not None).
    InvalidInput (exit 2) names a malformed pair or date."""
    facts: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidInput(f"--fact {pair!r}: expected key=value, e.g. --fact prior_relief_percent=80", "--fact")
        *parents, leaf = key.split(".")
        target = facts
        for part in parents:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                raise InvalidInput(f"--fact {pair!r}: {part} is already set to a value, not an object", "--fact")
            target = nested
        target[leaf] = fact_value(raw.strip())
    for key, value in named.items():
        if value is not None:
            facts[key] = value
    if isinstance(facts.get("date_of_service"), str):
        try:
            facts["date_of_service"] = parse_date(facts["date_of_service"], "date of service").isoformat()
        except ValueError as exc:
            raise InvalidInput(str(exc), "--dos") from None
    return facts


def merge_facts(body: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    """The encounter body with the flags' facts laid over its own (one level deep for object facts)."""
    if not flags:
        return body
    facts = dict(body.get("facts") or {})
    for key, value in flags.items():
        if isinstance(value, dict) and isinstance(facts.get(key), dict):
            facts[key] = {**facts[key], **value}
        else:
            facts[key] = value
    return {**body, "facts": facts}


def exit_status(status: str, strict: bool) -> int:
    """0 clean, 1 errors (and warnings under --strict)."""
    if status == "errors" or (strict and status == "warnings"):
        return EXIT_FINDINGS
    return EXIT_CLEAN


__all__ = ["EXIT_BAD_INPUT", "EXIT_CLEAN", "EXIT_FINDINGS", "exit_status", "fact_value", "flag_facts", "merge_facts"]

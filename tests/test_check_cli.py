"""`advisor check` as a claim scrubber (issue #13 item 5): exit 0 clean, 1 when the claim has errors (warnings too
with --strict), 2 for bad input; --dos, --setting and --fact key=value state the encounter without a JSON file. Real
subprocesses, in process (ADVISOR_SERVER_URL=off); tests/test_remote_cli.py runs the same through a server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.checkflags import flag_facts, merge_facts
from advisor.errors import InvalidInput
from tests.conftest import PROJECT_ROOT


def check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env.update({"ADVISOR_DATA_DIR": str(tmp_path / "data"), "ADVISOR_SERVER_URL": "off"})
    return subprocess.run([sys.executable, "-m", "advisor", "check", *args], capture_output=True, text=True,
                          timeout=120, env=env, cwd=PROJECT_ROOT)


@pytest.mark.parametrize(("args", "status", "shown"), [
    (("64493-50",), 0, "status: clean"),
    (("99213-25", "64493-50", "64494-50"), 0, "status: warnings"),           # warnings only: 0 ...
    (("99213-25", "64493-50", "64494-50", "--strict"), 1, "status: warnings"),  # ... unless --strict
    (("64493", "27096"), 1, "status: errors"),                               # PTP indicator 0
    (("64493", "27096", "--json"), 1, '"status": "errors"'),
])
def test_exit_status_follows_the_result(tmp_path: Path, args: tuple[str, ...], status: int, shown: str) -> None:
    done = check(tmp_path, *args)
    assert done.returncode == status, done.stderr
    assert shown in done.stdout and done.stderr == ""


@pytest.mark.parametrize(("args", "fragment"), [
    (("6449X",), "line 1"),
    (("64493", "--dos", "14/03/2026"), "written day first"),
    (("64493", "--dos", "02/30/2026"), "not a real date"),
    (("64493", "--fact", "prior_relief_percent"), "expected key=value"),
    (("64493", "--fact", "no_such_fact=1"), "no_such_fact"),
    (("64493", "--fact", "prior_relief_percent=180"), "prior_relief_percent"),
    (("64493", "--setting", "hospital"), "setting"),
])
def test_bad_input_exits_2_naming_what_to_fix(tmp_path: Path, args: tuple[str, ...], fragment: str) -> None:
    done = check(tmp_path, *args)
    assert done.returncode == 2 and fragment in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_flags_state_the_encounter(tmp_path: Path) -> None:
    # distinct sites stated: 20553-XS stands beside 20610 (a clean claim); without the fact it is an error
    assert check(tmp_path, "20610", "20553-XS", "--fact", "distinct_sites=true").returncode == 0
    assert check(tmp_path, "20610", "20553").returncode == 1
    done = check(tmp_path, "64493", "--json", "--dos", "03/14/2026", "--setting", "asc",
                 "--fact", "prior_sessions.facet_diagnostic=1", "--fact", "imaging=fluoroscopy")
    assert done.returncode in (0, 1), done.stderr
    json.loads(done.stdout)


def test_flags_lay_over_the_file_facts(tmp_path: Path) -> None:
    encounter = tmp_path / "encounter.json"
    encounter.write_text(json.dumps({"lines": ["20610", "20553-XS"], "facts": {"distinct_sites": False}}))
    assert check(tmp_path, "--file", str(encounter)).returncode == 1
    assert check(tmp_path, "--file", str(encounter), "--fact", "distinct_sites=true").returncode == 0


def test_fact_values_and_dotted_keys() -> None:
    facts = flag_facts(["prior_sessions.esi=2", "prior_sessions.rfa=1", "separate_problem=true", "imaging=ct",
                        "prior_blocks=[80, 85]"], {"date_of_service": "3/14/2026", "setting": None})
    assert facts == {"prior_sessions": {"esi": 2, "rfa": 1}, "separate_problem": True, "imaging": "ct",
                     "prior_blocks": [80, 85], "date_of_service": "2026-03-14"}
    merged = merge_facts({"lines": ["64493"], "facts": {"prior_sessions": {"tpi": 1}, "payer": "medicare"}}, facts)
    assert merged["facts"]["prior_sessions"] == {"tpi": 1, "esi": 2, "rfa": 1}
    with pytest.raises(InvalidInput, match="already set"):
        flag_facts(["imaging=ct", "imaging.kind=x"], {})

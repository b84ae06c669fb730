"""`advisor check` from the shell: text and JSON output, --file, exit 1 for a claim with errors and exit 2 with a
message on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "advisor", "check", *args], capture_output=True, text=True,
                          timeout=120)


def test_text_output_names_rules_and_corrected_claim() -> None:
    done = run("99213-25", "64493", "x3", "--payer", "medicare")
    assert done.returncode == 1, done.stderr  # the claim has errors (tests/test_check_cli.py: the exit statuses)
    assert "status: errors" in done.stdout
    assert "[FACET-LEVELS]" in done.stdout
    assert "corrected claim:" in done.stdout and "64495" in done.stdout


def test_json_output_and_file_input(tmp_path: Path) -> None:
    encounter = tmp_path / "encounter.json"
    encounter.write_text(json.dumps({"lines": ["99213-25", "64493-50"], "payer": "medicare",
                                     "facts": {"separate_problem": False}}))
    done = run("--file", str(encounter), "--json")
    assert done.returncode == 1, done.stderr
    body = json.loads(done.stdout)
    assert body["status"] == "errors"
    assert [ln["code"] for ln in body["claim"]] == ["64493"]


def test_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    for args, fragment in ((["6449X"], "line 1"), (["64493", "64493--50"], "line 2"),
                           (["64493", "--payer", "aetna"], "payer"), ([], "give claim lines")):
        done = run(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert fragment in done.stderr and "Traceback" not in done.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = run("--file", str(bad))
    assert done.returncode == 2 and "cannot read" in done.stderr


def test_unknown_modifiers_exit_2_naming_every_bad_line() -> None:
    """Issue #16: this used to exit 0, keep 64493-XY and silently drop 99213-2S."""
    done = run("64493-XY", "99213-2S")
    assert done.returncode == 2, done.stdout
    assert "line 1 (64493-XY)" in done.stderr and "line 2 (99213-2S)" in done.stderr
    assert "did you mean XE, XS" in done.stderr and "did you mean 25" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""

"""Case files: the project's own sets load; a malformed file stops with the file, the case id and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from advisor.cli import app
from advisor.evaluation.cases import CaseFileError, load_ask_cases, load_check_cases

GOOD = """
- id: ok-case
  question: "Right L5-S1 facet injection, code?"
  lines: ["64493|64493-KX"]
  tags: [facet]
  source: https://example.org
"""


def write(tmp_path: Path, text: str, name: str = "cases.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_project_sets_load() -> None:
    asks = load_ask_cases()
    checks = load_check_cases()
    assert len(asks) > 300 and len(checks) > 100
    assert len({c.id for c in asks}) == len(asks)
    assert any(c.history for c in asks)


def test_alternatives_parse(tmp_path: Path) -> None:
    (c,) = load_ask_cases(write(tmp_path, GOOD))
    assert [str(x) for x in c.expected[0]] == ["64493", "64493-KX"]


@pytest.mark.parametrize(
    ("text", "case_id", "problem"),
    [
        (GOOD.replace('["64493|64493-KX"]', '["6449-3"]'), "ok-case", "lines[0]"),
        (GOOD.replace('["64493|64493-KX"]', '["64493|"]'), "ok-case", "empty alternative"),
        (GOOD.replace("  tags: [facet]\n", ""), "ok-case", "tags"),
        (GOOD + "  verdict: maybe\n", "ok-case", "verdict"),
        (GOOD + "  colour: red\n", "ok-case", "colour"),
        (GOOD + '  must_not: ["64495|64494"]\n', "ok-case", "must_not[0]"),
        (GOOD.replace("- id: ok-case\n  question", "- question"), "#1", "id"),
        (GOOD + GOOD, "ok-case", "duplicate id"),
    ],
)
def test_malformed_case_names_file_id_and_problem(tmp_path: Path, text: str, case_id: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CaseFileError) as info:
        load_ask_cases(path)
    err = info.value
    assert err.file == str(path) and err.case_id == case_id
    assert str(path) in err.message and repr(case_id) in err.message and problem in err.message


def test_bad_yaml_and_wrong_shape(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match=r"invalid YAML at line \d+"):
        load_ask_cases(write(tmp_path, "- id: x\n  question: [unclosed\n"))
    with pytest.raises(CaseFileError, match="expected a YAML list"):
        load_ask_cases(write(tmp_path, "id: x\n"))
    with pytest.raises(CaseFileError, match="no such file"):
        load_ask_cases(tmp_path / "missing.yaml")


def test_malformed_check_case(tmp_path: Path) -> None:
    text = "- id: chk\n  lines: ['64493']\n  status: fine\n  rules: []\n  tags: [x]\n  source: s\n"
    with pytest.raises(CaseFileError) as info:
        load_check_cases(write(tmp_path, text, "checks.yaml"))
    assert info.value.case_id == "chk" and "status" in info.value.message
    bad_facts = "- id: chk2\n  lines: ['64493']\n  facts: {nonsense_fact: 1}\n  status: clean\n  tags: [x]\n  source: s\n"
    with pytest.raises(CaseFileError, match="chk2.*facts"):
        load_check_cases(write(tmp_path, bad_facts, "checks2.yaml"))


def test_cli_exits_2_with_file_id_and_problem(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('["64493|64493-KX"]', '["64493-5"]'))
    result = CliRunner().invoke(app, ["eval", "--cases", str(path), "--no-baseline"])
    assert result.exit_code == 2
    assert "error:" in result.output and str(path) in result.output and "'ok-case'" in result.output
    assert "lines[0]" in result.output

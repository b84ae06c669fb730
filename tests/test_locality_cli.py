"""`advisor ask --locality`, `advisor localities` and `advisor check` with history facts and line diagnoses (issue #16),
as real subprocesses: in process (ADVISOR_SERVER_URL=off) and through a running server, with the same output and exit
status; an unknown locality or a bad diagnosis exits 2 with the message the API gives."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, LiveServer
from tests.data.cms_files import payment_data_dir

QUESTION = "Bilateral L4-5 diagnostic medial branch block under fluoro, Medicare, what do I bill?"
IDS = re.compile(r"\b[0-9a-f]{32}\b")


def cli(data_dir: Path, *args: str, server_url: str = "off") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR_")}
    env.update({"ADVISOR_DATA_DIR": str(data_dir), "ADVISOR_EMBEDDER": "fake", "ADVISOR_SERVER_URL": server_url,
                "NO_PROXY": "127.0.0.1,localhost"})
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, timeout=300,
                          env=env, cwd=PROJECT_ROOT)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return payment_data_dir(tmp_path_factory.mktemp("locality_cli"))


@pytest.fixture(scope="module")
def server(session_server_factory, data_dir: Path) -> LiveServer:  # noqa: ANN001
    return session_server_factory(data_dir=data_dir).start(ready_path="/healthz")


def test_localities_lists_the_gpci_file(data_dir: Path, tmp_path: Path) -> None:
    done = cli(data_dir, "localities")
    assert done.returncode == 0, done.stderr
    assert "localities of CMS GPCI 2026" in done.stdout and "13202-01  NY-01  MANHATTAN" in done.stdout
    assert '"key": "13202-01"' in cli(data_dir, "localities", "--json").stdout
    empty = cli(tmp_path / "empty", "localities")
    assert empty.returncode == 0 and "No GPCI file is imported" in empty.stdout


def test_ask_prices_the_locality_and_names_it(data_dir: Path, server: LiveServer) -> None:
    local = cli(data_dir, "ask", QUESTION, "--locality", "manhattan", "--plain")
    assert local.returncode == 0, local.stderr
    assert "for locality 13202-01 NY MANHATTAN" in local.stdout
    assert "locality 13202-01 NY MANHATTAN: GPCI work 1.064, PE 1.162, MP 1.586" in local.stdout
    assert re.search(r"64493-50-KX\s+non-facility \$272\.63", local.stdout)
    served = cli(data_dir, "ask", QUESTION, "--locality", "manhattan", "--plain", server_url=server.url)
    assert IDS.sub("<id>", served.stdout) == IDS.sub("<id>", local.stdout)
    national = cli(data_dir, "ask", QUESTION, "--plain")
    assert "Estimate: national Medicare" in national.stdout and "$238.49" in national.stdout


@pytest.mark.parametrize("where", ["off", "server"])
def test_an_unknown_locality_exits_2_saying_how_to_list_them(data_dir: Path, server: LiveServer, where: str) -> None:
    done = cli(data_dir, "ask", QUESTION, "--locality", "atlantis",
               server_url=server.url if where == "server" else "off")
    assert done.returncode == 2 and done.stdout == ""
    assert "'atlantis' is no locality" in done.stderr and "`advisor localities`" in done.stderr


def test_a_locality_without_the_gpci_file_exits_2(tmp_path: Path) -> None:
    done = cli(tmp_path / "empty", "ask", QUESTION, "--locality", "manhattan")
    assert done.returncode == 2 and "GPCI file" in done.stderr


def test_check_reads_history_facts(data_dir: Path) -> None:
    one = cli(data_dir, "check", "64635-RT", "64636-RT", "--fact", "prior_blocks=[50]")
    assert one.returncode == 0 and "WARN  [LCD-RFA-BLOCKS]" in one.stdout
    two = cli(data_dir, "check", "64635-RT", "64636-RT", "--fact", "prior_blocks=[80,80]")
    assert two.returncode == 0 and "LCD-RFA-BLOCKS" not in two.stdout and "status: clean" in two.stdout
    bad = cli(data_dir, "check", "64635-RT", "--fact", "prior_relief_percent=140")
    assert bad.returncode == 2 and "relief of 140%: relief is a percentage from 0 to 100" in bad.stderr
    negative = cli(data_dir, "check", "62323", "--fact", "prior_sessions.esi=-1")
    assert negative.returncode == 2 and "esi: -1 sessions" in negative.stderr


def test_check_carries_line_diagnoses(data_dir: Path) -> None:
    done = cli(data_dir, "check", "64493-RT dx M47.816", "64493-LT dx m47817")
    assert done.returncode == 1, done.stderr  # RT and LT lines for a bilateral MBB are an error for Medicare ...
    assert "corrected claim: 64493-50 dx M47.816 M47.817" in done.stdout  # ... merged, with both diagnoses
    bad = cli(data_dir, "check", "64493-50 dx M47.816", "64494-50 dx 47.816")
    assert bad.returncode == 2 and "line 2 (64494-50 dx 47.816)" in bad.stderr and "ICD-10-CM" in bad.stderr

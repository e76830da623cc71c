"""`uppf-xl check` over the defect corpus in tests/data/check: exact messages, exit codes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from uppf_xl.cli import main

CASES = sorted((Path(__file__).parent / "data" / "check").glob("*.xlsx"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_check_reports_every_problem(case: Path, tmp_path: Path) -> None:
    book = tmp_path / case.name
    shutil.copyfile(case, book)
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    expected = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()

    result = CliRunner().invoke(main, ["check", str(book), "--today", "2025-11-22"])

    assert result.stdout.splitlines() == expected
    assert result.exit_code == (1 if any(line.startswith("Fel:") for line in expected) else 0)
    assert "Traceback" not in result.output
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before


def test_corpus_has_a_case_per_defect() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Fel: tom.xlsx är tom (0 byte) och är ingen Excel-arbetsbok."),
    ],
)
def test_unreadable_file_exits_3(tmp_path: Path, content: bytes, message: str) -> None:
    book = tmp_path / "tom.xlsx"
    book.write_bytes(content)
    result = CliRunner().invoke(main, ["check", str(book)])
    assert result.exit_code == 3
    assert "Traceback" not in result.output


def test_missing_file_exits_3(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "saknas.xlsx")])
    assert result.exit_code == 3

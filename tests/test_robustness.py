"""Awkward and broken workbooks, formula injection, and two runs at once on one workbook.

The corpus in tests/data/robust (made by tests/data/make_robust_cases.py) is checked case by
case: exit code, exact output, no traceback, the file byte-identical afterwards; the tolerated
cases are also read right (the same content whatever the layout, text read as what it means).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree

from uppf_xl.cli import main
from uppf_xl.model import Register
from uppf_xl.vocab import Avtalsform, Category, Regi
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.initbook import create_workbook
from uppf_xl.workbook.safe import run_lock_path

CASES = sorted((Path(__file__).parent / "data" / "robust").glob("*.xlsx"))
TODAY = "2025-11-22"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def problem_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("Fel:", "Varning:"))]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_check_survives_the_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / case.name
    shutil.copyfile(case, book)
    before = sha256(book)
    exit_line, *expected = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    monkeypatch.chdir(tmp_path)  # messages name the file as it was given
    if " | " in exit_line:
        run_command_case(case, exit_line, expected)
        return

    result = CliRunner().invoke(main, ["check", case.name, "--today", TODAY])

    assert result.stdout.splitlines() + result.stderr.splitlines() == expected
    assert result.exit_code == int(exit_line.removeprefix("exit "))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert sha256(book) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.name]  # no lock or temp file left


def run_command_case(case: Path, exit_line: str, expected: list[str]) -> None:
    """A command's Fel/Varning lines and exit code, then the exact check of what it left behind."""
    code, command = exit_line.removeprefix("exit ").split(" | ")
    split = expected.index(next(line for line in expected if line.startswith("== check"))) if any(
        line.startswith("== check") for line in expected) else len(expected)
    problems, after = expected[:split], expected[split:]
    name, *options = command.split()
    result = CliRunner().invoke(main, [name, case.name, *options, "--today", TODAY])
    assert problem_lines(result.stdout + result.stderr) == problems, result.output
    assert result.exit_code == int(code), result.output
    assert "Traceback" not in result.output
    if after:
        check = CliRunner().invoke(main, ["check", case.name, "--today", TODAY])
        # The risk proposals a plan or status wrote are listed by check too; they are not problems.
        lines = [line for line in check.stdout.splitlines() + check.stderr.splitlines()
                 if not line.startswith(("Föreslagen risknivå:", "Poängen för en utförare:", "  "))]
        assert lines == after[1:]
        assert check.exit_code == int(after[0].removeprefix("== check exit "))


def register_of(case: str) -> Register:
    return open_workbook(Path(__file__).parent / "data" / "robust" / f"{case}.xlsx").register(date(2025, 11, 22))


def by_row(items: list[Any]) -> dict[int, Any]:
    return {item.row: item for item in items}


# Cases that change how the workbook looks, never what it says: each reads as the others do.
SAME_CONTENT = ["hidden_rows", "autofilter", "header_spaces", "columns_reordered", "extra_columns"]


@pytest.mark.parametrize("case", SAME_CONTENT[1:])
def test_tolerated_layout_reads_the_same(case: str) -> None:
    reference, register = register_of(SAME_CONTENT[0]), register_of(case)
    for name in ("settings", "providers", "types", "plan", "focus", "events", "findings", "schedule", "lists"):
        assert getattr(register, name) == getattr(reference, name), name


def test_tolerated_values_read_right() -> None:
    dates = register_of("dates_as_text")
    events, findings = by_row(dates.events), by_row(dates.findings)
    assert (events[2].day, events[3].day) == (date(2025, 9, 12), date(2025, 10, 7))
    assert (findings[2].requested, findings[2].deadline) == (date(2025, 10, 15), date(2025, 11, 14))
    assert findings[3].day == date(2025, 8, 5)
    assert by_row(dates.providers)[2].start == date(2015, 2, 1)
    assert by_row(dates.schedule)[2].done == date(2024, 4, 10)

    numbers = register_of("numbers_as_text")
    assert by_row(numbers.plan)[2].year == 2024
    assert by_row(numbers.focus)[3].year == 2025
    types = by_row(numbers.types)
    assert (types[2].month, types[3].material_days, types[4].active) == (10, 14, True)
    assert (numbers.settings.max_besok_per_vecka, numbers.settings.planar) == (4, 2025)
    assert by_row(numbers.providers)[3].phone == "123456789"
    assert by_row(numbers.events)[2].serious is False

    invisible = register_of("invisible_spaces")
    providers = by_row(invisible.providers)
    assert (providers[2].regi, providers[10].avtalsform) == (Regi.PRIVAT, Avtalsform.LOV)
    assert by_row(invisible.events)[2].provider_id == "U004"
    assert by_row(invisible.findings)[2].category is Category.AVVIKELSE

    long = register_of("long_texts")
    comment = by_row(long.providers)[2].comment
    assert len(comment) > 31000 and comment.endswith("inte följs fullt ut.")  # whole, only trimmed
    assert by_row(long.findings)[2].description.count("\n") == 2
    emoji = by_row(register_of("emoji").providers)
    assert emoji[2].name == "Omsorgshuset Linnea AB 🌻"
    # The zero-width joiner inside an emoji sequence (👩‍⚕️) is part of the text, not stray spacing.
    assert emoji[3].comment == "Bra samarbete 👍🏽 👩\u200d⚕️ 🇸🇪"


def test_corpus_covers_every_outcome() -> None:
    exits = [c.with_suffix(".expected").read_text(encoding="utf-8").splitlines()[0] for c in CASES]
    assert exits.count("exit 0") >= 9
    assert exits.count("exit 1") >= 15
    assert exits.count("exit 3") >= 6


# --------------------------------------------------------------------------- formula injection

# Text a user (or a provider's e-mail, pasted) may type that a spreadsheet would run as a
# formula if it were written as one; each must stay text in everything the tool writes.
PAYLOADS = {
    ("Utförare", 2, "Namn"): '=HYPERLINK("http://evil.example","Klicka här")',
    ("Utförare", 4, "Namn"): "+46 Hemtjänst Södra",
    ("Utförare", 5, "Namn"): "-Trygga Händer Omsorg AB",
    ("Utförare", 6, "Namn"): "@SUM(1+1)*cmd|' /C calc'!A0",
    ("Utförare", 2, "Ansvarig"): "=Karin Ek",
    ("Utförare", 2, "Kommentar"): "=1+1",
    ("Händelser", 2, "Beskrivning"): "=2+3",
    ("Årsplan", 2, "Kommentar"): "-enligt plan",
    ("Iakttagelser", 2, "Sammanfattning för nämnd"): "=Genomförandeplaner saknades",
    ("Iakttagelser", 3, "Sammanfattning för nämnd"): "+Introduktion saknades",
    ("Iakttagelser", 4, "Sammanfattning för nämnd"): "@Egenkontroller följs inte upp",
    ("Iakttagelser", 5, "Sammanfattning för nämnd"): "-Läkemedelshanteringen brast",
}


def formulas_in(xlsx: Path) -> list[str]:
    """The text of every <f> element in every sheet of an .xlsx."""
    found = []
    with zipfile.ZipFile(xlsx) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                root = etree.fromstring(zf.read(name))
                found += [f"{name}: {f.text}" for f in root.iter(f"{{{NS}}}f")]
    return found


def texts_in(xlsx: Path) -> set[str]:
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    out = {str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)}
    wb.close()
    return out


@pytest.fixture(scope="module")
def injected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """A demo workbook with formula-like text in its inputs, after plan, status, letters and report."""
    folder = tmp_path_factory.mktemp("injection")
    book = folder / "injektion.xlsx"
    create_workbook(book, demo=True, today=date(2025, 11, 22))
    wb = openpyxl.load_workbook(book)
    for (sheet, row, header), text in PAYLOADS.items():
        ws = wb[sheet]
        col = next(c.column for c in ws[1] if c.value == header)
        cell = ws.cell(row, col, text)
        cell.data_type = "s"  # typed as text, as Excel stores it after a leading apostrophe
    wb.save(book)
    assert formulas_in(book) == []

    runner = CliRunner()
    for args in (
        ["plan", str(book), "--year", "2025"],
        ["status", str(book)],
        ["letters", str(book), "--out", str(folder / "ut"), "--from", "2025-01-01", "--to", "2025-12-31"],
        ["report", str(book), "--year", "2025", "--out", str(folder / "rapport")],
    ):
        result = runner.invoke(main, [*args, "--today", TODAY])
        assert result.exit_code == 0, (args, result.output)
    return {
        "workbook": [book],
        "send list": [folder / "ut" / "utskickslista.xlsx"],
        "annex": sorted((folder / "rapport").glob("*_bilaga.xlsx")),
    }


@pytest.mark.parametrize("what", ["workbook", "send list", "annex"])
def test_formula_like_text_never_becomes_a_formula(injected: dict[str, list[Path]], what: str) -> None:
    files = injected[what]
    assert files and all(f.is_file() for f in files)
    for path in files:
        injected_formulas = [f for f in formulas_in(path) if any(p.lstrip("=+-@")[:8] in f for p in PAYLOADS.values())]
        assert injected_formulas == [], path.name
    texts = set().union(*(texts_in(p) for p in files))
    reached = {p for p in PAYLOADS.values() for t in texts if t.startswith(p)}
    assert reached, f"no payload reached the {what}; the test would prove nothing"


def test_formula_like_text_reads_back_as_text(injected: dict[str, list[Path]]) -> None:
    wb = openpyxl.load_workbook(injected["workbook"][0])
    names = {row[2] for row in wb["Årshjul"].iter_rows(min_row=2, values_only=True)}
    assert {PAYLOADS["Utförare", r, "Namn"] for r in (2, 4, 5, 6)} <= names
    assert wb["Utförare"]["B2"].data_type == "s"


# --------------------------------------------------------------------------- two runs at once

# A run that holds the workbook's write lock a while: the write is slowed inside the lock,
# so a second run started meanwhile meets a live lock, whatever the machine's speed.
SLOW_RUN = """
import sys, time
import uppf_xl.workbook.package as package
original = package.atomic_write
def slow(*args, **kwargs):
    time.sleep(float(sys.argv[1]))
    return original(*args, **kwargs)
package.atomic_write = slow
from uppf_xl.cli import run
run(sys.argv[2:])
"""
# Runs that start at the same instant (after their imports) race for real.
RACE_RUN = """
import sys, time
from uppf_xl.cli import run
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
run(sys.argv[2:])
"""
REFUSAL = re.compile(
    r"^Fel: Arbetsboken (?P<name>\S+) används av en annan körning av uppf-xl( \(process \d+\))?\. "
    r"Vänta tills den är klar och försök igen\.$"
)
# The run that read the workbook before the other one wrote is refused too: its changes were
# computed from a version that no longer exists.
STALE = re.compile(
    r"^Fel: Arbetsboken (?P<name>\S+) ändrades av någon annan medan uppf-xl arbetade\. "
    r"Arbetsboken är oförändrad\. Försök igen\.$"
)


def _uppf(code: str, arg: str, *args: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-c", code, arg, *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _logg_actions(book: Path) -> list[str]:
    wb = openpyxl.load_workbook(book, read_only=True)
    actions = [row[1] for row in wb["Logg"].iter_rows(min_row=2, values_only=True) if row[1]]
    wb.close()
    return actions


@pytest.fixture
def demo_book(tmp_path: Path) -> Path:
    book = tmp_path / "samtidig.xlsx"
    create_workbook(book, demo=True, today=date(2025, 11, 22))
    return book


def test_second_run_refuses_while_first_writes(demo_book: Path) -> None:
    lock = run_lock_path(demo_book)
    plan = ["plan", demo_book.name, "--year", "2025", "--today", TODAY]
    first = _uppf(SLOW_RUN, "4", *plan, cwd=demo_book.parent)
    deadline = time.monotonic() + 60
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lock.exists(), "the first run never took the lock"
    held = sha256(demo_book)

    second = _uppf(RACE_RUN, "0", *plan, cwd=demo_book.parent)
    out2, err2 = second.communicate(timeout=120)
    assert second.returncode == 3, out2 + err2
    assert REFUSAL.match(err2.strip()), err2
    assert "Traceback" not in out2 + err2
    assert sha256(demo_book) == held  # the refused run wrote nothing

    out1, err1 = first.communicate(timeout=120)
    assert first.returncode == 0, out1 + err1
    assert not lock.exists()
    assert _logg_actions(demo_book).count("plan") == 1


def test_two_runs_started_together(demo_book: Path) -> None:
    start = f"{time.time() + 3:.3f}"  # both are imported and waiting by then
    plan = ["plan", demo_book.name, "--year", "2025", "--today", TODAY]
    runs = [_uppf(RACE_RUN, start, *plan, cwd=demo_book.parent) for _ in range(2)]
    results = []
    for r in runs:
        out, err = r.communicate(timeout=180)
        results.append((r.returncode, out, err))

    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 3], [0, 0]), results  # [0, 0] only when one finished before the other read
    for code, out, err in results:
        assert "Traceback" not in out + err
        if code == 3:
            assert REFUSAL.match(err.strip()) or STALE.match(err.strip()), err
    assert _logg_actions(demo_book).count("plan") == codes.count(0)
    check = CliRunner().invoke(main, ["check", str(demo_book), "--today", TODAY])
    assert check.exit_code == 0, check.output
    leftovers = [p.name for p in demo_book.parent.iterdir() if p != demo_book]
    assert leftovers == [] or all(".bak." in p for p in leftovers), leftovers

"""Closed years in the archive workbook (uppf-xl archive): a workbook planned year by year gives
the same plans, statuses and report figures with its earlier years archived as without, and
--återställ brings every archived row back as it was."""

from __future__ import annotations

import random
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from uppf_xl import actions, archive, contract, effect, statuses, vocab
from uppf_xl.cli import main
from uppf_xl.errors import UsageError
from uppf_xl.workbook import open_workbook
from workbook_years import complete_year, copies
from uppf_xl.workbook.archive_file import read_archive
from uppf_xl.workbook.content import CellPatch, Changes

ARCHIVED_ON = date(2028, 1, 12)  # archive (default --före 2027) in January 2028
NAMND = "Äldreomsorgsnämnden"


def _note(path: Path) -> None:
    """The user writes a Kommentar in a done 2026 row."""
    wb = open_workbook(path)
    row = next(r for r in wb.register(date(2027, 1, 5)).schedule if r.year == 2026 and r.done is not None)
    values = {(row.row, "Kommentar"): "Besök med tolk"}
    wb.apply(Changes(patches=[CellPatch(contract.SCHEDULE.name, values)]), "test", "anteckning")  # type: ignore[arg-type]


def _years(book: Path, archive_it: bool) -> list[list[str]]:
    """Plan and complete 2026..2028 (archiving in January 2028 when asked), then plan 2029 and run status."""
    rng = random.Random(11)
    shown: list[list[str]] = []
    for year in (2026, 2027, 2028):
        today = date(year, 1, 12)
        if archive_it and today == ARCHIVED_ON:
            actions.archive(open_workbook(book), None, today)
        shown.append(actions.plan(open_workbook(book), year, today).lines)
        complete_year(book, year, rng)
        if year == 2026:
            _note(book)
    shown.append(actions.plan(open_workbook(book), 2029, date(2029, 1, 12)).lines)
    shown.append(actions.status(open_workbook(book), 2029, date(2029, 3, 2)).lines)
    return shown


def _rows_by_key(path: Path) -> dict[str, list[object]]:
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(contract.SCHEDULE.name).to_python()
    header = grid[0]
    return {str(r[0]): dict(zip(header, r)) for r in grid[1:] if r and r[0]}  # type: ignore[misc]


def _sheet(path: Path, name: str) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, demo_master: Path) -> tuple[Path, Path, list, list]:
    folder = tmp_path_factory.mktemp("archive")
    plain, archived = copies(demo_master, folder, "hela.xlsx", "arkiverad.xlsx")
    return plain, archived, _years(plain, False), _years(archived, True)


def test_archiving_changes_no_plan_status_or_figure(both: tuple[Path, Path, list, list]) -> None:
    plain, archived, plain_lines, archived_lines = both
    assert archive.archive_path(archived).exists()
    a, b = _rows_by_key(plain), _rows_by_key(archived)
    assert len(b) < len(a)
    moved = set(a) - set(b)
    assert moved and all(int(k.split("|")[2][:4]) < 2027 for k in moved)
    assert {k: a[k] for k in b} == b  # every row left in the sheet is the same, cell for cell
    assert not any(k.split("|")[2].startswith("2029") for k in moved)
    # The lines each run shows (coverage, backlog, what needs doing, effect) are the same, but
    # for the hint to archive that plan gives on the sheet whose history outweighs its year.
    hint = [line for shown in plain_lines for line in shown if "uppf-xl archive" in line]
    assert len(hint) == 1 and "avslutade rader från åren före 2028" in hint[0], hint
    assert not any("uppf-xl archive" in line for shown in archived_lines for line in shown)
    assert [[line for line in shown if line not in hint] for shown in plain_lines] == archived_lines
    assert _sheet(plain, contract.DASHBOARD.name) == _sheet(archived, contract.DASHBOARD.name)
    # The yearly report's effect section compares 2028 with 2026 and 2027, archived or not.
    today = date(2029, 1, 20)
    figures = []
    for book in (plain, archived):
        register = open_workbook(book).register(today)
        rows = statuses.of(register, today).refreshed(register.schedule, types=register.types)
        figures.append(effect.build_effect(register, rows, 2028, NAMND, today).total)
    assert figures[0] == figures[1]
    assert figures[0][0].year == 2026 and figures[0][0].followups > 0


def test_the_backlog_and_rows_a_finding_names_stay(both: tuple[Path, Path, list, list]) -> None:
    archived = both[1]
    register = open_workbook(archived).register(date(2029, 3, 2))
    early = [r for r in register.schedule if r.year < 2027]
    assert early, "the backlog of the archived years stays in Årshjul"
    named = archive.named_keys(register)
    for r in early:
        assert r.key in named or (r.done is None and r.status is not vocab.RowStatus.UTGAR), r.key
    kept_keys = {r.key for r in register.schedule}
    assert named & set(_rows_by_key(both[0])) <= kept_keys  # every row a finding names stayed


def test_archive_holds_every_cell_the_user_wrote(both: tuple[Path, Path, list, list]) -> None:
    plain, archived = both[0], both[1]
    rows = read_archive(archive.archive_path(archived))
    noted = [r for r in rows if r.comment == "Besök med tolk"]
    assert len(noted) == 1
    from openpyxl import load_workbook

    sheet = load_workbook(archive.archive_path(archived))[contract.SCHEDULE.name]  # another reader agrees
    assert list(sheet.tables) == [contract.SCHEDULE.table] and sheet.max_row == len(rows) + 1
    assert [c.value for c in sheet[1]][: len(contract.SCHEDULE.headers)] == contract.SCHEDULE.headers
    whole = _rows_by_key(plain)
    for r in rows:
        assert whole[r.key]["Genomförd"] == r.done
        assert (whole[r.key]["Kommentar"] or "") == r.comment
    # the hidden summary sheet holds the counts, the archive the rows
    register = open_workbook(archived).register(date(2029, 3, 2))
    assert sum(p.rows for p in register.archived) == len(rows)
    assert {p.before for p in register.archived} == {2027}
    with zipfile.ZipFile(archived) as zf:
        assert 'name="Arkiv" sheetId' in zf.read("xl/workbook.xml").decode() or b"Arkiv" in zf.read("xl/workbook.xml")


def test_restore_brings_every_row_back(both: tuple[Path, Path, list, list], tmp_path: Path) -> None:
    plain, archived = both[0], both[1]
    book = tmp_path / "arkiverad.xlsx"
    shutil.copyfile(archived, book)
    shutil.copyfile(archive.archive_path(archived), archive.archive_path(book))
    out = actions.archive(open_workbook(book), None, date(2029, 3, 2), restore=True)
    assert "Flyttade tillbaka" in out.lines[0]
    assert not archive.archive_path(book).exists()
    assert _rows_by_key(book) == _rows_by_key(plain)
    assert open_workbook(book).register(date(2029, 3, 2)).archived == []
    status = actions.status(open_workbook(book), 2029, date(2029, 3, 2))
    assert _sheet(book, contract.DASHBOARD.name) == _sheet(plain, contract.DASHBOARD.name)
    assert status.lines == both[3][-1]


def test_an_archived_year_is_not_planned_again(both: tuple[Path, Path, list, list], tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    shutil.copyfile(both[1], book)
    with pytest.raises(UsageError, match="År 2026 är arkiverat"):
        actions.plan(open_workbook(book), 2026, date(2029, 3, 2))


def test_a_failed_write_leaves_both_files_as_they_were(both: tuple[Path, Path, list, list], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "b.xlsx"
    shutil.copyfile(both[1], book)
    shutil.copyfile(archive.archive_path(both[1]), archive.archive_path(book))
    before = book.read_bytes(), archive.archive_path(book).read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disken är full")

    monkeypatch.setattr("uppf_xl.workbook.Workbook.apply", fail)
    with pytest.raises(OSError):
        actions.archive(open_workbook(book), 2029, date(2029, 3, 2))
    assert (book.read_bytes(), archive.archive_path(book).read_bytes()) == before


def test_a_missing_archive_file_stops_the_run(both: tuple[Path, Path, list, list], tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    shutil.copyfile(both[1], book)
    before = book.read_bytes()
    result = CliRunner().invoke(main, ["archive", str(book), "--today", "2029-03-02"])
    assert result.exit_code != 0
    assert "b-arkiv.xlsx saknas" in result.output
    assert book.read_bytes() == before


def test_check_names_a_broken_cell_in_arkiv_and_in_the_archive(both: tuple[Path, Path, list, list], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = tmp_path / "b.xlsx"
    shutil.copyfile(both[1], book)
    wb = load_workbook(book)
    ws = wb[contract.ARCHIVE.name]
    col = [c.value for c in ws[1]].index("Genomförda per år") + 1
    ws.cell(2, col).value = "många"
    wb.save(book)
    problems = [p.text for p in actions.check(open_workbook(book), date(2029, 3, 2))]
    letter = contract.column_letter(col)
    assert any(f"Arkiv!{letter}2:" in t and "2025: 3; 2026: 1" in t for t in problems), problems

    shutil.copyfile(both[1], book)
    target = archive.archive_path(book)
    shutil.copyfile(archive.archive_path(both[1]), target)
    wb = load_workbook(target)
    ws = wb[contract.SCHEDULE.name]
    col = [c.value for c in ws[1]].index("Genomförd") + 1
    ws.cell(3, col).value = "igår"
    wb.save(target)
    cell = f"[b-arkiv.xlsx]Årshjul!{contract.column_letter(col)}3:"
    checked = CliRunner().invoke(main, ["check", str(book), "--today", "2029-03-02"])
    assert checked.exit_code == 1
    assert cell in checked.output and '"igår" är inget giltigt datum' in checked.output, checked.output
    result = CliRunner().invoke(main, ["archive", str(book), "--återställ", "--today", "2029-03-02"])
    assert result.exit_code != 0
    assert cell in result.output
    assert target.exists()


def test_check_says_when_the_archive_file_is_missing_or_no_longer_matches(both: tuple[Path, Path, list, list],
                                                                          tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = tmp_path / "b.xlsx"
    shutil.copyfile(both[1], book)
    today = date(2029, 3, 2)
    missing = [p.text for p in actions.check(open_workbook(book), today) if p.sheet == contract.ARCHIVE.name]
    assert len(missing) == 1 and missing[0].startswith("Fel: Arkiv: arkivet b-arkiv.xlsx saknas"), missing

    target = archive.archive_path(book)
    shutil.copyfile(archive.archive_path(both[1]), target)
    assert actions.check(open_workbook(book), today) == open_workbook(book).check(today)  # a whole archive: nothing

    # Someone deletes a done row in the archive: its pair's counts in Arkiv no longer hold.
    wb = load_workbook(target)
    ws = wb[contract.SCHEDULE.name]
    header = [c.value for c in ws[1]]
    done = header.index("Genomförd") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, done).value is not None)
    pair = f"{ws.cell(row, header.index('UtförarID') + 1).value}/{ws.cell(row, header.index('TypID') + 1).value}"
    ws.delete_rows(row)
    wb.save(target)
    stale = [p.text for p in actions.check(open_workbook(book), today) if p.sheet == contract.ARCHIVE.name]
    assert len(stale) == 1 and "stämmer inte med b-arkiv.xlsx för 1 utförare och typer" in stale[0], stale
    assert pair in stale[0] and "uppf-xl archive b.xlsx" in stale[0]
    actions.archive(open_workbook(book), None, today)
    assert not [p for p in actions.check(open_workbook(book), today) if p.sheet == contract.ARCHIVE.name]

    stray = tmp_path / "c.xlsx"
    shutil.copyfile(both[0], stray)
    shutil.copyfile(target, archive.archive_path(stray))
    texts = [p.text for p in actions.check(open_workbook(stray), today) if p.sheet == "c-arkiv.xlsx"]
    assert texts and "hör till en annan arbetsbok" in texts[0], texts


def test_archive_twice_moves_nothing_more(both: tuple[Path, Path, list, list], tmp_path: Path) -> None:
    book = tmp_path / "b.xlsx"
    shutil.copyfile(both[1], book)
    shutil.copyfile(archive.archive_path(both[1]), archive.archive_path(book))
    before = book.read_bytes()
    out = actions.archive(open_workbook(book), 2027, date(2029, 3, 2))
    assert out.lines[0].startswith("Inga avslutade rader före 2027")
    assert book.read_bytes() == before
    with pytest.raises(UsageError, match="bara år som har passerat"):
        actions.archive(open_workbook(book), 2031, date(2029, 3, 2))


def test_card_and_public_pages_still_see_the_archived_years(both: tuple[Path, Path, list, list]) -> None:
    from uppf_xl import card, publish

    plain, archived = both[0], both[1]
    today = date(2029, 3, 2)
    registers = [open_workbook(book).register(today) for book in (plain, archived)]
    latest = [{p.id: (r.done, str(r.key)) if (r := publish.latest_follow_up(reg, p)) else None for p in reg.providers}
              for reg in registers]
    assert latest[0] == latest[1]
    register = registers[1]
    pair = next(p for p in register.archived if p.last_done is not None)
    provider = register.provider(pair.provider_id)
    assert provider is not None
    text = repr(card.sections(register, provider, today))
    assert "Arkiverad" in text and " i arkivet; genomförda per år: " in text and pair.last_done.isoformat() in text

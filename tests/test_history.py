"""Years of history (issue 19): a workbook planned year by year comes out the same whether the
cells a run changes are patched row by row or through a tree of the whole sheet, and the
rows a patch does not touch stay byte-identical."""

from __future__ import annotations

import random
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from uppf_xl import actions, contract, vocab
from uppf_xl.workbook import open_workbook
from workbook_years import complete_year, copies
from uppf_xl.workbook.ooxml import builder, cells, guard, parts
from uppf_xl.workbook.content import CellPatch, Changes

YEARS = range(2026, 2029)


def _history(book: Path) -> list[list[str]]:
    """Plan and complete 2026..2028, then plan 2029 and run status; the lines each run shows."""
    rng = random.Random(7)
    shown: list[list[str]] = []
    for year in YEARS:
        shown.append(actions.plan(open_workbook(book), year, date(year, 1, 12)).lines)
        complete_year(book, year, rng)
    last = YEARS[-1] + 1
    shown.append(actions.plan(open_workbook(book), last, date(last, 1, 12)).lines)
    shown.append(actions.status(open_workbook(book), last, date(last, 3, 2)).lines)
    # plan's hint to archive names the workbook: the two copies differ only in that.
    return [[line.replace(book.name, "FIL") for line in lines] for lines in shown]


def _values(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names}


@pytest.fixture(scope="module")
def planned_both_ways(tmp_path_factory: pytest.TempPathFactory, demo_master: Path) -> tuple[Path, Path, list, list]:
    folder = tmp_path_factory.mktemp("history")
    fast, full = copies(demo_master, folder, "rader.xlsx", "hela.xlsx")
    taken: list[bool] = []
    original = builder._Builder._patch_rows
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(builder._Builder, "_patch_rows", lambda self, patch: taken.append(original(self, patch)) or taken[-1])
        fast_lines = _history(fast)
    assert any(taken), "the row-by-row patch was never taken"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(builder._Builder, "_patch_rows", lambda self, patch: False)
        full_lines = _history(full)
    return fast, full, fast_lines, full_lines


def test_year_by_year_gives_the_same_workbook_either_way(planned_both_ways: tuple[Path, Path, list, list]) -> None:
    fast, full, fast_lines, full_lines = planned_both_ways
    a, b = _values(fast), _values(full)
    assert set(a) == set(b)
    for sheet in (contract.SCHEDULE.name, contract.FINDINGS.name, contract.DASHBOARD.name):
        assert a[sheet] == b[sheet], sheet
    # Logg's Tidpunkt holds the clock time of each run; the rest of it is the same.
    assert [r[1:] for r in a.pop(contract.LOG.name)] == [r[1:] for r in b.pop(contract.LOG.name)]
    assert a == b
    # The figures shown (coverage, backlog, effect over the years) are the same too.
    assert fast_lines == full_lines
    years = {r.year for r in open_workbook(fast).register(date(2029, 3, 2)).schedule}
    assert set(range(2026, 2030)) <= years


def test_history_stays_whole(planned_both_ways: tuple[Path, Path, list, list]) -> None:
    fast = planned_both_ways[0]
    register = open_workbook(fast).register(date(2029, 3, 2))
    done_years = {r.done.year for r in register.schedule if r.done is not None}
    assert {2026, 2027, 2028} <= done_years


def _sheet_xml(path: Path, sheet: str) -> bytes:
    pkg = parts.Package.read(path)
    return pkg.parts[pkg.sheet_parts()[sheet]]


def test_status_rewrites_only_the_rows_it_changes(planned_both_ways: tuple[Path, Path, list, list], tmp_path: Path) -> None:
    book = tmp_path / "status.xlsx"
    shutil.copyfile(planned_both_ways[0], book)
    before = _sheet_xml(book, contract.SCHEDULE.name)
    out = actions.status(open_workbook(book), 2029, date(2029, 9, 1))
    changed = {r for p in out.changes.patches if p.sheet == contract.SCHEDULE.name for r, _ in p.values}
    assert changed, "the status run should move some rows (Att kalla, Försenad)"
    after = _sheet_xml(book, contract.SCHEDULE.name)
    old_rows, new_rows = cells._row_segments(before), cells._row_segments(after)
    assert old_rows is not None and new_rows is not None and set(old_rows) == set(new_rows)
    for r in old_rows:
        if r not in changed:
            assert before[slice(*old_rows[r])] == after[slice(*new_rows[r])], r
    # Everything outside the rows is byte-identical.
    assert before[: min(s for s, _ in old_rows.values())] == after[: min(s for s, _ in new_rows.values())]
    assert before[max(e for _, e in old_rows.values()):] == after[max(e for _, e in new_rows.values()):]


def test_plan_writes_the_backlog_late_so_status_after_it_has_nothing_old_to_change(
    planned_both_ways: tuple[Path, Path, list, list], tmp_path: Path
) -> None:
    book = tmp_path / "nytt_ar.xlsx"
    shutil.copyfile(planned_both_ways[0], book)
    today = date(2030, 1, 14)
    actions.plan(open_workbook(book), 2030, today)
    register = open_workbook(book).register(today)
    late = [r for r in register.schedule if r.year < 2030 and r.done is None and r.due is not None and r.due < today]
    assert late, "the history should leave some rows undone"
    assert {r.status for r in late} == {vocab.RowStatus.FORSENAD}
    out = actions.status(open_workbook(book), 2030, today)
    rows = {r.row: r for r in register.schedule}
    changed = {r for p in out.changes.patches if p.sheet == contract.SCHEDULE.name for r, _ in p.values}
    assert not {r for r in changed if rows[r].year < 2030}


def test_a_sheet_written_row_by_row_gets_its_exact_dimension(planned_both_ways: tuple[Path, Path, list, list]) -> None:
    xml = _sheet_xml(planned_both_ways[0], contract.SCHEDULE.name)
    found = re.search(rb'<dimension ref="A1:([A-Z]+)(\d+)" */>', xml)
    assert found is not None
    grid = CalamineWorkbook.from_path(str(planned_both_ways[0])).get_sheet_by_name(contract.SCHEDULE.name).to_python()
    assert int(found.group(2)) == len(grid)
    assert found.group(1).decode() == get_column_letter(len(grid[0]))


def test_row_guard_leaves_any_other_difference_to_the_full_guard(planned_both_ways: tuple[Path, Path, list, list]) -> None:
    old = _sheet_xml(planned_both_ways[0], contract.SCHEDULE.name)
    rows = cells._row_segments(old)
    assert rows is not None
    first, second = sorted(rows)[1:3]
    start, end = rows[second]
    segment = old[start:end]
    cell = segment.index(b"<c ", segment.index(b">") + 1)
    # A cell of a row nobody wrote is changed: the text guard does not vouch for it...
    changed = old[:start] + segment[:cell] + b'<c r="ZZ%d"><v>1</v></c>' % second + segment[cell:] + old[end:]
    assert not guard._guard_rows_by_text(old, changed, {(first, 1)}, contract.SCHEDULE.name)
    # ...and the full guard refuses it.
    with pytest.raises(Exception, match="ZZ"):
        guard._guard_edited_sheet(old, changed, {(first, 1)}, contract.SCHEDULE.name)
    # The same bytes with only the written row differing in its written cell pass.
    assert guard._guard_rows_by_text(old, old, {(first, 1)}, contract.SCHEDULE.name)


def test_check_still_reports_a_broken_cell_in_an_old_year(planned_both_ways: tuple[Path, Path, list, list], tmp_path: Path) -> None:
    book = tmp_path / "trasig.xlsx"
    shutil.copyfile(planned_both_ways[0], book)
    register = open_workbook(book).register(date(2029, 3, 2))
    old = next(r for r in register.schedule if r.year == 2026 and r.done is not None)
    wb = open_workbook(book)
    wb.apply(Changes(patches=[CellPatch(contract.SCHEDULE.name, {(old.row, "Genomförd"): "inte ett datum"})]), "test", "trasig")
    problems = actions.check(open_workbook(book), date(2029, 3, 2))
    assert any(p.is_error and p.sheet == contract.SCHEDULE.name and p.cell.endswith(str(old.row)) for p in problems), problems

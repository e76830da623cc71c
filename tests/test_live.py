"""The live backend over xlwings' remote engine: whole-table reads, one write per block."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import xlwings as xw

from uppf_xl.workbook import Workbook
from uppf_xl.workbook.content import (
    Cell,
    CellPatch,
    Changes,
    ChartSpec,
    ConditionalFormat,
    RowAppend,
    SheetContent,
    TableBlock,
)
from uppf_xl.workbook.file import FileBackend
from uppf_xl.workbook.live import LiveBackend, normalise
from xlwings_payload import actions_of, book_from_file, payload_from_file

CASES = sorted((Path(__file__).parent / "data" / "check").glob("*.xlsx"))


def writes(book: xw.Book) -> list[dict]:
    return [a for a in actions_of(book) if a["func"] != "setScreenUpdating"]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_live_read_gives_the_file_readers_tables(case: Path) -> None:
    file_raw = FileBackend(case).read()
    live_raw = LiveBackend(book_from_file(case)).read()

    assert live_raw.sheet_names == file_raw.sheet_names
    assert set(live_raw.tables) == set(file_raw.tables)
    for name, expected in file_raw.tables.items():
        got = live_raw.tables[name]
        assert (got.header, got.row_numbers, got.header_row, got.col) == (
            expected.header, expected.row_numbers, expected.header_row, expected.col
        ), name
        assert (got.table_name, got.table_ref) == (expected.table_name, expected.table_ref), name
        # Cells with a formula have no cached value in these openpyxl-made files, so the
        # snapshot shows them empty; every other value is the same.
        formula_cells = {(r, h) for (r, h) in expected.formulas}
        for (row, values), (_, file_values) in zip(got.records(), expected.records()):
            for header, value in values.items():
                if (row, header) not in formula_cells:
                    assert value == file_values[header], (name, row, header)
        assert got.errors == expected.errors, name


def test_read_makes_one_range_read_per_sheet_and_writes_nothing() -> None:
    book = book_from_file(CASES[0])
    LiveBackend(book).read()
    assert actions_of(book) == []


def test_normalise_dates_like_the_file_reader() -> None:
    assert normalise(dt.datetime(2025, 1, 10)) == dt.date(2025, 1, 10)
    assert normalise(dt.datetime(2025, 1, 10, 8, 30)) == dt.datetime(2025, 1, 10, 8, 30)
    assert normalise("") is None
    assert normalise(2025.0) == 2025.0


def _sheet_content(rows: int) -> SheetContent:
    table = TableBlock(
        "tblTest", 3, 1, ["Nyckel", "Datum", "Antal"],
        [[f"K{i}", dt.date(2025, 1, 1) + dt.timedelta(days=i % 300), i] for i in range(rows)],
        styles={"Antal": "int"},
    )
    return SheetContent(
        "Översikt",
        tables=[table],
        cells=[Cell(1, 1, "Rubrik", "title"), Cell(2, 1, "per 2025-01-10", "subtitle")],
        widths={1: 20, 2: 12},
        freeze="A4",
        charts=[ChartSpec("col", "Antal per nyckel", "tblTest", "Nyckel", ["Antal"], "E3")],
        conditional=[ConditionalFormat("C4:C10", "greater", 5, "red")],
    )


def test_sheet_content_is_one_write_per_block(tmp_path: Path) -> None:
    book = book_from_file(CASES[0])
    LiveBackend(book).write(Changes(sheets=[_sheet_content(3)]))
    acts = writes(book)
    funcs = [a["func"] for a in acts]

    assert funcs[:2] == ["sheetClear", "setValues"]  # the sheet exists in the case workbook
    cells = acts[1]
    assert (cells["start_row"], cells["start_column"], cells["values"]) == (0, 0, [["Rubrik"], ["per 2025-01-10"]])
    table = next(a for a in acts if a["func"] == "setValues" and a["start_row"] == 2)
    assert table["values"] == [
        ["Nyckel", "Datum", "Antal"], ["K0", "2025-01-01", 0], ["K1", "2025-01-02", 1], ["K2", "2025-01-03", 2]
    ]
    assert next(a for a in acts if a["func"] == "addTable")["args"] == ["$A$3:$C$6", True, "TableStyleMedium2", "tblTest"]
    formats = {(a["start_column"], a["args"][0]) for a in acts if a["func"] == "setNumberFormat"}
    assert formats == {(1, "yyyy-mm-dd"), (2, "0")}
    chart = next(a for a in acts if a["func"] == "addChart")
    assert chart["args"][1:4] == ["ColumnClustered", "Översikt", "$A$3:$C$6"]
    assert next(a for a in acts if a["func"] == "setChartTitle")["args"] == [0, "Antal per nyckel"]
    rule = next(a for a in acts if a["func"] == "addConditionalFormat")
    assert (rule["args"][0]["operator"], rule["args"][0]["formula1"], rule["args"][0]["fill_color"]) == ("GreaterThan", "5", "#ffc7ce")
    assert next(a for a in acts if a["func"] == "freezePaneAtRange")["args"] == ["A4"]


def test_sheet_content_writes_the_same_number_of_calls_at_any_size() -> None:
    counts = []
    for rows in (5, 5000):
        book = book_from_file(CASES[0])
        LiveBackend(book).write(Changes(sheets=[_sheet_content(rows)]))
        counts.append(Counter(a["func"] for a in actions_of(book)))
    assert counts[0] == counts[1]


def test_a_missing_tool_sheet_is_added() -> None:
    book = book_from_file(CASES[0])
    LiveBackend(book).write(Changes(sheets=[SheetContent("Extra", cells=[Cell(1, 1, "x")])]))
    acts = writes(book)
    assert acts[0]["func"] == "addSheet" and acts[0]["args"][1] == "Extra"


def test_cell_patch_is_one_write_per_column() -> None:
    case = next(c for c in CASES if c.stem == "good")
    book = book_from_file(case)
    backend = LiveBackend(book)
    raw = backend.read()
    providers = raw.tables["Utförare"]
    first, last = providers.row_numbers[0], providers.row_numbers[-1]
    comment = providers.index("Kommentar")
    assert last - first >= 2
    backend.write(Changes(patches=[CellPatch("Utförare", {(first, "Kommentar"): "a", (last, "Kommentar"): "b"})]))

    (write,) = [a for a in writes(book) if a["func"] == "setValues"]
    middle = [providers.rows[i][comment] for i in range(1, len(providers.rows) - 1)]
    assert write["start_row"] == first - 1 and write["start_column"] == providers.col - 1 + comment
    assert write["values"] == [["a"], *[["" if v is None else v] for v in middle], ["b"]]


def test_row_append_is_one_write_and_grows_the_table() -> None:
    case = next(c for c in CASES if c.stem == "good")
    book = book_from_file(case)
    wb = Workbook(LiveBackend(book))
    wb.raw()
    wb.apply(Changes(), "test", "en rad", now=dt.datetime(2025, 1, 10, 9, 30))

    acts = writes(book)
    logg = [s.name for s in book.sheets].index("Logg")
    values = [a for a in acts if a["func"] == "setValues"]
    assert len(values) == 1 and values[0]["sheet_position"] == logg
    assert values[0]["values"][0][:3] == ["2025-01-10 09:30:00", "test", "en rad"]
    assert any(a["func"] == "resizeTable" for a in acts)


def test_row_append_refuses_an_unknown_column_before_writing() -> None:
    from uppf_xl.errors import WriteRefused

    book = book_from_file(CASES[0])
    backend = LiveBackend(book)
    with pytest.raises(WriteRefused, match="kolumnen Okänd saknas"):
        backend.write(Changes(appends=[RowAppend("Logg", [{"Okänd": 1}])]))
    assert actions_of(book) == []


def test_payload_keeps_tables_and_dates(tmp_path: Path) -> None:
    payload = payload_from_file(next(c for c in CASES if c.stem == "good"))
    sheet = next(s for s in payload["sheets"] if s["name"] == "Utförare")
    assert sheet["tables"][0]["name"] == "tblUtforare"
    assert any(isinstance(v, str) and v.endswith("T00:00:00.000Z") for row in sheet["values"] for v in row)


def test_a_patch_never_overwrites_an_error_value_between_its_rows() -> None:
    case = next(c for c in CASES if c.stem == "excel_errors")
    book = book_from_file(case)
    backend = LiveBackend(book)
    raw = backend.read()
    (row, header), = [k for k in raw.tables["Utförare"].errors]  # G4: #N/A
    backend.write(Changes(patches=[CellPatch("Utförare", {(row - 1, header): "A", (row + 1, header): "B"})]))

    runs = [(a["start_row"] + 1, a["values"]) for a in writes(book) if a["func"] == "setValues"]
    assert runs == [(row - 1, [["A"]]), (row + 1, [["B"]])]


def test_blocks_leave_out_the_kept_rows() -> None:
    from uppf_xl.workbook.live import _blocks

    assert _blocks([2, 3, 4, 9], set()) == [(2, 9)]
    assert _blocks([3, 4, 7, 8], {2, 5, 6, 9}) == [(3, 4), (7, 8)]
    assert _blocks([2, 500], set()) == [(2, 2), (500, 500)]
    # More runs than the limit: the shortest gaps are joined first.
    assert _blocks([10, 100, 105, 300], set(), most=2) == [(10, 105), (300, 300)]


def test_a_patched_column_the_table_lacks_is_added_after_the_last_one() -> None:
    case = next(c for c in CASES if c.stem == "good")
    book = book_from_file(case)
    backend = LiveBackend(book)
    providers = backend.read().tables["Utförare"]
    row = providers.row_numbers[0]
    backend.write(Changes(patches=[CellPatch("Utförare", {(row, "Egen kolumn"): "x"})]))

    header, value = [a for a in writes(book) if a["func"] == "setValues"]
    new_col = providers.col - 1 + len(providers.header)
    assert (header["start_row"], header["start_column"], header["values"]) == (0, new_col, [["Egen kolumn"]])
    assert (value["start_row"], value["start_column"], value["values"]) == (row - 1, new_col, [["x"]])
    resize = next(a for a in writes(book) if a["func"] == "resizeTable")
    assert resize["args"][1].startswith("$A$1:$Z$")


def test_a_patch_writes_only_its_cells_in_as_many_calls_at_any_size(tmp_path: Path) -> None:
    # The same change (a block of rows at the end, as a plan year's statuses, and three single
    # rows far apart, as an old row now done) on a sheet of 200 rows and of 3,000 rows.
    from xlwings_payload import scaled_copy

    good = next(c for c in CASES if c.stem == "good")
    seen = []
    for size in (200, 3000):
        book = book_from_file(scaled_copy(good, tmp_path / f"p{size}.xlsx", size))
        backend = LiveBackend(book)
        table = backend.read().tables["Utförare"]
        numbers = table.row_numbers
        rows = [numbers[1], numbers[len(numbers) // 2], numbers[-60], *numbers[-20:]]
        backend.write(Changes(patches=[CellPatch("Utförare", {(r, "Kommentar"): f"x{r}" for r in rows})]))
        calls = [a for a in writes(book) if a["func"] == "setValues"]
        cells = sum(len(a["values"]) for a in calls)
        written = {a["start_row"] + 1 + i for a in calls for i in range(len(a["values"]))}
        assert set(rows) <= written
        seen.append((len(calls), cells))
    assert seen[0] == seen[1] == (4, 23)

"""The safe writer on a real .xlsm that carries everything a user may own."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from python_calamine import CalamineWorkbook

from uppf_xl.contract import SCHEDULE
from uppf_xl.errors import WriteRefused
from uppf_xl.workbook import package
from uppf_xl.workbook.ooxml import parts
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
from uppf_xl.workbook.package import Package, write_changes

FIXTURE = Path(__file__).parent.parent / "data" / "roundtrip" / "user_book.xlsm"
UNCHANGED = "Arbetsboken är oförändrad."
D = dt.date
TRICKY = ["=SUM(A1:A3)", "+46 70 123 45 67", "-tom-", "@anna", "bell\x07here", "_x0041_ kvar"]


def schedule_rows(n: int = 3) -> list[list[object]]:
    rows = []
    for i in range(n):
        rows.append(
            [f"U{i:03d}|KVAL|2025", f"U{i:03d}", f"Utförare {i}", "Hemtjänst", "Vård- och omsorgsnämnden", "KVAL",
             "Kvalitetsuppföljning", "2025", D(2025, 12, 31), D(2025, 10, 14), None, "", "", D(2025, 8, 30), None,
             None, "Försenad" if i % 2 else "Planerad", "Eva", TRICKY[i % len(TRICKY)], "", ""]
        )
    return rows


def full_changes() -> Changes:
    schedule = SheetContent(
        "Årshjul",
        tables=[TableBlock(SCHEDULE.table, 1, 1, SCHEDULE.headers, schedule_rows(len(TRICKY)))],
        widths={i + 1: c.width for i, c in enumerate(SCHEDULE.columns)},
        freeze="B2",
        conditional=[ConditionalFormat("Q2:Q200", "equals", "Försenad", "red")],
        tab_color="1F4E78",
    )
    overview = SheetContent(
        "Översikt",
        cells=[Cell(1, 1, "Översikt 2025", "title"), Cell(2, 1, "Per 2025-01-10", "note")],
        tables=[
            TableBlock("tblOversiktNamnd", 4, 1, ["Nämnd", "Planerade", "Genomförda"], [["VON", 10, 3], ["SN", 5, 1]]),
            TableBlock("tblOversiktOmrade", 9, 1, ["Område", "Försenade", "Andel"], [["Hemtjänst", 2, 0.25], ["LSS", 0, 0.0]],
                       styles={"Andel": "percent"}),
        ],
        charts=[ChartSpec("col", "Planerat och genomfört", "tblOversiktNamnd", "Nämnd", ["Planerade", "Genomförda"], "F4")],
        widths={1: 26},
    )
    patch = CellPatch("Iakttagelser", {(2, "Status"): "Åtgärdsplan försenad", (3, "Status"): "Åtgärdsplan inkommen",
                                       (2, "Eskalera"): "Ja", (4, "Åtgärdsplan godkänd"): D(2025, 1, 9)})
    log = RowAppend("Logg", [{"Tidpunkt": dt.datetime(2025, 1, 10, 9, 30), "Åtgärd": "plan", "Detaljer": "=1+1",
                              "Användare": "eva"}])
    return Changes(sheets=[schedule, overview], patches=[patch], appends=[log])


def rels_of(pkg: Package) -> set[tuple[str, str, str]]:
    out = set()
    for rels_name in pkg.rels_parts():
        source = Package.source_of(rels_name)
        for rel in pkg.rels(source):
            out.add((source, rel.type, rel.target if rel.external else Package.resolve(source, rel.target)))
    return out


def ext_block(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    ext = root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}extLst")
    assert ext is not None
    return b"".join(etree.tostring(e, method="c14n", exclusive=True) for e in ext)


def sheet_values(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    try:
        return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    finally:
        book.close()


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "uppfoljning.xlsm"
    shutil.copy(FIXTURE, path)
    return path


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The fixture written once with full_changes(), then again; plus one LibreOffice conversion."""
    folder = tmp_path_factory.mktemp("roundtrip")
    path = folder / "uppfoljning.xlsm"
    shutil.copy(FIXTURE, path)
    write_changes(path, full_changes())
    first = path.read_bytes()
    styles_first = Package.read(path).parts["xl/styles.xml"]
    write_changes(path, full_changes())
    styles_second = Package.read(path).parts["xl/styles.xml"]
    once = folder / "once.xlsm"
    once.write_bytes(first)
    pdf_dir = folder / "pdf"
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{folder}/lo_profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(pdf_dir), str(once)],
        capture_output=True, text=True, timeout=180,
    )
    return {"path": once, "folder": folder, "styles": (styles_first, styles_second), "soffice": proc,
            "pdf": pdf_dir / "once.pdf", "backup": folder / "uppfoljning.bak.xlsm", "latest": path}


def test_every_part_and_relationship_of_the_user_survives(written: dict[str, object]) -> None:
    before = Package.read(FIXTURE)
    after = Package.read(written["path"])  # type: ignore[arg-type]
    assert set(before.parts) - set(after.parts) == set()  # Årshjul's new table takes its old table's name
    assert rels_of(before) - rels_of(after) == set()
    assert b'name="tblArshjul"' in after.parts["xl/tables/table2.xml"]
    for part in ("xl/vbaProject.bin", "customUI/customUI14.xml", "customUI/customUI.xml",
                 "xl/threadedComments/threadedComment1.xml", "xl/persons/person.xml", "xl/media/image1.png",
                 "xl/drawings/drawing1.xml", "xl/comments/comment1.xml", "xl/drawings/commentsDrawing1.vml",
                 "xl/worksheets/sheet3.xml", "xl/worksheets/sheet4.xml", "xl/theme/theme1.xml", "_rels/.rels",
                 "xl/worksheets/_rels/sheet1.xml.rels", "docProps/core.xml"):
        assert after.parts[part] == before.parts[part], part
    ribbon = {(r.type, r.target) for r in after.rels("")}
    assert ("http://schemas.microsoft.com/office/2007/relationships/ui/extensibility", "customUI/customUI14.xml") in ribbon
    assert ext_block(after.parts["xl/worksheets/sheet1.xml"]) == ext_block(before.parts["xl/worksheets/sheet1.xml"])
    assert b'codeName="Blad2"' in after.parts["xl/worksheets/sheet2.xml"]  # Årshjul keeps its VBA module


def test_new_values_read_back_as_written(written: dict[str, object]) -> None:
    values = sheet_values(written["path"])  # type: ignore[arg-type]
    assert list(values) == ["Översikt", "Iakttagelser", "Årshjul", "Listor", "Mina anteckningar", "Logg"]
    schedule = values["Årshjul"]
    assert schedule[0] == SCHEDULE.headers
    assert schedule[1][8] == D(2025, 12, 31) and schedule[1][13] == D(2025, 8, 30)
    assert [row[18] for row in schedule[1:]] == TRICKY[:5] + ["_x0041_ kvar"]
    findings = values["Iakttagelser"]
    assert [row[14] for row in findings[1:]] == ["Åtgärdsplan försenad", "Åtgärdsplan inkommen", ""]
    assert findings[1][15] == "Ja"
    assert findings[3][11] == D(2025, 1, 9)
    assert findings[1][1] == D(2024, 11, 5)  # an untouched date stays a date
    assert values["Logg"][-1] == [dt.datetime(2025, 1, 10, 9, 30), "plan", "=1+1", "eva"]
    assert values["Översikt"][4][:3] == ["VON", 10, 3]
    assert values["Mina anteckningar"][5][0] == "Summa"


def test_openpyxl_loads_it_and_sees_no_formula(written: dict[str, object]) -> None:
    wb = openpyxl.load_workbook(written["path"], keep_vba=True)  # type: ignore[arg-type]
    ws = wb["Årshjul"]
    assert ws["S2"].value == "=SUM(A1:A3)" and ws["S2"].data_type == "s"
    assert ws["I2"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "B2"
    assert set(ws.tables) == {SCHEDULE.table}
    assert ws.tables[SCHEDULE.table].ref == "A1:W7"
    assert wb["Logg"].tables["tblLogg"].ref == "A1:D3"
    assert wb["Logg"]["A3"].number_format == "yyyy-mm-dd hh:mm"
    assert wb["Logg"]["C3"].data_type == "s"
    assert wb["Iakttagelser"]["L4"].is_date
    overview = wb["Översikt"]
    assert set(overview.tables) == {"tblOversiktNamnd", "tblOversiktOmrade"}
    assert overview["A1"].font.b and overview["A1"].font.sz == 14
    assert overview["C10"].number_format == "0%"
    assert len(overview._charts) == 1
    table_ids = [t.id for s in wb.worksheets for t in s.tables.values()]
    assert len(table_ids) == len(set(table_ids))


def test_libreoffice_opens_it(written: dict[str, object]) -> None:
    proc = written["soffice"]
    assert proc.returncode == 0, proc.stderr  # type: ignore[attr-defined]
    text = subprocess.run(["pdftotext", str(written["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
    assert "Översikt 2025" in text
    assert "Planerat och genomfört" in text  # the chart's title
    assert "=SUM(A1:A3)" in text  # a text, not a formula
    assert "Åtgärdsplan inkommen" in text  # a patched cell (row 2 is clipped by its neighbour)


def test_styles_do_not_grow_on_a_second_write(written: dict[str, object]) -> None:
    first, second = written["styles"]  # type: ignore[misc]
    assert len(second) == len(first)
    assert second == first


def test_one_backup_of_the_previous_version(written: dict[str, object]) -> None:
    backup = written["backup"]
    assert backup.read_bytes() == written["path"].read_bytes()  # type: ignore[union-attr]
    leftovers = [p.name for p in written["folder"].iterdir() if p.name.startswith(".")]  # type: ignore[union-attr]
    assert leftovers == []


def test_a_user_sheet_is_never_rewritten(book: Path) -> None:
    original = book.read_bytes()
    with pytest.raises(WriteRefused) as exc:
        write_changes(book, Changes(sheets=[SheetContent("Mina anteckningar")]))
    assert exc.value.message == (
        "Skrivningen avbröts: bladet Mina anteckningar ägs av användaren och skrivs aldrig om av uppf-xl. "
        "Arbetsboken är oförändrad."
    )
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()) == ["uppfoljning.xlsm"]


def _sabotage(monkeypatch: pytest.MonkeyPatch, damage) -> None:
    """Let build() run, then damage its result, as a bug in the writer would."""
    real_build = package.build

    def build(before: Package, changes: Changes):
        after, plan = real_build(before, changes)
        damage(after)
        return after, plan

    monkeypatch.setattr(package, "build", build)


def test_the_guard_does_not_trust_the_writers_plan(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that declares the ribbon droppable, or a user sheet rewritten, is still refused."""
    original = book.read_bytes()
    real_build = package.build

    def build(before: Package, changes: Changes):
        after, plan = real_build(before, changes)
        after.parts.pop("customUI/customUI14.xml")
        plan.may_remove.add("customUI/customUI14.xml")
        return after, plan

    monkeypatch.setattr(package, "build", build)
    with pytest.raises(WriteRefused) as exc:
        write_changes(book, full_changes())
    assert exc.value.message == (
        f"Skrivningen avbröts: delen customUI/customUI14.xml (menyfliksområdet) skulle gå förlorad. {UNCHANGED}"
    )

    def rewrite_user_sheet(before: Package, changes: Changes):
        after, plan = real_build(before, changes)
        plan.replaced.add("xl/worksheets/sheet4.xml")
        return after, plan

    monkeypatch.setattr(package, "build", rewrite_user_sheet)
    with pytest.raises(WriteRefused) as exc:
        write_changes(book, full_changes())
    assert exc.value.message == f"Skrivningen avbröts: bladet Mina anteckningar skulle skrivas om. {UNCHANGED}"
    assert book.read_bytes() == original


def _drop_ribbon_rel(pkg: Package) -> None:
    pkg.set_rels("", [r for r in pkg.rels("") if "customUI14" not in r.target])


def _drop_ext(pkg: Package) -> None:
    root = etree.fromstring(pkg.parts["xl/worksheets/sheet1.xml"])
    root.remove(root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}extLst"))
    pkg.parts["xl/worksheets/sheet1.xml"] = etree.tostring(root)


def _change_user_cell(pkg: Package) -> None:
    root = etree.fromstring(pkg.parts["xl/worksheets/sheet1.xml"])
    cell = next(c for c in root.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}c") if c.get("r") == "G4")
    cell[0].text = "0"  # another shared string
    pkg.parts["xl/worksheets/sheet1.xml"] = etree.tostring(root)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.parts.pop("customUI/customUI14.xml"),
         "Skrivningen avbröts: delen customUI/customUI14.xml (menyfliksområdet) skulle gå förlorad."),
        (_drop_ribbon_rel,
         "Skrivningen avbröts: relationen från paketet till customUI/customUI14.xml (menyfliksområdet) skulle gå förlorad."),
        (lambda p: p.parts.update({"xl/vbaProject.bin": p.parts["xl/vbaProject.bin"][:-1] + b"\x00"}),
         "Skrivningen avbröts: delen xl/vbaProject.bin (VBA-projektet med makron) skulle ändras."),
        (lambda p: p.parts.pop("xl/threadedComments/threadedComment1.xml"),
         "Skrivningen avbröts: delen xl/threadedComments/threadedComment1.xml (trådad kommentar) skulle gå förlorad."),
        (lambda p: p.parts.pop("xl/media/image1.png"),
         "Skrivningen avbröts: delen xl/media/image1.png (bild) skulle gå förlorad."),
        (lambda p: p.parts.update({"xl/worksheets/sheet4.xml": p.parts["xl/worksheets/sheet4.xml"] + b" "}),
         "Skrivningen avbröts: delen xl/worksheets/sheet4.xml (bladet Mina anteckningar) skulle ändras."),
        (_drop_ext,
         "Skrivningen avbröts: bladet Iakttagelser skulle förlora eller ändra ett tilläggsblock "
         "(till exempel listvalidering mot ett annat blad)."),
        (_change_user_cell,
         "Skrivningen avbröts: cellen Iakttagelser!G4 skulle ändras fast uppf-xl inte ska skriva där."),
    ],
    ids=["ribbon-part", "ribbon-rel", "vba", "threaded-comment", "image", "user-sheet", "ext-validation", "user-cell"],
)
def test_guard_refuses_a_write_that_would_lose_user_content(
    book: Path, monkeypatch: pytest.MonkeyPatch, damage, message: str
) -> None:
    original = book.read_bytes()
    _sabotage(monkeypatch, damage)
    with pytest.raises(WriteRefused) as exc:
        write_changes(book, full_changes())
    assert exc.value.message == f"{message} {UNCHANGED}"
    assert exc.value.exit_code == 3
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()) == ["uppfoljning.xlsm"]


def test_a_written_part_that_is_not_well_formed_is_refused(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = book.read_bytes()

    def unbound_prefix(pkg: Package) -> None:
        part = "xl/worksheets/sheet2.xml"  # Årshjul, written fresh: the guard lets it change
        pkg.parts[part] = pkg.parts[part].replace(b'<tablePart r:id="rId1"/>', b'<tablePart q:id="rId1"/>')

    _sabotage(monkeypatch, unbound_prefix)
    with pytest.raises(WriteRefused) as exc:
        write_changes(book, full_changes())
    assert exc.value.message.startswith("Skrivningen avbröts: delen xl/worksheets/sheet2.xml blev ogiltig XML (")
    assert exc.value.message.endswith(f"). {UNCHANGED}")
    assert book.read_bytes() == original


def test_patch_of_a_missing_column_is_refused(book: Path) -> None:
    original = book.read_bytes()
    with pytest.raises(WriteRefused) as exc:
        write_changes(book, Changes(patches=[CellPatch("Iakttagelser", {(2, "Finns inte"): "x"})]))
    assert exc.value.message == f"Skrivningen avbröts: kolumnen Finns inte saknas i bladet Iakttagelser. {UNCHANGED}"
    assert book.read_bytes() == original


def test_headers_match_after_trimming_and_styles_are_kept(book: Path) -> None:
    write_changes(book, Changes(patches=[CellPatch("Iakttagelser", {(2, " Status "): "Ny", (2, "Datum"): D(2025, 2, 1)})]))
    ws = openpyxl.load_workbook(book)["Iakttagelser"]
    assert ws["O2"].value == "Ny"
    assert ws["B2"].value == dt.datetime(2025, 2, 1) and ws["B2"].number_format == "yyyy-mm-dd"


def test_logg_is_created_when_missing(tmp_path: Path) -> None:
    path = tmp_path / "bok.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Utförare"
    wb.save(path)
    row = {"Tidpunkt": dt.datetime(2025, 1, 10, 8, 0), "Åtgärd": "status", "Detaljer": "", "Användare": "eva"}
    write_changes(path, Changes(appends=[RowAppend("Logg", [row])]))
    write_changes(path, Changes(appends=[RowAppend("Logg", [row])]))
    values = sheet_values(path)
    assert values["Logg"] == [["Tidpunkt", "Åtgärd", "Detaljer", "Användare"],
                              [dt.datetime(2025, 1, 10, 8, 0), "status", "", "eva"],
                              [dt.datetime(2025, 1, 10, 8, 0), "status", "", "eva"]]
    assert openpyxl.load_workbook(path)["Logg"].tables["tblLogg"].ref == "A1:D3"


def _with_calc_chain(path: Path) -> None:
    pkg = Package.read(path)
    pkg.parts["xl/calcChain.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="B6" i="4"/></calcChain>'
    )
    rels = pkg.rels("xl/workbook.xml")
    rels.append(parts.Rel("rIdCalc", parts.RT_CALC_CHAIN, "calcChain.xml"))
    pkg.set_rels("xl/workbook.xml", rels)
    ct = parts.ContentTypes(pkg.parts["[Content_Types].xml"])
    ct.set_override("xl/calcChain.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml")
    pkg.parts["[Content_Types].xml"] = ct.to_bytes()
    buf = io.BytesIO()
    pkg.save(buf)
    path.write_bytes(buf.getvalue())


def test_calc_chain_kept_unless_a_sheet_with_formulas_changes(book: Path) -> None:
    _with_calc_chain(book)
    write_changes(book, full_changes())  # no changed sheet has a formula
    assert "xl/calcChain.xml" in Package.read(book).parts
    patch = CellPatch("Mina anteckningar", {(3, "Egen sammanställning"): "Hemtjänst (ny)"})
    write_changes(book, Changes(patches=[patch]))
    after = Package.read(book)
    assert "xl/calcChain.xml" not in after.parts
    assert b"calcChain" not in after.parts["[Content_Types].xml"]
    assert all(r.type != parts.RT_CALC_CHAIN for r in after.rels("xl/workbook.xml"))
    wb = openpyxl.load_workbook(book)
    assert wb["Mina anteckningar"]["B6"].value == "=SUM(B3:B5)"
    assert wb["Mina anteckningar"]["A3"].value == "Hemtjänst (ny)"


def test_append_refuses_to_overwrite_rows_below_the_table(book: Path) -> None:
    ws_part = "xl/worksheets/sheet5.xml"  # Logg
    pkg = Package.read(book)
    pkg.parts[ws_part] = pkg.parts[ws_part].replace(
        b"</sheetData>", b'<row r="3"><c r="B3" t="inlineStr"><is><t>egen anteckning</t></is></c></row></sheetData>'
    )
    buf = io.BytesIO()
    pkg.save(buf)
    book.write_bytes(buf.getvalue())
    original = book.read_bytes()
    row = {"Tidpunkt": dt.datetime(2025, 1, 10, 8, 0), "Åtgärd": "plan", "Detaljer": "", "Användare": "eva"}
    with pytest.raises(WriteRefused) as exc:
        write_changes(book, Changes(appends=[RowAppend("Logg", [row])]))
    assert exc.value.message == (
        "Skrivningen avbröts: rad 3 under tabellen i bladet Logg innehåller redan data och skulle skrivas över. "
        "Arbetsboken är oförändrad."
    )
    assert book.read_bytes() == original


KILL_SCRIPT = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from uppf_xl.contract import SCHEDULE
    from uppf_xl.workbook import package, safe
    from uppf_xl.workbook.content import Changes, SheetContent, TableBlock

    def pause_in(module, name):
        real = getattr(module, name)
        def paused(*args, **kwargs):
            result = real(*args, **kwargs)
            print("paused", flush=True)
            time.sleep(60)
            return result
        setattr(module, name, paused)

    if sys.argv[3] != "none":  # stop for good at one step of the write: "verify" or "_keep_backup"
        pause_in(package if sys.argv[3] == "verify" else safe, sys.argv[3])
    d = dt.date(2025, 3, 1)
    rows = [[f"U{i:05d}|KVAL|2025", f"U{i:05d}", "Utförare AB", "Hemtjänst", "Nämnden", "KVAL", "Kvalitet", "2025",
             d, d, None, "", "", d, None, None, "Planerad", "Eva", "", "", ""] for i in range(int(sys.argv[2]))]
    print("start", flush=True)
    content = SheetContent("Årshjul", tables=[TableBlock("tblArshjul", 1, 1, SCHEDULE.headers, rows)])
    package.write_changes(Path(sys.argv[1]), Changes(sheets=[content]))
    print("done", flush=True)
    """
)


def _kill_and_check(book: Path, original: bytes, proc: subprocess.Popen) -> bool:
    """SIGKILL the writer; the workbook is the original or a whole new version. True if it was the original."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    unchanged = book.read_bytes() == original
    if not unchanged:  # the replace had happened: then the new file is whole
        assert len(sheet_values(book)["Årshjul"]) in (2001, 10001)
        book.write_bytes(original)
    assert sheet_values(book)["Mina anteckningar"][5][0] == "Summa"
    workbooks = sorted(p.name for p in book.parent.iterdir() if p.suffix in (".xlsm", ".xlsx"))
    assert set(workbooks) <= {"uppfoljning.xlsm", "uppfoljning.bak.xlsm"}
    return unchanged


@pytest.mark.parametrize("step", ["verify", "_keep_backup"])
def test_killed_at_a_step_of_the_write_the_original_stays(book: Path, step: str) -> None:
    """Killed with the temp file written and verified, or with the backup made and the rename next."""
    original = book.read_bytes()
    script = book.parent / "writer.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(book), "2000", step], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert [proc.stdout.readline().strip() for _ in range(2)] == ["start", "paused"]
    temps = [p for p in book.parent.iterdir() if p.name.endswith(".uppf-xl.tmp")]
    assert len(temps) == 1 and temps[0].name.startswith(".uppfoljning.xlsm.")
    assert _kill_and_check(book, original, proc)
    write_changes(book, full_changes())  # takes over the dead run's lock and clears its temp file
    assert sorted(p.name for p in book.parent.iterdir()) == ["uppfoljning.bak.xlsm", "uppfoljning.xlsm", "writer.py"]


def test_killing_the_writer_at_random_moments_never_damages_the_workbook(book: Path) -> None:
    original = book.read_bytes()
    script = book.parent / "writer.py"
    script.write_text(KILL_SCRIPT, encoding="utf-8")
    args = [sys.executable, str(script), str(book), "10000", "none"]
    # One whole run first, to place the kills inside the write on this machine, however fast.
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
    began = time.monotonic()
    assert proc.stdout.readline().strip() == "done"
    duration = time.monotonic() - began
    proc.wait()
    book.write_bytes(original)
    killed_mid_write = 0
    for fraction in (0.1, 0.4, 0.7):
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "start"
        time.sleep(duration * fraction)
        finished = proc.poll() is not None
        killed_mid_write += _kill_and_check(book, original, proc) and not finished
    assert killed_mid_write >= 2
    write_changes(book, full_changes())
    assert sheet_values(book)["Iakttagelser"][1][14] == "Åtgärdsplan försenad"
    assert [p.name for p in book.parent.iterdir() if p.name.startswith(".")] == []


def _findings_without(tmp_path: Path, drop: str, beside: str | None = None) -> Path:
    """A small Iakttagelser table that lacks one of the tool's columns."""
    from openpyxl.worksheet.table import Table

    from uppf_xl.contract import FINDINGS

    headers = [h for h in FINDINGS.headers if h != drop]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Iakttagelser"
    ws.append(headers)
    ws.append(["I001", D(2025, 1, 2), "U001"] + [None] * (len(headers) - 3))
    ws["A1"].font = openpyxl.styles.Font(bold=True)
    ws.cell(1, len(headers)).font = openpyxl.styles.Font(bold=True)
    if beside is not None:
        ws.cell(2, len(headers) + 1, beside)
    ws.add_table(Table(displayName="tblIakttagelser", ref=f"A1:{openpyxl.utils.get_column_letter(len(headers))}2"))
    path = tmp_path / "bok.xlsx"
    wb.save(path)
    return path


def test_a_missing_tool_column_is_added_to_the_table(tmp_path: Path) -> None:
    path = _findings_without(tmp_path, "Svar senast")
    write_changes(path, Changes(patches=[CellPatch("Iakttagelser", {(2, "Svar senast"): "2025-02-03"})]))
    ws = openpyxl.load_workbook(path)["Iakttagelser"]
    assert ws["W1"].value == "Svar senast" and ws["W1"].font.b
    assert ws["W2"].value == "2025-02-03"
    table = ws.tables["tblIakttagelser"]
    assert table.ref == "A1:W2" and [c.name for c in table.tableColumns][-1] == "Svar senast"


def test_a_tool_column_is_not_added_over_user_data(tmp_path: Path) -> None:
    path = _findings_without(tmp_path, "Svar senast", beside="min egen anteckning")
    original = path.read_bytes()
    with pytest.raises(WriteRefused) as exc:
        write_changes(path, Changes(patches=[CellPatch("Iakttagelser", {(2, "Svar senast"): "x"})]))
    assert exc.value.message == (
        "Skrivningen avbröts: kolumnen Svar senast saknas i bladet Iakttagelser och kan inte läggas till, "
        "eftersom cellen W2 bredvid tabellen inte är tom. Arbetsboken är oförändrad."
    )
    assert path.read_bytes() == original


def test_the_demo_workbook_takes_a_logged_write(demo_book: Path) -> None:
    from uppf_xl.workbook import open_workbook

    before = Package.read(demo_book)
    book = open_workbook(demo_book)
    changes = Changes(
        sheets=[SheetContent("Översikt", cells=[Cell(1, 1, "Översikt", "title")],
                             tables=[TableBlock("tblOversikt", 3, 1, ["Nämnd", "Antal"], [["VON", 3]])])],
        patches=[CellPatch("Iakttagelser", {(2, "Status"): "Ny"})],
    )
    book.apply(changes, "test", "skrivtest", now=dt.datetime(2025, 11, 22, 10, 0))
    after = Package.read(demo_book)
    sheets = before.sheet_parts()
    untouched = [n for n in sheets if n not in ("Översikt", "Iakttagelser", "Logg")]
    assert untouched and all(after.parts[sheets[n]] == before.parts[sheets[n]] for n in untouched)
    log = sheet_values(demo_book)["Logg"][-1]
    assert log[:3] == [dt.datetime(2025, 11, 22, 10, 0), "test", "skrivtest"]
    assert not [p for p in open_workbook(demo_book).check(dt.date(2025, 11, 22)) if p.is_error]


def test_an_append_adds_a_missing_logg_column(tmp_path: Path) -> None:
    from openpyxl.worksheet.table import Table

    path = tmp_path / "bok.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Logg"
    ws.append(["Tidpunkt", "Åtgärd", "Detaljer"])
    ws.append([dt.datetime(2025, 1, 9, 8, 0), "init", ""])
    ws["A2"].number_format = "yyyy-mm-dd hh:mm"
    ws.add_table(Table(displayName="tblLogg", ref="A1:C2"))
    wb.save(path)
    row = {"Tidpunkt": dt.datetime(2025, 1, 10, 8, 0), "Åtgärd": "plan", "Detaljer": "x", "Användare": "eva"}
    write_changes(path, Changes(appends=[RowAppend("Logg", [row])]))
    assert sheet_values(path)["Logg"] == [["Tidpunkt", "Åtgärd", "Detaljer", "Användare"],
                                          [dt.datetime(2025, 1, 9, 8, 0), "init", "", ""],
                                          [dt.datetime(2025, 1, 10, 8, 0), "plan", "x", "eva"]]
    assert openpyxl.load_workbook(path)["Logg"].tables["tblLogg"].ref == "A1:D3"


def test_a_tool_sheet_rewritten_without_tables_loses_only_its_table(book: Path) -> None:
    write_changes(book, Changes(sheets=[SheetContent("Årshjul", cells=[Cell(1, 1, "Inga uppföljningar")])]))
    after = Package.read(book)
    assert "xl/tables/table2.xml" not in after.parts
    assert "xl/worksheets/_rels/sheet2.xml.rels" not in after.parts
    assert b"tblArshjul" not in after.parts["[Content_Types].xml"] + after.parts["xl/workbook.xml"]
    assert sheet_values(book)["Årshjul"] == [["Inga uppföljningar"]]


def test_the_users_rules_on_a_tool_sheet_survive_its_rewrite(written: dict[str, object]) -> None:
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    for path in (written["path"], written["latest"]):  # after one write and after two
        root = etree.fromstring(Package.read(path).parts["xl/worksheets/sheet2.xml"])  # type: ignore[arg-type]
        rules = [(cf.get("sqref"), rule.get("priority"), rule.findtext(f"{main}formula"))
                 for cf in root.iter(f"{main}conditionalFormatting") for rule in cf.iter(f"{main}cfRule")]
        assert rules == [("Q2:Q200", "1", '"Försenad"'), ("Q2:Q500", "2", '"Utgår"')]
        assert [v.get("sqref") for v in root.iter(f"{main}dataValidation")] == ["R2:R500"]
        assert ext_block(etree.tostring(root)) == ext_block(FIXTURE_SCHEDULE)
    wb = openpyxl.load_workbook(written["path"])  # type: ignore[arg-type]
    assert [str(v.sqref) for v in wb["Årshjul"].data_validations.dataValidation] == ["R2:R500"]


FIXTURE_SCHEDULE = Package.read(FIXTURE).parts["xl/worksheets/sheet2.xml"]


def test_the_tools_own_rules_do_not_pile_up_when_the_sheet_grows(book: Path) -> None:
    for rows in (3, 9, 5):
        rule = ConditionalFormat(f"Q2:Q{rows + 1}", "equals", "Försenad", "red")
        block = TableBlock(SCHEDULE.table, 1, 1, SCHEDULE.headers, schedule_rows(rows))
        write_changes(book, Changes(sheets=[SheetContent("Årshjul", tables=[block], conditional=[rule])]))
    root = etree.fromstring(Package.read(book).parts["xl/worksheets/sheet2.xml"])
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    assert [cf.get("sqref") for cf in root.iter(f"{main}conditionalFormatting")] == ["Q2:Q6", "Q2:Q500"]


def test_a_users_picture_on_a_tool_sheet_stays_and_the_tools_chart_is_replaced(tmp_path: Path) -> None:
    from openpyxl.drawing.image import Image
    from PIL import Image as PILImage

    path = tmp_path / "bok.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Översikt"
    logo = io.BytesIO()
    PILImage.new("RGB", (30, 20), (200, 30, 30)).save(logo, format="PNG")
    wb.active.add_image(Image(logo), "H1")
    wb.save(path)
    media = Package.read(path).parts["xl/media/image1.png"]
    chart = ChartSpec("bar", "Per nämnd", "tblN", "Nämnd", ["Antal"], "D3")
    for antal in (3, 4):
        content = SheetContent("Översikt", tables=[TableBlock("tblN", 1, 1, ["Nämnd", "Antal"], [["VON", antal]])],
                               charts=[chart])
        write_changes(path, Changes(sheets=[content]))
    after = Package.read(path)
    assert after.parts["xl/media/image1.png"] == media
    assert sorted(p for p in after.parts if p.startswith(("xl/charts/", "xl/drawings/"))) == [
        "xl/charts/chart1.xml", "xl/drawings/_rels/drawing1.xml.rels", "xl/drawings/drawing1.xml"]
    drawing = etree.fromstring(after.parts["xl/drawings/drawing1.xml"])
    xdr = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
    assert [len(list(a.iter(f"{xdr}pic"))) for a in drawing] == [1, 0]
    ids = [el.get("id") for el in drawing.iter(f"{xdr}cNvPr")]
    assert len(ids) == len(set(ids)) == 2
    ws = openpyxl.load_workbook(path)["Översikt"]
    assert len(ws._images) == 1 and len(ws._charts) == 1


def test_a_chart_sheet_with_a_tool_sheets_name_is_not_overwritten(tmp_path: Path) -> None:
    from openpyxl.chart import BarChart, Reference

    path = tmp_path / "bok.xlsx"
    wb = openpyxl.Workbook()
    data = wb.active
    data.title = "Data"
    data.append(["Antal"])
    data.append([3])
    chart = BarChart()
    chart.add_data(Reference(data, min_col=1, min_row=1, max_row=2), titles_from_data=True)
    wb.create_chartsheet("Översikt").add_chart(chart)
    wb.save(path)
    original = path.read_bytes()
    with pytest.raises(WriteRefused) as exc:
        write_changes(path, Changes(sheets=[SheetContent("Översikt", cells=[Cell(1, 1, "x")])]))
    assert exc.value.message == (
        "Skrivningen avbröts: bladet Översikt är inget vanligt kalkylblad (till exempel ett diagramblad) "
        "och uppf-xl kan inte skriva i det. Byt namn på det och försök igen. Arbetsboken är oförändrad."
    )
    assert path.read_bytes() == original


def test_a_written_file_that_differs_from_what_was_written_is_refused(tmp_path: Path) -> None:
    from uppf_xl.workbook.ooxml import guard

    written = Package({"a.xml": b"<a>" + b"x" * 3000 + b"</a>", "b.xml": b"<b/>"})
    tmp = tmp_path / "ny.xlsx"
    with open(tmp, "wb") as fh:
        written.save(fh)
    guard._same_parts(tmp, written, chunk=1000)  # the same parts, read in stretches: accepted
    for changed in ({"a.xml": written.parts["a.xml"][:-1], "b.xml": b"<b/>"},
                    {"a.xml": written.parts["a.xml"], "b.xml": b"<b/>", "c.xml": b"<c/>"},
                    {"a.xml": written.parts["a.xml"] + b" ", "b.xml": b"<b/>"}):
        with pytest.raises(WriteRefused, match="Skrivningen avbröts"):
            guard._same_parts(tmp, Package(changed), chunk=1000)

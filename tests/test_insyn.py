"""Information requests over weeks: letter, --mark-sent, reminder, reminder again, answer; Översikt."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner, Result

from personal_data import PNR, docx_text, found_in
from uppf_xl import insyn
from uppf_xl.cli import main
from uppf_xl.dashboard import build, tables
from uppf_xl.model import InfoRequest, Settings
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import CellPatch, Changes, RowAppend


def run(*args: str, today: str) -> Result:
    result = CliRunner().invoke(main, [*args, "--today", today])
    assert "Traceback" not in result.output, result.output
    return result


def requests(book: Path) -> dict[str, InfoRequest]:
    return {r.id: r for r in open_workbook(book).register(date(2025, 11, 22)).info_requests}


def only_request(book: Path, **values: object) -> None:
    """Replace the demo's requests by one request B-1 to U005 made on 2025-03-03."""
    wb = open_workbook(book)
    reg = wb.register(date(2025, 3, 3))
    blank = {(r.row, h): None for r in reg.info_requests for h in ("BegäranID", "Datum", "UtförarID", "Vad som begärs", "Skickad", "Inkommen", "Svar senast")}
    wb.apply(Changes(patches=[CellPatch("Informationsbegäran", blank)]), "test", "tomt")
    row = {"BegäranID": "B-1", "Datum": date(2025, 3, 3), "UtförarID": "U005", "Vad som begärs": "Bemanningsplan; rutin för klagomål"}
    row.update(values)  # type: ignore[arg-type]
    open_workbook(book).apply(Changes(appends=[RowAppend("Informationsbegäran", [row])]), "test", "B-1")


def letter_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.docx"))


def test_deadline_is_typed_else_svarstid_on_a_working_day() -> None:
    s = Settings(svarstid_atgardsplan=30)
    assert insyn.deadline(InfoRequest("B", date(2025, 5, 2), "U1", "x"), s) == date(2025, 6, 2)  # 1 June is a Sunday
    assert insyn.deadline(InfoRequest("B", date(2025, 5, 2), "U1", "x", answer_by=date(2025, 5, 20)), s) == date(2025, 5, 20)
    assert insyn.requested_items("a; b\nc") == ["a", "b", "c"]


def test_request_reminder_and_answer_over_weeks(demo_book: Path, tmp_path: Path) -> None:
    only_request(demo_book)
    out = tmp_path / "ut"
    # Week 1: the request goes out, --mark-sent records Skickad.
    r = run("letters", str(demo_book), "--kind", "insyn", "--out", str(out), "--mark-sent", today="2025-03-03")
    assert r.exit_code == 0, r.output
    assert letter_files(out) == ["2025-03-03_U005_Informationsbegaran_B-1.docx"]
    assert "1 begäran om information" in r.output
    text = docx_text(out / "2025-03-03_U005_Informationsbegaran_B-1.docx")
    assert "Begäran om information – Vardagshjälpen i Sjövik AB" in text
    assert "10 kap. 9 § kommunallagen" in text
    assert "Bemanningsplan" in text and "rutin för klagomål" in text
    assert "onsdag 2 april 2025" in text  # 3 March + 30 days, a working day
    assert requests(demo_book)["B-1"].sent == date(2025, 3, 3)
    # The next week nothing is due.
    out2 = tmp_path / "ut2"
    assert run("letters", str(demo_book), "--kind", "insyn,paminnelse", "--out", str(out2), today="2025-03-10").exit_code == 0
    assert not [n for n in letter_files(out2) if "B-1" in n]
    # After the deadline: a reminder; --mark-sent records Påminnelse skickad and keeps Skickad.
    out3 = tmp_path / "ut3"
    r = run("letters", str(demo_book), "--kind", "paminnelse", "--out", str(out3), "--mark-sent", today="2025-04-07")
    assert r.exit_code == 0, r.output
    assert "2025-04-07_U005_Paminnelse_B-1.docx" in letter_files(out3)
    reminder = docx_text(out3 / "2025-04-07_U005_Paminnelse_B-1.docx")
    assert "Påminnelse om begäran om information" in reminder and "onsdag 2 april 2025" in reminder
    req = requests(demo_book)["B-1"]
    assert (req.sent, req.reminder_sent) == (date(2025, 3, 3), date(2025, 4, 7))
    # Within Påminnelse igen efter (7 days) no second reminder; after it, one more.
    out4, out5 = tmp_path / "ut4", tmp_path / "ut5"
    run("letters", str(demo_book), "--kind", "paminnelse", "--out", str(out4), today="2025-04-11")
    assert not [n for n in letter_files(out4) if "B-1" in n]
    run("letters", str(demo_book), "--kind", "paminnelse", "--out", str(out5), today="2025-04-14")
    assert [n for n in letter_files(out5) if "B-1" in n] == ["2025-04-14_U005_Paminnelse_B-1.docx"]
    # Open in Översikt until answered; then no letter and no row.
    reg = open_workbook(demo_book).register(date(2025, 4, 14))
    table = next(t for t in tables(build(reg, reg.schedule, 2025, date(2025, 4, 14))) if t.name == "tblOversiktInformationsbegaran")
    assert [row[0] for row in table.rows] == ["B-1"]
    assert table.rows[0][7:] == ["Påmind", 12]
    open_workbook(demo_book).apply(Changes(patches=[CellPatch("Informationsbegäran", {(req.row, "Inkommen"): date(2025, 4, 15)})]), "test", "svar")
    out6 = tmp_path / "ut6"
    run("letters", str(demo_book), "--kind", "insyn,paminnelse", "--out", str(out6), today="2025-04-30")
    assert not [n for n in letter_files(out6) if "B-1" in n]
    reg = open_workbook(demo_book).register(date(2025, 4, 30))
    assert insyn.open_requests(reg, date(2025, 4, 30)) == []


def test_window_resends_and_keeps_the_first_sent_date(demo_book: Path, tmp_path: Path) -> None:
    only_request(demo_book, Skickad=date(2025, 3, 4))
    out = tmp_path / "ut"
    r = run("letters", str(demo_book), "--kind", "insyn", "--from", "2025-03-01", "--to", "2025-03-31", "--out", str(out),
            "--mark-sent", today="2025-03-20")
    assert r.exit_code == 0, r.output
    assert "2025-03-20_U005_Informationsbegaran_B-1.docx" in letter_files(out)
    assert requests(demo_book)["B-1"].sent == date(2025, 3, 4)


def test_personal_data_in_the_request_stops_the_letters(demo_book: Path, tmp_path: Path) -> None:
    only_request(demo_book, **{"Vad som begärs": f"Journal för {PNR}"})
    before = demo_book.read_bytes()
    out = tmp_path / "ut"
    r = run("letters", str(demo_book), "--kind", "insyn", "--out", str(out), today="2025-03-03")
    assert r.exit_code == 1
    assert "Informationsbegäran!D" in r.output and "19XXXXXX-XXXX" in r.output
    assert not found_in(r.output)
    assert not list(out.glob("*.docx")) if out.exists() else True
    assert demo_book.read_bytes() == before


def test_typed_deadline_on_a_weekend_is_a_warning(demo_book: Path) -> None:
    only_request(demo_book, **{"Svar senast": date(2025, 4, 5)})  # a Saturday
    r = run("check", str(demo_book), today="2025-03-03")
    assert r.exit_code == 0
    assert "Varning: Informationsbegäran!E" in r.output and "2025-04-05 är ingen arbetsdag" in r.output


def test_the_new_modules_import_no_excel_library() -> None:
    import subprocess
    import sys

    code = ("import sys, uppf_xl.insyn, uppf_xl.kolada, uppf_xl.card, uppf_xl.publish; "
            "print(sorted(m for m in ('openpyxl', 'xlwings', 'python_calamine') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_build_script_reproduces_the_shipped_request_templates(tmp_path: Path) -> None:
    import importlib.util
    import sys
    import zipfile

    from uppf_xl import render

    script = Path(__file__).resolve().parents[1] / "templates" / "build" / "insyn.py"
    sys.path.insert(0, str(script.parent))
    spec = importlib.util.spec_from_file_location("build_insyn", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped_dir = render.packaged_templates_dir()
    assert shipped_dir is not None
    for name in (insyn.REQUEST_TEMPLATE, insyn.REMINDER_TEMPLATE):
        built = module.build(name, tmp_path)
        for part in ("word/document.xml", "word/styles.xml"):
            assert zipfile.ZipFile(built).read(part) == zipfile.ZipFile(shipped_dir / name).read(part), name


def test_check_names_a_request_to_an_unknown_provider(demo_book: Path) -> None:
    only_request(demo_book, UtförarID="U999")
    r = run("check", str(demo_book), today="2025-03-03")
    assert r.exit_code == 1
    assert 'Fel: Informationsbegäran!C' in r.output and 'UtförarID "U999" finns inte' in r.output

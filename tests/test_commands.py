"""The commands end to end on the demo workbook, as a user runs them: who writes what, exit codes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import DEMO_TODAY
from uppf_xl.cli import main
from uppf_xl.workbook import open_workbook

TODAY = DEMO_TODAY.isoformat()


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, [*args, "--today", TODAY])
    assert "Traceback" not in result.output
    return result


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def planned_master(demo_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("planned") / "uppfoljning.xlsx"
    shutil.copyfile(demo_master, path)
    assert run("plan", str(path)).exit_code == 0
    return path


@pytest.fixture
def planned(planned_master: Path, tmp_path: Path) -> Path:
    path = tmp_path / "uppfoljning.xlsx"
    shutil.copyfile(planned_master, path)
    return path


def test_plan_twice_changes_nothing_but_the_log(planned: Path) -> None:
    first = open_workbook(planned).raw()
    assert run("plan", str(planned)).exit_code == 0
    second = open_workbook(planned).raw()
    for sheet in ("Årshjul", "Iakttagelser", "Utförare"):
        assert second.tables[sheet].rows == first.tables[sheet].rows, sheet


def test_plan_writes_one_logg_row_per_run(planned: Path) -> None:
    import python_calamine

    def log_rows() -> list[list[object]]:
        sheet = python_calamine.CalamineWorkbook.from_path(str(planned)).get_sheet_by_name("Logg")
        return [r for r in sheet.to_python()[1:] if any(r)]

    before = log_rows()
    assert run("status", str(planned)).exit_code == 0
    after = log_rows()
    assert after[: len(before)] == before
    assert [r[1] for r in after[len(before):]] == ["status"]


@pytest.mark.parametrize(
    "args",
    [
        ("check",),
        ("letters", "--out", "{out}"),
        ("report", "--out", "{out}"),
        ("calendar", "--out", "{out}/k.ics"),
        ("survey-out", "--type", "AVT", "--out", "{out}"),
    ],
    ids=["check", "letters", "report", "calendar", "survey-out"],
)
def test_document_commands_never_write_the_workbook(planned: Path, tmp_path: Path, args: tuple[str, ...]) -> None:
    before = digest(planned)
    out = tmp_path / "ut"
    result = run(args[0], str(planned), *(a.format(out=out) for a in args[1:]))
    assert result.exit_code == 0, result.output
    assert digest(planned) == before
    if args[0] != "check":
        log = (out / "uppf-xl.log").read_text(encoding="utf-8").splitlines()
        assert log[-1].split("\t")[1] == args[0]


def test_mark_sent_records_the_kallelser(planned: Path, tmp_path: Path) -> None:
    result = run("letters", str(planned), "--out", str(tmp_path / "ut"), "--kind", "kallelse", "--mark-sent")
    assert result.exit_code == 0, result.output
    sent = [r for r in open_workbook(planned).register(DEMO_TODAY).schedule if r.notified == DEMO_TODAY]
    kallelser = sorted(p.name for p in (tmp_path / "ut").glob("*_Kallelse_*.docx"))
    assert len(sent) == len(kallelser) > 0
    assert {f"{r.provider_id}_Kallelse_{r.type_id}" for r in sent} == {n.split("_", 1)[1][:-5] for n in kallelser}
    # Sent now: a second run has nothing left to send.
    again = run("letters", str(planned), "--out", str(tmp_path / "ut2"), "--kind", "kallelse")
    assert again.exit_code == 0
    assert not list((tmp_path / "ut2").glob("*_Kallelse_*.docx"))


def test_mark_reported_records_the_findings(planned: Path, tmp_path: Path) -> None:
    result = run("report", str(planned), "--out", str(tmp_path / "r"), "--mark-reported")
    assert result.exit_code == 0, result.output
    reported = [f for f in open_workbook(planned).register(DEMO_TODAY).findings if f.reported == DEMO_TODAY]
    assert reported


def test_pdf_without_libreoffice_exits_4_after_writing_the_letters(
    planned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "tomt"))
    monkeypatch.delenv("UPPF_XL_SOFFICE", raising=False)
    before = digest(planned)
    result = run("letters", str(planned), "--out", str(tmp_path / "ut"), "--pdf")
    assert result.exit_code == 4
    assert "LibreOffice hittades inte" in result.stderr
    assert list((tmp_path / "ut").glob("*.docx"))
    assert not list((tmp_path / "ut").glob("*.pdf"))
    assert digest(planned) == before
    assert "Skrev " in result.stdout  # what was written is still told


def test_report_pdf_without_libreoffice_exits_4_and_tells_what_it_wrote(
    planned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "tomt"))
    monkeypatch.delenv("UPPF_XL_SOFFICE", raising=False)
    result = run("report", str(planned), "--out", str(tmp_path / "r"), "--pdf", "--year", "2025", "--period", "år")
    assert result.exit_code == 4
    assert "LibreOffice hittades inte" in result.stderr
    written = sorted(p.name for p in (tmp_path / "r").glob("*.docx"))
    assert written and all(name in result.stdout for name in written), result.stdout


def test_a_workbook_with_errors_is_refused_whole(planned: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(planned)
    wb["Utförare"]["N3"] = "2025-13-01"
    wb.save(planned)
    before = digest(planned)
    result = run("plan", str(planned))
    assert result.exit_code == 1
    assert 'Fel: Utförare!N3: "2025-13-01" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)' in result.stdout
    assert digest(planned) == before


def test_excel_lock_file_refuses_the_write(planned: Path) -> None:
    lock = planned.parent / f"~${planned.name}"
    lock.write_bytes(b"")
    before = digest(planned)
    result = run("plan", str(planned))
    assert result.exit_code == 3
    assert "Stäng den i Excel" in result.stderr
    assert digest(planned) == before


def test_unknown_letter_kind_is_a_usage_error(planned: Path) -> None:
    result = run("letters", str(planned), "--kind", "brev")
    assert result.exit_code == 2
    assert result.stderr.startswith("Fel: okänd brevtyp brev")


def test_demo_runs_the_whole_chain(tmp_path: Path) -> None:
    result = run("demo", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    out = tmp_path / "demo"
    assert (out / "uppfoljning.xlsx").is_file()
    assert list((out / "Utskick").glob("*_Kallelse_*.docx"))
    assert (out / "Utskick" / "utskickslista.xlsx").is_file()
    assert len(list((out / "Nämndrapporter").glob("Nämndrapport_*.docx"))) == 2
    assert list((out / "Enkäter").glob("*_Enkat_AVT.xlsx"))
    assert "Klart." in result.stdout
    assert [p.text for p in open_workbook(out / "uppfoljning.xlsx").check(DEMO_TODAY) if p.is_error] == []


def test_a_write_from_a_stale_read_is_refused(planned: Path) -> None:
    """Two runs at once: the one that read before the other wrote must not undo the other's work."""
    from uppf_xl import actions
    from uppf_xl.errors import FileAccessError

    slow = open_workbook(planned)
    slow.register(DEMO_TODAY)  # read, then someone else saves
    assert run("letters", str(planned), "--out", str(planned.parent / "ut"), "--kind", "kallelse",
               "--mark-sent").exit_code == 0
    after_other = digest(planned)
    with pytest.raises(FileAccessError) as info:
        actions.status(slow, None, DEMO_TODAY)
    assert info.value.message == (
        "Arbetsboken uppfoljning.xlsx ändrades av någon annan medan uppf-xl arbetade. "
        "Arbetsboken är oförändrad. Försök igen."
    )
    assert digest(planned) == after_other


def test_an_unexpected_error_is_a_sentence_and_a_log_not_a_traceback(
    planned: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uppf_xl import actions

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("trasig")

    monkeypatch.setattr(actions, "status", broken)
    monkeypatch.setenv("UPPF_XL_LOG_DIR", str(tmp_path / "logg"))
    result = run("status", str(planned))
    assert result.exit_code == 1
    log = tmp_path / "logg" / "uppf-xl-fel.log"
    assert result.stderr.startswith("Fel: ett oväntat fel inträffade (RuntimeError: trasig).")
    assert str(log) in result.stderr
    assert "RuntimeError: trasig" in log.read_text(encoding="utf-8")


def test_the_guard_names_the_real_cell_when_the_user_has_moved_columns(planned: Path) -> None:
    import sys

    import openpyxl
    from openpyxl.utils.cell import get_column_letter

    sys.path.insert(0, str(Path(__file__).parent / "data"))
    from make_robust_cases import reorder_columns

    wb = openpyxl.load_workbook(planned)
    ws = wb["Iakttagelser"]
    reorder_columns(ws, ["Status", "Sammanfattning för nämnd", "Beskrivning", "IakttagelseID"])
    headers = [c.value for c in ws[1]]
    for header in ("Sammanfattning för nämnd", "Beskrivning"):
        col = headers.index(header) + 1
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, col).value:
                ws.cell(r, col).value = f"{ws.cell(r, col).value} Gäller 19121212-1212."
    wb.save(planned)
    before = digest(planned)

    result = run("letters", str(planned), "--out", str(planned.parent / "ut"), "--kind", "atgardsplan",
                 "--kind", "paminnelse", "--kind", "aterkoppling")
    assert result.exit_code == 1, result.output
    summary, description = (get_column_letter(headers.index(h) + 1) for h in ("Sammanfattning för nämnd", "Beskrivning"))
    import re

    cells = re.findall(r"Iakttagelser!([A-Z]+)\d+", result.output)
    assert cells, result.output
    assert set(cells) <= {summary, description}, result.output  # B and C here; the contract's order has them elsewhere
    assert digest(planned) == before


def test_the_register_is_built_once_per_workbook_until_a_write(
    demo_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uppf_xl import actions, validate
    from uppf_xl.workbook.content import Changes

    built: list[object] = []
    real = validate.build_register

    def counted(raw: object, today: object) -> object:
        built.append(today)
        return real(raw, today)  # type: ignore[arg-type]

    monkeypatch.setattr(validate, "build_register", counted)
    wb = open_workbook(demo_book)
    wb.register(DEMO_TODAY)  # what an Excel button does first, then one action per follow-up type
    for out in ("a", "b"):
        assert actions.survey_out(wb, "AVT", tmp_path / out, DEMO_TODAY.year, DEMO_TODAY).files
    assert wb.check(DEMO_TODAY) == wb.check(DEMO_TODAY)
    assert len(built) == 1
    wb.apply(Changes(), "test", "en skrivning")
    wb.register(DEMO_TODAY)
    assert len(built) == 2  # a write reads and validates again

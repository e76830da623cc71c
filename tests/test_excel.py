"""The Excel entry points, run as a ribbon button runs them, against xlwings' remote engine."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import xlwings as xw

import uppf_xl.excel as excel
from conftest import DEMO_TODAY
from uppf_xl import actions
from uppf_xl.macrobook import CONF_SHEET, VERSION_LABEL, ribbon_tags, macro_file
from xlwings_payload import actions_of, payload_from_file, scaled_copy, set_setting

CASES = sorted((Path(__file__).parent / "data" / "check").glob("*.xlsx"))
# What the remote engine's snapshot cannot show: formulas (values only) and merged cells.
NOT_LIVE = ("cellen innehåller formeln", "sammanfogade celler")
WRITES = {"setValues", "addSheet", "addTable", "resizeTable", "sheetClear", "setFormula", "rangeClear", "addChart"}


@pytest.fixture(autouse=True)
def _fixed_day(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("UPPF_XL_TODAY", DEMO_TODAY.isoformat())
    monkeypatch.setenv("UPPF_XL_LOG_DIR", str(tmp_path / "log"))


def press(source: Path | dict[str, Any], tag: str, out: Path | None = None) -> list[dict[str, Any]]:
    """Open `source` as the calling book, press the button `tag`, return the recorded actions."""
    payload = payload_from_file(source) if isinstance(source, Path) else source
    if out is not None:
        set_setting(payload, "Utdatamapp", str(out))
    book = xw.Book(json=payload)
    book.set_mock_caller()
    excel.run(tag)
    return actions_of(book)


def alerts(acts: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(text, title, mode) of every message box."""
    return [(a["args"][0], a["args"][1], a["args"][3]) for a in acts if a["func"] == "alert"]


def written(acts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in acts if a["func"] in WRITES]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_kontrollera_shows_what_check_prints(case: Path) -> None:
    expected = [line for line in case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
                if not any(part in line for part in NOT_LIVE)]
    problems = [line for line in expected if line.startswith(("Fel:", "Varning:"))]
    errors = sum(line.startswith("Fel:") for line in problems)
    warnings = len(problems) - errors
    counted = f"{warnings} varning" if warnings == 1 else f"{warnings} varningar"
    if errors:
        summary = f"{errors} fel och {counted} i {case.name}."
    else:
        summary = f"Inga fel i {case.name}" + (f" ({counted})." if warnings else ".")

    acts = press(case, "check")

    assert acts[0]["func"] == "alert" and len(acts) == 1  # check never writes
    assert alerts(acts) == [("\n".join([*problems, summary]), "Kontrollera", "critical" if errors else "info")]


def test_kontrollera_on_a_good_book() -> None:
    (text, title, mode), = alerts(press(next(c for c in CASES if c.stem == "good"), "check"))
    assert (text, title, mode) == ("Inga fel i good.xlsx.", "Kontrollera", "info")


def test_a_bad_workbook_gives_the_swedish_errors_and_writes_nothing() -> None:
    case = next(c for c in CASES if c.stem == "bad_dates")
    acts = press(case, "plan")
    assert written(acts) == []
    (text, title, mode), = alerts(acts)
    assert (title, mode) == ("Uppdatera årshjul", "critical")
    assert text.splitlines() == [
        'Fel: Utförare!N3: "2025-13-01" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
        'Fel: Utförare!N4: "2025-02-30" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
        'Fel: Utförare!N5: "1 mars" är inget giltigt datum (skriv ÅÅÅÅ-MM-DD)',
        "Arbetsboken har 3 fel och kan inte användas förrän de är rättade.",
    ]
    assert "Traceback" not in text


def test_uppdatera_arshjul_writes_the_sheets_and_one_logg_row(demo_master: Path, tmp_path: Path) -> None:
    acts = press(demo_master, "plan", tmp_path / "ut")
    payload = payload_from_file(demo_master)
    names = [s["name"] for s in payload["sheets"]]

    (text, title, mode), = alerts(acts)
    assert (title, mode) == ("Uppdatera årshjul", "info")
    first = text.splitlines()[0]  # the wording is the plan action's; here: it reached the user
    assert first.startswith("Årshjul") and str(DEMO_TODAY.year) in first and "rader" in first
    cleared = {names[a["sheet_position"]] for a in acts if a["func"] == "sheetClear"}
    assert cleared == {"Årshjul", "Översikt", "Utförarhistorik"}  # the first plan records what it saw
    schedule = next(a for a in acts if a["func"] == "setValues" and names[a["sheet_position"]] == "Årshjul")
    assert schedule["values"][0][:3] == ["Nyckel", "UtförarID", "Utförare"]
    tables = {a["args"][3] for a in acts if a["func"] == "addTable"}
    assert "tblArshjul" in tables
    logg = [a for a in acts if a["func"] == "setValues" and names[a["sheet_position"]] == "Logg"]
    assert len(logg) == 1 and logg[0]["values"][0][1] == "plan"
    patches = [a for a in acts if a["func"] == "setValues" and names[a["sheet_position"]] == "Iakttagelser"]
    assert patches, "the tool-owned columns of Iakttagelser are written"
    assert all(a["column_count"] == 1 for a in patches)
    assert acts[-1]["func"] == "alert"  # the user is told after everything is written


@pytest.mark.parametrize(
    ("tag", "title", "first"),
    [
        ("status", "Uppdatera översikt", "Översikt uppföljning"),
        ("calendar", "Exportera kalender", "Kalendern har "),
        ("report", "Exportera nämndrapport", "Nämndrapport för "),
    ],
)
def test_buttons_tell_what_they_did(demo_master: Path, tmp_path: Path, tag: str, title: str, first: str) -> None:
    acts = press(demo_master, tag, tmp_path / "ut")
    (text, got_title, mode), = alerts(acts)
    assert (got_title, mode) == (title, "info"), text
    assert text.startswith(first), text
    if tag != "status":
        assert written(acts) == []  # document-only runs log to the folder, not the workbook
        assert (tmp_path / "ut" / "uppf-xl.log").is_file()


def test_letter_buttons_use_the_letters_action(demo_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []

    def fake_letters(wb: Any, out_dir: Any, today: dt.date, kinds: Any = (), **_: Any) -> Any:
        calls.append(tuple(kinds))
        return actions.Outcome("letters", lines=[f"{len(tuple(kinds))} brevtyper"])

    monkeypatch.setattr(actions, "letters", fake_letters)
    assert alerts(press(demo_master, "kallelser", tmp_path))[0][:2] == ("2 brevtyper", "Skapa kallelser")
    assert alerts(press(demo_master, "atgardsbrev", tmp_path))[0][:2] == ("5 brevtyper", "Åtgärdsplanbrev")
    assert calls == [("kallelse", "andrad"), ("atgardsplan", "paminnelse", "aterkoppling", "fortydligande", "underrattelse")]


def test_a_partial_success_shows_what_was_written_and_then_the_error(
    demo_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from uppf_xl.errors import ExternalProgramMissing

    def letters_without_pdf(*args: Any, **kwargs: Any) -> Any:
        return actions.Outcome("letters", lines=["Skrev 2 brev i ut: 2 kallelser."]).fail(
            ExternalProgramMissing("LibreOffice hittades inte"))

    monkeypatch.setattr(actions, "letters", letters_without_pdf)
    (text, title, mode), = alerts(press(demo_master, "kallelser", tmp_path))
    assert (title, mode) == ("Skapa kallelser", "critical")
    assert text == "Skrev 2 brev i ut: 2 kallelser.\nFel: LibreOffice hittades inte"


def test_an_unexpected_error_is_a_message_and_a_log_not_a_traceback(
    demo_master: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("trasig")

    monkeypatch.setattr(actions, "plan", broken)
    acts = press(demo_master, "plan", tmp_path)
    log = tmp_path / "log" / "uppf-xl-fel.log"
    (text, title, mode), = alerts(acts)
    assert written(acts) == []
    assert (title, mode) == ("Uppdatera årshjul", "critical")
    assert text == (
        "Ett oväntat fel inträffade i uppf-xl (Uppdatera årshjul). Åtgärden avbröts.\n"
        f"Detaljer finns i loggfilen:\n{log}"
    )
    assert "RuntimeError: trasig" in log.read_text(encoding="utf-8")


def test_a_book_built_for_another_xlwings_says_so(demo_master: Path) -> None:
    payload = payload_from_file(demo_master)
    payload["sheets"].append(
        {"name": CONF_SHEET, "values": [["Interpreter_Win", "pythonw"], ["", ""], [VERSION_LABEL, "0.0.1"]],
         "pictures": [], "tables": []}
    )
    acts = press(payload, "plan")
    assert written(acts) == []
    (text, title, mode), = alerts(acts)
    assert mode == "critical"
    assert text == (
        f"Fel: arbetsboken är byggd för xlwings 0.0.1, men xlwings {xw.__version__} är installerat. "
        "Installera samma version (pip install xlwings==0.0.1) eller bygg om arbetsboken med "
        "uppf-xl build-workbook. Inget har ändrats."
    )


def test_the_same_xlwings_passes(demo_master: Path) -> None:
    payload = payload_from_file(demo_master)
    payload["sheets"].append(
        {"name": CONF_SHEET, "values": [[VERSION_LABEL, xw.__version__]], "pictures": [], "tables": []}
    )
    (text, _, mode), = alerts(press(payload, "check"))
    assert (text, mode) == ("Inga fel i demo.xlsx.", "info")


def test_an_unknown_button() -> None:
    acts = press(CASES[0], "okand")
    assert alerts(acts) == [("Fel: okänd knapp 'okand'. Bygg om arbetsboken med uppf-xl build-workbook.", "uppf-xl", "critical")]


def test_every_ribbon_tag_is_a_button_function() -> None:
    for part in ("customUI14.xml", "customUI.xml"):
        tags = ribbon_tags(macro_file(part))
        assert tags == list(excel.BUTTONS), part
    for tag, function in excel.BUTTONS.items():
        assert getattr(excel, tag) is function
        assert tag in excel.TITLES


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory, demo_master: Path) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("scaled")
    return {n: scaled_copy(demo_master, folder / f"p{n}.xlsx", n) for n in (50, 2000)}


# Every button but the survey ones, which handle one questionnaire file per provider (slow at
# 2,000) and write the workbook through the same LiveBackend paths as plan and status.
@pytest.mark.parametrize("tag", ["check", "plan", "status", "kallelser", "atgardsbrev", "report", "calendar"])
def test_round_trips_do_not_grow_with_the_providers(scaled: dict[int, Path], tmp_path: Path, tag: str) -> None:
    counts = [Counter(a["func"] for a in press(scaled[n], tag, tmp_path / str(n))) for n in (50, 2000)]
    assert counts[0] == counts[1]
    assert counts[0]["alert"] == 1


def test_cell_functions() -> None:
    assert excel.uppf_arbetsdag(dt.datetime(2025, 6, 20), 0) == dt.datetime(2025, 6, 23)  # midsommarafton
    assert excel.uppf_arbetsdag(dt.datetime(2025, 12, 23), 1) == dt.datetime(2025, 12, 29)
    assert excel.uppf_vecka(dt.datetime(2025, 1, 1)) == 1
    assert excel.uppf_vecka(45658.0) == 1  # a serial number from an unformatted cell
    assert [excel.uppf_tertial(dt.datetime(2025, m, 15)) for m in (4, 5, 9)] == [1, 2, 3]


def test_next_due_is_the_earliest_open_senast() -> None:
    from types import SimpleNamespace

    from uppf_xl.model import ScheduleRow

    def row(period: str, due: dt.date, done: dt.date | None = None, type_id: str = "KVAL") -> ScheduleRow:
        return ScheduleRow(f"U001|{type_id}|{period}", "U001", "A", "Hemtjänst", "Nämnden", type_id, "Kvalitet",
                           period, due, done=done)

    register = SimpleNamespace(schedule=[
        row("2025-T1", dt.date(2025, 4, 30), done=dt.date(2025, 3, 1)),
        row("2025-T3", dt.date(2025, 12, 31)),
        row("2025-T2", dt.date(2025, 8, 31)),
        row("2025", dt.date(2025, 6, 30), type_id="AVT"),
    ])
    assert excel.next_due(register, "U001", "KVAL") == dt.date(2025, 8, 31)
    assert excel.next_due(register, "U002", "KVAL") is None


def test_atgardsplanbrev_writes_letters_to_the_output_folder_only(demo_master: Path, tmp_path: Path) -> None:
    out = tmp_path / "ut"
    acts = press(demo_master, "atgardsbrev", out)
    (text, title, mode), = alerts(acts)
    assert (title, mode) == ("Åtgärdsplanbrev", "info"), text
    assert written(acts) == []
    assert sorted(p.suffix for p in out.iterdir()) and (out / "uppf-xl.log").is_file()
    assert str(out) in text


def test_skicka_enkater_writes_questionnaires(demo_master: Path, tmp_path: Path) -> None:
    out = tmp_path / "ut"
    acts = press(demo_master, "survey_out", out)
    (text, title, mode), = alerts(acts)
    assert (title, mode) == ("Skicka enkäter", "info"), text
    files = sorted((out / excel.SURVEY_OUT_FOLDER).glob("*.xlsx"))
    assert files and text.startswith(f"{len(files)} enkäter för ")
    assert written(acts) == []


def test_skicka_enkater_without_a_key_asks_for_one(demo_master: Path, tmp_path: Path) -> None:
    payload = payload_from_file(demo_master)
    settings = next(s for s in payload["sheets"] if s["name"] == "Inställningar")
    settings["values"] = [row for row in settings["values"] if row[0] != "Enkätnyckel"]  # as in the macro workbook
    acts = press(payload, "survey_out", tmp_path / "ut")
    (text, title, mode), = alerts(acts)
    assert written(acts) == [] and (title, mode) == ("Skicka enkäter", "critical")
    assert text.startswith('Fel: Inställningar: inställningen "Enkätnyckel" saknas; den signerar enkäterna.')


def test_las_in_enkatsvar_without_answers_says_where_to_put_them(demo_master: Path, tmp_path: Path) -> None:
    acts = press(demo_master, "survey_in", tmp_path / "ut")
    assert written(acts) == []
    assert alerts(acts) == [(
        f"Fel: Mappen {tmp_path / 'ut' / excel.SURVEY_IN_FOLDER} har inga ifyllda enkäter (.xlsx). "
        "Lägg de besvarade enkäterna där och försök igen.",
        "Läs in enkätsvar",
        "critical",
    )]

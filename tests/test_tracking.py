"""Letters and action plans that keep track of themselves, through the CLI over several dates.

One workbook with three handläggare (and a provider whose Ansvarig is not among them) and
findings in every state. Each run is a real `uppf-xl` call with --today; the workbook is
re-read with python-calamine, the letters with python-docx and the drafts with `email`.
"""

from __future__ import annotations

import email
import email.policy
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from docx import Document

from uppf_xl import contract
from uppf_xl.cli import main
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import CellPatch, Changes
from uppf_xl.workbook.initbook import as_rows, default_lists, default_tables, write_new_workbook

NAMND = "Vård- och omsorgsnämnden"
HANDLERS = [
    ["Anna Ek", "Verksamhetsstrateg", "anna.ek@kommun.example", "010-100 01", "Ja"],
    ["Bo Lund", "Avtalscontroller", "bo.lund@kommun.example", "010-100 02", "Ja"],
    ["Cecilia Holm", "Medicinskt ansvarig sjuksköterska", "cecilia.holm@kommun.example", "010-100 03", "Ja"],
]
OWNER = {"U001": "Anna Ek", "U002": "Bo Lund", "U003": "Cecilia Holm", "U004": "Okänd Person"}
D = date


def _provider(pid: str, name: str) -> dict[str, object]:
    return {
        "UtförarID": pid, "Namn": name, "Regi": "Privat", "Avtalsform": "LOV", "Verksamhetsområde": "Hemtjänst",
        "Nämnd": NAMND, "Verksamhetschef": "Vera Chef", "E-post": f"{pid.lower()}@utforare.example",
        "Adress": "Storgatan 1", "Postnummer": "123 45", "Ort": "Exempelby", "Startdatum": D(2020, 1, 1),
        "Ansvarig": OWNER[pid],
    }


def _finding(fid: str, day: date, pid: str, category: str, **dates: object) -> dict[str, object]:
    row: dict[str, object] = {
        "IakttagelseID": fid, "Datum": day, "UtförarID": pid, "Kategori": category, "Område": "Dokumentation",
        "Beskrivning": f"Intern anteckning {fid}", "Sammanfattning för nämnd": f"Sammanfattning {fid}",
    }
    row.update(dates)
    return row


FINDINGS = [
    _finding("F01-NY", D(2025, 2, 28), "U001", "Avvikelse"),
    _finding("F02-BEG", D(2025, 2, 27), "U001", "Avvikelse", **{"Åtgärdsplan begärd": D(2025, 2, 27)}),
    _finding("F03-SENT", D(2025, 2, 25), "U002", "Förbättringsområde",
             **{"Åtgärdsplan begärd": D(2025, 2, 25), "Begäran skickad": D(2025, 2, 25)}),
    _finding("F04-LATE", D(2024, 9, 1), "U002", "Avvikelse",
             **{"Åtgärdsplan begärd": D(2024, 9, 2), "Åtgärdsplan senast": D(2024, 10, 2),
                "Begäran skickad": D(2024, 9, 2)}),
    _finding("F05-REM", D(2025, 1, 2), "U003", "Avvikelse",
             **{"Åtgärdsplan begärd": D(2025, 1, 2), "Åtgärdsplan senast": D(2025, 2, 3),
                "Begäran skickad": D(2025, 1, 2), "Påminnelse skickad": D(2025, 2, 24)}),
    _finding("F06-EXT", D(2025, 1, 2), "U003", "Avvikelse",
             **{"Åtgärdsplan begärd": D(2025, 1, 2), "Åtgärdsplan senast": D(2025, 2, 3),
                "Begäran skickad": D(2025, 1, 2), "Ny svarstid": D(2025, 3, 14)}),
    _finding("F07-REC", D(2025, 1, 2), "U003", "Avvikelse",
             **{"Åtgärdsplan begärd": D(2025, 1, 2), "Åtgärdsplan senast": D(2025, 2, 3),
                "Åtgärdsplan inkommen": D(2025, 2, 1), "Begäran skickad": D(2025, 1, 2)}),
    _finding("F08-APP", D(2025, 1, 2), "U001", "Förbättringsområde",
             **{"Åtgärdsplan begärd": D(2025, 1, 2), "Åtgärdsplan inkommen": D(2025, 2, 1),
                "Åtgärdsplan godkänd": D(2025, 2, 26), "Begäran skickad": D(2025, 1, 2)}),
    _finding("F09-FORT", D(2025, 2, 28), "U001", "Förtydligande", **{"Åtgärdsplan begärd": D(2025, 2, 28)}),
    _finding("F10-ALL", D(2025, 2, 27), "U002", "Allvarlig brist", **{"Rapporterad till nämnd": D(2025, 3, 1)}),
    _finding("F11-PROP", D(2025, 2, 28), "U001", "Avvikelse",
             **{"Åtgärdsplan begärd": D(2025, 2, 28), "Bekräftad": "Nej"}),
    _finding("F12-GOTT", D(2025, 2, 20), "U002", "Gott exempel"),
    _finding("F13-U004", D(2025, 2, 28), "U004", "Avvikelse",
             **{"Åtgärdsplan begärd": D(2025, 2, 28), "Åtgärdsplan senast": D(2025, 3, 8)}),  # a Saturday
]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    today = D(2025, 1, 2)
    tables = default_tables(today, demo=False)
    settings = {"Kommun": "Exempelby kommun", "Förvaltning": "Omsorgsförvaltningen", "Avsändare": "Kim Reserv",
                "Titel": "Strateg", "E-post": "kim.reserv@kommun.example", "Telefon": "010-100 00",
                "Förvaltningschef": "Maria Lind", "Förvaltningschef e-post": "maria.lind@kommun.example",
                "Planår": 2025}
    for row in tables[contract.SETTINGS.name]:
        if row[0] in settings:
            row[1] = settings[str(row[0])]
    tables[contract.PROVIDERS.name] = as_rows(
        [_provider("U001", "Solrosen AB"), _provider("U002", "Tallbacken AB"), _provider("U003", "Ekbacken AB"),
         _provider("U004", "Björken AB")], contract.PROVIDERS)
    tables[contract.FINDINGS.name] = as_rows(FINDINGS, contract.FINDINGS)
    tables[contract.HANDLAGGARE.name] = HANDLERS
    lists = default_lists(False)
    lists["Nämnd"] = (NAMND,)
    path = tmp_path / "uppfoljning.xlsx"
    write_new_workbook(path, tables, extra_columns={contract.SETTINGS.name: ["Förklaring"]}, lists=lists)
    return path


def run(*args: str, today: str) -> Result:
    result = CliRunner().invoke(main, [*args, "--today", today])
    assert "Traceback" not in result.output, result.output
    return result


def findings_sheet(path: Path) -> dict[str, dict[str, object]]:
    raw = open_workbook(path).raw().tables["Iakttagelser"]
    return {str(v["IakttagelseID"]): v for _, v in raw.records()}


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def letter_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.docx"))


def test_check_warns_about_unknown_ansvarig_and_a_deadline_on_a_saturday(book: Path) -> None:
    result = run("check", str(book), today="2025-03-03")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("Varning: Utförare!Q5: Ansvarig \"Okänd Person\" finns inte i Handläggare") for line in lines)
    assert not any("Anna Ek" in line or "Bo Lund" in line for line in lines)
    assert ('Varning: Iakttagelser!J14: "Åtgärdsplan senast" 2025-03-08 är ingen arbetsdag (lördag, söndag eller '
            "helgdag); närmaste arbetsdag efter är 2025-03-10") in lines


def test_letters_over_three_dates(book: Path, tmp_path: Path) -> None:
    # --- 3 March: the first run, recorded with --mark-sent
    out1 = tmp_path / "v10"
    result = run("letters", str(book), "--out", str(out1), "--mark-sent", today="2025-03-03")
    assert result.exit_code == 0, result.output
    assert letter_names(out1) == [
        "2025-03-03_U001_Aterkoppling_F08-APP.docx",
        "2025-03-03_U001_Atgardsplan_F02-BEG.docx",  # F11-PROP (Bekräftad Nej) is not in it
        "2025-03-03_U001_Fortydligande_F09-FORT.docx",
        "2025-03-03_U002_Paminnelse_F04-LATE.docx",  # five months late: reminded however long ago
        "2025-03-03_U002_Underrattelse_F10-ALL.docx",
        "2025-03-03_U003_Paminnelse_F05-REM.docx",  # the second reminder, 7 days after the first
        "2025-03-03_U004_Atgardsplan_F13-U004.docx",
    ]
    # Who signs: the provider's Ansvarig from Handläggare; the settings for an unknown one.
    begaran = docx_text(out1 / "2025-03-03_U001_Atgardsplan_F02-BEG.docx")
    assert "Handläggare: Anna Ek" in begaran and "anna.ek@kommun.example" in begaran and "010-100 01" in begaran
    assert "Verksamhetsstrateg, Omsorgsförvaltningen" in begaran and "Kim Reserv" not in begaran
    assert "en iakttagelse som kräver åtgärder" in begaran
    assert "senast måndag 31 mars 2025" in begaran  # 27 Feb + 30 days is a Saturday
    reminder = docx_text(out1 / "2025-03-03_U002_Paminnelse_F04-LATE.docx")
    assert "Handläggare: Bo Lund" in reminder and "iakttagelsen nedan" in reminder
    second = docx_text(out1 / "2025-03-03_U003_Paminnelse_F05-REM.docx")
    assert "Cecilia Holm" in second and "Vi påminde er senast 24 februari 2025." in second
    unknown = docx_text(out1 / "2025-03-03_U004_Atgardsplan_F13-U004.docx")
    assert "Handläggare: Kim Reserv" in unknown and "kim.reserv@kommun.example" in unknown
    fort = docx_text(out1 / "2025-03-03_U001_Fortydligande_F09-FORT.docx")
    assert "Begäran om förtydligande – Solrosen AB" in fort and "Det är inte en begäran om åtgärdsplan" in fort
    memo = docx_text(out1 / "2025-03-03_U002_Underrattelse_F10-ALL.docx")
    assert "Till: Maria Lind, förvaltningschef" in memo and "Från: Bo Lund, Avtalscontroller" in memo
    props = Document(str(out1 / "2025-03-03_U002_Underrattelse_F10-ALL.docx")).core_properties
    assert props.title == "Underrättelse om allvarlig brist – Tallbacken AB" and props.author == "Bo Lund"
    assert props.created is not None and props.created.date() == D(2025, 3, 3)
    # The drafts: the memo goes to the förvaltningschef, signed by the handläggare.
    msg = email.message_from_bytes((out1 / "2025-03-03_U002_Underrattelse_F10-ALL.eml").read_bytes(),
                                   policy=email.policy.default)
    assert msg["To"] == "maria.lind@kommun.example"
    body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert "Bo Lund\nAvtalscontroller" in body and "bo.lund@kommun.example" in body
    assert "Ifyllt 2025-03-03" in result.output and "utskickslista.xlsx" in result.output

    # What is recorded.
    sheet = findings_sheet(book)
    assert sheet["F02-BEG"]["Begäran skickad"] == D(2025, 3, 3)
    assert sheet["F09-FORT"]["Begäran skickad"] == D(2025, 3, 3)
    assert sheet["F03-SENT"]["Begäran skickad"] == D(2025, 2, 25)  # not written, not touched
    assert sheet["F04-LATE"]["Påminnelse skickad"] == D(2025, 3, 3)
    assert sheet["F05-REM"]["Påminnelse skickad"] == D(2025, 3, 3)
    assert sheet["F10-ALL"]["Underrättad"] == D(2025, 3, 3)
    assert sheet["F06-EXT"]["Påminnelse skickad"] is None and sheet["F11-PROP"]["Begäran skickad"] is None

    # --- the same day again: nothing already sent is written again
    out2 = tmp_path / "v10-igen"
    result = run("letters", str(book), "--out", str(out2), "--mark-sent", today="2025-03-03")
    assert result.exit_code == 0, result.output
    assert letter_names(out2) == ["2025-03-03_U001_Aterkoppling_F08-APP.docx"]

    # --- 10 March: 7 days after the reminders, a new one for each plan still late
    out3 = tmp_path / "v11"
    result = run("letters", str(book), "--out", str(out3), "--kind", "paminnelse", "--mark-sent", today="2025-03-10")
    assert letter_names(out3) == [
        "2025-03-10_U002_Paminnelse_F04-LATE.docx",
        "2025-03-10_U003_Paminnelse_F05-REM.docx",
        "2025-03-10_U004_Paminnelse_F13-U004.docx",  # its deadline (Saturday 8 March) has passed
    ]

    # --- 17 March: the extension (Ny svarstid 14 March) has run out, so its reminder is due;
    # the others were reminded 10 March, 7 days ago, so they get the next one
    out4 = tmp_path / "v12"
    result = run("letters", str(book), "--out", str(out4), "--kind", "paminnelse", today="2025-03-17")
    assert letter_names(out4) == [
        "2025-03-17_U002_Paminnelse_F04-LATE.docx",
        "2025-03-17_U003_Paminnelse_F05-REM.docx",  # with F06-EXT: one letter per provider
        "2025-03-17_U004_Paminnelse_F13-U004.docx",
    ]
    # --- 12 March (as if run then): reminded 2 days ago, nothing is due yet
    out5 = tmp_path / "v11-ons"
    result = run("letters", str(book), "--out", str(out5), "--kind", "paminnelse", today="2025-03-12")
    assert result.exit_code == 0 and letter_names(out5) == []
    assert "Inga brev att skriva" in result.output
    ext = docx_text(out4 / "2025-03-17_U003_Paminnelse_F05-REM.docx")
    assert "F06-EXT" in ext and "svar senast 14 mars 2025" in ext and "iakttagelserna nedan" in ext


def test_status_writes_svar_senast_and_overview_counts_only_confirmed(book: Path) -> None:
    result = run("status", str(book), today="2025-03-03")
    assert result.exit_code == 0, result.output
    sheet = findings_sheet(book)
    assert sheet["F02-BEG"]["Svar senast"] == D(2025, 3, 31)  # computed, moved off a Saturday
    assert sheet["F06-EXT"]["Svar senast"] == D(2025, 3, 14)  # Ny svarstid wins
    assert sheet["F13-U004"]["Svar senast"] == D(2025, 3, 8)  # typed: kept (and warned about)
    assert sheet["F06-EXT"]["Status"] == "Åtgärdsplan begärd"  # not late: the extension holds
    assert sheet["F05-REM"]["Status"] == "Åtgärdsplan försenad"
    assert sheet["F10-ALL"]["Status"] == "Ny"  # reported to the nämnd, still open
    import python_calamine

    cells = python_calamine.CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Översikt").to_python()
    text = [[str(c) for c in row] for row in cells]
    flat = "\n".join("\t".join(r) for r in text)
    assert "Att bekräfta" in flat and "F11-PROP" in flat
    assert "Allvarlig brist utan underrättelse i tid" in flat
    figures: dict[str, str] = {}
    for r in text:
        if len(r) > 1 and r[1]:
            figures.setdefault(r[0], r[1])
    # Open plans: F02, F03, F04, F05, F06, F07, F08, F13; F11-PROP (Bekräftad Nej) counts nowhere.
    assert float(figures["Öppna åtgärdsplaner"]) == 8
    assert float(figures["Öppna allvarliga brister"]) == 1


def test_reporting_closes_nothing_and_clarifications_are_not_action_plans(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "rapport.docx"
    result = run("report", str(book), "--period", "T1", "--nämnd", NAMND, "--out", str(out), "--mark-reported",
                 today="2025-04-30")
    assert result.exit_code == 0, result.output
    text = docx_text(out)
    assert "1 begäran om förtydligande skickades (inte åtgärdsplaner)." in text
    # Plans requested in T1: F02, F03, F05, F06, F07, F08, F13 (F11-PROP is a proposal).
    assert "fick begäran om åtgärdsplan (7 iakttagelser)" in text
    assert "Tallbacken AB" in text  # the open serious deficiency stays in the report
    assert run("status", str(book), today="2025-04-30").exit_code == 0
    sheet = findings_sheet(book)
    assert sheet["F10-ALL"]["Rapporterad till nämnd"] is not None
    assert sheet["F10-ALL"]["Status"] == "Ny"


def test_kallelse_is_signed_by_the_rows_ansvarig_with_attachments_from_mallmapp(book: Path, tmp_path: Path) -> None:
    assert run("plan", str(book), "--year", "2025", today="2025-01-02").exit_code == 0
    wb = open_workbook(book)
    register = wb.register(D(2025, 1, 2))
    row = next(r for r in register.schedule if r.provider_id == "U001" and r.type_id == "KVAL")
    mallmapp = tmp_path / "Mallar"
    mallmapp.mkdir()
    (mallmapp / "Metodstöd kvalitetsuppföljning.pdf").write_bytes(b"%PDF-1.4 demo")
    settings_row = next(r for r, v in wb.raw().tables["Inställningar"].records() if v["Inställning"] == "Mallmapp")
    wb.apply(Changes(patches=[
        CellPatch("Årshjul", {(row.row, "Ansvarig"): "Cecilia Holm", (row.row, "Tid"): "09:00–11:00",
                              (row.row, "Plats"): "Storgatan 1"}),
        CellPatch("Inställningar", {(settings_row, "Värde"): str(mallmapp)}),
    ]), "test", "Ansvarig och Mallmapp")
    notify_by = row.notify_by
    assert notify_by is not None
    out = tmp_path / "kallelser"
    day = notify_by.isoformat()
    result = run("letters", str(book), "--kind", "kallelse", "--from", day, "--to", day, "--out", str(out),
                 today=day)
    assert result.exit_code == 0, result.output
    (kallelse,) = [p for p in out.glob("*_U001_Kallelse_KVAL.docx")]
    text = docx_text(kallelse)
    assert "Handläggare: Cecilia Holm" in text and "cecilia.holm@kommun.example" in text
    assert "Från förvaltningen deltar Cecilia Holm." in text
    msg = email.message_from_bytes(kallelse.with_suffix(".eml").read_bytes(), policy=email.policy.default)
    body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert "Tid: 09:00–11:00" in body and "Plats: Storgatan 1" in body and "Besök: " in body
    assert "Underlag (" in body and "till cecilia.holm@kommun.example" in body
    assert "Cecilia Holm\nMedicinskt ansvarig sjuksköterska" in body
    names = [part.get_filename() for part in msg.iter_attachments()]
    assert names == [kallelse.name, "Metodstöd kvalitetsuppföljning.pdf"]


def test_letters_mask_and_no_empty_folder_after_a_failed_run(book: Path, tmp_path: Path) -> None:
    wb = open_workbook(book)
    register = wb.register(D(2025, 3, 3))
    f02 = next(f for f in register.findings if f.id == "F02-BEG")
    wb.apply(Changes(patches=[CellPatch("Iakttagelser", {(f02.row, "Sammanfattning för nämnd"):
                                                         "Brukare 19121212-1212 saknar plan"})]), "test", "pnr")
    out = tmp_path / "stoppad"
    result = run("letters", str(book), "--out", str(out), today="2025-03-03")
    assert result.exit_code == 1
    assert "--mask" in result.output and not out.exists()
    result = run("letters", str(book), "--out", str(out), "--mask", today="2025-03-03")
    assert result.exit_code == 0, result.output
    text = docx_text(out / "2025-03-03_U001_Atgardsplan_F02-BEG.docx")
    assert "19XXXXXX-XXXX" in text and "1212-1212" not in text


def test_orsak_counts_events_as_people_write_them() -> None:
    from uppf_xl.wording import events_reason

    assert events_reason(["Klagomål"] * 3, 90) == "3 klagomål inom 90 dagar"
    assert events_reason(["Avvikelse", "Lex Sarah", "Avvikelse"], 60) == (
        "3 händelser inom 60 dagar: 2 avvikelser och 1 lex Sarah-rapport"
    )


def test_check_is_silent_about_handlers_while_the_sheet_is_empty(book: Path) -> None:
    from uppf_xl import senders

    register = open_workbook(book).register(D(2025, 3, 3))
    assert [h.name for h in register.handlers] == ["Anna Ek", "Bo Lund", "Cecilia Holm"]
    register.handlers = []
    assert senders.unknown_responsible(register, register.providers) == []
    assert senders.sender_for(register, "Anna Ek").name == "Kim Reserv"  # the settings are the fallback

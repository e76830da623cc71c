"""report --case: the tjänsteskrivelse about one serious deficiency, re-read with python-docx."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from namnd_history import CHEF, SECRET, TODAY, make_register
from uppf_xl.case_report import build_case, case_file_name
from uppf_xl.documents.case import write_case_report
from uppf_xl.errors import PersonalDataFound, UsageError, WorkbookInvalid

CHAIN = [
    ("2025-05-02", "Bristen konstaterades", "vid kvalitetsuppföljning"),
    ("2025-05-03", "Förvaltningschefen underrättades", ""),
    ("2025-05-05", "Åtgärdsplan begärdes", ""),
    ("2025-05-06", "Begäran skickades till utföraren", ""),
    ("2025-05-19", "Sista dag för åtgärdsplan", ""),
    ("2025-05-21", "Påminnelse skickades", ""),
    ("2025-06-02", "Ny svarstid (förlängd)", ""),
    ("2025-06-10", "Åtgärdsplan inkom", "8 dagar efter svarstiden"),
    ("2025-07-01", "Uppföljningsbesök genomfört", "Händelsestyrd uppföljning"),
]


def test_case_content_matches_hand_counts():
    case = build_case(make_register(), "F10", TODAY)
    assert [(c.day.isoformat(), c.event, c.note) for c in case.chain] == CHAIN
    assert case.state == "Åtgärdsplanen inkom 2025-06-10 och är inte godkänd per 2026-01-20."
    assert case.other_open == "Utföraren har 3 andra öppna iakttagelser: 2 avvikelser, 1 förbättringsområde."
    assert case.events == ("Händelser hos utföraren de senaste 12 månaderna: <3, varav allvarliga <3 "
                           "(antal under 3 redovisas som <3).")  # fmt: skip
    assert case.new_deadline == date(2026, 2, 19)
    assert case_file_name(case) == "Ärenderapport_B1_F10.docx"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("case")
    return write_case_report(make_register(), "F10", out, TODAY)


def test_docx_reads_back_with_the_chain_in_order_and_no_personal_data(written):
    doc = Document(str(written.docx))
    table = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["Datum", "Händelse", "Anmärkning"]
    assert [tuple(r) for r in rows[1:]] == CHAIN
    days = [r[0] for r in rows[1:]]
    assert days == sorted(days)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Allvarlig brist hos Omsorg B1 AB – förslag till vidare hantering" in text
    assert "Brister inom brand." in text  # the public summary
    assert "Alternativ 1: ge Omsorg B1 AB en ny tidsfrist till och med 19 februari 2026" in text
    assert "Alternativ 2: kräva vite av Omsorg B1 AB enligt avtalets bestämmelser" in text
    assert "Alternativ 3: säga upp avtalet med Omsorg B1 AB" in text
    assert "Maria Holm" in text and "Förvaltningschef" in text  # the signature block
    with zipfile.ZipFile(written.docx) as zf:
        xml = "".join(zf.read(n).decode("utf-8", "ignore") for n in zf.namelist() if n.endswith(".xml"))
    for secret in ("Anna Berg", "1212-1212", "121212", CHEF, SECRET):
        assert secret not in xml
    assert "{{" not in xml and "{%" not in xml
    assert written.docx.name == "Ärenderapport_B1_F10.docx"
    assert doc.core_properties.language == "sv-SE"


def test_egen_regi_gets_the_alternatives_for_own_units(tmp_path):
    reg = make_register()
    f = next(f for f in reg.findings if f.id == "F6")
    f.category, f.approved = f.category.__class__("Allvarlig brist"), None
    result = write_case_report(reg, "F6", tmp_path / "a.docx", TODAY)
    text = "\n".join(p.text for p in Document(str(result.docx)).paragraphs)
    assert "uppdra åt förvaltningschefen att inom egen regi" in text and "vite" not in text


@pytest.mark.parametrize(
    ("fid", "message"),
    [
        ("F8", "F8 har kategorin Avvikelse; en ärenderapport skrivs bara om en allvarlig brist som inte är åtgärdad"),
        ("F7", "F7 är redan åtgärdad (Åtgärd verifierad 2025-02-01); ingen ärenderapport behövs"),
        ("F100", 'IakttagelseID "F100" finns inte i Iakttagelser; menade du "F10"?'),
    ],
)
def test_refused_clearly_and_nothing_written(tmp_path, fid, message):
    with pytest.raises(UsageError) as exc:
        write_case_report(make_register(), fid, tmp_path, TODAY)
    assert exc.value.message == message and exc.value.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_personal_data_in_the_summary_stops_the_output(tmp_path):
    reg = make_register()
    f = next(f for f in reg.findings if f.id == "F10")
    f.summary = f"Verksamhetschefen {CHEF} hade inte agerat."
    with pytest.raises(PersonalDataFound):
        write_case_report(reg, "F10", tmp_path, TODAY)
    f.summary = ""
    with pytest.raises(WorkbookInvalid) as exc:
        write_case_report(reg, "F10", tmp_path, TODAY)
    assert exc.value.problems[0].text.startswith("Fel: Iakttagelser!H11: Sammanfattning för nämnd saknas för F10")
    assert list(tmp_path.iterdir()) == []


def test_shipped_case_template_is_what_the_build_script_makes(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "arenderapport.docx"
    subprocess.run([sys.executable, str(root / "templates" / "build" / "case_report.py"), str(out)], check=True,
                   capture_output=True)  # fmt: skip
    assert out.read_bytes() == (root / "templates" / "arenderapport.docx").read_bytes()

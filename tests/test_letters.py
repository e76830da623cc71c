"""Letters: which are written (windows per kind), their content re-read from .docx, names, send list."""

from __future__ import annotations

import email
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from factories import municipality_types, provider, register, schedule_row
from uppf_xl import documents, letters
from uppf_xl.errors import PersonalDataFound
from uppf_xl.model import Finding, FocusArea, Register
from uppf_xl.render import TemplateError
from uppf_xl.vocab import Avtalsform, Category, Regi
from uppf_xl.workbook.content import CellPatch

TODAY = date(2025, 1, 10)
ALL = set(letters.KINDS)
NO_WINDOW: letters.Window = (None, None)


def scenario() -> Register:
    """Five providers, their KVAL visits and findings around TODAY (2025-01-10).

    U017 private LOV, Att kalla (Kallas senast 2025-01-20, inside the 14-day notice), two
         findings whose plans were requested in the last 14 days, one older one.
    U020 egen regi without e-mail, Att kalla, the row has its own Dnr.
    U030 ended 2025-02-01, before its visit: skipped.
    U040 Planerad (Kallas senast in March); a late plan and an approved plan.
    U050 Att kalla but without any date: skipped.
    """
    types = [
        replace(t, material=("Bemanningsschema", "Klagomål och lex Sarah"), material_days=14,
                attachments=("Metodstöd för kvalitetsuppföljning",))
        if t.id == "KVAL" else t
        for t in municipality_types()
    ]
    providers = [
        provider("U017", name="Solrosen Omsorg AB", chef="Karin Berg", address="Storgatan 1",
                 postcode="123 45", city="Exempelby"),
        provider("U020", name="Kommunens hemtjänst Norr", regi=Regi.EGEN, avtalsform=Avtalsform.UPPDRAG, email=""),
        provider("U030", name="Avslutade Vården AB", end=date(2025, 2, 1)),
        provider("U040", name="Tallbacken Vård AB"),
        provider("U050", name="Datumlösa AB"),
    ]

    def kval(pid: str, row: int, **kw: object):
        return schedule_row(f"{pid}|KVAL|2025", type_name="Kvalitetsuppföljning", due=date(2025, 12, 31),
                            row=row, **kw)

    rows = [
        kval("U017", 2, proposed=date(2025, 3, 10), planned=date(2025, 3, 11), time="09:00-11:00",
             place="Storgatan 1, Exempelby", notify_by=date(2025, 1, 20), responsible="Anna Strateg"),
        kval("U020", 3, proposed=date(2025, 3, 12), notify_by=date(2025, 1, 22), dnr="VON 2025/7"),
        kval("U030", 4, proposed=date(2025, 3, 13), notify_by=date(2025, 1, 23)),
        kval("U040", 5, proposed=date(2025, 4, 15), notify_by=date(2025, 3, 1)),
        kval("U050", 6, notify_by=date(2025, 1, 24)),
        schedule_row("U017|MAN|2025-01", type_name="Månadsuppföljning", due=date(2025, 1, 31), row=7,
                     proposed=date(2025, 1, 15), notify_by=date(2025, 1, 15)),
    ]
    reg = register(providers, types=types, schedule=rows, diarienummer="VON 2025/123",
                   telefon="0123-456 78", epost="anna.strateg@exempelby.se")
    reg.focus = [FocusArea(2025, "Dokumentation", "Genomförandeplaner och journal"), FocusArea(2024, "Brand")]
    reg.findings = [
        Finding("I-002", date(2025, 1, 2), "U017", Category.AVVIKELSE, key="U017|KVAL|2024", area="Dokumentation",
                description="Intern anteckning om brukaren", summary="Genomförandeplaner saknas för flera brukare",
                requested=date(2025, 1, 5), row=3),
        Finding("I-001", date(2025, 1, 2), "U017", Category.ALLVARLIG, area="Bemanning",
                description="Nattbemanningen räcker inte", requested=date(2025, 1, 3),
                deadline=date(2025, 1, 31), row=2),
        Finding("I-003", date(2024, 10, 1), "U017", Category.FORBATTRING, requested=date(2024, 10, 5),
                summary="Gammal begäran", row=4),
        Finding("I-004", date(2025, 1, 2), "U017", Category.GOTT_EXEMPEL, summary="Fin måltidsmiljö", row=5,
                requested=date(2025, 1, 4)),
        Finding("I-010", date(2024, 11, 20), "U040", Category.AVVIKELSE, summary="Brandrutiner saknas",
                requested=date(2024, 12, 1), deadline=date(2025, 1, 2), row=6),
        Finding("I-020", date(2024, 10, 20), "U040", Category.FORBATTRING, summary="Rutin för läkemedel",
                requested=date(2024, 11, 1), received=date(2024, 12, 1), approved=date(2025, 1, 8), row=7),
        Finding("I-030", date(2025, 1, 7), "U040", Category.FORTYDLIGANDE, summary="Hur räknas tid vid frånvaro?",
                requested=date(2025, 1, 8), row=8),
    ]
    return reg


def docx_text(path: Path) -> str:
    """Every text of a .docx: body paragraphs, table cells and the footer."""
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    for section in doc.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[letters.LetterResult, Path]:
    out = tmp_path_factory.mktemp("brev")
    reg = scenario()
    return documents.write_letters(reg, reg.schedule, TODAY, out, ALL, NO_WINDOW, pdf=False), out


def names(found: list[letters.Letter]) -> list[str]:
    return [letter.filename for letter in found]


def test_default_selection_and_file_names() -> None:
    reg = scenario()
    assert names(letters.select(reg, reg.schedule, TODAY, ALL, NO_WINDOW)) == [
        "2025-03-11_U017_Kallelse_KVAL.docx",
        "2025-03-12_U020_Kallelse_KVAL.docx",
        "2025-01-10_U017_Atgardsplan_I-001.docx",
        "2025-01-10_U040_Fortydligande_I-030.docx",
        "2025-01-10_U017_Paminnelse_I-003.docx",  # late since November: a reminder however long ago
        "2025-01-10_U040_Paminnelse_I-010.docx",
        "2025-01-10_U040_Aterkoppling_I-020.docx",
        "2025-01-10_U017_Underrattelse_I-001.docx",  # the serious deficiency, to the förvaltningschef
    ]


def test_skipped_with_reasons() -> None:
    reg = scenario()
    _, skipped = letters.plan(reg, reg.schedule, TODAY, ALL, NO_WINDOW)
    assert [s.text for s in skipped] == [
        "U030 KVAL (kallelse): utföraren slutar 2025-02-01, före besöket 2025-03-13",
        "U050 KVAL (kallelse): inget besöksdatum (Planerat datum och Föreslaget datum är tomma)",
    ]


@pytest.mark.parametrize(
    ("kind", "window", "expected"),
    [
        # kallelse: the window is on Kallas senast and takes sent rows and Planerad rows too
        ("kallelse", (date(2025, 2, 1), date(2025, 3, 31)), ["2025-04-15_U040_Kallelse_KVAL.docx"]),
        ("kallelse", (None, date(2025, 1, 20)), ["2025-03-11_U017_Kallelse_KVAL.docx"]),
        # atgardsplan: Åtgärdsplan begärd; I-004 (Gott exempel) never gets a letter
        ("atgardsplan", (date(2024, 10, 1), date(2024, 10, 31)), ["2025-01-10_U017_Atgardsplan_I-003.docx"]),
        ("atgardsplan", (date(2025, 1, 4), None), ["2025-01-10_U017_Atgardsplan_I-002.docx"]),
        # paminnelse: the deadline (senast, else begärd + 30 days) in the window and passed, no plan in
        ("paminnelse", (date(2024, 11, 1), date(2025, 1, 9)),
         ["2025-01-10_U017_Paminnelse_I-003.docx", "2025-01-10_U040_Paminnelse_I-010.docx"]),
        ("paminnelse", (date(2025, 1, 20), date(2025, 2, 28)), []),  # I-001's deadline is still ahead
        # aterkoppling: Åtgärdsplan godkänd
        ("aterkoppling", (date(2025, 1, 1), date(2025, 1, 7)), []),
        ("aterkoppling", (date(2025, 1, 8), date(2025, 1, 8)), ["2025-01-10_U040_Aterkoppling_I-020.docx"]),
    ],
)
def test_window_per_kind(kind: str, window: letters.Window, expected: list[str]) -> None:
    reg = scenario()
    assert names(letters.select(reg, reg.schedule, TODAY, {kind}, window)) == expected


def test_default_kallelse_leaves_sent_and_done_rows_out() -> None:
    reg = scenario()
    rows = [replace(r, notified=date(2025, 1, 9)) if r.provider_id == "U017" else r for r in reg.schedule]
    rows = [replace(r, done=date(2025, 1, 9)) if r.provider_id == "U020" else r for r in rows]
    assert names(letters.select(reg, rows, TODAY, {"kallelse"}, NO_WINDOW)) == []


def test_kallelse_content(written: tuple[letters.LetterResult, Path]) -> None:
    _, out = written
    text = docx_text(out / "2025-03-11_U017_Kallelse_KVAL.docx")
    for expected in [
        "Exempelby kommun",
        "Vård- och omsorgsförvaltningen",
        "Datum: 2025-01-10",
        "Dnr: VON 2025/123",
        "Handläggare: Anna Strateg",
        "Telefon: 0123-456 78",
        "E-post: anna.strateg@exempelby.se",
        "Solrosen Omsorg AB",
        "Att: Karin Berg, verksamhetschef",
        "123 45 Exempelby",
        "Kallelse till kvalitetsuppföljning – Solrosen Omsorg AB",
        "avtalet inom kommunens valfrihetssystem (LOV)",
        "10 kap. 8 § kommunallagen",
        "Datum: tisdag 11 mars 2025, vecka 11",
        "Tid: 09:00-11:00",
        "Plats: Storgatan 1, Exempelby",
        "senast tisdag 25 februari 2025:",
        "Bemanningsschema\nKlagomål och lex Sarah",
        "Fokusområden 2025",
        "Dokumentation – Genomförandeplaner och journal",
        "Metodstöd för kvalitetsuppföljning",
        "Med vänlig hälsning",
    ]:
        assert expected in text, expected
    assert "Brand" not in text  # the focus area of another year
    assert "{{" not in text and "{%" not in text
    for other in ("U020", "Kommunens hemtjänst", "Tallbacken", "U040", "VON 2025/7"):
        assert other not in text, other


def test_kallelse_for_egen_regi_uses_the_assignment_and_the_rows_dnr(written: tuple[letters.LetterResult, Path]) -> None:
    _, out = written
    text = docx_text(out / "2025-03-12_U020_Kallelse_KVAL.docx")
    assert "Dnr: VON 2025/7" in text
    assert "i enlighet med uppdragsbeskrivningen" in text
    assert "6 kap. 6 § kommunallagen" in text
    assert "Datum: onsdag 12 mars 2025, vecka 11" in text
    assert "Tid: meddelas senare" in text
    assert "Solrosen" not in text and "Karin Berg" not in text


def test_action_plan_letter_lists_the_providers_findings(written: tuple[letters.LetterResult, Path]) -> None:
    _, out = written
    text = docx_text(out / "2025-01-10_U017_Atgardsplan_I-001.docx")
    assert "Begäran om åtgärdsplan – Solrosen Omsorg AB" in text
    assert "lämnar in en åtgärdsplan senast fredag 31 januari 2025." in text
    assert "I-001 – Allvarlig brist, Bemanning: Nattbemanningen räcker inte (svar senast 31 januari 2025)" in text
    assert (
        "I-002 – Avvikelse, Dokumentation: Genomförandeplaner saknas för flera brukare (svar senast 4 februari 2025)"
        in text
    )
    assert "Intern anteckning" not in text  # the summary is quoted, not the internal description
    assert "I-003" not in text and "I-004" not in text and "Brandrutiner" not in text


def test_reminder_and_feedback_letters(written: tuple[letters.LetterResult, Path]) -> None:
    _, out = written
    reminder = docx_text(out / "2025-01-10_U040_Paminnelse_I-010.docx")
    assert "Påminnelse om åtgärdsplan – Tallbacken Vård AB" in reminder
    assert "I-010 – Avvikelse: Brandrutiner saknas (begärd 1 december 2024, svar senast 2 januari 2025)" in reminder
    assert "I-020" not in reminder
    feedback = docx_text(out / "2025-01-10_U040_Aterkoppling_I-020.docx")
    assert "I-020 – Förbättringsområde: Rutin för läkemedel (inkommen 1 december 2024, godkänd 8 januari 2025)" in feedback
    assert "I-010" not in feedback


def test_send_list_eml_and_summary(written: tuple[letters.LetterResult, Path]) -> None:
    result, out = written
    assert result.send_list == out / "utskickslista.xlsx"
    ws = openpyxl.load_workbook(result.send_list)["Utskick"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0] == ["Utförare", "UtförarID", "E-post", "Fil", "Ämne"]
    assert values[1] == ["Solrosen Omsorg AB", "U017", "u017@example.se", "2025-03-11_U017_Kallelse_KVAL.docx",
                         "Kallelse till kvalitetsuppföljning – Solrosen Omsorg AB"]
    assert values[2][:3] == ["Kommunens hemtjänst Norr", "U020", None]
    assert len(values) == 9
    assert "tblUtskick" in ws.tables
    # one draft per letter with an address: U020 has none
    assert sorted(p.name for p in result.emls) == [
        "2025-01-10_U017_Atgardsplan_I-001.eml",
        "2025-01-10_U017_Paminnelse_I-003.eml",
        "2025-01-10_U040_Aterkoppling_I-020.eml",
        "2025-01-10_U040_Fortydligande_I-030.eml",
        "2025-01-10_U040_Paminnelse_I-010.eml",
        "2025-03-11_U017_Kallelse_KVAL.eml",
    ]
    msg = email.message_from_bytes((out / "2025-03-11_U017_Kallelse_KVAL.eml").read_bytes())
    assert msg["X-Unsent"] == "1" and msg["To"] == "u017@example.se"
    assert result.lines == [
        f"Skrev 8 brev i {out}: 2 kallelser, 1 begäran om åtgärdsplan, 2 påminnelser, 1 återkoppling, "
        "1 begäran om förtydligande, 1 underrättelse om allvarlig brist.",
        "E-postutkast: 6 (.eml, öppnas som utkast i Outlook).",
        f"Utskickslista (mottagare, fil och ämne för varje brev): {out / 'utskickslista.xlsx'}",
        "Ingen e-postadress för U020 Kommunens hemtjänst Norr: skicka 2025-03-12_U020_Kallelse_KVAL.docx "
        "på annat sätt (fyll i E-post i Utförare).",
        "Ingen e-postadress till förvaltningschefen: lämna 2025-01-10_U017_Underrattelse_I-001.docx på annat "
        "sätt (fyll i Förvaltningschef e-post i Inställningar).",
        'Bilagan "Metodstöd för kvalitetsuppföljning" (KVAL) hittas inte (Mallmapp är tom i Inställningar) och '
        "bifogas inte e-postutkasten; lägg filen i Mallmapp eller bifoga den själv.",
        "Hoppade över 2:",
        "  U030 KVAL (kallelse): utföraren slutar 2025-02-01, före besöket 2025-03-13",
        "  U050 KVAL (kallelse): inget besöksdatum (Planerat datum och Föreslaget datum är tomma)",
    ]
    assert [t[0] for t in result.tables] == ["Skrivna brev", "Överhoppade"]
    assert result.log == ("8 brev (2 kallelser, 1 begäran om åtgärdsplan, 2 påminnelser, 1 återkoppling, "
                          "1 begäran om förtydligande, 1 underrättelse om allvarlig brist); 2 överhoppade")


def test_mark_sent_patch(written: tuple[letters.LetterResult, Path]) -> None:
    result, _ = written
    assert result.mark_sent_patch == CellPatch("Årshjul", {
        (2, "Kallelse skickad"): TODAY, (3, "Kallelse skickad"): TODAY,
        (2, "Kallat datum"): date(2025, 3, 11), (3, "Kallat datum"): date(2025, 3, 12),  # the visit dates announced
    })
    assert result.finding_patch == CellPatch("Iakttagelser", {
        (2, "Begäran skickad"): TODAY, (3, "Begäran skickad"): TODAY,
        (4, "Påminnelse skickad"): TODAY, (6, "Påminnelse skickad"): TODAY, (2, "Underrättad"): TODAY,
        (8, "Begäran skickad"): TODAY,
    })
    assert result.changes.patches == [result.mark_sent_patch, result.finding_patch]


def test_mark_sent_keeps_an_earlier_sent_date(tmp_path: Path) -> None:
    reg = scenario()
    rows = [replace(r, notified=date(2025, 1, 2)) if r.provider_id == "U017" else r for r in reg.schedule]
    result = documents.write_letters(reg, rows, TODAY, tmp_path, {"kallelse"}, (date(2025, 1, 1), date(2025, 1, 31)), pdf=False)
    assert "2025-03-11_U017_Kallelse_KVAL.docx" in [p.name for p in result.files]  # re-sent on request
    assert result.mark_sent_patch == CellPatch("Årshjul", {
        (3, "Kallelse skickad"): TODAY,
        (2, "Kallat datum"): date(2025, 3, 11), (3, "Kallat datum"): date(2025, 3, 12),  # the re-sent letter's date too
    })


def test_nothing_to_write(tmp_path: Path) -> None:
    reg = scenario()
    result = documents.write_letters(reg, reg.schedule, TODAY, tmp_path, {"aterkoppling"}, (date(2020, 1, 1), date(2020, 2, 1)), pdf=False)
    assert result.files == [] and result.send_list is None and result.mark_sent_patch is None
    assert result.lines == ["Inga brev att skriva för de valda brevtyperna och datumen."]
    assert list(tmp_path.iterdir()) == []


def test_personal_data_stops_the_batch_before_any_file(tmp_path: Path) -> None:
    reg = scenario()
    reg.findings[0] = replace(reg.findings[0], summary="Brukare 19121212-1212 saknar plan")
    reg.findings[4] = replace(reg.findings[4], summary="Karin Berg sa att rutinen saknas")
    with pytest.raises(PersonalDataFound) as info:
        documents.write_letters(reg, reg.schedule, TODAY, tmp_path, ALL, NO_WINDOW, pdf=False)
    assert [p.text for p in info.value.problems] == [
        'Fel: Iakttagelser!H3: personnummer i texten ("Brukare 19XXXXXX-XXXX saknar plan") – rätta texten i '
        "arbetsboken eller kör med --mask",
        'Fel: Iakttagelser!H6: namn på en person i texten ("[namn] sa att rutinen saknas") – rätta texten i '
        "arbetsboken eller kör med --mask",
    ]
    assert list(tmp_path.iterdir()) == []


def test_unknown_field_in_own_template_stops_before_any_file(tmp_path: Path) -> None:
    own = tmp_path / "mallar"
    own.mkdir()
    doc = Document()
    doc.add_paragraph("Hej {{ mottagare.namn }}, {{ mottagare.telefonnummer }}")
    doc.save(str(own / "paminnelse.docx"))
    reg = scenario()
    reg.settings.mallmapp = str(own)
    out = tmp_path / "ut"
    with pytest.raises(TemplateError) as info:
        documents.write_letters(reg, reg.schedule, TODAY, out, ALL, NO_WINDOW, pdf=False)
    assert info.value.message == (
        'Mallen "paminnelse.docx" använder fältet "telefonnummer", som inte finns. '
        f"Rätta fältet i mallen ({own / 'paminnelse.docx'})."
    )
    assert not out.exists()


def test_type_template_from_mall_column(tmp_path: Path) -> None:
    own = tmp_path / "mallar"
    own.mkdir()
    doc = Document()
    doc.add_paragraph("Egen kallelse till {{ mottagare.namn }} {{ besok.datum }}")
    doc.save(str(own / "kallelse_kval.docx"))
    reg = scenario()
    reg.types = [replace(t, template="kallelse_kval") if t.id == "KVAL" else t for t in reg.types]
    reg.__dict__.pop("_types", None)  # the cached lookup
    reg.settings.mallmapp = str(own)
    result = documents.write_letters(reg, reg.schedule, TODAY, tmp_path / "ut", {"kallelse"}, NO_WINDOW, pdf=False)
    assert docx_text(result.files[0]).strip() == "Egen kallelse till Solrosen Omsorg AB tisdag 11 mars 2025, vecka 11"


def test_file_names_are_windows_safe_and_unique() -> None:
    reg = scenario()
    reg.providers.append(provider("U/9:9", name="Konstig AB"))
    reg.__dict__.pop("_providers", None)
    rows = [
        schedule_row("U/9:9|KVAL|2025", type_name="Kvalitetsuppföljning", due=date(2025, 12, 31), row=9,
                     proposed=date(2025, 3, 20), notify_by=date(2025, 1, 20)),
        schedule_row("U/9:9|KVAL|2025-2", type_name="Kvalitetsuppföljning", due=date(2025, 12, 31), row=10,
                     proposed=date(2025, 3, 20), notify_by=date(2025, 1, 21)),
    ]
    found = letters.select(reg, rows, TODAY, {"kallelse"}, NO_WINDOW)
    assert [letter.filename for letter in found] == ["2025-03-20_U-9-9_Kallelse_KVAL.docx"] * 2
    assert letters.unique_names(found) == ["2025-03-20_U-9-9_Kallelse_KVAL.docx", "2025-03-20_U-9-9_Kallelse_KVAL_2.docx"]


def test_special_characters_are_escaped_and_never_formulas(tmp_path: Path) -> None:
    reg = scenario()
    reg.providers[0] = replace(reg.providers[0], name="=Solrosen & <Omsorg>")
    reg.__dict__.pop("_providers", None)
    result = documents.write_letters(reg, reg.schedule, TODAY, tmp_path, {"kallelse"}, NO_WINDOW, pdf=False)
    assert "Kallelse till kvalitetsuppföljning – =Solrosen & <Omsorg>" in docx_text(result.files[0])
    cell = openpyxl.load_workbook(result.send_list)["Utskick"]["A2"]
    assert (cell.value, cell.data_type) == ("=Solrosen & <Omsorg>", "s")


def test_unknown_kind_is_a_usage_error() -> None:
    from uppf_xl.errors import UsageError

    reg = scenario()
    with pytest.raises(UsageError, match="okänd brevtyp faktura; välj bland kallelse, atgardsplan, paminnelse, aterkoppling"):
        letters.select(reg, reg.schedule, TODAY, {"faktura"}, NO_WINDOW)


def test_missing_type_template_names_the_type(tmp_path: Path) -> None:
    reg = scenario()
    reg.types = [replace(t, template="kallelse_saknas") if t.id == "KVAL" else t for t in reg.types]
    reg.__dict__.pop("_types", None)
    with pytest.raises(TemplateError) as info:
        documents.write_letters(reg, reg.schedule, TODAY, tmp_path, {"kallelse"}, NO_WINDOW, pdf=False)
    assert info.value.message == (
        'Mallen "kallelse_saknas.docx" finns inte. Mallen anges i kolumnen Mall för KVAL i Uppföljningstyper.'
    )
    assert list(tmp_path.iterdir()) == []


def test_progress_is_called_once_per_letter(tmp_path: Path) -> None:
    reg = scenario()
    steps: list[int] = []
    result = documents.write_letters(reg, reg.schedule, TODAY, tmp_path, ALL, NO_WINDOW, pdf=False, progress=steps.append)
    assert steps == [1] * len(result.files) == [1] * len(letters.select(reg, reg.schedule, TODAY, ALL, NO_WINDOW))


def test_output_workbook_keeps_text_as_text_and_formats_dates(tmp_path: Path) -> None:
    """workbook.output, as the send list and the report annex use it."""
    from uppf_xl.workbook.content import SheetContent, TableBlock
    from uppf_xl.workbook.output import write_output_xlsx

    rows = [["=SUM(A1:A2)", date(2025, 3, 11), 3], ["+46 70 123", None, 4], ["-1", None, None], ["@namn", None, None]]
    table = TableBlock("tbl Test", 1, 1, ["Text", "Datum", "Antal"], rows)
    path = tmp_path / "ut.xlsx"
    write_output_xlsx(path, [SheetContent("Blad/1", tables=[table], freeze="A2", widths={1: 30})])
    ws = openpyxl.load_workbook(path)["Blad-1"]
    assert [(c.value, c.data_type) for c in ws["A"][1:]] == [
        ("=SUM(A1:A2)", "s"), ("+46 70 123", "s"), ("-1", "s"), ("@namn", "s")
    ]
    assert ws["B2"].number_format == "yyyy-mm-dd" and ws["C2"].value == 3
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 30 and ws.column_dimensions["B"].width >= 10
    assert ws.tables["tbl_Test"].ref == "A1:C5"


def test_window_the_wrong_way_round_is_a_usage_error() -> None:
    from uppf_xl.errors import UsageError

    reg = scenario()
    with pytest.raises(UsageError, match="^--from 2025-03-01 ligger efter --to 2025-02-01$"):
        letters.select(reg, reg.schedule, TODAY, ALL, (date(2025, 3, 1), date(2025, 2, 1)))


def test_material_due_on_a_weekend_moves_to_the_next_working_day() -> None:
    reg = scenario()
    reg.types = [replace(t, material_days=16) if t.id == "KVAL" else t for t in reg.types]
    reg.__dict__.pop("_types", None)
    first = letters.select(reg, reg.schedule, TODAY, {"kallelse"}, NO_WINDOW)[0]
    assert first.context["underlag_senast"] == "måndag 24 februari 2025"  # 2025-03-11 minus 16 days is a Sunday


def test_unknown_provider_and_past_visit_are_skipped() -> None:
    reg = scenario()
    rows = [
        schedule_row("U999|KVAL|2025", type_name="Kvalitetsuppföljning", due=date(2025, 12, 31), row=20,
                     proposed=date(2025, 3, 1), notify_by=date(2025, 1, 15)),
        schedule_row("U040|KVAL|2024", type_name="Kvalitetsuppföljning", due=date(2025, 12, 31), row=21,
                     proposed=date(2025, 1, 8), notify_by=date(2025, 1, 2)),
    ]
    found, skipped = letters.plan(reg, rows, TODAY, {"kallelse"}, (date(2025, 1, 1), None))
    assert found == []
    assert [s.text for s in skipped] == [
        "U040 KVAL (kallelse): besöksdatumet 2025-01-08 har redan passerat",
        "U999 KVAL (kallelse): utföraren U999 finns inte i Utförare",
    ]

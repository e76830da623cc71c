"""A small register for the nämnd report tests, with its expected figures counted by hand.

Nämnd "Vård- och omsorgsnämnden" (VON), year 2025; T1 = 1 January to 30 April.

Providers (Startdatum / Slutdatum):
    U01 Hemtjänst Privat 2020-01-01         U05 SÄBO Egen regi 2010-01-01
    U02 Hemtjänst Privat 2025-03-01 (new)   U06 SÄBO Privat 2018-01-01, chef Karin Lindqvist
    U03 Hemtjänst Egen regi 2015-01-01      U07 SÄBO Idéburen 2022-01-01
    U04 Hemtjänst Privat 2019-01-01 - 2025-02-28
    U08 Dagverksamhet Privat 2025-06-01 (not active in T1)
    U20 Daglig verksamhet Egen regi, Omsorgsnämnden (other nämnd)

T1 start (1 Jan): Hemtjänst P U01 U04, E U03 | SÄBO P U06, E U05, I U07
T1 end (30 Apr):  Hemtjänst P U01 U02, E U03 | SÄBO P U06, E U05, I U07
Followed up in T1 (Genomförd, types other than Månad/Vid behov):
    Hemtjänst U01 KVAL 03-10, U03 KVAL 04-30, U04 AVT 02-10 -> 3 of 4 active, 3 follow-ups
    SÄBO U05 KVAL 02-20, U06 KVAL 04-02 + AVT 04-03 -> 2 of 3, 3 follow-ups
    (U01 HAND done 03-01 and U01 MAN rows do not count)
Action plans requested in T1: Hemtjänst I01, I03 (both U01) -> 1 provider, 2 findings;
    SÄBO I04 (U06) -> 1, 1. Approved in T1: I01 (Hemtjänst), I07 (SÄBO). Verified: none.
Open at 30 Apr: I03 (U01), I06 (U03, dated 04-30, request 05-05), I04 (U06).
"""

from __future__ import annotations

from datetime import date

from uppf_xl.model import Event, Finding, FocusArea, FollowUpType, Provider, Register, ScheduleRow, Settings
from uppf_xl.vocab import DEFAULT_AREAS, Avtalsform, Category, EventType, Interval, Regi

VON = "Vård- och omsorgsnämnden"
ON = "Omsorgsnämnden"
HT, SABO, DAG = "Hemtjänst", "Särskilt boende för äldre", "Dagverksamhet"
SECRET = "Brukaren Anna Berg 19121212-1212"  # internal text: must never reach a report


def _p(pid: str, area: str, regi: Regi, start: date, end: date | None = None, chef: str = "", namnd: str = VON) -> Provider:
    form = Avtalsform.UPPDRAG if regi is Regi.EGEN else (Avtalsform.IOP if regi is Regi.IDEBUREN else Avtalsform.LOV)
    return Provider(pid, f"Utförare {pid}", regi, form, area, namnd, start, end, chef=chef, responsible="Eva Strand")


TYPES = {
    "AVT": FollowUpType("AVT", "Avtalsuppföljning", ("Alla",), "Alla", Interval.YEAR),
    "KVAL": FollowUpType("KVAL", "Kvalitetsuppföljning", ("Alla",), "Alla", Interval.YEAR, visit=True),
    "MAN": FollowUpType("MAN", "Månadsuppföljning", (HT,), "Alla", Interval.MONTH),
    "FORD": FollowUpType("FORD", "Fördjupad uppföljning", ("Alla",), "Alla", Interval.AT_START, visit=True),
    "HAND": FollowUpType("HAND", "Händelsestyrd uppföljning", ("Alla",), "Alla", Interval.ON_DEMAND, visit=True),
}


def row(pid: str, type_id: str, period: str, due: date, done: date | None = None, reason: str = "", n: int = 0) -> ScheduleRow:
    t = TYPES[type_id]
    return ScheduleRow(
        key=f"{pid}|{type_id}|{period}", provider_id=pid, provider_name=f"Utförare {pid}", area="", namnd=VON,
        type_id=type_id, type_name=t.name, period=period, due=due, proposed=done or due, done=done, reason=reason, row=n,
    )  # fmt: skip


def finding(fid: str, day: date, pid: str, cat: Category, area: str, summary: str, n: int, **more: object) -> Finding:
    return Finding(fid, day, pid, cat, area=area, description=SECRET, summary=summary, row=n, **more)  # type: ignore[arg-type]


def make_register() -> Register:
    d = date
    providers = [
        _p("U01", HT, Regi.PRIVAT, d(2020, 1, 1)),
        _p("U02", HT, Regi.PRIVAT, d(2025, 3, 1)),
        _p("U03", HT, Regi.EGEN, d(2015, 1, 1)),
        _p("U04", HT, Regi.PRIVAT, d(2019, 1, 1), d(2025, 2, 28)),
        _p("U05", SABO, Regi.EGEN, d(2010, 1, 1)),
        _p("U06", SABO, Regi.PRIVAT, d(2018, 1, 1), chef="Karin Lindqvist"),
        _p("U07", SABO, Regi.IDEBUREN, d(2022, 1, 1)),
        _p("U08", DAG, Regi.PRIVAT, d(2025, 6, 1)),
        _p("U20", "Daglig verksamhet", Regi.EGEN, d(2012, 1, 1), namnd=ON),
    ]
    schedule = [
        row("U01", "KVAL", "2025", d(2025, 12, 31), d(2025, 3, 10)),
        row("U01", "AVT", "2025", d(2025, 12, 31), d(2025, 9, 15)),
        row("U03", "KVAL", "2025", d(2025, 12, 31), d(2025, 4, 30)),
        row("U04", "AVT", "2025", d(2025, 12, 31), d(2025, 2, 10)),
        row("U02", "FORD", "2025", d(2025, 9, 1)),
        row("U01", "HAND", "2025-02-14", d(2025, 3, 16), d(2025, 3, 1), reason="3 händelser (Klagomål) inom 90 dagar"),
        row("U01", "MAN", "2025-01", d(2025, 1, 31), d(2025, 2, 5)),
        row("U01", "MAN", "2025-02", d(2025, 2, 28), d(2025, 3, 5)),
        row("U01", "MAN", "2025-03", d(2025, 3, 31)),
        row("U01", "MAN", "2025-04", d(2025, 4, 30), d(2025, 5, 6)),
        row("U05", "KVAL", "2025", d(2025, 12, 31), d(2025, 2, 20)),
        row("U06", "KVAL", "2025", d(2025, 12, 31), d(2025, 4, 2)),
        row("U06", "AVT", "2025", d(2025, 12, 31), d(2025, 4, 3)),
        row("U07", "AVT", "2025", d(2025, 11, 30)),
        row("U08", "FORD", "2025", d(2025, 12, 1), d(2025, 10, 1)),
        row("U20", "KVAL", "2025", d(2025, 12, 31), d(2025, 3, 1)),
    ]
    for i, r in enumerate(schedule, start=2):
        r.row = i
    findings = [
        finding("I01", d(2025, 3, 10), "U01", Category.AVVIKELSE, "Dokumentation",
                "Genomförandeplaner saknades eller var inaktuella.", 2,
                requested=d(2025, 3, 12), approved=d(2025, 4, 10)),
        finding("I02", d(2025, 3, 10), "U01", Category.FORBATTRING, "Kompetens",
                "Introduktionen av nyanställda kan bli tydligare.", 3),
        finding("I03", d(2025, 2, 20), "U01", Category.AVVIKELSE, "Avtal och ekonomi",
                "Registrerad tid avvek från beviljad tid.", 4, requested=d(2025, 2, 25), key="U01|MAN|2025-02"),
        finding("I04", d(2025, 4, 2), "U06", Category.ALLVARLIG, "Brand",
                "Brandskyddet var bristfälligt: utrymningsvägar var blockerade.", 5,
                requested=d(2025, 4, 3), deadline=d(2025, 4, 20)),
        finding("I05", d(2025, 2, 20), "U05", Category.GOTT_EXEMPEL, "Delaktighet och självbestämmande",
                "Boenderåd där de boende själva planerar aktiviteter.", 6),
        finding("I06", d(2025, 4, 30), "U03", Category.AVVIKELSE, "Dokumentation",
                "Avvikelser dokumenterades inte.", 7, requested=d(2025, 5, 5), approved=d(2025, 6, 1)),
        finding("I07", d(2024, 11, 10), "U06", Category.AVVIKELSE, "Bemanning",
                "Bemanningen nattetid var för låg.", 8, requested=d(2024, 11, 12), approved=d(2025, 1, 15)),
        finding("I08", d(2024, 10, 1), "U05", Category.AVVIKELSE, "Läkemedel",
                "Signeringslistor saknades.", 9, requested=d(2024, 10, 3), approved=d(2024, 12, 1)),
        finding("I09", d(2025, 9, 10), "U06", Category.AVVIKELSE, "Brand",
                "Brandövning hade inte hållits.", 10, requested=d(2025, 9, 12), verified=d(2025, 11, 20)),
    ]  # fmt: skip
    events = [
        Event(d(2025, 1, 10), "U01", EventType.KLAGOMAL, SECRET, row=2),
        Event(d(2025, 1, 20), "U01", EventType.KLAGOMAL, SECRET, row=3),
        Event(d(2025, 2, 14), "U01", EventType.KLAGOMAL, SECRET, row=4),
        Event(d(2025, 3, 3), "U06", EventType.LEX_SARAH, SECRET, serious=True, row=5),
        Event(d(2025, 4, 1), "U05", EventType.BUDGET, "Underskott", row=6),
        Event(d(2025, 3, 3), "U20", EventType.LEX_MARIA, SECRET, row=7),
    ]
    focus = [
        FocusArea(2025, "Dokumentation", "Social dokumentation enligt SOSFS 2014:5.", row=2),
        FocusArea(2025, "Brand", "Systematiskt brandskyddsarbete.", row=3),
        FocusArea(2024, "Kompetens", "", row=4),
    ]
    settings = Settings(
        kommun="Exempelby kommun", forvaltning="Vård- och omsorgsförvaltningen", avsandare="Eva Strand",
        telefon="010-123 45 67", epost="eva.strand@exempelby.se", diarienummer="VON 2025/17",
    )  # fmt: skip
    return Register(
        settings=settings, providers=providers, types=list(TYPES.values()), plan=[], focus=focus, events=events,
        findings=findings, schedule=schedule, lists={"Verksamhetsområde": list(DEFAULT_AREAS)},
    )  # fmt: skip


# ---------------------------------------------------------------- tests
import re  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from docx import Document  # noqa: E402

from uppf_xl.errors import UsageError  # noqa: E402
from uppf_xl.report import build_report, normalize_period, period_bounds  # noqa: E402
from uppf_xl.documents.report import write_reports  # noqa: E402

T1_TODAY = date(2025, 5, 10)

EXPECTED_T1 = {
    # One row per area and regi present, the change as a number (the document shows "±0").
    "counts": [
        [HT, "Privat", 2, 2, 0], [HT, "Egen regi", 1, 1, 0], [HT, "Samtliga", 3, 3, 0],
        [SABO, "Privat", 1, 1, 0], [SABO, "Egen regi", 1, 1, 0], [SABO, "Idéburen", 1, 1, 0],
        [SABO, "Samtliga", 3, 3, 0],
        ["Totalt", "Privat", 3, 3, 0], ["Totalt", "Egen regi", 2, 2, 0], ["Totalt", "Idéburen", 1, 1, 0],
        ["Totalt", "Samtliga", 6, 6, 0],
    ],
    "followed": [
        [HT, 4, 3, 3, "Kvalitetsuppföljning 2, Avtalsuppföljning 1"],
        [SABO, 3, 2, 3, "Kvalitetsuppföljning 2, Avtalsuppföljning 1"],
        ["Totalt", 7, 5, 6, ""],
    ],
    "action_plans": [
        [HT, 1, 2, 1, 0, 2],
        [SABO, 1, 1, 1, 0, 1],
        ["Totalt", 2, 3, 2, 0, 3],
    ],
    "deviations": [
        [HT, "Avtal och ekonomi", 1, 0, 0, 1],
        [HT, "Dokumentation", 2, 0, 0, 2],
        [HT, "Kompetens", 0, 0, 1, 1],
        [SABO, "Brand", 0, 1, 0, 1],
        ["Totalt", "", 3, 1, 1, 5],
    ],
    "in_depth": [
        ["Utförare U01 (U01)", HT, "Händelsestyrd uppföljning", "3 händelser (Klagomål) inom 90 dagar", "2025-03-01"],
        ["Utförare U02 (U02)", HT, "Fördjupad uppföljning", "Ny utförare (start 2025-03-01)", "Planerad"],
    ],
    # Klagomål and Lex Sarah describe individuals: below 3 they are shown "<3".
    "events": [
        [HT, "Klagomål", 3, 0],
        [SABO, "Lex Sarah", "<3", "<3"],
        [SABO, "Budgetavvikelse", 1, 0],
    ],
    "monthly": [[HT, 4, 2, 1], ["Totalt", 4, 2, 1]],
    "serious": [
        ["Utförare U06 (U06)", "2025-04-02", "Brand", "Åtgärdsplan försenad",
         "Brandskyddet var bristfälligt: utrymningsvägar var blockerade.",
         "Eskaleras: förvaltningen återkommer med förslag om åtgärd enligt avtalet"],
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def t1():
    reg = make_register()
    return build_report(reg, reg.schedule, 2025, "T1", VON, T1_TODAY)


@pytest.mark.parametrize("key", list(EXPECTED_T1))
def test_t1_tables_match_hand_counts(t1, key):
    assert getattr(t1, key).rows == EXPECTED_T1[key]


def test_t1_header_of_counts_has_ideburen_because_a_provider_is_ideburen(t1):
    assert t1.counts.header == ["Verksamhetsområde", "Regi", "Början", "Slut", "Förändring"]
    assert [r[1] for r in t1.counts.rows if r[0] == "Totalt"] == ["Privat", "Egen regi", "Idéburen", "Samtliga"]


def test_ideburen_column_only_when_a_provider_has_it():
    reg = make_register()
    rep = build_report(reg, reg.schedule, 2025, "år", ON, date(2026, 1, 15))
    assert rep.counts.rows == [
        ["Daglig verksamhet", "Egen regi", 1, 1, 0],
        ["Totalt", "Privat", 0, 0, 0], ["Totalt", "Egen regi", 1, 1, 0], ["Totalt", "Samtliga", 1, 1, 0],
    ]


def test_t1_assessment_names_open_providers(t1):
    assert [(a.area, a.assessment) for a in t1.areas] == [
        (HT, "Iakttagelser är inte åtgärdade hos Utförare U01 (U01), Utförare U03 (U03)."),
        (SABO, "Iakttagelser är inte åtgärdade hos Utförare U06 (U06)."),
    ]


def test_t1_texts_summary_focus_and_examples(t1):
    assert t1.summary[0] == (
        "Vid periodens slut hade nämnden 6 utförare (3 privata, 2 i egen regi, 1 idéburen), lika många som "
        "sedan periodens början. 5 av 7 utförare följdes upp under perioden."
    )
    assert [(f.name, f.counts, f.summaries) for f in t1.focus] == [
        ("Dokumentation", "2 avvikelser",
         ["Genomförandeplaner saknades eller var inaktuella.", "Avvikelser dokumenterades inte."]),
        ("Brand", "1 allvarlig brist", ["Brandskyddet var bristfälligt: utrymningsvägar var blockerade."]),
    ]  # fmt: skip
    assert [(e.provider, e.summary) for e in t1.examples] == [
        ("Utförare U05", "Boenderåd där de boende själva planerar aktiviteter.")
    ]


def test_t1_covers_findings_of_the_period_and_those_still_open(t1):
    assert [f.id for f in t1.covered] == ["I01", "I02", "I03", "I04", "I05", "I06", "I07"]


def test_year_report_counts_change_and_followed_in_depth():
    reg = make_register()
    rep = build_report(reg, reg.schedule, 2025, "år", VON, date(2026, 1, 15))
    assert rep.counts.rows == [
        [HT, "Privat", 2, 2, 0], [HT, "Egen regi", 1, 1, 0], [HT, "Samtliga", 3, 3, 0],
        [SABO, "Privat", 1, 1, 0], [SABO, "Egen regi", 1, 1, 0], [SABO, "Idéburen", 1, 1, 0],
        [SABO, "Samtliga", 3, 3, 0],
        [DAG, "Privat", 0, 1, 1],
        ["Totalt", "Privat", 3, 4, 1], ["Totalt", "Egen regi", 2, 2, 0], ["Totalt", "Idéburen", 1, 1, 0],
        ["Totalt", "Samtliga", 6, 7, 1],
    ]
    # Vid start (FORD) counts as followed up; U01 has KVAL and AVT in the year.
    assert rep.followed.rows == [
        [HT, 4, 3, 4, "Avtalsuppföljning 2, Kvalitetsuppföljning 2"],
        [SABO, 3, 2, 3, "Kvalitetsuppföljning 2, Avtalsuppföljning 1"],
        [DAG, 1, 1, 1, "Fördjupad uppföljning 1"],
        ["Totalt", 8, 6, 8, ""],
    ]
    assert rep.action_plans.rows == [
        [HT, 2, 3, 2, 0, 1],
        [SABO, 1, 2, 1, 1, 1],
        [DAG, 0, 0, 0, 0, 0],
        ["Totalt", 3, 5, 3, 1, 2],
    ]
    assert [a.assessment for a in rep.areas] == [
        "Iakttagelser är inte åtgärdade hos Utförare U01 (U01).",
        "Iakttagelser är inte åtgärdade hos Utförare U06 (U06).",
        "Inga iakttagelser har krävt åtgärd under perioden.",
    ]


def test_periods():
    reg = make_register()
    assert period_bounds(reg, 2025, "T1") == (date(2025, 1, 1), date(2025, 4, 30))
    assert period_bounds(reg, 2025, "T2") == (date(2025, 1, 1), date(2025, 8, 31))
    assert period_bounds(reg, 2025, "år") == (date(2025, 1, 1), date(2025, 12, 31))
    assert normalize_period("År") == "år" and normalize_period("t2") == "T2"
    with pytest.raises(UsageError) as exc:
        normalize_period("T3")
    assert exc.value.message == '--period ska vara T1, T2 eller år, inte "T3"'


def test_unknown_namnd_is_a_usage_error():
    reg = make_register()
    with pytest.raises(UsageError) as exc:
        build_report(reg, reg.schedule, 2025, "T1", "Kulturnämnden", T1_TODAY)
    assert exc.value.message == (
        'Nämnden "Kulturnämnden" har inga utförare i Utförare (nämnder: Vård- och omsorgsnämnden, Omsorgsnämnden)'
    )


# ---------------------------------------------------------------- the documents
def docx_tables(path: Path) -> list[list[list[str]]]:
    doc = Document(str(path))
    return [[[c.text.replace("\u00ad", "") for c in row.cells] for row in t.rows] for t in doc.tables]


def _shown(table) -> list[list[str]]:
    from uppf_xl.report import signed

    cols = {table.header.index(h) for h in table.signed}
    return [[h for h in table.header]] + [[signed(v) if i in cols else str(v) for i, v in enumerate(r)] for r in table.rows]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The T1 report of VON and one report per nämnd for the year; converted to PDF once."""
    from uppf_xl.pdf import convert_to_pdf

    reg = make_register()
    out = tmp_path_factory.mktemp("rapport")
    single = write_reports(reg, reg.schedule, 2025, "T1", VON, out / "rapport.docx", T1_TODAY, False, False)
    every = write_reports(reg, reg.schedule, 2025, "år", None, out / "alla", date(2026, 1, 15), False, False)
    pdfs = convert_to_pdf(single.docx + every.docx, out / "pdf", pdfa=True, tagged=True)
    return single, every, pdfs


def test_tables_read_back_from_docx(written, t1):
    single, _, _ = written
    tables = docx_tables(single.docx[0])
    expected = [_shown(t) for t in t1.tables if t.rows]
    assert tables == expected


def test_files_named_as_decided(written):
    single, every, _ = written
    out = single.docx[0].parent
    assert [p.relative_to(out).as_posix() for p in single.files] == [
        "rapport.docx", "rapport_bilaga.xlsx", "rapport_arshjul.png", "rapport_arshjul.svg",
    ]  # fmt: skip
    assert [p.name for p in every.docx] == [
        "Nämndrapport_2025_år_Vård-och-omsorgsnämnden.docx",
        "Nämndrapport_2025_år_Omsorgsnämnden.docx",
    ]
    assert all(p.is_file() for p in every.files)
    assert single.lines[0] == f"Nämndrapport för {VON}, januari–april 2025: {single.docx[0]}"


def test_internal_descriptions_never_reach_the_documents(written):
    single, every, _ = written
    for path in [*single.files, *every.files]:
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as zf:
                xml = "".join(zf.read(n).decode("utf-8", "ignore") for n in zf.namelist() if n.endswith(".xml"))
            assert "Anna Berg" not in xml and "1212-1212" not in xml and "121212" not in xml, path


def test_docx_is_accessible(written):
    single, _, _ = written
    doc = Document(str(single.docx[0]))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert [t for s, t in headings if s == "Heading 1"] == [
        "Förslag till beslut", "Sammanfattning", "Bakgrund", "Resultat", "Bilagor",
    ]  # fmt: skip
    assert ("Heading 3", HT) in headings and ("Heading 2", "Årshjul 2025") in headings
    assert "Vård- och omsorgsnämnden godkänner redovisningen" in "\n".join(p.text for p in doc.paragraphs)
    for table in doc.tables:
        tr_pr = table.rows[0]._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
        assert table._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val"))
    pictures = list(doc.element.body.iter(qn("wp:docPr")))
    assert len(pictures) == 3
    assert all(p.get("descr") for p in pictures)
    assert pictures[0].get("descr").startswith("Stapeldiagram över planerade och genomförda uppföljningar per månad 2025.")
    assert doc.core_properties.language == "sv-SE"
    assert doc.core_properties.title == f"Uppföljning av utförare januari–april 2025 – {VON}"
    styles_xml = doc.styles.element.xml
    assert 'w:lang w:val="sv-SE"' in styles_xml
    assert "[[diagram:" not in doc.element.xml


def test_annex_holds_the_same_tables(written, t1):
    from openpyxl import load_workbook

    single, _, _ = written
    wb = load_workbook(single.annexes[0])
    assert wb.sheetnames == [t.title for t in t1.tables]
    ws = wb["Antal utförare"]
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=3 + len(t1.counts.rows))]
    assert values == [t1.counts.header, *t1.counts.rows]  # the change is stored as a number


def test_mark_reported_patch_fills_covered_findings_without_a_date(written):
    single, _, _ = written
    patch = single.mark_reported_patch
    assert patch.sheet == "Iakttagelser"
    assert patch.values == {(row, "Rapporterad till nämnd"): T1_TODAY for row in (2, 3, 4, 5, 6, 7, 8)}


def test_pdf_is_tagged_pdfa_and_reads_as_text(written, tmp_path):
    import subprocess

    _, _, pdfs = written
    assert len(pdfs) == 3 and all(p.is_file() for p in pdfs)
    info = subprocess.run(["pdfinfo", str(pdfs[0])], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    data = pdfs[0].read_bytes()
    assert b"pdfaid:part" in data
    # Alt text and language reach the PDF's structure (object streams are deflated).
    import zlib

    streams = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            streams.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    blob = data + b"".join(streams)
    assert len(re.findall(rb"/Alt\s*[(<]", blob)) == 3
    assert b"/Lang(sv-SE)" in blob
    text = subprocess.run(["pdftotext", "-layout", str(pdfs[0]), "-"], capture_output=True, text=True, check=True).stdout
    assert "Förslag till beslut" in text and "Uppföljning av utförare januari–april 2025" in text
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdfs[0]), str(tmp_path / "p")], check=True)
    assert (tmp_path / "p-1.png").stat().st_size > 10_000


from docx.oxml.ns import qn  # noqa: E402


def test_mark_reported_keeps_an_earlier_date_and_pdf_missing_is_exit_4(tmp_path, monkeypatch):
    from uppf_xl import pdf
    from uppf_xl.errors import ExternalProgramMissing

    reg = make_register()
    reg.findings[0].reported = date(2025, 4, 15)
    monkeypatch.setattr(pdf, "find_soffice", lambda: None)
    result = write_reports(reg, reg.schedule, 2025, "T1", VON, tmp_path / "r.docx", T1_TODAY, True, False)
    assert (2, "Rapporterad till nämnd") not in result.mark_reported_patch.values
    assert len(result.mark_reported_patch.values) == 6
    assert (tmp_path / "r.docx").is_file() and result.pdfs == []
    assert isinstance(result.pdf_error, ExternalProgramMissing) and result.pdf_error.exit_code == 4


def test_year_wheel_is_written_beside_with_alt_text(written):
    single, _, _ = written
    png, svg = single.files[2], single.files[3]
    assert png.read_bytes()[:4] == b"\x89PNG" and "Årshjul" in svg.read_text(encoding="utf-8")
    doc = Document(str(single.docx[0]))
    wheel_alt = list(doc.element.body.iter(qn("wp:docPr")))[2].get("descr")
    assert wheel_alt.startswith("Årshjul 2025: planerade uppföljningar per månad")
    # Types grouped in rings by kind; Föreslaget datum decides the month.
    assert "Datakontroller: februari 1, mars 2, maj 1." in wheel_alt


def test_every_namnd_needs_a_folder(tmp_path):
    reg = make_register()
    with pytest.raises(UsageError) as exc:
        write_reports(reg, reg.schedule, 2025, "år", None, tmp_path / "r.docx", T1_TODAY, False, False)
    assert exc.value.message == "Utan --nämnd skrivs en rapport per nämnd, så --out ska vara en mapp, inte r.docx."
    assert list(tmp_path.iterdir()) == []


def test_shipped_template_is_what_the_build_script_makes(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "namndrapport.docx"
    subprocess.run([sys.executable, str(root / "templates" / "build" / "report.py"), str(out)], check=True,
                   capture_output=True)  # fmt: skip
    assert out.read_bytes() == (root / "templates" / "namndrapport.docx").read_bytes()

"""The effect section and plan adherence over the three-year register of namnd_history, by hand."""

from __future__ import annotations

from datetime import date

import pytest

from namnd_history import ADOPTED, HT, SABO, TODAY, VON, make_register
from uppf_xl.effect import ALL_AREAS, build_effect


@pytest.fixture(scope="module")
def section():
    reg = make_register()
    return build_effect(reg, reg.schedule, 2025, VON, TODAY)


def figures(f):
    return (f.followups, f.findings, f.recurring, sorted(f.approval_days), f.plans_due, f.on_time, f.approved, f.verified)


# (follow-ups done, findings, recurring, approval days, plans due, in on time, approved, verified)
EXPECTED = {
    HT: [(2, 2, 0, [38], 1, 1, 1, 1), (3, 2, 1, [38, 59], 2, 2, 2, 0), (6, 4, 2, [39, 43], 2, 2, 2, 1)],
    SABO: [(1, 1, 0, [49], 1, 0, 1, 0), (2, 2, 1, [18], 2, 1, 1, 1), (2, 2, 1, [], 1, 0, 0, 0)],
    ALL_AREAS: [(3, 3, 0, [38, 49], 2, 1, 2, 1), (5, 4, 2, [18, 38, 59], 4, 3, 3, 1), (8, 6, 3, [39, 43], 3, 2, 2, 1)],
}


@pytest.mark.parametrize("area", list(EXPECTED))
def test_counts_per_area_and_year_match_hand_counts(section, area):
    got = section.total if area == ALL_AREAS else section.areas[area]
    assert [f.year for f in got] == [2023, 2024, 2025]
    assert [figures(f) for f in got] == EXPECTED[area]


def test_measures_match_hand_counts(section):
    t = section.total
    assert [f.per_followup for f in t] == [1.0, 0.8, 0.75]
    assert [f.median_days for f in t] == [43.5, 38.0, 41.0]
    assert [f.share_on_time for f in t] == [0.5, 0.75, 2 / 3]
    assert [f.share_verified for f in t] == [0.5, 1 / 3, 0.5]
    assert [f.per_followup for f in section.areas[HT]] == [1.0, 0.67, 0.67]
    assert section.areas[SABO][2].median_days is None and section.areas[SABO][2].share_verified is None


def test_only_areas_of_the_namnd_in_list_order(section):
    assert list(section.areas) == [HT, SABO]
    assert section.header == ["Verksamhetsområde", "Mått", "2023", "2024", "2025"]


def test_table_shows_the_measures_with_their_basis(section):
    rows = section.table_rows()
    assert len(rows) == 3 * 5
    assert rows[-5:] == [
        [ALL_AREAS, "Iakttagelser per genomförd uppföljning", "1 (3/3)", "0,8 (4/5)", "0,75 (6/8)"],
        [ALL_AREAS, "Återkommande iakttagelser", "0", "2", "3"],
        [ALL_AREAS, "Mediantid begäran–godkänd plan (dagar)", "43,5 (n=2)", "38 (n=3)", "41 (n=2)"],
        [ALL_AREAS, "Andel planer inkomna i tid", "50 % (1/2)", "75 % (3/4)", "67 % (2/3)"],
        [ALL_AREAS, "Andel verifierade", "50 % (1/2)", "33 % (1/3)", "50 % (1/2)"],
    ]
    assert rows[5 + 2] == [SABO, "Mediantid begäran–godkänd plan (dagar)", "49 (n=1)", "18 (n=1)", "–"]


def test_annex_rows_are_numbers(section):
    rows = section.annex_rows()
    last = rows[-1]
    assert last == [ALL_AREAS, 2025, 8, 6, 0.75, 3, 2, 41.0, 3, 2, 0.667, 2, 1, 0.5]
    assert len(section.ANNEX_HEADER) == len(last)


def test_plan_adherence_matches_hand_counts(section):
    a = section.adherence
    assert a.adopted_on == ADOPTED
    assert (a.adopted, a.adopted_done, a.adopted_expired, a.added, a.added_done) == (6, 4, 1, 5, 4)
    assert a.reasons == {"Händelser": 1, "Nya utförare": 2, "Risk": 1, "Övrigt": 1}
    assert a.text() == (
        "Planen för 2025 fastställdes 2025-01-15 med 6 uppföljningar; 4 av dem genomfördes (67 %) och 1 utgick. "
        "Under året tillkom 5 uppföljningar (1 efter händelser, 2 för nya utförare, 1 på grund av risk, "
        "1 av andra skäl), varav 4 genomfördes."
    )


def test_without_fastställd_the_adherence_says_so():
    reg = make_register()
    for r in reg.schedule:
        r.adopted = None
    a = build_effect(reg, reg.schedule, 2025, VON, TODAY).adherence
    assert a.adopted_on is None and a.rows()[0] == ["I den fastställda planen", 0]
    assert a.text().startswith("Årshjulet för 2025 har ingen fastställd plan")


def test_an_earlier_today_hides_later_dates():
    reg = make_register()
    sec = build_effect(reg, reg.schedule, 2025, VON, date(2025, 6, 30))
    last = sec.total[-1]
    # By 30 June: follow-ups A1 KVAL, A2 KVAL, B1 KVAL; findings F8, F9, F10 (F16 is dated August).
    assert (last.followups, last.findings, last.recurring) == (3, 3, 3)
    assert last.approval_days == [43] and (last.plans_due, last.on_time) == (2, 1)


def test_sentences_compare_with_the_earliest_year_with_data(section):
    assert section.text == [
        "I genomsnitt gav en uppföljning 0,75 iakttagelser 2025 mot 1 2023: färre brister hittas per uppföljning.",
        "3 av 6 iakttagelser 2025 återkom hos samma utförare inom samma område inom 24 månader efter en godkänd "
        "eller verifierad åtgärd (2023: 0 av 3).",
        "Från begäran till godkänd åtgärdsplan gick i median 41 dagar 2025 (2023: 43,5 dagar).",
    ]


def test_yearly_report_has_the_section_the_trend_chart_and_numbers_in_the_annex(tmp_path):
    from docx import Document
    from docx.oxml.ns import qn
    from openpyxl import load_workbook

    from uppf_xl.documents.report import write_reports

    reg = make_register()
    result = write_reports(reg, reg.schedule, 2025, "år", VON, tmp_path, TODAY, False, False)
    doc = Document(str(result.docx[0]))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "Ger uppföljningen avsedd effekt?" in headings and "Följsamhet till uppföljningsplanen" in headings
    effect_table = next(t for t in doc.tables if t.rows[0].cells[1].text == "Mått")
    assert [c.text for c in effect_table.rows[-1].cells] == [ALL_AREAS, "Andel verifierade", "50 % (1/2)",
                                                             "33 % (1/3)", "50 % (1/2)"]  # fmt: skip
    alts = [p.get("descr") for p in doc.element.body.iter(qn("wp:docPr"))]
    assert len(alts) == 4 and alts[3].startswith("Stapeldiagram i 5 delar över förändringen 2023–2025")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Planen för 2025 fastställdes 2025-01-15" in text
    # Providers by name with the ID in parentheses in the conclusions.
    assert "Omsorg A1 AB (A1)" in text
    wb = load_workbook(result.annexes[0])
    ws = wb["Effekt"]
    last = [c.value for c in list(ws.iter_rows(min_row=3))[-1]]
    assert last == [ALL_AREAS, 2025, 8, 6, 0.75, 3, 2, 41, 3, 2, 0.667, 2, 1, 0.5]
    counts = wb["Antal utförare"]
    assert all(isinstance(r[4].value, int) for r in counts.iter_rows(min_row=4))  # the change as a number
    follow = [[c.value for c in r] for r in wb["Följsamhet"].iter_rows(min_row=4)]
    assert follow[0] == ["I den fastställda planen", 6] and follow[-1] == ["Tillkomna som genomförts", 4]


def test_period_reports_have_no_effect_section(tmp_path):
    from docx import Document

    from uppf_xl.documents.report import write_reports

    reg = make_register()
    result = write_reports(reg, reg.schedule, 2025, "T2", VON, tmp_path, date(2025, 9, 10), False, False)
    headings = [p.text for p in Document(str(result.docx[0])).paragraphs if p.style.name.startswith("Heading")]
    assert "Ger uppföljningen avsedd effekt?" not in headings

"""Tests of uppf_xl.dashboard and uppf_xl.dashboard_sheet on a register built by hand.

The expected figures below were counted by hand from the data in `demo_register`, not
computed with the code under test; the comments give the counting.
"""

from __future__ import annotations

from datetime import date

import pytest

from uppf_xl.dashboard import ALERT_FIGURES, PlanCount, build, lines, tables, terminal_tables
from uppf_xl.contract import column_letter
from uppf_xl.dashboard_sheet import dashboard_sheet
from uppf_xl.model import Finding, FollowUpType, PlanEntry, Provider, Register, ScheduleRow, Settings
from uppf_xl.vocab import ALLA, Avtalsform, Category, Interval, Regi

D = date
TODAY = D(2025, 5, 15)
VON, OMN = "Vård- och omsorgsnämnden", "Omsorgsnämnden"
HT, SABO, DV = "Hemtjänst", "Särskilt boende för äldre", "Daglig verksamhet"

PROVIDERS = [
    Provider("U001", "Solrosen", Regi.PRIVAT, Avtalsform.LOV, HT, VON, D(2020, 1, 1), responsible="Anna"),
    Provider("U002", "Lugnet", Regi.EGEN, Avtalsform.UPPDRAG, SABO, VON, D(2019, 5, 1), responsible="Bertil"),
    Provider("U003", "Nyponet", Regi.PRIVAT, Avtalsform.LOV, HT, VON, D(2025, 2, 1), responsible="Anna"),
    Provider("U004", "Ekbacken", Regi.PRIVAT, Avtalsform.LOU, DV, OMN, D(2025, 4, 1)),
    Provider("U005", "Gamla", Regi.PRIVAT, Avtalsform.LOV, HT, VON, D(2018, 1, 1), end=D(2024, 12, 31)),
]
TYPES = [
    FollowUpType("KVAL", "Kvalitetsuppföljning", (ALLA,), ALLA, Interval.YEAR, visit=True),
    FollowUpType("VP", "Verksamhetsplan", (ALLA,), ALLA, Interval.YEAR, month=11),
    FollowUpType("EGEN", "Egenkontroll", (ALLA,), "Privat", Interval.TERTIAL),
    FollowUpType("FORD", "Fördjupad uppföljning", (ALLA,), ALLA, Interval.AT_START, visit=True),
    FollowUpType("HAND", "Händelsestyrd uppföljning", (ALLA,), ALLA, Interval.ON_DEMAND, visit=True),
]
# In 2025 KVAL is planned only for Hemtjänst of VON.
PLAN = [PlanEntry(2025, VON, HT, "KVAL")]


def row(key: str, due: date, **kw: object) -> ScheduleRow:
    pid, type_id, period = key.split("|")
    p = next(p for p in PROVIDERS if p.id == pid)
    t = next(t for t in TYPES if t.id == type_id)
    return ScheduleRow(key, pid, p.name, p.area, p.namnd, type_id, t.name, period, due, **kw)  # type: ignore[arg-type]


ROWS = [
    # history
    row("U001|KVAL|2024", D(2024, 12, 31), proposed=D(2024, 3, 10), done=D(2024, 3, 10)),
    row("U002|KVAL|2024", D(2024, 12, 31), proposed=D(2024, 6, 1), done=D(2024, 6, 1)),
    row("U001|EGEN|2024-T3", D(2024, 12, 31), proposed=D(2024, 12, 20), done=D(2024, 12, 20)),
    # 2025
    row("U001|KVAL|2025", D(2025, 12, 31), proposed=D(2025, 3, 12), done=D(2025, 3, 12),  # r1
        notify_by=D(2025, 1, 26), notified=D(2025, 1, 20), responsible="Anna"),
    row("U003|KVAL|2025", D(2025, 12, 31), proposed=D(2025, 6, 10), notify_by=D(2025, 5, 20)),  # r2
    row("U001|VP|2025", D(2025, 11, 30), proposed=D(2025, 11, 14)),  # r3
    row("U002|VP|2025", D(2025, 11, 30), proposed=D(2025, 11, 17)),  # r4
    row("U001|EGEN|2025-T1", D(2025, 4, 30), proposed=D(2025, 4, 25), responsible="Anna"),  # r5
    row("U003|EGEN|2025-T1", D(2025, 4, 30), proposed=D(2025, 4, 28), done=D(2025, 5, 2)),  # r6
    row("U001|EGEN|2025-T2", D(2025, 8, 31), proposed=D(2025, 6, 5)),  # r7
    row("U003|FORD|2025", D(2025, 8, 1), proposed=D(2025, 6, 2), planned=D(2025, 6, 3),  # r8
        notify_by=D(2025, 5, 10), responsible="Anna"),
    row("U002|HAND|2025-03-14", D(2025, 4, 13), proposed=D(2025, 4, 1), responsible="Bertil"),  # r9
    # r10: Utgår and not yet past Senast (past it, schedule.row_status makes it Försenad)
    row("U002|EGEN|2025-T2", D(2025, 8, 31), proposed=D(2025, 6, 20), status="Utgår"),
]  # fmt: skip

FINDINGS = [
    Finding("I-001", D(2025, 3, 12), "U001", Category.AVVIKELSE, requested=D(2025, 3, 14),
            deadline=D(2025, 4, 14), received=D(2025, 4, 10), approved=D(2025, 4, 20), row=2),
    Finding("I-002", D(2025, 3, 12), "U001", Category.ALLVARLIG, requested=D(2025, 3, 13),
            deadline=D(2025, 4, 13), row=3),
    Finding("I-003", D(2025, 5, 8), "U002", Category.ALLVARLIG, row=4),
    Finding("I-004", D(2025, 5, 2), "U003", Category.FORBATTRING, requested=D(2025, 5, 5), row=5),
    Finding("I-005", D(2025, 5, 2), "U003", Category.GOTT_EXEMPEL, row=6),
    Finding("I-006", D(2025, 4, 1), "U002", Category.FORTYDLIGANDE, requested=D(2025, 4, 2),
            received=D(2025, 4, 10), row=7),
    Finding("I-007", D(2024, 10, 1), "U001", Category.AVVIKELSE, requested=D(2024, 10, 2),
            received=D(2024, 10, 20), approved=D(2024, 10, 25), verified=D(2025, 3, 12),
            reported=D(2025, 4, 15), row=8),
    Finding("I-008", D(2025, 5, 14), "U004", Category.ALLVARLIG, row=9),
]  # fmt: skip


def demo_register() -> Register:
    return Register(Settings(kommun="Exempelkommun"), PROVIDERS, TYPES, PLAN, [], [], FINDINGS, ROWS, {})


@pytest.fixture(scope="module")
def d():
    reg = demo_register()
    return build(reg, reg.schedule, 2025, TODAY)


def test_key_figures(d) -> None:
    assert d.key_figures == [
        ("Planerade uppföljningar 2025", 9),  # r1-r9; r10 is Utgår
        ("Genomförda uppföljningar", 2),  # r1, r6
        ("Försenade uppföljningar", 2),  # r5 (Senast 04-30), r9 (04-13)
        ("Kallelser att skicka inom 14 dagar", 1),  # r2 (Kallas senast 05-20)
        ("Sena kallelser", 1),  # r8 (05-10, not sent)
        ("Utförare utanför intervall", 1),  # U001 (EGEN); VP has no history and its first Senast is ahead
        ("Nya utförare 2025", 2),  # U003, U004
        ("Öppna åtgärdsplaner", 3),  # I-001 godkänd, I-002 försenad, I-004 begärd
        ("Försenade åtgärdsplaner", 1),  # I-002
        ("Öppna allvarliga brister", 3),  # I-002, I-003, I-008
        ("Eskaleringar", 2),  # I-002 late, I-003 no request after 3 days
        ("Uppgifter kommande 30 dagar", 6),
    ]
    assert d.figure("Eskaleringar") == 2
    assert set(ALERT_FIGURES) <= {label for label, _ in d.key_figures}


def test_planned_and_done(d) -> None:
    assert d.by_unit == {
        (VON, HT): PlanCount(7, 2, 1),  # r1 r2 r3 r5 r6 r7 r8; done r1 r6; late r5
        (VON, SABO): PlanCount(2, 0, 1),  # r4 r9; late r9
    }
    assert d.by_type == {
        ("EGEN", "Egenkontroll"): PlanCount(3, 1, 1),
        ("FORD", "Fördjupad uppföljning"): PlanCount(1, 0, 0),
        ("HAND", "Händelsestyrd uppföljning"): PlanCount(1, 0, 1),
        ("KVAL", "Kvalitetsuppföljning"): PlanCount(2, 1, 0),
        ("VP", "Verksamhetsplan"): PlanCount(2, 0, 0),
    }
    planned = {m: c.planned for m, c in d.by_month.items() if c.planned}
    done = {m: c.done for m, c in d.by_month.items() if c.done}
    assert planned == {3: 1, 4: 3, 6: 3, 11: 2}  # by Planerat datum, else Föreslaget datum
    assert done == {3: 1, 5: 1}  # by Genomförd


def test_overdue_and_letters(d) -> None:
    assert [(i.key, i.date, i.days_late, i.responsible) for i in d.overdue] == [
        ("U002|HAND|2025-03-14", D(2025, 4, 13), 32, "Bertil"),
        ("U001|EGEN|2025-T1", D(2025, 4, 30), 15, "Anna"),
    ]
    assert [(i.key, i.date, i.responsible) for i in d.letters_due] == [("U003|KVAL|2025", D(2025, 5, 20), "Anna")]
    assert [(i.key, i.days_late) for i in d.letters_late] == [("U003|FORD|2025", 5)]


def test_coverage(d) -> None:
    assert [(c.provider_id, c.type_id, c.last_done, c.within, c.next_planned) for c in d.coverage] == [
        ("U001", "KVAL", D(2025, 3, 12), True, None),
        ("U001", "VP", None, True, D(2025, 11, 14)),  # no history: within until the first Senast passes
        ("U001", "EGEN", D(2024, 12, 20), False, D(2025, 6, 5)),  # a tertial: 2025-04-20 passed
        ("U002", "VP", None, True, D(2025, 11, 17)),  # KVAL is not planned for SÄBO in 2025
        ("U003", "KVAL", None, True, D(2025, 6, 10)),  # new in 2025-02: not yet due
        ("U003", "VP", None, True, None),
        ("U003", "EGEN", D(2025, 5, 2), True, None),
        ("U004", "VP", None, True, None),
        ("U004", "EGEN", None, True, None),
    ]  # U005 has ended; FORD and HAND do not recur
    assert [(c.provider_id, c.type_id) for c in d.out_of_coverage] == [("U001", "EGEN")]


def test_new_providers(d) -> None:
    assert [(n.provider_id, n.state, n.when, n.due) for n in d.new_providers] == [
        ("U003", "Planerad", D(2025, 6, 3), D(2025, 8, 1)),
        ("U004", "Saknas", None, D(2025, 10, 1)),  # Startdatum + 6 months
    ]


def test_findings(d) -> None:
    assert d.finding_status == {
        "Ny": 2,
        "Åtgärdsplan begärd": 1,
        "Åtgärdsplan försenad": 1,
        "Åtgärdsplan inkommen": 0,
        "Åtgärdsplan godkänd": 1,
        "Åtgärd verifierad": 0,
        "Rapporterad": 1,
        "Gott exempel": 1,
        "Förtydligande begärt": 0,
        "Förtydligande inkommet": 1,
        "Stängd": 0,
    }
    assert d.open_plans == 3
    assert [(f.id, f.days_late) for f in d.late_plans] == [("I-002", 32)]
    assert [(f.id, f.status, f.escalate, f.request_missing) for f in d.serious] == [
        ("I-002", "Åtgärdsplan försenad", True, False),
        ("I-003", "Ny", True, True),
        ("I-008", "Ny", False, False),
    ]
    assert d.open_by_category == {"Avvikelse": 1, "Allvarlig brist": 3, "Förbättringsområde": 1, "Förtydligande": 1}


def test_work_list(d) -> None:
    assert [(w.handler, w.when, w.task, w.provider, w.ref) for w in d.work] == [
        ("(ej angiven)", D(2025, 5, 17), "Begär åtgärdsplan (allvarlig brist)", "Ekbacken", "I-008"),
        ("Anna", D(2025, 5, 20), "Skicka kallelse: Kvalitetsuppföljning", "Nyponet", "U003|KVAL|2025"),
        ("Anna", D(2025, 6, 3), "Fördjupad uppföljning", "Nyponet", "U003|FORD|2025"),
        ("Anna", D(2025, 6, 4), "Åtgärdsplan ska in", "Nyponet", "I-004"),  # 05-05 + 30 days
        ("Anna", D(2025, 6, 5), "Egenkontroll", "Solrosen", "U001|EGEN|2025-T2"),
        ("Anna", D(2025, 6, 10), "Kvalitetsuppföljning", "Nyponet", "U003|KVAL|2025"),
    ]


def test_terminal_output(d) -> None:
    assert lines(d) == [
        "Översikt uppföljning 2025 – Exempelkommun, per 2025-05-15.",
        "2 av 9 planerade uppföljningar är genomförda; 2 är försenade.",
        "1 kallelse ska skickas inom 14 dagar; 1 är sen.",
        "1 utförare är utanför sitt intervall.",
        "3 öppna åtgärdsplaner, varav 1 försenad; 3 öppna allvarliga brister, 2 att eskalera.",
    ]
    out = terminal_tables(d)
    titles = [t for t, _, _ in out]
    assert titles[0] == "Nyckeltal"
    assert "Försenade uppföljningar" in titles
    namnd = dict((t, (h, r)) for t, h, r in out)["Planerat och genomfört per nämnd och verksamhetsområde"]
    assert namnd[1][0] == [VON, HT, 7, 2, 1, "29%"]
    for _, header, rows in out:
        assert all(len(r) == len(header) for r in rows)
        assert all(not isinstance(v, date) for r in rows for v in r)


def test_empty_register_builds() -> None:
    reg = Register(Settings(), [], TYPES, [], [], [], [], [], {})
    d = build(reg, [], 2025, TODAY)
    assert d.figure("Planerade") == 0 and d.work == [] and d.coverage == []
    assert dashboard_sheet(d).tables[0].rows[0] == ["Planerade uppföljningar 2025", 0]


def test_sheet_content(d) -> None:
    content = dashboard_sheet(d)
    assert content.name == "Översikt"
    assert [t.name for t in content.tables] == [t.name for t in tables(d)]
    assert content.cells[0].value == "Översikt uppföljning 2025 – Exempelkommun"
    assert content.cells[1].value == "Uppgifter per 2025-05-15"
    key = content.tables[0]
    assert key.rows[2] == ["Försenade uppföljningar", 2]
    # no formulas anywhere: every value is computed
    values = [v for t in content.tables for r in t.rows for v in r] + [c.value for c in content.cells]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    # tables do not overlap and have a title above; the charts sit between the key figures and the rest
    spans = sorted((t.row - 1, t.last_row) for t in content.tables)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))
    assert [c.anchor for c in content.charts] == ["A18", "A33"]
    assert content.tables[0].last_row == 16 and content.tables[1].row == 51
    # charts: done vs planned per month, open findings by category, beside the key figures
    assert [(c.kind, c.table, c.categories, c.series) for c in content.charts] == [
        ("col", "tblOversiktManad", "Månad", ["Planerade", "Genomförda"]),
        ("bar", "tblOversiktKategori", "Kategori", ["Öppna"]),
    ]
    # widths: every column with a value has one, wide enough for its longest text
    for t in content.tables:
        for i, h in enumerate(t.header):
            width = content.widths[t.col + i]
            assert width >= len(h) + 2
            for r in t.rows:
                v = r[i]
                shown = v.isoformat() if isinstance(v, date) else ("" if v is None else str(v))
                if not isinstance(v, float):
                    assert width >= min(len(shown), 55), (t.name, h, v)
    b7 = [(c.kind, c.value, c.style) for c in content.conditional if c.ref == "B7"]  # Försenade uppföljningar
    assert b7 == [("greater", 0, "red"), ("less", 1, "green")]
    assert any(c.value == "Nej" and c.style == "red" for c in content.conditional)
    assert all(c.style in ("red", "amber", "green") for c in content.conditional)


def test_col_letter() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


# --- rendered through LibreOffice -----------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, d):
    """The hand-counted dashboard written into a new workbook, converted once to PDF."""
    import shutil
    import subprocess
    import zipfile

    from uppf_xl.workbook.content import Changes
    from uppf_xl.workbook.initbook import create_workbook
    from uppf_xl.workbook.package import write_changes

    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        pytest.skip("LibreOffice or pdftotext is missing")
    folder = tmp_path_factory.mktemp("oversikt")
    book = folder / "oversikt.xlsx"
    create_workbook(book, today=TODAY)
    write_changes(book, Changes(sheets=[dashboard_sheet(d)]))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{folder}/lo", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), str(book)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = subprocess.run(
        ["pdftotext", "-layout", str(folder / "oversikt.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    with zipfile.ZipFile(book) as zf:
        names = zf.namelist()
    return text, names


def test_rendered_oversikt_shows_the_figures(rendered) -> None:
    import re

    text, names = rendered
    assert "###" not in text
    assert "Översikt uppföljning 2025 – Exempelkommun" in text
    for label, value in [
        ("Planerade uppföljningar 2025", 9),
        ("Försenade uppföljningar", 2),
        ("Utförare utanför intervall", 1),
        ("Öppna allvarliga brister", 3),
        ("Eskaleringar", 2),
    ]:
        assert re.search(rf"{label}\s+{value}\n", text), label
    for shown in ("U002|HAND|2025-03-14", "2025-04-13", "Begär åtgärdsplan (allvarlig brist)", "29%"):
        assert shown in text
    # two native charts
    assert len([n for n in names if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]) == 2


@pytest.mark.parametrize(
    ("since", "months", "until"),
    [
        (date(2025, 10, 2), 1, date(2025, 11, 30)),  # a monthly check covers the next month too
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 2, 10), 3, date(2025, 6, 30)),  # Q1 done: covered through Q2
        (date(2025, 4, 30), 4, date(2025, 8, 31)),  # T1 done: covered through T2
        (date(2024, 3, 1), 12, date(2025, 12, 31)),  # done last year: covered this year
        (date(2023, 9, 1), 24, date(2025, 12, 31)),
    ],
)
def test_covered_until_the_end_of_the_next_period(since: date, months: int, until: date) -> None:
    from uppf_xl.dashboard import covered_until

    assert covered_until(since, months) == until

"""One fictional municipality (Ekby kommun) through a whole year and into the next, with the CLI.

January: plan with --fastställ. March: a provider is added, a visit is given a date, the
kallelse goes out (--mark-sent), the visit is moved (Ändrad tid, the andrad letter, the .ics
event updated), a provider is removed (its visits CANCELLED). The fieldwork is done except
two follow-ups. January next year: Planår is stale, the backlog is visible, the missed
Vartannat år and Vid start follow-ups are planned again with Orsak.

Every outcome is read back from the written workbook (openpyxl and python-calamine), the
letters (python-docx) and the .ics (icalendar).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result
from docx import Document
from icalendar import Calendar
from python_calamine import CalamineWorkbook

from uppf_xl.cli import main
from uppf_xl.dates import is_working_day, previous_working_day

KEEP_TYPES = {"AVT", "KVAL", "FORD", "VP"}
ANNA = "Anna Ek"


def run(*args: str, today: date) -> Result:
    result = CliRunner().invoke(main, [*args, "--today", today.isoformat()])
    assert "Traceback" not in result.output, result.output
    return result


def ok(*args: str, today: date) -> Result:
    result = run(*args, today=today)
    assert result.exit_code == 0, result.output
    return result


# ---------------------------------------------------------------- the user's edits (as in Excel)


def _headers(ws: Any) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[1] if c.value is not None}


def _table(ws: Any) -> Any:
    return next(iter(ws.tables.values()))


def _set_ref_rows(ws: Any, last_row: int) -> None:
    table = _table(ws)
    start, end = table.ref.split(":")
    col = "".join(ch for ch in end if ch.isalpha())
    table.ref = f"{start}:{col}{max(last_row, 2)}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref


def edit(book: Path, change: Any) -> None:
    wb = openpyxl.load_workbook(book)
    change(wb)
    wb.save(book)


def add_row(wb: Any, sheet: str, values: dict[str, object]) -> None:
    ws = wb[sheet]
    h = _headers(ws)
    last = int(_table(ws).ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    row = last + 1 if any(ws.cell(last, c).value is not None for c in h.values()) else last
    for header, value in values.items():
        ws.cell(row, h[header], value)
    _set_ref_rows(ws, row)


def delete_provider(wb: Any, provider_id: str) -> None:
    ws = wb["Utförare"]
    col = _headers(ws)["UtförarID"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, col).value == provider_id:
            ws.delete_rows(r)
            _set_ref_rows(ws, ws.max_row)
            return
    raise AssertionError(provider_id)


def set_setting(wb: Any, key: str, value: object) -> None:
    ws = wb["Inställningar"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == key:
            ws.cell(r, 2, value)
            return
    raise AssertionError(key)


def set_schedule(wb: Any, key: str, header: str, value: object) -> None:
    ws = wb["Årshjul"]
    h = _headers(ws)
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, h["Nyckel"]).value == key:
            ws.cell(r, h[header], value)
            return
    raise AssertionError(key)


def provider_row(pid: str, name: str, start: date, area: str = "Hemtjänst") -> dict[str, object]:
    return {
        "UtförarID": pid, "Namn": name, "Regi": "Privat", "Avtalsform": "LOV", "Verksamhetsområde": area,
        "Nämnd": "Omsorgsnämnden", "Verksamhetschef": "", "E-post": f"{pid.lower()}@example.se",
        "Adress": "Storgatan 1", "Postnummer": "123 45", "Ort": "Ekby", "Startdatum": start,
        "Risknivå": "Normal", "Ansvarig": ANNA,
    }


# ---------------------------------------------------------------- reading back


def schedule(book: Path) -> dict[str, dict[str, object]]:
    """Årshjul by Nyckel, read with openpyxl; checked against python-calamine."""
    ws = openpyxl.load_workbook(book, data_only=True)["Årshjul"]
    h = _headers(ws)
    rows: dict[str, dict[str, object]] = {}
    for r in range(2, ws.max_row + 1):
        key = ws.cell(r, h["Nyckel"]).value
        if key:
            rows[str(key)] = {name: _day(ws.cell(r, col).value) for name, col in h.items()}
    cal = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Årshjul").to_python()
    header = [str(x) for x in cal[0]]
    cal_rows = {str(r[0]): dict(zip(header, r)) for r in cal[1:] if r and r[0]}
    assert set(cal_rows) == set(rows)
    for key, row in rows.items():
        for name in ("Status", "Föreslaget datum", "Kallas senast", "Kallat datum", "Fastställd"):
            assert (cal_rows[key][name] or None) == (row[name] or None), (key, name)
    return rows


def _day(value: object) -> object:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def dashboard_text(book: Path) -> list[list[object]]:
    return CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Översikt").to_python()


def dashboard_table(book: Path, title_start: str) -> list[list[object]]:
    rows = dashboard_text(book)
    for i, r in enumerate(rows):
        if r and isinstance(r[0], str) and r[0].startswith(title_start):
            out = []
            for row in rows[i + 2:]:
                if not row or all(v in ("", None) for v in row):
                    break
                out.append(row)
            return out
    raise AssertionError(title_start)


def events(ics: Path) -> dict[str, Any]:
    return {str(ev["UID"]): ev for ev in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


# ---------------------------------------------------------------- the year


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Runs the whole year once; each test looks at one outcome."""
    root = tmp_path_factory.mktemp("ekby")
    book = root / "ekby.xlsx"
    ics = root / "besok.ics"
    seen: dict[str, Any] = {"book": book, "root": root, "ics": ics}

    ok("init", str(book), today=date(2025, 1, 2))

    def start(wb: Any) -> None:
        for key, value in (("Kommun", "Ekby kommun"), ("Förvaltning", "Omsorgsförvaltningen"),
                           ("Avsändare", ANNA), ("E-post", "anna.ek@ekby.se"), ("Max besök per vecka och handläggare", 3)):
            set_setting(wb, key, value)
        ws = wb["Uppföljningstyper"]
        h = _headers(ws)
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, h["TypID"]).value not in KEEP_TYPES and ws.cell(r, h["TypID"]).value:
                ws.cell(r, h["Aktiv"], "Nej")
        for pid, name in (("U1", "Almen omsorg AB"), ("U2", "Björken vård AB"), ("U3", "Cedern hemtjänst AB"),
                          ("U4", "Dalen omsorg AB")):
            add_row(wb, "Utförare", provider_row(pid, name, date(2020, 1, 1)))

    edit(book, start)

    # January: the plan, adopted by the nämnd.
    jan = date(2025, 1, 8)
    seen["plan_jan"] = ok("plan", str(book), "--fastställ", today=jan)
    seen["jan"] = schedule(book)

    # March: a new provider starts; the plan is run again.
    mar = date(2025, 3, 3)
    edit(book, lambda wb: add_row(wb, "Utförare", provider_row("U5", "Eken assistans AB", date(2025, 3, 1))))
    seen["plan_mar"] = ok("plan", str(book), today=mar)
    seen["mar"] = schedule(book)

    # The administrator books U1's quality visit, and one for U2 in two days (too soon).
    edit(book, lambda wb: (set_schedule(wb, "U1|KVAL|2025", "Planerat datum", date(2025, 4, 15)),
                           set_schedule(wb, "U2|KVAL|2025", "Planerat datum", date(2025, 3, 5))))
    seen["status_mar"] = ok("status", str(book), today=mar)
    seen["booked"] = schedule(book)
    seen["letters_mar"] = ok("letters", str(book), "--out", str(root / "brev1"), "--kind", "kallelse",
                             "--mark-sent", today=mar)
    seen["sent"] = schedule(book)
    ok("calendar", str(book), "--out", str(ics), today=mar)
    seen["ics1"] = events(ics)

    # A week later the visit is moved after the kallelse went out.
    moved = date(2025, 3, 10)
    edit(book, lambda wb: set_schedule(wb, "U1|KVAL|2025", "Planerat datum", date(2025, 4, 22)))
    ok("status", str(book), today=moved)
    seen["moved"] = schedule(book)
    seen["moved_changed"] = dashboard_table(book, "Ändrad tid efter kallelse")
    seen["letters_moved"] = ok("letters", str(book), "--out", str(root / "brev2"), "--kind", "andrad",
                               "--mark-sent", today=moved)
    seen["after_andrad"] = schedule(book)
    ok("calendar", str(book), "--out", str(ics), today=moved)
    seen["ics2"] = events(ics)

    # U4 stops being followed up: removed from Utförare, the plan is run again.
    edit(book, lambda wb: delete_provider(wb, "U4"))
    ok("plan", str(book), today=moved)
    seen["removed"] = schedule(book)
    ok("calendar", str(book), "--out", str(ics), today=moved)
    seen["ics3"] = events(ics)

    # The fieldwork: every 2025 follow-up done on its date, except U2's Avtalsuppföljning
    # (Vartannat år) and U5's Fördjupad uppföljning (Vid start).
    def fieldwork(wb: Any) -> None:
        for key, row in schedule(book).items():
            if key in ("U2|AVT|2025", "U5|FORD|2025") or not key.endswith("2025") and "|2025-" not in key:
                continue
            when = row["Planerat datum"] or row["Föreslaget datum"]
            if row["Status"] != "Utgår" and isinstance(when, date):
                set_schedule(wb, key, "Genomförd", when)

    edit(book, fieldwork)
    seen["december"] = ok("status", str(book), today=date(2025, 12, 30))
    seen["december_rows"] = schedule(book)
    seen["december_adopted"] = dashboard_table(book, "Fastställd plan 2025")

    # January next year: Planår still says 2025.
    nxt = date(2026, 1, 12)
    seen["check_next"] = run("check", str(book), today=nxt)
    seen["plan_next"] = ok("plan", str(book), today=nxt)
    seen["next"] = schedule(book)
    seen["backlog"] = dashboard_table(book, "Ej genomförda från tidigare år")
    return seen


def test_january_plan_is_adopted(year: dict[str, Any]) -> None:
    rows = year["jan"]
    assert rows and all(r["Fastställd"] == date(2025, 1, 8) for r in rows.values())
    assert "Fastställd 2025-01-08" in year["plan_jan"].output
    assert all(r["Status"] != "Försenad" for r in rows.values())


def test_a_provider_added_in_march_moves_no_other_proposal(year: dict[str, Any]) -> None:
    jan, mar = year["jan"], year["mar"]
    for key, row in jan.items():
        assert mar[key]["Föreslaget datum"] == row["Föreslaget datum"], key
        assert mar[key]["Fastställd"] == date(2025, 1, 8)
    new = {k: r for k, r in mar.items() if k not in jan}
    assert new and all(k.startswith("U5|") for k in new)
    assert all(r["Fastställd"] is None for r in new.values())  # added after the adoption
    assert all(r["Status"] != "Försenad" for r in new.values())  # never late on the day it is created
    ford = new["U5|FORD|2025"]
    assert str(ford["Orsak"]).startswith("Ny utförare: start 2025-03-01")
    assert ford["Senast"] == date(2025, 9, 1)


def test_adopted_plan_counts_in_oversikt(year: dict[str, Any]) -> None:
    rows = year["december_rows"].values()
    ((adopted, in_plan, done, added),) = [r[:4] for r in year["december_adopted"]]
    assert _day(adopted) == date(2025, 1, 8)
    assert in_plan == sum(1 for r in rows if r["Fastställd"] is not None)
    assert done == sum(1 for r in rows if r["Fastställd"] is not None and r["Genomförd"] is not None) > 0
    assert added == sum(1 for r in rows if r["Fastställd"] is None and r["Status"] != "Utgår") > 0
    assert f"Fastställd plan 2025: {int(done)} av {int(in_plan)} genomförda, {int(added)} tillagda" in year["december"].output


def test_status_follows_a_typed_visit_date(year: dict[str, Any]) -> None:
    row = year["booked"]["U1|KVAL|2025"]
    assert row["Kallas senast"] == previous_working_day(date(2025, 4, 15) - timedelta(days=45))
    assert row["Status"] == "Att kalla"


def test_kallelse_records_the_announced_date_and_refuses_short_notice(year: dict[str, Any]) -> None:
    sent = year["sent"]["U1|KVAL|2025"]
    assert sent["Kallelse skickad"] == date(2025, 3, 3)
    assert sent["Kallat datum"] == date(2025, 4, 15)
    out = year["letters_mar"].output
    assert "U2 KVAL (kallelse): för kort varsel" in out
    assert year["sent"]["U2|KVAL|2025"]["Kallelse skickad"] is None
    letters = sorted((year["root"] / "brev1").glob("*_U1_Kallelse_KVAL.docx"))
    assert letters
    text = docx_text(letters[0])
    assert "tisdag 15 april 2025" in text
    # Material is due 14 days before (1 April), never before the letter date + Minsta varsel.
    assert "senast tisdag 1 april 2025" in text
    assert "Varning: U1|KVAL|2025: kallelsen går ut 43 dagar" in out  # 45 asked for


def test_a_visit_moved_after_its_kallelse(year: dict[str, Any]) -> None:
    moved = year["moved"]["U1|KVAL|2025"]
    assert moved["Status"] == "Ändrad tid"
    assert moved["Kallat datum"] == date(2025, 4, 15)
    assert [r[0] for r in year["moved_changed"]] == ["U1|KVAL|2025"]
    letters = sorted((year["root"] / "brev2").glob("*_U1_AndradTid_KVAL.docx"))
    assert len(letters) == 1
    text = docx_text(letters[0])
    assert "Ändrad tid för kvalitetsuppföljning" in text
    assert "tisdag 22 april 2025" in text and "tisdag 15 april 2025" in text
    after = year["after_andrad"]["U1|KVAL|2025"]
    assert after["Kallat datum"] == date(2025, 4, 22)


def test_calendar_updates_and_cancels(year: dict[str, Any]) -> None:
    uid = "U1-KVAL-2025.ekby-kommun@uppf-xl"
    first, second = year["ics1"][uid], year["ics2"][uid]
    assert first["DTSTART"].dt == date(2025, 4, 15) and int(first["SEQUENCE"]) == 0
    assert second["DTSTART"].dt == date(2025, 4, 22) and int(second["SEQUENCE"]) == 1
    gone = {u: e for u, e in year["ics3"].items() if u.startswith("U4-")}
    assert gone and all(str(e["STATUS"]) == "CANCELLED" for e in gone.values())
    assert all(int(e["SEQUENCE"]) == int(year["ics2"][u]["SEQUENCE"]) + 1 for u, e in gone.items())
    assert all(str(e["STATUS"]) != "CANCELLED" for u, e in year["ics3"].items() if not u.startswith("U4-"))


def test_removing_a_provider_moves_no_other_proposal(year: dict[str, Any]) -> None:
    before, after = year["moved"], year["removed"]
    assert not any(k.startswith("U4|") for k in after)  # nothing written on its rows: removed
    for key, row in after.items():
        assert row["Föreslaget datum"] == before[key]["Föreslaget datum"], key


def test_next_january_plans_the_new_year_and_shows_the_backlog(year: dict[str, Any]) -> None:
    check = year["check_next"].output
    assert "Varning: Inställningar!B10: Planår 2025 är äldre än i år; planåret blir 2026" in check
    rows = year["next"]
    assert any(k.endswith("|2026") or "|2026-" in k for k in rows)
    assert "Årshjul 2026" in year["plan_next"].output
    again = rows["U2|AVT|2026"]
    assert "Vartannat år: uppföljningen 2025 genomfördes inte" in str(again["Orsak"])
    assert "U1|AVT|2026" not in rows  # done in 2025: next in 2027
    ford = rows["U5|FORD|2026"]
    assert "genomfördes inte" in str(ford["Orsak"]) and ford["Senast"] == date(2026, 6, 30)
    backlog = {r[1] for r in year["backlog"]}
    assert {"U2|AVT|2025", "U5|FORD|2025"} <= backlog
    assert all(is_working_day(r["Föreslaget datum"]) for r in rows.values() if isinstance(r["Föreslaget datum"], date))

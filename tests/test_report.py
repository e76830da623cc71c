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

"""A three-year register (2023-2025) for the effect section and the case report, counted by hand.

Nämnd VON; the report year is 2025, judged on 2026-01-20 (as_of 2025-12-31). Svarstid 30 days.

Providers: A1 Hemtjänst Privat, A2 Hemtjänst Egen regi, B1 SÄBO Privat (Risknivå Hög,
chef Karin Lindqvist), N1 Hemtjänst Privat started 2025-05-01 (after the plan was adopted),
X1 of another nämnd (never counted).

Follow-ups done (every type but Månad; Utgår rows do not count):
    2023  HT: A1 KVAL, A2 KVAL = 2             SÄBO: B1 KVAL = 1                (A1 MAN excluded)
    2024  HT: A1 KVAL, A1 AVT, A2 KVAL = 3      SÄBO: B1 KVAL, B1 HAND = 2       (A1 MAN excluded)
    2025  HT: A1 KVAL, A1 VP, A1 AVT, A2 KVAL, A2 AVT, N1 FORD = 6   SÄBO: B1 KVAL, B1 HAND = 2

Findings (Avvikelse, Allvarlig brist, Förbättringsområde; Område in brackets):
    2023  F1 A1 [Dokumentation] req 03-03, due 04-03, in 03-30, approved 04-10 (38 d), verified 2024-03-01
          F2 A2 [Kompetens] no request
          F3 B1 [Brand] req 05-02, due 06-01, in 06-10 (late), approved 06-20 (49 d)
    2024  F4 A1 [Dokumentation] recurs F1 (approved 2023-04-10); req 03-04, Ny svarstid 04-20, in 04-19,
             approved 05-02 (59 d)
          F5 B1 [brand] recurs F3 (approved 2023-06-20); req 05-02, due 06-03, never in
          F6 A2 [Kompetens] F2 was never resolved: not recurring; req 04-02, due 05-02, in 04-25,
             approved 05-10 (38 d)
          F7 B1 Allvarlig brist [Läkemedel] req 09-02, due 09-16, in 09-12, approved 09-20 (18 d),
             verified 2025-02-01
    2025  F8 A1 [Dokumentation] recurs F4; req 03-03, due 04-02, in 04-01, approved 04-15 (43 d)
          F9 A2 Förbättringsområde [Kompetens] recurs F6 (approved 2024-05-10); no request
          F10 B1 Allvarlig brist [Brand] recurs F3 (2023-06-20 + 24 months = 2025-06-20); req 05-05,
             due 05-19, Ny svarstid 06-02, in 06-10 (late), not approved: the case
          F11 N1 [Bemanning] req 10-02, due 11-03, in 10-30, approved 11-10 (39 d), verified 12-15
          F12 A1 [Läkemedel] req 12-11, due 2026-01-12: not due in 2025
          F16 B1 Förbättringsområde [Mat och måltider] no request
    Not counted: a Gott exempel, a Förtydligande, F13 (Bekräftad Nej), F14 (X1), F15 (dated 2026).

Hand counts (followups, findings -> per follow-up, recurring, median days, on time, verified):
    2023  HT 2, 2 -> 1; 0; 38; 1/1; 1/1    SÄBO 1, 1 -> 1; 0; 49; 0/1; 0/1    all 3, 3 -> 1; 0; 43.5; 1/2; 1/2
    2024  HT 3, 2 -> 0.67; 1; 48.5; 2/2; 0/2   SÄBO 2, 2 -> 1; 1; 18; 1/2; 1/1   all 5, 4 -> 0.8; 2; 38; 3/4; 1/3
    2025  HT 6, 4 -> 0.67; 2; 41; 2/2; 1/2     SÄBO 2, 2 -> 1; 1; –; 0/1; –      all 8, 6 -> 0.75; 3; 41; 2/3; 1/2

Plan adherence 2025 (Fastställd 2025-01-15 on six rows): A1 KVAL, A2 KVAL, B1 KVAL done, A1 VP
done, A2 VP not done, B1 AVT Utgår -> 6 adopted, 4 done, 1 expired. Added: B1 HAND (event),
N1 FORD and N1 KVAL (new provider), A2 AVT (Orsak "Förhöjd risk"), A1 AVT (other) -> 5 added,
of which 4 done (N1 KVAL is not).
"""

from __future__ import annotations

from datetime import date

from uppf_xl.model import Event, Finding, FollowUpType, Provider, Register, ScheduleRow, Settings
from uppf_xl.vocab import DEFAULT_AREAS, Avtalsform, Category, EventType, Interval, Regi, Risk

VON = "Vård- och omsorgsnämnden"
HT, SABO = "Hemtjänst", "Särskilt boende för äldre"
TODAY = date(2026, 1, 20)
ADOPTED = date(2025, 1, 15)
SECRET = "Brukaren Anna Berg 19121212-1212 fick fel läkemedel"
CHEF = "Karin Lindqvist"

TYPES = [
    FollowUpType("KVAL", "Kvalitetsuppföljning", ("Alla",), "Alla", Interval.YEAR, visit=True),
    FollowUpType("AVT", "Avtalsuppföljning", ("Alla",), "Alla", Interval.YEAR, visit=True),
    FollowUpType("MAN", "Månadsuppföljning", (HT,), "Alla", Interval.MONTH),
    FollowUpType("HAND", "Händelsestyrd uppföljning", ("Alla",), "Alla", Interval.ON_DEMAND, visit=True),
    FollowUpType("FORD", "Fördjupad uppföljning", ("Alla",), "Alla", Interval.AT_START, visit=True),
    FollowUpType("VP", "Verksamhetsplan", ("Alla",), "Alla", Interval.YEAR),
]


def _provider(pid: str, area: str, regi: Regi, start: date, namnd: str = VON, **more: object) -> Provider:
    form = Avtalsform.UPPDRAG if regi is Regi.EGEN else Avtalsform.LOV
    return Provider(pid, f"Omsorg {pid} AB", regi, form, area, namnd, start, responsible="Eva Strand",
                    **more)  # type: ignore[arg-type]


def _row(key: str, done: date | None = None, adopted: date | None = None, status: str = "", reason: str = "",
         planned: date | None = None) -> ScheduleRow:
    pid, tid, period = key.split("|")
    t = next(t for t in TYPES if t.id == tid)
    return ScheduleRow(key, pid, f"Omsorg {pid} AB", "", VON, tid, t.name, period, date(int(period[:4]), 12, 31),
                       proposed=planned or done, done=done, status=status or ("Genomförd" if done else "Planerad"),
                       reason=reason, adopted=adopted)  # fmt: skip


def _f(fid: str, day: date, pid: str, cat: Category, area: str, **more: object) -> Finding:
    return Finding(fid, day, pid, cat, area=area, description=SECRET, summary=f"Brister inom {area.lower()}.",
                   **more)  # type: ignore[arg-type]


def make_register() -> Register:
    d = date
    providers = [
        _provider("A1", HT, Regi.PRIVAT, d(2015, 1, 1)),
        _provider("A2", HT, Regi.EGEN, d(2015, 1, 1)),
        _provider("B1", SABO, Regi.PRIVAT, d(2015, 1, 1), risk=Risk.HOG, chef=CHEF),
        _provider("N1", HT, Regi.PRIVAT, d(2025, 5, 1)),
        _provider("X1", HT, Regi.PRIVAT, d(2015, 1, 1), namnd="Omsorgsnämnden"),
    ]
    schedule = [
        _row("A1|KVAL|2023", d(2023, 3, 1)), _row("A2|KVAL|2023", d(2023, 4, 1)), _row("B1|KVAL|2023", d(2023, 5, 1)),
        _row("A1|MAN|2023-01", d(2023, 2, 3)),
        _row("A1|KVAL|2024", d(2024, 3, 1)), _row("A1|AVT|2024", d(2024, 6, 1)), _row("A2|KVAL|2024", d(2024, 4, 1)),
        _row("B1|KVAL|2024", d(2024, 5, 1)), _row("B1|HAND|2024-08-20", d(2024, 9, 1)),
        _row("A1|MAN|2024-02", d(2024, 3, 4)),
        # 2025: the adopted plan ...
        _row("A1|KVAL|2025", d(2025, 3, 1), ADOPTED), _row("A2|KVAL|2025", d(2025, 4, 1), ADOPTED),
        _row("B1|KVAL|2025", d(2025, 5, 2), ADOPTED), _row("B1|AVT|2025", None, ADOPTED, status="Utgår"),
        _row("A1|VP|2025", d(2025, 11, 20), ADOPTED), _row("A2|VP|2025", None, ADOPTED),
        # ... and what was added during the year.
        _row("B1|HAND|2025-06-10", d(2025, 7, 1)), _row("N1|FORD|2025", d(2025, 10, 1)),
        _row("N1|KVAL|2025", None, planned=d(2026, 2, 10)), _row("A2|AVT|2025", d(2025, 9, 1), reason="Förhöjd risk"),
        _row("A1|AVT|2025", d(2025, 12, 1)),
        _row("X1|KVAL|2025", d(2025, 3, 1)),
    ]  # fmt: skip
    for i, r in enumerate(schedule, start=2):
        r.row = i
    A, S, F = Category.AVVIKELSE, Category.ALLVARLIG, Category.FORBATTRING
    findings = [
        _f("F1", d(2023, 3, 1), "A1", A, "Dokumentation", requested=d(2023, 3, 3), deadline=d(2023, 4, 3),
           received=d(2023, 3, 30), approved=d(2023, 4, 10), verified=d(2024, 3, 1)),
        _f("F2", d(2023, 4, 1), "A2", F, "Kompetens"),
        _f("F3", d(2023, 5, 1), "B1", A, "Brand", requested=d(2023, 5, 2), deadline=d(2023, 6, 1),
           received=d(2023, 6, 10), approved=d(2023, 6, 20)),
        _f("F4", d(2024, 3, 1), "A1", A, "Dokumentation", requested=d(2024, 3, 4), new_deadline=d(2024, 4, 20),
           received=d(2024, 4, 19), approved=d(2024, 5, 2)),
        _f("F5", d(2024, 5, 1), "B1", A, "brand ", requested=d(2024, 5, 2), deadline=d(2024, 6, 3)),
        _f("F6", d(2024, 4, 1), "A2", A, "Kompetens", requested=d(2024, 4, 2), deadline=d(2024, 5, 2),
           received=d(2024, 4, 25), approved=d(2024, 5, 10)),
        _f("F7", d(2024, 9, 1), "B1", S, "Läkemedel", requested=d(2024, 9, 2), deadline=d(2024, 9, 16),
           received=d(2024, 9, 12), approved=d(2024, 9, 20), verified=d(2025, 2, 1)),
        _f("F8", d(2025, 3, 1), "A1", A, "Dokumentation", requested=d(2025, 3, 3), deadline=d(2025, 4, 2),
           received=d(2025, 4, 1), approved=d(2025, 4, 15)),
        _f("F9", d(2025, 4, 1), "A2", F, "Kompetens"),
        _f("F10", d(2025, 5, 2), "B1", S, "Brand", key="B1|KVAL|2025", notified_chief=d(2025, 5, 3),
           requested=d(2025, 5, 5), request_sent=d(2025, 5, 6), deadline=d(2025, 5, 19),
           reminder_sent=d(2025, 5, 21), new_deadline=d(2025, 6, 2), received=d(2025, 6, 10)),
        _f("F11", d(2025, 10, 1), "N1", A, "Bemanning", requested=d(2025, 10, 2), deadline=d(2025, 11, 3),
           received=d(2025, 10, 30), approved=d(2025, 11, 10), verified=d(2025, 12, 15)),
        _f("F12", d(2025, 12, 10), "A1", A, "Läkemedel", requested=d(2025, 12, 11), deadline=d(2026, 1, 12)),
        _f("F16", d(2025, 8, 1), "B1", F, "Mat och måltider"),
        # Not counted anywhere in the effect section:
        _f("G1", d(2023, 6, 1), "A1", Category.GOTT_EXEMPEL, "Kompetens"),
        _f("T1", d(2024, 2, 1), "A2", Category.FORTYDLIGANDE, "Dokumentation", requested=d(2024, 2, 2)),
        _f("F13", d(2025, 6, 1), "A2", A, "Dokumentation", confirmed=False),
        _f("F14", d(2025, 6, 1), "X1", A, "Dokumentation"),
        _f("F15", d(2026, 1, 5), "A1", A, "Dokumentation"),
    ]  # fmt: skip
    for i, f in enumerate(findings, start=2):
        f.row = i
    events = [
        Event(d(2025, 6, 1), "B1", EventType.LEX_SARAH, SECRET, serious=True, row=2),
        Event(d(2025, 6, 5), "B1", EventType.KLAGOMAL, SECRET, row=3),
        Event(d(2024, 12, 1), "B1", EventType.KLAGOMAL, SECRET, row=4),
    ]
    settings = Settings(kommun="Exempelby kommun", forvaltning="Vård- och omsorgsförvaltningen", avsandare="Eva Strand",
                        diarienummer="VON 2025/17", forvaltningschef="Maria Holm")  # fmt: skip
    return Register(settings=settings, providers=providers, types=list(TYPES), plan=[], focus=[], events=events,
                    findings=findings, schedule=schedule, lists={"Verksamhetsområde": list(DEFAULT_AREAS)})  # fmt: skip

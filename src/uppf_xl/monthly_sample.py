"""Made-up time-registration exports with deviations planted where asked (demo, tests, bench).

Visits follow staff routes: each staff member works through a day's visits in sequence
with travel time between them, so a clean provider has no overlaps, no visits a minute
apart and good continuity. A plant changes exactly one thing for one provider:

    utford_lag   granted time twice the performed (performed 50 % of granted)
    utford_hog   granted time 0.8 of the performed (125 %)
    manuell      40 % of the visits registered manually
    efter        30 % of the visits registered two days afterwards
    dubbel       3 % of the visits registered twice (overlapping times)
    korta        10 % of the visits last three minutes
    tatt         every fifth route has no travel time between visits
    kontinuitet  each customer meets a new pair of staff every day
    samma        one customer has all visits from one staff member

Every identity is fictional: customers get personnummer-shaped numbers with a valid check
digit (so a leak would be caught by the guard too), staff get names.

Example:
    >>> export = generate([("U001", "Omsorg AB")], "2026-03", {"U001": "dubbel"}, customers=4)
    >>> sum(1 for v in export.visits if v["Utförare"] == "U001") > 100
    True
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from stdnum import luhn

PLANTS = ("utford_lag", "utford_hog", "manuell", "efter", "dubbel", "korta", "tatt", "kontinuitet", "samma")
VISIT_COLUMNS = ["Utförare", "Brukare", "Personal", "Datum", "Start", "Slut", "Registreringssätt", "Registrerad"]
GRANTED_COLUMNS = ["Utförare", "Brukare", "Månad", "Beviljad tid (h)"]
FIRST_NAMES = ("Anna", "Åsa", "Sara", "Fatima", "Björn", "Ali", "Johan", "Elin", "Amina", "Karin", "Örjan", "Nadia")
LAST_NAMES = ("Andersson", "Öberg", "Karlsson", "Nilsson", "Åström", "Larsson", "Olsson", "Persson", "Hassan")
TEAM_CUSTOMERS = 8  # customers per team; two staff of the team cover them each day


@dataclass
class Export:
    """Rows of a visits export and of a granted-time export, plus every identity used."""

    month: str
    visits: list[dict[str, str]] = field(default_factory=list)
    granted: list[dict[str, str]] = field(default_factory=list)
    customers: set[str] = field(default_factory=set)
    staff: set[str] = field(default_factory=set)


def _personnummer(rng: random.Random) -> str:
    birth = date(1925, 1, 1) + timedelta(days=rng.randrange(0, 365 * 40))
    head = f"{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return f"{head[:8]}-{head[8:]}{luhn.calc_check_digit(head[2:])}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def generate(providers: list[tuple[str, str]], month: str, plants: dict[str, str] | None = None, customers: int = 16,
             seed: int = 7) -> Export:
    """One month of visits for each (label, name) provider; `label` is what the export names it by."""
    plants = plants or {}
    rng = random.Random(seed)
    year, mon = int(month[:4]), int(month[5:7])
    first = date(year, mon, 1)
    days = ((first.replace(day=28) + timedelta(days=4)).replace(day=1) - first).days
    out = Export(month)
    n = 0
    for label, _name in providers:
        plant = plants.get(label, "")
        people = [_personnummer(rng) for _ in range(customers)]
        while len(set(people)) < customers:
            people = [_personnummer(rng) for _ in range(customers)]
        teams = [people[i:i + TEAM_CUSTOMERS] for i in range(0, customers, TEAM_CUSTOMERS)]
        team_staff = 24 if plant == "kontinuitet" else 4
        staff_names = {
            t: [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {label}-{t}{s:02d}" for s in range(team_staff)]
            for t in range(len(teams))
        }
        performed: dict[str, int] = {}
        loyal = people[0] if plant == "samma" else None
        loyal_staff = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {label}-X"

        def add(customer: str, staff: str, day: date, start: int, minutes: int) -> None:
            nonlocal n
            n += 1
            manual = (n % 40 == 0) if plant != "manuell" else (n % 5 < 2)
            end = start + minutes
            late = 50 * 60 if plant == "efter" and n % 10 < 3 else (30 * 60 if n % 100 == 0 else (90 if manual else 4))
            registered = datetime.combine(day, datetime.min.time()) + timedelta(minutes=end + late)
            row = {
                "Utförare": label, "Brukare": customer, "Personal": staff, "Datum": day.isoformat(),
                "Start": _hhmm(start), "Slut": _hhmm(end), "Registreringssätt": "Manuell" if manual else "Mobil",
                "Registrerad": registered.strftime("%Y-%m-%d %H:%M"),
            }
            out.visits.append(row)
            out.customers.add(customer)
            out.staff.add(staff)
            performed[customer] = performed.get(customer, 0) + minutes
            if plant == "dubbel" and n % 33 == 0:
                twin = dict(row, Start=_hhmm(start + 2), Slut=_hhmm(end + 2))
                out.visits.append(twin)

        for d in range(days):
            day = first + timedelta(days=d)
            if loyal is not None:
                add(loyal, loyal_staff, day, 8 * 60, 30)
                add(loyal, loyal_staff, day, 17 * 60, 30)
            for t, team in enumerate(teams):
                members = [c for c in team if c != loyal]
                crew = staff_names[t]
                if plant == "kontinuitet":
                    pair = [crew[(2 * d) % len(crew)], crew[(2 * d + 1) % len(crew)]]
                else:
                    pair = [crew[d % len(crew)], crew[(d + 1) % len(crew)]]
                for half, staff in enumerate(pair):  # morning and afternoon-evening routes
                    clock = 7 * 60 + half * 8 * 60 + rng.randrange(0, 30)
                    order = members[:]
                    rng.shuffle(order)
                    no_travel = plant == "tatt" and (d + t + half) % 5 == 0
                    for customer in order:
                        minutes = rng.randrange(15, 41)
                        if plant == "korta" and rng.random() < 0.1:
                            minutes = 3
                        add(customer, staff, day, clock, minutes)
                        clock += minutes + (0 if no_travel else rng.randrange(8, 20))
        factor = {"utford_lag": 2.0, "utford_hog": 0.8}.get(plant, 1.1)
        for customer in people:
            hours = performed.get(customer, 0) / 60 * factor
            out.granted.append({"Utförare": label, "Brukare": customer, "Månad": month,
                                "Beviljad tid (h)": f"{hours:.2f}".replace(".", ",")})
    return out


def write_csv(path: object, rows: list[dict[str, str]], columns: list[str], sep: str = ";", encoding: str = "utf-8") -> None:
    """Write rows as an export would: quoted only where needed, decimal comma kept as text."""
    import csv
    from pathlib import Path

    with open(Path(str(path)), "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=sep, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])


def write_xlsx(path: object, rows: list[dict[str, str]], columns: list[str]) -> None:
    """Write rows as an .xlsx export: dates, times and hours as real Excel values."""
    from pathlib import Path

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Export")
    ws.append(columns)
    for row in rows:
        cells: list[object] = []
        for c in columns:
            v = row.get(c, "")
            if c == "Datum":
                cells.append(date.fromisoformat(v))
            elif c in ("Start", "Slut"):
                h, m = (int(x) for x in v.split(":"))
                cells.append(timedelta(hours=h, minutes=m) if h >= 24 else datetime(2000, 1, 1, h, m).time())
            elif c == "Registrerad":
                cells.append(datetime.strptime(v, "%Y-%m-%d %H:%M"))
            elif c == "Beviljad tid (h)":
                cells.append(float(v.replace(",", ".")))
            else:
                cells.append(v)
        ws.append(cells)
    wb.save(Path(str(path)))

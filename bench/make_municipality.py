"""A large fictional municipality for the benchmarks: N providers with findings, events and history.

The workbook is the one `uppf-xl init --demo` makes, scaled up: providers over every service
area and both nämnder, events and findings in proportion (about one event per four providers
and one finding per two), an Årsplan over three years, and the previous year's Årshjul done
(planned by uppf-xl's own planner, then marked Genomförd the way a year of work leaves it).
Everything is derived from a seeded random generator, so a size always gives the same book.

Run:
    python bench/make_municipality.py /tmp/kommun_2000.xlsx --providers 2000 --today 2025-01-10
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from stdnum import luhn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from uppf_xl import contract, demo_data, vocab
from uppf_xl.dates import previous_working_day
from uppf_xl.workbook.initbook import default_tables, write_new_workbook

SIZES = (500, 2000, 8000)
NAMND_AO, NAMND_ON = demo_data.NAMND_AO, demo_data.NAMND_ON
AREA_NAMND = {
    "Hemtjänst": NAMND_AO, "Särskilt boende för äldre": NAMND_AO, "Korttidsboende": NAMND_AO,
    "Dagverksamhet": NAMND_AO, "Öppna mötesplatser": NAMND_AO,
}
# Share of providers per area: home care and housing dominate, as in a real municipality.
AREA_WEIGHTS = {
    "Hemtjänst": 22, "Särskilt boende för äldre": 14, "Korttidsboende": 3, "Dagverksamhet": 5,
    "Bostad med särskild service": 16, "Daglig verksamhet": 11, "Boendestöd": 6, "Korttidsvistelse": 3,
    "Personlig assistans": 12, "Ledsagar- och avlösarservice": 3, "Barnboende": 2, "Öppna mötesplatser": 3,
}
FIRST = ["Anna", "Erik", "Maria", "Johan", "Fatima", "Lars", "Sara", "Ahmed", "Eva", "Karl", "Lina", "Omar",
         "Ingrid", "Nils", "Hanna", "Yasmin", "Per", "Elin", "Mikael", "Sofia", "Tomas", "Amira", "Björn", "Ida"]
LAST = ["Lind", "Persson", "Nilsson", "Holm", "Ali", "Sund", "Berg", "Strand", "Sjöberg", "Dahl", "Ek", "Falk",
        "Vik", "Haddad", "Lund", "Wall", "Björk", "Ström", "Said", "Hed", "Rask", "Ås", "Moberg", "Kvist"]
PLACES = ["Norra", "Södra", "Östra", "Västra", "Centrum", "Hamnen", "Ängen", "Skogen", "Sjöstaden", "Backen",
          "Dalen", "Udden", "Kvarnen", "Heden", "Lunden", "Viken"]
KINDS = {"Hemtjänst": "Hemtjänst", "Särskilt boende för äldre": "Vård- och omsorgsboende",
         "Korttidsboende": "Korttidsboende", "Dagverksamhet": "Dagverksamhet",
         "Bostad med särskild service": "Gruppbostad", "Daglig verksamhet": "Daglig verksamhet",
         "Boendestöd": "Boendestöd", "Korttidsvistelse": "Korttidsvistelse", "Personlig assistans": "Assistans",
         "Ledsagar- och avlösarservice": "Ledsagarservice", "Barnboende": "Barnboende",
         "Öppna mötesplatser": "Träffpunkt"}
AREAS_OF_FINDINGS = contract.LIST_COLUMNS["Område"]
SUMMARIES = {
    "Avvikelse": "Rutinen följdes inte fullt ut vid uppföljningen.",
    "Allvarlig brist": "Allvarliga brister i verksamhetens rutiner.",
    "Förbättringsområde": "Arbetet kan utvecklas och dokumenteras bättre.",
    "Förtydligande": "Redovisningen behöver förtydligas.",
    "Gott exempel": "Ett arbetssätt som kan spridas till andra verksamheter.",
}


def _orgnr(i: int) -> str:
    base = f"55{(i * 7919) % 10_000_000:07d}"
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


TROUBLED_SHARE = 0.12  # the providers that have most of the events and findings
TROUBLED_WEIGHT = 20  # how much more often than the others


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def providers(n: int, today: date, rng: random.Random) -> list[list[object]]:
    """Utförare rows in contract order; one handläggare per about 40 providers."""
    staff = [f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}" for i in range(max(3, n // 40))]
    rows: list[list[object]] = []
    for i in range(1, n + 1):
        area = _pick(rng, AREA_WEIGHTS)
        namnd = AREA_NAMND.get(area, NAMND_ON)
        regi = _pick(rng, {"Privat": 55, "Egen regi": 40, "Idéburen": 5})
        form = {"Privat": rng.choice(["LOV", "LOV", "LOU", "Ramavtal"]), "Egen regi": "Uppdragsbeskrivning",
                "Idéburen": "IOP"}[regi]
        place = PLACES[i % len(PLACES)]
        name = f"{KINDS[area]} {place} {i}" + (" AB" if regi == "Privat" else "")
        start = date(2010 + rng.randrange(0, today.year - 2010), rng.randrange(1, 13), 1)
        end = None
        roll = rng.random()
        if roll < 0.04:  # new this year: a fördjupad uppföljning falls due
            start = date(today.year, rng.randrange(1, 13), 1)
        elif roll < 0.07:  # ended last year or this year
            end = date(today.year - rng.randrange(0, 2), rng.randrange(1, 13), 28)
            if end <= start:
                end = None
        chef = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        rows.append([
            f"U{i:04d}", name, _orgnr(i) if regi != "Egen regi" else None, regi, form, area, namnd, chef,
            f"info@utforare{i}.example", f"0123-{rng.randrange(100000, 999999)}", f"{place}gatan {i % 90 + 1}",
            f"{rng.randrange(100, 999)} {rng.randrange(10, 99)}", "Sjövik", start, end,
            _pick(rng, {"Normal": 80, "Hög": 8, "Låg": 12}), staff[i % len(staff)], None,
        ])
        rows[-1].extend(_contract_columns(rng, regi, form, today))
    return rows


def _contract_columns(rng: random.Random, regi: str, form: str, today: date) -> list[object]:
    """Antal brukare, Avtal till, Förlängning beslut senast, IVO-tillstånd."""
    clients = max(1, int(rng.lognormvariate(3.0, 0.8)))
    contract_end = decision = None
    if form in ("LOU", "Ramavtal"):
        contract_end = date(today.year + rng.randrange(0, 4), 12, 31)
        if rng.random() < 0.3:
            decision = contract_end - timedelta(days=270)
    ivo = "Ej krav" if regi == "Egen regi" else ("Nej" if rng.random() < 0.02 else "Ja")
    return [clients, contract_end, decision, ivo]


def annual_plan(today: date) -> list[list[object]]:
    """KVAL for half of the (nämnd, area) pairs each year, alternating."""
    rows: list[list[object]] = []
    for year in (today.year - 1, today.year, today.year + 1):
        for k, area in enumerate(vocab.DEFAULT_AREAS):
            if (k + year) % 2 == 0:
                rows.append([year, AREA_NAMND.get(area, NAMND_ON), area, "KVAL", "Enligt nämndens uppföljningsplan"])
    return rows


def trouble(ids: list[str]) -> list[float]:
    """How prone each provider is to events and findings: a few providers have most of them, as in
    a real municipality, rather than an even spread (its own generator, so the rest is unchanged)."""
    spread = random.Random(len(ids))
    return [TROUBLED_WEIGHT if spread.random() < TROUBLED_SHARE else 1.0 for _ in ids]


def events(provider_rows: list[list[object]], today: date, rng: random.Random) -> list[list[object]]:
    """About three events per four providers over the last year, most at the troubled few, a few clustered."""
    out: list[list[object]] = []
    ids = [str(r[0]) for r in provider_rows]
    prone = trouble(ids)
    types = vocab.EventType.labels()
    for _ in range(len(ids) * 3 // 4):
        day = today - timedelta(days=rng.randrange(1, 365))
        out.append([day, rng.choices(ids, weights=prone)[0], rng.choice(types), "Händelse enligt rapport från verksamheten",
                    "Ja" if rng.random() < 0.05 else "Nej", "Ja" if (today - day).days > 120 else "Nej"])
    for uid in rng.sample(ids, max(1, len(ids) // 50)):  # three within 90 days: an event-driven follow-up
        for days in (70, 40, 10):
            out.append([today - timedelta(days=days), uid, "Klagomål", "Klagomål från anhörig", "Nej", "Nej"])
    out.sort(key=lambda r: (r[0], r[1]))
    return out


def findings(provider_rows: list[list[object]], history_keys: list[str], today: date,
             rng: random.Random) -> list[list[object]]:
    """About one finding per two providers, in every status, some tied to last year's rows."""
    out: list[list[object]] = []
    ids = [str(r[0]) for r in provider_rows]
    prone = trouble(ids)
    weights = {"Avvikelse": 40, "Förbättringsområde": 30, "Allvarlig brist": 5, "Förtydligande": 10, "Gott exempel": 15}
    for n in range(1, len(ids) // 2 + 1):
        category = _pick(rng, weights)
        age = rng.randrange(3, 400)
        day = previous_working_day(today - timedelta(days=age))
        key = rng.choice(history_keys) if history_keys and age > 60 and rng.random() < 0.3 else None
        uid = key.split("|")[0] if key else rng.choices(ids, weights=prone)[0]
        dates: list[date | None] = [None] * 6  # begärd, senast, inkommen, godkänd, verifierad, rapporterad
        if category != "Gott exempel" and rng.random() < 0.9:
            dates[0] = day + timedelta(days=2)
            if category != "Förtydligande":
                dates[1] = dates[0] + timedelta(days=30)
            step = dates[0]
            for k in (2,) if category == "Förtydligande" else (2, 3, 4, 5):
                step = step + timedelta(days=rng.randrange(10, 40))
                if step >= today or rng.random() < 0.25:
                    break
                dates[k] = step
        out.append([f"I-{day.year}-{n:05d}", day, uid, key, category, rng.choice(AREAS_OF_FINDINGS),
                    "Intern anteckning från uppföljningen.", SUMMARIES[category], *dates, None, None, None])
    return out


def focus_areas(today: date) -> list[list[object]]:
    return [[today.year - 1, "Dokumentation", "Genomförandeplaner och social dokumentation"],
            [today.year, "Systematiskt kvalitetsarbete", "Egenkontroller och förbättringsarbete"],
            [today.year, "Kompetens", "Introduktion av ny personal"]]


def history(tables: dict[str, list[list[object]]], today: date, rng: random.Random) -> list[list[object]]:
    """Last year's Årshjul as uppf-xl plans it, then marked done (about 92 %) as a year leaves it."""
    from uppf_xl import schedule
    from uppf_xl.schedule_sheet import SCHEDULE_FIELDS
    from uppf_xl.workbook import open_workbook

    last_year = today.year - 1
    with tempfile.TemporaryDirectory() as tmp:
        draft = Path(tmp) / "utkast.xlsx"
        write_new_workbook(draft, tables, extra_columns={contract.SETTINGS.name: ["Förklaring"]})
        register = open_workbook(draft).register(date(last_year, 1, 10))
    rows = schedule.plan(register, last_year, date(last_year, 1, 10)).rows
    out: list[list[object]] = []
    for row in rows:
        if row.year != last_year:
            continue
        visit = row.planned or row.proposed
        if visit is not None and rng.random() < 0.92:
            row.done = visit
            row.status = vocab.RowStatus.GENOMFORD.value
            if row.notify_by is not None:
                row.notified = row.notify_by
        out.append([getattr(row, SCHEDULE_FIELDS[h]) or None for h in contract.SCHEDULE.headers])
    return out


def make_municipality(path: Path, n: int = 2000, today: date = date(2025, 1, 10), seed: int = 1) -> dict[str, int]:
    """Write the workbook of an n-provider municipality at `path`; returns the row count per sheet."""
    rng = random.Random(seed * 1_000_003 + n)
    tables = default_tables(today, demo=True)  # settings, rules, questions, and the demo's texts
    tables[contract.PROVIDERS.name] = providers(n, today, rng)
    tables[contract.ANNUAL_PLAN.name] = annual_plan(today)
    tables[contract.FOCUS.name] = focus_areas(today)
    tables[contract.EVENTS.name] = events(tables[contract.PROVIDERS.name], today, rng)
    tables[contract.FINDINGS.name] = []
    tables[contract.SCHEDULE.name] = []
    tables[contract.INFO_REQUESTS.name] = []  # the demo's requests name demo providers
    past = history(tables, today, rng)
    tables[contract.SCHEDULE.name] = past
    done_keys = [str(r[0]) for r in past if r[contract.SCHEDULE.headers.index("Genomförd")] is not None]
    tables[contract.FINDINGS.name] = findings(tables[contract.PROVIDERS.name], done_keys, today, rng)
    write_new_workbook(path, tables, extra_columns={contract.SETTINGS.name: ["Förklaring"]})
    return {name: len(rows) for name, rows in tables.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2025, 1, 10))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    counts = make_municipality(args.out, args.providers, args.today, args.seed)
    print(f"{args.out}: {', '.join(f'{k} {v}' for k, v in counts.items() if v)} ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()

"""The demo municipality, Sjöviks kommun: fictional providers, events and findings.

Every date is placed relative to `today`, so the demo looks current on any day: some
providers are new this year, some have ended, and the findings stand in every status.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from stdnum import luhn

from uppf_xl.dates import add_months, previous_working_day

NAMND_AO = "Äldreomsorgsnämnden"
NAMND_ON = "Omsorgsnämnden"
NAMNDER = (NAMND_AO, NAMND_ON)

SETTINGS = {
    "Kommun": "Sjöviks kommun",
    "Förvaltning": "Vård- och omsorgsförvaltningen",
    "Avsändare": "Karin Ek",
    "Titel": "Verksamhetsstrateg",
    "Telefon": "0123-456 70",
    "E-post": "karin.ek@sjovik.example",
    "Postadress": "Box 100, 123 45 Sjövik",
    "Diarienummer": "VON {year}/112",
    "Förvaltningschef": "Anders Lind",
    "Förvaltningschef e-post": "anders.lind@sjovik.example",
}

STAFF = ["Karin Ek", "Ahmed Rashid", "Lena Berg"]


def handlers() -> list[list[object]]:
    """Handläggare rows: the three administrators whose contact their letters carry."""
    return [
        ["Karin Ek", "Verksamhetsstrateg", "karin.ek@sjovik.example", "0123-456 70", "Ja"],
        ["Ahmed Rashid", "Avtalscontroller", "ahmed.rashid@sjovik.example", "0123-456 71", "Ja"],
        ["Lena Berg", "Medicinskt ansvarig sjuksköterska", "lena.berg@sjovik.example", "0123-456 72", "Ja"],
    ]

# Name, regi, avtalsform, area, nämnd, risk; the order gives the UtförarID.
_PROVIDERS: list[tuple[str, str, str, str, str, str]] = [
    ("Omsorgshuset Linnea AB", "Privat", "LOV", "Hemtjänst", NAMND_AO, "Normal"),
    ("Hemtjänst Norra (egen regi)", "Egen regi", "Uppdragsbeskrivning", "Hemtjänst", NAMND_AO, "Normal"),
    ("Hemtjänst Södra (egen regi)", "Egen regi", "Uppdragsbeskrivning", "Hemtjänst", NAMND_AO, "Låg"),
    ("Trygga Händer Omsorg AB", "Privat", "LOV", "Hemtjänst", NAMND_AO, "Hög"),
    ("Vardagshjälpen i Sjövik AB", "Privat", "LOV", "Hemtjänst", NAMND_AO, "Normal"),
    ("Solgläntans hemtjänst AB", "Privat", "LOV", "Hemtjänst", NAMND_AO, "Normal"),
    ("Björkhagens vård- och omsorgsboende", "Egen regi", "Uppdragsbeskrivning", "Särskilt boende för äldre", NAMND_AO, "Normal"),
    ("Sjöbergas äldreboende", "Egen regi", "Uppdragsbeskrivning", "Särskilt boende för äldre", NAMND_AO, "Normal"),
    ("Attendo-liknande Ekbacken AB", "Privat", "LOU", "Särskilt boende för äldre", NAMND_AO, "Hög"),
    ("Strandängens omsorgsboende AB", "Privat", "LOU", "Särskilt boende för äldre", NAMND_AO, "Normal"),
    ("Korttidsboendet Måsen", "Egen regi", "Uppdragsbeskrivning", "Korttidsboende", NAMND_AO, "Normal"),
    ("Dagverksamheten Ljuspunkten", "Egen regi", "Uppdragsbeskrivning", "Dagverksamhet", NAMND_AO, "Låg"),
    ("Minnescentrum Dagvård AB", "Privat", "LOU", "Dagverksamhet", NAMND_AO, "Normal"),
    ("Träffpunkt Hamnen", "Idéburen", "IOP", "Öppna mötesplatser", NAMND_AO, "Låg"),
    ("Seniorcaféet Kastanjen", "Egen regi", "Uppdragsbeskrivning", "Öppna mötesplatser", NAMND_AO, "Låg"),
    ("Omsorg i Hemmet Norden AB", "Privat", "LOV", "Hemtjänst", NAMND_AO, "Normal"),
    ("Gruppbostaden Lärkan", "Egen regi", "Uppdragsbeskrivning", "Bostad med särskild service", NAMND_ON, "Normal"),
    ("Gruppbostaden Tallen", "Egen regi", "Uppdragsbeskrivning", "Bostad med särskild service", NAMND_ON, "Normal"),
    ("Servicebostaden Vågen AB", "Privat", "LOU", "Bostad med särskild service", NAMND_ON, "Hög"),
    ("Nya Steg Boende AB", "Privat", "LOU", "Bostad med särskild service", NAMND_ON, "Normal"),
    ("Daglig verksamhet Verkstan", "Egen regi", "Uppdragsbeskrivning", "Daglig verksamhet", NAMND_ON, "Normal"),
    ("Kreativa Händer Daglig verksamhet AB", "Privat", "LOV", "Daglig verksamhet", NAMND_ON, "Normal"),
    ("Gröna Gården Daglig verksamhet AB", "Privat", "LOV", "Daglig verksamhet", NAMND_ON, "Normal"),
    ("Boendestöd Sjövik (egen regi)", "Egen regi", "Uppdragsbeskrivning", "Boendestöd", NAMND_ON, "Normal"),
    ("Stödpartner Boendestöd AB", "Privat", "LOV", "Boendestöd", NAMND_ON, "Normal"),
    ("Korttidsvistelsen Ekorren", "Egen regi", "Uppdragsbeskrivning", "Korttidsvistelse", NAMND_ON, "Normal"),
    ("Assistanspartner Mitt AB", "Privat", "LOV", "Personlig assistans", NAMND_ON, "Hög"),
    ("Personlig Assistans Sjövik (egen regi)", "Egen regi", "Uppdragsbeskrivning", "Personlig assistans", NAMND_ON, "Normal"),
    ("Ledsagarservice Följeslagaren AB", "Privat", "LOV", "Ledsagar- och avlösarservice", NAMND_ON, "Låg"),
    ("Barnboendet Regnbågen", "Egen regi", "Uppdragsbeskrivning", "Barnboende", NAMND_ON, "Normal"),
    ("Stiftelsen Öppen Dörr", "Idéburen", "IOP", "Daglig verksamhet", NAMND_ON, "Normal"),
    ("Hemtjänst Väst (egen regi)", "Egen regi", "Uppdragsbeskrivning", "Hemtjänst", NAMND_AO, "Normal"),
]
_CHEFS = [
    "Maria Lind", "Johan Persson", "Sara Nilsson", "Erik Holm", "Fatima Ali", "Peter Sund", "Anna Berglund",
    "Mikael Strand", "Eva Sjöberg", "Lars Dahl", "Nora Ek", "Jonas Falk", "Helena Vik", "Omar Haddad",
    "Ingrid Lund", "Tomas Wall", "Sofia Björk", "Karl Ström", "Amira Said", "Olof Hed", "Linnea Rask",
    "Viktor Ås", "Elin Moberg", "Daniel Kvist", "Maja Hellström", "Stefan Rud", "Yasmin Noor", "Per Ljung",
    "Camilla Ros", "Hanna Ek", "Björn Tuvesson", "Ida Granlund",
]
_STREETS = ["Storgatan", "Sjövägen", "Kyrkogatan", "Hamngatan", "Skolvägen", "Parkgatan", "Björkvägen", "Ängsvägen"]


def _orgnr(i: int) -> str:
    base = f"55{6600 + i * 37:04d}{100 + i * 7 % 900:03d}"[:9]
    return f"{base[:6]}-{base[6:]}{luhn.calc_check_digit(base)}"


def _email(name: str) -> str:
    table = str.maketrans("åäöéÅÄÖÉ", "aaoeAAOE")
    word = "".join(ch for ch in name.translate(table).lower() if ch.isalnum() or ch == " ").split()
    return f"info@{''.join(word[:2])}.example"


def providers(today: date) -> list[list[object]]:
    """Utförare rows in contract order."""
    year = today.year
    rows: list[list[object]] = []
    for i, (name, regi, form, area, namnd, risk) in enumerate(_PROVIDERS, start=1):
        start = date(2014 + i % 9, 1 + i % 12, 1)
        end = None
        if i in (6, 25):  # new this year: a fördjupad uppföljning falls due
            start = date(year, 2 if i == 6 else 3, 1)
        if i == 16:  # contract ended last spring
            end = date(year, 4, 30)
        if i == 29:  # ended the year before
            end = date(year - 1, 12, 31)
        if i == 32:  # started last autumn
            start = date(year - 1, 10, 1)
        rows.append([
            f"U{i:03d}", name, _orgnr(i) if regi != "Egen regi" else None, regi, form, area, namnd, _CHEFS[i - 1],
            _email(name), f"0123-{400 + i:03d} {10 + i:02d}", f"{_STREETS[i % 8]} {i + 2}", f"123 {40 + i:02d}", "Sjövik",
            start, end, risk, STAFF[i % 3], None,
        ])
        rows[-1].extend(_contract_columns(i, regi, form, area, today))
    return rows


# Antal brukare per area (a typical unit), scaled per provider below.
_VOLUMES = {"Hemtjänst": 60, "Särskilt boende för äldre": 40, "Korttidsboende": 14, "Dagverksamhet": 18,
            "Öppna mötesplatser": 0, "Bostad med särskild service": 6, "Daglig verksamhet": 20, "Boendestöd": 25,
            "Korttidsvistelse": 8, "Personlig assistans": 12, "Ledsagar- och avlösarservice": 15, "Barnboende": 4}


def _contract_columns(i: int, regi: str, form: str, area: str, today: date) -> list[object]:
    """Antal brukare, Avtal till, Förlängning beslut senast, IVO-tillstånd for provider number `i`."""
    base = _VOLUMES.get(area, 10)
    clients = base * (3 if i == 4 else 1) + (i * 7) % max(base // 2, 1) if base else None  # U004 is the big one
    contract_end = decision = None
    if form == "LOU":  # procured contracts run four years and may be prolonged
        contract_end = date(today.year + (i % 3), 12, 31)
        decision = add_months(today, 4 + i % 5) if i in (10, 19) else None
    elif form == "LOV":
        contract_end = add_months(today, 5) if i == 22 else None
    ivo = "Ej krav" if regi == "Egen regi" or area in ("Öppna mötesplatser",) else "Ja"
    if i == 23:  # the permit has not come through
        ivo = "Nej"
    return [clients, contract_end, decision, ivo]


def annual_plan(today: date) -> list[list[object]]:
    """Årsplan rows: the rolling plan of the quality follow-up (KVAL) over two years."""
    y = today.year
    plan = {
        y - 1: {NAMND_AO: ["Hemtjänst", "Dagverksamhet"], NAMND_ON: ["Bostad med särskild service", "Personlig assistans"]},
        y: {NAMND_AO: ["Hemtjänst", "Särskilt boende för äldre", "Öppna mötesplatser"],
            NAMND_ON: ["Daglig verksamhet", "Korttidsvistelse"]},
        y + 1: {NAMND_AO: ["Hemtjänst", "Korttidsboende", "Dagverksamhet"],
                NAMND_ON: ["Bostad med särskild service", "Boendestöd", "Barnboende"]},
    }
    return [[year, namnd, area, "KVAL", "Enligt nämndens uppföljningsplan"]
            for year, by_namnd in plan.items() for namnd, areas in by_namnd.items() for area in areas]


def focus_areas(today: date) -> list[list[object]]:
    y = today.year
    return [
        [y - 1, "Dokumentation", "Genomförandeplaner och social dokumentation"],
        [y, "Systematiskt kvalitetsarbete", "Egenkontroller, avvikelsehantering och förbättringsarbete"],
        [y, "Kompetens", "Utbildning och introduktion av ny personal"],
        [y, "Delaktighet och självbestämmande", "Den enskildes inflytande över insatsen"],
    ]


def events(today: date) -> list[list[object]]:
    """Händelser: a serious one, a cluster of three, a handled one and some singles."""
    def ago(days: int) -> date:
        return today - timedelta(days=days)

    return [
        [ago(70), "U004", "Klagomål", "Anhörig klagar på uteblivna besök", "Nej", "Nej"],
        [ago(45), "U004", "Avvikelse", "Missad insulininsats enligt avvikelserapport", "Nej", "Nej"],
        [ago(20), "U004", "Klagomål", "Brukare uppger att personalen inte talar svenska", "Nej", "Nej"],
        [ago(12), "U019", "Lex Sarah", "Rapport om allvarligt missförhållande i bemötande", "Ja", "Nej"],
        [ago(160), "U009", "Lex Maria", "Fallolycka med fraktur, anmäld till IVO", "Ja", "Ja"],
        [ago(30), "U013", "Budgetavvikelse", "Fakturerad tid avviker från beviljad tid", "Nej", "Nej"],
        [ago(8), "U022", "Media", "Artikel i lokaltidningen om personalbrist", "Nej", "Nej"],
        [ago(200), "U010", "Organisationsförändring", "Ny verksamhetschef", "Nej", "Ja"],
        [ago(95), "U020", "Lex Sarah", "Rapport om brister i tillsynen nattetid", "Nej", "Ja"],
        [ago(33), "U020", "Lex Sarah", "Rapport om utebliven insats", "Nej", "Nej"],
        [ago(140), "U005", "Klagomål", "Anhörig klagar på sena besök", "Nej", "Ja"],
        [ago(60), "U016", "Lex Maria", "Läkemedel gavs till fel brukare", "Ja", "Ja"],
    ]


def findings(today: date) -> list[list[object]]:
    """Iakttagelser in every status, in contract order (tool-owned columns left empty)."""
    def ago(days: int) -> date:
        return previous_working_day(today - timedelta(days=days))

    y = today.year
    rows: list[list[object]] = []

    def add(fid: str, day: date, uid: str, cat: str, area: str, text: str, summary: str,
            req: date | None = None, dl: date | None = None, rec: date | None = None,
            app: date | None = None, ver: date | None = None, rep: date | None = None,
            sent: bool = True, notified: date | None = None) -> None:
        # Begäran skickad: the request went out the day it was made, except for the newest ones.
        rows.append([fid, day, uid, None, cat, area, text, summary, req, dl, rec, app, ver, rep, None, None, None,
                     req if sent else None, None, None, notified])

    add(f"I-{y}-001", ago(40), "U001", "Avvikelse", "Dokumentation",
        "Genomförandeplaner saknas för 4 av 10 granskade brukare.",
        "Genomförandeplaner saknades för flera brukare.", ago(38), ago(38) + timedelta(days=30))
    add(f"I-{y}-002", ago(90), "U004", "Avvikelse", "Kompetens",
        "Introduktion av nyanställda dokumenteras inte.",
        "Introduktion av nyanställda dokumenterades inte.", ago(88), ago(58))
    add(f"I-{y}-003", ago(120), "U005", "Förbättringsområde", "Systematiskt kvalitetsarbete",
        "Egenkontrollerna följs inte upp i ledningsgruppen.",
        "Egenkontrollerna följs inte upp systematiskt.", ago(118), ago(88), ago(95))
    add(f"I-{y}-004", ago(150), "U009", "Allvarlig brist", "Hälso- och sjukvård",
        "Brukare 19121212-1212 fick fel läkemedel två dagar i rad; MAS informerad.",
        "Läkemedelshanteringen hade allvarliga brister.", ago(149), ago(120), ago(125), ago(110),
        notified=ago(149))
    add(f"I-{y}-005", ago(200), "U010", "Avvikelse", "Brand",
        "Brandskyddsrond saknas sedan ett år.",
        "Systematiskt brandskyddsarbete saknades.", ago(198), ago(168), ago(175), ago(160), ago(60))
    add(f"I-{y}-006", ago(300 if today.timetuple().tm_yday > 300 else 100), "U017", "Avvikelse", "Mat och måltider",
        "Nattfastan överstiger elva timmar.",
        "Nattfastan var för lång.", ago(95), ago(65), ago(70), ago(60), ago(30), ago(20))
    add(f"I-{y}-007", ago(60), "U012", "Gott exempel", "Delaktighet och självbestämmande",
        "Brukarråd varje månad där deltagarna själva sätter dagordningen.",
        "Brukarråd där deltagarna själva sätter dagordningen.")
    add(f"I-{y}-008", ago(25), "U021", "Förtydligande", "Avtal och ekonomi",
        "Oklart hur timmar redovisas vid frånvaro.",
        "Redovisning av tid vid frånvaro behöver förtydligas.", ago(24))
    add(f"I-{y}-009", ago(50), "U022", "Förtydligande", "Bemanning",
        "Bemanningen nattetid framgår inte av schemat.",
        "Bemanning nattetid behövde förtydligas.", ago(48), None, ago(35))
    add(f"I-{y}-010", ago(10), "U019", "Allvarlig brist", "Delaktighet och självbestämmande",
        "Kränkande bemötande enligt lex Sarah-rapport.",
        "Allvarlig brist i bemötandet enligt rapport om missförhållande.")
    add(f"I-{y}-011", ago(6), "U027", "Avvikelse", "Bemanning",
        "Assistenter saknar introduktion i delegering.", "Delegeringsrutinerna följdes inte.", ago(5), sent=False)
    add(f"I-{y}-012", ago(80), "U018", "Gott exempel", "Kompetens",
        "All personal har gått utbildning i lågaffektivt bemötande.",
        "All personal har utbildats i lågaffektivt bemötande.")
    add(f"I-{y}-013", ago(75), "U013", "Allvarlig brist", "Avtal och ekonomi",
        "Fakturerad tid överstiger utförd tid med 30 procent.",
        "Fakturerad tid översteg utförd tid.", ago(72), ago(42))
    add(f"I-{y}-014", ago(35), "U003", "Förbättringsområde", "Dokumentation",
        "Social dokumentation är knapphändig.", "", ago(33), ago(3), ago(4), ago(2))
    # A request for clarification just made: the letter "Begäran om förtydligande" is due.
    add(f"I-{y}-015", ago(4), "U024", "Förtydligande", "Avtal och ekonomi",
        "Hur beräknas debiterad tid när en insats ställs in samma dag?",
        "Beräkningen av debiterad tid vid inställda insatser behöver förtydligas.", ago(2), sent=False)
    return rows


def history(today: date) -> list[dict[str, object]]:
    """Årshjul rows of last year, done: the history that intervals count from."""
    y = today.year - 1
    rows = []
    for i, (name, _regi, _form, area, namnd, _risk) in enumerate(_PROVIDERS, start=1):
        if i % 2 == 0 or i == 29:
            continue
        done = previous_working_day(add_months(date(y, 3, 10), i % 8))
        rows.append({
            "Nyckel": f"U{i:03d}|AVT|{y}", "UtförarID": f"U{i:03d}", "Utförare": name, "Verksamhetsområde": area,
            "Nämnd": namnd, "TypID": "AVT", "Uppföljning": "Avtalsuppföljning", "Period": str(y),
            "Senast": date(y, 10, 31), "Föreslaget datum": done,
            "Kallas senast": previous_working_day(done - timedelta(days=45)),
            "Kallelse skickad": previous_working_day(done - timedelta(days=47)), "Genomförd": done, "Status": "Genomförd",
            "Ansvarig": STAFF[i % 3],
        })
    return rows


# ---------------------------------------------------------------- insyn: Kolada and information requests
KOLADA_MUNICIPALITY = "1899"  # Sjövik's made-up municipality code in Kolada
# UtförarID -> the unit's Kolada-ID (V21: hemtjänst, V23: särskilt boende), for the areas Kolada covers.
KOLADA_IDS = {
    "U001": "V21E18990101", "U002": "V21E18990102", "U003": "V21E18990103", "U004": "V21E18990104",
    "U005": "V21E18990105", "U006": "V21E18990106", "U032": "V21E18990132",
    "U007": "V23E18990207", "U008": "V23E18990208", "U009": "V23E18990209", "U010": "V23E18990210",
}
# KPI id, name, kind (V21 or V23), municipality and country value in the last year.
KOLADA_KPIS = [
    ("U21468", "Brukarbedömning hemtjänst äldreomsorg – helhetssyn, andel (%)", "V21", 86.0, 87.0),
    ("U21401", "Personalkontinuitet hemtjänst, antal personal en brukare möter under 14 dagar", "V21", 15.0, 16.0),
    ("U23471", "Brukarbedömning särskilt boende äldreomsorg – helhetssyn, andel (%)", "V23", 80.0, 81.0),
]


def add_kolada_ids(rows: list[list[object]]) -> None:
    """Write the demo's Kolada-IDs into Utförare rows in contract order."""
    from uppf_xl.contract import PROVIDERS

    col = PROVIDERS.headers.index("Kolada-ID")
    for row in rows:
        kolada_id = KOLADA_IDS.get(str(row[0]))
        if kolada_id:
            row.extend([None] * (col + 1 - len(row)))
            row[col] = kolada_id


def kolada_sample(year: int) -> list[tuple[str, str, str, str, int, str, float | None]]:
    """Made-up Kolada values: (kpi, title, unit id or "", municipality code, year, gender, value).

    Two years; units with their total and by gender, then the municipality and the country.
    """
    out: list[tuple[str, str, str, str, int, str, float | None]] = []
    for y in (year - 1, year):
        for n, (kpi, title, kind, kommun, riket) in enumerate(KOLADA_KPIS):
            shift = 0.0 if y == year else -1.0
            for i, (uid, ou) in enumerate(sorted(KOLADA_IDS.items())):
                if not ou.startswith(kind):
                    continue
                base = kommun + ((i * 7 + n * 3) % 11) - 5 + shift
                if uid == "U032" and y < year:
                    continue  # started last autumn: no value the year before
                value: float | None = None if (uid == "U006" and kpi == "U21401") else round(base, 1)
                out.append((kpi, title, ou, KOLADA_MUNICIPALITY, y, "T", value))
                if value is not None and kpi != "U21401":
                    out.append((kpi, title, ou, KOLADA_MUNICIPALITY, y, "K", round(value + 1.5, 1)))
                    out.append((kpi, title, ou, KOLADA_MUNICIPALITY, y, "M", round(value - 2.5, 1)))
            for place, v in ((KOLADA_MUNICIPALITY, kommun + shift), ("0000", riket + shift)):
                out.append((kpi, title, "", place, y, "T", v))
                if kpi != "U21401":
                    out.append((kpi, title, "", place, y, "K", v + 1.0))
                    out.append((kpi, title, "", place, y, "M", v - 2.0))
    return out


def info_requests(today: date) -> list[list[object]]:
    """Informationsbegäran rows in contract order: one to send, one waiting, one late, one answered."""
    def ago(days: int) -> date:
        return previous_working_day(today - timedelta(days=days))

    y = today.year
    return [
        [f"B-{y}-01", ago(2), "U001", "Antal klagomål och hur de hanterats under året; rutin för synpunkter och klagomål",
         None, None, None, None],
        [f"B-{y}-02", ago(10), "U009", "Bemanning per avdelning och dygnspass senaste månaden", None, ago(9), None, None],
        [f"B-{y}-03", ago(60), "U013", "Redovisning av personalens utbildning i demens; verksamhetsberättelse för förra året",
         ago(30), ago(59), None, None],
        [f"B-{y}-04", ago(120), "U004", "Resultat av egenkontroller av läkemedelshantering", None, ago(119), ago(95), None],
    ]


def write_kolada_sample(folder: Path, year: int) -> list[Path]:
    """The made-up Kolada values as Kolada gives them: API JSON (three answers) and a web CSV.

    Both describe the same values, so `kolada-in` on either gives the same Nyckeltal.
    """
    import csv
    import json

    folder.mkdir(parents=True, exist_ok=True)
    values = kolada_sample(year)

    def grouped(place_key: str, unit: bool) -> list[dict[str, object]]:
        items: dict[tuple[str, str, int], list[dict[str, object]]] = {}
        for kpi, _title, ou, kommun, y, gender, value in values:
            if bool(ou) != unit:
                continue
            items.setdefault((kpi, ou if unit else kommun, y), []).append(
                {"count": 1, "gender": gender, "status": "", "value": value})
        return [{"kpi": k, place_key: p, "period": y, "values": v} for (k, p, y), v in sorted(items.items())]

    oudata, data = grouped("ou", True), grouped("municipality", False)
    titles = sorted({(kpi, title) for kpi, title, *_ in values})
    kpi_meta = [{"id": k, "title": t, "is_divided_by_gender": 0 if k == "U21401" else 1, "has_ou_data": True} for k, t in titles]
    files = {
        f"kolada_oudata_{year}.json": {"count": len(oudata), "values": oudata, "next_page": None},
        f"kolada_data_{year}.json": {"count": len(data), "values": data, "next_page": None},
        "kolada_kpi.json": {"count": len(kpi_meta), "values": kpi_meta},
    }
    written = []
    for name, doc in files.items():
        path = folder / name
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    names = {p[0]: p[1] for p in _provider_names()}
    csv_path = folder / f"kolada_nedladdning_{year}.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Nyckeltals-ID", "Nyckeltal", "Enhets-ID", "Enhet", "Kommun-ID", "Kommun", "År", "Kön", "Värde"])
        gender_word = {"T": "Totalt", "K": "Kvinnor", "M": "Män"}
        for kpi, title, ou, kommun, y, gender, value in values:
            unit_name = names.get(next((u for u, o in KOLADA_IDS.items() if o == ou), ""), "")
            place = "Riket" if kommun == "0000" else "Sjövik"
            shown = "" if value is None else f"{value:.1f}".replace(".", ",")
            w.writerow([kpi, title, ou, unit_name, "" if not ou and kommun == "0000" else kommun, place, y,
                        gender_word[gender], shown])
    written.append(csv_path)
    return written


def _provider_names() -> list[tuple[str, str]]:
    return [(f"U{i:03d}", p[0]) for i, p in enumerate(_PROVIDERS, start=1)]
CASE_ID = "I-{year}-013"  # the serious deficiency not remedied: the demo's case report


def meetings(today: date) -> list[list[object]]:
    """Sammanträden of both nämnder this year and next: Nämnd, Datum, Sista dag för ärenden, Rapport.

    The annual report goes to the February meeting, the delårsrapporter T1 and T2 to the
    June and October meetings; the other meetings ask for no report.
    """
    rows: list[list[object]] = []
    asks = {2: "år", 6: "T1", 10: "T2"}
    for year in (today.year, today.year + 1):
        for month in (2, 4, 6, 8, 10, 12):
            for offset, namnd in enumerate(NAMNDER):
                day = previous_working_day(date(year, month, 20 + 7 * offset))
                rows.append([namnd, day, previous_working_day(day - timedelta(days=14)), asks.get(month)])
    return rows


def earlier_findings(today: date) -> list[list[object]]:
    """Iakttagelser of the two years before, so the yearly report's effect section has a history.

    Some themes come back at the same provider after an approved plan (recurring findings);
    plans come in on time or late, and some are verified.
    """
    rows: list[list[object]] = []
    for back in (2, 1):
        y = today.year - back
        for n, (uid, cat, area, found, days, late, verified) in enumerate([
            ("U001", "Avvikelse", "Dokumentation", (3, 12), 40, False, True),
            ("U004", "Avvikelse", "Kompetens", (4, 9), 55, back == 1, False),
            ("U009", "Avvikelse", "Hälso- och sjukvård", (5, 14), 35, False, back == 2),
            ("U010", "Förbättringsområde", "Brand", (9, 17), 30, False, False),
            ("U013", "Avvikelse", "Avtal och ekonomi", (10, 8), 60 if back == 1 else 45, back == 1, False),
            ("U019", "Avvikelse", "Bemanning", (3, 20), 28, False, True),
            ("U022", "Avvikelse", "Dokumentation", (6, 2), 33, back == 2, back == 2),
            ("U027", "Förbättringsområde", "Kompetens", (11, 5), 25, False, False),
        ][: 5 + back]):
            day = previous_working_day(date(y, *found))
            req = previous_working_day(day + timedelta(days=2))
            deadline = previous_working_day(req + timedelta(days=30))
            received = deadline + timedelta(days=6 if late else -3)
            approved = max(previous_working_day(req + timedelta(days=days)), received + timedelta(days=3))
            ver = previous_working_day(approved + timedelta(days=120)) if verified else None
            summary = f"{area}: brister som krävde åtgärdsplan ({y})."
            rows.append([f"I-{y}-{n + 1:03d}", day, uid, None, cat, area, f"Intern anteckning {y}.", summary,
                         req, deadline, received, approved, ver, date(y, 12, 10), None, None, None])
    return rows

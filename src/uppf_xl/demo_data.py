"""The demo municipality, Sjöviks kommun: fictional providers, events and findings.

Every date is placed relative to `today`, so the demo looks current on any day: some
providers are new this year, some have ended, and the findings stand in every status.
"""

from __future__ import annotations

from datetime import date, timedelta

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
}

STAFF = ["Karin Ek", "Ahmed Rashid", "Lena Berg"]

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
    return rows


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
    ]


def findings(today: date) -> list[list[object]]:
    """Iakttagelser in every status, in contract order (tool-owned columns left empty)."""
    def ago(days: int) -> date:
        return previous_working_day(today - timedelta(days=days))

    y = today.year
    rows: list[list[object]] = []

    def add(fid: str, day: date, uid: str, cat: str, area: str, text: str, summary: str,
            req: date | None = None, dl: date | None = None, rec: date | None = None,
            app: date | None = None, ver: date | None = None, rep: date | None = None) -> None:
        rows.append([fid, day, uid, None, cat, area, text, summary, req, dl, rec, app, ver, rep, None, None, None])

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
        "Läkemedelshanteringen hade allvarliga brister.", ago(149), ago(120), ago(125), ago(110))
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
        "Assistenter saknar introduktion i delegering.", "Delegeringsrutinerna följdes inte.", ago(5))
    add(f"I-{y}-012", ago(80), "U018", "Gott exempel", "Kompetens",
        "All personal har gått utbildning i lågaffektivt bemötande.",
        "All personal har utbildats i lågaffektivt bemötande.")
    add(f"I-{y}-013", ago(75), "U013", "Allvarlig brist", "Avtal och ekonomi",
        "Fakturerad tid överstiger utförd tid med 30 procent.",
        "Fakturerad tid översteg utförd tid.", ago(72), ago(42))
    add(f"I-{y}-014", ago(35), "U003", "Förbättringsområde", "Dokumentation",
        "Social dokumentation är knapphändig.", "", ago(33), ago(3), ago(4), ago(2))
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

"""Default content of a new workbook: the follow-up rules of a typical municipality.

Rows are in the header order of the contract's sheets, so they can be written as they are.
"""

from __future__ import annotations

from typing import Any

from uppf_xl import contract

# TypID, Namn, Verksamhetsområden, Regi, Intervall, Månad, Intervall vid hög risk, Besök,
# Kallelse dagar före, Ansvarig roll, Mall, Underlag, Underlag dagar före, Bilagor, Aktiv, Intervall vid låg risk
_SUBMIT = "Bemanningsschema för fyra veckor;Sammanställning av klagomål;Rapporter enligt lex Sarah och lex Maria;Senaste egenkontrollerna"
DEFAULT_TYPES: list[list[object]] = [
    ["AVT", "Avtalsuppföljning", "Alla", "Alla", "Vartannat år", 10, "År", "Ja", 45, "Strateg", "kallelse.docx",
     _SUBMIT + ";Patientsäkerhetsberättelse", 14, "Metodstöd avtalsuppföljning", "Ja"],
    ["KVAL", "Kvalitetsuppföljning", "Alla", "Alla", "År", None, "Tertial", "Ja", 45, "Strateg", "kallelse.docx",
     _SUBMIT, 14, "Metodstöd kvalitetsuppföljning", "Ja", "Vartannat år"],
    ["MAN", "Månadsuppföljning", "Hemtjänst", "Alla", "Månad", None, None, "Nej", None, "Controller", "",
     "Registrerad tid och utförda besök", None, "", "Ja"],
    ["EGEN", "Egenkontroll", "Alla", "Alla", "Tertial", None, None, "Nej", None, "Strateg", "",
     "Redovisning av egenkontroller", None, "", "Ja"],
    ["VP", "Verksamhetsplan", "Alla", "Alla", "År", 11, None, "Nej", None, "Strateg", "", "Verksamhetsplan", None, "", "Ja"],
    ["VB", "Verksamhetsberättelse", "Alla", "Alla", "År", 2, None, "Nej", None, "Strateg", "", "Verksamhetsberättelse",
     None, "", "Ja"],
    ["PSB", "Patientsäkerhetsberättelse",
     "Hemtjänst;Särskilt boende för äldre;Korttidsboende;Dagverksamhet;Bostad med särskild service", "Alla", "År", 3,
     None, "Nej", None, "MAS", "", "Patientsäkerhetsberättelse", None, "", "Ja"],
    ["BRUK", "Brukarundersökning", "Alla", "Alla", "År", 5, None, "Nej", None, "Strateg", "",
     "Resultat av brukarundersökning", None, "", "Ja"],
    ["EKON", "Ekonomisk kontroll", "Alla", "Privat", "År", 9, None, "Nej", None, "Controller", "",
     "Intyg om betalda skatter och avgifter;Årsredovisning", None, "", "Ja"],
    ["FORD", "Fördjupad uppföljning", "Alla", "Alla", "Vid start", None, None, "Ja", 30, "Strateg", "kallelse.docx",
     _SUBMIT + ";Rutiner för dokumentation", 10, "Metodstöd fördjupad uppföljning", "Ja"],
    ["HAND", "Händelsestyrd uppföljning", "Alla", "Alla", "Vid behov", None, None, "Ja", 14, "Strateg", "kallelse.docx",
     "Utredning av händelsen;Vidtagna åtgärder", 5, "", "Ja"],
]


def default_settings(year: int) -> list[list[Any]]:
    """Inställning, Värde, Förklaring rows for a new workbook (day-month settings as text)."""
    rows: list[list[Any]] = []
    for s in contract.SETTING_DEFS:
        value = year if s.key == "Planår" else s.default
        rows.append([s.key, value if value != "" else None, s.help])
    return rows


def default_risk_model() -> list[list[Any]]:
    """Riskmodell's rows in a new workbook: Signal, Poäng, Förklaring (see uppf_xl.risk)."""
    from uppf_xl import risk

    return risk.default_rows()
# Fält, Kolumn i exporten, Värden: a generic time-registration export. A municipality whose
# system names its columns otherwise writes its own names in Kolumn i exporten. Värden: on
# Registrering the export's words for a manual registration; on Slut "klockslag" or "minuter"
# (the column holds the visit's length); on Beviljad tid "timmar" or "minuter".
DEFAULT_IMPORT_FORMAT: list[list[object]] = [
    ["Utförare", "Utförare", ""],
    ["Brukare", "Brukare", ""],
    ["Personal", "Personal", ""],
    ["Datum", "Datum", ""],
    ["Start", "Start", ""],
    ["Slut", "Slut", "klockslag"],
    ["Registrering", "Registreringssätt", "Manuell;Manuellt;Manuell registrering"],
    ["Registrerad", "Registrerad", ""],
    ["Månad", "Månad", ""],
    ["Beviljad tid", "Beviljad tid (h)", "timmar"],
]

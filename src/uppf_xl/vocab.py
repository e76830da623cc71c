"""Closed vocabularies of the workbook contract, as enums whose values are the Swedish labels.

Example:
    >>> Regi("Egen regi") is Regi.EGEN
    True
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

L = TypeVar("L", bound="Label")


class Label(str, Enum):
    """An enum whose value is the label the user sees."""

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def labels(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def of(cls: type[L], label: str) -> L | None:
        """The member whose label is `label`, else None."""
        return cls._value2member_map_.get(label)  # type: ignore[return-value]


class Regi(Label):
    PRIVAT = "Privat"
    EGEN = "Egen regi"
    IDEBUREN = "Idéburen"


class Avtalsform(Label):
    LOV = "LOV"
    LOU = "LOU"
    RAMAVTAL = "Ramavtal"
    DIREKT = "Direktupphandling"
    IOP = "IOP"
    UPPDRAG = "Uppdragsbeskrivning"


class Risk(Label):
    HOG = "Hög"
    NORMAL = "Normal"
    LAG = "Låg"


class Interval(Label):
    MONTH = "Månad"
    QUARTER = "Kvartal"
    TERTIAL = "Tertial"
    HALF_YEAR = "Halvår"
    YEAR = "År"
    TWO_YEARS = "Vartannat år"
    AT_START = "Vid start"
    ON_DEMAND = "Vid behov"


class Category(Label):
    AVVIKELSE = "Avvikelse"
    ALLVARLIG = "Allvarlig brist"
    FORBATTRING = "Förbättringsområde"
    FORTYDLIGANDE = "Förtydligande"
    GOTT_EXEMPEL = "Gott exempel"


class EventType(Label):
    KLAGOMAL = "Klagomål"
    AVVIKELSE = "Avvikelse"
    LEX_SARAH = "Lex Sarah"
    LEX_MARIA = "Lex Maria"
    MEDIA = "Media"
    BUDGET = "Budgetavvikelse"
    ORGANISATION = "Organisationsförändring"
    OVRIGT = "Övrigt"


class YesNo(Label):
    JA = "Ja"
    NEJ = "Nej"


class RowStatus(Label):
    """Status of an Årshjul row."""

    PLANERAD = "Planerad"
    ATT_KALLA = "Att kalla"
    KALLAD = "Kallad"
    GENOMFORD = "Genomförd"
    FORSENAD = "Försenad"
    UTGAR = "Utgår"
    ANDRAD_TID = "Ändrad tid"


class FindingStatus(Label):
    """Status of an Iakttagelse, computed from its dates."""

    NY = "Ny"
    BEGARD = "Åtgärdsplan begärd"
    FORSENAD = "Åtgärdsplan försenad"
    INKOMMEN = "Åtgärdsplan inkommen"
    GODKAND = "Åtgärdsplan godkänd"
    VERIFIERAD = "Åtgärd verifierad"
    RAPPORTERAD = "Rapporterad"
    GOTT_EXEMPEL = "Gott exempel"
    FORTYDLIGANDE_BEGART = "Förtydligande begärt"
    FORTYDLIGANDE_INKOMMET = "Förtydligande inkommet"
    STANGD = "Stängd"


class AnswerType(Label):
    JA_NEJ = "Ja/Nej"
    TEXT = "Text"
    TAL = "Tal"
    DATUM = "Datum"
    FLERVAL = "Flerval"


class Role(Label):
    STRATEG = "Strateg"
    MAS = "MAS"
    MAR = "MAR"
    SAS = "SAS"
    BISTAND = "Biståndshandläggare"
    CONTROLLER = "Controller"


ALLA = "Alla"

DEFAULT_AREAS: tuple[str, ...] = (
    "Hemtjänst",
    "Särskilt boende för äldre",
    "Korttidsboende",
    "Dagverksamhet",
    "Bostad med särskild service",
    "Daglig verksamhet",
    "Boendestöd",
    "Korttidsvistelse",
    "Personlig assistans",
    "Ledsagar- och avlösarservice",
    "Barnboende",
    "Öppna mötesplatser",
)

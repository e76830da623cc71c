"""The workbook contract: sheet names, column headers, types, owners and settings.

This module is the single description of the workbook that every other module reads;
header texts here are the user interface and never change.

Example:
    >>> SHEETS["Utförare"].column("Startdatum").kind is Kind.DATE
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

from uppf_xl import vocab

class Kind(str, Enum):
    """What a column holds; decides parsing, validation and the cell format."""

    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"
    INT = "int"
    YEAR = "year"
    MONTH = "month"
    BOOL = "bool"
    EMAIL = "email"
    ORGNR = "orgnr"
    NUMBER = "number"


class Owner(str, Enum):
    USER = "user"
    TOOL = "tool"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    required: bool = False
    vocab: str | None = None  # the Listor column that holds the allowed values
    owner: Owner = Owner.USER
    width: float = 14.0
    multi: bool = False  # a ";"-separated list of vocabulary values


class HeaderMap:
    """Header -> column of one sheet's table: the one rule the reader, the validator and the
    writer place a column by. Headers are trimmed; a header written twice keeps its first column.

        >>> m = HeaderMap(["UtförarID", " Namn ", "Namn"], first_col=2)
        >>> m.column("Namn"), m.letter("Namn"), m.cell(14, "UtförarID"), m.index("Saknas")
        (3, 'C', 'B14', None)
    """

    def __init__(self, headers: Iterable[str], first_col: int = 1) -> None:
        self.headers = [h.strip() for h in headers]
        self.first_col = first_col
        self._at: dict[str, int] = {}
        for i, h in enumerate(self.headers):
            if h:
                self._at.setdefault(h, i)

    def __contains__(self, header: object) -> bool:
        return header in self._at

    def index(self, header: str) -> int | None:
        """The header's position among the table's headers (0-based), or None."""
        return self._at.get(header.strip())

    def column(self, header: str) -> int | None:
        """The header's sheet column (1-based), or None."""
        i = self.index(header)
        return None if i is None else self.first_col + i

    def columns(self) -> dict[str, int]:
        """Every header with its sheet column."""
        return {h: self.first_col + i for h, i in self._at.items()}

    def letter(self, header: str) -> str:
        """The header's column letters; KeyError when the table has no such column."""
        col = self.column(header)
        if col is None:
            raise KeyError(header)
        return column_letter(col)

    def cell(self, excel_row: int, header: str) -> str:
        """The A1 name of the cell under `header` in `excel_row`, e.g. "F14"."""
        return f"{self.letter(header)}{excel_row}"


@dataclass(frozen=True)
class Sheet:
    name: str
    table: str  # the ListObject's name
    columns: tuple[Column, ...]
    key: str | None = None  # unique key column
    tool_owned: bool = False  # the whole sheet is written by the tool
    input: bool = True  # read and checked as input
    optional: bool = False  # may be missing without an error (added in later contract growth)
    _index: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)
    _map: HeaderMap = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({c.header: c for c in self.columns})
        object.__setattr__(self, "_map", HeaderMap(c.header for c in self.columns))

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def header_map(self) -> HeaderMap:
        """The columns where the contract puts them (A onwards)."""
        return self._map

    def column(self, header: str) -> Column:
        return self._index[header]

    def has(self, header: str) -> bool:
        return header in self._index

    @property
    def widths(self) -> dict[int, float]:
        """1-based column -> width, for a sheet or table the tool writes whole."""
        return {i: c.width for i, c in enumerate(self.columns, start=1)}

    @property
    def tool_columns(self) -> list[str]:
        return [c.header for c in self.columns if c.owner is Owner.TOOL]


T, D, I, B = Kind.TEXT, Kind.DATE, Kind.INT, Kind.BOOL
TOOL = Owner.TOOL

# Listor: one column per closed vocabulary.
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "Verksamhetsområde": vocab.DEFAULT_AREAS,
    "Regi": tuple(vocab.Regi.labels()),
    "Regi i regler": (vocab.ALLA, *vocab.Regi.labels()),
    "Avtalsform": tuple(vocab.Avtalsform.labels()),
    "Risknivå": tuple(vocab.Risk.labels()),
    "Kategori": tuple(vocab.Category.labels()),
    "Händelsetyp": tuple(vocab.EventType.labels()),
    "Intervall": tuple(vocab.Interval.labels()),
    "Ja/Nej": tuple(vocab.YesNo.labels()),
    "Ansvarig roll": tuple(vocab.Role.labels()),
    "Svarstyp": tuple(vocab.AnswerType.labels()),
    "Område": (
        "Systematiskt kvalitetsarbete",
        "Dokumentation",
        "Kompetens",
        "Bemanning",
        "Delaktighet och självbestämmande",
        "Brand",
        "Mat och måltider",
        "Hälso- och sjukvård",
        "Läkemedel",
        "Avtal och ekonomi",
        "Klagomål och avvikelser",
        "Tidsregistrering",
        "Övrigt",
    ),
    "Nämnd": (),
    "IVO-tillstånd": ("Ja", "Nej", "Ej krav"),
    "Rapport": ("T1", "T2", "år"),
    "Importfält": (
        "Utförare", "Brukare", "Personal", "Datum", "Start", "Slut", "Registrering", "Registrerad", "Månad", "Beviljad tid",
    ),
}

# Vocabularies whose values are fixed by code; Listor may not add to them.
CLOSED_LISTS = {
    "Regi", "Regi i regler", "Avtalsform", "Risknivå", "Kategori", "Händelsetyp", "Intervall", "Ja/Nej", "Svarstyp",
    "IVO-tillstånd", "Rapport", "Importfält",
}

SETTINGS = Sheet(
    "Inställningar",
    "tblInstallningar",
    (Column("Inställning", required=True, width=40), Column("Värde", width=44)),
    key="Inställning",
)

PROVIDERS = Sheet(
    "Utförare",
    "tblUtforare",
    (
        Column("UtförarID", required=True, width=11),
        Column("Namn", required=True, width=32),
        Column("Organisationsnummer", Kind.ORGNR, width=20),
        Column("Regi", required=True, vocab="Regi", width=12),
        Column("Avtalsform", required=True, vocab="Avtalsform", width=20),
        Column("Verksamhetsområde", required=True, vocab="Verksamhetsområde", width=28),
        Column("Nämnd", required=True, vocab="Nämnd", width=28),
        Column("Verksamhetschef", width=22),
        Column("E-post", Kind.EMAIL, width=30),
        Column("Telefon", width=15),
        Column("Adress", width=24),
        Column("Postnummer", width=11),
        Column("Ort", width=14),
        Column("Startdatum", D, required=True, width=12),
        Column("Slutdatum", D, width=12),
        Column("Risknivå", vocab="Risknivå", width=10),
        Column("Ansvarig", width=20),
        Column("Kommentar", width=30),
        Column("Antal brukare", I, width=10),
        Column("Avtal till", D, width=12),
        Column("Förlängning beslut senast", D, width=14),
        Column("IVO-tillstånd", vocab="IVO-tillstånd", width=10),
        Column("Kolada-ID", width=16),
        Column("Föreslagen risknivå", owner=TOOL, width=12),
        Column("Riskskäl", owner=TOOL, width=50),
    ),
    key="UtförarID",
)

TYPES = Sheet(
    "Uppföljningstyper",
    "tblUppfoljningstyper",
    (
        Column("TypID", required=True, width=8),
        Column("Namn", required=True, width=30),
        Column("Verksamhetsområden", required=True, vocab="Verksamhetsområde", multi=True, width=30),
        Column("Regi", required=True, vocab="Regi i regler", width=12),
        Column("Intervall", required=True, vocab="Intervall", width=14),
        Column("Månad", Kind.MONTH, width=8),
        Column("Intervall vid hög risk", vocab="Intervall", width=14),
        Column("Besök", B, required=True, vocab="Ja/Nej", width=8),
        Column("Kallelse dagar före", I, width=10),
        Column("Ansvarig roll", vocab="Ansvarig roll", width=16),
        Column("Mall", width=22),
        Column("Underlag", width=44),
        Column("Underlag dagar före", I, width=10),
        Column("Bilagor", width=30),
        Column("Aktiv", B, required=True, vocab="Ja/Nej", width=8),
        Column("Intervall vid låg risk", vocab="Intervall", width=14),
    ),
    key="TypID",
)

ANNUAL_PLAN = Sheet(
    "Årsplan",
    "tblArsplan",
    (
        Column("År", Kind.YEAR, required=True, width=8),
        Column("Nämnd", required=True, vocab="Nämnd", width=28),
        Column("Verksamhetsområde", required=True, vocab="Verksamhetsområde", width=28),
        Column("TypID", required=True, width=8),
        Column("Kommentar", width=40),
    ),
)

FOCUS = Sheet(
    "Fokusområden",
    "tblFokusomraden",
    (
        Column("År", Kind.YEAR, required=True, width=8),
        Column("Fokusområde", required=True, width=34),
        Column("Beskrivning", width=60),
    ),
)

EVENTS = Sheet(
    "Händelser",
    "tblHandelser",
    (
        Column("Datum", D, required=True, width=12),
        Column("UtförarID", required=True, width=11),
        Column("Typ", required=True, vocab="Händelsetyp", width=22),
        Column("Beskrivning", width=50),
        Column("Allvarlig", B, vocab="Ja/Nej", width=10),
        Column("Hanterad", B, vocab="Ja/Nej", width=10),
    ),
)

FINDINGS = Sheet(
    "Iakttagelser",
    "tblIakttagelser",
    (
        Column("IakttagelseID", required=True, width=13),
        Column("Datum", D, required=True, width=12),
        Column("UtförarID", required=True, width=11),
        Column("Nyckel", width=20),
        Column("Kategori", required=True, vocab="Kategori", width=18),
        Column("Område", vocab="Område", width=22),
        Column("Beskrivning", width=44),
        Column("Sammanfattning för nämnd", width=44),
        Column("Åtgärdsplan begärd", D, width=12),
        Column("Åtgärdsplan senast", D, width=12),
        Column("Åtgärdsplan inkommen", D, width=12),
        Column("Åtgärdsplan godkänd", D, width=12),
        Column("Åtgärd verifierad", D, width=12),
        Column("Rapporterad till nämnd", D, width=12),
        Column("Status", owner=TOOL, width=22),
        Column("Eskalera", owner=TOOL, width=10),
        Column("Verifieras vid", owner=TOOL, width=22),
        Column("Begäran skickad", D, width=12),
        Column("Påminnelse skickad", D, width=12),
        Column("Ny svarstid", D, width=12),
        Column("Underrättad", D, width=12),
        Column("Bekräftad", B, vocab="Ja/Nej", width=10),
        Column("Svar senast", D, owner=TOOL, width=12),
    ),
    key="IakttagelseID",
)

HANDLAGGARE = Sheet(
    "Handläggare",
    "tblHandlaggare",
    (
        Column("Namn", required=True, width=24),
        Column("Titel", width=20),
        Column("E-post", Kind.EMAIL, width=30),
        Column("Telefon", width=16),
        Column("Aktiv", B, vocab="Ja/Nej", width=8),
    ),
    key="Namn",
    optional=True,
)

MEETINGS = Sheet(
    "Sammanträden",
    "tblSammantraden",
    (
        Column("Nämnd", required=True, vocab="Nämnd", width=28),
        Column("Datum", D, required=True, width=12),
        Column("Sista dag för ärenden", D, width=14),
        Column("Rapport", vocab="Rapport", width=10),
    ),
    optional=True,
)

INFO_REQUESTS = Sheet(
    "Informationsbegäran",
    "tblInformationsbegaran",
    (
        Column("BegäranID", required=True, width=12),
        Column("Datum", D, required=True, width=12),
        Column("UtförarID", required=True, width=11),
        Column("Vad som begärs", required=True, width=50),
        Column("Svar senast", D, width=12),
        Column("Skickad", D, width=12),
        Column("Inkommen", D, width=12),
        Column("Påminnelse skickad", D, width=12),
    ),
    key="BegäranID",
    optional=True,
)

IMPORT_FORMAT = Sheet(
    "Importformat",
    "tblImportformat",
    (
        Column("Fält", required=True, vocab="Importfält", width=16),
        Column("Kolumn i exporten", width=28),
        Column("Värden", width=40),
    ),
    key="Fält",
    optional=True,
)

RISK_MODEL = Sheet(
    "Riskmodell",
    "tblRiskmodell",
    (
        Column("Signal", required=True, width=34),
        Column("Poäng", Kind.NUMBER, width=8),
        Column("Förklaring", width=60),
    ),
    key="Signal",
    optional=True,
)

LISTS = Sheet(
    "Listor",
    "tblListor",
    tuple(Column(name, width=max(14.0, len(name) + 4)) for name in LIST_COLUMNS),
)

SCHEDULE = Sheet(
    "Årshjul",
    "tblArshjul",
    (
        Column("Nyckel", owner=TOOL, width=22),
        Column("UtförarID", owner=TOOL, width=11),
        Column("Utförare", owner=TOOL, width=30),
        Column("Verksamhetsområde", owner=TOOL, width=26),
        Column("Nämnd", owner=TOOL, width=26),
        Column("TypID", owner=TOOL, width=8),
        Column("Uppföljning", owner=TOOL, width=26),
        Column("Period", owner=TOOL, width=11),
        Column("Senast", D, owner=TOOL, width=12),
        Column("Föreslaget datum", D, owner=TOOL, width=16),
        Column("Planerat datum", D, width=15),
        Column("Tid", width=8),
        Column("Plats", width=20),
        Column("Kallas senast", D, owner=TOOL, width=12),
        Column("Kallelse skickad", D, width=16),
        Column("Genomförd", D, width=12),
        Column("Status", owner=TOOL, width=12),
        Column("Ansvarig", width=20),
        Column("Kommentar", width=30),
        Column("Dnr", width=14),
        Column("Orsak", owner=TOOL, width=40),
        Column("Kallat datum", D, owner=TOOL, width=12),
        Column("Fastställd", D, owner=TOOL, width=12),
    ),
    key="Nyckel",
    tool_owned=True,
)

DASHBOARD = Sheet("Översikt", "tblOversikt", (), tool_owned=True, input=False)

LOG = Sheet(
    "Logg",
    "tblLogg",
    (
        Column("Tidpunkt", Kind.DATETIME, owner=TOOL, width=19),
        Column("Åtgärd", owner=TOOL, width=16),
        Column("Detaljer", owner=TOOL, width=80),
        Column("Användare", owner=TOOL, width=16),
    ),
    tool_owned=True,
    input=False,
)

QUESTIONS = Sheet(
    "Frågor",
    "tblFragor",
    (
        Column("FrågeID", required=True, width=10),
        Column("Tema", required=True, width=22),
        Column("Fråga", required=True, width=60),
        Column("Svarstyp", required=True, vocab="Svarstyp", width=10),
        Column("Alternativ", width=30),
        Column("Krav", width=12),
        Column("Verksamhetsområden", vocab="Verksamhetsområde", multi=True, width=24),
        Column("Regi", vocab="Regi i regler", width=12),
        Column("TypID", width=8),
        Column("Aktiv", B, vocab="Ja/Nej", width=8),
    ),
    key="FrågeID",
    optional=True,
)

ANSWERS = Sheet(
    "Svar",
    "tblSvar",
    (
        Column("UtförarID", owner=TOOL, width=11),
        Column("TypID", owner=TOOL, width=8),
        Column("År", Kind.YEAR, owner=TOOL, width=8),
        Column("FrågeID", owner=TOOL, width=10),
        Column("Svar", owner=TOOL, width=40),
        Column("Avviker", owner=TOOL, width=9),
        Column("Fil", owner=TOOL, width=36),
        Column("Inläst", Kind.DATETIME, owner=TOOL, width=19),
    ),
    tool_owned=True,
    optional=True,
)

MONTHLY = Sheet(
    "Månadsuppföljning",
    "tblManadsuppfoljning",
    (
        Column("Månad", owner=TOOL, width=9),
        Column("UtförarID", owner=TOOL, width=11),
        Column("Utförare", owner=TOOL, width=30),
        Column("Besök", I, owner=TOOL, width=9),
        Column("Utförd tid (h)", Kind.NUMBER, owner=TOOL, width=11),
        Column("Beviljad tid (h)", Kind.NUMBER, owner=TOOL, width=11),
        Column("Andel utförd av beviljad", Kind.NUMBER, owner=TOOL, width=12),
        Column("Andel manuellt registrerade", Kind.NUMBER, owner=TOOL, width=12),
        Column("Andel efterregistrerade", Kind.NUMBER, owner=TOOL, width=12),
        Column("Dubbelregistreringar", I, owner=TOOL, width=12),
        Column("Korta besök", I, owner=TOOL, width=10),
        Column("Tätt efter varandra", I, owner=TOOL, width=12),
        Column("Personalkontinuitet", Kind.NUMBER, owner=TOOL, width=12),
        Column("Avvikelser", owner=TOOL, width=50),
    ),
    tool_owned=True,
    input=True,  # read back: months not re-imported are kept
    optional=True,
)

KPIS = Sheet(
    "Nyckeltal",
    "tblNyckeltal",
    (
        Column("KPI", owner=TOOL, width=10),
        Column("Nyckeltal", owner=TOOL, width=50),
        Column("Kolada-ID", owner=TOOL, width=16),
        Column("UtförarID", owner=TOOL, width=11),
        Column("År", Kind.YEAR, owner=TOOL, width=8),
        Column("Kön", owner=TOOL, width=6),
        Column("Värde", Kind.NUMBER, owner=TOOL, width=10),
        Column("Kommunen", Kind.NUMBER, owner=TOOL, width=10),
        Column("Riket", Kind.NUMBER, owner=TOOL, width=10),
    ),
    tool_owned=True,
    input=True,  # read back: later runs keep or show what earlier ones wrote
    optional=True,
)

PROVIDER_HISTORY = Sheet(
    "Utförarhistorik",
    "tblUtforarhistorik",
    (
        Column("UtförarID", owner=TOOL, width=11),
        Column("Organisationsnummer", owner=TOOL, width=20),
        Column("Verksamhetschef", owner=TOOL, width=22),
        Column("Adress", owner=TOOL, width=30),
        Column("Namn", owner=TOOL, width=30),
        Column("Sedd", D, owner=TOOL, width=12),
    ),
    tool_owned=True,
    optional=True,
)

ARCHIVE = Sheet(
    "Arkiv",
    "tblArkiv",
    (
        Column("UtförarID", owner=TOOL, width=11),
        Column("TypID", owner=TOOL, width=10),
        Column("Nyckel", owner=TOOL, width=24),
        Column("Senast genomförd", D, owner=TOOL, width=14),
        Column("Rader", I, owner=TOOL, width=8),
        Column("Genomförda per år", owner=TOOL, width=30),
        Column("Arkiverat före", Kind.YEAR, owner=TOOL, width=10),
    ),
    tool_owned=True,
    optional=True,
)

# Sheet order in a new workbook.
ALL_SHEETS: tuple[Sheet, ...] = (
    DASHBOARD,
    SCHEDULE,
    PROVIDERS,
    TYPES,
    ANNUAL_PLAN,
    FOCUS,
    EVENTS,
    FINDINGS,
    QUESTIONS,
    ANSWERS,
    HANDLAGGARE,
    MEETINGS,
    INFO_REQUESTS,
    MONTHLY,
    KPIS,
    IMPORT_FORMAT,
    RISK_MODEL,
    SETTINGS,
    LISTS,
    LOG,
    PROVIDER_HISTORY,
    ARCHIVE,
)
SHEETS: dict[str, Sheet] = {s.name: s for s in ALL_SHEETS}
# Sheets the tool may rewrite whole.
TOOL_SHEETS = frozenset(s.name for s in ALL_SHEETS if s.tool_owned)
# Tool sheets a user does not need to see; a write that adds one adds it hidden.
HIDDEN_SHEETS = frozenset({PROVIDER_HISTORY.name, ARCHIVE.name})


def column_letter(col: int) -> str:
    """The letters of a 1-based column: 1 -> "A", 27 -> "AA"."""
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# (sheet, excel row, header) -> the cell's A1 name: `default_cell`, or `RawWorkbook.cell`
# where the workbook was read (the real column positions). Every message naming a cell uses one.
CellLocator = Callable[[str, int, str], str]


def default_cell(sheet: str, excel_row: int, header: str) -> str:
    """The A1 name of a cell when the sheet's columns stand in the contract's order.

    Used where the workbook as read is not at hand; `RawWorkbook.cell` knows the real place.

    Example:
        >>> default_cell("Utförare", 14, "Startdatum")
        'N14'
    """
    return SHEETS[sheet].header_map.cell(excel_row, header)


@dataclass(frozen=True)
class Setting:
    key: str
    kind: Kind
    default: object
    day_month: bool = False
    help: str = ""


SETTING_DEFS: tuple[Setting, ...] = (
    Setting("Kommun", T, "", help="brev- och rapporthuvud"),
    Setting("Förvaltning", T, "", help="brev- och rapporthuvud"),
    Setting("Avsändare", T, "", help="handläggare som står på breven"),
    Setting("Titel", T, "Strateg"),
    Setting("Telefon", T, ""),
    Setting("E-post", T, ""),
    Setting("Postadress", T, ""),
    Setting("Diarienummer", T, ""),
    Setting("Planår", Kind.YEAR, None, help="standard för --year"),
    Setting("Semester från", D, "07-01", day_month=True),
    Setting("Semester till", D, "08-10", day_month=True),
    Setting("Max besök per vecka och handläggare", I, 4),
    Setting("Kallelse dagar före", I, 45),
    Setting("Kallelse varsel dagar", I, 14),
    Setting("Svarstid åtgärdsplan (dagar)", I, 30),
    Setting("Allvarlig brist begäran inom (dagar)", I, 3),
    Setting("Fördjupad uppföljning inom (månader)", I, 6),
    Setting("Händelser antal", I, 3),
    Setting("Händelser inom (dagar)", I, 90),
    Setting("Minsta redovisade antal", I, 3),
    Setting("Tertial 1 slut", D, "04-30", day_month=True),
    Setting("Tertial 2 slut", D, "08-31", day_month=True),
    Setting("Mallmapp", T, ""),
    Setting("Utdatamapp", T, "", help="tom: mappen Utskick bredvid arbetsboken"),
    Setting("Enkätnyckel", T, "", help="hemlig nyckel som signerar enkäterna; ändra den inte medan enkäter är ute"),
    Setting("Förvaltningschef", T, "", help="får underrättelse om allvarlig brist"),
    Setting("Förvaltningschef e-post", T, ""),
    Setting("Minsta varsel (arbetsdagar)", I, 5, help="ingen kallelse till ett besök närmare än så, ingen sista dag för underlag tidigare"),
    Setting("Påminnelse igen efter (dagar)", I, 7, help="en andra påminnelse efter så många dagar"),
    Setting("Rapportutkast dagar före", I, 10, help="arbetsdagar före sista dag för ärenden då rapportutkastet ska vara klart"),
    Setting("Avtalsuppföljning före förlängningsbeslut (månader)", I, 3,
            help="en avtalsuppföljning ska vara klar så långt före Förlängning beslut senast"),
    # Thresholds of the monthly check of registered time (month-in).
    Setting("Utförd tid lägst (procent av beviljad)", Kind.NUMBER, 75,
            help="månadsuppföljning: utförd tid under så många procent av den beviljade är en avvikelse"),
    Setting("Utförd tid högst (procent av beviljad)", Kind.NUMBER, 100,
            help="månadsuppföljning: utförd tid över så många procent av den beviljade är en avvikelse"),
    Setting("Manuellt registrerade högst (procent)", Kind.NUMBER, 10,
            help="månadsuppföljning: högsta andel besök som registrerats manuellt i stället för elektroniskt"),
    Setting("Efterregistrerad efter (timmar)", Kind.NUMBER, 24,
            help="månadsuppföljning: ett besök som registrerats så här många timmar efter besökets slut räknas som efterregistrerat"),
    Setting("Efterregistrerade högst (procent)", Kind.NUMBER, 5,
            help="månadsuppföljning: högsta andel efterregistrerade besök"),
    Setting("Dubbelregistreringar högst (procent)", Kind.NUMBER, 0.5,
            help="månadsuppföljning: högsta andel besök som registrerats två gånger (samma brukare och personal, samma eller överlappande tid)"),
    Setting("Kort besök under (minuter)", Kind.NUMBER, 5, help="månadsuppföljning: ett besök kortare än så räknas som kort"),
    Setting("Korta besök högst (procent)", Kind.NUMBER, 5, help="månadsuppföljning: högsta andel korta besök"),
    Setting("Tätt efter varandra under (minuter)", Kind.NUMBER, 1,
            help="månadsuppföljning: samma personal börjar hos en annan brukare mindre än så många minuter efter förra besökets slut"),
    Setting("Tätt efter varandra högst (procent)", Kind.NUMBER, 0.5,
            help="månadsuppföljning: högsta andel besök som börjar tätt efter ett besök hos en annan brukare"),
    Setting("Personalkontinuitet högst (personal på 14 dagar)", Kind.NUMBER, 15,
            help="månadsuppföljning: medianen av hur många olika personal en brukare möter under månadens första 14 dagar (som det nationella måttet) får inte vara högre"),
    Setting("Samma personal andel (procent)", Kind.NUMBER, 90,
            help="månadsuppföljning: en brukare där en och samma person gjort minst så stor andel av besöken räknas (motsatsen till kontinuitet: beroende av en person)"),
    Setting("Samma personal minst besök", I, 30,
            help="månadsuppföljning: ... när brukaren haft minst så många besök under månaden (ungefär ett om dagen hela månaden)"),
)
SETTINGS_BY_KEY = {s.key: s for s in SETTING_DEFS}

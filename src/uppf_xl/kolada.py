"""Kolada indicators read from downloaded files into the sheet Nyckeltal. Never calls the network.

Kolada (the municipalities' and regions' database) publishes indicators (KPI) per
municipality and per organisational unit (a hemtjänst group, a boende). `kolada-in` reads
what an administrator downloaded and matches the units to providers by Utförare's Kolada-ID.
Two formats are read, and give the same rows:

- **JSON from the API** (version 2): the answer of `/v2/oudata/kpi/<KPI>/year/<ÅR>` (or
  `/ou/<ID>/...`), `{"values": [{"kpi": "U21468", "ou": "V21E18990101", "period": 2024,
  "values": [{"gender": "T", "value": 87.0, "status": "", "count": 1}, ...]}]}`; the answer
  of `/v2/data/kpi/<KPI>/municipality/<KOMMUN>,0000/year/<ÅR>`, the same with
  `"municipality"` instead of `"ou"` (0000 is Riket, the whole country); and the KPI
  metadata `/v2/kpi/<KPI>` (`{"values": [{"id": ..., "title": ...}]}`) for the names.
  Several files may be given, in any order; a file may also hold a list of such answers.
- **CSV from the web download**: one row per value, with the columns (found by name, case
  and order free; `;`, `,` or tab; decimal comma allowed; UTF-8 or Windows-1252)
  Nyckeltals-ID, Nyckeltal, Enhets-ID, Enhet, Kommun-ID, Kommun, År, Kön, Värde. A row
  with an Enhets-ID is a unit's value; a row without it is the municipality's (Kommun-ID),
  or the country's (Kommun-ID 0000 or Kommun "Riket").

Each unit's value gets the value of its municipality (the four digits after "V..E" in a
Kolada unit id, else the only municipality in the files) and of the country for the same
KPI, year and gender (T total, K kvinnor, M män). Rows for a KPI, unit, year and gender
already in Nyckeltal are replaced; other rows are kept.

Example:
    >>> data = read_files([Path("hemtjanst.json"), Path("kommun.json")])     # doctest: +SKIP
    >>> rows = nyckeltal_rows(register, data)                                 # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from uppf_xl.contract import KPIS
from uppf_xl.errors import FileAccessError
from uppf_xl.model import KpiValue, Provider, Register
from uppf_xl.outcome import Outcome
from uppf_xl.workbook.content import Changes, SheetContent, TableBlock, Value

COUNTRY = "0000"
GENDERS = ("T", "K", "M")
GENDER_WORDS = {"totalt": "T", "total": "T", "alla": "T", "kvinnor": "K", "kvinna": "K", "män": "M", "man": "M"}
_UNIT_RE = re.compile(r"^V\d{2}E(\d{4})")

# CSV columns: our name -> the headers accepted (compared case-insensitively, trimmed).
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "kpi": ("nyckeltals-id", "nyckeltalsid", "kpi", "kpi-id", "id"),
    "title": ("nyckeltal", "titel", "title"),
    "ou": ("enhets-id", "enhetsid", "ou", "ou-id", "organisationsenhets-id"),
    "ou_title": ("enhet", "organisationsenhet"),
    "municipality": ("kommun-id", "kommunid", "municipality", "kommunkod"),
    "municipality_title": ("kommun",),
    "period": ("år", "period", "year"),
    "gender": ("kön", "gender"),
    "value": ("värde", "value"),
}
REQUIRED_CSV = ("kpi", "period", "value")

Key = tuple[str, str, int, str]  # (kpi, ou or municipality, year, gender)


@dataclass
class KoladaData:
    """Everything read from the files: units' and municipalities' values and KPI names."""

    units: dict[Key, float | None] = field(default_factory=dict)
    municipalities: dict[Key, float | None] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    unit_titles: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def merge(self, other: KoladaData) -> None:
        self.units.update(other.units)
        self.municipalities.update(other.municipalities)
        self.titles.update({k: v for k, v in other.titles.items() if v})
        self.unit_titles.update(other.unit_titles)
        self.files.extend(other.files)


def unit_municipality(ou: str) -> str | None:
    """The municipality code inside a Kolada unit id: 'V21E18990101' -> '1899'."""
    m = _UNIT_RE.match(ou.strip())
    return m.group(1) if m else None


def read_files(paths: list[Path]) -> KoladaData:
    """Read every file (JSON or CSV by content); FileAccessError names a file that cannot be read."""
    data = KoladaData()
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise FileAccessError(f"{path.name}: filen kan inte läsas ({exc.strerror or exc}).") from exc
        text = _decode(raw)
        one = _read_json(text, path.name) if text.lstrip().startswith(("{", "[")) else _read_csv(text, path.name)
        one.files.append(path.name)
        data.merge(one)
    return data


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if text in ("", "-", "..", "."):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _gender(value: object) -> str:
    text = str(value or "T").strip()
    return GENDER_WORDS.get(text.casefold(), text.upper()[:1] or "T")


def _year(value: object, name: str) -> int:
    try:
        return int(str(value).strip()[:4])
    except ValueError as exc:
        raise FileAccessError(f'{name}: "{value}" är inget år; filen ser inte ut som en nedladdning från Kolada.') from exc


def _read_json(text: str, name: str) -> KoladaData:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileAccessError(f"{name}: ogiltig JSON (rad {exc.lineno}): filen ser inte ut som ett svar från Kolada.") from exc
    data = KoladaData()
    answers = doc if isinstance(doc, list) else [doc]
    for answer in answers:
        items = answer.get("values") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise FileAccessError(f'{name}: nyckeln "values" saknas; filen ser inte ut som ett svar från Kolada.')
        for item in items:
            if not isinstance(item, dict):
                continue
            if "ou" in item or "municipality" in item:
                kpi = str(item.get("kpi") or "").strip()
                year = _year(item.get("period"), name)
                target = data.units if "ou" in item else data.municipalities
                place = str(item.get("ou") if "ou" in item else item.get("municipality")).strip()
                for v in item.get("values") or []:
                    if isinstance(v, dict):
                        target[(kpi, place, year, _gender(v.get("gender")))] = _number(v.get("value"))
            elif "id" in item and "title" in item:
                (data.titles if "municipality" not in item else data.unit_titles)[str(item["id"])] = str(item["title"])
    return data


def _read_csv(text: str, name: str) -> KoladaData:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";"
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [r for r in reader if any(c.strip() for c in r)]
    if not rows:
        raise FileAccessError(f"{name}: filen är tom.")
    header = [h.strip().casefold() for h in rows[0]]
    index: dict[str, int] = {}
    for ours, names in CSV_COLUMNS.items():
        for i, h in enumerate(header):
            if h in names and i not in index.values():
                index[ours] = i
                break
    missing = [CSV_COLUMNS[c][0].capitalize() for c in REQUIRED_CSV if c not in index]
    if missing:
        raise FileAccessError(f"{name}: kolumnen {', '.join(missing)} saknas; filen ser inte ut som en nedladdning från Kolada.")

    def cell(row: list[str], col: str) -> str:
        i = index.get(col)
        return row[i].strip() if i is not None and i < len(row) else ""

    data = KoladaData()
    for row in rows[1:]:
        kpi = cell(row, "kpi")
        if not kpi:
            continue
        if cell(row, "title"):
            data.titles[kpi] = cell(row, "title")
        year, gender, value = _year(cell(row, "period"), name), _gender(cell(row, "gender")), _number(cell(row, "value"))
        ou = cell(row, "ou")
        if ou:
            data.units[(kpi, ou, year, gender)] = value
            if cell(row, "ou_title"):
                data.unit_titles[ou] = cell(row, "ou_title")
            continue
        municipality = cell(row, "municipality")
        if not municipality and cell(row, "municipality_title").casefold() == "riket":
            municipality = COUNTRY
        if municipality:
            data.municipalities[(kpi, municipality.zfill(4), year, gender)] = value
    return data


def nyckeltal_rows(register: Register, data: KoladaData) -> tuple[list[KpiValue], list[str], list[str]]:
    """The new Nyckeltal rows, the unit ids without a provider, the providers without values."""
    by_kolada = {p.kolada_id: p for p in register.providers if p.kolada_id}
    own = {m for (_, m, _, _) in data.municipalities if m != COUNTRY}
    only = next(iter(own)) if len(own) == 1 else None
    out: list[KpiValue] = []
    unmatched: set[str] = set()
    for (kpi, ou, year, gender), value in sorted(data.units.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], GENDERS.index(kv[0][3]) if kv[0][3] in GENDERS else 9)):
        provider = by_kolada.get(ou)
        if provider is None:
            unmatched.add(ou)
            continue
        municipality = unit_municipality(ou) or only
        out.append(KpiValue(
            kpi=kpi, title=data.titles.get(kpi, ""), kolada_id=ou, provider_id=provider.id, year=year, gender=gender,
            value=value,
            municipality=data.municipalities.get((kpi, municipality, year, gender)) if municipality else None,
            country=data.municipalities.get((kpi, COUNTRY, year, gender)),
        ))
    found = {v.provider_id for v in out}
    without = sorted(p.id for p in by_kolada.values() if p.id not in found)
    return out, sorted(unmatched), without


def merged(existing: list[KpiValue], new: list[KpiValue]) -> list[KpiValue]:
    """Nyckeltal after an import: new rows replace old ones with the same KPI, unit, year and gender."""
    keys = {(v.kpi, v.kolada_id, v.year, v.gender) for v in new}
    kept = [v for v in existing if (v.kpi, v.kolada_id, v.year, v.gender) not in keys]
    return sorted(kept + new, key=lambda v: (v.provider_id, v.kpi, v.year, GENDERS.index(v.gender) if v.gender in GENDERS else 9))


def nyckeltal_sheet(values: list[KpiValue]) -> SheetContent:
    rows: list[list[Value]] = [
        [v.kpi, v.title, v.kolada_id, v.provider_id, v.year, v.gender, v.value, v.municipality, v.country] for v in values
    ]
    block = TableBlock(KPIS.table, 1, 1, KPIS.headers, rows,
                       styles={"År": "int", "Värde": "number", "Kommunen": "number", "Riket": "number", "KPI": "text"})
    widths = KPIS.widths
    return SheetContent(KPIS.name, tables=[block], widths=widths, freeze="A2")


def kolada_in(register: Register, paths: list[Path]) -> Outcome:
    """Read the files and describe the new Nyckeltal sheet (the caller writes it)."""
    data = read_files(paths)
    new, unmatched, without = nyckeltal_rows(register, data)
    outcome = Outcome("kolada-in")
    kpis = sorted({v.kpi for v in new})
    outcome.lines.append(
        f"Kolada: {len(new)} värden för {len({v.provider_id for v in new})} utförare och {len(kpis)} nyckeltal "
        f"ur {len(paths)} {'fil' if len(paths) == 1 else 'filer'}."
    )
    if not data.units:
        outcome.lines.append("Filerna innehåller inga värden för enheter (oudata); Nyckeltal är oförändrat.")
    if unmatched:
        outcome.lines.append(
            f"{len(unmatched)} enheter i filerna har ingen utförare med det Kolada-ID:t "
            f"(fyll i Kolada-ID i Utförare): {', '.join(unmatched[:8])}{' …' if len(unmatched) > 8 else ''}"
        )
    if without:
        outcome.lines.append(f"Inga värden i filerna för {len(without)} utförare med Kolada-ID: {', '.join(without)}")
    missing_municipality = sum(1 for v in new if v.municipality is None)
    if new and missing_municipality:
        outcome.lines.append(f"{missing_municipality} värden saknar kommunens värde (ladda ned kommunens data, /v2/data/...).")
    if new:
        rows = merged(register.kpis, new)
        outcome.changes = Changes(sheets=[nyckeltal_sheet(rows)])
        outcome.log = f"kolada-in: {len(new)} värden ({', '.join(kpis)}) ur {', '.join(data.files)}"
        outcome.tables.append((
            "Nyckeltal (totalt)",
            ["UtförarID", "KPI", "År", "Värde", "Kommunen", "Riket"],
            [[v.provider_id, v.kpi, v.year, _fmt(v.value), _fmt(v.municipality), _fmt(v.country)] for v in new if v.gender == "T"],
        ))
    return outcome


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:g}".replace(".", ",")


def latest_by_provider(values: list[KpiValue], gender: str = "T") -> dict[str, list[KpiValue]]:
    """Per provider, the latest year's value of each KPI (for the card, report and publish)."""
    best: dict[tuple[str, str], KpiValue] = {}
    for v in values:
        if v.gender != gender:
            continue
        key = (v.provider_id, v.kpi)
        if key not in best or v.year > best[key].year:
            best[key] = v
    out: dict[str, list[KpiValue]] = {}
    for (pid, _), v in sorted(best.items()):
        out.setdefault(pid, []).append(v)
    return out


def kpi_label(v: KpiValue) -> str:
    return v.title or v.kpi


REPORT_HEADER = ["Verksamhetsområde", "Utförare", "Nyckeltal", "År", "Värde", "Kommunen", "Riket"]


def report_rows(values: list[KpiValue], areas: list[tuple[str, list[Provider]]], year: int,
                name: Callable[[Provider], str]) -> list[list[str | int]]:
    """The nämnd report's indicator rows: per area, each unit's latest value up to `year` against the municipality."""
    latest = latest_by_provider([v for v in values if v.year <= year])
    rows: list[list[str | int]] = []
    for area, providers in areas:
        for p in sorted(providers, key=lambda p: p.name):
            for v in latest.get(p.id, []):
                rows.append([area, name(p), kpi_label(v), v.year, _fmt(v.value), _fmt(v.municipality), _fmt(v.country)])
    return rows

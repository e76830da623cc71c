"""Reading time-registration exports (CSV or .xlsx) into one typed, pseudonymised visits table.

The sheet Importformat names the export's columns. A CSV may be UTF-8 (with or without BOM)
or Windows-1252, separated by ";" or ",", with decimal comma; an .xlsx has real dates and
times. Every cell is read as text first and converted here, so each bad value is reported
with its file and line (`tid_2026-03.csv:1452: "25:61" är ingen tid`), all of them at once.

Customers and staff become integer codes as soon as a file is read; the analysis sees only
the codes. A code's keyed pseudonym (HMAC-SHA256 with the workbook's key) is computed only
for the visits the drill-down lists. A pseudonym is written in consonants only, so no
pseudonym can ever look like a personnummer (or any number) to the personal-data guard.
The engine is polars (see bench/README.md for why).

Every column whose values repeat (provider, customer, staff, clock times, the registration
word) is converted once per distinct value and spread back over the rows by index, which
is several times cheaper than converting every row. A clean UTF-8 export has its dates and
registration times parsed strictly while it is read; any value that does not parse that way
sends the file down the careful path above.

Example:
    >>> pseudonym("nyckel", "brukare", "19121212-1212")
    'B-cpfbftxmvsfn'
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import polars as pl
from stdnum.se import orgnr as _orgnr

from uppf_xl import guard
from uppf_xl.model import ImportField, Register

VISIT_FIELDS = ("Utförare", "Brukare", "Personal", "Datum", "Start", "Slut")
OPTIONAL_VISIT_FIELDS = ("Registrering", "Registrerad")
GRANTED_FIELDS = ("Utförare", "Brukare", "Månad", "Beviljad tid")
MAX_PER_KIND = 20  # bad values listed per file and field; the rest are counted
PREFIX = {"Brukare": "B", "Personal": "P"}
REPEATING = ("Utförare", "Brukare", "Personal", "Start", "Slut", "Registrering")
STAMP_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
Typed = dict[str, tuple[tuple[str, ...], pl.Date | pl.Datetime]]  # column -> its possible formats and its type
QUICK_TYPES: Typed = {
    "Datum": (("%Y-%m-%d",), pl.Date()), "Registrerad": (STAMP_FORMATS, pl.Datetime("us"))}

_TIME = r"^\s*(?:\d{4}-\d{2}-\d{2}[ T])?(\d{1,2})[:.](\d{2})(?::\d{2}(?:\.\d+)?)?\s*$"
_DATE = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$"
_STAMP = r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*$"
_MONTH = r"^\s*(\d{4})-(\d{2})(?:-\d{2}.*)?\s*$"


class Pseudonyms:
    """The keyed pseudonyms of this run's customer and staff codes, computed on request.

    The clear values stay inside this object (never in its repr) for as long as the run
    needs to pseudonymise the drill-down; nothing else reads them.
    """

    def __init__(self, key: str) -> None:
        self._key = key
        self._values: dict[str, dict[str, int]] = {"customer": {}, "staff": {}}
        self._by_code: dict[str, list[str]] = {"customer": [], "staff": []}

    def __repr__(self) -> str:
        return f"Pseudonyms({len(self._values['customer'])} brukare, {len(self._values['staff'])} personal)"

    def codes(self, role: str, values: list[str]) -> pl.Series | None:
        """The code of each of the distinct `values` ("customer" or "staff"); a new value gets
        the next code. None when the codes are the values' own positions (0, 1, 2, ...), as
        they are for the first file read."""
        known, by_code = self._values[role], self._by_code[role]
        if not known:
            known.update(zip(values, range(len(values))))
            by_code.extend(values)
            return None
        first = len(known)
        out = [known.setdefault(v, len(known)) for v in values]
        by_code.extend(values[i] for i, code in enumerate(out) if code >= first)
        return pl.Series(role, out, dtype=pl.UInt32)

    def of(self, role: str, codes: Iterable[int]) -> dict[int, str]:
        """code -> pseudonym for `codes` (of "customer" or "staff")."""
        kind = "brukare" if role == "customer" else "personal"
        values = self._by_code[role]
        return {code: pseudonym(self._key, kind, values[code].strip()) for code in set(codes)}


@dataclass
class Exports:
    """What the exports hold after reading: visits and granted time, pseudonymised."""

    # provider (Enum of the register's UtförarID), customer, staff (codes), day, start, end
    # (datetimes), manual, registered
    visits: pl.DataFrame
    granted: pl.DataFrame  # provider, month, hours
    problems: list[str] = field(default_factory=list)  # "file:line: message", Swedish
    files: list[str] = field(default_factory=list)
    pseudonyms: Pseudonyms = field(default_factory=lambda: Pseudonyms(""))


# A pseudonym's letters: consonants only, so it holds no digit (never a personnummer, a date
# or a phone number) and no vowel (never a word or a name).
PSEUDONYM_LETTERS = "bcdfghjklmnpqrstvwxz"
PSEUDONYM_LENGTH = 12  # letters: about 52 bits


def pseudonym(key: str, kind: str, value: str) -> str:
    """The stable pseudonym of a customer ("brukare") or staff member ("personal")."""
    number = int.from_bytes(hmac.digest(key.encode("utf-8"), f"{kind}\x00{value}".encode("utf-8"), hashlib.sha256)[:8], "big")
    letters = []
    for _ in range(PSEUDONYM_LENGTH):
        number, i = divmod(number, len(PSEUDONYM_LETTERS))
        letters.append(PSEUDONYM_LETTERS[i])
    return f"{'B' if kind == 'brukare' else 'P'}-{''.join(letters)}"


def import_format(register: Register) -> dict[str, ImportField]:
    """Importformat by field; a workbook without the sheet uses the generic format."""
    from uppf_xl.defaults import DEFAULT_IMPORT_FORMAT

    fields = {f.field: f for f in register.import_format}
    for i, (name, column, values) in enumerate(DEFAULT_IMPORT_FORMAT, start=2):
        if not register.import_format:
            parts = tuple(p.strip() for p in str(values).split(";") if p.strip())
            fields[str(name)] = ImportField(str(name), str(column), parts, i)
    return fields


def _csv(path: Path, repeating: frozenset[str], typed: Typed) -> pl.DataFrame:
    """Every cell as text: UTF-8 (BOM or not) first, read by polars straight from the file;
    Windows-1252 when that fails. A clean export gets its `typed` columns already parsed."""
    with open(path, "rb") as fh:
        first = fh.readline().removeprefix(b"\xef\xbb\xbf")
    separator = _separator(first.decode("utf-8", errors="replace"))
    quick = _quick_csv(path, separator, repeating, typed) if typed else None
    if quick is not None:
        return quick
    try:
        return _read_csv(path, separator, repeating)
    except pl.exceptions.ComputeError:
        text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("cp1252", errors="replace")
        return _read_csv(text.encode("utf-8"), _separator(text.split("\n", 1)[0]), repeating)


def _read_csv(source: Path | bytes, separator: str, repeating: frozenset[str]) -> pl.DataFrame:
    """The columns named in `repeating` (by their stripped name) are read as categoricals of
    their own: each distinct value is stored once and every row holds its value's number,
    which the reader's conversions use directly (see `_distinct`)."""
    options = _options(separator)
    header = pl.read_csv(source, n_rows=0, **options).columns  # type: ignore[arg-type]
    return pl.read_csv(source, schema_overrides=_categoricals(header, repeating), **options)  # type: ignore[arg-type]


def _options(separator: str) -> dict[str, object]:
    """How every export is read: each cell as text, a short line padded."""
    return dict(separator=separator, infer_schema=False, truncate_ragged_lines=True)


def _categoricals(header: list[str], repeating: frozenset[str]) -> dict[str, pl.Categorical]:
    return {c: pl.Categorical(pl.Categories.random()) for c in header if c.strip() in repeating}


def _quick_csv(path: Path, separator: str, repeating: frozenset[str], typed: Typed) -> pl.DataFrame | None:
    """A clean UTF-8 export in one streaming pass: the `typed` columns (by stripped name) are
    parsed strictly while the file is read, in the format their first values have. None when
    a value does not parse that way or the file is not UTF-8: the careful path then reads the
    file again as text and names every bad value."""
    options = _options(separator)
    try:
        sample = pl.read_csv(path, n_rows=5, **options)  # type: ignore[arg-type]
        parses = []
        for column in sample.columns:
            if column.strip() in typed:
                formats, dtype = typed[column.strip()]
                found = _sample_format(sample.get_column(column), formats)
                if found is None:
                    return None
                parses.append(pl.col(column).str.strptime(dtype, found, strict=True, cache=dtype == pl.Date()))
        return (pl.scan_csv(path, schema_overrides=_categoricals(sample.columns, repeating), **options)  # type: ignore[arg-type]
                .with_columns(parses).collect(engine="streaming"))
    except pl.exceptions.PolarsError:
        return None


def _sample_format(values: pl.Series, formats: tuple[str, ...]) -> str | None:
    """The first of `formats` that every one of the sampled values is in, exactly."""
    sample = values.drop_nulls().to_list()
    for f in formats:
        try:
            for value in sample:
                dt.datetime.strptime(value, f)
            return f
        except ValueError:
            continue
    return None


def _separator(first_line: str) -> str:
    try:
        return csv.Sniffer().sniff(first_line, delimiters=";,\t").delimiter
    except csv.Error:
        return ";"


def _cell_text(value: object) -> str | None:
    """An .xlsx cell as the text a CSV export would hold."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour, value.minute, value.second) != (0, 0, 0) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, dt.timedelta):
        minutes = round(value.total_seconds() / 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_table(path: Path, repeating: Iterable[str] = (), typed: Typed | None = None) -> pl.DataFrame:
    """The file's cells as text columns (a CSV's `repeating` columns as categoricals, and its
    `typed` columns parsed when every value reads strictly); raises OSError/ValueError when it
    cannot be read."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_index(0).to_python()
        if not rows:
            return pl.DataFrame()
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        columns = {h: [_cell_text(r[i]) if i < len(r) else None for r in rows[1:]] for i, h in enumerate(header) if h}
        return pl.DataFrame(columns, schema={h: pl.String for h in columns})
    df = _csv(path, frozenset(repeating), typed or {})
    return df.rename({c: c.strip() for c in df.columns})


def _quoted(value: str) -> str:
    text = value if len(value) <= 40 else value[:37] + "..."
    hits = guard.scan([guard.GuardItem("", "", text)], [])
    return f'"{guard.mask(text, hits) if hits else text}"'


class _Problems:
    """Bad values per file and field: the first MAX_PER_KIND listed, the rest counted."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []

    def add(self, line: int | None, message: str) -> None:
        self.lines.append(f"{self.name}:{line}: {message}" if line else f"{self.name}: {message}")

    def bad(self, df: pl.DataFrame, mask: pl.Expr, column: str, message: Callable[[str], str]) -> None:
        bad = df.filter(mask).select("line", pl.col(column).alias("value") if column != "line" else pl.lit(""))
        for line, value in bad.head(MAX_PER_KIND).iter_rows():
            self.add(line, message(str(value)))
        if bad.height > MAX_PER_KIND:
            self.add(None, f"{bad.height - MAX_PER_KIND} rader till med samma slags fel i kolumnen {column}")


def _provider_lookup(register: Register) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in register.providers:
        out[p.name.strip().casefold()] = p.id
        if p.orgnr:
            out[_orgnr.compact(p.orgnr)] = p.id
    for p in register.providers:  # an ID wins over a name that happens to look like one
        out[p.id.strip().casefold()] = p.id
    return out


_TIME_RE = re.compile(_TIME)
_STAMP_RE = re.compile(_STAMP)
_DATE_RE = re.compile(_DATE)
_CLOCK_ONLY = re.compile(r"^\s*\d{1,2}[:.]\d{2}")


def _slow_minutes(text: str, end: bool) -> int | None:
    m = _TIME_RE.match(text)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not end)):
        return None
    return hour * 60 + minute


def _slow_stamp(text: str) -> dt.datetime | None:
    m = _STAMP_RE.match(text)
    if not m:
        return None
    try:
        day = dt.date.fromisoformat(m.group(1))
    except ValueError:
        return None
    hour, minute = int(m.group(2)), int(m.group(3))
    if hour > 23 or minute > 59:
        return None
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def _slow_date(text: str) -> dt.date | None:
    if not _DATE_RE.match(text.strip()):
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _fallback(values: pl.DataFrame, column: str, out: pl.Series, tiers: Iterable[pl.Expr],
              slow: Callable[[str], object], dtype: pl.DataType) -> pl.Series:
    """`out` (one result per row of `values`) with each null for a present value filled by the
    next tier (polars expressions over `column`) and finally by `slow`, one call per value."""
    frame = values.select(column).with_columns(out.alias("out"))
    for tier in tiers:
        if not frame.select((pl.col("out").is_null() & pl.col(column).is_not_null()).any()).item():
            return frame.get_column("out")
        frame = frame.with_columns(pl.coalesce(pl.col("out"), tier.cast(dtype)).alias("out"))
    failed = frame.filter(pl.col("out").is_null() & pl.col(column).is_not_null()).get_column(column).unique().to_list()
    if failed:
        mapping = {v: slow(v) for v in failed}
        frame = frame.with_columns(pl.coalesce(pl.col("out"), pl.col(column).replace_strict(
            mapping, default=None, return_dtype=dtype)).alias("out"))
    return frame.get_column("out")


def _with_fallback(df: pl.DataFrame, column: str, tiers: list[pl.Expr], slow: Callable[[str], object],
                   dtype: pl.DataType, name: str, strict: pl.Expr | None = None) -> pl.DataFrame:
    """The first tier over the whole column; the few values it cannot read go through the
    other tiers and then `slow`, each once per distinct value. For columns of mostly distinct
    values (time stamps). `strict`, the first tier's strict form, is tried before it: it is
    quicker when every value reads, as in a clean export, and raises when one does not."""
    if strict is not None:
        try:
            return df.with_columns(strict.cast(dtype).alias(name))
        except pl.exceptions.PolarsError:
            pass
    df = df.with_columns(tiers[0].cast(dtype).alias(name))
    if _unread(df, name, column):
        missed = df.select(pl.col(column).filter(pl.col(name).is_null() & pl.col(column).is_not_null()).unique())
        fixed = _fallback(missed, column, pl.Series("out", [None] * missed.height, dtype=dtype), tiers[1:], slow, dtype)
        df = df.with_columns(pl.coalesce(pl.col(name), pl.col(column).replace_strict(
            missed.get_column(column), fixed, default=None, return_dtype=dtype)).alias(name))
    return df


def _distinct(df: pl.DataFrame, column: str) -> tuple[pl.DataFrame, pl.Series]:
    """The column's distinct values (a one-column frame, nulls left out) and each row's index
    among them (null where the row's value is null). A categorical column read by `_csv` has
    them already: its own categories, numbered from 0."""
    series = df.get_column(column)
    if isinstance(series.dtype, pl.Categorical) and not series.dtype.categories.is_global():
        return series.dtype.categories.to_series().alias(column).to_frame(), series.to_physical()
    values = series.drop_nulls().unique()
    return values.to_frame(column), series.cast(pl.Enum(values)).to_physical()


def _per_value(df: pl.DataFrame, column: str, tiers: list[pl.Expr], slow: Callable[[str], object],
               dtype: pl.DataType, name: str) -> pl.DataFrame:
    """Like `_with_fallback`, but every tier runs on the distinct values only and the results
    are spread back over the rows: for columns whose values repeat (clock times, lengths)."""
    values, index = _distinct(df, column)
    first = values.select(tiers[0].cast(dtype)).to_series()
    out = _fallback(values, column, first, tiers[1:], slow, dtype)
    return df.with_columns(out.gather(index).alias(name))


CLOCK_FORMATS = ("%H:%M", "%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def _format_of(df: pl.DataFrame, column: str, formats: tuple[str, ...]) -> str:
    """The format the column's first values are in: one fast parse of the whole column, a
    slow look at the few values that differ (a failed parse costs polars more than a good one)."""
    for sample in df.get_column(column).drop_nulls().head(5).to_list():
        for f in formats:
            try:
                dt.datetime.strptime(sample.strip(), f)
                return f
            except ValueError:
                continue
    return formats[0]


def _clock(df: pl.DataFrame, column: str) -> pl.Expr:
    f = _format_of(df, column, CLOCK_FORMATS)
    text = pl.col(column)
    text = text.str.strip_chars()
    t = text.str.to_time(f, strict=False) if f.startswith("%H") else text.str.to_datetime(f, strict=False).dt.time()
    return t.dt.hour().cast(pl.Int32) * 60 + t.dt.minute().cast(pl.Int32)


def _number(col: str) -> pl.Expr:
    text = pl.col(col).str.strip_chars().str.replace_all(r"[\s\u00a0]", "").str.replace(",", ".")
    return text.cast(pl.Float64, strict=False)


def read_exports(register: Register, paths: list[Path], key: str,
                 progress: Callable[[int, int], None] | None = None) -> Exports:
    """Read and check every export; `problems` lists each bad value (nothing is raised here)."""
    fmt = import_format(register)
    lookup = _provider_lookup(register)
    visits: list[pl.DataFrame] = []
    granted: list[pl.DataFrame] = []
    problems: list[str] = []
    codes = Pseudonyms(key)
    provider_type = pl.Enum(list(dict.fromkeys(lookup.values())))
    # Columns whose values repeat (a month has some 31 dates and 1,440 clock times, a provider
    # thousands of visits) are converted once per distinct value.
    repeating = [f.column.strip() for name, f in fmt.items() if name in REPEATING and f.column]
    # Dates and time stamps are parsed while a clean CSV is read, unless a column serves two fields.
    uses = Counter(f.column.strip() for f in fmt.values() if f.column)
    typed: Typed = {fmt[name].column.strip(): (formats, dtype) for name, (formats, dtype) in QUICK_TYPES.items()
                    if name in fmt and fmt[name].column and uses[fmt[name].column.strip()] == 1}
    for n, path in enumerate(paths):
        report = _Problems(path.name)
        try:
            df = read_table(path, repeating, typed)
        except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
            problems.append(f"{path.name}: filen kan inte läsas som CSV eller Excel ({type(exc).__name__})")
            continue
        df = df.with_row_index("line", offset=2)
        wanted = fmt.get("Beviljad tid")
        is_granted = wanted is not None and bool(wanted.column) and wanted.column in df.columns
        needed = GRANTED_FIELDS if is_granted else VISIT_FIELDS
        optional = () if is_granted else OPTIONAL_VISIT_FIELDS
        columns: dict[str, str] = {}
        for name in (*needed, *optional):
            f = fmt.get(name)
            if f is None or not f.column:
                if name in needed:
                    where = f"Importformat!B{f.row}" if f is not None else "Importformat"
                    report.add(None, f'fältet {name} har ingen kolumn i Importformat; skriv exportens kolumnnamn i {where}')
                continue
            if f.column not in df.columns:
                if name in needed or f.column:
                    report.add(None, f'kolumnen "{f.column}" saknas i exporten; rätta raden {name} på bladet Importformat '
                                     f'(Importformat!B{f.row}) eller exporten')
                continue
            columns[name] = f.column
        if report.lines:
            problems.extend(report.lines)
            continue
        df = df.select("line", *[pl.col(c).alias(name) for name, c in columns.items()])
        df = _provider_ids(df, lookup, provider_type, report)
        if is_granted:
            granted.append(_granted(df, fmt, report))
        else:
            visits.append(_visits(df, fmt, columns, report, codes, path.name))
        problems.extend(report.lines)
        if progress:
            progress(n + 1, len(paths))
    empty_visits = pl.DataFrame(schema={"provider": provider_type, "customer": pl.UInt32, "staff": pl.UInt32,
                                        "day": pl.Date, "start": pl.Datetime, "end": pl.Datetime, "manual": pl.Boolean,
                                        "registered": pl.Datetime("us")})
    empty_granted = pl.DataFrame(schema={"provider": pl.String, "month": pl.String, "hours": pl.Float64})
    return Exports(
        visits=pl.concat(visits, how="vertical_relaxed") if visits else empty_visits,
        granted=pl.concat(granted, how="vertical_relaxed") if granted else empty_granted,
        problems=problems,
        files=[p.name for p in paths],
        pseudonyms=codes,
    )


def _provider_ids(df: pl.DataFrame, lookup: dict[str, str], dtype: pl.Enum, report: _Problems) -> pl.DataFrame:
    """UtförarID per row: the export may name a provider by ID, name or organisationsnummer."""
    keys = {k.casefold(): v for k, v in lookup.items()}
    values, index = _distinct(df, "Utförare")
    ids: list[str | None] = []
    for value in values.get_column("Utförare").to_list():
        text = value.strip()
        # An organisationsnummer may be written with or without its dash.
        ids.append(keys.get(text.casefold()) or keys.get(text.replace("-", "").replace(" ", "")))
    df = df.with_columns(pl.Series("provider", ids, dtype=dtype).gather(index))
    unknown = df.filter(pl.col("provider").is_null())
    if unknown.height:
        summary = unknown.group_by("Utförare").agg(pl.col("line").min(), pl.len()).sort("line")
        for value, line, count in summary.select("Utförare", "line", "len").iter_rows():
            if value is None or not str(value).strip():
                report.add(line, f"Utförare saknas ({count} rader)" if count > 1 else "Utförare saknas")
            else:
                more = f" ({count} rader)" if count > 1 else ""
                report.add(line, f"utföraren {_quoted(str(value))} finns inte i Utförare (UtförarID, Namn eller "
                                 f"Organisationsnummer){more}")
    return df


def _granted(df: pl.DataFrame, fmt: dict[str, ImportField], report: _Problems) -> pl.DataFrame:
    unit = fmt["Beviljad tid"].values
    per_hour = 60.0 if any(v.casefold() == "minuter" for v in unit) else 1.0
    month = pl.col("Månad").str.extract_groups(_MONTH)
    df = df.with_columns(
        (month.struct.field("1") + "-" + month.struct.field("2")).alias("month"),
        (_number("Beviljad tid") / per_hour).alias("hours"),
    )
    month_ok = pl.col("month").str.slice(5, 2).cast(pl.Int32, strict=False).is_between(1, 12)
    report.bad(df, (pl.col("month").is_null() | ~month_ok).fill_null(True) & pl.col("Månad").is_not_null(), "Månad",
               lambda v: f'"{v}" är ingen månad (skriv ÅÅÅÅ-MM)')
    report.bad(df, pl.col("Månad").is_null(), "line", lambda v: "Månad saknas")
    report.bad(df, (pl.col("hours").is_null() | (pl.col("hours") < 0)) & pl.col("Beviljad tid").is_not_null(),
               "Beviljad tid", lambda v: f"{_quoted(v)} är ingen tid i {'minuter' if per_hour == 60 else 'timmar'}")
    return df.select("provider", "month", "hours")


def _unread(df: pl.DataFrame, out: str, source: str) -> bool:
    """Whether a conversion left a value unread (more nulls in `out` than in `source`)."""
    return df.get_column(out).null_count() > df.get_column(source).null_count()


def _missing(name: str) -> Callable[[str], str]:
    return lambda _value: f"{name} saknas"


def _visits(df: pl.DataFrame, fmt: dict[str, ImportField], columns: dict[str, str], report: _Problems,
            codes: Pseudonyms, name: str) -> pl.DataFrame:
    length_in_minutes = any(v.casefold() == "minuter" for v in fmt["Slut"].values)
    # Each conversion is tiered: a strict fast parse, then the forgiving one (surrounding
    # spaces, the column's own format) and the Python reader, on the values still unread only.
    date = pl.col("Datum")
    if df.schema["Datum"] == pl.Date:  # parsed while reading
        df = df.with_columns(date.alias("day"))
    else:
        df = _with_fallback(df, "Datum", [date.str.to_date("%Y-%m-%d", strict=False),
                                          date.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)],
                            _slow_date, pl.Date(), "day", strict=date.str.to_date("%Y-%m-%d", strict=True))
    df = _per_value(df, "Start", [_clock(df, "Start")], lambda v: _slow_minutes(v, end=False), pl.Int32(), "start_min")
    if length_in_minutes:
        df = _per_value(df, "Slut", [_number("Slut")], lambda v: None, pl.Float64(), "end_min")
    else:
        df = _per_value(df, "Slut", [_clock(df, "Slut")], lambda v: _slow_minutes(v, end=True), pl.Float64(), "end_min")
    # A null count is known without a pass over the rows: a check runs only where it can find something.
    if _unread(df, "day", "Datum"):
        report.bad(df, pl.col("day").is_null() & pl.col("Datum").is_not_null(), "Datum",
                   lambda v: f"{_quoted(v)} är inget datum (skriv ÅÅÅÅ-MM-DD)")
    for field_name in ("Datum", "Start", "Slut", "Brukare", "Personal"):
        if df.get_column(field_name).null_count():
            report.bad(df, pl.col(field_name).is_null(), "line", _missing(field_name))
    if _unread(df, "start_min", "Start"):
        report.bad(df, pl.col("start_min").is_null() & pl.col("Start").is_not_null(), "Start",
                   lambda v: f"{_quoted(v)} är ingen tid")
    if length_in_minutes:
        report.bad(df, (pl.col("end_min").is_null() | (pl.col("end_min") < 0)) & pl.col("Slut").is_not_null(), "Slut",
                   lambda v: f"{_quoted(v)} är inget antal minuter")
    elif _unread(df, "end_min", "Slut"):
        report.bad(df, pl.col("end_min").is_null() & pl.col("Slut").is_not_null(), "Slut", lambda v: f"{_quoted(v)} är ingen tid")
    midnight = pl.col("day").cast(pl.Datetime("us"))
    start = midnight + pl.duration(minutes=pl.col("start_min"))
    if length_in_minutes:
        end_dt = start + pl.duration(seconds=(pl.col("end_min") * 60).round(0).cast(pl.Int64))
    else:
        # An end before the start is past midnight.
        wrap = pl.when(pl.col("end_min") < pl.col("start_min")).then(24 * 60).otherwise(0)
        end_dt = midnight + pl.duration(minutes=(pl.col("end_min") + wrap).cast(pl.Int64))
    # Each text column goes as soon as it is read and checked: the memory it held is reused
    # for the next columns instead of new pages being asked for.
    df = df.with_columns(start.alias("start"), end_dt.alias("end")).drop("Utförare", "Datum", "Start", "Slut", "start_min",
                                                                         "end_min")
    if "Registrering" in columns:
        words = {w.casefold() for w in fmt["Registrering"].values}
        values, index = _distinct(df, "Registrering")
        manual = pl.Series("manual", [v.strip().casefold() in words for v in values.get_column("Registrering").to_list()],
                           dtype=pl.Boolean)
        df = df.with_columns(manual.gather(index).fill_null(False)).drop("Registrering")
    else:
        df = df.with_columns(pl.lit(False).alias("manual"))
    if "Registrerad" in columns and df.schema["Registrerad"] == pl.Datetime("us"):  # parsed while reading
        df = df.rename({"Registrerad": "registered"})
    elif "Registrerad" in columns:
        stamp = _format_of(df, "Registrerad", STAMP_FORMATS)
        text = pl.col("Registrerad")
        # Time stamps are mostly distinct: polars' per-value cache would cost more than it saves.
        df = _with_fallback(df, "Registrerad", [text.str.strptime(pl.Datetime("us"), stamp, strict=False, cache=False),
                                                text.str.strip_chars().str.to_datetime(stamp, strict=False, time_unit="us")],
                            _slow_stamp, pl.Datetime("us"), "registered",
                            strict=text.str.strptime(pl.Datetime("us"), stamp, strict=True, cache=False))
        # A time of day alone is on the visit's date.
        failed = (df.select(pl.col("Registrerad").filter(pl.col("registered").is_null() & pl.col("Registrerad").is_not_null()))
                  .to_series() if _unread(df, "registered", "Registrerad") else pl.Series([], dtype=pl.String))
        if failed.len():
            # Only a bare clock time: a stamp whose date cannot be read ("2026-13-01 07:00") is an error.
            mapping = {v: _slow_minutes(v, end=True) if _CLOCK_ONLY.match(v) else None for v in failed.unique().to_list()}
            clock = pl.col("Registrerad").replace_strict(mapping, default=None, return_dtype=pl.Int32)
            df = df.with_columns(pl.coalesce(pl.col("registered"), midnight + pl.duration(minutes=clock)).alias("registered"))
        if _unread(df, "registered", "Registrerad"):
            report.bad(df, pl.col("registered").is_null() & pl.col("Registrerad").is_not_null(), "Registrerad",
                       lambda v: f"{_quoted(v)} är ingen tidpunkt (skriv ÅÅÅÅ-MM-DD TT:MM)")
        df = df.drop("Registrerad")
    else:
        df = df.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias("registered"))
    # Pseudonymise: the clear identities become codes right here and are dropped; a code's
    # keyed pseudonym is computed only if the drill-down lists it (Pseudonyms.of).
    for column, role in (("Brukare", "customer"), ("Personal", "staff")):
        values, index = _distinct(df, column)
        known = codes.codes(role, values.get_column(column).to_list())
        code = index if known is None else known.gather(index)
        df = df.with_columns(code.cast(pl.UInt32).alias(role)).drop(column)
    return df.select("provider", "customer", "staff", "day", "start", "end", "manual", "registered")

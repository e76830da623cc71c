"""Månadsuppföljning: the monthly check of registered time in hemtjänst.

`month_in` reads time-registration exports (see `monthly_read`), computes per provider and
month the figures of the sheet Månadsuppföljning, compares them with the thresholds in
Inställningar, and returns what to write: the sheet (months imported replace their old rows,
other months are kept), Genomförd on the provider's Månad row in Årshjul when it is empty,
proposed findings (Kategori Avvikelse, Område Tidsregistrering, Bekräftad Nej), and an
optional drill-down file listing the flagged visits by pseudonym only.

Definitions (each threshold is a setting, see contract.SETTING_DEFS):

- Utförd tid: the sum of the visits' lengths; Andel utförd av beviljad = utförd / beviljad
  (granted time from a granted-time export); outside [lägst, högst] is a deviation.
- Manuellt registrerade: the Registrering word is one of Importformat's Värden.
- Efterregistrerade: Registrerad more than N hours after the visit's end.
- Dubbelregistreringar: a visit whose staff member's previous visit (by start time) was at
  the same customer with the same or an overlapping time.
- Tätt efter varandra: the staff member starts at another customer less than N minutes
  after the previous visit ended (an overlap counts too: nobody is in two homes at once).
- Korta besök: shorter than N minutes.
- Personalkontinuitet: for each customer with at least 10 visits in days 1-14 of the month,
  the number of different staff met; the median over those customers (the national measure
  counts a 14-day period). Above the threshold is a deviation.
- Samma personal: customers with at least N visits in the month of whom one staff member
  did at least P % (the opposite of continuity: dependence on one person).

Example:
    >>> deviation_text("Dubbelregistreringar", "14 av 5 210 besök (0,3 %)", "högst 0,1 %")
    'Dubbelregistreringar 14 av 5 210 besök (0,3 %), gräns högst 0,1 %'
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

import polars as pl
from polars._typing import PolarsDataType

from uppf_xl.contract import DASHBOARD, MONTHLY, SCHEDULE, column_letter
from uppf_xl.model import MonthlyResult, Register, ScheduleRow, Settings
from uppf_xl.monthly_read import Exports
from uppf_xl.vocab import Category, Interval
from uppf_xl.workbook.content import Cell, CellPatch, ChartSpec, ConditionalFormat, SheetContent, TableBlock, Value

AREA = "Tidsregistrering"
PROPOSAL_PREFIX = "Förslag från månadsuppföljning"
CONTINUITY_DAYS = 14
CONTINUITY_MIN_VISITS = 10

# Kinds of deviation: code (in IakttagelseID), label (in Avvikelser and texts).
KINDS: dict[str, str] = {
    "UTF": "Utförd tid",
    "MAN": "Manuellt registrerade",
    "EFT": "Efterregistrerade",
    "DUB": "Dubbelregistreringar",
    "KORT": "Korta besök",
    "TATT": "Tätt efter varandra",
    "KONT": "Personalkontinuitet",
    "SAMMA": "Samma personal",
}


@dataclass
class Deviation:
    provider_id: str
    month: str
    code: str
    text: str  # figure and threshold


@dataclass
class Analysis:
    results: list[MonthlyResult]
    deviations: list[Deviation]
    loyal: dict[tuple[str, str], int] = field(default_factory=dict)  # (provider, month) -> customers
    # The drill-down is listed only when asked for (--detaljer): computed on first use.
    flag: Callable[[], pl.DataFrame] = field(default=lambda: pl.DataFrame(), repr=False)

    @functools.cached_property
    def flagged(self) -> pl.DataFrame:
        """The visits behind count deviations: month, provider, kind, pseudonyms, times."""
        return self.flag()


def _pct(x: float) -> str:
    return f"{x * 100:.1f}".replace(".", ",").replace(",0", "") + " %"


def _num(x: float) -> str:
    text = f"{x:,.1f}".replace(",", " ").replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def deviation_text(label: str, figure: str, threshold: str) -> str:
    return f"{label} {figure}, gräns {threshold}"


def _limit(value: float) -> str:
    return _num(value) + " %"


def _month_text(ym: int) -> str:
    return f"{ym // 12:04d}-{ym % 12 + 1:02d}"


def _packed(columns: list[tuple[str, int]]) -> pl.Expr | None:
    """One Int64 holding several small non-negative integer columns, (name, size) from the most
    significant; ordering and equality are those of the columns. None when it would not fit."""
    total = 1
    for _, size in columns:
        total *= max(size, 1)
    if total >= 2 ** 62:
        return None
    out: pl.Expr = pl.lit(0, dtype=pl.Int64)
    for name, size in columns:
        out = out * max(size, 1) + pl.col(name).cast(pl.Int64)
    return out


def _by_day(visits: pl.DataFrame, fn: Callable[[date], object], dtype: PolarsDataType) -> pl.Expr:
    """fn(day) for each row: computed once per calendar day in the data's range, then looked
    up by the day's number (a month of visits spans some 31 days)."""
    days = visits.get_column("day")
    low, high = days.min(), days.max()
    if not isinstance(low, date) or not isinstance(high, date) or (high - low).days > 50_000:
        return pl.col("day").map_batches(lambda s: pl.Series([None if d is None else fn(d) for d in s.to_list()], dtype=dtype),
                                         return_dtype=dtype)
    table = pl.Series([fn(low + timedelta(days=n)) for n in range((high - low).days + 1)], dtype=dtype)
    return pl.lit(table).gather(pl.col("day").to_physical() - (low - date(1970, 1, 1)).days)


def analyse(exports: Exports, register: Register, months: set[str] | None) -> Analysis:
    """Figures per provider and month, the deviations and the flagged visits."""
    s = register.settings
    visits = exports.visits
    provider = visits.get_column("provider")
    if not isinstance(provider.dtype, pl.Enum):
        visits = visits.with_columns(pl.col("provider").cast(pl.Enum(provider.drop_nulls().unique().sort())))
    categories: list[str] = visits.schema["provider"].categories.to_list()  # type: ignore[attr-defined]
    # The month is an integer (year * 12 + month - 1) until the few result rows; the provider,
    # customer and staff are integer codes (see monthly_read), since codes sort, group and
    # compare several times faster than text. The rows of v are base's rows, in order.
    base = visits.with_columns(_by_day(visits, lambda d: d.year * 12 + d.month - 1, pl.Int32).alias("ym"))
    if months:
        keep = pl.col("ym").is_in([int(m[:4]) * 12 + int(m[5:7]) - 1 for m in months])
        if not base.select(keep.all()).item():
            base = base.filter(keep)
    low, high, staff_max, customer_max = base.select(
        pl.col("ym").min().alias("low"), pl.col("ym").max().alias("high"), pl.col("staff").max(), pl.col("customer").max(),
    ).fill_null(0).row(0)
    first_month, n_months = int(low), int(high) - int(low) + 1
    n_staff, n_customers = int(staff_max) + 1, int(customer_max) + 1
    v = base.select(
        pl.col("provider").to_physical().alias("p"),
        pl.col("customer").alias("c"),
        pl.col("staff").alias("s"),
        (pl.col("provider").to_physical().cast(pl.Int64) * n_months + pl.col("ym") - first_month).alias("pm"),
        "start", "end",
        ((pl.col("end") - pl.col("start")).dt.total_seconds() / 60).alias("minutes"),
        "manual",
        ((pl.col("registered") - pl.col("end")).dt.total_seconds() > s.efterregistrerad_timmar * 3600).fill_null(False).alias("late"),
        _by_day(base, lambda d: d.day <= CONTINUITY_DAYS, pl.Boolean).alias("window"),
    ).with_columns((pl.col("minutes") < s.kort_besok_minuter).alias("short"))

    # One pass in each staff member's day order: the previous visit at the same customer with
    # the same or an overlapping time is a duplicate; at another customer, less than N
    # minutes before (or overlapping: nobody is in two homes at once), it is close.
    order = _staff_order(v, len(categories), n_staff)
    walk = v.select("p", "s", "c", "start", "end").select(pl.all().gather(order))
    gap = (pl.col("start") - pl.col("end").shift(1)).dt.total_seconds() / 60
    same_staff = (pl.col("p") == pl.col("p").shift(1)) & (pl.col("s") == pl.col("s").shift(1))
    same_customer = pl.col("c") == pl.col("c").shift(1)
    same_times = (pl.col("start") == pl.col("start").shift(1)) & (pl.col("end") == pl.col("end").shift(1))
    flags = walk.select(
        (same_staff & same_customer & ((gap < 0) | same_times)).fill_null(False).alias("duplicate"),
        (same_staff & ~same_customer & (gap < s.tatt_minuter)).fill_null(False).alias("close"),
    )
    # Back in file order: the rows of v stay where they are (and "i" is the row number).
    v = v.with_columns(pl.repeat(False, v.height, eager=True).scatter(order.filter(flags.get_column(name)), True).alias(name)
                       for name in ("duplicate", "close"))
    # The figures per provider-month are sums over its rows (one group-by on the provider-month
    # alone); continuity and dependence on one person count per provider-month, customer and
    # staff member (one group-by on the three packed into one integer).
    totals = v.group_by("pm").agg(
        pl.len().alias("visits"),
        (pl.col("minutes").sum() / 60).alias("hours"),
        pl.col("manual").sum(), pl.col("late").sum(),
        pl.col("duplicate").sum().alias("duplicates"), pl.col("short").sum(), pl.col("close").sum(),
    ).with_columns((pl.col("manual") / pl.col("visits")).alias("manual_share"),
                   (pl.col("late") / pl.col("visits")).alias("late_share"))
    key = _packed([("pm", len(categories) * n_months), ("c", n_customers), ("s", n_staff)])
    sums = [pl.len().alias("n"), pl.col("window").sum().alias("nw")]
    if key is not None:
        # The key is unpacked afterwards, once per group, instead of carried through the group-by.
        pairs = v.group_by(key.alias("g")).agg(*sums).with_columns(
            (pl.col("g") // (n_customers * n_staff)).alias("pm"), (pl.col("g") // n_staff % n_customers).cast(pl.UInt32).alias("c"))
    else:
        pairs = v.group_by(["pm", "c", "s"]).agg(*sums)
    customers = pairs.group_by(["pm", "c"]).agg(
        pl.col("nw").sum(), (pl.col("nw") > 0).sum().alias("staff_window"),
        pl.col("n").sum().alias("total"), pl.col("n").max().alias("top"),
    )
    continuity = (customers.filter(pl.col("nw") >= CONTINUITY_MIN_VISITS)
                  .group_by("pm").agg(pl.col("staff_window").median().alias("continuity")))
    loyal = customers.filter((pl.col("total") >= s.samma_personal_besok)
                             & (pl.col("top") * 100 >= pl.col("total") * s.samma_personal_andel)).select("pm", "c")
    loyal_counts = loyal.group_by("pm").agg(pl.len().alias("loyal"))
    table = totals.join(continuity, on="pm", how="left").join(loyal_counts, on="pm", how="left")
    table = table.filter(pl.col("pm").is_not_null())  # rows of an unknown provider (the reader reported them)
    pms = table.get_column("pm").to_list()
    table = table.with_columns(pl.Series("provider", [categories[pm // n_months] for pm in pms], dtype=pl.String),
                               pl.Series("month", [_month_text(pm % n_months + first_month) for pm in pms], dtype=pl.String))
    granted = exports.granted.with_columns(pl.col("provider").cast(pl.String)).group_by(["provider", "month"]).agg(pl.col("hours").sum().alias("granted"))
    table = table.join(granted, on=["provider", "month"], how="left").sort(["month", "provider"])
    results: list[MonthlyResult] = []
    deviations: list[Deviation] = []
    loyal_map: dict[tuple[str, str], int] = {}
    pm_of: dict[tuple[str, str], int] = {}
    for row in table.iter_rows(named=True):
        p = register.provider(row["provider"])
        granted_h = row["granted"]
        share = row["hours"] / granted_h if granted_h else None
        r = MonthlyResult(
            month=row["month"], provider_id=row["provider"], provider_name=p.name if p else "",
            visits=int(row["visits"]), performed_hours=round(float(row["hours"]), 1),
            granted_hours=round(float(granted_h), 1) if granted_h is not None else None,
            performed_share=round(share, 3) if share is not None else None,
            manual_share=round(float(row["manual_share"] or 0), 3), late_share=round(float(row["late_share"] or 0), 3),
            duplicates=int(row["duplicates"]), short=int(row["short"]), close=int(row["close"]),
            continuity=float(row["continuity"]) if row["continuity"] is not None else None,
        )
        loyal_map[(r.provider_id, r.month)] = int(row["loyal"] or 0)
        pm_of[(r.provider_id, r.month)] = int(row["pm"])
        mine = _deviations(r, int(row["loyal"] or 0), s, share)
        r.deviations = "; ".join(d.text for d in mine)
        results.append(r)
        deviations.extend(mine)
    return Analysis(results, deviations, loyal_map, lambda: _flagged(exports, base, v, loyal, deviations, pm_of, n_customers))


def _staff_order(v: pl.DataFrame, n_providers: int, n_staff: int) -> pl.Series:
    """The row numbers of the visits by provider, staff member, start and end; ties keep the
    file order. One packed integer key when the times allow it, else a sort on the columns."""
    whole_minutes = 60_000_000
    if v.height:
        length = (pl.col("end") - pl.col("start")).dt.total_seconds()
        bounds = v.select(
            pl.col("start").min().alias("first"), pl.col("start").max().alias("last"),
            length.min().alias("shortest"), length.max().alias("longest"),
            (pl.col("start").dt.epoch("us") % whole_minutes != 0).any().alias("seconds"),
            pl.any_horizontal(pl.col("p", "s", "start", "end").is_null().any()).alias("nulls"),
        ).row(0, named=True)
        if not bounds["nulls"] and not bounds["seconds"] and bounds["shortest"] >= 0:
            first = bounds["first"]
            span = int((bounds["last"] - first).total_seconds() // 60) + 1
            start = ((pl.col("start") - first).dt.total_seconds() // 60).alias("start_minute")
            key = _packed([("p", n_providers), ("s", n_staff), ("start_minute", span), ("length", int(bounds["longest"]) + 1)])
            if key is not None:
                return v.select("p", "s", start, length.alias("length")).select(pl.arg_sort_by(key, maintain_order=True)).to_series()
    return v.select(pl.arg_sort_by(["p", "s", "start", "end"], maintain_order=True)).to_series()


def _flagged(exports: Exports, base: pl.DataFrame, v: pl.DataFrame, loyal: pl.DataFrame, deviations: list[Deviation],
             pm_of: dict[tuple[str, str], int], n_customers: int) -> pl.DataFrame:
    """The visits behind each deviation that counts visits, customers and staff by pseudonym."""
    if not deviations:
        v = v.head(0)
    v = v.with_row_index("i")  # v's rows are base's rows
    parts = []
    for column, code in (("duplicate", "DUB"), ("close", "TATT"), ("short", "KORT"), ("late", "EFT"), ("manual", "MAN")):
        wanted = [pm_of[d.provider_id, d.month] for d in deviations if d.code == code]
        if wanted:
            parts.append(v.filter(pl.col(column) & pl.col("pm").is_in(wanted)).select("i", pl.lit(KINDS[code]).alias("kind")))
    wanted = [pm_of[d.provider_id, d.month] for d in deviations if d.code == "SAMMA"]
    if wanted:
        who = loyal.filter(pl.col("pm").is_in(wanted)).select(pl.col("pm") * n_customers + pl.col("c")).to_series()
        parts.append(v.filter((pl.col("pm") * n_customers + pl.col("c")).is_in(who.implode()))
                     .select("i", pl.lit(KINDS["SAMMA"]).alias("kind")))
    columns = ["month", "provider", "kind", "customer", "staff", "start", "end", "minutes", "manual", "registered"]
    if not parts:
        return pl.DataFrame(schema={"month": pl.String, "provider": pl.String, "kind": pl.String, "customer": pl.String,
                                    "staff": pl.String, "start": pl.Datetime("us"), "end": pl.Datetime("us"),
                                    "minutes": pl.Float64, "manual": pl.Boolean, "registered": pl.Datetime("us")})
    chosen = pl.concat(parts)
    rows = base.select(pl.all().gather(chosen.get_column("i")))
    customers = exports.pseudonyms.of("customer", rows.get_column("customer").unique().to_list())
    staff = exports.pseudonyms.of("staff", rows.get_column("staff").unique().to_list())
    flagged = rows.with_columns(
        chosen.get_column("kind"),
        pl.format("{}-{}", pl.col("ym") // 12, (pl.col("ym") % 12 + 1).cast(pl.String).str.zfill(2)).alias("month"),
        pl.col("provider").cast(pl.String),
        pl.col("customer").replace_strict(customers, default=None, return_dtype=pl.String),
        pl.col("staff").replace_strict(staff, default=None, return_dtype=pl.String),
        ((pl.col("end") - pl.col("start")).dt.total_seconds() / 60).alias("minutes"),
    ).select(columns)
    return flagged.sort(["month", "provider", "kind", "start"], maintain_order=True)


def _deviations(r: MonthlyResult, loyal: int, s: Settings, share: float | None) -> list[Deviation]:
    out: list[Deviation] = []

    def add(code: str, figure: str, threshold: str) -> None:
        out.append(Deviation(r.provider_id, r.month, code, deviation_text(KINDS[code], figure, threshold)))

    visits = max(r.visits, 1)
    if share is not None and not s.utford_lagst <= share * 100 <= s.utford_hogst:
        add("UTF", f"{_pct(share)} av beviljad ({_num(r.performed_hours)} av {_num(r.granted_hours or 0)} timmar)",
            f"{_num(s.utford_lagst)}–{_limit(s.utford_hogst)}")
    if r.manual_share * 100 > s.manuella_hogst:
        add("MAN", _pct(r.manual_share), f"högst {_limit(s.manuella_hogst)}")
    if r.late_share * 100 > s.efterregistrerade_hogst:
        add("EFT", f"{_pct(r.late_share)} registrerade mer än {_num(s.efterregistrerad_timmar)} timmar efter besöket",
            f"högst {_limit(s.efterregistrerade_hogst)}")
    for code, count, limit in (("DUB", r.duplicates, s.dubbel_hogst), ("KORT", r.short, s.korta_hogst),
                               ("TATT", r.close, s.tatt_hogst)):
        if count * 100 > limit * visits:
            add(code, f"{count} av {r.visits} besök ({_pct(count / visits)})", f"högst {_limit(limit)}")
    if r.continuity is not None and r.continuity > s.kontinuitet_hogst:
        add("KONT", f"{_num(r.continuity)} personal på {CONTINUITY_DAYS} dagar (median)", f"högst {_num(s.kontinuitet_hogst)}")
    if loyal:
        add("SAMMA", f"{loyal} brukare där en person gjort minst {_limit(s.samma_personal_andel)} av minst "
                     f"{s.samma_personal_besok} besök", "ingen brukare")
    return out


def count_limit(visits: int, percent: float) -> float:
    """The highest count a share threshold allows: counts above it are outside."""
    return percent * max(visits, 1) / 100


# ------------------------------------------------------------------------------------ writing
def monthly_sheet(rows: list[MonthlyResult], s: Settings) -> SheetContent:
    """The whole Månadsuppföljning sheet: colours mark every figure outside its threshold."""
    rows = sorted(rows, key=lambda r: (r.month, r.provider_id))
    values: list[list[Value]] = [
        [r.month, r.provider_id, r.provider_name, r.visits, r.performed_hours, r.granted_hours, r.performed_share,
         r.manual_share, r.late_share, r.duplicates, r.short, r.close, r.continuity, r.deviations]
        for r in rows
    ]
    styles = {h: "percent" for h in MONTHLY.headers if h.startswith("Andel")}
    styles.update({"Utförd tid (h)": "number", "Beviljad tid (h)": "number", "Personalkontinuitet": "number", "Månad": "text"})
    block = TableBlock(MONTHLY.table, 1, 1, MONTHLY.headers, values, styles=styles)  # type: ignore[arg-type]
    conditional: list[ConditionalFormat] = []
    cells: list[Cell] = []
    if rows:
        last = len(rows) + 1

        def ref(header: str) -> str:
            letter = column_letter(MONTHLY.headers.index(header) + 1)
            return f"{letter}2:{letter}{last}"

        conditional += [
            ConditionalFormat(ref("Andel utförd av beviljad"), "less", s.utford_lagst / 100, "red"),
            ConditionalFormat(ref("Andel utförd av beviljad"), "greater", s.utford_hogst / 100, "red"),
            ConditionalFormat(ref("Andel manuellt registrerade"), "greater", s.manuella_hogst / 100, "red"),
            ConditionalFormat(ref("Andel efterregistrerade"), "greater", s.efterregistrerade_hogst / 100, "red"),
            ConditionalFormat(ref("Personalkontinuitet"), "greater", s.kontinuitet_hogst, "red"),
        ]
        # Counts have thresholds relative to the visits, so each flagged cell is coloured itself.
        for i, r in enumerate(rows, start=2):
            for header, count, limit in (("Dubbelregistreringar", r.duplicates, s.dubbel_hogst),
                                         ("Korta besök", r.short, s.korta_hogst), ("Tätt efter varandra", r.close, s.tatt_hogst)):
                if count > count_limit(r.visits, limit):
                    cells.append(Cell(i, MONTHLY.headers.index(header) + 1, count, "red"))
    widths = MONTHLY.widths
    return SheetContent(MONTHLY.name, tables=[block], cells=cells, widths=widths, freeze="A2", conditional=conditional)


def merged_results(old: list[MonthlyResult], new: list[MonthlyResult]) -> list[MonthlyResult]:
    """The sheet after an import: the imported months replace their rows, other months stay."""
    months = {r.month for r in new}
    return [r for r in old if r.month not in months] + list(new)


def finding_id(month: str, provider_id: str, code: str) -> str:
    return f"M-{month}-{provider_id}-{code}"


def proposals(register: Register, analysis: Analysis, today: date) -> list[dict[str, Value]]:
    """Proposed findings for deviations not proposed before (by ID, or by an earlier import's Avvikelser)."""
    known = {f.id for f in register.findings}
    before = {(r.provider_id, r.month): r.deviations for r in register.monthly}
    keys: dict[tuple[str, str], str] = {(r.provider_id, r.period): r.key for r in _month_rows(register)}
    out: list[dict[str, Value]] = []
    for d in analysis.deviations:
        fid = finding_id(d.month, d.provider_id, d.code)
        if fid in known or KINDS[d.code] in before.get((d.provider_id, d.month), ""):
            continue
        known.add(fid)
        out.append({
            "IakttagelseID": fid,
            "Datum": today,
            "UtförarID": d.provider_id,
            "Nyckel": keys.get((d.provider_id, d.month), ""),
            "Kategori": Category.AVVIKELSE.value,
            "Område": AREA,
            "Beskrivning": f"{PROPOSAL_PREFIX} {d.month}: {d.text}. Bekräfta genom att skriva Ja i Bekräftad, "
                           "eller ta bort raden.",
            "Sammanfattning för nämnd": "",
            "Bekräftad": "Nej",
        })
    return out


def _month_rows(register: Register) -> list[ScheduleRow]:
    monthly_types = {t.id for t in register.types if t.interval is Interval.MONTH}
    return [r for r in register.schedule if r.type_id in monthly_types]


def done_patch(register: Register, results: list[MonthlyResult], today: date) -> tuple[CellPatch, list[str]]:
    """Genomförd (and Status) on each imported provider's Månad row of the month, when empty."""
    from uppf_xl.schedule import row_status

    imported = {(r.provider_id, r.month) for r in results}
    values: dict[tuple[int, str], Value] = {}
    keys: list[str] = []
    for row in _month_rows(register):
        if (row.provider_id, row.period) in imported and row.done is None and row.row:
            values[row.row, "Genomförd"] = today
            values[row.row, "Status"] = row_status(dataclasses.replace(row, done=today), register.settings, today).value
            keys.append(row.key)
    return CellPatch(SCHEDULE.name, values), keys


def missing_rows(register: Register, results: list[MonthlyResult]) -> list[str]:
    """Providers with a Månad row in an imported month but no visits in the exports."""
    months = {r.month for r in results}
    seen = {(r.provider_id, r.month) for r in results}
    return sorted({f"{r.provider_id} ({r.period})" for r in _month_rows(register)
                   if r.period in months and (r.provider_id, r.period) not in seen})


# ----------------------------------------------------------------------------------- Översikt
TREND_TABLE = "tblOversiktManadsuppfoljning"
TREND_HEADER = ["Månad", "Utförare", "Besök", "Andel utförd av beviljad", "Andel manuellt registrerade",
                "Andel efterregistrerade", "Dubbelregistreringar", "Korta besök", "Tätt efter varandra",
                "Personalkontinuitet", "Utförare med avvikelse"]
TREND_MONTHS = 24
CHART_CM = (11.5, 6.5)


def trend_rows(results: list[MonthlyResult]) -> list[list[Value]]:
    """The municipality's figures per month: shares weighted by visits, continuity the median of providers'."""
    by_month: dict[str, list[MonthlyResult]] = {}
    for r in results:
        by_month.setdefault(r.month, []).append(r)
    rows: list[list[Value]] = []
    for month in sorted(by_month)[-TREND_MONTHS:]:
        rs = by_month[month]
        visits = sum(r.visits for r in rs) or 1
        granted = sum(r.granted_hours or 0 for r in rs if r.granted_hours)
        performed = sum(r.performed_hours for r in rs if r.granted_hours)
        conts = sorted(r.continuity for r in rs if r.continuity is not None)
        median = None
        if conts:
            mid = len(conts) // 2
            median = conts[mid] if len(conts) % 2 else (conts[mid - 1] + conts[mid]) / 2
        rows.append([
            month, len(rs), sum(r.visits for r in rs), round(performed / granted, 3) if granted else None,
            round(sum(r.manual_share * r.visits for r in rs) / visits, 3), round(sum(r.late_share * r.visits for r in rs) / visits, 3),
            sum(r.duplicates for r in rs), sum(r.short for r in rs), sum(r.close for r in rs), median,
            sum(1 for r in rs if r.deviations),
        ])
    return rows


def add_trends(sheet: SheetContent, results: list[MonthlyResult]) -> SheetContent:
    """Append the monthly check's table and one line chart per indicator below Översikt's content."""
    if not results or sheet.name != DASHBOARD.name:
        return sheet
    from uppf_xl.dashboard_sheet import CM_PER_WIDTH_UNIT, ROW_HEIGHT_CM

    bottom = max([b.last_row for b in sheet.tables] + [c.row for c in sheet.cells] + [1])
    title_row = bottom + 3
    sheet.cells.append(Cell(title_row - 1, 1, "Månadsuppföljning: tidsregistrering per månad (alla utförare)", "subtitle"))
    rows = trend_rows(results)
    styles = {h: "percent" for h in TREND_HEADER if h.startswith("Andel")}
    styles["Personalkontinuitet"] = "number"
    block = TableBlock(TREND_TABLE, title_row, 1, TREND_HEADER, rows, styles=styles)  # type: ignore[arg-type]
    sheet.tables.append(block)
    for i, h in enumerate(TREND_HEADER, start=1):
        need = max([len(h) + 4.0] + [len(str(r[i - 1])) + 2.0 for r in rows])
        sheet.widths[i] = max(sheet.widths.get(i, 8.0), min(need, 30.0))
    # Two charts side by side: the second starts at the first column past the first chart's width.
    width_units, col = 0.0, 1
    while width_units * CM_PER_WIDTH_UNIT < CHART_CM[0] + 0.5:
        width_units += sheet.widths.get(col, 8.43)
        col += 1
    chart_rows = int(CHART_CM[1] / ROW_HEIGHT_CM) + 2
    first = block.last_row + 2
    for n, header in enumerate(TREND_HEADER[3:]):
        row = first + (n // 2) * chart_rows
        anchor = f"{'A' if n % 2 == 0 else column_letter(col)}{row}"
        y_title = "Andel" if header.startswith("Andel") else ("Personal" if header == "Personalkontinuitet" else "Antal")
        sheet.charts.append(ChartSpec("line", header, TREND_TABLE, "Månad", [header], anchor, CHART_CM[0], CHART_CM[1], y_title))
    return sheet


# ------------------------------------------------------------------------------- nämnd report
def report_rows(register: Register, provider_ids: set[str], first: date, last: date, as_of: date) -> list[list[str | int]]:
    """The report's monthly section: months checked, providers with deviations per kind, action plans that followed.

    Rows: Kontrollerade (providers, provider-months, action plans) then one row per kind.
    """
    from uppf_xl.dates import add_months

    period: set[str] = set()
    month = date(first.year, first.month, 1)
    while month <= last:
        period.add(f"{month:%Y-%m}")
        month = add_months(month, 1)
    mine = [r for r in register.monthly if r.month in period and r.provider_id in provider_ids]
    if not mine:
        return []
    plans: dict[str, set[str]] = {}
    for f in register.findings:
        if f.id.startswith("M-") and f.confirmed and f.requested is not None and f.requested <= as_of and f.provider_id in provider_ids:
            plans.setdefault(f.id.rsplit("-", 1)[-1], set()).add(f.provider_id)
    rows: list[list[str | int]] = [[
        f"Kontrollerade ({len({r.month for r in mine})} månader)", len({r.provider_id for r in mine}), len(mine),
        len(set().union(*plans.values())) if plans else 0,
    ]]
    for code, label in KINDS.items():
        hit = [r for r in mine if label in r.deviations]
        if hit:
            rows.append([label, len({r.provider_id for r in hit}), len(hit), len(plans.get(code, set()))])
    return rows


REPORT_HEADER = ["Månadsuppföljning", "Utförare", "Utförarmånader", "Ledde till åtgärdsplan"]

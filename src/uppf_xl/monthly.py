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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from uppf_xl.contract import DASHBOARD, FINDINGS, MONTHLY, SCHEDULE, column_letter
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
    flagged: pl.DataFrame  # visits behind count deviations: month, provider, kind, pseudonyms, times
    loyal: dict[tuple[str, str], int] = field(default_factory=dict)  # (provider, month) -> customers


def _pct(x: float) -> str:
    return f"{x * 100:.1f}".replace(".", ",").replace(",0", "") + " %"


def _num(x: float) -> str:
    text = f"{x:,.1f}".replace(",", " ").replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def deviation_text(label: str, figure: str, threshold: str) -> str:
    return f"{label} {figure}, gräns {threshold}"


def _limit(value: float) -> str:
    return _num(value) + " %"


def analyse(exports: Exports, register: Register, months: set[str] | None) -> Analysis:
    """Figures per provider and month, the deviations and the flagged visits."""
    s = register.settings
    base = exports.visits.with_columns(pl.col("day").dt.strftime("%Y-%m").alias("month"))
    if months:
        base = base.filter(pl.col("month").is_in(sorted(months)))
    # Customers and staff are integer codes (see monthly_read); the provider gets one too, since
    # codes sort and compare several times faster than text. The drill-down joins back by "i".
    base = base.with_row_index("i").with_columns(
        pl.col("provider").cast(pl.Categorical).to_physical().alias("p"),
        pl.col("customer").alias("c"),
        pl.col("staff").alias("s"),
        ((pl.col("end") - pl.col("start")).dt.total_seconds() / 60).alias("minutes"),
    )
    v = base.select("i", "p", "c", "s", "month", "day", "start", "end", "minutes", "manual", "registered").with_columns(
        ((pl.col("registered") - pl.col("end")).dt.total_seconds() > s.efterregistrerad_timmar * 3600).fill_null(False).alias("late"),
        (pl.col("minutes") < s.kort_besok_minuter).alias("short"),
    ).drop("registered")
    keys = ["p", "month"]

    def same(*cols: str) -> pl.Expr:
        out = pl.lit(True)
        for c in cols:
            out = out & (pl.col(c) == pl.col(c).shift(1))
        return out

    # One pass in each staff member's day order: the previous visit at the same customer with
    # the same or an overlapping time is a duplicate; at another customer, less than N
    # minutes before (or overlapping: nobody is in two homes at once), it is close.
    v = v.sort(["p", "s", "start", "end"])
    gap = (pl.col("start") - pl.col("end").shift(1)).dt.total_seconds() / 60
    same_staff = same("p", "s")
    same_customer = pl.col("c") == pl.col("c").shift(1)
    v = v.with_columns(
        (same_staff & same_customer & ((gap < 0) | same("start", "end"))).fill_null(False).alias("duplicate"),
        (same_staff & ~same_customer & (gap < s.tatt_minuter)).fill_null(False).alias("close"),
    )
    totals = v.group_by(keys).agg(
        pl.len().alias("visits"),
        (pl.col("minutes").sum() / 60).alias("hours"),
        pl.col("manual").mean().alias("manual_share"),
        pl.col("late").mean().alias("late_share"),
        pl.col("duplicate").sum().alias("duplicates"),
        pl.col("short").sum().alias("short"),
        pl.col("close").sum().alias("close"),
    )
    window = v.filter(pl.col("day").dt.day() <= CONTINUITY_DAYS)
    continuity = (
        window.group_by([*keys, "c"]).agg(pl.len().alias("n"), pl.col("s").n_unique().alias("staff"))
        .filter(pl.col("n") >= CONTINUITY_MIN_VISITS)
        .group_by(keys).agg(pl.col("staff").median().alias("continuity"))
    )
    per_customer = v.group_by([*keys, "c", "s"]).agg(pl.len().alias("n"))
    loyal = (
        per_customer.group_by([*keys, "c"]).agg(pl.col("n").sum().alias("total"), pl.col("n").max().alias("top"))
        .filter((pl.col("total") >= s.samma_personal_besok) & (pl.col("top") * 100 >= pl.col("total") * s.samma_personal_andel))
    )
    loyal_counts = loyal.group_by(keys).agg(pl.len().alias("loyal"))
    names = base.select("p", "provider").unique("p")
    granted = exports.granted.group_by(["provider", "month"]).agg(pl.col("hours").sum().alias("granted"))
    table = (
        totals.join(continuity, on=keys, how="left").join(loyal_counts, on=keys, how="left")
        .join(names, on="p").join(granted, on=["provider", "month"], how="left").sort(["month", "provider"])
    )
    results: list[MonthlyResult] = []
    deviations: list[Deviation] = []
    loyal_map: dict[tuple[str, str], int] = {}
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
        mine = _deviations(r, int(row["loyal"] or 0), s, share)
        r.deviations = "; ".join(d.text for d in mine)
        results.append(r)
        deviations.extend(mine)
    flagged_keys = {(d.provider_id, d.month, d.code) for d in deviations}
    code_of = dict(names.select("provider", "p").iter_rows())
    parts = []
    for column, code in (("duplicate", "DUB"), ("close", "TATT"), ("short", "KORT"), ("late", "EFT"), ("manual", "MAN")):
        wanted = [(code_of[p], m) for (p, m, c) in flagged_keys if c == code]
        if wanted:
            sel = pl.DataFrame({"p": [w[0] for w in wanted], "month": [w[1] for w in wanted]},
                               schema={"p": v.schema["p"], "month": pl.String})
            parts.append(v.join(sel, on=keys).filter(pl.col(column)).select("i", pl.lit(KINDS[code]).alias("kind")))
    loyal_wanted = [(code_of[p], m) for (p, m, c) in flagged_keys if c == "SAMMA"]
    if loyal_wanted:
        sel = pl.DataFrame({"p": [w[0] for w in loyal_wanted], "month": [w[1] for w in loyal_wanted]},
                           schema={"p": v.schema["p"], "month": pl.String})
        who = loyal.join(sel, on=keys).select(*keys, "c")
        parts.append(v.join(who, on=[*keys, "c"]).select("i", pl.lit(KINDS["SAMMA"]).alias("kind")))
    columns = ["month", "provider", "kind", "customer", "staff", "start", "end", "minutes", "manual", "registered"]
    if parts:
        flagged = pl.concat(parts).join(base, on="i").with_columns(
            pl.col("customer").replace_strict(exports.pseudonyms["customer"], default=None, return_dtype=pl.String),
            pl.col("staff").replace_strict(exports.pseudonyms["staff"], default=None, return_dtype=pl.String),
        ).select(columns)
    else:
        flagged = base.head(0).with_columns(pl.lit("").alias("kind")).select(columns)
    return Analysis(results, deviations, flagged.sort(["month", "provider", "kind", "start"]), loyal_map)


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
    widths = {i: c.width for i, c in enumerate(MONTHLY.columns, start=1)}
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
    keys = {(r.provider_id, r.period): r.key for r in _month_rows(register)}
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


def write_details(path: Path, flagged: pl.DataFrame) -> int:
    """The drill-down file: every flagged visit, customers and staff by pseudonym only."""
    from uppf_xl.workbook.output import write_plain_table

    header = ["Månad", "UtförarID", "Avvikelse", "Brukare (pseudonym)", "Personal (pseudonym)", "Start", "Slut",
              "Minuter", "Registrering", "Registrerad"]
    rows = (
        [row["month"], row["provider"], row["kind"], row["customer"], row["staff"], row["start"], row["end"],
         round(row["minutes"], 1), "Manuell" if row["manual"] else "Elektronisk", row["registered"]]
        for row in flagged.iter_rows(named=True)
    )
    return write_plain_table(path, "Flaggade besök", "tblFlaggadeBesok", header, rows,
                             widths=(9, 11, 22, 16, 16, 17, 17, 9, 12, 17))


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

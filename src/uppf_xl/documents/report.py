"""Writes the nämnd report: the .docx (template namndrapport.docx), its .xlsx annex, the charts.

Order of work, so that nothing half-done is left behind: compute every report, run the
public-insight guard over every text, render every document in memory, and only then write
files. With `pdf`, the .docx files are converted in one LibreOffice call to tagged PDF/A.

File names: with one nämnd, `out` is the .docx (a folder gets
`Nämndrapport_<år>_<period>_<nämnd>.docx` inside); without, `out` is a folder with one report
per nämnd. Beside each report: `<stem>_bilaga.xlsx` (the tables) and `<stem>_arshjul.png`
and `.svg` (the year wheel, for the plan document and the intranet).

Accessibility: the template has real headings, Swedish as the language of its styles, table
header rows marked to repeat (w:tblHeader) with a table caption; each chart is inserted here
with its alternative text in the picture's docPr descr, and the document title is set.

Example:
    >>> res = write_reports(reg, reg.schedule, 2025, "T1", "Vård- och omsorgsnämnden",
    ...                     Path("ut/rapport.docx"), date(2025, 5, 10), pdf=False, mask=False)  # doctest: +SKIP
    >>> [p.name for p in res.files]                                          # doctest: +SKIP
    ['rapport.docx', 'rapport_bilaga.xlsx', 'rapport_arshjul.png', 'rapport_arshjul.svg']
"""

from __future__ import annotations

import io
import re
import tempfile
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, Twips
from docx.table import Table as DocxTable

from uppf_xl import charts as charts_mod
from uppf_xl import effect as effect_mod
from uppf_xl import wheel as wheel_mod
from uppf_xl import guard, outputs, render
from uppf_xl.contract import FINDINGS, CellLocator, default_cell
from uppf_xl.dates import swedish_month
from uppf_xl.errors import ExternalProgramMissing, UsageError
from uppf_xl.letters import safe_name_part
from uppf_xl.model import Register, ScheduleRow
from uppf_xl import report as report_mod
from uppf_xl.report import build_report, namnder, normalize_period
from uppf_xl.report_model import NamndReport, Table
from uppf_xl.workbook.content import Cell, CellPatch, SheetContent, TableBlock

TEMPLATE = "namndrapport.docx"
REPORTED = "Rapporterad till nämnd"
CHART_WIDTH = {"month": Cm(15.5), "categories": Cm(15.0), "wheel": Cm(16.0), "effect": Cm(15.5)}
MARKER = "[[diagram:{}]]"
TEXT_WIDTH_CM = 16.0  # A4 with 2.5 cm margins, as in templates/build/report.py


@dataclass
class ReportResult:
    """What `write_reports` wrote and what the CLI reports.

    `mark_reported_patch` sets Rapporterad till nämnd = today on the findings the reports
    covered that have no such date yet; it is applied only with --mark-reported.
    """

    reports: list[NamndReport]
    files: list[Path]
    docx: list[Path]
    pdfs: list[Path]
    annexes: list[Path]
    wheels: list[Path]
    mark_reported_patch: CellPatch
    hits: list[guard.Hit] = field(default_factory=list)  # masked personal data (with mask=True)
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pdf_error: ExternalProgramMissing | None = None


def write_reports(
    register: Register,
    rows: list[ScheduleRow],
    year: int,
    period: str,
    namnd: str | None,
    out: Path,
    today: date,
    pdf: bool,
    mask: bool,
    *,
    locate: CellLocator = default_cell,
) -> ReportResult:
    """Write the report of `namnd` (or of every nämnd) for `period` of `year`.

    Raises PersonalDataFound (nothing written) when the guard finds personal data and
    `mask` is False; UsageError for an unknown nämnd or period.
    """
    period = normalize_period(period)
    if namnd is None and out.suffix.lower() == ".docx":
        raise UsageError(
            f"Utan --nämnd skrivs en rapport per nämnd, så --out ska vara en mapp, inte {out.name}."
        )
    boards = [namnd] if namnd else namnder(register)
    reports = [build_report(register, rows, year, period, b, today, locate=locate) for b in boards]
    effects = [effect_mod.build_effect(register, rows, year, b, today) if period == "år" else None for b in boards]

    names = guard.person_names(register)
    items = list(dict.fromkeys(item for rep in reports for item in rep.texts))
    labels = [i for i in dict.fromkeys(item for rep in reports for item in rep.labels) if i not in items]
    hits = guard.scan(items, names) + guard.scan(labels, [])
    items += labels
    if hits and not mask:
        guard.raise_if_found(hits)

    masked = _masked_texts(items, hits)
    targets = _targets(reports, out, namnd is not None, year, period)
    result = ReportResult(reports, [], [], [], [], [], _mark_reported(reports, today))
    result.hits = hits
    with tempfile.TemporaryDirectory(prefix="uppf_xl_charts_") as tmp:
        rendered: list[tuple[Path, bytes]] = []
        annexes: list[tuple[Path, list[SheetContent]]] = []
        result.reports = [public_report(rep, masked, mask) for rep in reports]
        for rep, docx_path, effect in zip(result.reports, targets, effects):
            stem = docx_path.with_suffix("")
            rings, members = wheel_mod.group(register, _public_labels(rep.charts.wheel))
            wheel = charts_mod.year_wheel(
                rings, rep.year, Path(tmp) / f"{len(rendered)}_arshjul.png", subtitle=rep.namnd, members=members,
                tertial_ends=(register.settings.tertial1_slut[0], register.settings.tertial2_slut[0]),
            )
            chart_set = {
                "month": charts_mod.monthly_chart(
                    rep.charts.months, rep.charts.planned, rep.charts.done, rep.year, Path(tmp) / f"{len(rendered)}_m.png"
                ),
                "categories": charts_mod.category_chart(
                    rep.charts.categories, rep.period_label, Path(tmp) / f"{len(rendered)}_k.png"
                ),
                "wheel": wheel,
            }
            if effect is not None:
                chart_set["effect"] = effect_chart(effect, Path(tmp) / f"{len(rendered)}_e.png")
            annex_path = Path(f"{stem}_bilaga.xlsx")
            wheel_path = Path(f"{stem}_arshjul.png")
            bilagor = [
                f"Bilaga 1. Tabellerna i rapporten som kalkylblad ({annex_path.name}).",
                f"Bilaga 2. Årshjul {rep.year} som bild ({wheel_path.name}).",
            ]
            ctx = context(rep, chart_set, bilagor, effect)
            ctx = _public(ctx, {}, mask)  # the last pass also covers the template's own texts
            data = render.render_bytes(TEMPLATE, ctx, register.settings)
            rendered.append((docx_path, _finish(data, rep, chart_set)))
            annexes.append((annex_path, annex_sheets(rep) + (effect_sheets(effect, rep) if effect else [])))
            result.wheels.append(wheel_path)

        # Everything rendered cleanly: now write.
        from uppf_xl.workbook.output import write_output_xlsx

        result.docx = render.write_all(rendered)
        for path, sheets in annexes:
            write_output_xlsx(path, sheets)
            result.annexes.append(path)
        wheel_files: list[Path] = []
        for i, target in enumerate(result.wheels):
            src = Path(tmp) / f"{i}_arshjul.png"
            outputs.write_bytes(target, src.read_bytes())
            wheel_files.append(target)
            svg = src.with_suffix(".svg")
            if svg.is_file():
                outputs.write_bytes(target.with_suffix(".svg"), svg.read_bytes())
                wheel_files.append(target.with_suffix(".svg"))
    result.files = [*result.docx, *result.annexes, *wheel_files]
    if pdf:
        from uppf_xl.pdf import convert_to_pdf

        try:
            result.pdfs = convert_to_pdf(result.docx, result.docx[0].parent, pdfa=True, tagged=True)
            result.files.extend(result.pdfs)
        except ExternalProgramMissing as exc:
            result.pdf_error = exc
    result.warnings = _sorted_once([w for rep in result.reports for w in rep.warnings])
    result.lines = _lines(result, mask)
    return result


# ---------------------------------------------------------------- context
def context(rep: NamndReport, chart_set: dict[str, charts_mod.Chart], bilagor: list[str],
            effect: effect_mod.EffectSection | None = None) -> dict[str, Any]:
    """The template's fields; every value is plain text, lists and dicts."""
    return {
        "forvaltningschef": rep.forvaltningschef,
        "effect": effect_context(effect) if effect is not None else None,
        "title": rep.title,
        "namnd": rep.namnd,
        "kommun": rep.kommun,
        "forvaltning": rep.forvaltning,
        "handlaggare": rep.handlaggare,
        "titel": rep.titel,
        "telefon": rep.telefon,
        "epost": rep.epost,
        "dnr": rep.dnr,
        "datum": rep.today.isoformat(),
        "year": str(rep.year),
        "period": rep.period,
        "period_label": rep.period_label,
        "first": _long(rep.first),
        "last": _long(rep.last),
        "minimum": str(rep.minimum),
        "summary": list(rep.summary),
        "tables": {
            "counts": _table_ctx(rep.counts),
            "followed": _table_ctx(rep.followed),
            "action_plans": _table_ctx(rep.action_plans),
            "deviations": _table_ctx(rep.deviations),
            "in_depth": _table_ctx(rep.in_depth),
            "events": _table_ctx(rep.events),
            "monthly": _table_ctx(rep.monthly),
            "serious": _table_ctx(rep.serious),
            **{t.key: _table_ctx(t) for t in rep.risk},
            "kpis": _table_ctx(rep.kpis),
        },
        "charts": {
            key: {"marker": MARKER.format(key), "caption": chart.caption, "number": str(i)}
            for i, (key, chart) in enumerate(chart_set.items(), start=1)
        },
        "areas": [{"area": a.area, "text": a.text, "assessment": a.assessment} for a in rep.areas],
        "focus": [
            {"name": f.name, "description": f.description, "counts": f.counts, "summaries": list(f.summaries)}
            for f in rep.focus
        ],
        "examples": [{"provider": e.provider, "area": e.area, "summary": e.summary} for e in rep.examples],
        "bilagor": bilagor,
    }


def _table_ctx(t: Table) -> dict[str, Any]:
    # A soft hyphen lets the long header break as "Verksamhets-område" in a narrow column.
    header = [h.replace("Verksamhetsområde", "Verksamhets\u00adområde") for h in t.header]
    signed = {t.header.index(h) for h in t.signed}
    return {"title": t.title, "header": header,
            "rows": [[report_mod.signed(v) if i in signed and isinstance(v, int) else str(v) for i, v in enumerate(r)]
                     for r in t.rows]}


def _long(d: date) -> str:
    return f"{d.day} {swedish_month(d.month)} {d.year}"


# Fields of a NamndReport that are not published (records, guard input, terminal output).
_UNPUBLISHED = frozenset({"covered", "texts", "labels", "warnings", "charts", "first", "last", "today", "as_of"})


def public_report(rep: NamndReport, masked: dict[str, str], mask: bool) -> NamndReport:
    """The report with every published string passed through `_public` (document and annex alike)."""
    changes = {
        f.name: _public(getattr(rep, f.name), masked, mask, phone=f.name in guard.PHONE_KEYS)
        for f in fields(rep)
        if f.name not in _UNPUBLISHED
    }
    return replace(rep, **changes)


def _public(ctx: Any, masked: dict[str, str], mask: bool, phone: bool = False) -> Any:
    """Every string of a value as it may be published.

    `masked` maps each workbook text the guard flagged to its masked form (used with --mask).
    A last pass looks for personnummer in everything else that reaches the document, built
    text and provider names included. Names of people are not looked for in that pass: a sole
    trader's firm may carry the owner's name, which is public. A phone field (`phone`, or a
    dict key such as "telefon") may hold a number without a dash that is no personnummer.
    """
    if isinstance(ctx, dict):
        return {k: _public(v, masked, mask, phone or str(k).casefold() in guard.PHONE_KEYS) for k, v in ctx.items()}
    if isinstance(ctx, list):
        return [_public(v, masked, mask, phone) for v in ctx]
    if is_dataclass(ctx) and not isinstance(ctx, type):
        return replace(ctx, **{f.name: _public(getattr(ctx, f.name), masked, mask, phone) for f in fields(ctx)})
    if not isinstance(ctx, str) or not ctx:
        return ctx
    for original, safe in masked.items():
        ctx = ctx.replace(original, safe)
    hits = guard.hits_in("Nämndrapport", "", ctx, phone=phone)
    if hits and not mask:
        guard.current().stop(hits, [ctx] * len(hits))
    return guard.mask(ctx, hits) if hits else ctx


def _public_labels(wheel: dict[str, list[int]]) -> dict[str, list[int]]:
    """The year wheel's labels (follow-up type names) as they may be drawn in a public chart."""
    labels = guard.current().texts("Årshjulsdiagrammet", [(k, True, False) for k in wheel])
    return dict(zip(labels, wheel.values()))


def _masked_texts(items: list[guard.GuardItem], hits: list[guard.Hit]) -> dict[str, str]:
    out = {}
    for item in items:
        mine = [h for h in hits if (h.sheet, h.cell) == (item.sheet, item.cell)]
        if mine:
            out[item.text.strip()] = guard.mask(item.text, mine).strip()
    return out


# ---------------------------------------------------------------- the .docx after rendering
def _finish(data: bytes, rep: NamndReport, chart_set: dict[str, charts_mod.Chart]) -> bytes:
    """Insert the charts with alt text, and set the title and language of the document."""
    doc = Document(io.BytesIO(data))
    markers = {MARKER.format(k): (k, c) for k, c in chart_set.items()}
    for para in doc.paragraphs:
        text = para.text.strip()
        if text not in markers:
            continue
        key, chart = markers[text]
        for run in list(para.runs):
            run._r.getparent().remove(run._r)
        para.add_run().add_picture(str(chart.path), width=CHART_WIDTH.get(key, Cm(15)))
        for doc_pr in para._p.iter(qn("wp:docPr")):
            doc_pr.set("descr", chart.alt)
            doc_pr.set("title", chart.caption)
            doc_pr.set("name", chart.caption[:60])
    for table in doc.tables:
        _fit_columns(table)
    props = doc.core_properties
    props.title = f"{rep.title} – {rep.namnd}"
    props.subject = "Uppföljning av utförare"
    props.language = "sv-SE"
    props.author = rep.handlaggare
    props.keywords = f"nämndrapport; {rep.year}; {rep.period}"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


_NUMBER = re.compile(r"^[<±+−-]?\d+$|^–?$")
CM_PER_CHAR = 0.185  # Calibri/Carlito 9.5 pt, bold headers included
CELL_PADDING_CM = 0.42  # Word's default cell margins, 0.19 cm each side, and a little air
WIDE_TABLE = 8  # from this many columns the table's text is set smaller
WIDE_TABLE_PT = 8.5
MAX_DESIRED_CHARS = 40


def _fit_columns(table: DocxTable) -> None:
    """Column widths from the content (a word never breaks), counts right-aligned.

    docxtpl's column loop gives every column the same width; a long area name then breaks
    mid-word in a narrow first column.
    """
    grid = table._tbl.tblGrid
    cols = grid.findall(qn("w:gridCol"))
    rows = [[cell for cell in row.cells] for row in table.rows]
    if not cols or not rows or any(len(r) != len(cols) for r in rows):
        return
    texts = [[c.text.strip() for c in r] for r in rows]
    per_char = CM_PER_CHAR
    if len(cols) >= WIDE_TABLE:
        per_char = CM_PER_CHAR * WIDE_TABLE_PT / 9.5
        for r in rows:
            for cell in r:
                for para in cell.paragraphs:
                    for run in para.runs:
                        run.font.size = Pt(WIDE_TABLE_PT)
    least, wish = [], []
    for j in range(len(cols)):
        column = [r[j] for r in texts]
        longest_word = max((len(w) for t in column for w in re.split(r"[\s\u00ad]+", t)), default=1)
        longest = min(max((len(t) for t in column), default=1), MAX_DESIRED_CHARS)
        least.append(longest_word * per_char + CELL_PADDING_CM)
        wish.append(max(longest, longest_word) * per_char + CELL_PADDING_CM)
    total = TEXT_WIDTH_CM
    if sum(least) >= total:
        widths = [w * total / sum(least) for w in least]
    else:
        extra = [w - m for w, m in zip(wish, least)]
        spare = total - sum(least)
        scale = min(1.0, spare / sum(extra)) if sum(extra) else 0.0
        widths = [m + e * scale for m, e in zip(least, extra)]
        rest = total - sum(widths)  # spread what is left evenly, so the table fills the line
        widths = [w + rest / len(widths) for w in widths]
    twips = [int(w / 2.54 * 1440) for w in widths]
    for col, w in zip(cols, twips):
        col.set(qn("w:w"), str(w))
    numeric = [j > 0 and all(_NUMBER.match(r[j]) for r in texts[1:]) and len(texts) > 1 for j in range(len(cols))]
    for r in rows:
        for j, cell in enumerate(r):
            cell.width = Twips(twips[j])
            for para in cell.paragraphs:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT if numeric[j] else WD_ALIGN_PARAGRAPH.LEFT


# ---------------------------------------------------------------- annex
def annex_sheets(rep: NamndReport) -> list[SheetContent]:
    """One sheet per table of the report, with a title line and an Excel table."""
    sheets = []
    for i, t in enumerate(rep.tables, start=1):
        title = Cell(1, 1, f"{t.title} – {rep.namnd}, {rep.period_label}", "title")
        block = TableBlock(f"tbl_{t.key}", 3, 1, list(t.header), [list(r) for r in t.rows])
        if not t.rows:
            sheets.append(SheetContent(t.title, cells=[title, Cell(3, 1, "Inga uppgifter för perioden.", "note")]))
        else:
            sheets.append(SheetContent(t.title, tables=[block], cells=[title], freeze="A4"))
    return sheets


# ---------------------------------------------------------------- the effect section
def effect_context(sec: effect_mod.EffectSection) -> dict[str, Any]:
    """The effect section's fields: texts, the comparison table and plan adherence."""
    adherence = sec.adherence
    return {
        "years": f"{sec.years[0]}–{sec.years[-1]}",
        "text": list(sec.text),
        "table": {"title": "Förändring över tid", "header": sec.header, "rows": sec.table_rows()},
        "adherence_text": adherence.text(),
        "adherence": {"title": f"Följsamhet till planen {adherence.year}", "header": ["Uppföljningar", "Antal"],
                      "rows": [[str(v) for v in r] for r in adherence.rows()] if adherence.adopted_on else []},
    }


def effect_chart(sec: effect_mod.EffectSection, path: Path) -> charts_mod.Chart:
    """The trend of the nämnd's measures over the years compared (all areas together)."""
    t = sec.total
    panels: dict[str, list[float | None]] = {
        "Iakttagelser per uppföljning": [f.per_followup for f in t],
        "Återkommande iakttagelser": [float(f.recurring) for f in t],
        "Mediantid begäran–godkänd (dagar)": [f.median_days for f in t],
        "Andel planer inkomna i tid": [f.share_on_time for f in t],
        "Andel verifierade": [f.share_verified for f in t],
    }
    return charts_mod.trend_chart(sec.years, panels, path, subtitle=sec.namnd,
                                  percent=("Andel planer inkomna i tid", "Andel verifierade"))


def effect_sheets(sec: effect_mod.EffectSection, rep: NamndReport) -> list[SheetContent]:
    """The annex's sheets of the effect section: every count and measure as a number."""
    title = Cell(1, 1, f"Förändring över tid – {rep.namnd}, {sec.years[0]}–{sec.years[-1]}", "title")
    block = TableBlock("tbl_effekt", 3, 1, list(effect_mod.EffectSection.ANNEX_HEADER), sec.annex_rows())
    sheets = [SheetContent("Effekt", tables=[block], cells=[title], freeze="A4")]
    a = sec.adherence
    title2 = Cell(1, 1, f"Följsamhet till planen {a.year} – {rep.namnd}", "title")
    if a.adopted_on is None:
        sheets.append(SheetContent("Följsamhet", cells=[title2, Cell(3, 1, a.text(), "note")]))
    else:
        rows: list[list[Any]] = [list(r) for r in a.rows()]
        block2 = TableBlock("tbl_foljsamhet", 3, 1, ["Uppföljningar", "Antal"], rows)
        sheets.append(SheetContent("Följsamhet", tables=[block2], cells=[title2], freeze="A4"))
    return sheets


# ---------------------------------------------------------------- helpers
def report_name(year: int, period: str, namnd: str) -> str:
    """`Nämndrapport_2025_T1_Vård-och-omsorgsnämnden.docx`."""
    return f"Nämndrapport_{year}_{period}_{re.sub(r'-{2,}', '-', safe_name_part(namnd))}.docx"


def _targets(reports: list[NamndReport], out: Path, single: bool, year: int, period: str) -> list[Path]:
    if single and out.suffix.lower() == ".docx" and not out.is_dir():
        return [out]
    return [out / report_name(year, period, rep.namnd) for rep in reports]


def _mark_reported(reports: list[NamndReport], today: date) -> CellPatch:
    values: dict[tuple[int, str], Any] = {}
    for rep in reports:
        for f in rep.covered:
            if f.row > 0 and f.reported is None:
                values[(f.row, REPORTED)] = today
    return CellPatch(FINDINGS.name, values)


def _lines(result: ReportResult, mask: bool) -> list[str]:
    lines = []
    for rep, path in zip(result.reports, result.docx):
        lines.append(f"Nämndrapport för {rep.namnd}, {rep.period_label}: {path}")
    if result.annexes:
        lines.append(f"Bilagor: {', '.join(p.name for p in result.annexes)}")
    if result.wheels:
        lines.append(f"Årshjul: {', '.join(p.name for p in result.wheels)}")
    if result.pdfs:
        lines.append(f"PDF/A (taggad): {', '.join(p.name for p in result.pdfs)}")
    if mask and result.hits:
        places = sorted({f"{h.sheet}!{h.cell}" for h in result.hits})
        lines.append(f"Maskerade personuppgifter i {len(places)} texter: {', '.join(places)}")
    lines.extend(result.warnings)
    return lines


def _sorted_once(warnings: list[str]) -> list[str]:
    """Each warning once, by sheet and row ("Varning: Iakttagelser!H12: ...")."""
    def key(text: str) -> tuple[str, int, str]:
        m = re.match(r"\w+: ([^!:]+)!([A-Z]+)(\d+)", text)
        return (m.group(1), int(m.group(3)), text) if m else (text, 0, text)

    return sorted(dict.fromkeys(warnings), key=key)

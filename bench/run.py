"""Times uppf-xl against the bare floor, in one run, and prints the ratios (issue 8).

Each part runs our work and the floor alternately (`--repeat` times, best of each kept), so
both see the same machine; the ratio is taken on CPU time (this process and its children),
which a busy machine disturbs less than wall time; both are shown.

- check: `uppf-xl check` against the bare reads it needs: calamine values of the contract
  sheets plus an openpyxl read-only pass over the same sheets (goal <= 1.2x);
- plan: `plan` then `status` against, for each, a calamine read of the same input tables
  and an openpyxl write-only workbook holding the same cells the run writes (goal <= 1.5x);
- letters: 500 kallelser (`letters.write_letters`) against bare docxtpl rendering of the
  same template with the same contexts, saved to files (goal <= 1.3x);
- pdf: PDF/A-2b of 200 letters (`pdf.convert_to_pdf`) against one bare soffice call on the
  same files (goal <= 1.2x);
- memory: peak RSS of check, plan+status and letters at the main size, each in its own
  process (goal <= 400 MB), and tracemalloc's peak of plan+status;
- growth: check and plan+status (and their floors, and peak memory) at each `--sizes`;
- history: `plan --year 2031` and `status` with one year of Årshjul against seven planned year
  by year (bench/history.py; goal <= 1.3x each, peak <= 400 MB).

Run: python bench/run.py [--only check,plan] [--size 2000] [--sizes 500,2000,8000]
Writes bench/results.md (with the machine's description) unless --no-write.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import openpyxl
import python_calamine
from docxtpl import DocxTemplate
from make_municipality import SIZES, make_municipality

from uppf_xl import (
    actions,
    contract,
    render,
    schedule,
)
from uppf_xl import letters as letters_mod
from uppf_xl import pdf as pdf_mod
from uppf_xl.workbook import open_workbook

PARTS = ("check", "plan", "letters", "pdf", "memory", "growth", "history")
TODAY = date(2025, 1, 10)
YEAR = 2025
GOALS = {"check": 1.2, "plan + status": 1.5, "500 kallelser": 1.3, "PDF/A, 200 brev": 1.2}
MEMORY_GOAL_MB = 400
READ_SHEETS = [s.name for s in contract.ALL_SHEETS if s.input or s.tool_owned]


# --------------------------------------------------------------------------- measuring
@dataclass
class Timing:
    wall: float = float("inf")
    cpu: float = float("inf")

    def best(self, other: Timing) -> Timing:
        return Timing(min(self.wall, other.wall), min(self.cpu, other.cpu))


def _cpu() -> float:
    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + children.ru_utime + children.ru_stime


def timed(fn: Callable[[], object]) -> Timing:
    gc.collect()
    wall, cpu = time.perf_counter(), _cpu()
    fn()
    return Timing(time.perf_counter() - wall, _cpu() - cpu)


@dataclass
class Row:
    part: str
    size: int
    ours: Timing
    floor: Timing
    floor_name: str
    goal: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours.cpu / self.floor.cpu if self.floor.cpu > 0 else float("nan")

    @property
    def wall_ratio(self) -> float:
        return self.ours.wall / self.floor.wall if self.floor.wall > 0 else float("nan")

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return ""
        return "ja" if self.ratio <= self.goal else "NEJ"


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    memory: list[tuple[str, int, float, str]] = field(default_factory=list)  # what, size, MB, note
    notes: list[str] = field(default_factory=list)


def alternate(ours: Callable[[], object], floor: Callable[[], object], repeat: int,
              setup: Callable[[], None] | None = None) -> tuple[Timing, Timing]:
    """Best of `repeat` for each, run in turn so both meet the same load."""
    best_ours, best_floor = Timing(), Timing()
    for _ in range(repeat):
        if setup:
            setup()
        best_ours = best_ours.best(timed(ours))
        if setup:
            setup()
        best_floor = best_floor.best(timed(floor))
    return best_ours, best_floor


# --------------------------------------------------------------------------- workbooks
def workbook(cache: Path, size: int) -> Path:
    """The cached n-provider municipality, generated on first use."""
    path = cache / f"kommun_{size}.xlsx"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        tmp = path.with_suffix(".tmp.xlsx")
        make_municipality(tmp, size, TODAY)
        tmp.replace(path)
        print(f"  genererade {path.name} på {time.perf_counter() - start:.0f} s", flush=True)
    return path


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="uppf-xl-bench-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def calamine_read(path: Path, sheets: list[str] | None = None) -> dict[str, list[list[object]]]:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    wanted = sheets or READ_SHEETS
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names if n in wanted}


def openpyxl_structure(path: Path, sheets: list[str]) -> int:
    """An openpyxl read-only pass over the sheets, looking at each cell's type (formulas, errors)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    found = 0
    for name in sheets:
        if name in wb.sheetnames:
            for row in wb[name].iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) in ("f", "e"):
                        found += 1
    wb.close()
    return found


def openpyxl_write(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    wb = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def written_cells(after: Path) -> dict[str, list[list[object]]]:
    """What a plan or status run writes: Årshjul, Översikt, Logg, and Iakttagelser's tool columns."""
    grids = calamine_read(after, [contract.SCHEDULE.name, contract.DASHBOARD.name, contract.LOG.name, contract.FINDINGS.name])
    findings = grids.pop(contract.FINDINGS.name, [])
    if findings:
        header = [str(h) for h in findings[0]]
        cols = [header.index(h) for h in contract.FINDINGS.tool_columns if h in header]
        grids["Iakttagelser verktyg"] = [[r[c] for c in cols] for r in findings]
    return {name: [[None if v == "" else v for v in row] for row in rows] for name, rows in grids.items()}


def count_cells(grids: dict[str, list[list[object]]]) -> int:
    return sum(len(row) for rows in grids.values() for row in rows)


# --------------------------------------------------------------------------- parts
def part_check(book: Path, size: int, repeat: int) -> list[Row]:
    ours, floor = alternate(
        lambda: actions.check(open_workbook(book), TODAY),
        lambda: (calamine_read(book), openpyxl_structure(book, READ_SHEETS)),
        repeat,
    )
    _, values_only = alternate(lambda: None, lambda: calamine_read(book), repeat)
    return [Row("check", size, ours, floor, "calamine + openpyxl read-only", GOALS["check"],
                note=f"enbart calamine: {values_only.cpu:.2f} s CPU")]


def part_plan(book: Path, size: int, repeat: int) -> tuple[list[Row], Path]:
    """plan + status on a fresh copy each time; returns the row and a planned copy for letters."""
    with scratch() as tmp:
        work = tmp / "arbete.xlsx"
        planned = tmp / "planerad.xlsx"
        statused = tmp / "status.xlsx"
        # The cells each run writes, taken from a run made beforehand (outside the timing).
        shutil.copyfile(book, planned)
        actions.plan(open_workbook(planned), YEAR, TODAY)
        shutil.copyfile(planned, statused)
        actions.status(open_workbook(statused), YEAR, TODAY)
        plan_cells, status_cells = written_cells(planned), written_cells(statused)

        def ours() -> None:
            actions.plan(open_workbook(work), YEAR, TODAY)
            actions.status(open_workbook(work), YEAR, TODAY)

        def floor() -> None:
            calamine_read(book)
            openpyxl_write(tmp / "golv1.xlsx", plan_cells)
            calamine_read(planned)
            openpyxl_write(tmp / "golv2.xlsx", status_cells)

        best_ours, best_floor = alternate(ours, floor, repeat, setup=lambda: shutil.copyfile(book, work))
        keep = Path(tempfile.gettempdir()) / f"uppf-xl-bench-planned-{size}.xlsx"
        shutil.copyfile(planned, keep)
        cells = count_cells(plan_cells) + count_cells(status_cells)
    row = Row("plan + status", size, best_ours, best_floor, "calamine-läsning + openpyxl write-only, två gånger",
              GOALS["plan + status"], note=f"{cells:,} skrivna celler".replace(",", " "))
    return [row], keep


def kallelser(planned: Path, count: int) -> tuple[object, list, list]:
    """The register, the Årshjul rows of the first `count` kallelser of the year, and those letters."""
    register = open_workbook(planned).register(TODAY)
    rows = schedule.refresh_statuses(register.schedule, register.settings, TODAY)
    window = (date(YEAR, 1, 1), date(YEAR, 12, 31))
    letters = letters_mod.select(register, rows, TODAY, {"kallelse"}, window)[:count]
    wanted = {id(letter.row) for letter in letters}
    return register, [r for r in rows if id(r) in wanted], letters


def part_letters(planned: Path, size: int, repeat: int, count: int) -> tuple[list[Row], list[Path]]:
    register, rows, letters = kallelser(planned, count)
    window = (date(YEAR, 1, 1), date(YEAR, 12, 31))
    if len(letters) < count:
        print(f"  bara {len(letters)} kallelser finns i årshjulet", flush=True)
    out = Path(tempfile.mkdtemp(prefix="uppf-xl-bench-brev-"))
    floor_out = Path(tempfile.mkdtemp(prefix="uppf-xl-bench-golv-"))
    template = render.template_path(letters[0].template, register.settings)
    names = [letter.filename for letter in letters]

    def reset() -> None:
        for folder in (out, floor_out):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()

    def ours() -> None:
        letters_mod.write_letters(register, rows, TODAY, out, {"kallelse"}, window, pdf=False)

    def floor() -> None:
        for letter, name in zip(letters, names):
            doc = DocxTemplate(str(template))
            doc.render(letter.context, autoescape=True)
            doc.save(str(floor_out / name))

    best_ours, best_floor = alternate(ours, floor, repeat, setup=reset)
    ours()  # leave the letters for the PDF part
    docx = sorted(out.glob("*.docx"))
    shutil.rmtree(floor_out, ignore_errors=True)
    row = Row(f"{len(letters)} kallelser", size, best_ours, best_floor, "docxtpl render + save, samma mall och kontexter",
              GOALS["500 kallelser"], note=".docx, .eml och utskickslista")
    return [row], docx


def part_pdf(docx: list[Path], size: int, repeat: int) -> list[Row]:
    soffice = pdf_mod.find_soffice()
    if soffice is None:
        print("  LibreOffice saknas: PDF-delen hoppas över", flush=True)
        return []
    out, bare_out = Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp())

    def ours() -> None:
        pdf_mod.convert_to_pdf(docx, out, pdfa=True)

    def floor() -> None:
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([str(soffice), f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
                            "--convert-to", pdf_mod.export_filter(pdfa=True), "--outdir", str(bare_out),
                            *map(str, docx)], capture_output=True, check=True)

    best_ours, best_floor = alternate(ours, floor, repeat)
    made = len(list(out.glob("*.pdf")))
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(bare_out, ignore_errors=True)
    return [Row(f"PDF/A, {len(docx)} brev", size, best_ours, best_floor, "ett soffice-anrop på samma filer",
                GOALS["PDF/A, 200 brev"], note=f"{made} PDF")]


# --------------------------------------------------------------------------- memory
MEMORY_SCRIPT = r"""
import json, resource, shutil, sys, tempfile, tracemalloc
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[4])
what, book, traced = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "1"

def high_water_kb():
    # VmHWM belongs to this process image; ru_maxrss may still hold the parent's figure
    # after fork and exec.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

from uppf_xl import actions, letters, schedule
from uppf_xl.workbook import open_workbook
base = high_water_kb()
today = date(2025, 1, 10)
tmp = Path(tempfile.mkdtemp())
work = tmp / "arbete.xlsx"
shutil.copyfile(book, work)
if traced:
    tracemalloc.start()
if what == "check":
    actions.check(open_workbook(work), today)
elif what == "plan":
    actions.plan(open_workbook(work), 2025, today)
    actions.status(open_workbook(work), 2025, today)
elif what == "letters":
    from run import kallelser
    register, rows, chosen = kallelser(work, int(sys.argv[5]))
    letters.write_letters(register, rows, today, tmp / "ut", {"kallelse"}, (date(2025, 1, 1), date(2025, 12, 31)), pdf=False)
peak_traced = tracemalloc.get_traced_memory()[1] if traced else 0
shutil.rmtree(tmp, ignore_errors=True)
print(json.dumps({"base_kb": base, "peak_kb": high_water_kb(), "traced": peak_traced}))
"""


def peak_memory(what: str, book: Path, traced: bool = False, letters: int = 500) -> dict[str, float]:
    src = str(HERE.parent / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), src])}
    proc = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, what, str(book), "1" if traced else "0", src, str(letters)],
                          capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"minnesmätningen {what} misslyckades: {proc.stderr[-2000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"base": data["base_kb"] / 1024, "peak": data["peak_kb"] / 1024, "traced": data["traced"] / 2**20}


def part_memory(book: Path, size: int, results: Results, letters: int) -> None:
    for what, label in (("check", "check"), ("plan", "plan + status"), ("letters", f"{letters} kallelser")):
        m = peak_memory(what, book, letters=letters)
        results.memory.append((label, size, m["peak"], f"varav import {m['base']:.0f} MB"))
        print(f"  minne {label}: {m['peak']:.0f} MB (import {m['base']:.0f} MB)", flush=True)
    traced = peak_memory("plan", book, traced=True)
    results.memory.append(("plan + status, tracemalloc", size, traced["traced"], "Python-objektens topp"))


# --------------------------------------------------------------------------- report
def machine() -> list[str]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError):
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        memory = f"{kb / 2**20:.1f} GB"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else ""
    versions = []
    for dist in ("uppf-xl", "openpyxl", "python-calamine", "lxml", "docxtpl", "python-docx", "pandas", "Jinja2"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{dist} {metadata.version(dist)}")
    soffice = pdf_mod.find_soffice()
    if soffice:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([str(soffice), "--version"], capture_output=True, text=True, timeout=60,
                                 check=False).stdout.strip()
            versions.append(out.splitlines()[0] if out else "LibreOffice")
    return [
        f"- Processorer (nproc): {os.cpu_count()}; {cpu or platform.processor()}",
        f"- Minne: {memory}; belastning vid start (1, 5, 15 min): {load}",
        f"- System: {platform.platform()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- {'; '.join(versions)}",
    ]


def table(results: Results) -> list[str]:
    lines = [
        "| del | utförare | vår tid (CPU / vägg) | golvet (CPU / vägg) | kvot CPU | kvot vägg | mål | nått | golvet är | anm. |",
        "|---|---:|---:|---:|---:|---:|---:|:-:|---|---|",
    ]
    for r in results.rows:
        goal = f"<= {r.goal}" if r.goal else ""
        lines.append(
            f"| {r.part} | {r.size} | {r.ours.cpu:.2f} s / {r.ours.wall:.2f} s | {r.floor.cpu:.2f} s / {r.floor.wall:.2f} s "
            f"| {r.ratio:.2f} | {r.wall_ratio:.2f} | {goal} | {r.verdict} | {r.floor_name} | {r.note} |"
        )
    return lines


def memory_table(results: Results) -> list[str]:
    lines = ["| körning | utförare | topp (MB) | mål | nått | anm. |", "|---|---:|---:|---:|:-:|---|"]
    for what, size, mb, note in results.memory:
        # The goal is set for 2,000 providers; the other sizes show the growth.
        judged = "tracemalloc" not in what and size == 2000
        goal = f"<= {MEMORY_GOAL_MB}" if judged else ""
        verdict = ("ja" if mb <= MEMORY_GOAL_MB else "NEJ") if judged else ""
        lines.append(f"| {what} | {size} | {mb:.0f} | {goal} | {verdict} | {note} |")
    return lines


def growth_table(results: Results) -> list[str]:
    """Time per provider at each size, relative to the smallest: 1.0 everywhere is linear."""
    out = ["| del | utförare | vår CPU-tid | per 1 000 utförare | mot minsta storleken |", "|---|---:|---:|---:|---:|"]
    for part in ("check", "plan + status"):
        rows = sorted((r for r in results.rows if r.part == part), key=lambda r: r.size)
        sizes = sorted({r.size for r in rows})
        if len(sizes) < 2:
            continue
        first = rows[0].ours.cpu / rows[0].size
        for r in rows:
            per = r.ours.cpu / r.size
            out.append(f"| {part} | {r.size} | {r.ours.cpu:.2f} s | {per * 1000:.2f} s | {per / first:.2f} |")
    return out


def report(results: Results, args: argparse.Namespace) -> str:
    lines = [
        "# Mätningar mot golvet",
        "",
        f"Körd {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} med `python bench/run.py {' '.join(args.argv)}`",
        f"(bäst av {args.repeat}; kvoten räknas på CPU-tid, processen och dess barn; väggtiden visas också).",
        "",
        "## Maskinen",
        *machine(),
        "",
        "## Tider",
        *table(results),
        "",
    ]
    if results.memory:
        lines += ["## Minne (toppen av RSS, egen process per körning)", *memory_table(results), ""]
    growth = growth_table(results)
    if len(growth) > 2:
        lines += ["## Tillväxt", *growth, ""]
    if results.notes:
        lines += ["## Anteckningar", *[f"- {n}" for n in results.notes], ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help=f"delar, kommaseparerade: {', '.join(PARTS)}")
    parser.add_argument("--size", type=int, default=2000, help="antal utförare för tider och minne")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="storlekar för tillväxten")
    parser.add_argument("--repeat", type=int, default=3, help="körningar per mätning (bäst behålls)")
    parser.add_argument("--pdf-repeat", type=int, default=1)
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "uppf-xl-bench")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"okänd del {', '.join(sorted(unknown))}; välj bland {', '.join(PARTS)}")
    results = Results()
    book = workbook(args.cache, args.size)
    planned: Path | None = None
    docx: list[Path] = []

    def run(label: str, fn: Callable[[], object]) -> object:
        print(f"{label} ...", flush=True)
        return fn()

    if "check" in parts:
        results.rows += run("check", lambda: part_check(book, args.size, args.repeat))  # type: ignore[operator]
    if {"plan", "letters", "pdf"} & set(parts):
        rows, planned = run("plan + status", lambda: part_plan(book, args.size, args.repeat))  # type: ignore[misc]
        if "plan" in parts:
            results.rows += rows
    if {"letters", "pdf"} & set(parts) and planned is not None:
        rows, docx = run("kallelser", lambda: part_letters(planned, args.size, args.repeat, args.letters))  # type: ignore[misc]
        if "letters" in parts:
            results.rows += rows
    if "pdf" in parts and docx:
        results.rows += run("PDF/A", lambda: part_pdf(docx[: args.pdfs], args.size, args.pdf_repeat))  # type: ignore[operator]
    if "memory" in parts:
        run("minne", lambda: part_memory(book, args.size, results, args.letters))
    if "growth" in parts:
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            sized = workbook(args.cache, size)
            repeat = 1 if size > args.size else args.repeat
            if size != args.size or "check" not in parts:
                print(f"check, {size} ...", flush=True)
                results.rows += part_check(sized, size, repeat)
            if size != args.size or "plan" not in parts:
                print(f"plan + status, {size} ...", flush=True)
                results.rows += part_plan(sized, size, repeat)[0]
            if size != args.size or "memory" not in parts:
                m = peak_memory("plan", sized)
                results.memory.append(("plan + status", size, m["peak"], "tillväxt"))
    history_text = ""
    if "history" in parts:
        import history

        print("historik, 1 och 7 år ...", flush=True)
        paths = history.books(args.cache, args.size)
        history_text = history.section(history.measure(paths, args.repeat), history.sizes(paths), args.size, args.repeat)
    if planned is not None:
        planned.unlink(missing_ok=True)
    for folder in {p.parent for p in docx}:
        shutil.rmtree(folder, ignore_errors=True)

    text = report(results, args)
    if history_text:
        text += "\n" + history_text + "\n"
    print()
    print(text)
    if not args.no_write:
        args.out.write_text(text + "\n", encoding="utf-8")
        print(f"\nSkrev {args.out}")


if __name__ == "__main__":
    main()

"""Years of history must cost nothing (issue 19): `plan --year 2031` and `status` with one year
of Årshjul history against seven.

- one year: the bench municipality generated as of 2031-01-10 (its Årshjul holds 2030, done);
- seven years: the municipality generated as of 2025-01-10 (2024 done), then planned year
  after year 2025..2030 on the same workbook, each year marked done (about 92 %, the way a
  year of work leaves it) through the tool's own writer, as a user typing Genomförd would;
- seven years, archived: the seven-year book after `uppf-xl archive` (the years before 2030 in
  the archive workbook; the undone rows of 2025..2029, the backlog, stay);
- seven years, backlog done, archived: the same after every undone row of 2025..2029 got
  Genomförd in the year after its own, so only 2030 has open rows, as in the one-year book.

Each then run `plan --year 2031` and `status` as of 2031-01-10, each command in its own
process (import excluded), each case right after the one-year book, `--repeat` rounds: CPU
time, wall time and peak RSS (VmHWM). The ratio seven/one is the median of the pairs' ratios
(goal <= 1.3x each, peak <= 400 MB).

Run: python bench/history.py [--repeat 3] [--providers 2000]
Writes its section of bench/results.md between `<!-- history -->` markers unless --no-write.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from make_municipality import make_municipality

from uppf_xl import actions, contract, vocab
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import CellPatch, Changes

FIRST_YEAR, LAST_YEAR = 2025, 2031
TODAY = date(LAST_YEAR, 1, 10)
LABELS = {"1": "1 år", "7": "7 år", "7a": "7 år, arkiverat", "7g": "7 år, eftersläpningen genomförd, arkiverat"}
GOAL, MEMORY_GOAL_MB = 1.3, 400
MARK = "<!-- history -->"


def complete_year(path: Path, year: int, rng: random.Random) -> int:
    """Mark about 92 % of year's Årshjul rows done on their visit date, as a year of work does."""
    wb = open_workbook(path)
    register = wb.register(date(year, 12, 31))
    values: dict[tuple[int, str], object] = {}
    for row in register.schedule:
        if row.year != year or row.done is not None:
            continue
        visit = row.planned or row.proposed
        if visit is None or rng.random() >= 0.92:
            continue
        values[(row.row, "Genomförd")] = visit
        values[(row.row, "Status")] = vocab.RowStatus.GENOMFORD.value
        if row.notify_by is not None and row.notified is None:
            values[(row.row, "Kallelse skickad")] = row.notify_by
    wb.apply(Changes(patches=[CellPatch(contract.SCHEDULE.name, values)]), "bench", f"år {year} genomfört",  # type: ignore[arg-type]
             now=None)
    return len(values) // 2


def chase_backlog(path: Path, before: int) -> int:
    """Mark every row of the years before `before` that is still open done in the year after its
    own, as an administrator who chases the backlog leaves it (the years then hold history only)."""
    wb = open_workbook(path)
    register = wb.register(TODAY)
    values: dict[tuple[int, str], object] = {}
    for row in register.schedule:
        if row.year >= before or row.done is not None or row.status == vocab.RowStatus.UTGAR.value:
            continue
        values[(row.row, "Genomförd")] = date(row.year + 1, 3, 16)
        values[(row.row, "Status")] = vocab.RowStatus.GENOMFORD.value
    wb.apply(Changes(patches=[CellPatch(contract.SCHEDULE.name, values)]), "bench", "eftersläpningen genomförd",  # type: ignore[arg-type]
             now=None)
    return len(values) // 2


def archived_copy(source: Path, target: Path, chase: bool) -> None:
    """`source` after `uppf-xl archive` as of TODAY (the years before 2030 to the archive workbook),
    with the backlog of those years done first when `chase`."""
    from uppf_xl.archive import archive_path

    tmp = target.parent / "arkivering" / target.name
    tmp.parent.mkdir(exist_ok=True)
    archive_path(tmp).unlink(missing_ok=True)
    shutil.copyfile(source, tmp)
    if chase:
        print(f"  eftersläpningen: {chase_backlog(tmp, LAST_YEAR - 1)} rader genomförda", flush=True)
    start, cpu = time.perf_counter(), time.process_time()
    out = actions.archive(open_workbook(tmp), None, TODAY)
    print(f"  archive: {time.process_time() - cpu:.1f} s CPU, {time.perf_counter() - start:.1f} s vägg; "
          f"{out.lines[0]}", flush=True)
    archive_path(tmp).replace(archive_path(target))
    tmp.replace(target)


def books(cache: Path, providers: int) -> dict[str, Path]:
    """The one-year and the seven-year workbook, and the seven-year one after `archive`
    (the years before 2030 in the archive workbook), generated on first use."""
    cache.mkdir(parents=True, exist_ok=True)
    one = cache / f"historik_1ar_{providers}.xlsx"
    seven = cache / f"historik_7ar_{providers}.xlsx"
    if not one.exists():
        start = time.perf_counter()
        tmp = one.with_suffix(".tmp.xlsx")
        make_municipality(tmp, providers, date(LAST_YEAR, 1, 10))
        tmp.replace(one)
        print(f"  genererade {one.name} på {time.perf_counter() - start:.0f} s", flush=True)
    if not seven.exists():
        start = time.perf_counter()
        tmp = seven.with_suffix(".tmp.xlsx")
        make_municipality(tmp, providers, date(FIRST_YEAR, 1, 10))
        rng = random.Random(providers)
        for year in range(FIRST_YEAR, LAST_YEAR):
            actions.plan(open_workbook(tmp), year, date(year, 1, 10))
            done = complete_year(tmp, year, rng)
            print(f"  {year}: planerat, {done} genomförda ({time.perf_counter() - start:.0f} s)", flush=True)
        tmp.replace(seven)
        print(f"  genererade {seven.name} på {time.perf_counter() - start:.0f} s", flush=True)
    archived = cache / f"historik_7ar_arkiverad_{providers}.xlsx"
    if not archived.exists():
        archived_copy(seven, archived, chase=False)
    chased = cache / f"historik_7ar_genomford_arkiverad_{providers}.xlsx"
    if not chased.exists():
        archived_copy(seven, chased, chase=True)
    return {"1": one, "7": seven, "7a": archived, "7g": chased}


SCRIPT = r"""
import json, resource, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from uppf_xl import actions
from uppf_xl.workbook import open_workbook

def hwm_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

what, path = sys.argv[1], Path(sys.argv[2])
today = date(2031, 1, 10)
base = hwm_kb()
wall, cpu = time.perf_counter(), time.process_time()
if what == "plan":
    actions.plan(open_workbook(path), 2031, today)
else:
    actions.status(open_workbook(path), 2031, today)
print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                  "peak_mb": hwm_kb() / 1024, "base_mb": base / 1024}))
"""


def run_once(what: str, book: Path, work: Path) -> dict[str, float]:
    from uppf_xl.archive import archive_path

    if archive_path(book).exists() and not archive_path(work).exists():
        shutil.copyfile(archive_path(book), archive_path(work))
    src = str(HERE.parent / "src")
    env = {**os.environ, "PYTHONPATH": src}
    proc = subprocess.run([sys.executable, "-c", SCRIPT, what, str(work), src], capture_output=True, text=True,
                          env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} på {book.name} misslyckades: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


Runs = dict[tuple[str, str], list[dict[str, float]]]


def measure(paths: dict[str, Path], repeat: int) -> Runs:
    """`repeat` rounds; in each, every case runs plan (on a fresh copy) and status (on the
    planned copy) right after the one-year book does the same, so each ratio compares two runs
    the machine saw at nearly the same moment. Every run is kept, in order."""
    runs: Runs = {}
    one = paths["1"]
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            for years, book in paths.items():
                if years == "1":
                    continue
                for case, path in (("1", one), (years, book)):
                    work = Path(tmp) / f"arbete_{case}.xlsx"
                    shutil.copyfile(path, work)
                    for what in ("plan", "status"):
                        got = run_once(what, path, work)
                        runs.setdefault((what, case), []).append(got)
                        print(f"  {what}, {LABELS[case]}: {got['cpu']:.2f} s CPU, {got['wall']:.2f} s vägg, "
                              f"{got['peak_mb']:.0f} MB", flush=True)
    return runs


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    """The fastest CPU and wall time of the runs, and their highest peak."""
    return {k: (max if k == "peak_mb" else min)(r[k] for r in runs) for k in runs[0]}


def ratios(runs: Runs, what: str, case: str) -> list[float]:
    """CPU time of each run of `case` over the one-year run just before it."""
    ones = runs[(what, "1")]
    cases = [c for c in LABELS if c != "1"]
    # The one-year runs go round by round, one before each case in LABELS' order.
    mine = [ones[i] for i in range(len(ones)) if cases[i % len(cases)] == case]
    return [b["cpu"] / a["cpu"] for a, b in zip(mine, runs[(what, case)])]


def sizes(paths: dict[str, Path]) -> dict[str, tuple[int, float]]:
    """Årshjul rows and the size of its sheet XML per book."""
    import zipfile

    import python_calamine

    out = {}
    for years, path in paths.items():
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = len(book.get_sheet_by_name(contract.SCHEDULE.name).to_python()) - 1
        with zipfile.ZipFile(path) as z:
            biggest = max(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))
        out[years] = (rows, biggest / 2**20)
    return out


def section(runs: Runs, shape: dict[str, tuple[int, float]], providers: int, repeat: int) -> str:
    lines = [
        MARK,
        "## Historik: plan och status med 1 och 7 års årshjul (issue 19)",
        "",
        f"Körd {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} med `python bench/history.py --repeat {repeat}`, "
        f"{providers} utförare; varje kommando i egen process (import ej medräknad). Varje fall körs direkt "
        f"efter ettårsboken, {repeat} gånger; kvoten är medianen av de {repeat} parens kvoter (CPU-tid), "
        "tiderna och minnet de bästa.",
        "",
        "Årshjulet: " + "; ".join(f"{LABELS[k]} {rows} rader (största kalkylbladets XML {mb:.1f} MB)"
                                   for k, (rows, mb) in shape.items()) + ".",
        "Arkiverat: `uppf-xl archive` per 2031-01-10 på sjuårsboken (åren före 2030 till arkivarbetsboken; "
        "eftersläpningen och rader som en iakttagelse pekar på står kvar). I fallet \"eftersläpningen genomförd\" "
        "har varje ogjord rad från 2025–2029 fått Genomförd året efter innan arkiveringen, så att bara 2030 har "
        "öppna rader, som i ettårsboken.",
        "",
        "| kommando | fall | CPU / vägg / topp | kvot CPU mot 1 år (median; alla) | mål | nått | minne <= 400 MB |",
        "|---|---|---:|---:|---:|:-:|:-:|",
    ]
    for what, label in (("plan", "plan --year 2031"), ("status", "status")):
        for case in LABELS:
            b = best(runs[(what, case)])
            if case == "1":
                shown, reached, goal = "1.00", "", ""
            else:
                each = ratios(runs, what, case)
                ratio = statistics.median(each)
                shown = f"{ratio:.2f}; " + ", ".join(f"{r:.2f}" for r in each)
                reached, goal = ("ja" if ratio <= GOAL else "NEJ"), f"<= {GOAL}"
            lines.append(
                f"| {label} | {LABELS[case]} | {b['cpu']:.2f} s / {b['wall']:.2f} s / {b['peak_mb']:.0f} MB "
                f"| {shown} | {goal} | {reached} | {'ja' if b['peak_mb'] <= MEMORY_GOAL_MB else 'NEJ'} |"
            )
    lines += ["", MARK]
    return "\n".join(lines)


def write_section(out: Path, text: str) -> None:
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if MARK in old:
        head, _, rest = old.partition(MARK)
        _, _, tail = rest.partition(MARK)
        new = head + text + tail
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    out.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "uppf-xl-bench")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    paths = books(args.cache, args.providers)
    runs = measure(paths, args.repeat)
    text = section(runs, sizes(paths), args.providers, args.repeat)
    print()
    print(text)
    if not args.no_write:
        write_section(args.out, text)
        print(f"\nSkrev {args.out}")


if __name__ == "__main__":
    main()

"""Times `month-in` on one month of a large municipality against the bare floor (issue 15).

600,000 visits over 100 home-care providers (some with planted deviations), plus the
granted-time export, generated once into $TMPDIR/uppf-xl-bench/month/ and reused.

- read + analyse: `monthly_read.read_exports` + `monthly.analyse` in this process against the
  floor, polars reading the same visits file with one group-by (goal <= 2.5x); pyarrow's
  reader with one group-by is shown beside;
- the whole command: `uppf-xl month-in` in its own process (workbook read, exports read,
  analysis, workbook written) against the floor script in its own process, and the
  command's peak RSS (goal <= 1 GB).

The ratio is taken on CPU time (process and children), best of --repeat, ours and the floor
in turn. Writes its section of bench/results.md (between the month-in markers) unless --no-write.

Run: python bench/month.py [--repeat 5] [--visits 600000]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
# One polars thread on both sides: on a shared 2-core machine idle worker threads spinning for
# work add CPU time that says more about the neighbours than about the code (see README).
os.environ.setdefault("POLARS_MAX_THREADS", "1")

import polars as pl  # noqa: E402
try:  # pyarrow is not a dependency of uppf-xl; its floor is shown when it is installed
    import pyarrow
    import pyarrow.csv as pacsv
except ImportError:
    pyarrow = None

from uppf_xl import actions, contract, monthly, monthly_read  # noqa: E402
from uppf_xl.monthly_sample import GRANTED_COLUMNS, VISIT_COLUMNS, generate, write_csv  # noqa: E402
from uppf_xl.workbook import open_workbook  # noqa: E402
from uppf_xl.workbook.initbook import default_lists, default_tables, write_new_workbook  # noqa: E402

TODAY = date(2026, 4, 3)
MONTH = "2026-03"
PROVIDERS = 100
GOAL_RATIO = 2.5
GOAL_MB = 1024
START, END = "<!-- month-in -->", "<!-- /month-in -->"
FLOOR_SCRIPT = (
    "import sys\nimport polars as pl\n"
    "df = pl.read_csv(sys.argv[1], separator=';', infer_schema=False)\n"
    "print(df.group_by('Utförare').agg(pl.len()).height)\n"
)


def cpu() -> float:
    import resource

    own = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + children.ru_utime + children.ru_stime


def timed(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    gc.collect()
    wall, c = time.perf_counter(), cpu()
    fn()
    return cpu() - c, time.perf_counter() - wall


def prepare(folder: Path, visits: int) -> tuple[Path, list[Path]]:
    """The workbook (100 home-care providers, the year planned) and the two exports."""
    folder.mkdir(parents=True, exist_ok=True)
    book, tid, granted = folder / "kommun.xlsx", folder / f"tid_{MONTH}.csv", folder / f"beviljad_tid_{MONTH}.csv"
    if not book.exists():
        tables = default_tables(TODAY, False)
        rows = []
        for i in range(1, PROVIDERS + 1):
            values = {"UtförarID": f"U{i:03d}", "Namn": f"Hemtjänst {i} AB", "Regi": "Privat", "Avtalsform": "LOV",
                      "Verksamhetsområde": "Hemtjänst", "Nämnd": "Äldreomsorgsnämnden", "Startdatum": date(2020, 1, 1),
                      "Ansvarig": "Karin Ek"}
            rows.append([values.get(h) for h in contract.PROVIDERS.headers])
        tables[contract.PROVIDERS.name] = rows
        write_new_workbook(book, tables, extra_columns={contract.SETTINGS.name: ["Förklaring"]}, lists=default_lists(False))
        actions.plan(open_workbook(book), TODAY.year, date(TODAY.year, 1, 10))
    if not tid.exists():
        customers = max(1, round(visits / PROVIDERS / 62))
        plants = {"U001": "dubbel", "U002": "tatt", "U003": "utford_lag", "U004": "kontinuitet", "U005": "samma"}
        export = generate([(f"U{i:03d}", "") for i in range(1, PROVIDERS + 1)], MONTH, plants, customers=customers)
        write_csv(tid, export.visits, VISIT_COLUMNS)
        write_csv(granted, export.granted, GRANTED_COLUMNS)
    return book, [tid, granted]


# The child reports its own high-water mark (VmHWM starts anew at exec; ru_maxrss of a child
# forked from this big process would count the parent's pages).
PEAK = "import atexit, re, sys\natexit.register(lambda: sys.stderr.write('PEAK ' + re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1) + '\\n'))\n"


def run_child(args: list[str]) -> tuple[float, float, float]:
    """CPU seconds, wall seconds and peak RSS (MB) of one child process (python -c CODE ...)."""
    args = [args[0], "-c", PEAK + args[2], *args[3:]] if args[1] == "-c" else [args[0], "-c", PEAK + open(args[1]).read(), *args[2:]]
    wall = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{args[3:5]} failed: {err}")
    peak = int(err.rsplit("PEAK ", 1)[1].split()[0]) / 1024 if "PEAK " in err else float("nan")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - wall, peak


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--visits", type=int, default=600_000)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "uppf-xl-bench" / "month")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args(argv)
    book, files = prepare(a.cache / str(a.visits), a.visits)
    register = open_workbook(book).register(TODAY)
    visits_count = pl.scan_csv(files[0], separator=";", infer_schema=False).select(pl.len()).collect().item()

    def ours() -> None:
        read = monthly_read.read_exports(register, files, "nyckel")
        assert not read.problems, read.problems[:3]
        monthly.analyse(read, register, {MONTH})

    def floor_polars() -> None:
        df = pl.read_csv(files[0], separator=";", infer_schema=False)
        df.group_by("Utförare").agg(pl.len())

    def floor_arrow() -> None:
        table = pacsv.read_csv(files[0], parse_options=pacsv.ParseOptions(delimiter=";"))
        table.group_by("Utförare").aggregate([("Start", "count")])

    best: dict[str, tuple[float, float]] = {}
    for _ in range(a.repeat):
        cases = [("ours", ours), ("polars", floor_polars)] + ([("pyarrow", floor_arrow)] if pyarrow is not None else [])
        for name, fn in cases:
            c, w = timed(fn)
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], c), min(old[1], w))

    work = a.cache / "work"
    work.mkdir(exist_ok=True)
    command: tuple[float, float, float] = (float("inf"), float("inf"), 0.0)
    floor_child: tuple[float, float, float] = (float("inf"), float("inf"), 0.0)
    script = work / "floor.py"
    script.write_text(FLOOR_SCRIPT, encoding="utf-8")
    for _ in range(a.repeat):
        copy = work / "kommun.xlsx"
        shutil.copyfile(book, copy)
        c = run_child([sys.executable, "-c", "from uppf_xl.cli import run\nrun()", "month-in", str(copy),
                       *map(str, files), "--month", MONTH, "--today", TODAY.isoformat()])
        command = (min(command[0], c[0]), min(command[1], c[1]), max(command[2], c[2]))
        f = run_child([sys.executable, str(script), str(files[0])])
        floor_child = (min(floor_child[0], f[0]), min(floor_child[1], f[1]), max(floor_child[2], f[2]))

    ratio = best["ours"][0] / best["polars"][0]
    ratio_command = command[0] / floor_child[0]
    lines = [
        START,
        "## month-in: en månad i en stor kommun",
        "",
        f"Körd {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC med `python bench/month.py --repeat {a.repeat}` "
        f"({visits_count:,} besök hos {PROVIDERS} utförare, {files[0].stat().st_size / 1e6:.0f} MB CSV, plus beviljad tid; "
        f"POLARS_MAX_THREADS={os.environ['POLARS_MAX_THREADS']}, nproc {os.cpu_count()}, belastning {', '.join(f'{x:.1f}' for x in os.getloadavg())}; Python {platform.python_version()}, "
        f"polars {pl.__version__}{', pyarrow ' + pyarrow.__version__ if pyarrow is not None else ''}).".replace(",", " ", 1),
        "",
        "| del | vår tid (CPU / vägg) | golvet (CPU / vägg) | kvot CPU | mål | nått | golvet är |",
        "|---|---:|---:|---:|---:|:-:|---|",
        f"| läsning + analys | {best['ours'][0]:.2f} s / {best['ours'][1]:.2f} s | {best['polars'][0]:.2f} s / "
        f"{best['polars'][1]:.2f} s | {ratio:.2f} | <= {GOAL_RATIO} | {'ja' if ratio <= GOAL_RATIO else 'NEJ'} | "
        "polars read_csv av besöksfilen + en group-by |",
        *([f"| läsning + analys | {best['ours'][0]:.2f} s / {best['ours'][1]:.2f} s | {best['pyarrow'][0]:.2f} s / "
           f"{best['pyarrow'][1]:.2f} s | {best['ours'][0] / best['pyarrow'][0]:.2f} | | | pyarrow read_csv + en group-by |"]
          if "pyarrow" in best else []),
        f"| hela `month-in` (egen process) | {command[0]:.2f} s / {command[1]:.2f} s | {floor_child[0]:.2f} s / "
        f"{floor_child[1]:.2f} s | {ratio_command:.2f} | | | polars-skriptet i egen process (start och import inräknade) |",
        "",
        f"Minnestopp för hela `month-in`: {command[2]:.0f} MB (mål <= {GOAL_MB} MB: "
        f"{'ja' if command[2] <= GOAL_MB else 'NEJ'}); golvskriptet {floor_child[2]:.0f} MB.",
        END,
    ]
    text = "\n".join(lines)
    print(text)
    if not a.no_write:
        results = ROOT / "bench" / "results.md"
        old = results.read_text(encoding="utf-8") if results.exists() else ""
        if START in old and END in old:
            new = old[: old.index(START)] + text + old[old.index(END) + len(END):]
        else:
            new = old.rstrip("\n") + "\n\n" + text + "\n"
        results.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()

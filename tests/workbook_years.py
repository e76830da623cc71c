"""A year of work on a real workbook file, as tests over several years need it."""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

from uppf_xl import contract, vocab
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.content import CellPatch, Changes


def complete_year(path: Path, year: int, rng: random.Random, share: float = 0.9) -> None:
    """Most of the year's rows (`share`) done on their visit date, typed as a user would."""
    wb = open_workbook(path)
    register = wb.register(date(year, 12, 31))
    values: dict[tuple[int, str], object] = {}
    for row in register.schedule:
        visit = row.planned or row.proposed
        if row.year == year and row.done is None and visit is not None and rng.random() < share:
            values[(row.row, "Genomförd")] = visit
            values[(row.row, "Status")] = vocab.RowStatus.GENOMFORD.value
    wb.apply(Changes(patches=[CellPatch(contract.SCHEDULE.name, values)]), "test", f"{year}")  # type: ignore[arg-type]


def copies(master: Path, folder: Path, *names: str) -> list[Path]:
    """Copies of one workbook file, to run two ways of working side by side."""
    out = [folder / name for name in names]
    for path in out:
        shutil.copyfile(master, path)
    return out

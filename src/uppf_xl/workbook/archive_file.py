"""The archive workbook beside the main one (`<namn>-arkiv.xlsx`): its Årshjul rows, read and written.

One sheet, Årshjul, with table tblArshjul: the contract's columns, then the user's own, every
value as it stood in the main workbook. See uppf_xl.archive for what moves there and why.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from uppf_xl import contract
from uppf_xl.errors import ERROR, Problem, WorkbookInvalid
from uppf_xl.model import ScheduleRow


def read_archive(path: Path) -> list[ScheduleRow]:
    """Every row of the archive at `path` (none when there is no archive yet).

    Problems name the file, sheet and cell (`[uppfoljning-arkiv.xlsx]Årshjul!P14: ...`), all at once.
    """
    rows, problems = archive_rows(path)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise WorkbookInvalid(errors)
    return rows


def archive_rows(path: Path) -> tuple[list[ScheduleRow], list[Problem]]:
    """The rows of the archive at `path` and every problem in it, errors and warnings, each
    naming the file, sheet and cell. Raises FileAccessError when the file cannot be read."""
    from uppf_xl.validate import schedule_rows
    from uppf_xl.workbook.reader import read_workbook

    if not path.exists():
        return [], []
    raw = read_workbook(path)
    sheet = f"[{path.name}]{contract.SCHEDULE.name}"
    table = raw.tables.get(contract.SCHEDULE.name)
    if table is None:
        return [], [Problem(ERROR, sheet, "", "bladet Årshjul saknas i arkivet")]
    rows, problems = schedule_rows(table)
    return rows, [replace(p, sheet=sheet) for p in [*raw.problems, *problems]]


def write_archive(path: Path, rows: list[ScheduleRow]) -> None:
    """The archive at `path`, whole or not at all: `rows` in their order, every column they hold.

    Written like the main workbook's Årshjul (the same sheet, formats and filter): a new
    package with an empty sheet is filled by the package writer, then takes the archive's place.
    """
    import contextlib
    import os

    from openpyxl import Workbook as NewBook

    from uppf_xl.errors import FileAccessError, os_reason
    from uppf_xl.schedule_sheet import schedule_sheet
    from uppf_xl.workbook.content import Changes
    from uppf_xl.workbook.package import write_changes
    from uppf_xl.workbook.safe import backup_path

    tmp = path.with_name(f".{path.stem}.{os.getpid()}.ny.xlsx")
    try:
        book = NewBook()
        book.active.title = contract.SCHEDULE.name
        book.save(tmp)
        write_changes(tmp, Changes(sheets=[schedule_sheet(rows)]))
        os.replace(tmp, path)
    except OSError as exc:
        raise FileAccessError(f"{path.name} kunde inte skrivas: {os_reason(exc)}. Arkivet är som förut.") from exc
    finally:
        for leftover in (tmp, backup_path(tmp)):
            with contextlib.suppress(OSError):
                leftover.unlink()

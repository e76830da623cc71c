"""The archive workbook beside the main one (`<namn>-arkiv.xlsx`): its Årshjul rows, read and written.

One sheet, Årshjul, with table tblArshjul: the contract's columns, then the user's own, every
value as it stood in the main workbook. See uppf_xl.archive for what moves there and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

from uppf_xl import contract
from uppf_xl.errors import ERROR, Problem, WorkbookInvalid
from uppf_xl.model import ScheduleRow
from uppf_xl.schedule_sheet import SCHEDULE_FIELDS, extra_headers
from uppf_xl.workbook.content import Value

WIDTHS = tuple(c.width for c in contract.SCHEDULE.columns)


def read_archive(path: Path) -> list[ScheduleRow]:
    """Every row of the archive at `path` (none when there is no archive yet).

    Problems name the file, sheet and cell (`[uppfoljning-arkiv.xlsx]Årshjul!P14: ...`), all at once.
    """
    from uppf_xl.validate import schedule_rows
    from uppf_xl.workbook.reader import read_workbook

    if not path.exists():
        return []
    raw = read_workbook(path)
    sheet = f"[{path.name}]{contract.SCHEDULE.name}"
    table = raw.tables.get(contract.SCHEDULE.name)
    if table is None:
        raise WorkbookInvalid([Problem(ERROR, sheet, "", "bladet Årshjul saknas i arkivet")])
    rows, problems = schedule_rows(table)
    errors = [replace(p, sheet=sheet) for p in [*raw.problems, *problems] if p.is_error]
    if errors:
        raise WorkbookInvalid(errors)
    return rows


def write_archive(path: Path, rows: list[ScheduleRow]) -> None:
    """The archive at `path`, whole or not at all: `rows` in their order, every column they hold."""
    from uppf_xl.workbook.output import write_plain_table

    extras = extra_headers(rows)
    header = [*contract.SCHEDULE.headers, *extras]
    attrs = [SCHEDULE_FIELDS[h] for h in contract.SCHEDULE.headers]

    def values(r: ScheduleRow) -> list[Value]:
        out: list[Value] = [_value(getattr(r, a)) for a in attrs]
        out.extend(_value(r.extra.get(h)) for h in extras)
        return out

    write_plain_table(path, contract.SCHEDULE.name, contract.SCHEDULE.table, header, (values(r) for r in rows),
                      widths=WIDTHS)


def _value(value: object) -> Value:
    if value is None or value == "":
        return None
    if isinstance(value, (bool, int, float, dt.date, dt.datetime)):
        return value
    return str(value.value) if hasattr(value, "value") and not isinstance(value, str) else str(value)

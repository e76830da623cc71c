"""The front door to a workbook: `open_workbook(path)`.

Example:
    >>> wb = open_workbook("uppfoljning.xlsx")            # doctest: +SKIP
    >>> problems = wb.check(today=date(2025, 1, 10))       # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import getpass
import os
from datetime import date
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from uppf_xl.contract import LOG
from uppf_xl.errors import Problem, WorkbookInvalid
from uppf_xl.model import Register
from uppf_xl.workbook.content import Changes, RowAppend, Value

if TYPE_CHECKING:
    from uppf_xl.workbook.base import Backend, RawWorkbook


class Workbook:
    """One workbook behind a backend: read once, validate, write changes with a Logg row."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._raw: RawWorkbook | None = None
        # The Register and its problems, built once per day asked for until the next write:
        # a command (or an Excel button) that runs several actions validates the workbook once.
        self._built: dict[date, tuple[Register, list[Problem]]] = {}

    @property
    def name(self) -> str:
        return self.backend.name

    @property
    def path(self) -> Path | None:
        return getattr(self.backend, "path", None)

    def raw(self) -> RawWorkbook:
        if self._raw is None:
            self._raw = self.backend.read()
        return self._raw

    def check(self, today: date | None = None) -> list[Problem]:
        """Every problem in the workbook, errors and warnings, sorted by sheet and cell."""
        return list(self.built(today)[1])

    def built(self, today: date | None = None) -> tuple[Register, list[Problem]]:
        """The Register as far as it could be read, and every problem; raises nothing for errors."""
        return self._build(today or date.today())

    def _build(self, today: date) -> tuple[Register, list[Problem]]:
        from uppf_xl.validate import build_register

        if today not in self._built:
            self._built[today] = build_register(self.raw(), today)
        return self._built[today]

    def register(self, today: date | None = None, unused: Collection[str] = ()) -> Register:
        """The typed content; raises WorkbookInvalid (with every problem) when it has errors.

        Errors in the sheets named in `unused` (sheets the command does not read) do not stop
        it: each such sheet gets one warning saying what it stops instead (`check` lists all).
        """
        register, problems = self._build(today or date.today())
        skipped = [p for p in problems if p.is_error and p.sheet in unused]
        kept = [p for p in problems if p not in skipped]
        if any(p.is_error for p in kept):
            raise WorkbookInvalid(kept)
        self.warnings = kept + _skipped_warnings(skipped)
        return register

    def apply(self, changes: Changes, action: str, details: str, now: dt.datetime | None = None) -> None:
        """Write `changes` and one Logg row, all at once; nothing is written on failure."""
        log_row: dict[str, Value] = {
            "Tidpunkt": (now or dt.datetime.now()).replace(microsecond=0),
            "Åtgärd": action,
            "Detaljer": details,
            "Användare": current_user(),
        }
        changes = Changes(changes.sheets, changes.patches, [*changes.appends, RowAppend(LOG.name, [log_row])])
        # What was read is stale after the write, and the write needs the memory: let it go first.
        self._raw = None
        self._built.clear()
        _release_memory()
        self.backend.write(changes)


def _release_memory() -> None:
    """Free what reading built before the write takes its own memory: the register refers to
    itself (its memo of statuses), so it goes only with a collection. glibc keeps what was
    freed for the process's next allocations; `malloc_trim` hands it back to the system, so
    that the write's copies of the package take the room the grid and the typed rows left."""
    gc.collect()
    if (trim := _malloc_trim()) is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where there is none (Windows, macOS, musl)."""
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def _skipped_warnings(skipped: list[Problem]) -> list[Problem]:
    """One warning per sheet whose errors were let through: they stop only its own commands."""
    from uppf_xl.errors import WARNING

    counts: dict[str, int] = {}
    for p in skipped:
        counts[p.sheet] = counts.get(p.sheet, 0) + 1
    return [
        Problem(WARNING, sheet, "", f"{n} fel i bladet (se uppf-xl check); de stoppar inte den här körningen, "
                                    "som inte läser bladet, men väl kommandon som gör det")
        for sheet, n in counts.items()
    ]


def current_user() -> str:
    try:
        return os.environ.get("UPPF_XL_USER") or getpass.getuser()
    except Exception:  # no login name in some service contexts
        return ""


def open_workbook(path: str | os.PathLike[str]) -> Workbook:
    """Open a closed .xlsx/.xlsm on disk. Raises FileAccessError when it cannot be read."""
    from uppf_xl.workbook.file import FileBackend

    return Workbook(FileBackend(Path(path)))


__all__ = ["Workbook", "open_workbook"]

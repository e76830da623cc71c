"""The safe writer: apply `Changes` to a workbook file at the package (zip) level.

Every part of the original is copied byte for byte except what the change needs: the
tool-owned sheets are written fresh (inline strings, so shared strings stay untouched), the
styles the tool uses are appended to xl/styles.xml, single cells of user sheets are edited in
place, and the result is checked against the original (`guard`) before it replaces the file.

A tool sheet written anew keeps what the user added to it: its VBA code name, comments,
data validation (also in x14 extension blocks), their own conditional formats, pictures and
shapes; its old tables and the tool's own charts are replaced.

Example:
    >>> write_changes(Path("uppfoljning.xlsx"), changes)         # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from uppf_xl.errors import FileAccessError
from uppf_xl.workbook.content import Changes
from uppf_xl.workbook.safe import (
    UNCHANGED,
    atomic_write,
    check_not_open,
    check_writable,
    inspect_file,
    remove_stale_temps,
    run_lock,
)
from uppf_xl.workbook.ooxml.parts import Package
from uppf_xl.workbook.ooxml.builder import build
from uppf_xl.workbook.ooxml.guard import readable, verify, written_sheets


def write_changes(path: Path, changes: Changes, read_stamp: tuple[int, int] | None = None) -> None:
    """Write `changes` into the workbook at `path`, whole or not at all.

    Refuses (FileAccessError, exit code 3) when the workbook is open in Excel or in another
    uppf-xl run, or was saved by someone else since it was read (`read_stamp`, from
    `file_stamp` at read time), and (WriteRefused) when anything the user owns would be lost;
    in every failure the file is left byte-identical.

    Example:
        >>> write_changes(Path("uppfoljning.xlsx"), Changes(sheets=[SheetContent("Översikt")]))  # doctest: +SKIP
    """
    path = Path(path)
    if not changes:
        return
    link = path
    if path.is_symlink():
        # Replacing the link by a file would leave the real workbook stale: write the target.
        path = Path(os.path.realpath(path))
    inspect_file(path)
    with run_lock(path):
        check_not_open(link)
        check_not_open(path)
        check_writable(path)
        remove_stale_temps(path)
        stamp = file_stamp(path)
        if read_stamp is not None and stamp != read_stamp:
            # The changes were computed from a version that is no longer there: another run or
            # a person saved in between, and writing now would undo their work.
            raise FileAccessError(
                f"Arbetsboken {path.name} ändrades av någon annan medan uppf-xl arbetade. {UNCHANGED} Försök igen."
            )
        before = Package.read(path)
        after, plan = build(before, changes)
        written = written_sheets(plan)
        # Both packages are let go once the guard has compared them, so that calamine's
        # read-back of the written sheets has the room they took.
        held = [before, after]
        del before, after

        def save(fh: BinaryIO) -> None:
            held[1].save(fh)

        def check(tmp: Path) -> None:
            verify(tmp, held[0], held[1], plan)
            held.clear()
            readable(tmp, written)
            if file_stamp(path) != stamp:
                raise FileAccessError(
                    f"Arbetsboken {path.name} ändrades av ett annat program medan uppf-xl arbetade. {UNCHANGED} Försök igen."
                )
            check_not_open(path)

        atomic_write(path, save, check)


def file_stamp(path: Path) -> tuple[int, int]:
    """(mtime in ns, size): what tells that a file was saved again."""
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


__all__ = ["write_changes", "file_stamp", "build", "verify", "Package"]

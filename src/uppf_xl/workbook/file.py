"""The file backend: a closed .xlsx/.xlsm on disk, read with calamine, written safely."""

from __future__ import annotations

from pathlib import Path

from uppf_xl.workbook.base import RawWorkbook
from uppf_xl.workbook.content import Changes


class FileBackend:
    """A workbook file. Reads never write; writes go through the guarded package writer."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def name(self) -> str:
        return self.path.name

    def read(self) -> RawWorkbook:
        from uppf_xl.workbook.reader import read_workbook

        return read_workbook(self.path)

    def write(self, changes: Changes) -> None:
        from uppf_xl.workbook.package import write_changes

        write_changes(self.path, changes)

"""The file backend: a closed .xlsx/.xlsm on disk, read with calamine, written safely."""

from __future__ import annotations

from pathlib import Path

from uppf_xl.workbook.base import RawWorkbook
from uppf_xl.workbook.content import Changes


class FileBackend:
    """A workbook file. Reads never write; writes go through the guarded package writer."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._read_stamp: tuple[int, int] | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def read(self) -> RawWorkbook:
        from uppf_xl.workbook.package import file_stamp
        from uppf_xl.workbook.reader import read_workbook

        stamp = file_stamp(self.path) if self.path.is_file() else None
        raw = read_workbook(self.path)
        self._read_stamp = stamp
        return raw

    def write(self, changes: Changes) -> None:
        from uppf_xl.workbook.package import write_changes

        # Refuse when the file was saved by anyone after this run read it.
        write_changes(self.path, changes, read_stamp=self._read_stamp)
        self._read_stamp = None

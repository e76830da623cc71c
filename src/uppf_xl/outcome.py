"""What an action produced: the changes to write, and what to tell the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from uppf_xl.errors import Problem, UppfError
from uppf_xl.workbook.content import Changes


@dataclass
class Outcome:
    """The result of one action (plan, status, letters, ...), before anything is written.

    `lines` are Swedish sentences for the terminal or a message box; `log` is the Logg
    sheet's Detaljer text; `files` the documents the action wrote.
    """

    action: str
    changes: Changes = field(default_factory=Changes)
    lines: list[str] = field(default_factory=list)
    log: str = ""
    files: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    tables: list[tuple[str, list[str], list[list[object]]]] = field(default_factory=list)
    """(title, header, rows) tables for the terminal summary."""
    exit_code: int = 0
    failure: UppfError | None = None
    """What stopped a part of the run after the rest was written (LibreOffice missing for the
    PDFs: the .docx files are there). Shown after the lines; its exit code is the run's."""

    def fail(self, error: UppfError | None) -> Outcome:
        """Record `error` (when there is one) as the run's failure."""
        if error is not None:
            self.failure = error
        return self

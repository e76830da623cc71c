"""Errors raised by uppf-xl, one tree under UppfError; messages are Swedish.

    UppfError                      exit code
    ├── UsageError                 2  wrong options, init onto an existing file
    ├── WorkbookInvalid            1  the workbook's content has errors (carries every Problem)
    ├── PersonalDataFound          1  the personal-data guard stopped an output
    ├── TemplateError              1  a letter or report template is missing or does not render
    ├── ExportInvalid              1  a time-registration export has bad values (file and line each)
    ├── FileAccessError            3  missing, not a workbook, encrypted, locked, truncated
    │   └── WriteRefused           3  a write would lose user content
    └── ExternalProgramMissing     4  e.g. LibreOffice for --pdf

Example:
    >>> Problem("Fel", "Utförare", "F14", '"2025-13-01" är inget giltigt datum').text
    'Fel: Utförare!F14: "2025-13-01" är inget giltigt datum'
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass

# Control characters a message shows as symbols (and a text cell refuses).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ERROR = "Fel"
WARNING = "Varning"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in the workbook, located by sheet and (when it has one) cell."""

    severity: str  # ERROR or WARNING
    sheet: str
    cell: str  # "" when the problem concerns the sheet or the file
    message: str

    @property
    def text(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{self.severity}: {where}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __str__(self) -> str:
        return self.text


class UppfError(Exception):
    """Base of every error uppf-xl reports to the user.

    The user sees, in the terminal and in Excel alike (`shown`): the `problems` (sheet and
    cell each), the `details` (other lines, such as an export's file and line), then the
    closing line.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = []
        self.details: list[str] = []

    @property
    def closing(self) -> str:
        """The last line: the message, after "Fel: " unless it counts the errors itself.

        >>> UsageError("okänd period x").closing
        'Fel: okänd period x'
        """
        return f"Fel: {self.message}"


class UsageError(UppfError):
    exit_code = 2


class WorkbookInvalid(UppfError):
    """The workbook has content errors; `problems` lists all of them, warnings included."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        errors = [p for p in problems if p.is_error]
        super().__init__(f"Arbetsboken har {len(errors)} fel och kan inte användas förrän de är rättade.")
        self.problems = problems

    @property
    def closing(self) -> str:
        return self.message


class PersonalDataFound(UppfError):
    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class TemplateError(UppfError):
    """A template cannot be found or does not render with the context it was given."""

    exit_code = 1


class FileAccessError(UppfError):
    exit_code = 3


class WriteRefused(FileAccessError):
    exit_code = 3


class ExternalProgramMissing(UppfError):
    exit_code = 4


class ExportInvalid(UppfError):
    """Bad values in time-registration exports; `lines` names each one by file and line."""

    exit_code = 1

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"exporterna har {len(problems)} fel och lästes inte in; arbetsboken är oförändrad.")
        self.details = [f"Fel: {p}" for p in problems]


def os_reason(exc: OSError, too_long: str = "filnamnet är för långt") -> str:
    """Why a file operation failed, in Swedish (`too_long` for a name the system refuses)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disken är full"
    if exc.errno == errno.EFBIG:
        return "filen blev för stor för disken"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "åtkomst nekad (filen är skrivskyddad eller öppen i ett annat program)"
    if exc.errno == errno.EROFS:
        return "mappen är skrivskyddad"
    if exc.errno == errno.ENAMETOOLONG:
        return too_long
    return exc.strerror or str(exc)


def quote_value(raw: object) -> str:
    """The value as the message shows it: quoted, shortened, control characters made visible."""
    from uppf_xl.guard import mask_all

    text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
    text = mask_all(text)  # a message reaches the terminal: a personnummer in the value is masked there too
    if len(text) > 60:
        text = text[:57] + "..."
    text = CONTROL_RE.sub(lambda m: chr(0x2400 + ord(m.group())) if m.group() != "\x7f" else "\u2421", text)
    # A line break or tab would split the message on the terminal: shown as a symbol too.
    text = text.replace("\n", "\u240a").replace("\r", "\u240d").replace("\t", "\u2409")
    return f'"{text}"'

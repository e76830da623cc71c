"""Writing output files (letters, drafts, calendar, reports, questionnaires) whole or not at all.

Each file goes to a hidden temporary file in its folder, is flushed to disk and then renamed
over the target, so a full disk or a killed run never leaves a truncated document. Inside
`batch()`, a failure also removes the files the run had already created, so a run that
stops half-way leaves the output folder as it found it (files it replaced keep their new,
whole content). The errors are Swedish FileAccessErrors (exit code 3) naming the file.

A path that is a symbolic link is written through to its target.

Example:
    >>> with batch():                                              # doctest: +SKIP
    ...     write_bytes(Path("Utskick/brev.docx"), data)
    ...     write_with(Path("Utskick/lista.xlsx"), workbook.save)
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from uppf_xl.errors import ExternalProgramMissing, FileAccessError
from uppf_xl.errors import os_reason as reason

TEMP_SUFFIX = ".uppf-xl.tmp"

_CREATED: contextvars.ContextVar[list[Path] | None] = contextvars.ContextVar("uppf_xl_created", default=None)


def target_of(path: Path) -> Path:
    """The file a write to `path` changes: a symbolic link's target, else `path` itself."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def write_with(path: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write `path` with `write(file)`, atomically; returns `path`."""
    target = target_of(path)
    existed = target.exists()
    tmp = target.with_name(f".{target.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise FileAccessError(f"{path} kunde inte skrivas: {reason(exc)}. Ingen del av filen finns kvar.") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    created = _CREATED.get()
    if created is not None and not existed:
        created.append(target)
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path`, atomically; returns `path`."""
    def write(fh: BinaryIO) -> None:
        fh.write(data)

    return write_with(path, write)


def append_text(path: Path, text: str) -> None:
    """Append a line to a log file beside the outputs; a failure is a Swedish FileAccessError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise FileAccessError(f"{path} kunde inte skrivas: {reason(exc)}.") from exc


def track(path: Path) -> None:
    """Count a file another program wrote (a PDF from LibreOffice) as created by this run."""
    created = _CREATED.get()
    if created is not None:
        created.append(Path(path))


@contextlib.contextmanager
def batch() -> Iterator[list[Path]]:
    """Files created inside the block are removed again when the block fails."""
    outer = _CREATED.get()
    created: list[Path] = []
    token = _CREATED.set(created)
    try:
        yield created
    except BaseException as exc:
        if isinstance(exc, ExternalProgramMissing):
            raise  # everything but the PDFs is written, and stays (exit code 4)
        for path in reversed(created):
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    finally:
        _CREATED.reset(token)
        if outer is not None:
            outer.extend(created)

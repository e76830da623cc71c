"""File safety: checks before reading, lock files, and the atomic replace of a workbook.

Example:
    >>> inspect_file(Path("uppfoljning.xlsx"))                       # doctest: +SKIP
    >>> with run_lock(Path("uppfoljning.xlsx")):                     # doctest: +SKIP
    ...     atomic_write(Path("uppfoljning.xlsx"), write, verify)
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import stat
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from uppf_xl.errors import FileAccessError, WriteRefused, os_reason

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
UNCHANGED = "Arbetsboken är oförändrad."
TEMP_SUFFIX = ".uppf-xl.tmp"
# What reading a damaged zip can raise: a bad directory, a bad member, a bad CRC, an odd method.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError, RuntimeError)


def inspect_file(path: Path) -> None:
    """Raise FileAccessError (in Swedish, naming the file) unless `path` looks like a readable workbook.

    Checks, in order: the file exists, is not empty, is not an encrypted (OLE) file, is a zip,
    the zip is whole, and it holds xl/workbook.xml.
    """
    path = Path(path)
    if not path.exists():
        raise FileAccessError(f"Filen {path} finns inte.")
    if path.is_dir():
        raise FileAccessError(f"{path} är en mapp, inte en arbetsbok.")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
            encrypted = head == OLE_SIGNATURE and _has_encryption_stream(fh)
    except OSError as exc:
        raise FileAccessError(f"Filen {path} kan inte läsas: {_reason(exc)}.") from exc
    if size == 0:
        raise FileAccessError(f"Filen {path} är tom (0 byte) och är ingen arbetsbok.")
    if head == OLE_SIGNATURE:
        if encrypted:
            raise FileAccessError(
                f"Filen {path} är krypterad (lösenordsskyddad). Ta bort lösenordet i Excel "
                "(Arkiv > Info > Skydda arbetsbok > Kryptera med lösenord) och försök igen."
            )
        raise FileAccessError(
            f"Filen {path} är i det gamla .xls-formatet. Öppna den i Excel och spara den som .xlsx eller .xlsm."
        )
    if not head.startswith(ZIP_SIGNATURES):
        raise FileAccessError(f"Filen {path} är ingen Excel-arbetsbok (.xlsx eller .xlsm).")
    broken = f"Filen {path} är skadad eller ofullständig (zip-arkivet går inte att läsa)."
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if zf.testzip() is not None:
                raise FileAccessError(broken)
    except ZIP_ERRORS as exc:
        raise FileAccessError(broken) from exc
    if "xl/workbook.xml" not in names:
        raise FileAccessError(f"Filen {path} är ett zip-arkiv men ingen Excel-arbetsbok (xl/workbook.xml saknas).")
    declared = _part_with_dtd(path)
    if declared:
        raise FileAccessError(
            f"Filen {path} innehåller en dokumenttypdeklaration (DOCTYPE/ENTITY) i {declared}. Excel skriver aldrig "
            "sådana; de kan få ett program att läsa andra filer. Filen läses inte. Öppna den i Excel och spara den igen."
        )


_ELEMENT_START = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
PROLOG_LIMIT = 1 << 20  # a prolog longer than this is itself refused


def _part_with_dtd(path: Path) -> str:
    """The first XML part whose prolog declares a DOCTYPE or ENTITY (XXE, entity bombs), or "".

    Only the prolog is read: a DOCTYPE must come before the root element.
    """
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            head = b""
            with zf.open(info) as fh:
                while len(head) < PROLOG_LIMIT:
                    chunk = fh.read(65536)
                    if not chunk:
                        break
                    head += chunk
                    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                        head = head.decode("utf-16", errors="replace").encode("utf-8")
                    start = _ELEMENT_START.search(head)
                    if start is not None:
                        head = head[: start.start()]
                        break
                else:
                    return info.filename
            if _DTD.search(head):
                return info.filename
    return ""


def _has_encryption_stream(fh: BinaryIO) -> bool:
    """An encrypted .xlsx is an OLE file with an "EncryptionInfo" stream; an old .xls has none."""
    fh.seek(0)
    data = fh.read(4 * 1024 * 1024)
    return "EncryptionInfo".encode("utf-16-le") in data


def excel_lock_file(path: Path) -> Path | None:
    """The lock file Excel (or LibreOffice) keeps beside an open workbook, if there is one."""
    name = path.name
    for candidate in (f"~${name}", f"~${name[2:]}", f".~lock.{name}#"):
        lock = path.with_name(candidate)
        if lock.exists():
            return lock
    return None


def check_not_open(path: Path) -> None:
    """Refuse to write a workbook that is open in Excel or LibreOffice."""
    lock = excel_lock_file(path)
    if lock is None:
        return
    if lock.name.startswith(".~lock."):
        raise FileAccessError(
            f"Arbetsboken är öppen i LibreOffice (låsfilen {lock.name} finns). Stäng den och försök igen."
        )
    raise FileAccessError(f"Arbetsboken är öppen i Excel (låsfilen {lock.name} finns). Stäng den i Excel och försök igen.")


def check_writable(path: Path) -> None:
    """Refuse a workbook marked read-only: the replace would otherwise go through on Linux."""
    mode = path.stat().st_mode
    if not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        raise FileAccessError(f"Arbetsboken {path.name} är skrivskyddad. Ta bort skrivskyddet och försök igen.")


def run_lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.uppf-xl.lock")


_held: dict[Path, int] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold the uppf-xl run lock of a workbook; a second run on the same file refuses cleanly.

    The lock is a file beside the workbook created exclusively and holding the pid; a lock
    left by a process that no longer runs is taken over. Nested use in one process is allowed.

    Example:
        >>> with run_lock(Path("uppfoljning.xlsx")):       # doctest: +SKIP
        ...     ...
    """
    key = Path(os.path.abspath(path))
    with _held_guard:
        if key in _held:
            _held[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    lock = run_lock_path(key)
    _acquire(lock, key)
    with _held_guard:
        _held[key] = 1
    try:
        yield
    finally:
        with _held_guard:
            del _held[key]
        with contextlib.suppress(OSError):
            lock.unlink()


def _acquire(lock: Path, workbook: Path) -> None:
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid = _read_pid(lock)
            # Our own pid in a lock we do not hold is a dead run's lock whose pid was reused.
            if pid is not None and pid != os.getpid() and _pid_alive(pid):
                raise FileAccessError(
                    f"Arbetsboken {workbook.name} används av en annan körning av uppf-xl (process {pid}). "
                    "Vänta tills den är klar och försök igen."
                ) from None
            _take_over_stale(lock, pid)
            continue
        except OSError as exc:
            raise FileAccessError(f"Kunde inte skapa låsfilen {lock.name}: {_reason(exc)}.") from exc
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(str(os.getpid()))
        return
    raise FileAccessError(
        f"Arbetsboken {workbook.name} används av en annan körning av uppf-xl. Vänta tills den är klar och försök igen."
    )


def _take_over_stale(lock: Path, pid: int | None) -> None:
    """Move a dead run's lock aside atomically, so two runs cannot both take it over."""
    aside = lock.with_name(f"{lock.name}.{os.getpid()}.stale")
    try:
        os.replace(lock, aside)
    except FileNotFoundError:
        return  # another run took it over first; retry the exclusive create
    except OSError as exc:
        raise FileAccessError(f"Kunde inte ta över den gamla låsfilen {lock.name}: {_reason(exc)}.") from exc
    moved = _read_pid(aside)
    if moved != pid and moved is not None and _pid_alive(moved):
        # A live run re-created the lock between our read and our move: give it back.
        with contextlib.suppress(OSError):
            os.replace(aside, lock)
        return
    with contextlib.suppress(OSError):
        aside.unlink()


def _read_pid(lock: Path) -> int | None:
    try:
        text = lock.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def backup_path(path: Path) -> Path:
    """The one backup kept beside the workbook: uppfoljning.xlsx -> uppfoljning.bak.xlsx."""
    return path.with_name(f"{path.stem}.bak{path.suffix}")


def temp_path(path: Path) -> Path:
    """A hidden temporary name beside the workbook that no one takes for a workbook."""
    return path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")


def remove_stale_temps(path: Path) -> None:
    """Remove temporary files left by runs that were killed mid-write (call it holding the run lock).

    A temp file with this process's own pid is stale too: its pid was reused after the kill.
    """
    for prefix in (f".{path.name}.", f".{backup_path(path).name}."):
        for tmp in path.parent.glob(f"{glob.escape(prefix)}*{TEMP_SUFFIX}"):
            pid_text = tmp.name[len(prefix) : -len(TEMP_SUFFIX)]
            if pid_text.isdigit() and (int(pid_text) == os.getpid() or not _pid_alive(int(pid_text))):
                with contextlib.suppress(OSError):
                    tmp.unlink()


def atomic_write(path: Path, write: Callable[[BinaryIO], None], verify: Callable[[Path], None]) -> None:
    """Replace `path` by what `write` produces, or leave it byte-identical.

    `write` fills a temporary file in the same folder; it is flushed and fsynced, `verify`
    checks it (raising WriteRefused to stop), one backup of the previous version is kept,
    and `os.replace` puts the new file in place.
    """
    path = Path(path)
    tmp = temp_path(path)
    try:
        try:
            with open(tmp, "xb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise FileAccessError(f"Kunde inte skriva {path.name}: {_reason(exc)}. {UNCHANGED}") from exc
        verify(tmp)
        try:
            shutil.copymode(path, tmp)
            _keep_backup(path)
            os.replace(tmp, path)
        except OSError as exc:
            raise FileAccessError(f"Kunde inte ersätta {path.name}: {_reason(exc)}. {UNCHANGED}") from exc
        _fsync_dir(path.parent)
    except WriteRefused:
        raise
    except FileAccessError:
        raise
    except Exception as exc:
        raise FileAccessError(f"Skrivningen av {path.name} misslyckades: {exc}. {UNCHANGED}") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _keep_backup(path: Path) -> None:
    """Copy the current version to the backup name; the copy is replaced atomically too."""
    bak = backup_path(path)
    bak_tmp = bak.with_name(f".{bak.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        shutil.copy2(path, bak_tmp)
        os.replace(bak_tmp, bak)
    finally:
        with contextlib.suppress(OSError):
            bak_tmp.unlink()


def _fsync_dir(folder: Path) -> None:
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _reason(exc: OSError) -> str:
    return os_reason(exc, too_long="filnamnet är för långt (uppf-xl behöver plats för en tillfällig fil och en "
                                   "säkerhetskopia); byt till ett kortare namn")

"""File checks, lock files and the atomic replace, on real files."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from uppf_xl.errors import FileAccessError
from uppf_xl.workbook import package, safe
from uppf_xl.workbook.content import CellPatch, Changes
from uppf_xl.workbook.package import write_changes
from uppf_xl.workbook.safe import inspect_file, run_lock

FIXTURE = Path(__file__).parent.parent / "data" / "roundtrip" / "user_book.xlsm"
UNCHANGED = "Arbetsboken är oförändrad."
PATCH = Changes(patches=[CellPatch("Iakttagelser", {(2, "Status"): "Ny"})])


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "uppfoljning.xlsm"
    shutil.copy(FIXTURE, path)
    return path


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- inspect_file -------------------------------------------------------------------------------


def _zero(path: Path) -> None:
    path.write_bytes(b"")


def _text(path: Path) -> None:
    path.write_text("UtförarID;Namn\nU001;Solgården\n", encoding="utf-8")


def _truncated(path: Path) -> None:
    path.write_bytes(FIXTURE.read_bytes()[: FIXTURE.stat().st_size // 2])


def _encrypted(path: Path) -> None:
    # An encrypted .xlsx is an OLE compound file with EncryptionInfo and EncryptedPackage streams.
    path.write_bytes(safe.OLE_SIGNATURE + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512)


def _old_xls(path: Path) -> None:
    path.write_bytes(safe.OLE_SIGNATURE + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 512)


def _zip_without_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")


def _corrupt_member(path: Path) -> None:
    data = bytearray(FIXTURE.read_bytes())
    at = data.index(b"xl/vbaProject.bin") + 200  # inside the VBA project's compressed bytes
    data[at : at + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_zero, "Filen {p} är tom (0 byte) och är ingen arbetsbok."),
        (_text, "Filen {p} är ingen Excel-arbetsbok (.xlsx eller .xlsm)."),
        (_truncated, "Filen {p} är skadad eller ofullständig (zip-arkivet går inte att läsa)."),
        (_corrupt_member, "Filen {p} är skadad eller ofullständig (zip-arkivet går inte att läsa)."),
        (
            _encrypted,
            "Filen {p} är krypterad (lösenordsskyddad). Ta bort lösenordet i Excel "
            "(Arkiv > Info > Skydda arbetsbok > Kryptera med lösenord) och försök igen.",
        ),
        (_old_xls, "Filen {p} är i det gamla .xls-formatet. Öppna den i Excel och spara den som .xlsx eller .xlsm."),
        (_zip_without_workbook, "Filen {p} är ett zip-arkiv men ingen Excel-arbetsbok (xl/workbook.xml saknas)."),
    ],
    ids=["zero-byte", "text", "truncated", "corrupt-member", "encrypted", "old-xls", "zip-not-workbook"],
)
def test_inspect_file_refuses_what_is_not_a_workbook(tmp_path: Path, make, message: str) -> None:
    path = tmp_path / "uppfoljning.xlsx"
    make(path)
    before = path.read_bytes()
    with pytest.raises(FileAccessError) as exc:
        inspect_file(path)
    assert exc.value.message == message.format(p=path)
    assert exc.value.exit_code == 3
    assert path.read_bytes() == before


def test_inspect_file_missing(tmp_path: Path) -> None:
    path = tmp_path / "finns_inte.xlsx"
    with pytest.raises(FileAccessError) as exc:
        inspect_file(path)
    assert exc.value.message == f"Filen {path} finns inte."


def test_inspect_file_accepts_the_fixture() -> None:
    inspect_file(FIXTURE)


def test_write_refuses_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "uppfoljning.xlsx"
    _truncated(path)
    before = path.read_bytes()
    with pytest.raises(FileAccessError):
        write_changes(path, PATCH)
    assert path.read_bytes() == before
    assert _names(tmp_path) == ["uppfoljning.xlsx"]


# -- locks ---------------------------------------------------------------------------------------


def test_excel_lock_file_stops_the_write(book: Path) -> None:
    original = book.read_bytes()
    (book.parent / "~$uppfoljning.xlsm").write_bytes(b"\x00" * 165)
    with pytest.raises(FileAccessError) as exc:
        write_changes(book, PATCH)
    assert exc.value.message == (
        "Arbetsboken är öppen i Excel (låsfilen ~$uppfoljning.xlsm finns). Stäng den i Excel och försök igen."
    )
    assert exc.value.exit_code == 3
    assert book.read_bytes() == original
    assert _names(book.parent) == ["uppfoljning.xlsm", "~$uppfoljning.xlsm"]


HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from uppf_xl.workbook.safe import run_lock
    with run_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        sys.stdin.readline()
    """
)


def test_a_second_run_refuses_while_the_first_holds_the_lock(book: Path) -> None:
    original = book.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(book)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(FileAccessError) as exc:
            write_changes(book, PATCH)
        assert exc.value.message == (
            f"Arbetsboken uppfoljning.xlsm används av en annan körning av uppf-xl (process {holder.pid}). "
            "Vänta tills den är klar och försök igen."
        )
        assert book.read_bytes() == original
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0
    write_changes(book, PATCH)  # the lock is gone with the first run
    assert book.read_bytes() != original
    assert not safe.run_lock_path(book).exists()


CONCURRENT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from uppf_xl.workbook.content import CellPatch, Changes
    import uppf_xl.workbook.package as package
    real = package.atomic_write
    def paused(*args, **kwargs):
        print("writing", flush=True)  # inside the run lock, the new package built
        sys.stdin.readline()
        return real(*args, **kwargs)
    package.atomic_write = paused
    package.write_changes(Path(sys.argv[1]), Changes(patches=[CellPatch("Iakttagelser", {(2, "Status"): "Rapporterad"})]))
    print("ok", flush=True)
    """
)


def test_two_runs_at_once_one_wins_the_other_refuses(book: Path) -> None:
    original = book.read_bytes()
    first = subprocess.Popen(
        [sys.executable, "-c", CONCURRENT, str(book)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "writing"
        with pytest.raises(FileAccessError) as exc:
            write_changes(book, PATCH)  # the second run, while the first is mid-write
        assert exc.value.message == (
            f"Arbetsboken uppfoljning.xlsm används av en annan körning av uppf-xl (process {first.pid}). "
            "Vänta tills den är klar och försök igen."
        )
        assert book.read_bytes() == original
    finally:
        out, _ = first.communicate("\n", timeout=60)
    assert out.strip() == "ok" and first.returncode == 0
    from python_calamine import CalamineWorkbook

    assert CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Iakttagelser").to_python()[1][14] == "Rapporterad"
    assert not safe.run_lock_path(book).exists()


def test_a_stale_lock_of_a_dead_run_is_taken_over(book: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    safe.run_lock_path(book).write_text(str(dead.pid), encoding="ascii")
    write_changes(book, PATCH)
    assert not safe.run_lock_path(book).exists()


def test_run_lock_is_reentrant_in_one_process(book: Path) -> None:
    with run_lock(book):
        with run_lock(book):
            assert safe.run_lock_path(book).read_text(encoding="ascii") == str(os.getpid())
        assert safe.run_lock_path(book).exists()
        write_changes(book, PATCH)  # the writer takes the lock this process already holds
    assert not safe.run_lock_path(book).exists()


# -- failures while writing ------------------------------------------------------------------------


def test_disk_full_leaves_the_workbook_unchanged(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = book.read_bytes()

    def full(self: package.Package, fh) -> None:
        fh.write(b"PK\x03\x04" + b"\x00" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(package.Package, "save", full)
    with pytest.raises(FileAccessError) as exc:
        write_changes(book, PATCH)
    assert exc.value.message == f"Kunde inte skriva uppfoljning.xlsm: disken är full. {UNCHANGED}"
    assert book.read_bytes() == original
    assert _names(book.parent) == ["uppfoljning.xlsm"]


def test_failing_rename_leaves_the_workbook_unchanged(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = book.read_bytes()
    real_replace = os.replace

    def replace(src, dst) -> None:
        if Path(dst) == book:
            raise PermissionError(errno.EACCES, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(safe.os, "replace", replace)
    with pytest.raises(FileAccessError) as exc:
        write_changes(book, PATCH)
    assert exc.value.message == (
        "Kunde inte ersätta uppfoljning.xlsm: åtkomst nekad (filen är skrivskyddad eller öppen i ett annat program). "
        f"{UNCHANGED}"
    )
    assert book.read_bytes() == original
    assert [n for n in _names(book.parent) if n.startswith(".")] == []


def test_a_workbook_saved_by_someone_else_meanwhile_is_not_overwritten(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_verify = package.verify

    def verify_then_user_saves(tmp: Path, before, after, plan) -> None:
        real_verify(tmp, before, after, plan)
        book.write_bytes(book.read_bytes() + b"")  # a save by Excel: new mtime
        os.utime(book, ns=(1, 1))

    monkeypatch.setattr(package, "verify", verify_then_user_saves)
    saved = book.read_bytes()
    with pytest.raises(FileAccessError) as exc:
        write_changes(book, PATCH)
    assert exc.value.message == (
        f"Arbetsboken uppfoljning.xlsm ändrades av ett annat program medan uppf-xl arbetade. {UNCHANGED} Försök igen."
    )
    assert book.read_bytes() == saved


def test_backup_holds_the_previous_version_only(book: Path) -> None:
    first = book.read_bytes()
    write_changes(book, PATCH)
    second = book.read_bytes()
    assert safe.backup_path(book).read_bytes() == first
    write_changes(book, Changes(patches=[CellPatch("Iakttagelser", {(2, "Status"): "Rapporterad"})]))
    assert safe.backup_path(book).read_bytes() == second
    assert _names(book.parent) == ["uppfoljning.bak.xlsm", "uppfoljning.xlsm"]


def test_a_lock_with_our_own_pid_is_a_dead_runs_lock(book: Path) -> None:
    # In a container every run may get the same pid: a lock we do not hold is stale then.
    safe.run_lock_path(book).write_text(str(os.getpid()), encoding="ascii")
    write_changes(book, PATCH)
    assert not safe.run_lock_path(book).exists()


def test_a_read_only_workbook_is_not_replaced(book: Path) -> None:
    original = book.read_bytes()
    book.chmod(0o444)
    try:
        with pytest.raises(FileAccessError) as exc:
            write_changes(book, PATCH)
        assert exc.value.message == "Arbetsboken uppfoljning.xlsm är skrivskyddad. Ta bort skrivskyddet och försök igen."
        assert book.read_bytes() == original
    finally:
        book.chmod(0o644)


def test_temp_files_of_dead_runs_are_cleared(book: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [
        safe.temp_path(book).with_name(f".uppfoljning.xlsm.{dead.pid}{safe.TEMP_SUFFIX}"),
        safe.temp_path(book),  # our own pid, reused after a killed run
        book.with_name(f".uppfoljning.bak.xlsm.{dead.pid}{safe.TEMP_SUFFIX}"),
    ]
    for tmp in stale:
        tmp.write_bytes(b"PK half a workbook")
    write_changes(book, PATCH)
    assert _names(book.parent) == ["uppfoljning.bak.xlsm", "uppfoljning.xlsm"]

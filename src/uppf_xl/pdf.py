"""PDF and PDF/A-2b from .docx files through LibreOffice headless, one soffice call per batch.

LibreOffice starts in 1.5-2 s, so a batch is always converted in a single call. Each call
uses a throw-away user profile, which keeps it apart from a LibreOffice the user has open.
On Windows with Word installed, Word's own export (Document.ExportAsFixedFormat with
UseISO19005_1) is an alternative that needs no LibreOffice; uppf-xl uses LibreOffice on
every platform so that the result is the same everywhere.

Example:
    >>> convert_to_pdf([Path("ut/a.docx"), Path("ut/b.docx")], Path("ut"))  # doctest: +SKIP
    [PosixPath('ut/a.pdf'), PosixPath('ut/b.pdf')]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from uppf_xl.errors import ExternalProgramMissing, FileAccessError

MISSING = (
    "LibreOffice hittades inte, så inga PDF-filer skapades (Word-filerna är skrivna). "
    "Installera LibreOffice (https://www.libreoffice.org) eller ange programmet i "
    "miljövariabeln UPPF_XL_SOFFICE, och kör igen med --pdf."
)


def find_soffice() -> Path | None:
    """LibreOffice's soffice: UPPF_XL_SOFFICE, then PATH, then the usual Windows folders."""
    explicit = os.environ.get("UPPF_XL_SOFFICE")
    if explicit and Path(explicit).is_file():
        return Path(explicit)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    if sys.platform == "win32":
        for var in ("PROGRAMFILES", "PROGRAMFILES(X86)", "PROGRAMW6432"):
            base = os.environ.get(var)
            if base:
                # soffice.com is the console launcher: it waits for the conversion to finish.
                for exe in ("soffice.com", "soffice.exe"):
                    candidate = Path(base) / "LibreOffice" / "program" / exe
                    if candidate.is_file():
                        return candidate
    elif sys.platform == "darwin":
        candidate = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
        if candidate.is_file():
            return candidate
    return None


def export_filter(pdfa: bool = True, tagged: bool = False) -> str:
    """The --convert-to argument: writer_pdf_Export with PDF/A-2b and, on request, tags."""
    options: dict[str, dict[str, str]] = {}
    if pdfa:
        options["SelectPdfVersion"] = {"type": "long", "value": "2"}
    if tagged:
        options["UseTaggedPDF"] = {"type": "boolean", "value": "true"}
    if not options:
        return "pdf:writer_pdf_Export"
    return "pdf:writer_pdf_Export:" + json.dumps(options, separators=(",", ":"))


def convert_to_pdf(
    docx_paths: list[Path], out_dir: Path, *, pdfa: bool = True, tagged: bool = False
) -> list[Path]:
    """Convert every file in one LibreOffice call; returns the PDFs in the input order.

    Raises ExternalProgramMissing (exit code 4) when LibreOffice is not installed, and
    FileAccessError when LibreOffice ran but a PDF is missing.
    """
    if not docx_paths:
        return []
    soffice = find_soffice()
    if soffice is None:
        raise ExternalProgramMissing(MISSING)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdfs = [out_dir / (p.stem + ".pdf") for p in docx_paths]
    for old in pdfs:  # a PDF left from an earlier run must not pass for a new one
        old.unlink(missing_ok=True)
    timeout = 120 + 5 * len(docx_paths)
    with tempfile.TemporaryDirectory(prefix="uppf_xl_lo_") as profile:
        cmd = [
            str(soffice),
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            export_filter(pdfa, tagged),
            "--outdir",
            str(out_dir),
            *[str(p) for p in docx_paths],
        ]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=timeout, check=False
            )
        except FileNotFoundError as exc:
            raise ExternalProgramMissing(MISSING) from exc
        except subprocess.TimeoutExpired as exc:
            raise FileAccessError(
                f"LibreOffice blev inte klar inom {timeout} sekunder; inga eller bara några PDF-filer skapades."
            ) from exc
    missing = [p.name for p in pdfs if not p.is_file()]
    if missing:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        why = f" LibreOffice svarade: {detail[-1]}" if detail else ""
        raise FileAccessError(
            f"LibreOffice skapade inte {len(missing)} av {len(pdfs)} PDF-filer (t.ex. {missing[0]}).{why}"
        )
    return pdfs


def tagged_pdfa_beside(path: Path) -> tuple[list[Path], ExternalProgramMissing | None]:
    """The tagged PDF/A of one document, written beside it; the error instead when LibreOffice is missing."""
    try:
        return convert_to_pdf([path], path.parent, pdfa=True, tagged=True), None
    except ExternalProgramMissing as exc:
        return [], exc

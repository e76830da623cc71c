"""PDF/A-2b through LibreOffice: one soffice call per batch, identification, fonts, text, page image."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from test_letters import TODAY, scenario
from uppf_xl import documents, letters, pdf
from uppf_xl.errors import ExternalProgramMissing

KALLELSE_PDF = "2025-03-11_U017_Kallelse_KVAL.pdf"


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[letters.LetterResult, Path, list[list[str]]]:
    """The scenario's eight letters with --pdf; records every soffice call."""
    out = tmp_path_factory.mktemp("pdf")
    calls: list[list[str]] = []
    real_run = subprocess.run

    def spy(cmd, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(list(cmd))
        return real_run(cmd, *args, **kwargs)

    reg = scenario()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf.subprocess, "run", spy)
        result = documents.write_letters(reg, reg.schedule, TODAY, out, set(letters.KINDS), (None, None), pdf=True)
    return result, out, calls


def test_one_soffice_call_for_the_batch(batch: tuple[letters.LetterResult, Path, list[list[str]]]) -> None:
    result, out, calls = batch
    assert len(calls) == 1
    assert calls[0][calls[0].index("--convert-to") + 1] == (
        'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
    )
    assert [p.name for p in result.pdfs] == [p.with_suffix(".pdf").name for p in result.files]
    assert len(result.pdfs) == 8
    assert result.lines[1] == "PDF/A: 8 filer (LibreOffice)."


@pytest.mark.parametrize("name", [KALLELSE_PDF, "2025-01-10_U017_Atgardsplan_I-001.pdf"])
def test_pdfa_2b_identification_and_embedded_fonts(
    batch: tuple[letters.LetterResult, Path, list[list[str]]], name: str
) -> None:
    _, out, _ = batch
    raw = (out / name).read_bytes()
    assert re.search(rb"<pdfaid:part>2</pdfaid:part>", raw)
    assert re.search(rb"<pdfaid:conformance>B</pdfaid:conformance>", raw)
    fonts = subprocess.run(["pdffonts", str(out / name)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    for row in rows:
        assert row.split()[-5] == "yes", row  # the "emb" column
    assert "Carlito" in fonts  # metric-compatible with Calibri, so lines break as in Word


def test_pdf_text_is_the_letter(batch: tuple[letters.LetterResult, Path, list[list[str]]]) -> None:
    _, out, _ = batch
    text = subprocess.run(["pdftotext", "-layout", str(out / KALLELSE_PDF), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    for expected in (
        "Kallelse till kvalitetsuppföljning – Solrosen Omsorg AB",
        "Dnr: VON 2025/123",
        "Datum: tisdag 11 mars 2025, vecka 11",
        "Karin Berg",
        "Med vänlig hälsning",
    ):
        assert expected in flat, expected
    assert "{{" not in text and "Tallbacken" not in text


def test_page_one_renders_to_png(batch: tuple[letters.LetterResult, Path, list[list[str]]]) -> None:
    """Page 1 as PNG; looked at by eye once (2025-01 build): header, recipient, heading, lists."""
    _, out, _ = batch
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(out / KALLELSE_PDF), str(out / "sida")],
                   check=True, capture_output=True)
    png = next(out.glob("sida*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000  # a page with text, not a blank one


def test_eml_attaches_the_pdf(batch: tuple[letters.LetterResult, Path, list[list[str]]]) -> None:
    import email

    result, out, _ = batch
    msg = email.message_from_bytes((out / "2025-03-11_U017_Kallelse_KVAL.eml").read_bytes())
    parts = [p for p in msg.walk() if p.get_filename()]
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == [(KALLELSE_PDF, "application/pdf")]


def test_missing_libreoffice_still_writes_the_letters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "find_soffice", lambda: None)
    reg = scenario()
    result = documents.write_letters(reg, reg.schedule, TODAY, tmp_path, {"kallelse"}, (None, None), pdf=True)
    assert result.pdf_error == pdf.MISSING  # a partial success, as data
    assert [p.name for p in result.files] == ["2025-03-11_U017_Kallelse_KVAL.docx", "2025-03-12_U020_Kallelse_KVAL.docx"]
    assert all(p.is_file() for p in result.files) and result.pdfs == []
    assert (tmp_path / "2025-03-11_U017_Kallelse_KVAL.eml").is_file()  # with the .docx attached
    assert pdf.MISSING in result.lines


def test_convert_raises_when_soffice_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "find_soffice", lambda: None)
    with pytest.raises(ExternalProgramMissing, match="LibreOffice hittades inte"):
        pdf.convert_to_pdf([tmp_path / "a.docx"], tmp_path)
    assert pdf.convert_to_pdf([], tmp_path) == []


def test_export_filter_options() -> None:
    assert pdf.export_filter() == 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
    assert pdf.export_filter(pdfa=True, tagged=True) == (
        'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"},'
        '"UseTaggedPDF":{"type":"boolean","value":"true"}}'
    )
    assert pdf.export_filter(pdfa=False) == "pdf:writer_pdf_Export"


def test_find_soffice_honours_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "soffice.exe"
    fake.write_text("")
    monkeypatch.setenv("UPPF_XL_SOFFICE", str(fake))
    assert pdf.find_soffice() == fake

"""The leak corpus: personal data planted where outputs read it never reaches an output.

Each case in tests/data/leak (made by tests/data/make_leak_cases.py) runs letters, calendar,
report and survey-out. The test compares exit codes and refusal messages with the
.expected file, then reads every byte of every file the runs left (docx and xlsx XML parts
with their properties, .eml headers and bodies, .ics, SVG, PDF text via pdftotext when a
PDF exists, file names, and the terminal output) and searches it for personnummer with a
pattern and a Luhn check of its own, independent of uppf_xl.guard.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from uppf_xl.cli import main

DATA = Path(__file__).parent / "data" / "leak"
CASES = sorted(DATA.glob("*.xlsx"))
TODAY = "2025-11-22"
COMMANDS: dict[str, list[str]] = {
    "letters": ["letters", "{file}", "--out", "ut/brev"],
    "calendar": ["calendar", "{file}", "--year", "2025", "--out", "ut/besok.ics"],
    "report": ["report", "{file}", "--out", "ut/rapport"],
    "survey-out": ["survey-out", "{file}", "--type", "KVAL", "--out", "ut/enkat"],
}
CHEF = "Maria Lind"  # U001's Verksamhetschef, planted in the name cases
CHEF_PROVIDER = "U001"
# The mobile number planted in ej_orgnr_dnr_telefon: its digits pass as a personnummer (born
# 2007), but it stands after "ring" and in Telefon fields, so it must be written as it is.
PHONE = "0701234569"

# --------------------------------------------------------------------------- an independent detector
_HIDDEN = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e"), None)
_CANDIDATE = re.compile(r"(?<!\d)(\d{2})?(\d{2})(\d{2})(\d{2})\s*[-+\u2013\u2014\u2011\u2212]?\s*(\d{3})(\d)(?!\d)")


def _luhn_ok(nine: str, check: str) -> bool:
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10 == int(check)


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def personnummer_in(text: str) -> list[str]:
    """Every 10- or 12-digit run (any separator) that is a real date (day + 60 allowed) with a valid check digit."""
    text = unicodedata.normalize("NFKC", text).translate(_HIDDEN)
    found = []
    for m in _CANDIDATE.finditer(text):
        century, yy, mm, dd, serial, check = m.groups()
        day = int(dd) - 60 if int(dd) > 60 else int(dd)
        years = [int(century + yy)] if century else [1900 + int(yy), 2000 + int(yy)]
        if not any(_is_date(y, int(mm), day) for y in years):
            continue
        if _luhn_ok(yy + mm + dd + serial, check):
            found.append(m.group())
    return found


# --------------------------------------------------------------------------- reading every output
def _xml_text(data: bytes) -> str:
    """An XML part's text with tags removed (runs split by Word join up again), and its attributes."""
    xml = data.decode("utf-8", errors="replace")
    return re.sub(r"<[^>]+>", "", xml) + "\n" + " ".join(re.findall(r'="([^"]*)"', xml))


def _zip_text(data: bytes) -> str:
    import io

    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            out.append(name)
            if name.endswith((".xml", ".rels", ".vml")):
                out.append(_xml_text(zf.read(name)))
    return "\n".join(out)


def _eml_text(data: bytes) -> str:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    out = [f"{k}: {v}" for k, v in msg.items()]
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        name = part.get_filename() or ""
        out.append(name)
        if name.endswith((".docx", ".xlsx")):
            out.append(_zip_text(payload))
        else:
            out.append(payload.decode("utf-8", errors="replace"))
    return "\n".join(out)


def _ics_text(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").replace("\r\n ", "").replace("\n ", "")
    return text.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";")


def output_text(path: Path) -> str:
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in (".docx", ".xlsx", ".xlsm"):
        return _zip_text(data)
    if suffix == ".eml":
        return _eml_text(data)
    if suffix == ".ics":
        return _ics_text(data)
    if suffix == ".pdf":
        if shutil.which("pdftotext") is None:
            pytest.skip("pdftotext (poppler-utils) is missing")
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    if suffix == ".png":
        return ""  # pixels; the chart's labels are checked in the SVG
    return data.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- the corpus
def _expected(case: Path) -> tuple[str, list[str]]:
    leaks, *lines = case.with_suffix(".expected").read_text(encoding="utf-8").splitlines()
    return leaks.removeprefix("leaks "), lines


def _run(case: Path, tmp_path: Path) -> tuple[list[str], str]:
    book = tmp_path / case.name
    shutil.copyfile(case, book)
    lines, terminal = [], []
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for command, args in COMMANDS.items():
            result = CliRunner().invoke(main, [a.format(file=case.name) for a in args] + ["--today", TODAY])
            assert result.exception is None or isinstance(result.exception, SystemExit), (command, result.exception)
            lines.append(f"{command}: exit {result.exit_code}")
            if result.exit_code:
                lines += result.stdout.splitlines() + result.stderr.splitlines()
            terminal.append(result.output)
    finally:
        os.chdir(cwd)
    return lines, "\n".join(terminal)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_no_personal_data_reaches_any_output(case: Path, tmp_path: Path) -> None:
    leaks, expected = _expected(case)
    lines, terminal = _run(case, tmp_path)
    assert lines == expected

    outputs = [p for p in (tmp_path / "ut").rglob("*") if p.is_file()] if (tmp_path / "ut").exists() else []
    assert not [p for p in outputs if p.name.endswith(".tmp")], "a temporary file was left"
    assert personnummer_in(terminal) == []
    for path in outputs:
        text = path.name + "\n" + output_text(path)
        assert [n for n in personnummer_in(text) if n != PHONE] == [], path.name
        if leaks == "name" and f"_{CHEF_PROVIDER}_" not in path.name:
            # Only what is addressed to the chef's own provider may carry the name.
            assert CHEF.casefold() not in re.sub(r"\s+", " ", text).casefold(), path.name


def test_the_detector_is_independent_and_strict() -> None:
    assert personnummer_in("a 19380607-0011 b 451123\u00ad0015 c 19520871 - 0011") == [
        "19380607-0011", "451123\u00ad0015".translate(_HIDDEN), "19520871 - 0011"
    ]
    assert personnummer_in("VON 2025/1234-12, 556637-1075, 2025-11-22") == []


def test_corpus_covers_each_placement() -> None:
    names = {c.stem for c in CASES}
    for wanted in ("arshjul_plats", "arshjul_tid", "arshjul_dnr", "fokus_omrade", "iakttagelse_omrade",
                   "installning_kommun", "installning_postadress", "installning_diarienummer", "typ_underlag",
                   "typ_bilagor", "utforare_adress", "enskild_firma_namn", "enskild_firma_orgnr",
                   "iakttagelse_id", "utforar_id", "form_soft_hyphen", "form_zero_width_space",
                   "form_line_break_after_dash", "namn_genitiv_plats", "namn_fokusomrade", "ej_orgnr_dnr_telefon"):
        assert wanted in names


def _written(case: str, tmp_path: Path) -> Path:
    lines, _ = _run(DATA / f"{case}.xlsx", tmp_path)
    assert all(line.endswith("exit 0") for line in lines if ": exit" in line), lines
    return tmp_path / "ut"


def test_formulas_stay_text_in_every_xlsx_written(tmp_path: Path) -> None:
    out = _written("formel_i_namn", tmp_path)
    books = list(out.rglob("*.xlsx"))
    assert books
    for book in books:
        with zipfile.ZipFile(book) as zf:
            for name in zf.namelist():
                if name.startswith("xl/worksheets/"):
                    assert not re.search(rb"<(?:\w+:)?f[ >]", zf.read(name)), (book.name, name)
    assert any('=HYPERLINK("http://evil.example","Klicka")' in output_text(b) for b in books)


def test_line_breaks_never_become_headers_or_properties(tmp_path: Path) -> None:
    out = _written("radbrytning_namn_plats", tmp_path)
    for eml in out.rglob("*.eml"):
        msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert "Bcc" not in msg and all("\n" not in str(v) for v in msg.values())
    ics = (out / "besok.ics").read_text(encoding="utf-8")
    assert not re.search(r"^ATTENDEE", ics, re.MULTILINE)
    assert "Skolvägen 6\\nATTENDEE:mailto:angripare@evil.example" in ics.replace("\r\n ", "")


def test_file_names_are_safe(tmp_path: Path) -> None:
    out = _written("hoger_till_vanster_id", tmp_path)
    names = [p.name for p in out.rglob("*")]
    assert names and not [n for n in names if any(unicodedata.category(c) in ("Cf", "Cc") for c in n)]
    (tmp_path / "lang").mkdir()
    out = _written("mycket_langt_id", tmp_path / "lang")
    assert max(len(p.name.encode()) for p in out.rglob("*")) < 150

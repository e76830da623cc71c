"""Hostile templates, a full disk, a linked workbook: refused or survived in Swedish, nothing half-written."""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from uppf_xl import render
from uppf_xl.cli import main
from uppf_xl.errors import TemplateError
from uppf_xl.model import Settings

LEAK = Path(__file__).parent / "data" / "leak"
BASE = LEAK / "ej_orgnr_dnr_telefon.xlsx"  # a clean demo workbook with a kallelse due
TODAY = "2025-11-22"


def template_with(tmp_path: Path, tag: str, name: str = "kallelse.docx") -> Settings:
    """A Mallmapp holding the built-in kallelse with `tag` put before its first text."""
    builtin = render.packaged_templates_dir()
    assert builtin is not None
    folder = tmp_path / "mallar"
    folder.mkdir(exist_ok=True)
    out = io.BytesIO()
    with zipfile.ZipFile(builtin / name) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                at = text.index("<w:t")
                at = text.index(">", at) + 1
                data = (text[:at] + tag.replace("<", "&lt;") + text[at:]).encode("utf-8")
            dst.writestr(info, data)
    (folder / name).write_bytes(out.getvalue())
    return Settings(mallmapp=str(folder))


@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        ('{% include "/etc/passwd" %}', "{% include %}"),
        ('{% import "makron.docx" as m %}', "{% import %}"),
        ('{% from "makron.docx" import x %}', "{% import %}"),
        ('{% extends "bas.docx" %}', "{% extends %}"),
    ],
)
def test_a_template_reaching_other_files_is_refused_in_swedish(tmp_path: Path, tag: str, shown: str) -> None:
    settings = template_with(tmp_path, tag)
    with pytest.raises(TemplateError) as exc:
        render.render_bytes("kallelse.docx", {}, settings)
    assert exc.value.message.startswith(
        f'Mallen "kallelse.docx" har ett fel i en mallkod: {shown} är inte tillåtet i en mall '
        "(en mall kan inte hämta in andra filer)"
    )


@pytest.mark.parametrize(
    "tag",
    [
        "{% for i in range(1000000000) %}{% endfor %}",
        "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
        "{{ 'x' * 1000000000 }}",
        "{{ 10 ** 100000000 }}",
        "{{ 'x'|center(1000000000) }}",
        "{{ 'x'.ljust(1000000000) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
        "{% set s = namespace(t='x') %}{% for i in range(99999) %}{% set s.t = s.t ~ s.t %}{% endfor %}",
        "{% set s = 'x' * 900000 %}{% for i in range(99999) %}{{ s }}{% endfor %}",
    ],
)
def test_every_render_is_bounded_in_time_and_memory(tmp_path: Path, tag: str) -> None:
    settings = template_with(tmp_path, tag)
    start = time.monotonic()
    with pytest.raises(TemplateError) as exc:
        render.render_bytes("kallelse.docx", {}, settings)
    assert time.monotonic() - start < render.RENDER_SECONDS + 5
    assert exc.value.message.startswith('Mallen "kallelse.docx" stoppades: den tog för lång tid eller byggde för mycket text')


def test_a_template_error_through_the_cli_names_the_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "bok.xlsx"
    shutil.copyfile(BASE, book)
    settings = template_with(tmp_path, '{% include "x" %}')
    _set_setting(book, "Mallmapp", settings.mallmapp)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["letters", "bok.xlsx", "--out", "ut", "--today", TODAY])
    assert result.exit_code == 1
    assert "{% include %} är inte tillåtet i en mall" in result.stderr
    assert "oväntat" not in result.output
    assert not (tmp_path / "ut").exists() or not any((tmp_path / "ut").glob("*.docx"))


def _set_setting(book: Path, key: str, value: str) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb["Inställningar"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            row[1].value = value
    wb.save(book)


# --------------------------------------------------------------------------- a full disk
@contextlib.contextmanager
def small_disk(tmp_path: Path, size: int) -> Iterator[Path]:
    """A real tmpfs of `size` bytes (needs root; skipped otherwise)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


COMMANDS = {
    "letters": ["letters", "bok.xlsx", "--out", "{out}"],
    "report": ["report", "bok.xlsx", "--out", "{out}"],
    "calendar": ["calendar", "bok.xlsx", "--year", "2025", "--out", "{out}/besok.ics"],
    "survey-out": ["survey-out", "bok.xlsx", "--type", "KVAL", "--out", "{out}"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_full_disk_leaves_no_half_written_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    book = tmp_path / "bok.xlsx"
    shutil.copyfile(BASE, book)
    before = book.read_bytes()
    monkeypatch.chdir(tmp_path)
    with small_disk(tmp_path, 16384) as disk:
        out = disk / "ut"
        args = [a.format(out=out) for a in COMMANDS[command]] + ["--today", TODAY]
        result = CliRunner().invoke(main, args)
        left = sorted(p.name for p in out.rglob("*")) if out.exists() else []
    assert result.exit_code == 3, result.output
    assert "disken är full" in result.stderr
    assert "Traceback" not in result.output and "oväntat" not in result.output
    assert left == [], left  # whole files or none: the run removed what it had created
    assert book.read_bytes() == before


def test_a_workbook_reached_through_a_link_is_written_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "riktig" / "bok.xlsx"
    real.parent.mkdir()
    shutil.copyfile(BASE, real)
    link = tmp_path / "genväg.xlsx"
    link.symlink_to(real)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["status", "genväg.xlsx", "--today", TODAY])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_bytes() != BASE.read_bytes()  # the real workbook got the new Översikt
    assert (real.parent / "bok.bak.xlsx").is_file()


# --------------------------------------------------------------------------- the user's Årshjul layout
def test_the_users_arshjul_layout_survives_plan_and_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.filters import AutoFilter

    book = tmp_path / "bok.xlsx"
    shutil.copyfile(BASE, book)
    wb = openpyxl.load_workbook(book)
    ws = wb["Årshjul"]
    head = {c.value: c.column for c in ws[1]}
    key_of = {ws.cell(r, head["Nyckel"]).value: r for r in range(2, ws.max_row + 1)}
    marked = "U005|KVAL|2025"
    r = key_of[marked]
    ws.cell(r, head["Kommentar"]).value = "Viktigt"
    ws.cell(r, head["Kommentar"]).font = Font(bold=True)
    ws.cell(r, head["Kommentar"]).fill = PatternFill("solid", fgColor="FFFF00")
    ws.cell(r, head["Planerat datum"]).number_format = "d mmm yyyy"
    letter = openpyxl.utils.get_column_letter
    ws.column_dimensions[letter(head["Plats"])].width = 44
    ws.column_dimensions[letter(head["Orsak"])].hidden = True
    table = next(iter(ws.tables.values()))
    table.autoFilter = AutoFilter(ref=table.ref)
    table.autoFilter.add_filter_column(head["UtförarID"] - 1, ["U005"])
    hidden = [k for k, row in key_of.items() if not k.startswith("U005|")]
    for k in hidden:
        ws.row_dimensions[key_of[k]].hidden = True
    wb.save(book)

    monkeypatch.chdir(tmp_path)
    for args in (["plan", "bok.xlsx", "--year", "2025", "--today", TODAY], ["status", "bok.xlsx", "--today", TODAY]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output

        wb = openpyxl.load_workbook(book)
        ws = wb["Årshjul"]
        head = {c.value: c.column for c in ws[1]}
        rows = {ws.cell(i, head["Nyckel"]).value: i for i in range(2, ws.max_row + 1)}
        cell = ws.cell(rows[marked], head["Kommentar"])
        assert cell.value == "Viktigt" and cell.font.bold and cell.fill.fgColor.rgb.endswith("FFFF00")
        assert ws.cell(rows[marked], head["Planerat datum"]).number_format == "d mmm yyyy"
        assert ws.column_dimensions[letter(head["Plats"])].width == 44
        assert ws.column_dimensions[letter(head["Orsak"])].hidden
        table = next(iter(ws.tables.values()))
        assert table.autoFilter is not None and [f.colId for f in table.autoFilter.filterColumn] == [head["UtförarID"] - 1]
        still = [k for k in hidden if k in rows]
        assert still and all(ws.row_dimensions[rows[k]].hidden for k in still)
        assert not ws.row_dimensions[rows[marked]].hidden

"""Templates: every shipped template renders under StrictUndefined; lookup, sandbox and errors."""

from __future__ import annotations

import importlib.util
import zipfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from docx import Document

from test_letters import TODAY, docx_text, scenario
from uppf_xl import letters, render
from uppf_xl.model import Settings

TEMPLATE_DIR = render.packaged_templates_dir()
BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "templates" / "build" / "letters.py"


def sample_contexts() -> dict[str, dict]:
    """A realistic context for each letter template, taken from the letters of `scenario()`."""
    reg = scenario()
    _with_info_requests(reg)
    found = letters.select(reg, reg.schedule, TODAY, set(letters.KINDS), (None, None))
    contexts = {letter.template: letter.context for letter in found}
    # Ändrad tid: the first kallelse's visit, announced a week earlier than it now is.
    row = next(letter.row for letter in found if letter.kind == letters.KALLELSE and letter.row is not None)
    assert row.visit_date is not None
    moved = [replace(r, notified=TODAY, announced=row.visit_date - timedelta(days=7)) if r is row else r
             for r in reg.schedule]
    for letter in letters.select(reg, moved, TODAY, {letters.ANDRAD}, (None, None)):
        contexts[letter.template] = letter.context
    return contexts


def _with_info_requests(reg) -> None:  # type: ignore[no-untyped-def]
    """One request to send and one to remind about (the templates begaran/paminnelse_information)."""
    from datetime import timedelta

    from uppf_xl.model import InfoRequest

    pid = next(p.id for p in reg.providers if p.active_on(TODAY))
    reg.info_requests = [
        InfoRequest("B-1", TODAY, pid, "Bemanning; rutin för klagomål"),
        InfoRequest("B-2", TODAY - timedelta(days=60), pid, "Verksamhetsberättelse", sent=TODAY - timedelta(days=59)),
    ]


def shipped_templates() -> list[str]:
    assert TEMPLATE_DIR is not None
    return sorted(p.name for p in TEMPLATE_DIR.glob("*.docx"))


def report_context() -> dict:
    """The nämnd report's context for the scenario; charts stand in with their captions only."""
    from uppf_xl import report
    from uppf_xl.documents import report as report_docs

    reg = scenario()
    rep = report.build_report(reg, reg.schedule, 2025, "år", reg.providers[0].namnd, TODAY)
    charts = {key: SimpleNamespace(caption=f"Figur {key}") for key in ("month", "categories", "wheel")}
    return report_docs.context(rep, charts, ["Bilaga 1. Tabellerna som kalkylblad."])


def context_for(name: str) -> dict:
    contexts = sample_contexts()
    if name in contexts:
        return contexts[name]
    if name == "namndrapport.docx":
        return report_context()
    if name == "arenderapport.docx":
        from namnd_history import TODAY, make_register
        from uppf_xl import case_report

        reg = make_register()
        return case_report.context(case_report.build_case(reg, "F10", TODAY), reg)
    raise AssertionError(f"{name}: no sample context; add one in tests/test_render.py")


def test_the_letter_templates_are_shipped() -> None:
    assert set(letters.TEMPLATES.values()) <= set(shipped_templates())


@pytest.mark.parametrize("name", shipped_templates())
def test_every_shipped_template_renders_with_a_sample_context(name: str) -> None:
    """Templates are data: a typo in a tag of any shipped template fails here, not in a letter."""
    render.check_template(name, context_for(name), Settings())


@pytest.mark.parametrize("name", sorted(letters.TEMPLATES.values()))
def test_letter_template_renders_with_strict_undefined(name: str, tmp_path: Path) -> None:
    context = sample_contexts()[name]
    render.check_template(name, context, Settings())
    out = tmp_path / name
    render.render_docx(name, context, out, Settings())
    text = docx_text(out)
    assert "{{" not in text and "{%" not in text and "}}" not in text
    assert context["amne"] in text


@pytest.mark.parametrize("name", sorted(letters.TEMPLATES.values()))
def test_every_field_of_a_letter_template_is_needed(name: str) -> None:
    """Dropping any top-level field makes the template fail: no field is silently optional."""
    context = sample_contexts()[name]
    for key in ("avsandare", "mottagare", "datum", "amne"):
        broken = {k: v for k, v in context.items() if k != key}
        with pytest.raises(render.TemplateError) as info:
            render.check_template(name, broken, Settings())
        assert info.value.message == (
            f'Mallen "{name}" använder fältet "{key}", som inte finns. Rätta fältet i mallen ({TEMPLATE_DIR / name}).'
        )


@pytest.mark.parametrize("name", sorted(letters.TEMPLATES.values()))
def test_templates_are_real_word_documents(name: str) -> None:
    assert TEMPLATE_DIR is not None
    doc = Document(str(TEMPLATE_DIR / name))
    styles = {p.style.name for p in doc.paragraphs}
    assert {"Heading 1", "Heading 2", "Normal"} <= styles
    assert doc.styles["Normal"].font.name == "Calibri"
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    styles_xml = zipfile.ZipFile(TEMPLATE_DIR / name).read("word/styles.xml").decode()
    assert 'w:lang w:val="sv-SE"' in styles_xml


def test_build_script_reproduces_the_shipped_templates(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_letters", BUILD_SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert TEMPLATE_DIR is not None
    for name in letters.TEMPLATES.values():
        built = module.build(name, tmp_path)
        for part in ("word/document.xml", "word/styles.xml", "word/footer1.xml"):
            fresh = zipfile.ZipFile(built).read(part)
            shipped = zipfile.ZipFile(TEMPLATE_DIR / name).read(part)
            assert fresh == shipped, f"{name} {part}: run python templates/build/letters.py"


def _template(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc = Document()
    doc.add_paragraph(text)
    doc.save(str(folder / name))
    return folder / name


def test_own_template_folder_wins(tmp_path: Path) -> None:
    own = _template(tmp_path / "mallar", "kallelse.docx", "Kommunens egen: {{ mottagare.namn }}")
    settings = Settings(mallmapp=str(tmp_path / "mallar"))
    assert render.template_path("kallelse.docx", settings) == own
    assert render.template_path("paminnelse.docx", settings) == TEMPLATE_DIR / "paminnelse.docx"
    render.render_docx("kallelse.docx", {"mottagare": {"namn": "Solrosen"}}, tmp_path / "a.docx", settings)
    assert docx_text(tmp_path / "a.docx").strip() == "Kommunens egen: Solrosen"


def test_missing_template(tmp_path: Path) -> None:
    with pytest.raises(render.TemplateError) as info:
        render.template_path("finns_inte.docx", Settings(mallmapp=str(tmp_path)))
    assert info.value.message == (
        f'Mallen "finns_inte.docx" finns inte (varken i Mallmapp {tmp_path} eller bland de inbyggda mallarna).'
    )


def test_sandbox_blocks_python_internals(tmp_path: Path) -> None:
    own = _template(tmp_path, "elak.docx", "{{ mottagare.__class__.__mro__ }}")
    with pytest.raises(render.TemplateError) as info:
        render.check_template("elak.docx", {"mottagare": {}}, Settings(mallmapp=str(tmp_path)))
    assert info.value.message == (
        f'Mallen "elak.docx" försöker nå "__class__", vilket inte är tillåtet i en mall ({own}).'
    )


def test_syntax_error_names_the_template(tmp_path: Path) -> None:
    own = _template(tmp_path, "trasig.docx", "{% if mottagare %}utan slut")
    with pytest.raises(render.TemplateError) as info:
        render.check_template("trasig.docx", {"mottagare": {}}, Settings(mallmapp=str(tmp_path)))
    assert info.value.message.startswith('Mallen "trasig.docx" har ett fel i en mallkod: ')
    assert info.value.message.endswith(f"({own}).")


def test_values_are_escaped_for_word(tmp_path: Path) -> None:
    _template(tmp_path, "x.docx", "{{ namn }}")
    render.render_docx("x.docx", {"namn": "A & B <C> \"D\""}, tmp_path / "ut.docx", Settings(mallmapp=str(tmp_path)))
    assert docx_text(tmp_path / "ut.docx").strip() == 'A & B <C> "D"'


def test_a_file_that_is_not_a_docx(tmp_path: Path) -> None:
    (tmp_path / "kallelse.docx").write_text("inte ett Word-dokument")
    with pytest.raises(render.TemplateError) as info:
        render.check_template("kallelse.docx", {}, Settings(mallmapp=str(tmp_path)))
    assert info.value.message.startswith(
        f'Mallen "kallelse.docx" kan inte läsas som Word-dokument ({tmp_path / "kallelse.docx"}): '
    )

"""Word documents from docxtpl templates, rendered in a sandboxed Jinja2 environment.

A template is looked up in the municipality's own folder (the setting Mallmapp) first, so a
file there wins over the built-in one of the same name; else in the packaged templates
(`uppf_xl.templates`, the repository's templates/ folder). Rendering uses
`jinja2.sandbox.SandboxedEnvironment` with `StrictUndefined`: a template cannot reach Python
objects beyond its context, and a field the context lacks is an error naming the template
and the field, never an empty spot in a letter.

Example:
    >>> render_docx("kallelse.docx", context, Path("ut/brev.docx"), settings)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib.resources
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from uppf_xl.errors import TemplateError

from uppf_xl.model import Settings

__all__ = ["TemplateError", "render_bytes", "render_docx", "check_template", "write_all"]

TEMPLATE_PACKAGE = "uppf_xl.templates"


class _CompileOnce(SandboxedEnvironment):
    """docxtpl compiles each part of a template on every render; a batch compiles each source once."""

    MAX_SOURCES = 64

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._compiled: dict[str, jinja2.Template] = {}

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> jinja2.Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        found = self._compiled.get(source)
        if found is None:
            if len(self._compiled) >= self.MAX_SOURCES:
                self._compiled.clear()
            found = self._compiled[source] = super().from_string(source)
        return found


_ENV: _CompileOnce | None = None


def _environment() -> SandboxedEnvironment:
    # autoescape is done by docxtpl (render(..., autoescape=True)), which escapes for XML.
    global _ENV
    if _ENV is None:
        _ENV = _CompileOnce(undefined=jinja2.StrictUndefined, autoescape=False)
    return _ENV


def packaged_templates_dir() -> Path | None:
    """The folder of the built-in templates, or None when the package data is missing."""
    try:
        files = importlib.resources.files(TEMPLATE_PACKAGE)
    except ModuleNotFoundError:
        # An editable install maps uppf_xl.templates to the repo's templates/ folder as a
        # namespace package, which setuptools' editable finder cannot import as a
        # subpackage; fall back to the source tree layout.
        source = Path(__file__).resolve().parents[2] / "templates"
        return source if source.is_dir() else None
    return Path(str(files))


def template_path(template_name: str, settings: Settings) -> Path:
    """Where `template_name` is read from: Mallmapp first, else the packaged templates."""
    if settings.mallmapp:
        own = Path(settings.mallmapp).expanduser() / template_name
        if own.is_file():
            return own
    builtin_dir = packaged_templates_dir()
    if builtin_dir is not None and (builtin_dir / template_name).is_file():
        return builtin_dir / template_name
    where = f" (varken i Mallmapp {settings.mallmapp} eller bland de inbyggda mallarna)" if settings.mallmapp else ""
    raise TemplateError(f'Mallen "{template_name}" finns inte{where}.')


_FIELD_PATTERNS = (
    re.compile(r"'([^']+)' is undefined"),
    re.compile(r"has no attribute '([^']+)'"),
    re.compile(r"has no element '?([^']+?)'?$"),
)


def _field_of(exc: jinja2.UndefinedError) -> str:
    text = str(exc)
    for pattern in _FIELD_PATTERNS:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return text


def render_bytes(
    template_name: str, context: dict[str, Any], settings: Settings, core: dict[str, Any] | None = None
) -> bytes:
    """The rendered .docx as bytes: nothing is written, so a batch can fail before any file.

    `core` sets the document's own core properties (title, author, created, ...) in place of
    the template's."""
    path = template_path(template_name, settings)
    try:
        doc = DocxTemplate(str(path))
        doc.render(context, jinja_env=_environment(), autoescape=True)
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f'Mallen "{template_name}" använder fältet "{_field_of(exc)}", som inte finns. '
            f"Rätta fältet i mallen ({path})."
        ) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f'Mallen "{template_name}" har ett fel i en mallkod: {swedish_jinja(exc.message or "")} ({path}).'
        ) from exc
    except jinja2.exceptions.SecurityError as exc:
        match = re.search(r"attribute '([^']+)'", str(exc))
        what = f'"{match.group(1)}"' if match else "något utanför sina fält"
        raise TemplateError(
            f'Mallen "{template_name}" försöker nå {what}, vilket inte är tillåtet i en mall ({path}).'
        ) from exc
    except jinja2.TemplateError as exc:  # any other error Jinja reports, in Swedish
        raise TemplateError(
            f'Mallen "{template_name}" har ett fel i en mallkod: {swedish_jinja(str(exc))} ({path}).'
        ) from exc
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, PackageNotFoundError) as exc:  # not a .docx
        raise TemplateError(f'Mallen "{template_name}" kan inte läsas som Word-dokument ({path}): {exc}.') from exc
    if core:
        props = doc.docx.core_properties
        for name, value in core.items():
            setattr(props, name, value)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def check_template(template_name: str, context: dict[str, Any], settings: Settings) -> None:
    """Render once in memory; raises TemplateError naming the template and an unknown field."""
    render_bytes(template_name, context, settings)


def render_docx(template_name: str, context: dict[str, Any], out: Path, settings: Settings) -> None:
    """Render `template_name` with `context` into the file `out` (its folder is created)."""
    data = render_bytes(template_name, context, settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)


def write_all(rendered: list[tuple[Path, bytes]]) -> list[Path]:
    """Write documents rendered with `render_bytes`; used once a whole batch rendered cleanly."""
    for out, data in rendered:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    return [out for out, _ in rendered]


# Jinja's syntax errors, in Swedish: the message a user of a letter template sees.
_JINJA_TOKENS = {
    "end of print statement": "slutet av fältet }}",
    "end of statement block": "slutet av mallkoden %}",
    "end of template": "mallens slut",
    "end of comment": "slutet av kommentaren #}",
    "name": "ett namn",
    "integer": "ett heltal",
    "string": "en text",
}
_JINJA_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"[Uu]nexpected end of template\.?", "mallen tar slut innan ett block är stängt."),
    (r"[Uu]nexpected end of template, expected '([^']+)'\.?", "mallen tar slut; väntade '{0}'."),
    (r"[Ee]ncountered unknown tag '([^']+)'\.?", "okänd mallkod '{0}'."),
    (r"Jinja was looking for the following tags: (.+?)\.", "Mallen väntade sig någon av {0}."),
    (r"The innermost block that needs to be closed is '([^']+)'\.", "Blocket som måste stängas är '{0}'."),
    (r"expected token '([^']+)', got '([^']+)'", "väntade '{0}', fick '{1}'"),
    (r"unexpected char '(.+?)' at (\d+)", "oväntat tecken '{0}' (tecken {1})"),
    (r"unexpected '([^']+)', expected '([^']+)'", "oväntat '{0}', väntade '{1}'"),
    (r"unexpected '([^']+)'", "oväntat '{0}'"),
    (r"[Ee]xpected an expression, got '([^']+)'", "ett uttryck saknas före '{0}'"),
    (r"[Nn]o filter named '([^']+)'\.?", "det finns inget filter som heter '{0}'."),
    (r"[Nn]o test named '([^']+)'\.?", "det finns inget test som heter '{0}'."),
    (r"[Mm]issing end of comment tag", "kommentaren saknar #}"),
    (r"expected name or number", "väntade ett namn eller ett tal"),
    (r"tag name expected", "namnet på mallkoden saknas"),
    (r"[Bb]lock '([^']+)' defined twice", "blocket '{0}' finns två gånger"),
)


def swedish_jinja(message: str) -> str:
    """Jinja's error text in Swedish, sentence by sentence; an unknown one is kept, marked as Jinja's."""
    out = []
    rest = message.strip()
    while rest:
        for pattern, swedish in _JINJA_MESSAGES:
            m = re.match(pattern, rest)
            if m:
                text = swedish
                for i, group in enumerate(m.groups()):
                    text = text.replace(f"{{{i}}}", _JINJA_TOKENS.get(group, group.replace("' or '", "', '")))
                out.append(text)
                rest = rest[m.end():].strip()
                break
        else:
            out.append(f"(Jinja: {rest})")
            break
    return " ".join(out)

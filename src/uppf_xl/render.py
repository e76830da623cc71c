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
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.visitor import NodeTransformer
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment

from uppf_xl import guard, outputs
from uppf_xl.errors import TemplateError

from uppf_xl.model import Settings

__all__ = ["TemplateError", "render_bytes", "render_docx", "check_template", "write_all"]

TEMPLATE_PACKAGE = "uppf_xl.templates"


# Tags that reach other files: a template is one file and fetches nothing.
FORBIDDEN_TAGS = {nodes.Include: "include", nodes.Import: "import", nodes.FromImport: "import", nodes.Extends: "extends"}
# Bounds on one render: wall time, steps (loop turns, calls, filters), and the size of any
# value built inside the template. Real letters stay far below them.
RENDER_SECONDS = 20.0
RENDER_STEPS = 2_000_000
MAX_BUILT = 1_000_000  # characters or items of one string or list made in a template
MAX_INT_ARGUMENT = 100_000
_WIDE_FORMAT = re.compile(r"[{%][^}%]*?\d{6,}")


class RenderLimit(jinja2.exceptions.SecurityError):
    """A template ran too long or built too much; the render is stopped."""


class _Budget:
    def __init__(self) -> None:
        self.deadline = time.monotonic() + RENDER_SECONDS
        self.steps = 0

    def step(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > RENDER_STEPS or (self.steps & 0x3FF) == 0 and time.monotonic() > self.deadline:
            raise RenderLimit("för många steg")
        if n > 1 and time.monotonic() > self.deadline:
            raise RenderLimit("för lång tid")


_BUDGET: list[_Budget] = []  # the render in progress (renders do not nest)


def _step(n: int = 1) -> None:
    if _BUDGET:
        _BUDGET[-1].step(n)


def _check_built(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, bytes)) and len(value) > MAX_BUILT:
        raise RenderLimit("för stort värde")
    return value


def _check_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    for a in (*args, *kwargs.values()):
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_INT_ARGUMENT:
            raise RenderLimit("för stort tal")


def _bounded_range(*args: int) -> Iterator[int]:
    _check_arguments(args, {})
    for i in range(*args):
        _step()
        yield i


def _bounded_filter(f: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        _step()
        # The first argument is the value filtered (or the context/environment for some filters).
        _check_arguments(tuple(a for a in args[1:] if isinstance(a, int)), kwargs)
        return _check_built(f(*args, **kwargs))

    for attr in ("jinja_pass_arg", "environmentfilter", "contextfilter", "evalcontextfilter"):
        if hasattr(f, attr):
            setattr(run, attr, getattr(f, attr))
    run.__name__ = getattr(f, "__name__", "filter")
    return run


MAX_OUTPUT = 20_000_000  # characters one template part may produce
_CONCAT = "__uppf_xl_concat"


def _bounded_join(*parts: Any) -> str:
    """The `~` operator, with the size of what it builds checked."""
    if sum(len(p) if isinstance(p, str) else 32 for p in parts) > MAX_BUILT:
        raise RenderLimit("för stort värde")
    return "".join(str(p) for p in parts)


def _bounded_output(parts: Iterator[str]) -> str:
    """What a template writes, joined, stopped when it grows past MAX_OUTPUT."""
    out: list[str] = []
    size = 0
    for part in parts:
        size += len(part)
        if size > MAX_OUTPUT:
            raise RenderLimit("för mycket text")
        out.append(part)
    return "".join(out)


class _BoundedConcat(NodeTransformer):
    """Turns `a ~ b` into a call of `_bounded_join`, which the sandbox cannot intercept otherwise."""

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        call = nodes.Call(nodes.Name(_CONCAT, "load"), list(node.nodes), [], None, None)
        call.set_lineno(node.lineno)
        return call


class _CompileOnce(SandboxedEnvironment):
    """The sandbox for every template, bounded in time and size, compiling each source once.

    docxtpl compiles each part of a template on every render; a batch compiles each source
    once. Tags that fetch other files ({% include %}, {% import %}, {% extends %}) are
    refused when the template is compiled.
    """

    MAX_SOURCES = 64
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._compiled: dict[str, jinja2.Template] = {}
        self.globals["range"] = _bounded_range
        self.globals[_CONCAT] = _bounded_join
        self.concat = _bounded_output  # type: ignore[assignment]
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for node in tree.find_all(tuple(FORBIDDEN_TAGS)):
            tag = FORBIDDEN_TAGS[type(node)]
            raise jinja2.TemplateSyntaxError(
                f"{{% {tag} %}} är inte tillåtet i en mall (en mall kan inte hämta in andra filer)", node.lineno, name, filename
            )
        return _BoundedConcat().visit(tree)  # type: ignore[no-any-return]

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _step()
        _check_arguments(args, kwargs)
        if getattr(__obj, "__name__", "") in ("format", "format_map") and isinstance(getattr(__obj, "__self__", None), str):
            if _WIDE_FORMAT.search(__obj.__self__):
                raise RenderLimit("för bred formatering")
        return _check_built(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _step()
        if operator == "**" and isinstance(right, (int, float)) and right > 64 and isinstance(left, (int, float)) and abs(left) > 1:
            raise RenderLimit("för stort tal")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_BUILT:
                    raise RenderLimit("för stort värde")
        if operator == "%" and isinstance(left, str) and _WIDE_FORMAT.search(left):
            raise RenderLimit("för bred formatering")
        return _check_built(super().call_binop(context, operator, left, right))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _step()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _step()
        return super().getitem(obj, argument)

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

    Every text of `context` passes the personal-data guard of the running command first.
    `core` sets the document's own core properties (title, author, created, ...) in place of
    the template's.
    """
    path = template_path(template_name, settings)
    context = guard.current().context(f"Utskrift från mallen {template_name}", context)
    try:
        doc = DocxTemplate(str(path))
        doc.init_docx()
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, PackageNotFoundError) as exc:  # not a .docx
        raise TemplateError(f'Mallen "{template_name}" kan inte läsas som Word-dokument ({path}): {exc}.') from exc
    _BUDGET.append(_Budget())
    try:
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
    except (RenderLimit, RecursionError, MemoryError, OverflowError) as exc:
        raise TemplateError(
            f'Mallen "{template_name}" stoppades: den tog för lång tid eller byggde för mycket text '
            f"(en slinga med för många varv eller ett för stort tal?). Rätta mallen ({path})."
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
    except (TypeError, ValueError, ArithmeticError, AttributeError, LookupError) as exc:
        raise TemplateError(f'Mallen "{template_name}" gick inte att fylla i: {exc} ({path}).') from exc
    except (OSError, zipfile.BadZipFile) as exc:
        raise TemplateError(f'Mallen "{template_name}" kan inte läsas som Word-dokument ({path}): {exc}.') from exc
    finally:
        _BUDGET.pop()
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
    outputs.write_bytes(out, data)


def write_all(rendered: list[tuple[Path, bytes]]) -> list[Path]:
    """Write documents rendered with `render_bytes`; used once a whole batch rendered cleanly.

    Each file is written whole or not at all; file names pass the personal-data guard.
    """
    for out, _ in rendered:
        guard.current().filename(out.name)
    for out, data in rendered:
        outputs.write_bytes(out, data)
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
    (r"(\{% \w+ %\} är inte tillåtet i en mall \(en mall kan inte hämta in andra filer\))", "{0}"),  # our own refusal
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

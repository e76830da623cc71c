"""Click in Swedish: its own texts (help headings, usage errors) and option values as people type them.

Click marks every text it shows with gettext; `install()` points those calls at a Swedish
catalogue held here, so "Usage:", "Options:", "Show this message and exit." and the usage
errors come out in Swedish whether the command line or a test runner calls the commands.
A text missing from the catalogue is shown as click wrote it (the CLI test finds any).

Example:
    >>> install()
    >>> import click.formatting
    >>> click.formatting._("Usage:")
    'Användning:'
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from uppf_xl.names import fold, match_name

__all__ = ["install", "Group", "Year", "Period", "fold", "match_name"]

# Click's texts (as in its source) -> Swedish; placeholders stay as click fills them in.
CATALOGUE: dict[str, str] = {
    "Usage:": "Användning:",
    "Options": "Flaggor",
    "Commands": "Kommandon",
    "Positional arguments": "Argument",
    "Show this message and exit.": "Visa den här hjälpen och avsluta.",
    "Show the version and exit.": "Visa versionen och avsluta.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Error: {message}": "Fel: {message}",
    "Try '{command} {option}' for help.": "Se '{command} {option}' för hjälp.",
    "Missing argument": "Det saknas ett argument:",
    "Missing option": "Det saknas en flagga:",
    "Missing parameter": "Det saknas ett värde:",
    "Missing parameter: {param_name}": "Värde saknas: {param_name}",
    "Missing {param_type}": "{param_type} saknas",
    "Missing command.": "Kommando saknas.",
    "No such command {name!r}.": "Okänt kommando {name!r}.",
    "No such option {name!r}.": "Okänd flagga {name!r}.",
    "Option {name!r} does not take a value.": "Flaggan {name!r} tar inget värde.",
    "Option {name!r} requires an argument.": "Flaggan {name!r} behöver ett värde.",
    "Option {name!r} requires {nargs} arguments.": "Flaggan {name!r} behöver {nargs} värden.",
    "Got unexpected extra argument ({args})": "Ett argument för mycket ({args})",
    "Got unexpected extra arguments ({args})": "Argument för mycket ({args})",
    "Argument {name!r} takes {nargs} values.": "Argumentet {name!r} tar {nargs} värden.",
    "Takes {nargs} values but 1 was given.": "Tar {nargs} värden men 1 gavs.",
    "Takes {nargs} values but {len} were given.": "Tar {nargs} värden men {len} gavs.",
    "Did you mean {possibility}?": "Menade du {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Menade du någon av: {possibilities}?)",
    "Invalid value for {param_hint}: {message}": "Ogiltigt värde för {param_hint}: {message}",
    "Invalid value: {message}": "Ogiltigt värde: {message}",
    "Invalid start character for option ({option})": "Ogiltigt första tecken i flaggan ({option})",
    "Name '{name}' defined twice": "Namnet '{name}' finns två gånger",
    "{value!r} is not a valid {number_type}.": "{value!r} är inget giltigt {number_type}.",
    "{value} is not in the range {range}.": "{value} ligger utanför {range}.",
    "{value!r} is not {choice}.": "{value!r} är inte {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} är inget av {choices}.",
    "{value!r} does not match the format {format}.": "{value!r} har inte formen {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} har ingen av formerna {formats}.",
    "{value!r} is not a valid UUID.": "{value!r} är inget giltigt UUID.",
    "Choose from:\n\t{choices}": "Välj bland:\n\t{choices}",
    "Choice({choices})": "Val({choices})",
    "{len_type} values are required, but {len_value} was given.": "{len_type} värden behövs, men {len_value} gavs.",
    "{len_type} values are required, but {len_value} were given.": "{len_type} värden behövs, men {len_value} gavs.",
    "Value must be an iterable.": "Värdet måste vara en lista.",
    "file": "filen",
    "directory": "mappen",
    "path": "sökvägen",
    "{name} {filename!r} does not exist.": "{name} {filename!r} finns inte.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} är en mapp, inte en fil.",
    "{name} {filename!r} is a file.": "{name} {filename!r} är en fil, inte en mapp.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} går inte att läsa.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} går inte att skriva.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} går inte att köra.",
    "Could not open file {filename!r}: {message}": "Filen {filename!r} gick inte att öppna: {message}",
    "default: {default}": "standard: {default}",
    "env var: {var}": "miljövariabel: {var}",
    "(dynamic)": "(beräknas)",
    "required": "krävs",
    "deprecated": "utgått",
    "Aborted!": "Avbrutet.",
    "Error: invalid input": "Fel: ogiltig inmatning",
    "Error: The two entered values do not match.": "Fel: de två värdena är olika.",
    "Repeat for confirmation": "Upprepa för att bekräfta",
    "Do you want to continue?": "Vill du fortsätta?",
    "Confirm the action without prompting.": "Bekräfta utan att fråga.",
    "Press any key to continue...": "Tryck på valfri tangent för att fortsätta ...",
    "unknown error": "okänt fel",
    "integer": "heltal",
    "float": "decimaltal",
    "boolean": "sanningsvärde",
}
# The type names click puts into its messages ("is not a valid integer").
_TYPE_NAMES = {"integer": "heltal", "float": "decimaltal", "boolean": "sanningsvärde", "text": "text"}
_MODULES = ("click.core", "click.exceptions", "click.formatting", "click.types", "click.decorators", "click.parser",
            "click.termui", "click.utils", "click.shell_completion")


def gettext(message: str) -> str:
    return CATALOGUE.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Point click's gettext calls at the Swedish catalogue (idempotent)."""
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
    for param_type in (click.INT, click.FLOAT, click.BOOL):
        param_type.name = _TYPE_NAMES.get(param_type.name, param_type.name)


class Command(click.Command):
    """A command whose usage line reads "[FLAGGOR]" for click's "[OPTIONS]"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[FLAGGOR]")
        super().__init__(*args, **kwargs)


class Group(click.Group):
    command_class = Command


# --------------------------------------------------------------------------- option values


FIRST_YEAR, LAST_YEAR = 1990, 2100


class Year(click.ParamType[int, Any]):
    """A plan or report year, 1990-2100."""

    name = "ÅR"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "ÅR"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip()
            if not text.lstrip("-").isdigit():
                self.fail(f'"{value}" är inget årtal; skriv året med fyra siffror, t.ex. 2026', param, ctx)
            number = int(text)
        if not FIRST_YEAR <= number <= LAST_YEAR:
            hint = f" (menade du {2000 + number}?)" if 0 < number < 100 else ""
            self.fail(f"{number} är inget rimligt år; skriv ett år mellan {FIRST_YEAR} och {LAST_YEAR}{hint}", param, ctx)
        return number


PERIOD_WORDS = {"t1": "T1", "tertial1": "T1", "t2": "T2", "tertial2": "T2", "ar": "år", "helar": "år", "helaaret": "år"}


class Period(click.ParamType[str, Any]):
    """T1, T2 or år, however typed: t1, År, helår."""

    name = "PERIOD"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "T1|T2|år"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        found = PERIOD_WORDS.get(fold(value))
        if found is None:
            self.fail(f'"{value}" är ingen period; välj T1, T2 eller år (helår)', param, ctx)
        return found

"""The command line: a thin shell over uppf_xl.actions.

Each command parses its options, makes one library call, prints the outcome, and turns an
UppfError into its Swedish message and exit code (see errors.py).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from uppf_xl import actions, cli_sv
from uppf_xl.errorlog import write_error_log
from uppf_xl.errors import Problem, UppfError
from uppf_xl.outcome import Outcome
from uppf_xl.workbook import open_workbook

cli_sv.install()  # click's own texts in Swedish, before any option is declared
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
if not console.is_terminal:  # piped or logged: tables need room more than a terminal's width
    console.width = 140


class IsoDate(click.ParamType[date, Any]):
    name = "ÅÅÅÅ-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f'"{value}" är inget datum; skriv ÅÅÅÅ-MM-DD', param, ctx)


ISO_DATE = IsoDate()
WORKBOOK_ARG = click.argument("file", metavar="ARBETSBOK", type=click.Path(path_type=Path, dir_okay=False))


def today_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--today", type=ISO_DATE, default=None, help="Räkna som om idag vore detta datum (ÅÅÅÅ-MM-DD).")(f)


def year_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--year", type=cli_sv.Year(), default=None,
                        help="Planår (1990–2100); annars Planår i Inställningar, annars årets.")(f)


def handled(f: Callable[..., Outcome | int | None]) -> Callable[..., None]:
    """Run a command; print its outcome; map errors to messages and exit codes."""

    @wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        kwargs["today"] = kwargs.get("today") or dt.date.today()
        try:
            result = f(*args, **kwargs)
        except UppfError as exc:
            print_error(exc)
            sys.exit(exc.exit_code)
        except Exception as exc:  # never a traceback to the user; keep it in a file for support
            log = write_error_log(exc, f"uppf-xl {f.__name__}")
            err_console.print(f"Fel: ett oväntat fel inträffade ({type(exc).__name__}: {exc}). "
                              f"Arbetsboken är oförändrad om inget annat sagts. Detaljer finns i {log}.", markup=False)
            sys.exit(1)
        if isinstance(result, Outcome):
            print_outcome(result)
            if result.failure is not None:
                print_error(result.failure)
                sys.exit(result.failure.exit_code)
            if result.exit_code:
                sys.exit(result.exit_code)
        elif isinstance(result, int) and result:
            sys.exit(result)

    return wrapper


def print_error(exc: UppfError) -> None:
    """An error as the user sees it (`UppfError`): problems, details, then the closing line."""
    print_problems(exc.problems)
    for line in exc.details:
        console.print(line, markup=False)
    err_console.print(exc.closing, markup=False)


def print_problems(problems: list[Problem]) -> None:
    for p in problems:
        (console if not p.is_error else console).print(p.text, markup=False, style="red" if p.is_error else "yellow")


MAX_TABLE_ROWS = 12


def print_outcome(outcome: Outcome) -> None:
    """Warnings, then each summary table (long ones cut: the workbook has them whole), then lines."""
    shown = set(outcome.lines)
    print_problems([p for p in outcome.warnings if p.text not in shown])
    for title, header, rows in outcome.tables:
        if not rows:
            continue
        table = Table(title=title, title_justify="left", show_lines=False)
        for h in header:
            table.add_column(str(h), overflow="fold")
        for row in rows[:MAX_TABLE_ROWS]:
            table.add_row(*("" if v is None else str(v) for v in row))
        if len(rows) > MAX_TABLE_ROWS:
            table.caption = f"… och {len(rows) - MAX_TABLE_ROWS} rader till (se arbetsboken)"
            table.caption_justify = "left"
        console.print(table)
    for line in outcome.lines:
        console.print(line, markup=False)


def progress_bar(label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=err_console, transient=True, disable=not err_console.is_terminal)


@click.group(cls=cli_sv.Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             options_metavar="[FLAGGOR]", subcommand_metavar="KOMMANDO [ARGUMENT]...", invoke_without_command=True)
@click.version_option(package_name="uppf-xl")
@click.pass_context
def main(ctx: click.Context) -> None:
    """uppf-xl: årshjul, åtgärdsplaner, kallelser och nämndrapporter ur en Excel-arbetsbok.

    \b
    Exempel:
      uppf-xl demo                    # skapa och kör demokommunen
      uppf-xl check uppfoljning.xlsx  # kontrollera arbetsboken
    """
    if ctx.invoked_subcommand is None:  # no command: the help, not an error
        click.echo(ctx.get_help())


@main.command()
@WORKBOOK_ARG
@click.option("--demo", is_flag=True, help="Fyll i en påhittad kommun (Sjöviks kommun).")
@click.option("--force", is_flag=True, help="Skriv över en befintlig fil.")
@today_option
@handled
def init(file: Path, demo: bool, force: bool, today: date) -> Outcome:
    """Skapa en ny arbetsbok med alla blad, listor och standardregler.

    \b
    Exempel:
      uppf-xl init uppfoljning.xlsx
      uppf-xl init demo.xlsx --demo
    """
    return actions.init(file, demo, force, today)


@main.command()
@WORKBOOK_ARG
@click.option("--utförare", "--utforare", "provider", default=None, metavar="UTFÖRARID",
              help="Visa hur utförarens föreslagna risknivå räknats fram, poäng för poäng.")
@today_option
@handled
def check(file: Path, provider: str | None, today: date) -> int:
    """Kontrollera arbetsboken och lista varje problem med blad och cell.

    Listar också utförare vars föreslagna risknivå skiljer sig från Risknivå.
    Skriver aldrig i arbetsboken. Slutkod 0 utan fel, 1 med fel.

    \b
    Exempel:
      uppf-xl check uppfoljning.xlsx
      uppf-xl check uppfoljning.xlsx --utförare U017
    """
    wb = open_workbook(file)
    problems = actions.check(wb, today)
    print_problems(problems)
    summary = actions.check_summary(problems, file.name)
    if any(p.is_error for p in problems):
        err_console.print(summary)
        for line in actions.risk_lines(wb, today, provider) if provider else []:
            console.print(line, markup=False)
        return 1
    console.print(summary)
    for line in actions.risk_lines(wb, today, provider):
        console.print(line, markup=False)
    return 0


@main.command()
@WORKBOOK_ARG
@year_option
@click.option("--fastställ", "--faststall", "adopt", is_flag=True,
              help="Planen är fastställd av nämnden: skriv dagens datum i Fastställd på årets rader.")
@today_option
@handled
def plan(file: Path, year: int | None, adopt: bool, today: date) -> Outcome:
    """Räkna fram årshjulet för ett år och uppdatera översikten.

    Raderna för året räknas om; det du skrivit i Planerat datum, Tid, Plats, Kallelse
    skickad, Genomförd, Ansvarig, Kommentar och Dnr behålls. Andra år lämnas orörda.

    \b
    Exempel:
      uppf-xl plan uppfoljning.xlsx --year 2026
    """
    with progress_bar("Årshjul") as bar:
        task = bar.add_task("plan", total=None)
        return actions.plan(open_workbook(file), year, today,
                            progress=lambda done, total: bar.update(task, completed=done, total=total), adopt=adopt)


@main.command()
@WORKBOOK_ARG
@year_option
@today_option
@handled
def status(file: Path, year: int | None, today: date) -> Outcome:
    """Uppdatera statusar, Iakttagelsers statuskolumner och bladet Översikt.

    \b
    Exempel:
      uppf-xl status uppfoljning.xlsx --today 2025-05-01
    """
    return actions.status(open_workbook(file), year, today)


@main.command()
@WORKBOOK_ARG
@click.option("--före", "--fore", "before", type=cli_sv.Year(), default=None,
              help="Arkivera åren före detta år (standard: förra året, så att årets och förra årets rader står kvar).")
@click.option("--återställ", "--aterstall", "restore", is_flag=True, help="Flytta tillbaka alla arkiverade rader till Årshjul.")
@today_option
@handled
def archive(file: Path, before: int | None, restore: bool, today: date) -> Outcome:
    """Flytta avslutade rader från tidigare år till en arkivarbetsbok bredvid arbetsboken.

    En rad flyttas när den är genomförd eller Utgår och ingen iakttagelse pekar på den;
    eftersläpningen står kvar. Arkivet heter ARBETSBOK-arkiv.xlsx. Intervall, täckning
    och jämförelser med tidigare år räknar fortfarande med de arkiverade raderna.

    \b
    Exempel:
      uppf-xl archive uppfoljning.xlsx
      uppf-xl archive uppfoljning.xlsx --före 2028
      uppf-xl archive uppfoljning.xlsx --återställ
    """
    return actions.archive(open_workbook(file), before, today, restore=restore)


@main.command()
@WORKBOOK_ARG
@click.option("--out", metavar="MAPP", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Mapp för breven (annars Utdatamapp, annars Utskick bredvid arbetsboken).")
@click.option("--from", "from_", type=ISO_DATE, default=None, help="Fönstrets första dag.")
@click.option("--to", type=ISO_DATE, default=None, help="Fönstrets sista dag.")
@click.option("--kind", metavar="BREVTYP", multiple=True, help="kallelse, andrad, atgardsplan, paminnelse, aterkoppling, "
              "fortydligande, underrattelse, insyn (flera går; standard alla).")
@click.option("--pdf", is_flag=True, help="Gör även PDF/A av varje brev (LibreOffice).")
@click.option("--mark-sent", is_flag=True, help="Fyll i att breven skickats: Kallelse skickad i Årshjul; Begäran "
              "skickad, Påminnelse skickad och Underrättad i Iakttagelser.")
@click.option("--mask", is_flag=True, help="Maskera personuppgifter i stället för att stoppa.")
@today_option
@handled
def letters(file: Path, out: Path | None, from_: date | None, to: date | None, kind: tuple[str, ...], pdf: bool,
            mark_sent: bool, mask: bool, today: date) -> Outcome:
    """Skriv kallelser och brev om åtgärdsplaner, utskickslistan utskickslista.xlsx och e-postutkast.

    \b
    Exempel:
      uppf-xl letters uppfoljning.xlsx --out Utskick
      uppf-xl letters uppfoljning.xlsx --kind kallelse --from 2025-03-01 --to 2025-03-31 --pdf --mark-sent
    """
    kinds = [cli_sv.fold(k) for value in kind for k in value.split(",") if k.strip()] or None
    with progress_bar("Brev") as bar:
        task = bar.add_task("brev", total=None)
        return actions.letters(open_workbook(file), out, today, kinds, (from_, to), pdf, mark_sent,
                               progress=lambda n: bar.update(task, advance=n), mask=mask)


@main.command()
@WORKBOOK_ARG
@click.option("--out", metavar="FIL", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Kalenderfilen (.ics).")
@year_option
@today_option
@handled
def calendar(file: Path, out: Path | None, year: int | None, today: date) -> Outcome:
    """Exportera alla planerade besök som en kalender (.ics) att importera i Outlook.

    \b
    Exempel:
      uppf-xl calendar uppfoljning.xlsx --out besok.ics
    """
    return actions.calendar(open_workbook(file), out, year, today)


@main.command()
@WORKBOOK_ARG
@year_option
@click.option("--period", type=cli_sv.Period(), default=None,
              help="T1, T2 (jan–aug) eller år (helår); utan --period och --year: rapporten som nästa sammanträde begär.")
@click.option("--nämnd", "--namnd", "namnd", metavar="NÄMND", default=None, help="En nämnds rapport; annars en per nämnd.")
@click.option("--out", metavar="SÖKVÄG", type=click.Path(path_type=Path), default=None, help="Rapportfilen (.docx), eller mapp utan --nämnd.")
@click.option("--pdf", is_flag=True, help="Gör även en tillgänglig PDF/A.")
@click.option("--mask", is_flag=True, help="Maskera personuppgifter i stället för att stoppa.")
@click.option("--mark-reported", is_flag=True, help="Fyll i Rapporterad till nämnd för iakttagelserna i rapporten.")
@click.option("--case", "case", default=None, metavar="IAKTTAGELSEID",
              help="Ärenderapport om en allvarlig brist som inte är åtgärdad (tjänsteskrivelse).")
@today_option
@handled
def report(file: Path, year: int | None, period: str | None, namnd: str | None, out: Path | None, pdf: bool, mask: bool,
           mark_reported: bool, case: str | None, today: date) -> Outcome:
    """Skriv nämndrapporten (tjänsteskrivelse) med bilaga och diagram.

    Utan --period och --year skrivs rapporten som nästa sammanträde i Sammanträden begär.

    \b
    Exempel:
      uppf-xl report uppfoljning.xlsx --year 2025 --period T2 --nämnd Äldreomsorgsnämnden --out rapport.docx
      uppf-xl report uppfoljning.xlsx
      uppf-xl report uppfoljning.xlsx --case I-2025-004 --pdf
    """
    if case is not None:
        return actions.case_report(open_workbook(file), case, out, today, pdf)
    return actions.report(open_workbook(file), year, period, namnd, out, today, pdf, mask, mark_reported)


@main.command("survey-out")
@WORKBOOK_ARG
@click.option("--type", "type_id", metavar="TYPID", required=True, help="TypID, t.ex. AVT.")
@click.option("--out", metavar="MAPP", type=click.Path(path_type=Path, file_okay=False), default=None, help="Mapp för enkäterna.")
@year_option
@today_option
@handled
def survey_out(file: Path, type_id: str, out: Path | None, year: int | None, today: date) -> Outcome:
    """Skapa en enkät (Excel) per utförare som ska följas upp med typen.

    \b
    Exempel:
      uppf-xl survey-out uppfoljning.xlsx --type AVT --out Enkater
    """
    return actions.survey_out(open_workbook(file), type_id, out, year, today)


@main.command("survey-in")
@WORKBOOK_ARG
@click.argument("answers", metavar="SVAR...", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@today_option
@handled
def survey_in(file: Path, answers: tuple[Path, ...], today: date) -> Outcome:
    """Läs in besvarade enkäter till Svar och föreslå iakttagelser.

    \b
    Exempel:
      uppf-xl survey-in uppfoljning.xlsx Enkater/svar/
    """
    return actions.survey_in(open_workbook(file), list(answers), today)


@main.command("kolada-in")
@WORKBOOK_ARG
@click.argument("koladafiles", metavar="KOLADAFIL...", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@today_option
@handled
def kolada_in(file: Path, koladafiles: tuple[Path, ...], today: date) -> Outcome:
    """Läs nedladdade nyckeltal från Kolada (JSON från API:t eller CSV) till bladet Nyckeltal.

    Enheterna matchas mot Kolada-ID i Utförare. Programmet hämtar aldrig något från nätet.

    \b
    Exempel:
      uppf-xl kolada-in uppfoljning.xlsx hemtjanst_oudata.json kommun_data.json
      uppf-xl kolada-in uppfoljning.xlsx kolada_nedladdning.csv
    """
    return actions.kolada_in(open_workbook(file), list(koladafiles), today)


@main.command()
@WORKBOOK_ARG
@click.argument("provider_id", metavar="UTFÖRARID")
@click.option("--out", metavar="SÖKVÄG", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Utförarkortet (.docx).")
@click.option("--pdf", is_flag=True, help="Gör även en PDF/A (LibreOffice).")
@today_option
@handled
def card(file: Path, provider_id: str, out: Path | None, pdf: bool, today: date) -> Outcome:
    """Skriv utförarkortet: allt om en utförare inför ett besök eller ett ärende (internt).

    \b
    Exempel:
      uppf-xl card uppfoljning.xlsx U004 --out U004.docx --pdf
    """
    return actions.card(open_workbook(file), provider_id, out, today, pdf)


@main.command()
@WORKBOOK_ARG
@click.option("--out", metavar="MAPP", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Mapp för jämförelsen (annars Jämförelse i Utdatamapp).")
@today_option
@handled
def publish(file: Path, out: Path | None, today: date) -> Outcome:
    """Skriv den offentliga jämförelsen av utförare: webbsidor (HTML) och PDF/A per verksamhetsområde.

    \b
    Exempel:
      uppf-xl publish uppfoljning.xlsx --out Jamforelse
    """
    return actions.publish(open_workbook(file), out, today)


@main.command("month-in")
@WORKBOOK_ARG
@click.argument("exports", metavar="EXPORT...", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--month", default=None, metavar="ÅÅÅÅ-MM", help="Läs bara in besöken i den här månaden.")
@click.option("--detaljer", is_flag=True,
              help="Skriv även en fil med de flaggade besöken (brukare och personal som pseudonymer) i utdatamappen.")
@today_option
@handled
def month_in(file: Path, exports: tuple[Path, ...], month: str | None, detaljer: bool, today: date) -> Outcome:
    """Läs in exporter från tidsregistreringen (CSV eller Excel) till bladet Månadsuppföljning.

    Kolumnnamnen står på bladet Importformat. Varje utförare och månad får en rad med
    besök, utförd och beviljad tid och avvikelser mot gränserna i Inställningar. En månad
    som läses in igen ersätts. Avvikelser föreslås som iakttagelser (Bekräftad Nej).
    Brukare och personal lagras aldrig, bara som pseudonymer i detaljfilen.

    \b
    Exempel:
      uppf-xl month-in uppfoljning.xlsx tid_2026-03.csv beviljat_2026-03.csv --month 2026-03
      uppf-xl month-in uppfoljning.xlsx Exporter/ --detaljer
    """
    with progress_bar("Tidsexport") as bar:
        task = bar.add_task("month-in", total=None)
        return actions.month_in(open_workbook(file), list(exports), month, detaljer, today,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))


@main.command("build-workbook")
@click.argument("out", metavar="MAKROARBETSBOK", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--demo", is_flag=True, help="Med demokommunens data.")
@click.option("--force", is_flag=True, help="Skriv över en befintlig fil.")
@today_option
@handled
def build_workbook(out: Path, demo: bool, force: bool, today: date) -> Outcome:
    """Bygg makroarbetsboken (.xlsm) med menyfliken Uppföljning för Excel.

    \b
    Exempel:
      uppf-xl build-workbook uppfoljning.xlsm --demo
    """
    return actions.build_workbook(out, demo, force, today)


@main.command()
@click.argument("folder", metavar="[MAPP]", required=False, type=click.Path(path_type=Path, file_okay=False),
                default=Path("demo-ut"))
@today_option
@handled
def demo(folder: Path, today: date) -> Outcome:
    """Skapa demokommunen och kör hela kedjan: kontroll, årshjul, översikt, brev, rapport.

    \b
    Exempel:
      uppf-xl demo demo-ut --today 2025-11-22
    """
    from uppf_xl.demo import run_demo

    return run_demo(folder, today, echo=lambda line: console.print(line, markup=False))


def _param_name(param: click.Parameter | None) -> str:
    """An option as typed (--year), an argument as its help shows it (ARBETSBOK)."""
    if param is None:
        return ""
    if isinstance(param, click.Option) and param.opts:
        return param.opts[0]
    return (param.metavar or (param.name or "").upper()).rstrip(".").strip("[]")


def swedish_usage(exc: click.UsageError) -> str:
    """Click's usage errors as one Swedish sentence (click's own texts are Swedish via cli_sv)."""
    if isinstance(exc, click.NoSuchOption):
        hint = f"; menade du {' eller '.join(exc.possibilities)}?" if exc.possibilities else ""
        return f"okänd flagga {exc.option_name}{hint}"
    if isinstance(exc, click.MissingParameter):
        name = _param_name(exc.param) or "ett argument"
        return f"{name} saknas"
    if isinstance(exc, click.BadParameter):
        name = _param_name(exc.param)
        message = exc.message.rstrip(".")
        return f"ogiltigt värde för {name}: {message}" if name else message
    return exc.format_message().rstrip(".")


def run(argv: list[str] | None = None) -> None:
    """The console script: click without its English error texts."""
    try:
        code = main.main(args=argv, prog_name="uppf-xl", standalone_mode=False)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx is not None else "uppf-xl"
        message = swedish_usage(exc)
        message += "" if message.endswith(("?", "!", ".")) else "."
        err_console.print(f"Fel: {message} Se '{command} --help'.", markup=False)
        sys.exit(2)
    except click.Abort:
        err_console.print("Avbrutet.")
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    run()

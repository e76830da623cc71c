"""The workbook forgives what people do to it, and the tool speaks Swedish all the way.

Rows typed under a table, a column of one's own beside Årshjul, names typed in another case,
options typed as people type them; and click's own texts in Swedish in every help and every
usage error. The workbook cases themselves are in the robustness corpus (tests/data/robust).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.worksheet.datavalidation import DataValidation

from conftest import DATA, DEMO_TODAY
from test_survey import compliant_answers
from uppf_xl import documents, survey
from uppf_xl.cli import main
from uppf_xl.render import swedish_jinja
from uppf_xl.workbook import open_workbook
from uppf_xl.workbook.initbook import create_workbook
from uppf_xl.workbook.questionnaire import fill_answers

TODAY = DEMO_TODAY.isoformat()


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args], prog_name="uppf-xl")
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout + result.stderr


def header_col(ws, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


# --------------------------------------------------------------------------- tables follow the data


def test_rows_below_a_table_are_read_grown_over_with_formats_and_validations(demo_book: Path) -> None:
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Händelser"]
    table = ws.tables["tblHandelser"]
    end = int(re.sub(r"[A-Z]+", "", table.ref.split(":")[1]))
    # A validation of the user's own that ends with the table, as a user adds one in Excel.
    own = DataValidation(type="list", formula1='"Ja,Nej"', allow_blank=True)
    own.add(f"E2:E{end}")
    ws.add_data_validation(own)
    ws.cell(end + 1, 1).value = dt.date(2025, 11, 3)  # typed with openpyxl's own date format
    ws.cell(end + 1, 2).value = "U004"
    ws.cell(end + 1, 3).value = "Klagomål"
    ws.cell(end + 1, 4).value = "Skrivet under tabellen"  # a cell without any format of its own
    ws.cell(end + 1, 5).value = "Nej"
    assert ws.cell(end + 1, 4).alignment.vertical is None
    wb.save(demo_book)

    register = open_workbook(demo_book).register(DEMO_TODAY)
    assert any(e.row == end + 1 and e.provider_id == "U004" for e in register.events)
    code, out = run("check", str(demo_book), "--today", TODAY)
    assert code == 0 and f"Varning: Händelser!A{end + 1}: rad {end + 1} står under tabellen tblHandelser" in out

    code, out = run("status", str(demo_book), "--today", TODAY)
    assert code == 0, out
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Händelser"]
    assert ws.tables["tblHandelser"].ref == f"A1:F{end + 1}"
    assert ws.cell(end + 1, 4).alignment.vertical == ws.cell(end, 4).alignment.vertical == "top"
    assert ws.cell(end + 1, 1).is_date
    assert any(str(dv.sqref) == f"E2:E{end + 1}" for dv in ws.data_validations.dataValidation)
    code, out = run("check", str(demo_book), "--today", TODAY)
    assert (code, out.strip().splitlines()[0]) == (0, "Inga fel i uppfoljning.xlsx.")


def test_survey_in_appends_after_rows_typed_below_iakttagelser(demo_book: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Iakttagelser"]
    row = ws.max_row + 1
    for header, value in {"IakttagelseID": "I-EGEN-1", "Datum": dt.date(2025, 11, 1), "UtförarID": "U004",
                          "Kategori": "Avvikelse", "Beskrivning": "Skrivet under tabellen"}.items():
        ws.cell(row, header_col(ws, header)).value = value
    wb.save(demo_book)

    register = open_workbook(demo_book).register(DEMO_TODAY)
    out = documents.survey_out(register, "AVT", DEMO_TODAY.year, tmp_path / "enkater", DEMO_TODAY)
    first = out.files[0]
    pid = first.name.split("_")[1]
    provider = register.provider(pid)
    assert provider is not None
    answers = compliant_answers(register, pid, "AVT", DEMO_TODAY.year)
    answers[next(q for q, v in answers.items() if v == "Ja")] = "Nej"  # a deviation: a proposed finding
    fill_answers(first, answers)

    code, output = run("survey-in", str(demo_book), str(first), "--today", TODAY)
    assert code == 0, output
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Iakttagelser"]
    ids = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert ids[row - 2] == "I-EGEN-1"  # the typed row kept its place
    assert len(ids) > row - 1  # the proposals came after it
    assert ws.tables[next(iter(ws.tables))].ref.endswith(str(ws.max_row))


def test_survey_in_reads_a_folder_with_answers_saved_as_xlsm(demo_book: Path, tmp_path: Path) -> None:
    register = open_workbook(demo_book).register(DEMO_TODAY)
    out = documents.survey_out(register, "AVT", DEMO_TODAY.year, tmp_path / "enkater", DEMO_TODAY)
    first = out.files[0]
    pid = first.name.split("_")[1]
    fill_answers(first, compliant_answers(register, pid, "AVT", DEMO_TODAY.year))
    answers = tmp_path / "svar"
    answers.mkdir()
    saved = openpyxl.load_workbook(first)  # the provider saves it as a macro-enabled workbook
    saved.save(answers / first.with_suffix(".xlsm").name)

    code, output = run("survey-in", str(demo_book), str(answers), "--today", TODAY)
    assert code == 0, output
    assert "Enkäter: 1 inlästa" in output
    assert {a.provider_id for a in open_workbook(demo_book).register(DEMO_TODAY).answers} >= {pid}


def test_a_column_beside_arshjul_keeps_its_values_on_their_rows(tmp_path: Path) -> None:
    book = tmp_path / "arshjul.xlsx"
    shutil.copyfile(DATA / "robust" / "column_beside_arshjul.xlsx", book)
    before = {row[0].value: row[-1].value for row in openpyxl.load_workbook(book)["Årshjul"].iter_rows(min_row=2)}
    noted = {k: v for k, v in before.items() if v}
    assert len(noted) == 2

    code, out = run("plan", str(book), "--year", "2025", "--today", TODAY)
    assert code == 0, out
    ws = openpyxl.load_workbook(book)["Årshjul"]
    col = header_col(ws, "Egen notering")
    after = {ws.cell(r, 1).value: ws.cell(r, col).value for r in range(2, ws.max_row + 1)}
    assert {k: v for k, v in after.items() if v} == noted
    assert ws.tables["tblArshjul"].ref.startswith("A1:")


def test_an_unnamed_column_beside_arshjul_refuses_the_write(tmp_path: Path) -> None:
    book = tmp_path / "arshjul.xlsx"
    shutil.copyfile(DATA / "robust" / "column_beside_arshjul_unnamed.xlsx", book)
    before = book.read_bytes()
    code, out = run("plan", str(book), "--year", "2025", "--today", TODAY)
    assert code == 1 and "Fel: Årshjul!Y1: kolumnen Y har värden" in out
    assert book.read_bytes() == before


def test_init_gives_dropdowns_of_providers_and_types(tmp_path: Path) -> None:
    book = tmp_path / "ny.xlsx"
    create_workbook(book, demo=True, today=DEMO_TODAY)
    wb = openpyxl.load_workbook(book)
    names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
    assert names["lista_Utforare_UtforarID"].replace("'", "") == "Utförare!$A$2:$A$2000"
    assert names["lista_Uppfoljningstyper_TypID"].replace("'", "") == "Uppföljningstyper!$A$2:$A$2000"
    for sheet, header, name in (("Händelser", "UtförarID", "lista_Utforare_UtforarID"),
                                ("Iakttagelser", "UtförarID", "lista_Utforare_UtforarID"),
                                ("Årsplan", "TypID", "lista_Uppfoljningstyper_TypID"),
                                ("Frågor", "TypID", "lista_Uppfoljningstyper_TypID"),
                                ("Utförare", "Nämnd", "lista_Namnd")):
        ws = wb[sheet]
        letter = openpyxl.utils.get_column_letter(header_col(ws, header))
        assert any(dv.formula1 == f"={name}" and str(dv.sqref).startswith(f"{letter}2:")
                   for dv in ws.data_validations.dataValidation), (sheet, header)


# --------------------------------------------------------------------------- Swedish all the way

# Click's own English texts; none may reach a user.
ENGLISH = re.compile(
    r"Usage:|Options:|Commands:|Show this message|Show the version|Error:|Missing argument|Missing option|"
    r"is not a valid|is not one of|does not exist|is a directory|No such (option|command)|Got unexpected|"
    r"requires an argument|Try '|for help|\[OPTIONS\]|COMMAND|\bARGS\b|\bFILE\b|\bINTEGER\b|\bTEXT\b|\bPATH\b|"
    r"\bDIRECTORY\b|Did you mean|Aborted"
)


def commands() -> list[str]:
    return sorted(main.commands)


@pytest.mark.parametrize("command", ["", *commands()])
def test_every_help_is_swedish(command: str) -> None:
    code, out = run(*([command] if command else []), "--help")
    assert code == 0
    assert out.startswith("Användning: uppf-xl")
    assert "Flaggor:" in out and "Visa den här hjälpen och avsluta." in out
    assert not ENGLISH.search(out), ENGLISH.search(out)


def test_no_arguments_shows_the_swedish_help() -> None:
    code, out = run()
    assert code == 0 and out.startswith("Användning: uppf-xl [FLAGGOR] KOMMANDO") and not ENGLISH.search(out)


# (arguments, words the message must hold, as click shows it and as the console script does)
USAGE_ERRORS: list[tuple[list[str], list[str]]] = [
    (["plan"], ["ARBETSBOK", "saknas"]),
    (["plan", "x.xlsx", "--year", "tjugo"], ['"tjugo" är inget årtal']),
    (["plan", "x.xlsx", "--year"], ["flaggan --year behöver ett värde"]),
    (["plan", "x.xlsx", "--bad"], ["okänd flagga --bad"]),
    (["plan", "x.xlsx", "y.xlsx"], ["ett argument för mycket"]),
    (["chek"], ["okänt kommando chek", "menade du", "check"]),
    (["report", "x.xlsx", "--period", "T3"], ['"T3" är ingen period']),
    (["letters", "x.xlsx", "--from", "igår"], ['"igår" är inget datum']),
    (["survey-out", "x.xlsx"], ["--type", "saknas"]),
    (["survey-in", "x.xlsx"], ["SVAR", "saknas"]),
    (["survey-in", "x.xlsx", "finns-inte.xlsx"], ["sökvägen finns-inte.xlsx finns inte"]),
    (["check", "."], ["filen . är en mapp, inte en fil"]),
    (["build-workbook"], ["MAKROARBETSBOK", "saknas"]),
    (["init", "x.xlsx", "--demo=ja"], ["flaggan --demo tar inget värde"]),
]


def holds(text: str, words: list[str]) -> bool:
    plain = text.replace("'", "").casefold()
    return all(w.replace("'", "").casefold() in plain for w in words)


@pytest.mark.parametrize("args,words", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_every_usage_error_is_swedish(args: list[str], words: list[str], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out = run(*args)
    assert code == 2
    assert holds(out, words), out
    assert out.startswith(("Användning:", "Fel:")) and "Fel:" in out
    assert not ENGLISH.search(out), ENGLISH.search(out)


@pytest.mark.parametrize("args,words", USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_the_console_script_says_each_usage_error_in_one_swedish_line(
    args: list[str], words: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from uppf_xl.cli import run as console_script

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        console_script(args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith("Fel: ") and holds(err, words) and "Se 'uppf-xl" in err, err
    assert ".." not in err and "?." not in err and len(err.strip().splitlines()) == 1
    assert not ENGLISH.search(err), ENGLISH.search(err)


def test_jinja_errors_in_a_template_are_swedish() -> None:
    import jinja2

    for source in ["{{ namn }", "{% if x %}a", "{% foo %}", "{{ x | nofilter }}", "{# abc", "{{ a b }}", "{% for %}"]:
        with pytest.raises(jinja2.TemplateSyntaxError) as exc:
            jinja2.Environment().from_string(source)
        text = swedish_jinja(exc.value.message or "")
        assert "Jinja:" not in text, (source, text)
        assert not re.search(r"\b(unexpected|expected|unknown|tag|filter named|Encountered)\b", text), text


# --------------------------------------------------------------------------- values as people type them


@pytest.mark.parametrize("period,label", [("t1", "januari–april"), ("T2", "januari–augusti"), ("År", "helår"),
                                          ("helår", "helår"), ("år", "helår")])
def test_period_as_typed(demo_book: Path, tmp_path: Path, period: str, label: str) -> None:
    out_file = tmp_path / "r.docx"
    code, out = run("report", str(demo_book), "--year", "2025", "--period", period, "--nämnd", "Äldreomsorgsnämnden",
                    "--out", str(out_file), "--today", TODAY)
    assert code == 0, out
    assert f"Nämndrapport för Äldreomsorgsnämnden, {label} 2025" in out


@pytest.mark.parametrize("typed", ["äldreomsorgsnämnden", "ÄLDREOMSORGSNÄMNDEN", " Äldreomsorgs nämnden "])
def test_namnd_option_matched_like_the_list(demo_book: Path, tmp_path: Path, typed: str) -> None:
    code, out = run("report", str(demo_book), "--year", "2025", "--nämnd", typed, "--out", str(tmp_path / "r.docx"),
                    "--today", TODAY)
    assert code == 0, out
    assert "Nämndrapport för Äldreomsorgsnämnden" in out


def test_kind_in_any_case(demo_book: Path, tmp_path: Path) -> None:
    code, out = run("letters", str(demo_book), "--kind", "KALLELSE", "--kind", "Åtgärdsplan", "--out", str(tmp_path / "ut"),
                    "--today", TODAY)
    assert code == 0, out


# --------------------------------------------------------------------------- refusals that say why


@pytest.mark.parametrize("year", ["26", "0", "1800", "99999", "-5"])
def test_plan_year_outside_1990_2100_is_a_usage_error(demo_book: Path, year: str) -> None:
    before = demo_book.read_bytes()
    code, out = run("plan", str(demo_book), "--year", year, "--today", TODAY)
    assert code == 2
    assert "är inget rimligt år; skriv ett år mellan 1990 och 2100" in out
    assert ("menade du 2026?" in out) == (year == "26")
    assert demo_book.read_bytes() == before


def test_init_xlsm_points_to_build_workbook(tmp_path: Path) -> None:
    code, out = run("init", str(tmp_path / "x.xlsm"))
    assert code == 2 and "uppf-xl build-workbook x.xlsm" in out
    assert not (tmp_path / "x.xlsm").exists()


def test_init_into_a_missing_folder(tmp_path: Path) -> None:
    code, out = run("init", str(tmp_path / "finns-inte" / "x.xlsx"))
    assert code == 3 and f"Fel: Mappen {tmp_path / 'finns-inte'} finns inte." in out


def test_a_too_long_file_name_is_named_in_swedish(tmp_path: Path) -> None:
    name = "å" * 118 + ".xlsx"  # 241 bytes
    code, out = run("init", str(tmp_path / name))
    assert code == 3 and "är för långt (241 byte; högst 200)" in out
    long = tmp_path / ("b" * 235 + ".xlsx")
    create_workbook(long, demo=True, today=DEMO_TODAY)
    code, out = run("plan", str(long), "--year", "2025", "--today", TODAY)
    assert code == 3 and "filnamnet är för långt" in out and "File name too long" not in out


def test_report_without_providers_says_so(tmp_path: Path) -> None:
    book = tmp_path / "tom.xlsx"
    create_workbook(book, today=DEMO_TODAY)
    code, out = run("report", str(book), "--today", TODAY)
    assert code == 1
    assert "Fel: Utförare: bladet har inga utförare, så det finns ingen nämndrapport att skriva" in out


# --------------------------------------------------------------------------- all the problems at once


def test_survey_in_names_every_bad_answer_in_a_file(demo_book: Path, tmp_path: Path) -> None:
    register = open_workbook(demo_book).register(DEMO_TODAY)
    out = documents.survey_out(register, "AVT", DEMO_TODAY.year, tmp_path / "enkater", DEMO_TODAY)
    first = out.files[0]
    pid = first.name.split("_")[1]
    provider = register.provider(pid)
    assert provider is not None
    questions = survey.applicable_questions(register, provider, "AVT", DEMO_TODAY.year)
    yes_no = [q.id for q in questions if q.answer_type.value == "Ja/Nej"][:2]
    numbers = [q.id for q in questions if q.answer_type.value == "Tal"][:1]
    bad = {**{q: "Kanske" for q in yes_no}, **{q: "många" for q in numbers}}
    fill_answers(first, bad)

    code, output = run("survey-in", str(demo_book), str(first), "--today", TODAY)
    assert code == 1
    for qid in bad:
        assert f"svaret på fråga {qid} går inte att läsa" in output, output
    assert "Enkäter: 0 inlästa, 1 avvisade" in output


def test_report_warnings_name_the_sheet_sorted_and_once(demo_book: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Iakttagelser"]
    col = header_col(ws, "Sammanfattning för nämnd")
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value = None
    wb.save(demo_book)
    code, out = run("report", str(demo_book), "--year", "2025", "--out", str(tmp_path / "rapporter"), "--today", TODAY)
    assert code == 0, out
    warnings = [line for line in out.splitlines() if line.startswith("Varning:")]
    assert warnings and all(re.match(r"Varning: Iakttagelser![A-Z]+\d+: ", w) for w in warnings)
    rows = [int(re.match(r"Varning: Iakttagelser![A-Z]+(\d+)", w).group(1)) for w in warnings]  # type: ignore[union-attr]
    assert rows == sorted(rows) and len(set(warnings)) == len(warnings)


def test_formatted_empty_cells_below_a_table_leave_the_sheet_untouched(demo_book: Path) -> None:
    import zipfile

    from openpyxl.styles import Alignment

    wb = openpyxl.load_workbook(demo_book)
    ws = wb["Händelser"]
    ws.cell(ws.max_row + 1, 4).alignment = Alignment(wrap_text=True)  # a format, no value
    wb.save(demo_book)

    with zipfile.ZipFile(demo_book) as zf:
        tables_before = {n: zf.read(n) for n in zf.namelist() if n.startswith("xl/tables/")}
    code, out = run("status", str(demo_book), "--today", TODAY)
    assert code == 0, out
    with zipfile.ZipFile(demo_book) as zf:
        handelser = next(n for n, data in tables_before.items() if b'displayName="tblHandelser"' in data)
        assert zf.read(handelser) == tables_before[handelser]


@pytest.mark.parametrize("source", ["{% if mottagare %}utan slut", "{{ mottagare.namn }", "{% okand %}",
                                    "{{ mottagare | finnsinte }}", "{{ a b }}"])
def test_a_broken_letter_template_is_explained_in_swedish(tmp_path: Path, source: str) -> None:
    from test_render import _template

    from uppf_xl import render
    from uppf_xl.model import Settings

    own = _template(tmp_path, "trasig.docx", source)
    with pytest.raises(render.TemplateError) as info:
        render.check_template("trasig.docx", {"mottagare": {"namn": "x"}}, Settings(mallmapp=str(tmp_path)))
    message = info.value.message
    assert message.startswith('Mallen "trasig.docx" har ett fel i en mallkod: ') and message.endswith(f"({own}).")
    assert "Jinja:" not in message
    assert not re.search(r"\b(unexpected|expected|unknown|Encountered|named|looking for)\b", message), message

"""Tests of uppf_xl.survey: who is asked what, requirements, and survey-out/survey-in round trips."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from uppf_xl.workbook.questionnaire import fill_answers

from uppf_xl.errors import WorkbookInvalid
from openpyxl import load_workbook

from factories import plan_entry, provider, register, schedule_row
from uppf_xl import survey
from uppf_xl.contract import LIST_COLUMNS, QUESTIONS
from uppf_xl.documents import survey_in, survey_out
from uppf_xl.model import Answer, Finding, FocusArea, Question, Register
from uppf_xl.outcome import Outcome
from uppf_xl.survey import (
    applicable_questions,
    default_questions,
    due_providers,
    evaluate,
    group_by_theme,
    questionnaire_filename,
)
from uppf_xl.vocab import ALLA, AnswerType, Category, Regi

TODAY = date(2025, 1, 10)
KEY = "0123456789abcdef0123456789abcdef"


def question_from_row(row: list[object]) -> Question:
    """A Question from a row in QUESTIONS header order, as the validator reads it."""
    v = dict(zip(QUESTIONS.headers, row))

    def split(x: object) -> tuple[str, ...]:
        return tuple(s.strip() for s in str(x or "").split(";") if s.strip())

    return Question(
        id=str(v["FrågeID"]), theme=str(v["Tema"]), text=str(v["Fråga"]), answer_type=AnswerType(v["Svarstyp"]),
        options=split(v["Alternativ"]), requirement=str(v["Krav"] or ""), areas=split(v["Verksamhetsområden"]) or (ALLA,),
        regi=str(v["Regi"] or ALLA), type_id=str(v["TypID"] or ""), active=v["Aktiv"] != "Nej",
    )


def survey_register(key: str = KEY, **kw: object) -> Register:
    """Three providers, the default question bank, the key set; U003 is egen regi särskilt boende."""
    reg = register(
        [
            provider("U001", name="Solrosens hemtjänst AB"),
            provider("U002", name="Hemtjänst Norr", regi=Regi.EGEN),
            provider("U003", name="Björkhagens boende", regi=Regi.EGEN, area="Särskilt boende för äldre"),
        ],
        epost="anna@kommun.example",
        **kw,
    )
    reg.questions = [question_from_row(r) for r in default_questions()]
    reg.settings.enkatnyckel = key  # type: ignore[attr-defined]  # until the lead adds the field
    return reg


def answer_file(path: Path, answers: dict[str, object]) -> None:
    """Fill in a questionnaire as a provider would: type into the answer cells and save."""
    fill_answers(path, answers)


def compliant_answers(reg: Register, pid: str, type_id: str = "AVT", year: int = 2025) -> dict[str, object]:
    """An answer that meets each question's Krav (Text and Datum questions answered too)."""
    p = reg.provider(pid)
    assert p is not None
    out: dict[str, object] = {}
    for q in applicable_questions(reg, p, type_id, year):
        if q.answer_type is AnswerType.JA_NEJ:
            out[q.id] = "Ja"
        elif q.answer_type is AnswerType.TAL:
            out[q.id] = {"<= 30": 12, ">= 90": 100}.get(q.requirement, 7)
        elif q.answer_type is AnswerType.FLERVAL:
            out[q.id] = q.requirement or q.options[0]
        elif q.answer_type is AnswerType.DATUM:
            out[q.id] = dt.datetime(2024, 11, 5)
        else:
            out[q.id] = "Brukarna väljer tid för sina insatser."
    return out


def apply(reg: Register, outcome: Outcome) -> Register:
    """What the writer does, on the Register: Svar replaced, proposed findings appended."""
    answers = reg.answers
    for sheet in outcome.changes.sheets:
        assert sheet.name == "Svar"
        (block,) = sheet.tables
        answers = [
            Answer(r[0], r[1], r[2], r[3], r[4], r[5] == "Ja", r[6], r[7])  # type: ignore[arg-type]
            for r in block.rows
        ]
    findings = list(reg.findings)
    for app in outcome.changes.appends:
        assert app.sheet == "Iakttagelser"
        findings += [
            Finding(f["IakttagelseID"], f["Datum"], f["UtförarID"], Category(f["Kategori"]), area=f["Område"],  # type: ignore[arg-type]
                    description=f["Beskrivning"])  # type: ignore[arg-type]
            for f in app.rows
        ]
    return replace(reg, answers=answers, findings=findings)


# --- The question bank -------------------------------------------------------------------


def test_default_questions_fit_the_contract() -> None:
    rows = default_questions()
    assert 25 <= len(rows) <= 30
    assert all(len(r) == len(QUESTIONS.headers) for r in rows)
    ids = [r[0] for r in rows]
    assert len(set(ids)) == len(ids)
    questions = [question_from_row(r) for r in rows]
    themes = {q.theme for q in questions}
    assert themes <= set(LIST_COLUMNS["Område"])
    assert {"Bemanning", "Kompetens", "Dokumentation", "Klagomål och avvikelser", "Brand", "Läkemedel", "Mat och måltider"} <= themes
    for q in questions:
        assert all(a in LIST_COLUMNS["Verksamhetsområde"] or a == ALLA for a in q.areas), q.id
        if q.answer_type is AnswerType.FLERVAL:
            assert q.options and (not q.requirement or q.requirement in q.options), q.id
        if q.requirement and q.answer_type is AnswerType.TAL:
            assert not evaluate(q.requirement, "100" if ">" in q.requirement else "0", q.answer_type), q.id


# --- Who is asked, and what ------------------------------------------------------------


def test_due_providers_follow_the_schedule_rows_of_the_year() -> None:
    reg = survey_register(schedule=[
        schedule_row("U002|AVT|2025"),
        schedule_row("U003|AVT|2025", status="Utgår"),
        schedule_row("U001|AVT|2024"),
        schedule_row("U001|KVAL|2025"),
    ])
    assert [p.id for p in due_providers(reg, "AVT", 2025)] == ["U002"]


def test_without_schedule_rows_the_providers_the_type_applies_to_are_due() -> None:
    reg = survey_register()
    reg.providers.append(provider("U004", end=date(2024, 6, 30)))  # ended before the year
    assert [p.id for p in due_providers(reg, "AVT", 2025)] == ["U001", "U002", "U003"]
    assert [p.id for p in due_providers(reg, "MAN", 2025)] == ["U001", "U002"]  # Hemtjänst only
    assert due_providers(reg, "NOPE", 2025) == []


def test_without_schedule_rows_the_annual_plan_limits_the_providers() -> None:
    reg = survey_register(plan=[plan_entry(2025, "Vård- och omsorgsnämnden", "Särskilt boende för äldre", "AVT")])
    assert [p.id for p in due_providers(reg, "AVT", 2025)] == ["U003"]
    assert [p.id for p in due_providers(reg, "AVT", 2026)] == ["U001", "U002", "U003"]


def test_questions_apply_by_area_regi_type_and_activity() -> None:
    reg = survey_register()
    home_private, home_own, residence = (reg.provider(i) for i in ("U001", "U002", "U003"))
    ids = lambda p, t="AVT": [q.id for q in applicable_questions(reg, p, t, 2025)]  # noqa: E731
    brand = {q.id for q in reg.questions if q.theme == "Brand"}
    food = {q.id for q in reg.questions if q.theme == "Mat och måltider"}
    contract = {q.id for q in reg.questions if q.theme == "Avtal och ekonomi"}
    assert brand & set(ids(residence)) == brand and not brand & set(ids(home_private))
    assert food <= set(ids(residence)) and not food & set(ids(home_own))
    assert contract <= set(ids(home_private))  # Privat and TypID AVT
    assert not contract & set(ids(home_own))  # egen regi
    assert not contract & set(ids(home_private, "KVAL"))  # another type
    reg.questions[0].active = False
    assert reg.questions[0].id not in ids(home_private)
    assert ids(home_private) == sorted(ids(home_private))  # question-bank order


def test_a_focus_area_brings_in_questions_of_another_type() -> None:
    reg = survey_register()
    p = reg.provider("U001")
    assert not any(q.theme == "Avtal och ekonomi" for q in applicable_questions(reg, p, "KVAL", 2025))
    reg.focus.append(FocusArea(2025, "Avtal och ekonomi", "Fokus på ekonomisk kontroll"))
    assert any(q.theme == "Avtal och ekonomi" for q in applicable_questions(reg, p, "KVAL", 2025))
    assert not any(q.theme == "Avtal och ekonomi" for q in applicable_questions(reg, p, "KVAL", 2026))


def test_group_by_theme_keeps_the_first_appearance_order() -> None:
    qs = [question_from_row(r) for r in default_questions()]
    mixed = [qs[10], qs[0], qs[11], qs[1]]
    assert [(t, [q.id for q in g]) for t, g in group_by_theme(mixed)] == [
        ("Klagomål och avvikelser", ["Q11", "Q12"]),
        ("Bemanning", ["Q01", "Q02"]),
    ]


# --- Requirements ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("krav", "answer", "kind", "deviates"),
    [
        ("Ja", "Ja", AnswerType.JA_NEJ, False),
        ("Ja", "Nej", AnswerType.JA_NEJ, True),
        ("Nej", "nej", AnswerType.JA_NEJ, False),
        (">= 1", "1", AnswerType.TAL, False),
        (">= 1", "0", AnswerType.TAL, True),
        ("> 0", "0", AnswerType.TAL, True),
        ("> 0", "0,5", AnswerType.TAL, False),
        ("<= 5", "5", AnswerType.TAL, False),
        ("<= 5", "5,1", AnswerType.TAL, True),
        ("< 3", "2", AnswerType.TAL, False),
        ("= 2", "2", AnswerType.TAL, False),
        (">= 90", "1 200", AnswerType.TAL, False),
        (">= 1", "många", AnswerType.TAL, True),
        ("Alla", "Alla", AnswerType.FLERVAL, False),
        ("Alla", "De flesta", AnswerType.FLERVAL, True),
        ("Alltid;Oftast", "Oftast", AnswerType.FLERVAL, False),
        (">= 2024-06-01", "2024-11-05", AnswerType.DATUM, False),
        (">= 2024-06-01", "2024-01-05", AnswerType.DATUM, True),
        ("", "Nej", AnswerType.JA_NEJ, False),
        ("Ja", "", AnswerType.JA_NEJ, False),
    ],
)
def test_evaluate(krav: str, answer: str, kind: AnswerType, deviates: bool) -> None:
    assert evaluate(krav, answer, kind) is deviates


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (3, AnswerType.TAL, "3"),
        (3.0, AnswerType.TAL, "3"),
        (2.5, AnswerType.TAL, "2,5"),
        (0.1 + 0.2, AnswerType.TAL, "0,3"),
        ("2.5", AnswerType.TAL, "2,5"),
        (dt.datetime(2024, 11, 5), AnswerType.DATUM, "2024-11-05"),
        (" ja ", AnswerType.JA_NEJ, "Ja"),
        (None, AnswerType.TEXT, ""),
        ("  Fritext ", AnswerType.TEXT, "Fritext"),
    ],
)
def test_answer_text_is_canonical(value: object, kind: AnswerType, text: str) -> None:
    assert survey.answer_text(value, kind) == text


# --- survey-out ------------------------------------------------------------------------


def test_survey_out_writes_one_file_per_due_provider_and_leaves_the_workbook(tmp_path: Path) -> None:
    reg = survey_register()
    out = survey_out(reg, "AVT", 2025, tmp_path, TODAY)
    assert [f.name for f in out.files] == [questionnaire_filename(p, "AVT", 2025) for p in ("U001", "U002", "U003")]
    assert all(f.is_file() for f in out.files)
    assert not out.changes
    assert out.lines[0] == f"3 enkäter för Avtalsuppföljning (AVT) 2025 skrevs till {tmp_path}."
    assert out.lines[1] == "2025_U001_Enkat_AVT.xlsx: Solrosens hemtjänst AB, 24 frågor, sista svarsdag 2025-02-07"


def test_survey_out_deadline_is_before_the_visit(tmp_path: Path) -> None:
    reg = survey_register(schedule=[schedule_row("U001|AVT|2025", planned=date(2025, 4, 10))])
    reg.types[0].material_days = 10
    out = survey_out(reg, "AVT", 2025, tmp_path, TODAY)
    assert out.lines[1].endswith("sista svarsdag 2025-03-31")  # 2025-03-31 is a Monday


def test_survey_out_without_a_key_refuses_and_never_writes(tmp_path: Path) -> None:
    reg = survey_register(key="")
    with pytest.raises(WorkbookInvalid) as info:
        survey_out(reg, "AVT", 2025, tmp_path, TODAY)
    (problem,) = info.value.problems
    assert problem.text.startswith('Fel: Inställningar: inställningen "Enkätnyckel" saknas; den signerar enkäterna. '
                                   "Lägg till raden Enkätnyckel med värdet ")
    assert not list(tmp_path.iterdir())


def test_survey_out_unknown_type(tmp_path: Path) -> None:
    reg = survey_register()
    reg.types = reg.types[:3]
    out = survey_out(reg, "XYZ", 2025, tmp_path, TODAY)
    assert out.lines == ['Fel: Uppföljningstyper: TypID "XYZ" finns inte (finns: AVT, KVAL, MAN)']
    assert not out.files


# --- Round trip --------------------------------------------------------------------------


@pytest.fixture()
def sent(tmp_path: Path) -> tuple[Register, dict[str, Path]]:
    reg = survey_register(schedule=[schedule_row(f"U00{i}|AVT|2025") for i in (1, 2, 3)])
    out = survey_out(reg, "AVT", 2025, tmp_path / "ut", TODAY)
    return reg, {f.name.split("_")[1]: f for f in out.files}


def test_round_trip_writes_exactly_the_answers_and_proposes_findings(sent: tuple[Register, dict[str, Path]]) -> None:
    reg, files = sent
    answers = compliant_answers(reg, "U001") | {"Q01": "Nej", "Q02": 45, "Q07": "De flesta", "Q12": 4}
    answer_file(files["U001"], answers)
    now = dt.datetime(2025, 2, 1, 9, 30)
    out = survey_in(reg, [files["U001"]], date(2025, 2, 1), now=now)

    (svar,) = out.changes.sheets
    assert svar.name == "Svar" and svar.tables[0].header == QUESTIONS_ANSWERS_HEADER
    rows = svar.tables[0].rows
    expected = {qid: survey.answer_text(v, next(q.answer_type for q in reg.questions if q.id == qid)) for qid, v in answers.items()}
    assert {r[3]: r[4] for r in rows} == expected
    assert len(rows) == len(answers)
    assert {tuple(r[:3]) for r in rows} == {("U001", "AVT", 2025)}
    assert {r[6] for r in rows} == {"2025_U001_Enkat_AVT.xlsx"} and {r[7] for r in rows} == {now}
    assert sorted(r[3] for r in rows if r[5] == "Ja") == ["Q01", "Q02", "Q07"]

    (append,) = out.changes.appends
    assert append.sheet == "Iakttagelser"
    found = {f["IakttagelseID"]: f for f in append.rows}
    assert sorted(found) == ["E-2025-U001-Q01", "E-2025-U001-Q02", "E-2025-U001-Q07"]
    q01 = found["E-2025-U001-Q01"]
    assert q01["Kategori"] == "Avvikelse" and q01["Område"] == "Bemanning" and q01["Nyckel"] == "U001|AVT|2025"
    assert q01["Sammanfattning för nämnd"] == "" and q01["Datum"] == date(2025, 2, 1)
    assert q01["Beskrivning"] == (
        'Förslag från enkät: fråga Q01 "Finns en bemanningsplan som täcker verksamhetens alla öppettider och '
        'dygnets timmar?" besvarades "Nej" men kravet är "Ja" (AVT 2025, 2025_U001_Enkat_AVT.xlsx). '
        "Bekräfta genom att skriva Ja i Bekräftad (och en sammanfattning), ändra kategori eller ta bort raden."
    )
    assert q01["Bekräftad"] == "Nej"  # a proposal counts nowhere until confirmed
    assert out.lines == [
        "Enkäter: 1 inlästa, 0 avvisade, 1 med nya eller ändrade svar.",
        "3 föreslagna iakttagelser (Avvikelse) lades till i Iakttagelser med Bekräftad Nej; "
        "skriv Ja i Bekräftad för att bekräfta, eller ta bort raden.",
        "Enkät Avtalsuppföljning (AVT) 2025: 1 av 3 utförare har svarat.",
        "  Har inte svarat: U002 Hemtjänst Norr, U003 Björkhagens boende",
        "  Svar att titta på (3):",
        '    U001 Q01: "Nej" (krav "Ja")',
        '    U001 Q02: "45" (krav "<= 30")',
        '    U001 Q07: "De flesta" (krav "Alla")',
    ]
    assert out.tables[0][2] == [
        ["U001", "Solrosens hemtjänst AB", "Ja", 3],
        ["U002", "Hemtjänst Norr", "Nej", 0],
        ["U003", "Björkhagens boende", "Nej", 0],
    ]

    # A second import of the same file changes nothing.
    again = survey_in(apply(reg, out), [files["U001"]], date(2025, 2, 2))
    assert not again.changes
    assert again.lines[:2] == [
        "Enkäter: 1 inlästa, 0 avvisade, 0 med nya eller ändrade svar.",
        "2025_U001_Enkat_AVT.xlsx: samma svar som redan är inlästa för U001; inget ändrat.",
    ]


QUESTIONS_ANSWERS_HEADER = ["UtförarID", "TypID", "År", "FrågeID", "Svar", "Avviker", "Fil", "Inläst"]


def test_a_newer_file_replaces_the_answers_and_says_so(sent: tuple[Register, dict[str, Path]], tmp_path: Path) -> None:
    reg, files = sent
    answer_file(files["U001"], compliant_answers(reg, "U001") | {"Q01": "Nej"})
    reg = apply(reg, survey_in(reg, [files["U001"]], TODAY))
    corrected = tmp_path / "U001_rättad.xlsx"
    corrected.write_bytes(files["U001"].read_bytes())
    answer_file(corrected, {"Q01": "Ja", "Q05": "Nej"})
    out = survey_in(reg, [corrected], TODAY)
    assert "U001: svaren från U001_rättad.xlsx ersätter de tidigare inlästa (2025_U001_Enkat_AVT.xlsx)." in out.lines
    rows = out.changes.sheets[0].tables[0].rows
    assert {r[3]: r[4] for r in rows}["Q01"] == "Ja"
    assert {r[6] for r in rows} == {"U001_rättad.xlsx"}
    # Only the new deviation is proposed; Q01's earlier proposal stays as the user has it.
    assert [f["IakttagelseID"] for f in out.changes.appends[0].rows] == ["E-2025-U001-Q05"]


def test_other_providers_answers_are_kept(sent: tuple[Register, dict[str, Path]]) -> None:
    reg, files = sent
    for pid in ("U001", "U002"):
        answer_file(files[pid], compliant_answers(reg, pid))
    reg = apply(reg, survey_in(reg, [files["U001"]], TODAY))
    out = survey_in(reg, [files["U002"]], TODAY)
    rows = out.changes.sheets[0].tables[0].rows
    assert sorted({r[0] for r in rows}) == ["U001", "U002"]
    assert not out.changes.appends
    assert "Enkät Avtalsuppföljning (AVT) 2025: 2 av 3 utförare har svarat." in out.lines


def test_a_proposal_already_in_iakttagelser_is_not_added_again(sent: tuple[Register, dict[str, Path]]) -> None:
    reg, files = sent
    reg.findings.append(Finding("E-2025-U001-Q01", date(2025, 1, 20), "U001", Category.ALLVARLIG, description="Min egen text"))
    answer_file(files["U001"], compliant_answers(reg, "U001") | {"Q01": "Nej", "Q05": "Nej"})
    out = survey_in(reg, [files["U001"]], TODAY)
    assert [f["IakttagelseID"] for f in out.changes.appends[0].rows] == ["E-2025-U001-Q05"]


def test_two_files_for_one_provider_in_a_batch_the_last_saved_wins(sent: tuple[Register, dict[str, Path]], tmp_path: Path) -> None:
    reg, files = sent
    answer_file(files["U001"], compliant_answers(reg, "U001"))
    later = tmp_path / "U001_ny.xlsx"
    later.write_bytes(files["U001"].read_bytes())
    wb = load_workbook(later)
    wb.properties.modified = dt.datetime(2030, 1, 1)
    wb["Enkät"][_cell_of(later, "Q01")] = "Nej"
    wb.save(later)
    out = survey_in(reg, [later, files["U001"]], TODAY)
    assert (
        "U001: 2025_U001_Enkat_AVT.xlsx och U001_ny.xlsx gäller samma enkät; den senast sparade, U001_ny.xlsx, läses in."
        in out.lines
    )
    assert {r[6] for r in out.changes.sheets[0].tables[0].rows} == {"U001_ny.xlsx"}


# --- Bad input ---------------------------------------------------------------------------


def _edit(path: Path, sheet: str, cell: str, value: object) -> None:
    wb = load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


def _cell_of(path: Path, qid: str, col: str = "D") -> str:
    ws = load_workbook(path)["Enkät"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == qid)
    return f"{col}{row}"


def _hidden_cell(path: Path, qid: str, col: str) -> str:
    ws = load_workbook(path)["Identitet"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == qid)
    return f"{col}{row}"


def test_bad_files_are_rejected_each_with_its_message_and_the_rest_imported(
    sent: tuple[Register, dict[str, Path]], tmp_path: Path
) -> None:
    reg, files = sent
    good = files["U001"]
    answer_file(good, compliant_answers(reg, "U001"))
    bad = tmp_path / "bad"
    bad.mkdir()

    def copy(name: str, src: Path = good) -> Path:
        target = bad / name
        target.write_bytes(src.read_bytes())
        return target

    # From another workbook: the same layout signed with another key.
    other = survey_register(key="f" * 32)
    foreign = survey_out(other, "AVT", 2025, tmp_path / "annan", TODAY).files[0]
    answer_file(foreign, compliant_answers(other, "U001"))
    copy("annan.xlsx", foreign)

    removed = copy("utan_identitet.xlsx")
    wb = load_workbook(removed)
    del wb["Identitet"]
    wb.save(removed)

    _edit(copy("ny_utforare.xlsx"), "Identitet", "B3", "U002")  # UtförarID
    _edit(copy("nytt_krav.xlsx"), "Identitet", _hidden_cell(good, "Q01", "F"), "Nej")  # the signed copy of Krav
    question_cell = _cell_of(good, "Q04", "B")
    _edit(copy("ny_fraga.xlsx"), "Enkät", question_cell, "Har någon i personalen utbildning?")

    (bad / "anteckning.xlsx").write_text("inte en arbetsbok", encoding="utf-8")

    half = copy("halv.xlsx", files["U002"])
    half_answers = compliant_answers(reg, "U002")
    for qid in ("Q03", "Q05"):
        half_answers.pop(qid)
    answer_file(half, half_answers)

    renamed = copy("nytt_bladnamn.xlsx")
    wb = load_workbook(renamed)
    wb["Enkät"].title = "Svar"
    wb.save(renamed)

    wrong = copy("fel_svar.xlsx")
    q01 = _cell_of(good, "Q01")
    _edit(wrong, "Enkät", q01, "Kanske")

    out = survey_in(reg, [good, bad], TODAY)
    q03, q05 = _cell_of(half, "Q03"), _cell_of(half, "Q05")
    assert out.lines[0] == "Enkäter: 1 inlästa, 9 avvisade, 1 med nya eller ändrade svar."
    assert out.lines[1:10] == [
        "Fel: annan.xlsx: enkäten kommer från en annan arbetsbok (den är signerad med en annan Enkätnyckel).",
        "Fel: anteckning.xlsx: filen är ingen Excel-arbetsbok (.xlsx) och kan inte läsas in.",
        f"Fel: fel_svar.xlsx: Enkät!{q01}: svaret på fråga Q01 går inte att läsa: \"Kanske\" är varken Ja eller Nej.",
        f"Fel: halv.xlsx: Enkät!{q03}: 2 obligatoriska frågor saknar svar: {q03} (Q03), {q05} (Q05). "
        "Be utföraren fylla i dem och skicka filen igen.",
        f'Fel: ny_fraga.xlsx: Enkät!{question_cell}: frågan Q04 har ändrats; den ska lyda "Har all omvårdnadspersonal '
        'den utbildning som avtalet eller uppdraget kräver?".',
        "Fel: ny_utforare.xlsx: enkätens dolda identitet (utförare, uppföljning, år) har ändrats; filen kan inte läsas in.",
        "Fel: nytt_bladnamn.xlsx: bladet Enkät saknas eller har bytt namn; använd filen som skickades ut.",
        "Fel: nytt_krav.xlsx: enkätens frågor har ändrats efter utskicket; filen kan inte läsas in.",
        "Fel: utan_identitet.xlsx: enkätens dolda identitet saknas, så svaren kan inte kopplas till en utförare. "
        "Använd filen som skickades ut.",
    ]
    assert [w.text for w in out.warnings] == out.lines[1:10]
    # Only the good file reaches Svar.
    assert {(r[0], r[6]) for r in out.changes.sheets[0].tables[0].rows} == {("U001", "2025_U001_Enkat_AVT.xlsx")}


def test_without_the_key_nothing_can_be_checked(sent: tuple[Register, dict[str, Path]]) -> None:
    reg, files = sent
    answer_file(files["U001"], compliant_answers(reg, "U001"))
    reg.settings.enkatnyckel = ""  # type: ignore[attr-defined]
    out = survey_in(reg, [files["U001"]], TODAY)
    assert out.lines[1] == (
        "Fel: 2025_U001_Enkat_AVT.xlsx: Inställningar saknar Enkätnyckel, så enkäten kan inte kontrolleras. "
        "Använd arbetsboken som enkäterna skickades ut från."
    )
    assert not out.changes


def test_a_typed_option_is_stored_as_the_question_spells_it(sent: tuple[Register, dict[str, Path]]) -> None:
    reg, files = sent
    answer_file(files["U001"], compliant_answers(reg, "U001") | {"Q07": "de flesta"})
    out = survey_in(reg, [files["U001"]], TODAY)
    assert {r[3]: r[4] for r in out.changes.sheets[0].tables[0].rows}["Q07"] == "De flesta"


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    out = survey_in(survey_register(), [tmp_path / "saknas.xlsx"], TODAY)
    assert out.lines[1] == "Fel: saknas.xlsx: filen finns inte."
    assert not out.changes


def test_survey_module_does_not_import_excel_libraries() -> None:
    import ast

    tree = ast.parse(Path(survey.__file__).read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = [a.name for n in top for a in n.names] + [n.module or "" for n in top if isinstance(n, ast.ImportFrom)]
    assert not any(m.startswith(("openpyxl", "xlwings", "uppf_xl.workbook.questionnaire")) for m in names)


# --- The demo workbook, end to end -------------------------------------------------------


def test_round_trip_on_the_demo_workbook(demo_book: Path, tmp_path: Path) -> None:
    from conftest import DEMO_TODAY
    from uppf_xl import open_workbook

    year = DEMO_TODAY.year
    wb = open_workbook(demo_book)
    reg = wb.register(DEMO_TODAY)
    out = survey_out(reg, "AVT", year, tmp_path / "enkater", DEMO_TODAY)
    assert not out.changes
    assert survey.survey_key(reg)
    first, second = out.files[:2]
    pid1, pid2 = first.name.split("_")[1], second.name.split("_")[1]
    given = {
        pid1: compliant_answers(reg, pid1, "AVT", year) | {"Q01": "Nej", "Q06": 0},
        pid2: compliant_answers(reg, pid2, "AVT", year),
    }
    answer_file(first, given[pid1])
    answer_file(second, given[pid2])

    result = survey_in(reg, [first, second], DEMO_TODAY)
    assert result.lines[0] == "Enkäter: 2 inlästa, 0 avvisade, 2 med nya eller ändrade svar."
    open_workbook(demo_book).apply(result.changes, "survey-in", result.log)

    reg = open_workbook(demo_book).register(DEMO_TODAY)
    kinds = {q.id: q.answer_type for q in reg.questions}
    assert sorted((a.provider_id, a.question_id, a.value) for a in reg.answers) == sorted(
        (pid, qid, survey.answer_text(v, kinds[qid])) for pid, answers in given.items() for qid, v in answers.items()
    )
    assert all(a.type_id == "AVT" and a.year == year for a in reg.answers)
    proposed = sorted(f.id for f in reg.findings if f.description.startswith("Förslag från enkät:"))
    assert proposed == [f"E-{year}-{pid1}-Q01", f"E-{year}-{pid1}-Q06"]
    assert all(f.category is Category.AVVIKELSE and not f.summary for f in reg.findings if f.id in proposed)

    again = survey_in(reg, [first, second], DEMO_TODAY)
    assert not again.changes

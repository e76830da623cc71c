"""The public-insight guard: personnummer, samordningsnummer and known names in public texts."""

from __future__ import annotations

import zipfile
from dataclasses import replace
from datetime import date

import pytest

from test_report import T1_TODAY, VON, make_register
from uppf_xl.errors import PersonalDataFound
from uppf_xl.guard import (
    NAME,
    PERSONNUMMER,
    SAMORDNINGSNUMMER,
    GuardItem,
    mask,
    person_names,
    scan,
    scan_texts,
    suppress,
)
from uppf_xl.model import Finding
from uppf_xl.documents.report import write_reports
from uppf_xl.vocab import Category

# (as written, kind, masked form) -- every one has a valid check digit and a real date.
VALID = [
    ("19121212-1212", PERSONNUMMER, "19XXXXXX-XXXX"),
    ("121212-1212", PERSONNUMMER, "XXXXXX-XXXX"),
    ("1212121212", PERSONNUMMER, "XXXXXXXXXX"),
    ("191212121212", PERSONNUMMER, "19XXXXXXXXXX"),
    ("811218+9876", PERSONNUMMER, "XXXXXX+XXXX"),
    ("19811218+9876", PERSONNUMMER, "19XXXXXX+XXXX"),
    ("811218 9876", PERSONNUMMER, "XXXXXX XXXX"),
    ("20000101 0107", PERSONNUMMER, "20XXXXXX XXXX"),
    ("000101–0107", PERSONNUMMER, "XXXXXX–XXXX"),  # an en dash, as Word writes it
    ("701063-2391", SAMORDNINGSNUMMER, "XXXXXX-XXXX"),
    ("7010632391", SAMORDNINGSNUMMER, "XXXXXXXXXX"),
    ("19640883-3231", SAMORDNINGSNUMMER, "19XXXXXX-XXXX"),
    ("196408833231", SAMORDNINGSNUMMER, "19XXXXXXXXXX"),
]
# Wrong check digit, impossible date, or not a personnummer at all: never reported.
INVALID = [
    "121212-1213",
    "19811218-9877",
    "640883-3232",
    "990231-1234",
    "556016-0680",  # organisationsnummer
    "0701234567",  # a mobile number
    "2025-03-14",
    "98765432109876",  # 14 digits: part of something longer
]


@pytest.mark.parametrize(("number", "kind", "masked"), VALID)
def test_every_valid_form_is_found_and_masked(number, kind, masked):
    text = f"Brukaren med nr {number} föll."
    hits = scan([GuardItem("Iakttagelser", "H7", text)], [])
    assert [(h.kind, h.excerpt) for h in hits] == [(kind, f"Brukaren med nr {masked} föll.")]
    assert mask(text, hits) == f"Brukaren med nr {masked} föll."


@pytest.mark.parametrize("number", INVALID)
def test_invalid_numbers_are_not_reported(number):
    assert scan([GuardItem("Iakttagelser", "H7", f"Se {number} i underlaget.")], []) == []


def test_hit_message_names_sheet_cell_and_masked_excerpt():
    text = "Under besöket framkom att brukaren 19121212-1212 inte hade fått sin medicin enligt ordination."
    (hit,) = scan([GuardItem("Iakttagelser", "H7", text)], [])
    assert hit.text == (
        'Fel: Iakttagelser!H7: personnummer i texten ("...framkom att brukaren 19XXXXXX-XXXX inte hade fått '
        'sin...") – rätta texten i arbetsboken eller kör med --mask'
    )
    assert "1212" not in repr(hit)


def test_names_from_verksamhetschef_are_found_whole_words_only():
    names = ["Karin Lindqvist", "Vakant"]
    hits = scan(
        [
            GuardItem("Iakttagelser", "H2", "Enligt karin  LINDQVIST saknades rutin."),
            GuardItem("Iakttagelser", "H3", "Lindqvist och Karin nämns var för sig; Karin Lindqvistsson är någon annan."),
            GuardItem("Iakttagelser", "H4", "Tjänsten är vakant."),
        ],
        names,
    )
    assert [(h.cell, h.kind, h.excerpt) for h in hits] == [("H2", NAME, "Enligt [namn] saknades rutin.")]


def test_person_names_are_the_verksamhetschefer():
    assert person_names(make_register()) == ["Karin Lindqvist"]


def test_scan_texts_stops_or_masks():
    items = [("Iakttagelser", "H2", "Ok text."), ("Iakttagelser", "H3", "Pnr 121212-1212.")]
    with pytest.raises(PersonalDataFound) as exc:
        scan_texts(items, [])
    assert exc.value.exit_code == 1
    assert exc.value.message == "Personuppgifter i 1 text som skulle bli offentlig handling; inget har skrivits."
    assert [p.text for p in exc.value.problems] == [
        'Fel: Iakttagelser!H3: personnummer i texten ("Pnr XXXXXX-XXXX.") – rätta texten i arbetsboken eller kör med --mask'
    ]
    assert scan_texts(items, [], masked=True) == ["Ok text.", "Pnr XXXXXX-XXXX."]


def test_suppress_small_counts():
    assert [suppress(n, 3) for n in (0, 1, 2, 3, 10)] == ["0", "<3", "<3", "3", "10"]
    assert suppress(4, 5) == "<5"


# ---------------------------------------------------------------- through the report
def _register_with_personal_data():
    """The report fixture with every variant hidden in a public text of the T1 report."""
    reg = make_register()
    row = 20
    for i, (number, _, _) in enumerate(VALID + [(n, "", "") for n in INVALID]):
        reg.findings.append(
            Finding(f"G{i:02d}", date(2025, 3, 1), "U05", Category.GOTT_EXEMPEL, area="Övrigt",
                    description="internt", summary=f"Gott exempel nr {i}: se {number} för detaljer.", row=row + i)
        )  # fmt: skip
    reg.findings[3] = replace(reg.findings[3], summary="Karin Lindqvist visade inte brandrutinen.")
    return reg


def test_report_stops_on_personal_data_and_writes_nothing(tmp_path):
    reg = _register_with_personal_data()
    out = tmp_path / "ut"
    with pytest.raises(PersonalDataFound) as exc:
        write_reports(reg, reg.schedule, 2025, "T1", VON, out / "rapport.docx", T1_TODAY, False, False)
    problems = exc.value.problems
    cells = [(p.sheet, p.cell) for p in problems]
    assert sorted(cells) == sorted([("Iakttagelser", "H5")] + [("Iakttagelser", f"H{20 + i}") for i in range(len(VALID))])
    assert problems[0].text.startswith("Fel: Iakttagelser!H5: namn på en person i texten (\"[namn] visade inte")
    assert not out.exists()


def test_report_with_mask_writes_masked_numbers_only(tmp_path):
    reg = _register_with_personal_data()
    result = write_reports(reg, reg.schedule, 2025, "T1", VON, tmp_path / "rapport.docx", T1_TODAY, False, True)
    assert len(result.hits) == len(VALID) + 1
    xml = ""
    for path in result.files:
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as zf:
                xml += "".join(zf.read(n).decode("utf-8") for n in zf.namelist() if n.endswith(".xml"))
    for number, _, masked in VALID:
        assert number not in xml and number.replace("-", "").replace(" ", "") not in xml
        assert masked in xml
    for number in INVALID:
        assert number in xml
    assert "Karin Lindqvist" not in xml and "[namn] visade inte brandrutinen." in xml
    assert any(line.startswith("Maskerade personuppgifter i 14 texter: Iakttagelser!H20") for line in result.lines)


def test_report_lists_internal_descriptions_nowhere(tmp_path):
    reg = make_register()
    result = write_reports(reg, reg.schedule, 2025, "T1", VON, tmp_path / "r.docx", T1_TODAY, False, False)
    assert all(i.sheet != "Händelser" and "Anna Berg" not in i.text for r in result.reports for i in r.texts)
    assert [i.sheet for i in result.reports[0].texts if i.sheet == "Årshjul"] == ["Årshjul"]


def test_personnummer_in_a_provider_name_is_found_with_its_cell(tmp_path):
    reg = make_register()
    u05 = next(p for p in reg.providers if p.id == "U05")
    u05.name, u05.row = "Enskild firma 121212-1212", 6
    with pytest.raises(PersonalDataFound) as exc:
        write_reports(reg, reg.schedule, 2025, "T1", VON, tmp_path / "r.docx", T1_TODAY, False, False)
    assert [p.text for p in exc.value.problems] == [
        'Fel: Utförare!B6: personnummer i texten ("Enskild firma XXXXXX-XXXX") – rätta texten i arbetsboken eller kör med --mask'
    ]
    result = write_reports(reg, reg.schedule, 2025, "T1", VON, tmp_path / "r.docx", T1_TODAY, False, True)
    assert result.reports[0].examples[0].provider == "Enskild firma XXXXXX-XXXX"


def test_a_signature_in_hex_is_no_personnummer() -> None:
    """A questionnaire's HMAC can hold ten digits in a row; a long hex token is never a personnummer."""
    from uppf_xl import guard

    signature = "2d9a6611aafb" + "1912121212" + "ab" * 21
    assert guard.find(signature) == []
    assert [k for k, *_ in guard.find(f"Brukare 19121212-1212, signatur {signature}")] == ["personnummer"]

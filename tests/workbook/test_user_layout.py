"""The Årshjul layout a user made (hidden rows, formatted cells) is read the same by the byte
scan and by the row-by-row parse, and odd markup falls back to the parse."""

from __future__ import annotations

import pytest

from uppf_xl.workbook.ooxml.parts import MAIN_NS
from uppf_xl.workbook.ooxml.user import _parsed_rows, _scanned_rows, _user_layout

SST = ["Nyckel", "Utförare", "Planerat datum", "Kommentar", "2026-U001-Tillsyn"]
# Planerat datum gets style 3 from the tool, Kommentar 4 or 5; anything else is the user's.
USER_HEADERS = {"Planerat datum": {"3"}, "Kommentar": {"4", "5"}}
HEADER = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" t="s" s="9"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>'
)


def _sheet(rows: str, root: str = f'<worksheet xmlns="{MAIN_NS}">', data: str = "sheetData") -> bytes:
    prefix = root[1 : root.index("worksheet")]
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    return (f"{head}{root}<{prefix}{data}>{rows}</{prefix}{data}></{prefix}worksheet>").encode()


def _inline(ref: str, text: str, style: str = "") -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{s}><is><t>{text}</t></is></c>'


ROWS = HEADER + "".join(
    [
        # Row 2: plain, tool styles only.
        f'<row r="2">{_inline("A2", "2026-U002-Tillsyn")}<c r="C2" s="3"><v>46100</v></c>'
        f'<c r="D2" s="4"/></row>',
        # Row 3: hidden, key from the shared strings, the user coloured the date.
        '<row r="3" spans="1:4" hidden="1"><c r="A3" t="s"><v>4</v></c><c r="C3" s="12"><v>46101</v></c></row>',
        # Row 4: hidden written as true, an entity in the key, a user style on an empty comment.
        f'<row r="4" hidden="true" customHeight="1">{_inline("A4", "2026-U&amp;3-Tillsyn")}'
        '<c r="B4" s="17"/><c r="D4" s="14"/></row>',
        # Row 5: the key as rich text; the user styled both owned cells.
        '<row r="5"><c r="A5" t="inlineStr"><is><r><t>2026-U005</t></r><r><t>-Tillsyn</t></r></is></c>'
        '<c r="C5" s="13"><v>46102</v></c><c r="D5" s="15" t="inlineStr"><is><t>Ring först</t></is></c></row>',
        # Row 6: no key, so its marks belong to no row.
        '<row r="6" hidden="1"><c r="C6" s="12"/></row>',
        # Row 7: the same key as row 3, styled again (the later row wins, as in the parse).
        f'<row r="7">{_inline("A7", "2026-U001-Tillsyn")}<c r="C7" s="18"/><c r="D7" s="16"/></row>',
        # Row 8: a self-closing key cell (empty key) beside a user style.
        '<row r="8"><c r="A8" s="2"/><c r="C8" s="12"/></row>',
        # Row 9: a key cell written as a formula's cached text.
        '<row r="9"><c r="A9" t="str"><f>"2026-U009"&amp;"-Tillsyn"</f><v>2026-U009-Tillsyn</v></c>'
        '<c r="D9" s="5"/><c r="C9" s="3"/></row>',
        '<row r="10" hidden="1"><c r="A10" t="str"><f>A9</f><v>2026-U009-Tillsyn</v></c></row>',
    ]
)

EXPECTED = (
    {"2026-U001-Tillsyn", "2026-U&3-Tillsyn", "2026-U009-Tillsyn"},
    {
        "2026-U001-Tillsyn": {"Planerat datum": "18", "Kommentar": "16"},
        "2026-U&3-Tillsyn": {"Kommentar": "14"},
        "2026-U005-Tillsyn": {"Planerat datum": "13", "Kommentar": "15"},
    },
)


def test_the_scan_finds_what_the_parse_finds() -> None:
    xml = _sheet(ROWS)
    assert _parsed_rows(xml, SST, USER_HEADERS) == EXPECTED
    assert _scanned_rows(xml, SST, USER_HEADERS) == EXPECTED
    layout = _user_layout(xml, SST, USER_HEADERS)
    assert (layout.hidden, layout.styles) == EXPECTED


def test_a_sheet_without_a_key_column_has_no_marks() -> None:
    xml = _sheet(ROWS.replace('<c r="A1" t="s"><v>0</v></c>', ""))
    assert _scanned_rows(xml, SST, USER_HEADERS) == _parsed_rows(xml, SST, USER_HEADERS) == (set(), {})


# Prefixed elements, as some generators write them.
PREFIXED = _sheet(
    ROWS.replace("<row", "<x:row").replace("</row>", "</x:row>").replace("<c ", "<x:c ").replace("</c>", "</x:c>")
    .replace("<v>", "<x:v>").replace("</v>", "</x:v>").replace("<is>", "<x:is>").replace("</is>", "</x:is>")
    .replace("<t>", "<x:t>").replace("</t>", "</x:t>").replace("<r>", "<x:r>").replace("</r>", "</x:r>")
    .replace("<f>", "<x:f>").replace("</f>", "</x:f>"),
    root=f'<x:worksheet xmlns:x="{MAIN_NS}">',
)


@pytest.mark.parametrize(
    "xml",
    [
        PREFIXED,
        # A cell without its reference, a row whose r is not first, an empty first row.
        _sheet(ROWS.replace('<c r="D7"', "<c")),
        _sheet(ROWS.replace('<row r="5">', '<row spans="1:4" r="5">')),
        _sheet('<row r="1"/>' + ROWS.replace('r="1"', 'r="0"', 1)),
    ],
    ids=["prefixed", "cell-without-r", "row-r-not-first", "empty-first-row"],
)
def test_odd_markup_is_left_to_the_parse(xml: bytes) -> None:
    assert _scanned_rows(xml, SST, USER_HEADERS) is None
    layout = _user_layout(xml, SST, USER_HEADERS)
    assert (layout.hidden, layout.styles) == _parsed_rows(xml, SST, USER_HEADERS)
    assert layout.styles  # the parse still finds the user's formatting


def test_the_prefixed_sheet_still_gives_the_users_layout() -> None:
    layout = _user_layout(PREFIXED, SST, USER_HEADERS)
    assert (layout.hidden, layout.styles) == EXPECTED

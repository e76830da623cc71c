"""The tool's charts: a chartSpace over the columns of one table."""

from __future__ import annotations

from openpyxl.utils.cell import get_column_letter

from uppf_xl.workbook.content import ChartSpec, TableBlock
from uppf_xl.workbook.ooxml.parts import A_NS, C_NS, R_NS, _text
from uppf_xl.workbook.ooxml.cells import _escape, _kind, _number, _quote_sheet


# ---------------------------------------------------------------------------------------------
# Charts


def _chart_xml(spec: ChartSpec, sheet: str, block: TableBlock) -> bytes:
    """A chartSpace over the columns of one table, with cached values so any reader shows it."""
    if spec.categories not in block.header:
        raise ValueError(f"chart {spec.title!r}: no column {spec.categories!r} in table {block.name}")
    first, last = block.row + 1, block.row + max(len(block.rows), 1)
    q = _quote_sheet(sheet)

    def col_of(header: str) -> int:
        if header not in block.header:
            raise ValueError(f"chart {spec.title!r}: no column {header!r} in table {block.name}")
        return block.header.index(header)

    cat_i = col_of(spec.categories)
    cat_letter = get_column_letter(block.col + cat_i)
    cats = [_text("" if row[cat_i] is None else str(row[cat_i])) for row in block.rows]
    cat_cache = "".join(f'<c:pt idx="{i}"><c:v>{_escape(v)}</c:v></c:pt>' for i, v in enumerate(cats))
    cat_xml = (
        f"<c:cat><c:strRef><c:f>{_escape(q)}!${cat_letter}${first}:${cat_letter}${last}</c:f>"
        f'<c:strCache><c:ptCount val="{len(cats)}"/>{cat_cache}</c:strCache></c:strRef></c:cat>'
    )
    values = [float(v) for h in spec.series for row in block.rows
              if isinstance(v := row[col_of(h)], (int, float)) and not isinstance(v, bool)]
    # Counts up to ten get whole-number steps; Excel's automatic 0.5 steps make no sense for them.
    small_counts = bool(values) and all(v.is_integer() for v in values) and max(values) <= 10
    major_unit = '<c:majorUnit val="1"/>' if small_counts else ""
    series = []
    for idx, header in enumerate(spec.series):
        i = col_of(header)
        letter = get_column_letter(block.col + i)
        pts = []
        for n, row in enumerate(block.rows):
            value = row[i] if i < len(row) else None
            if _kind(value) == "number":
                pts.append(f'<c:pt idx="{n}"><c:v>{_number(value)}</c:v></c:pt>')  # type: ignore[arg-type]
        tx = (
            f"<c:tx><c:strRef><c:f>{_escape(q)}!${letter}${block.row}</c:f><c:strCache><c:ptCount val=\"1\"/>"
            f'<c:pt idx="0"><c:v>{_escape(_text(header))}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
        )
        val = (
            f"<c:val><c:numRef><c:f>{_escape(q)}!${letter}${first}:${letter}${last}</c:f>"
            f'<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{len(block.rows)}"/>{"".join(pts)}</c:numCache></c:numRef></c:val>'
        )
        extra = '<c:invertIfNegative val="0"/>' if spec.kind in ("col", "bar") else ""
        if spec.kind == "line":
            extra = '<c:marker><c:symbol val="circle"/></c:marker>'
        tail = '<c:smooth val="0"/>' if spec.kind == "line" else ""
        series.append(f'<c:ser><c:idx val="{idx}"/><c:order val="{idx}"/>{tx}{extra}{cat_xml}{val}{tail}</c:ser>')
    title = (
        "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"1300\" b=\"1\"/></a:pPr>"
        f'<a:r><a:rPr lang="sv-SE" sz="1300" b="1"/><a:t>{_escape(_text(spec.title))}</a:t></a:r></a:p></c:rich></c:tx>'
        '<c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
    )
    if spec.kind == "pie":
        plot = f'<c:pieChart><c:varyColors val="1"/>{"".join(series)}<c:firstSliceAng val="0"/></c:pieChart>'
    else:
        if spec.kind == "line":
            chart = f'<c:lineChart><c:grouping val="standard"/><c:varyColors val="0"/>{"".join(series)}<c:marker val="1"/>'
            cat_pos, val_pos = "b", "l"
        else:
            bar_dir = "bar" if spec.kind == "bar" else "col"
            chart = f'<c:barChart><c:barDir val="{bar_dir}"/><c:grouping val="clustered"/><c:varyColors val="0"/>{"".join(series)}<c:gapWidth val="150"/>'
            cat_pos, val_pos = ("l", "b") if spec.kind == "bar" else ("b", "l")
        end = "</c:lineChart>" if spec.kind == "line" else "</c:barChart>"
        y_title = ""
        if spec.y_title:
            y_title = (
                "<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>"
                f'{_escape(_text(spec.y_title))}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
            )
        plot = (
            f'{chart}<c:axId val="500000001"/><c:axId val="500000002"/>{end}'
            '<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{cat_pos}"/><c:numFmt formatCode="General" sourceLinked="1"/><c:majorTickMark val="out"/>'
            '<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000002"/><c:crosses val="autoZero"/>'
            '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/><c:noMultiLvlLbl val="0"/></c:catAx>'
            '<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
            f'<c:axPos val="{val_pos}"/><c:majorGridlines/>{y_title}<c:numFmt formatCode="General" sourceLinked="1"/>'
            '<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/><c:crossAx val="500000001"/>'
            f'<c:crosses val="autoZero"/><c:crossBetween val="between"/>{major_unit}</c:valAx>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{R_NS}"><c:roundedCorners val="0"/>'
        f'<c:chart>{title}<c:plotArea><c:layout/>{plot}</c:plotArea>'
        '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/>'
        "</c:chart></c:chartSpace>"
    ).encode("utf-8")

"""The case report as a .docx (and tagged PDF/A): `uppf_xl.case_report` builds the case.

Example:
    >>> result = write_case_report(register, "I-2025-013", Path("Utskick"), date(2025, 11, 22))  # doctest: +SKIP
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document

from uppf_xl import guard, render
from uppf_xl.case_report import TEMPLATE, CaseResult, build_case, case_file_name, context
from uppf_xl.contract import CellLocator, default_cell
from uppf_xl.model import Register


def write_case_report(register: Register, finding_id: str, out: Path, today: date, pdf: bool = False, *,
                      locate: CellLocator = default_cell) -> CaseResult:
    """Write the case report to `out` (a .docx, or a folder); PDF/A beside it with `pdf`.

    Raises PersonalDataFound (nothing written) when the guard finds personal data.
    """
    case = build_case(register, finding_id, today, locate=locate)
    guard.raise_if_found(guard.scan(case.texts[:-1], guard.person_names(register)) + guard.scan(case.texts[-1:], []))
    ctx = context(case, register)
    _last_pass(ctx)
    data = render.render_bytes(TEMPLATE, ctx, register.settings)
    target = out if out.suffix.lower() == ".docx" and not out.is_dir() else out / case_file_name(case)
    doc = Document(io.BytesIO(data))
    props = doc.core_properties
    props.title, props.subject, props.language = case.title, "Ärende till nämnd", "sv-SE"
    props.author, props.keywords = register.settings.avsandare, f"ärenderapport; {case.finding.id}"
    buffer = io.BytesIO()
    doc.save(buffer)
    render.write_all([(target, buffer.getvalue())])
    result = CaseResult(case, target, [target], [f"Ärenderapport om {case.finding.id} ({case.provider}, "
                                                 f"{case.provider_id}) till {case.namnd}: {target}"])  # fmt: skip
    if pdf:
        from uppf_xl.pdf import tagged_pdfa_beside

        pdfs, result.pdf_error = tagged_pdfa_beside(target)
        if pdfs:
            result.files.extend(pdfs)
            result.lines.append(f"PDF/A (taggad): {', '.join(p.name for p in pdfs)}")
    return result


def _last_pass(ctx: Any) -> None:
    """Personnummer in anything the document shows (built text included) stops the output."""
    strings: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and v:
            strings.append(v)

    walk(ctx)
    guard.raise_if_found(guard.scan([guard.GuardItem("Ärenderapport", "", t) for t in strings], []))


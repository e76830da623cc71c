"""The domain knows nothing of Excel or of file formats.

Its modules load without openpyxl, xlwings, calamine, lxml or the .docx libraries, and none of
them imports the layers that read and write files, not even inside a function: a domain module
computes, and `uppf_xl.documents`, `uppf_xl.workbook` and the report writers write.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

DOMAIN = ["model", "contract", "dates", "period", "statuses", "schedule", "schedule_sheet", "findings", "dashboard",
          "dashboard_sheet", "letters", "report", "guard", "survey", "outcome", "errors", "vocab",
          "card", "case_report", "publish", "survey_returns", "placing", "report_model",
          "annual", "effect", "filenames", "finding_board", "meetings", "names", "risk", "senders", "wheel", "wording",
          "defaults", "insyn", "monthly", "kolada", "demo_data"]
FILE_LIBRARIES = ("openpyxl", "xlwings", "python_calamine", "lxml", "docx", "docxtpl")
# The layers that read and write files; workbook.content is the neutral description of a change.
FILE_LAYERS = ("uppf_xl.workbook", "uppf_xl.documents", "uppf_xl.render", "uppf_xl.pdf", "uppf_xl.outputs",
               "uppf_xl.validate", "uppf_xl.excel", "uppf_xl.macrobook")
NEUTRAL = {"uppf_xl.workbook.content"}
SRC = Path(__file__).parents[1] / "src"
MODULES = {".".join(f.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): f
           for f in (SRC / "uppf_xl").rglob("*.py")}


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_module_imports_no_file_library(module: str) -> None:
    code = (f"import sys, uppf_xl.{module}; "
            f"bad = sorted(m for m in {FILE_LIBRARIES!r} if m in sys.modules); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"uppf_xl.{module} drar in {out}"


def imports(module: str) -> list[tuple[int, str]]:
    """(line, module) for every import in `module`, inside functions too (TYPE_CHECKING blocks left out)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                found.extend((child.lineno, f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
                             for a in child.names)
            walk(child)

    walk(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_imports_are_found_inside_functions_and_relative_ones_resolved() -> None:
    found = {name for _, name in imports("uppf_xl.workbook")}
    assert "uppf_xl.workbook.file" in found  # imported inside open_workbook
    assert "uppf_xl.errors" in found


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_module_reaches_no_file_layer_even_inside_a_function(module: str) -> None:
    bad = [f"rad {line}: {name}" for line, name in imports(f"uppf_xl.{module}")
           if name.split(".")[0] in FILE_LIBRARIES
           or (name.startswith(FILE_LAYERS) and name not in NEUTRAL)]
    assert bad == [], f"uppf_xl.{module} importerar {bad}"

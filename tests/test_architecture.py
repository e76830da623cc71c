"""The domain knows nothing of Excel: its modules load without openpyxl or xlwings."""

from __future__ import annotations

import subprocess
import sys

import pytest

DOMAIN = ["model", "contract", "dates", "schedule", "schedule_sheet", "findings", "dashboard", "dashboard_sheet",
          "letters", "report", "guard", "survey", "ical", "mail", "outcome", "errors", "vocab"]


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_module_imports_no_excel_library(module: str) -> None:
    code = (f"import sys, uppf_xl.{module}; "
            "bad = sorted(m for m in ('openpyxl', 'xlwings', 'python_calamine') if m in sys.modules); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]", f"uppf_xl.{module} drar in {out}"

"""uppf-xl: the yearly follow-up of care providers, run from one Excel workbook.

Example:
    >>> from uppf_xl import open_workbook      # doctest: +SKIP
    >>> wb = open_workbook("uppfoljning.xlsx")  # doctest: +SKIP
    >>> register = wb.register()                # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from uppf_xl.workbook import Workbook, open_workbook  # noqa: E402

__all__ = ["Workbook", "open_workbook", "__version__"]

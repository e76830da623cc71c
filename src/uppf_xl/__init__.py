"""uppf-xl: the yearly follow-up of care providers, run from one Excel workbook.

Example:
    >>> from uppf_xl import open_workbook      # doctest: +SKIP
    >>> wb = open_workbook("uppfoljning.xlsx")  # doctest: +SKIP
    >>> register = wb.register()                # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from uppf_xl.workbook import Workbook, open_workbook

__all__ = ["Workbook", "open_workbook", "__version__"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so the domain modules load without any Excel library.
    if name in ("Workbook", "open_workbook"):
        from uppf_xl import workbook

        return getattr(workbook, name)
    raise AttributeError(name)

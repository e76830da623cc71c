"""Safe file names built from workbook values (IDs, nämnd names).

A name part keeps letters, digits and ordinary punctuation; characters Windows forbids
(<>:"/\\|?*), control characters and invisible format characters (the right-to-left
override that makes "U005\u202excod.exe" read as "U005exe.docx", zero-width spaces) become
"-" or disappear; a part is capped in length, so an ID of 300 characters cannot make a name
the file system refuses; and a part that Windows reserves for a device (CON, NUL, COM1, ...)
gets a trailing "_".

Example:
    >>> safe_part("U005\u202excod.exe")
    'U005xcod.exe'
    >>> safe_part("CON")
    'CON_'
"""

from __future__ import annotations

import re
import unicodedata

MAX_PART = 40  # characters of one part; a whole letter name stays far below 255 bytes
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"COM{i}" for i in range(10)]
    + [f"LPT{i}" for i in range(10)]
    + ["COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"]
)
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')


def safe_part(text: str, max_len: int = MAX_PART) -> str:
    """A piece of a file name that every file system accepts and that shows what it is."""
    kept = []
    for ch in unicodedata.normalize("NFC", str(text)):
        category = unicodedata.category(ch)
        if category in ("Cf", "Co", "Cs", "Cn"):
            continue  # invisible format characters (bidi overrides, zero-width) and unassigned
        if category == "Cc" or category in ("Zl", "Zp") or ch.isspace():
            kept.append("-")
        else:
            kept.append(ch)
    cleaned = _FORBIDDEN.sub("-", "".join(kept))
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip(". -")
    if len(cleaned) > max_len:
        cleaned = cleaned[:max_len].rstrip(". -")
    if not cleaned:
        return "-"
    if cleaned.split(".")[0].upper() in WINDOWS_RESERVED:
        cleaned = f"{cleaned}_"
    return cleaned

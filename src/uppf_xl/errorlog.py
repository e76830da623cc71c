"""Where an unexpected error's traceback goes, so the user sees a Swedish sentence and support gets the details."""

from __future__ import annotations

import datetime as dt
import os
import traceback
from pathlib import Path

LOG_NAME = "uppf-xl-fel.log"


def log_dir() -> Path:
    """UPPF_XL_LOG_DIR, else %LOCALAPPDATA%\\uppf-xl (Windows), else ~/.uppf-xl."""
    configured = os.environ.get("UPPF_XL_LOG_DIR")
    if configured:
        return Path(configured)
    local = os.environ.get("LOCALAPPDATA")
    return Path(local) / "uppf-xl" if local else Path.home() / ".uppf-xl"


def write_error_log(exc: BaseException, context: str) -> Path:
    """Append `exc`'s traceback under a stamped heading naming `context`; return the file's path."""
    path = log_dir() / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {context}\n")
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        pass  # the message still names the place; nothing better can be done here
    return path

"""Step deadlines in working days, through the working-day calendar service (kehu.workdays)."""

from __future__ import annotations

import importlib
import logging
from datetime import datetime

logger = logging.getLogger(__name__)


def _calendar():
    """kehu.workdays' calendar module, imported lazily so this app loads even while it is being built."""
    for name in ("kehu.workdays.calendar", "kehu.workdays"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "working_deadline"):
            return module
    return None


def step_due_at(start: datetime, working_days: int | None) -> datetime | None:
    """The due moment `working_days` working days after `start`, or None when the pack sets no deadline.

    A year the calendar does not know is not guessed (DESIGN §2): the step gets no due date and the
    administrator is warned in the log; the calendar page shows the missing year.
    """
    if working_days is None:
        return None
    module = _calendar()
    if module is None:
        logger.warning("working-day calendar unavailable: step deadline left open")
        return None
    missing = getattr(module, "CalendarYearMissing", None)
    try:
        return module.working_deadline(start=start, amount=working_days, counting="whole_days")
    except Exception as exc:
        if missing is not None and isinstance(exc, missing):
            logger.warning("approval step deadline left open: %s", exc)
            return None
        raise

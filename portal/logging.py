"""Logging set-up: a filter that masks anything shaped like a personnummer, whatever a caller logs."""

from __future__ import annotations

import logging

from portal.accounts.personnummer import mask


class MaskPersonalNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, MaskPersonalNumbers) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(MaskPersonalNumbers())
        root.addHandler(handler)
    root.setLevel(level)
    # Alembic announces every plugin it loads at INFO; that is noise in the portal's log.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO; the BankID client logs what matters itself.
    logging.getLogger("httpx").setLevel(logging.WARNING)

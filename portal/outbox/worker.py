"""`portal worker`: delivers outbox items until stopped. Several may run against PostgreSQL."""

from __future__ import annotations

import logging
import signal
import time

from flask import Flask

from portal.db import all_municipalities, get_session
from portal.outbox.services import deliver_due

log = logging.getLogger(__name__)


def run(app: Flask, *, interval: float = 1.0, once: bool = False) -> None:
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("outbox worker started")
    while not stopping:
        # The outbox holds every municipality's items: an explicit opt-out of the one-municipality scope.
        with app.app_context(), all_municipalities():
            try:
                delivered = deliver_due(app, get_session())
            except Exception:
                # A database hiccup must not end the worker; the items stay due and are tried again.
                log.exception("outbox worker round failed")
                delivered = 0
        if once:
            return
        if not delivered:
            time.sleep(interval)
    log.info("outbox worker stopped")

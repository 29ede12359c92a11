"""The simulator's orders: in memory, one lock, the RP API v6.0 state machine.

pending (outstandingTransaction) → pending (started, userSign, ...) → complete
                                 ↘ failed (userCancel, cancelled, expiredTransaction, startFailed, ...)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from portal.accounts.personnummer import InvalidPersonnummer, parse
from portal.bankid_simulator.completion import completion_data
from portal.bankid_simulator.orders import (
    ORDER_KINDS,
    ControlError,
    RpError,
    SimOrder,
    order_ref_of,
    validate_order_request,
)
from portal.demo.identities import DemoIdentity

# Hint codes are camelCase words; anything else in a control call is a typo in a test.
_HINT_CODE_RE = re.compile(r"[A-Za-z]{1,40}")

# How long finished orders stay listed on the tester page (and collectable once).
_FINISHED_RETENTION = 600.0
# How far the time in a scanned QR code may be from the order's age (clock skew, polling delay).
_QR_TIME_TOLERANCE = 3


class SimulatorState:
    """Thread-safe order store. ``clock`` is injectable so tests can move time without sleeping."""

    def __init__(
        self,
        *,
        order_lifetime: float,
        identities: Iterable[DemoIdentity],
        single_collect: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if order_lifetime <= 0:
            raise ValueError("order_lifetime must be positive")
        self.default_order_lifetime = float(order_lifetime)
        self.order_lifetime = float(order_lifetime)
        self.identities = tuple(identities)
        self.single_collect = single_collect
        self.maintenance = False
        self._clock = clock
        self._lock = threading.RLock()
        self._orders: dict[str, SimOrder] = {}

    # -- RP API ---------------------------------------------------------------------------------------

    def create_order(self, kind: str, body: Any) -> SimOrder:
        if kind not in ORDER_KINDS:
            raise RpError("notFound", "No such endpoint", 404)
        params = validate_order_request(kind, body)
        now = self._clock()
        with self._lock:
            self._housekeep(now)
            person = params["required_personal_number"]
            if person is not None:
                running = [
                    o for o in self._orders.values() if o.is_pending and o.required_personal_number == person
                ]
                if running:
                    # BankID aborts both: the running order fails with "cancelled", no new one is made.
                    for other in running:
                        self._finish(other, "failed", "cancelled", now)
                    raise RpError("alreadyInProgress", "Order already in progress for pno")
            order = SimOrder(
                order_ref=str(uuid.uuid4()),
                kind=kind,
                auto_start_token=str(uuid.uuid4()),
                qr_start_token=str(uuid.uuid4()),
                qr_start_secret=str(uuid.uuid4()),
                created_at=now,
                expires_at=now + self.order_lifetime,
                **params,
            )
            self._orders[order.order_ref] = order
            return order

    def collect(self, body: Any) -> dict[str, Any]:
        order_ref = order_ref_of(body)
        now = self._clock()
        with self._lock:
            self._housekeep(now)
            order = self._orders.get(order_ref)
            if order is None or (order.result_collected and self.single_collect):
                # BankID: a completed or failed order can be collected once.
                raise RpError("invalidParameters", "No such order")
            answer: dict[str, Any] = {"orderRef": order.order_ref, "status": order.status}
            if order.status == "complete":
                answer["completionData"] = order.completion_data
            else:
                answer["hintCode"] = order.hint_code
            if not order.is_pending:
                order.result_collected = True
            return answer

    def cancel(self, body: Any) -> None:
        order_ref = order_ref_of(body)
        now = self._clock()
        with self._lock:
            self._housekeep(now)
            order = self._orders.get(order_ref)
            if order is None or not order.is_pending:
                raise RpError("invalidParameters", "No such order")
            self._finish(order, "failed", "cancelled", now)

    # -- what the user does in the "app" -----------------------------------------------------------

    def start(self, order_ref: str, hint_code: str | None = None) -> SimOrder:
        """The app picked the order up (QR code scanned or app opened with the autostart token)."""
        if hint_code is not None and not _HINT_CODE_RE.fullmatch(hint_code):
            raise ControlError("Ogiltig hintCode.")
        with self._lock:
            order = self._pending(order_ref)
            # Once the app has the order (QR scanned or autostart) BankID reports userSign, auth or sign.
            order.hint_code = hint_code or "userSign"
            return order

    def approve(self, order_ref: str, personal_number: str, name: str | None = None) -> SimOrder:
        try:
            digits12 = parse(personal_number or "").digits12
        except InvalidPersonnummer:
            raise ControlError("Ogiltigt personnummer.") from None
        given_name, surname = self._names_for(digits12, name)
        now = self._clock()
        with self._lock:
            order = self._pending(order_ref)
            if order.required_personal_number and order.required_personal_number != digits12:
                raise ControlError("Beställningen gäller ett annat personnummer.", 409)
            order.completion_data = completion_data(order, digits12, given_name, surname, now)
            self._finish(order, "complete", None, now)
            return order

    def user_cancel(self, order_ref: str) -> SimOrder:
        return self.fail(order_ref, "userCancel")

    def fail(self, order_ref: str, hint_code: str) -> SimOrder:
        if not isinstance(hint_code, str) or not _HINT_CODE_RE.fullmatch(hint_code):
            raise ControlError("Ogiltig hintCode.")
        now = self._clock()
        with self._lock:
            order = self._pending(order_ref)
            self._finish(order, "failed", hint_code, now)
            return order

    def scan(self, qr_data: str) -> SimOrder:
        """Check an animated QR code as the app would, then start its order."""
        parts = qr_data.split(".") if isinstance(qr_data, str) else []
        if len(parts) != 4 or parts[0] != "bankid" or not parts[2].isdigit():
            raise ControlError("Det här är ingen BankID-QR-kod.")
        _, token, seconds, auth_code = parts
        now = self._clock()
        with self._lock:
            self._housekeep(now)
            order = next((o for o in self._orders.values() if o.qr_start_token == token), None)
            if order is None or not order.is_pending:
                raise ControlError("Ingen väntande beställning har den QR-koden.", 404)
            expected = hmac.new(order.qr_start_secret.encode(), seconds.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, auth_code):
                raise ControlError("QR-koden har fel kontrollkod.")
            if abs(int(seconds) - int(now - order.created_at)) > _QR_TIME_TOLERANCE:
                raise ControlError("QR-koden är för gammal eller har fel tid.")
            order.hint_code = "userSign"
            return order

    # -- for the pages and the control API --------------------------------------------------------

    def get(self, order_ref: str) -> SimOrder | None:
        with self._lock:
            self._housekeep(self._clock())
            return self._orders.get(order_ref)

    def find_by_autostart_token(self, token: str) -> SimOrder | None:
        with self._lock:
            self._housekeep(self._clock())
            return next((o for o in self._orders.values() if o.auto_start_token == token), None)

    def orders(self) -> list[SimOrder]:
        """All orders still held, newest first."""
        with self._lock:
            self._housekeep(self._clock())
            return sorted(self._orders.values(), key=lambda o: o.created_at, reverse=True)

    def set_maintenance(self, on: bool) -> None:
        with self._lock:
            self.maintenance = bool(on)

    def set_order_lifetime(self, seconds: float) -> None:
        """Lifetime of orders created from now on (tests of expiry shorten it, then reset())."""
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds <= 0:
            raise ControlError("orderLifetime måste vara ett positivt antal sekunder.")
        with self._lock:
            self.order_lifetime = float(seconds)

    def reset(self) -> None:
        with self._lock:
            self._orders.clear()
            self.maintenance = False
            self.order_lifetime = self.default_order_lifetime

    def identity(self, personal_number: str) -> DemoIdentity | None:
        return next((i for i in self.identities if i.personal_number == personal_number), None)

    # -- internals ------------------------------------------------------------------------------------

    def _pending(self, order_ref: str) -> SimOrder:
        self._housekeep(self._clock())
        order = self._orders.get(order_ref)
        if order is None:
            raise ControlError("Beställningen finns inte.", 404)
        if not order.is_pending:
            raise ControlError("Beställningen väntar inte längre.", 409)
        return order

    def _finish(self, order: SimOrder, status: str, hint_code: str | None, now: float) -> None:
        order.status = status
        order.hint_code = hint_code
        order.finished_at = now

    def _housekeep(self, now: float) -> None:
        # Lazily, on every access: no timer thread to start or stop.
        for order_ref, order in list(self._orders.items()):
            if order.is_pending and now >= order.expires_at:
                self._finish(order, "failed", "expiredTransaction", now)
            elif order.finished_at is not None and now - order.finished_at > _FINISHED_RETENTION:
                del self._orders[order_ref]

    def _names_for(self, digits12: str, name: str | None) -> tuple[str, str]:
        name = " ".join((name or "").split())
        if name:
            given, _, surname = name.rpartition(" ")
            if not given:
                raise ControlError("Ange både förnamn och efternamn.")
            return given, surname
        known = self.identity(digits12)
        if known is not None:
            return known.given_name, known.surname
        return "Test", "Testsson"

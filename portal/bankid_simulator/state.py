"""The simulator's orders: in memory, one lock, the RP API v6.0 state machine.

pending (outstandingTransaction) → pending (started, userSign, ...) → complete
                                 ↘ failed (userCancel, cancelled, expiredTransaction, startFailed, ...)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from portal.accounts.personnummer import InvalidPersonnummer, Personnummer, parse
from portal.demo.identities import DemoIdentity

ORDER_KINDS = ("auth", "sign")

# BankID's limits, counted in characters of the base64 text.
_VISIBLE_LIMIT = {"auth": 1_500, "sign": 40_000}
_NON_VISIBLE_LIMIT = {"auth": 1_500, "sign": 200_000}

_KNOWN_PARAMETERS = {
    "endUserIp",
    "requirement",
    "userVisibleData",
    "userVisibleDataFormat",
    "userNonVisibleData",
    "returnUrl",
    "returnRisk",
    "web",
    "app",
}
_KNOWN_REQUIREMENTS = {"pinCode", "mrtd", "cardReader", "certificatePolicies", "personalNumber"}

# Hint codes are camelCase words; anything else in a control call is a typo in a test.
_HINT_CODE_RE = re.compile(r"[A-Za-z]{1,40}")
_DIGITS12_RE = re.compile(r"[0-9]{12}")

# How long finished orders stay listed on the tester page (and collectable once).
_FINISHED_RETENTION = 600.0
# How far the time in a scanned QR code may be from the order's age (clock skew, polling delay).
_QR_TIME_TOLERANCE = 3

_XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"
_BANKID_TYPES = "http://www.bankid.com/signature/v1.0.0/types"


class RpError(Exception):
    """An error answer of the RP API: errorCode, details and HTTP status as BankID sends them."""

    def __init__(self, error_code: str, details: str, http_status: int = 400) -> None:
        super().__init__(error_code, details, http_status)
        self.error_code = error_code
        self.details = details
        self.http_status = http_status


class ControlError(Exception):
    """A tester or test asked for something the order's state does not allow. Message in Swedish."""

    def __init__(self, message: str, http_status: int = 400) -> None:
        super().__init__(message, http_status)
        self.message = message
        self.http_status = http_status


@dataclass
class SimOrder:
    order_ref: str
    kind: str
    end_user_ip: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str
    created_at: float
    expires_at: float
    requirement: dict[str, Any]
    required_personal_number: str | None
    user_visible_data: str | None  # decoded text, for the tester
    user_visible_data_b64: str | None
    user_visible_data_format: str | None
    user_non_visible_data_b64: str | None
    return_url: str | None
    return_risk: bool
    status: str = "pending"
    hint_code: str | None = "outstandingTransaction"
    completion_data: dict[str, Any] | None = None
    finished_at: float | None = None
    result_collected: bool = False

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"

    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.created_at).astimezone()

    def as_json(self) -> dict[str, Any]:
        """The control API's view: everything a test may want to assert on (it is all made-up data)."""
        return {
            "orderRef": self.order_ref,
            "type": self.kind,
            "status": self.status,
            "hintCode": self.hint_code,
            "created": self.created.isoformat(timespec="seconds"),
            "expiresIn": max(0.0, round(self.expires_at - time.time(), 1)) if self.is_pending else 0.0,
            "endUserIp": self.end_user_ip,
            "autoStartToken": self.auto_start_token,
            "qrStartToken": self.qr_start_token,
            "requiredPersonalNumber": self.required_personal_number,
            "userVisibleData": self.user_visible_data,
            "userVisibleDataFormat": self.user_visible_data_format,
            "userNonVisibleData": self.user_non_visible_data_b64,
            "returnUrl": self.return_url,
            "requirement": self.requirement,
            "completionData": self.completion_data,
        }


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
        params = _validate_order_request(kind, body)
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
        order_ref = _order_ref_of(body)
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
        order_ref = _order_ref_of(body)
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
            order.completion_data = _completion_data(order, digits12, given_name, surname, now)
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


def _order_ref_of(body: Any) -> str:
    if not isinstance(body, dict):
        raise RpError("invalidParameters", "Invalid JSON in request body")
    order_ref = body.get("orderRef")
    if not isinstance(order_ref, str) or not order_ref:
        raise RpError("invalidParameters", "Invalid orderRef")
    unknown = set(body) - {"orderRef"}
    if unknown:
        raise RpError("invalidParameters", f"Unknown parameter {sorted(unknown)[0]}")
    return order_ref


def _decode_b64(value: Any, name: str, limit: int) -> bytes:
    if not isinstance(value, str) or not value:
        raise RpError("invalidParameters", f"Invalid {name}")
    if len(value) > limit:
        raise RpError("invalidParameters", f"Invalid {name}: too long")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RpError("invalidParameters", f"Invalid {name}: not base64") from None


def _validate_order_request(kind: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise RpError("invalidParameters", "Invalid JSON in request body")
    unknown = set(body) - _KNOWN_PARAMETERS
    if unknown:
        raise RpError("invalidParameters", f"Unknown parameter {sorted(unknown)[0]}")

    end_user_ip = body.get("endUserIp")
    try:
        ipaddress.ip_address(end_user_ip if isinstance(end_user_ip, str) else "")
    except ValueError:
        raise RpError("invalidParameters", "Invalid endUserIp") from None

    visible_b64 = body.get("userVisibleData")
    visible_text = None
    if visible_b64 is not None or kind == "sign":
        raw = _decode_b64(visible_b64, "userVisibleData", _VISIBLE_LIMIT[kind])
        try:
            visible_text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RpError("invalidParameters", "Invalid userVisibleData: not UTF-8") from None
    visible_format = body.get("userVisibleDataFormat")
    if visible_format is not None and (visible_format != "simpleMarkdownV1" or visible_b64 is None):
        raise RpError("invalidParameters", "Invalid userVisibleDataFormat")

    non_visible_b64 = body.get("userNonVisibleData")
    if non_visible_b64 is not None:
        _decode_b64(non_visible_b64, "userNonVisibleData", _NON_VISIBLE_LIMIT[kind])

    return_url = body.get("returnUrl")
    if return_url is not None:
        parts = urlsplit(return_url) if isinstance(return_url, str) else None
        if parts is None or not parts.scheme or not (parts.netloc or parts.path):
            raise RpError("invalidParameters", "Invalid returnUrl")

    return_risk = body.get("returnRisk", False)
    if not isinstance(return_risk, bool):
        raise RpError("invalidParameters", "Invalid returnRisk")
    for name in ("web", "app"):
        if name in body and not isinstance(body[name], dict):
            raise RpError("invalidParameters", f"Invalid {name}")

    requirement = body.get("requirement")
    if requirement is None:
        requirement = {}
    if not isinstance(requirement, dict):
        raise RpError("invalidParameters", "Invalid requirement")
    unknown = set(requirement) - _KNOWN_REQUIREMENTS
    if unknown:
        raise RpError("invalidParameters", f"Invalid requirement: unknown {sorted(unknown)[0]}")
    for flag in ("pinCode", "mrtd"):
        if flag in requirement and not isinstance(requirement[flag], bool):
            raise RpError("invalidParameters", f"Invalid requirement: {flag}")
    policies = requirement.get("certificatePolicies")
    if policies is not None and (
        not isinstance(policies, list) or not all(isinstance(p, str) for p in policies)
    ):
        raise RpError("invalidParameters", "Invalid requirement: certificatePolicies")
    personal_number = requirement.get("personalNumber")
    if personal_number is not None:
        # The API takes exactly twelve digits; the personnummer module checks date and check digit.
        if not isinstance(personal_number, str) or not _DIGITS12_RE.fullmatch(personal_number):
            raise RpError("invalidParameters", "Invalid requirement: personalNumber")
        try:
            Personnummer(personal_number)
        except InvalidPersonnummer:
            raise RpError("invalidParameters", "Invalid requirement: personalNumber") from None

    return {
        "end_user_ip": end_user_ip,
        "requirement": requirement,
        "required_personal_number": personal_number,
        "user_visible_data": visible_text,
        "user_visible_data_b64": visible_b64,
        "user_visible_data_format": visible_format,
        "user_non_visible_data_b64": non_visible_b64,
        "return_url": return_url,
        "return_risk": return_risk,
    }


# -- completionData ---------------------------------------------------------------------------------


def _completion_data(order: SimOrder, digits12: str, given_name: str, surname: str, now: float) -> dict:
    person_hash = hashlib.sha256(f"bankid-simulator:{digits12}".encode()).digest()
    # Stable per person, like a real BankID's issue date and the user's device.
    issue_date = date(2019, 1, 1) + timedelta(days=int.from_bytes(person_hash[:2], "big") % 1800)
    uhi = base64.urlsafe_b64encode(person_hash[2:22]).decode().rstrip("=")
    data: dict[str, Any] = {
        "user": {
            "personalNumber": digits12,
            "name": f"{given_name} {surname}",
            "givenName": given_name,
            "surname": surname,
        },
        "device": {"ipAddress": order.end_user_ip, "uhi": uhi},
        "bankIdIssueDate": issue_date.isoformat(),
        "signature": base64.b64encode(_signature_xml(order, digits12, now)).decode("ascii"),
        "ocspResponse": base64.b64encode(_ocsp_response_der()).decode("ascii"),
    }
    if order.requirement.get("mrtd"):
        data["stepUp"] = {"mrtd": True}
    if order.return_risk:
        data["risk"] = "low"
    return data


def _signature_xml(order: SimOrder, digits12: str, now: float) -> bytes:
    """An XML-DSig document shaped like BankID's: the signed data (what the user saw and the hidden data)
    and key info, with random bytes where a real signature and certificate would be. Nothing verifies."""
    ET.register_namespace("", _XMLDSIG)
    root = ET.Element(f"{{{_XMLDSIG}}}Signature")
    signed_data = ET.Element(f"{{{_BANKID_TYPES}}}bankIdSignedData", {"Id": "bidSignedData"})
    if order.user_visible_data_b64:
        visible = ET.SubElement(
            signed_data, f"{{{_BANKID_TYPES}}}usrVisibleData", {"charset": "UTF-8", "visible": "wysiwys"}
        )
        visible.text = order.user_visible_data_b64
    if order.user_non_visible_data_b64:
        ET.SubElement(
            signed_data, f"{{{_BANKID_TYPES}}}usrNonVisibleData"
        ).text = order.user_non_visible_data_b64
    server_info = ET.SubElement(signed_data, f"{{{_BANKID_TYPES}}}srvInfo")
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}name").text = base64.b64encode(
        b"Medborgarvy BankID simulator"
    ).decode()
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}nonce").text = base64.b64encode(
        secrets.token_bytes(20)
    ).decode()
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}displayName").text = base64.b64encode(
        b"Medborgarvy (simulator)"
    ).decode()
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}orderRef").text = order.order_ref
    ET.SubElement(server_info, f"{{{_BANKID_TYPES}}}timestamp").text = (
        datetime.fromtimestamp(now).astimezone().isoformat(timespec="seconds")
    )
    ET.SubElement(signed_data, f"{{{_BANKID_TYPES}}}clientInfo", {"pno": digits12})

    key_info = ET.Element(f"{{{_XMLDSIG}}}KeyInfo", {"Id": "bidKeyInfo"})
    x509 = ET.SubElement(key_info, f"{{{_XMLDSIG}}}X509Data")
    for _ in range(3):  # user, bank and BankID CA certificates in a real signature
        ET.SubElement(x509, f"{{{_XMLDSIG}}}X509Certificate").text = base64.b64encode(
            secrets.token_bytes(900)
        ).decode()

    signed_info = ET.SubElement(root, f"{{{_XMLDSIG}}}SignedInfo")
    ET.SubElement(
        signed_info,
        f"{{{_XMLDSIG}}}CanonicalizationMethod",
        {"Algorithm": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"},
    )
    ET.SubElement(
        signed_info,
        f"{{{_XMLDSIG}}}SignatureMethod",
        {"Algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"},
    )
    for uri, element, ref_type in (
        ("#bidSignedData", signed_data, _BANKID_TYPES),
        ("#bidKeyInfo", key_info, None),
    ):
        attributes = {"URI": uri}
        if ref_type:
            attributes["Type"] = ref_type
        reference = ET.SubElement(signed_info, f"{{{_XMLDSIG}}}Reference", attributes)
        transforms = ET.SubElement(reference, f"{{{_XMLDSIG}}}Transforms")
        ET.SubElement(
            transforms,
            f"{{{_XMLDSIG}}}Transform",
            {"Algorithm": "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"},
        )
        ET.SubElement(
            reference, f"{{{_XMLDSIG}}}DigestMethod", {"Algorithm": "http://www.w3.org/2001/04/xmlenc#sha256"}
        )
        ET.SubElement(reference, f"{{{_XMLDSIG}}}DigestValue").text = base64.b64encode(
            hashlib.sha256(ET.tostring(element)).digest()
        ).decode()
    ET.SubElement(root, f"{{{_XMLDSIG}}}SignatureValue").text = base64.b64encode(
        secrets.token_bytes(256)
    ).decode()
    root.append(key_info)
    obj = ET.SubElement(root, f"{{{_XMLDSIG}}}Object")
    obj.append(signed_data)
    return b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>' + ET.tostring(
        root, encoding="utf-8", xml_declaration=False
    )


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        encoded_length = bytes([length])
    else:
        size = (length.bit_length() + 7) // 8
        encoded_length = bytes([0x80 | size]) + length.to_bytes(size, "big")
    return bytes([tag]) + encoded_length + content


def _ocsp_response_der() -> bytes:
    """DER for OCSPResponse { successful, id-pkix-ocsp-basic, <random bytes> }: parses as the outer
    structure of an OCSP response; the inner BasicOCSPResponse is made up."""
    ocsp_basic_oid = bytes.fromhex("2b0601050507300101")  # 1.3.6.1.5.5.7.48.1.1
    response_bytes = _der(0x30, _der(0x06, ocsp_basic_oid) + _der(0x04, secrets.token_bytes(1200)))
    return _der(0x30, _der(0x0A, b"\x00") + _der(0xA0, response_bytes))

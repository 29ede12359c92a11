"""A simulated BankID order: its record, the RP API's error answers and the checks an order request
must pass (RP API v6.0)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from portal.accounts.personnummer import InvalidPersonnummer, Personnummer

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

_DIGITS12_RE = re.compile(r"[0-9]{12}")


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


def order_ref_of(body: Any) -> str:
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


def validate_order_request(kind: str, body: Any) -> dict[str, Any]:
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

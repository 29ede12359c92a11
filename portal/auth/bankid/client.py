"""Client for the BankID Relying Party API v6.0 (auth, sign, collect, cancel).

BankID answers every call with JSON over mutual TLS: the relying party presents the client certificate its
bank issued, and verifies the server against BankID's own CA (not the public web PKI). The same client talks
plain HTTP to the local simulator (portal.bankid_simulator) in demo mode and tests.

Personal data: completionData carries the personal number and name. Nothing here logs them; log lines
carry only orderRef, status, hintCode and errorCode, and the dataclasses keep personal fields out of repr().
"""

from __future__ import annotations

import base64
import logging
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

__all__ = [
    "BankIDClient",
    "BankIDError",
    "BankIDUnavailable",
    "CollectResult",
    "Completion",
    "Order",
    "autostart_url",
]

logger = logging.getLogger(__name__)

PRODUCTION_URL = "https://appapi2.bankid.com/rp/v6.0/"
TEST_URL = "https://appapi2.test.bankid.com/rp/v6.0/"

# BankID's only format besides plain text; it renders headings, bold, italics and lists in the app.
SIMPLE_MARKDOWN_V1 = "simpleMarkdownV1"

# Error codes BankID documents with their HTTP status. Used when an error answer has no JSON body (e.g. a
# proxy page), so callers can still branch on a code.
_ERROR_CODE_FOR_STATUS = {
    401: "unauthorized",
    403: "unauthorized",
    404: "notFound",
    405: "methodNotAllowed",
    408: "requestTimeout",
    415: "unsupportedMediaType",
    429: "tooManyRequests",
    500: "internalError",
    503: "maintenance",
}
# A gateway error without a BankID body means BankID itself was never reached.
_GATEWAY_STATUSES = {502, 504}


class BankIDError(Exception):
    """BankID answered with an error (errorCode and details in the body, 4xx/5xx status).

    ``details`` is BankID's free text for the developer; never show it to the user (use
    ``portal.auth.bankid.messages.user_message(error_code=...)``).
    """

    def __init__(self, error_code: str, details: str, http_status: int) -> None:
        super().__init__(error_code, details, http_status)
        self.error_code = error_code
        self.details = details
        self.http_status = http_status

    def __str__(self) -> str:
        return f"BankID error {self.error_code} (HTTP {self.http_status}): {self.details}"


class BankIDUnavailable(Exception):
    """BankID could not be reached or gave an answer that is not BankID's JSON (timeout, TLS, DNS, HTML)."""

    # Lets messages.user_message() pick RFA5 for a transport failure the same way as for BankID's codes.
    error_code = "unavailable"


@dataclass(frozen=True)
class Order:
    """The answer to /auth or /sign. ``qr_start_secret`` must stay on the server (it keys the QR HMAC)."""

    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str = field(repr=False)


@dataclass(frozen=True)
class Completion:
    """completionData of a complete order. ``raw`` is BankID's object as received (stepUp, risk, uhi...)."""

    personal_number: str = field(repr=False)
    name: str = field(repr=False)
    given_name: str = field(repr=False)
    surname: str = field(repr=False)
    ip_address: str
    bank_id_issue_date: str
    signature: str = field(repr=False)
    ocsp_response: str = field(repr=False)
    raw: dict[str, Any] = field(repr=False, compare=False, hash=False)


@dataclass(frozen=True)
class CollectResult:
    order_ref: str
    status: str  # "pending", "failed" or "complete"
    hint_code: str | None
    completion: Completion | None

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"

    @property
    def is_complete(self) -> bool:
        return self.status == "complete"

    @property
    def is_failed(self) -> bool:
        return self.status == "failed"


def autostart_url(auto_start_token: str, *, redirect: str | None = None, app_scheme: bool = False) -> str:
    """The link that starts the BankID app on the same device.

    The universal link (https://app.bankid.com/) is BankID's recommendation for browsers; ``app_scheme``
    gives the ``bankid:///`` form for native apps and desktop. ``redirect`` is where the app returns
    afterwards; BankID asks for ``redirect=null`` when the order carries returnUrl or when nothing should
    be opened, so that is the default.
    """
    base = "bankid:///" if app_scheme else "https://app.bankid.com/"
    target = "null" if redirect is None else quote(redirect, safe="")
    return f"{base}?autostarttoken={quote(auto_start_token, safe='')}&redirect={target}"


def _b64(value: str | bytes) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return base64.b64encode(raw).decode("ascii")


def _ssl_context(client_cert: tuple[str, str] | None, ca_file: str | None) -> ssl.SSLContext | bool:
    if client_cert is None and ca_file is None:
        return True
    # ca_file replaces the system store: BankID's server certificates chain to BankID's private root.
    context = ssl.create_default_context(cafile=ca_file)
    if client_cert is not None:
        certfile, keyfile = client_cert
        context.load_cert_chain(certfile, keyfile)
    return context


class BankIDClient:
    """Synchronous client for one RP API base URL, e.g. ``https://appapi2.test.bankid.com/rp/v6.0/``.

    ``client_cert`` is (certificate PEM path, private key PEM path); ``ca_file`` the PEM of the CA that
    signed BankID's server certificate. ``transport`` replaces the network (tests with httpx.MockTransport).
    Thread-safe: httpx.Client may be shared between threads.
    """

    def __init__(
        self,
        base_url: str,
        *,
        client_cert: tuple[str, str] | None = None,
        ca_file: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        # Without the trailing slash httpx would resolve "auth" against the parent ("/rp/auth").
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._http = httpx.Client(
            base_url=self.base_url,
            verify=_ssl_context(client_cert, ca_file),
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
            # BankID never redirects; following one could send the order to a host we do not trust.
            follow_redirects=False,
        )

    def __enter__(self) -> BankIDClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- API calls -----------------------------------------------------------------------------------

    def auth(
        self,
        end_user_ip: str,
        *,
        user_visible_data: str | None = None,
        user_visible_data_format: str | None = None,
        user_non_visible_data: str | bytes | None = None,
        return_url: str | None = None,
        requirement: dict[str, Any] | None = None,
        return_risk: bool | None = None,
    ) -> Order:
        """Start an authentication order. Text arguments are sent base64-encoded as BankID requires."""
        payload = self._order_payload(
            end_user_ip,
            user_visible_data=user_visible_data,
            user_visible_data_format=user_visible_data_format,
            user_non_visible_data=user_non_visible_data,
            return_url=return_url,
            requirement=requirement,
            return_risk=return_risk,
        )
        return self._start("auth", payload)

    def sign(
        self,
        end_user_ip: str,
        user_visible_data: str,
        *,
        user_visible_data_format: str | None = None,
        user_non_visible_data: str | bytes | None = None,
        return_url: str | None = None,
        requirement: dict[str, Any] | None = None,
        return_risk: bool | None = None,
    ) -> Order:
        """Start a signing order; ``user_visible_data`` is the text the user reads and signs in the app."""
        if not user_visible_data:
            raise ValueError("sign() needs the text the user signs")
        payload = self._order_payload(
            end_user_ip,
            user_visible_data=user_visible_data,
            user_visible_data_format=user_visible_data_format,
            user_non_visible_data=user_non_visible_data,
            return_url=return_url,
            requirement=requirement,
            return_risk=return_risk,
        )
        return self._start("sign", payload)

    def collect(self, order_ref: str) -> CollectResult:
        body = self._post("collect", {"orderRef": order_ref})
        status = body.get("status")
        if status not in ("pending", "failed", "complete") or not isinstance(body.get("orderRef"), str):
            raise BankIDUnavailable("collect answer without a valid status or orderRef")
        hint_code = body.get("hintCode")
        if hint_code is not None and not isinstance(hint_code, str):
            raise BankIDUnavailable("collect answer with a non-string hintCode")
        completion = None
        if status == "complete":
            completion = _parse_completion(body.get("completionData"))
        # Pending answers come every couple of seconds per login: keep them out of the INFO log.
        logger.log(
            logging.DEBUG if status == "pending" else logging.INFO,
            "BankID collect orderRef=%s status=%s hintCode=%s",
            body["orderRef"],
            status,
            hint_code,
        )
        return CollectResult(
            order_ref=body["orderRef"], status=status, hint_code=hint_code, completion=completion
        )

    def cancel(self, order_ref: str) -> None:
        self._post("cancel", {"orderRef": order_ref})
        logger.info("BankID cancel orderRef=%s", order_ref)

    # -- internals -----------------------------------------------------------------------------------

    @staticmethod
    def _order_payload(
        end_user_ip: str,
        *,
        user_visible_data: str | None,
        user_visible_data_format: str | None,
        user_non_visible_data: str | bytes | None,
        return_url: str | None,
        requirement: dict[str, Any] | None,
        return_risk: bool | None,
    ) -> dict[str, Any]:
        if not end_user_ip:
            raise ValueError("end_user_ip is required: BankID compares it with the user's device")
        payload: dict[str, Any] = {"endUserIp": end_user_ip}
        if user_visible_data is not None:
            payload["userVisibleData"] = _b64(user_visible_data)
            if user_visible_data_format is not None:
                payload["userVisibleDataFormat"] = user_visible_data_format
        elif user_visible_data_format is not None:
            raise ValueError("user_visible_data_format needs user_visible_data")
        if user_non_visible_data is not None:
            payload["userNonVisibleData"] = _b64(user_non_visible_data)
        if return_url is not None:
            payload["returnUrl"] = return_url
        if requirement:
            payload["requirement"] = requirement
        if return_risk is not None:
            payload["returnRisk"] = return_risk
        return payload

    def _start(self, kind: str, payload: dict[str, Any]) -> Order:
        body = self._post(kind, payload)
        try:
            order = Order(
                order_ref=_str(body, "orderRef"),
                auto_start_token=_str(body, "autoStartToken"),
                qr_start_token=_str(body, "qrStartToken"),
                qr_start_secret=_str(body, "qrStartSecret"),
            )
        except KeyError as exc:
            raise BankIDUnavailable(f"{kind} answer without {exc.args[0]}") from None
        logger.info("BankID %s started orderRef=%s", kind, order.order_ref)
        return order

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(path, json=payload)
        except httpx.TimeoutException as exc:
            logger.warning("BankID %s timed out: %s", path, type(exc).__name__)
            raise BankIDUnavailable(f"BankID did not answer {path} in time") from exc
        except (httpx.TransportError, ssl.SSLError, OSError) as exc:
            logger.warning("BankID %s unreachable: %s", path, type(exc).__name__)
            raise BankIDUnavailable(f"BankID could not be reached for {path}: {type(exc).__name__}") from exc

        if response.status_code == 200:
            body = _json_object(response)
            if body is None:
                logger.warning("BankID %s answered 200 without a JSON object", path)
                raise BankIDUnavailable(f"BankID answered {path} with something that is not JSON")
            return body

        body = _json_object(response)
        if body is not None and isinstance(body.get("errorCode"), str):
            error_code, details = body["errorCode"], str(body.get("details") or "")
        elif response.status_code in _GATEWAY_STATUSES:
            logger.warning("BankID %s: gateway status %s", path, response.status_code)
            raise BankIDUnavailable(f"BankID {path}: HTTP {response.status_code} from a gateway")
        else:
            error_code = _ERROR_CODE_FOR_STATUS.get(response.status_code, "unknown")
            details = ""
        # details is left out of the log: it is BankID's free text and may echo request data.
        logger.warning("BankID %s error errorCode=%s status=%s", path, error_code, response.status_code)
        raise BankIDError(error_code, details, response.status_code)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _str(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise KeyError(key)
    return value


def _parse_completion(data: Any) -> Completion:
    if not isinstance(data, dict):
        raise BankIDUnavailable("complete order without completionData")
    user = data.get("user")
    device = data.get("device")
    if not isinstance(user, dict) or not isinstance(device, dict):
        raise BankIDUnavailable("completionData without user or device")
    try:
        return Completion(
            personal_number=_str(user, "personalNumber"),
            name=_str(user, "name"),
            given_name=_str(user, "givenName"),
            surname=_str(user, "surname"),
            ip_address=_str(device, "ipAddress"),
            bank_id_issue_date=_str(data, "bankIdIssueDate"),
            signature=_str(data, "signature"),
            ocsp_response=_str(data, "ocspResponse"),
            raw=data,
        )
    except KeyError as exc:
        raise BankIDUnavailable(f"completionData without {exc.args[0]}") from None

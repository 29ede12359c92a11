"""Webhook: each outbox item is POSTed as signed JSON over HTTPS to a case system or an integration platform.

The request
    POST <url>
    Content-Type: application/json
    Idempotency-Key: <the outbox item's key>
    X-Medborgarvy-Timestamp: <unix seconds when this attempt was signed>
    X-Medborgarvy-Signature: sha256=<hex>

    {"idempotency_key": ..., "municipality_id": ..., "payload": {...}, "topic": ...}

The body is UTF-8 JSON with sorted keys and no insignificant whitespace, so it is byte-identical on every
attempt for the same item; only the timestamp and the signature change between retries.

The signature
    hex(HMAC-SHA256(key=secret as UTF-8, message=timestamp + "." + raw body bytes))

A receiver verifies it with the shared secret before it parses anything (``verify_signature`` below does
exactly this, and is what our tests use as a receiver):
    1. read the raw request body as bytes, before any JSON parsing;
    2. compute the HMAC over ``f"{X-Medborgarvy-Timestamp}.".encode() + body``;
    3. compare with the hex after ``sha256=`` in constant time (``hmac.compare_digest``);
    4. refuse a timestamp more than five minutes from its own clock (a replayed old request);
    5. deduplicate on ``idempotency_key`` (in the signed body; the Idempotency-Key header carries the same
       value for receivers that deduplicate before reading the body).

How the receiver answers
    2xx  accepted. Answer 2xx as well for a key it has already accepted (a retry after a lost response),
         ideally with the same reference. A JSON body ``{"reference": "..."}`` (or ``{"id": ...}``) becomes
         the case's external reference shown to the citizen.
    408, 425, 429, 5xx  try again later: the item is retried with backoff.
    other 4xx  refused for good (the payload is wrong, the e-service unknown): the item goes to the dead
         letters for an administrator, with the status and the first 200 characters of the response.
    3xx  redirects are not followed (the signed body must not travel to another address): refused for good.

Connections: the adapter keeps its connections to the receiver alive and shares them between the
worker's delivery threads (``integrations/http.py``); a receiver may close an idle one at any time.

TLS: certificates are always verified (there is no setting to turn that off). ``ca_file`` replaces the
default trust store with the PEM file of the CA that issued the receiver's certificate, for receivers
behind a municipal or private CA. Plain ``http://`` is accepted only for loopback addresses (an integration
platform's agent on the same machine, and the tests).

A certificate that fails verification (unknown CA, wrong host name, expired) is classed as a PERMANENT
failure: it is a configuration problem, or someone impersonating the receiver, that retrying will not
cure and that an administrator must look at. The item goes straight to the dead letters with a message
saying so, and is re-queued from there once the certificate or ``ca_file`` has been fixed. Other TLS
trouble (a handshake cut off, a reset) is transient like any other network error.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import re
import ssl
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from integrations import registry
from integrations.base import Adapter, Delivery, DeliveryResult, PermanentError, TransientError, parse_topics
from integrations.http import KeepAliveTransport, proxied

if TYPE_CHECKING:
    from portal.config import Config

SIGNATURE_HEADER = "X-Medborgarvy-Signature"
TIMESTAMP_HEADER = "X-Medborgarvy-Timestamp"
SIGNATURE_PREFIX = "sha256="
# The topics a case system takes unless the settings say otherwise. Notifications carry e-mail addresses
# and telephone numbers, so a webhook receives them only when its settings name them.
DEFAULT_TOPICS = frozenset({"application.submitted"})
MIN_SECRET_LENGTH = 16
# Statuses that mean "not now": request timeout, too early, too many requests; and every 5xx.
RETRYABLE_STATUSES = frozenset({408, 425, 429})
RESPONSE_EXCERPT = 200
# Connections one adapter keeps open to its receiver: enough for a worker's concurrent deliveries.
POOL_SIZE = 64
_SETTINGS = frozenset({"url", "secret", "secret_env", "timeout", "ca_file", "topics"})
_HEADER_VALUE = re.compile(r"^[\x21-\x7e]+$")


def sign(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """The X-Medborgarvy-Signature value for one request: ``sha256=<hex>``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    message = str(timestamp).encode("ascii") + b"." + body
    return SIGNATURE_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str | bytes,
    timestamp: str | int | None,
    body: bytes | str,
    header: str | None,
    *,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """For receivers: True when ``header`` is our signature of ``body`` at ``timestamp``, made with
    ``secret``, and the timestamp is within ``tolerance`` seconds of ``now`` (default: the clock).

    ``timestamp`` and ``header`` are the raw X-Medborgarvy-Timestamp and X-Medborgarvy-Signature values;
    ``body`` the raw request body. Anything malformed is simply False.
    """
    if timestamp is None or header is None or not secret:
        return False
    timestamp_text = str(timestamp).strip()
    if not (timestamp_text.isascii() and timestamp_text.isdigit()):
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp_text)) > tolerance:
        return False
    header = header.strip()
    if not header.startswith(SIGNATURE_PREFIX):
        return False
    raw = body.encode("utf-8") if isinstance(body, str) else body
    expected = sign(secret, timestamp_text, raw)
    return hmac.compare_digest(expected.encode("ascii"), header.encode("utf-8", "replace"))


def encode_body(delivery: Delivery) -> bytes:
    document = {
        "topic": delivery.topic,
        "idempotency_key": delivery.idempotency_key,
        "municipality_id": delivery.municipality_id,
        "payload": delivery.payload,
    }
    try:
        text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise PermanentError(f"the payload cannot be written as JSON ({exc.__class__.__name__})") from exc
    return text.encode("utf-8")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _certificate_failure(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification error behind an httpx error, if that is what it is."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _excerpt(response: httpx.Response) -> str:
    try:
        text = response.content.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:
        text = response.content.decode("utf-8", errors="replace")
    return " ".join(text.split())[:RESPONSE_EXCERPT]


def _external_ref(response: httpx.Response) -> str:
    if not response.content:
        return ""
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    for name in ("reference", "id"):
        value = data.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)
    return ""


@registry.register("webhook")
class WebhookAdapter(Adapter):
    """POSTs each delivery to ``url``, signed with ``secret``; see the module docstring for the protocol.

    ``transport`` replaces the network (tests with ``httpx.MockTransport``); TLS settings then do not apply.
    Configuration errors raise ``PermanentError``: retrying the same configuration will not help.
    """

    id = "webhook"
    label = "Webhook (signed JSON over HTTPS)"
    per_municipality = True

    def __init__(
        self,
        *,
        url: str,
        secret: str | bytes,
        timeout: float = 10.0,
        ca_file: str | os.PathLike[str] | None = None,
        transport: httpx.BaseTransport | None = None,
        topics: Iterable[str] = DEFAULT_TOPICS,
    ) -> None:
        try:
            parsed = httpx.URL(url) if url else None
        except httpx.InvalidURL as exc:
            raise PermanentError("webhook: the url is not a valid URL") from exc
        if parsed is None or not parsed.host:
            raise PermanentError("webhook: a url is required")
        if parsed.scheme != "https" and not (parsed.scheme == "http" and _is_loopback(parsed.host)):
            raise PermanentError("webhook: the url must use https (plain http only to a loopback address)")
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            raise PermanentError(f"webhook: the secret must be at least {MIN_SECRET_LENGTH} characters")
        if not timeout or timeout <= 0:
            raise PermanentError("webhook: the timeout must be a positive number of seconds")
        self.url, self.host, self.timeout, self.transport = url, parsed.host, float(timeout), transport
        self.topics = frozenset(topics)
        self._secret = secret
        self._clock = time.time
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()
        # Built here so that a missing or unreadable ca_file is a configuration error, not a delivery one.
        if ca_file is not None:
            if not Path(ca_file).is_file():
                raise PermanentError(f"webhook: ca_file {os.fspath(ca_file)!r} does not exist")
            try:
                self._ssl_context = ssl.create_default_context(cafile=os.fspath(ca_file))
            except (OSError, ssl.SSLError) as exc:
                raise PermanentError(f"webhook: ca_file cannot be read as PEM ({exc})") from exc
        else:
            self._ssl_context = httpx.create_ssl_context()  # the default store; SSL_CERT_FILE if set
        if self._ssl_context.verify_mode != ssl.CERT_REQUIRED or not self._ssl_context.check_hostname:
            raise PermanentError("webhook: TLS verification cannot be turned off")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], config: Config | None = None) -> WebhookAdapter:
        """From a municipality's adapter settings::

            {"url": "https://viva.example.se/medborgarvy", "secret_env": "VIVA_WEBHOOK_SECRET",
             "timeout": 10, "ca_file": "/etc/medborgarvy/kommun-ca.pem",
             "topics": ["application.submitted"]}

        ``secret`` holds the shared secret itself; ``secret_env`` instead names the environment variable
        that does, so the secret need not be stored with the settings. Unknown keys are refused, ``verify``
        among them: verification is always on.
        """
        unknown = set(settings) - _SETTINGS
        if "verify" in unknown:
            raise PermanentError("webhook: TLS verification cannot be turned off; give a ca_file instead")
        if unknown:
            raise PermanentError(f"webhook: unknown settings {sorted(unknown)}")
        secret = settings.get("secret") or ""
        if not isinstance(secret, str | bytes):
            raise PermanentError("webhook: the secret must be a string")
        if not secret and settings.get("secret_env"):
            secret = os.environ.get(str(settings["secret_env"]), "")
            if not secret:
                raise PermanentError(f"webhook: the environment variable {settings['secret_env']} is not set")
        topics = parse_topics(settings.get("topics"), DEFAULT_TOPICS, "webhook")
        try:
            timeout = float(settings.get("timeout", 10.0))
        except (TypeError, ValueError) as exc:
            raise PermanentError("webhook: the timeout must be a number of seconds") from exc
        return cls(
            url=str(settings.get("url") or ""),
            secret=secret,
            timeout=timeout,
            ca_file=settings.get("ca_file") or None,
            topics=topics,
        )

    def _http(self) -> httpx.Client:
        """The adapter's one HTTP client, opened on first use: its connections are kept alive and shared
        by the worker's delivery threads (httpx's Client is safe to use from several threads)."""
        client = self._client
        if client is None:
            with self._client_lock:
                client = self._client
                if client is None:
                    # Connecting should be quick; the receiver may take the whole timeout to store it.
                    connect_timeout = min(self.timeout, 5.0)
                    transport = self.transport
                    if transport is None and not proxied(httpx.URL(self.url)):
                        transport = KeepAliveTransport(
                            ssl_context=self._ssl_context,
                            connect_timeout=connect_timeout,
                            timeout=self.timeout,
                        )
                    client = self._client = httpx.Client(
                        verify=self._ssl_context,
                        timeout=httpx.Timeout(self.timeout, connect=connect_timeout),
                        transport=transport,
                        follow_redirects=False,
                        limits=httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE),
                    )
        return client

    def close(self) -> None:
        """Close the pooled connections; a later delivery opens a new client."""
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        if delivery.topic not in self.topics:
            raise PermanentError(f"the webhook at {self.host} does not take {delivery.topic}")
        if not _HEADER_VALUE.match(delivery.idempotency_key):
            raise PermanentError("the idempotency key cannot be sent as an HTTP header")
        body = encode_body(delivery)
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": "Medborgarvy-Webhook/1",
            "Idempotency-Key": delivery.idempotency_key,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, timestamp, body),
        }
        try:
            response = self._http().post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise TransientError(
                f"webhook {self.host}: no answer in time ({exc.__class__.__name__})"
            ) from exc
        except httpx.HTTPError as exc:
            failure = _certificate_failure(exc)
            if failure is not None:
                raise PermanentError(
                    f"webhook {self.host}: TLS certificate not trusted ({failure.verify_message}); "
                    "check the receiver's certificate or the ca_file setting"
                ) from exc
            raise TransientError(f"webhook {self.host}: {exc.__class__.__name__}") from exc
        status = response.status_code
        if 200 <= status < 300:
            return DeliveryResult(external_ref=_external_ref(response), detail={"status": status})
        if status in RETRYABLE_STATUSES or status >= 500:
            raise TransientError(f"webhook {self.host} answered {status}: {_excerpt(response)}")
        if 300 <= status < 400:
            raise PermanentError(f"webhook {self.host} answered {status}: redirects are not followed")
        raise PermanentError(f"webhook {self.host} refused the delivery ({status}): {_excerpt(response)}")

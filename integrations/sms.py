"""SMS notifications through an HTTP gateway (JSON with a bearer token), the way Swedish SMS services
such as 46elks or Sinch are called. Like e-mail, an SMS says only that something is waiting.

Without ``PORTAL_SMS_GATEWAY_URL``, outside production, each message is written to a file for the demo.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from integrations import registry
from integrations.base import Adapter, Delivery, DeliveryResult, PermanentError, TransientError

if TYPE_CHECKING:
    from portal.config import Config


@registry.register("sms")
class SmsAdapter(Adapter):
    id = "sms"
    label = "SMS (HTTP gateway)"

    def __init__(
        self,
        *,
        url: str = "",
        token: str = "",
        sender: str = "Kommunen",
        outdir: Path | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url, self.token, self.sender, self.outdir = url, token, sender, outdir
        self.timeout, self.transport = timeout, transport
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], config: Config | None = None) -> SmsAdapter:
        """From the installation's ``PORTAL_SMS_*`` settings; outside production, without a gateway,
        messages are written to ``PORTAL_OUTGOING_SMS_DIR``."""
        if config is None:
            raise PermanentError("sms: the installation's settings are needed")
        return cls(
            url=config.sms_gateway_url,
            token=config.sms_gateway_token,
            sender=config.sms_sender,
            outdir=None if config.is_production else Path(config.outgoing_sms_dir),
        )

    def _http(self) -> httpx.Client:
        """One pooled client for the adapter's life, shared by the worker's delivery threads."""
        with self._client_lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self.timeout, transport=self.transport)
            return self._client

    def close(self) -> None:
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        if delivery.topic != "notification.sms":
            raise PermanentError(f"the sms adapter does not take {delivery.topic}")
        message = {
            "from": self.sender,
            "to": delivery.payload["to"],
            "message": delivery.payload["body"],
            "reference": delivery.idempotency_key,
        }
        if not self.url:
            if self.outdir is None:
                raise PermanentError("no SMS gateway configured")
            self.outdir.mkdir(parents=True, exist_ok=True)
            (self.outdir / f"{delivery.idempotency_key}.json").write_text(
                json.dumps(message, ensure_ascii=False)
            )
            return DeliveryResult()
        try:
            response = self._http().post(
                self.url,
                json=message,
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Idempotency-Key": delivery.idempotency_key,
                },
            )
        except httpx.HTTPError as exc:
            raise TransientError(f"SMS gateway: {exc.__class__.__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(f"SMS gateway answered {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(f"SMS gateway refused the message ({response.status_code})")
        return DeliveryResult(external_ref=str(response.json().get("id", "")) if response.content else "")

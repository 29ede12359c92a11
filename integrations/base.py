"""The interface every case-system and notification adapter implements.

An adapter delivers one outbox item. It must be idempotent by the item's key (a retry after a crash
must not create a second application in the case system) and it classes its failures: ``TransientError``
is retried with backoff, ``PermanentError`` goes straight to the dead letters for an administrator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from portal.config import Config


class DeliveryError(Exception):
    pass


class TransientError(DeliveryError):
    """Try again later: timeouts, 5xx, a case system in maintenance."""


class PermanentError(DeliveryError):
    """Retrying will not help: a rejected payload, an unknown e-service at the receiver."""


@dataclass(frozen=True)
class Delivery:
    topic: str
    payload: dict[str, Any]
    idempotency_key: str
    municipality_id: int | None


@dataclass(frozen=True)
class DeliveryResult:
    # The case system's own reference, shown to the citizen once delivery is confirmed.
    external_ref: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class Adapter:
    """The base of every adapter: one module per adapter subclasses it and registers it by ``id``.

    Built once per worker with ``from_settings`` and used for many deliveries, from several threads at
    once: ``deliver`` must be thread-safe. ``close`` releases what the adapter holds open (pooled
    connections) when the worker stops; an adapter that holds nothing does nothing.

    ``per_municipality`` says where the adapter's settings live: in each municipality's
    ``adapter_settings`` (a case system: one adapter per municipality and settings), or in the
    installation's ``PORTAL_*`` settings (mail, SMS: one adapter for the installation).
    """

    id: ClassVar[str]
    label: ClassVar[str]
    per_municipality: ClassVar[bool] = False

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], config: Config | None = None) -> Adapter:
        """The adapter built from its settings: ``settings`` are the municipality's for this adapter
        (``{}`` unless ``per_municipality``), ``config`` the installation's. Invalid settings raise
        ``PermanentError``. The default takes no settings."""
        return cls()

    def deliver(self, delivery: Delivery) -> DeliveryResult:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release unless the adapter says otherwise."""


def parse_topics(value: Any, default: frozenset[str], adapter_id: str) -> frozenset[str]:
    """An adapter's ``topics`` setting: a list, or a comma-separated string; missing means ``default``."""
    if value is None:
        return default
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple | set | frozenset) or not all(isinstance(t, str) for t in value):
        raise PermanentError(f"{adapter_id}: topics must be a list of topic names")
    topics = frozenset(t.strip() for t in value if t.strip())
    if not topics:
        raise PermanentError(f"{adapter_id}: topics must name at least one topic")
    return topics

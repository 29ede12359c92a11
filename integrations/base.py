"""The interface every case-system and notification adapter implements.

An adapter delivers one outbox item. It must be idempotent by the item's key (a retry after a crash
must not create a second application in the case system) and it classes its failures: ``TransientError``
is retried with backoff, ``PermanentError`` goes straight to the dead letters for an administrator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


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


class Adapter(Protocol):
    """Built once per worker (per municipality and settings) and used for many deliveries, from several
    threads at once: ``deliver`` must be thread-safe. ``close`` releases what the adapter holds open
    (pooled connections) when the worker stops; an adapter that holds nothing does nothing."""

    id: str

    def deliver(self, delivery: Delivery) -> DeliveryResult: ...

    def close(self) -> None: ...


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

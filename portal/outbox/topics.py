"""Outbox topics: what the portal hands to other systems, and what it does once an item is delivered.

A topic is declared once, by the domain that owns what delivery means for it (``Topic(...)`` registered
with ``declare``), in the same registry shape as e-services, adapters and login methods. The outbox looks
the topic up when an item of it is delivered, by the worker or by a case system's acknowledgement over
the API (with who did it: ``SYSTEM`` for the worker, the API client's actor for an acknowledgement); a
topic with no ``on_delivered`` needs nothing done. ``load()`` imports the declaring modules
once, at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from integrations.base import DeliveryResult
from portal.actor import Actor
from portal.registry import Registry

# (session, [(item, result), …], actor) for a batch of delivered items of the topic; an item is anything
# with the outbox item's attributes (the worker's claimed rows, or an OutboxItem); the actor is who
# delivered or acknowledged them, for the audit events.
OnDelivered = Callable[[Session, list[tuple[Any, DeliveryResult]], Actor], None]


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    # What the portal does once items of the topic are delivered (e.g. mark the cases received).
    on_delivered: OnDelivered | None = None

    def delivered(self, session: Session, batch: list[tuple[Any, DeliveryResult]], actor: Actor) -> None:
        if self.on_delivered is not None and batch:
            self.on_delivered(session, batch, actor)


registry: Registry[Topic] = Registry("outbox topic")

# The modules that declare topics with something to do on delivery.
MODULES = ("portal.cases.services",)


def declare(topic: Topic) -> Topic:
    registry.add(topic.id, topic)
    return topic


def load() -> None:
    for module in MODULES:
        importlib.import_module(module)


def delivered(session: Session, topic_id: str, batch: list[tuple[Any, DeliveryResult]], actor: Actor) -> None:
    """Do what delivery of these items means for their topic (nothing for a topic without a handler)."""
    topic = registry.get(topic_id)
    if topic is not None:
        topic.delivered(session, batch, actor)

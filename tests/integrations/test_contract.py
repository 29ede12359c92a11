"""The contract every adapter keeps, run against each of them with a real target (a directory, a local
HTTP receiver): a DeliveryResult on success, no second effect when the same item comes again, and a
PermanentError (with no effect) for a topic it does not take."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import integrations
from integrations.base import Delivery, DeliveryResult, PermanentError
from integrations.embedded import EmbeddedAdapter
from integrations.filedrop import FiledropAdapter
from integrations.mail import MailAdapter
from integrations.sms import SmsAdapter
from integrations.webhook import WebhookAdapter
from tests.integrations import PROXY_VARIABLES, WEBHOOK_SECRET, running_receiver

APPLICATION = {"case_number": "K7Q2M9", "case_id": "42", "municipality": "exempelby", "application": {}}
EMAIL = {"to": "anna@example.se", "subject": "Ny händelse", "body": "Logga in för att läsa."}
SMS = {"to": "+46701234567", "body": "Du har ett nytt meddelande."}


@dataclass
class Target:
    adapter: Any
    topic: str
    payload: dict[str, Any]
    # How many distinct effects the target now holds (applications, messages, files).
    effects: Callable[[], int]


def _files(directory: Path, pattern: str) -> Callable[[], int]:
    return lambda: len(list(directory.glob(pattern))) if directory.exists() else 0


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["embedded", "mail", "sms", "webhook", "filedrop"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    name = request.param
    if name == "embedded":
        # The application is already in the portal's database: the "effect" is the confirmed case number.
        confirmed: set[str] = set()
        adapter = EmbeddedAdapter()
        original = adapter.deliver

        def deliver(delivery: Delivery) -> DeliveryResult:
            result = original(delivery)
            confirmed.add(result.external_ref)
            return result

        adapter.deliver = deliver  # type: ignore[method-assign]
        yield Target(adapter, "application.submitted", APPLICATION, lambda: len(confirmed))
    elif name == "mail":
        maildir = tmp_path / "mail"
        yield Target(MailAdapter(maildir=maildir), "notification.email", EMAIL, _files(maildir, "*.eml"))
    elif name == "sms":
        outdir = tmp_path / "sms"
        yield Target(SmsAdapter(outdir=outdir), "notification.sms", SMS, _files(outdir, "*.json"))
    elif name == "webhook":
        with running_receiver() as receiver:
            adapter = WebhookAdapter(url=receiver.url("/ok"), secret=WEBHOOK_SECRET, timeout=5.0)
            yield Target(adapter, "application.submitted", APPLICATION, lambda: len(receiver.accepted_keys()))
    else:
        drop = tmp_path / "drop"
        drop.mkdir()
        adapter = FiledropAdapter(directory=drop)
        yield Target(adapter, "application.submitted", APPLICATION, _files(drop, "*"))


def _delivery(target: Target, topic: str | None = None) -> Delivery:
    """A new item: its own key, and for an application its own case number."""
    unique = uuid.uuid4().hex
    payload = dict(target.payload)
    if "case_number" in payload:
        payload["case_number"] = unique[:6].upper()
    return Delivery(
        topic=topic or target.topic,
        payload=payload,
        idempotency_key=f"contract:{unique}",
        municipality_id=1,
    )


def test_registered_under_its_id(target: Target) -> None:
    integrations.load()
    assert integrations.registry[target.adapter.id] is type(target.adapter)


def test_delivers_and_returns_a_delivery_result(target: Target) -> None:
    result = target.adapter.deliver(_delivery(target))

    assert isinstance(result, DeliveryResult)
    assert isinstance(result.external_ref, str)
    assert target.effects() == 1


def test_delivering_the_same_item_twice_has_one_effect(target: Target) -> None:
    delivery = _delivery(target)

    first = target.adapter.deliver(delivery)
    second = target.adapter.deliver(delivery)

    assert target.effects() == 1
    assert second.external_ref == first.external_ref


def test_two_items_are_two_effects(target: Target) -> None:
    target.adapter.deliver(_delivery(target))
    target.adapter.deliver(_delivery(target))

    assert target.effects() == 2


def test_a_topic_it_does_not_take_is_permanent_and_has_no_effect(target: Target) -> None:
    with pytest.raises(PermanentError):
        target.adapter.deliver(_delivery(target, topic="no.such.topic"))

    assert target.effects() == 0


def test_many_items_from_several_threads_then_close(target: Target) -> None:
    """A worker delivers through one adapter from several threads, and closes it when it stops."""
    deliveries = [_delivery(target) for _ in range(24)]

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(target.adapter.deliver, deliveries))
    target.adapter.close()

    assert all(isinstance(r, DeliveryResult) for r in results)
    assert target.effects() == 24

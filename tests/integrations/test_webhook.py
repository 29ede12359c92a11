"""The webhook adapter against a real HTTP(S) receiver on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from integrations.base import Delivery, PermanentError, TransientError
from integrations.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookAdapter,
    sign,
    verify_signature,
)
from tests.integrations import (
    PROXY_VARIABLES,
    WEBHOOK_SECRET,
    Receiver,
    TlsMaterial,
    make_tls_material,
    running_receiver,
)

PERSONNUMMER = "199001012380"
DELIVERY = Delivery(
    topic="application.submitted",
    payload={"case_number": "K7Q2M9", "application": {"personnummer": PERSONNUMMER, "namn": "Åsa Öberg"}},
    idempotency_key="application:42",
    municipality_id=3,
)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsMaterial:
    return make_tls_material(tmp_path_factory.mktemp("tls"))


def adapter_for(url: str, **options: object) -> WebhookAdapter:
    return WebhookAdapter(url=url, secret=WEBHOOK_SECRET, **options)  # type: ignore[arg-type]


def requests_for(receiver: Receiver, key: str) -> list:
    return [request for request in receiver.requests if request.headers.get("Idempotency-Key") == key]


def delivery(key: str) -> Delivery:
    return Delivery(DELIVERY.topic, DELIVERY.payload, key, DELIVERY.municipality_id)


# -- success -----------------------------------------------------------------------------------------


def test_posts_signed_json_the_receiver_verifies(receiver: Receiver) -> None:
    result = adapter_for(receiver.url("/ok")).deliver(delivery("application:1"))

    [request] = requests_for(receiver, "application:1")
    assert request.signature_ok
    assert request.headers["Content-Type"] == "application/json"
    assert abs(int(request.headers[TIMESTAMP_HEADER]) - time.time()) < 5
    assert json.loads(request.body) == {
        "topic": "application.submitted",
        "idempotency_key": "application:1",
        "municipality_id": 3,
        "payload": DELIVERY.payload,
    }
    assert "Åsa Öberg".encode() in request.body  # UTF-8, not \u escapes
    assert result.external_ref.startswith("REF-")


def test_a_retry_sends_the_same_body_and_key_and_gets_the_same_reference(receiver: Receiver) -> None:
    adapter = adapter_for(receiver.url("/ok"))

    first = adapter.deliver(delivery("application:2"))
    second = adapter.deliver(delivery("application:2"))

    one, two = requests_for(receiver, "application:2")
    assert one.body == two.body
    assert one.signature_ok and two.signature_ok
    assert first.external_ref == second.external_ref
    assert "application:2" in receiver.accepted_keys()


def test_the_receiver_refuses_a_wrong_secret_for_good(receiver: Receiver) -> None:
    adapter = WebhookAdapter(url=receiver.url("/ok"), secret="another-secret-of-enough-length")

    with pytest.raises(PermanentError, match="401"):
        adapter.deliver(delivery("application:3"))

    [request] = requests_for(receiver, "application:3")
    assert not request.signature_ok


def test_reference_from_id_and_none_from_a_text_answer(receiver: Receiver) -> None:
    assert adapter_for(receiver.url("/id")).deliver(delivery("application:4")).external_ref == "4711"
    assert adapter_for(receiver.url("/plain")).deliver(delivery("application:5")).external_ref == ""


# -- failures ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_statuses_worth_retrying_are_transient(receiver: Receiver, status: int) -> None:
    with pytest.raises(TransientError, match=str(status)):
        adapter_for(receiver.url(f"/status/{status}")).deliver(delivery(f"status:{status}"))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_other_client_errors_are_permanent_without_the_payload(receiver: Receiver, status: int) -> None:
    with pytest.raises(PermanentError) as caught:
        adapter_for(receiver.url(f"/status/{status}")).deliver(delivery(f"status:{status}"))

    message = str(caught.value)
    assert str(status) in message
    assert "receiver says: xxx" in message
    excerpt = message.split(": ", 1)[1]
    assert len(excerpt) <= 200
    assert PERSONNUMMER not in message and "Öberg" not in message


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    with pytest.raises(PermanentError, match="302"):
        adapter_for(receiver.url("/redirect")).deliver(delivery("redirect:1"))

    assert [request.path for request in requests_for(receiver, "redirect:1")] == ["/redirect"]


def test_a_receiver_slower_than_the_timeout_is_transient(receiver: Receiver) -> None:
    started = time.monotonic()

    with pytest.raises(TransientError, match="no answer in time"):
        adapter_for(receiver.url("/slow"), timeout=0.3).deliver(delivery("slow:1"))

    assert time.monotonic() - started < 1.5


def test_nothing_listening_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is free again: nothing accepts connections on it.

    with pytest.raises(TransientError, match="ConnectError"):
        adapter_for(f"http://127.0.0.1:{port}/ok", timeout=2.0).deliver(delivery("refused:1"))


def test_a_topic_outside_the_settings_is_permanent_and_not_sent(receiver: Receiver) -> None:
    email = Delivery("notification.email", {"to": "a@example.se"}, "mail:1", 3)

    with pytest.raises(PermanentError, match=r"notification\.email"):
        adapter_for(receiver.url("/ok")).deliver(email)

    assert requests_for(receiver, "mail:1") == []
    assert adapter_for(receiver.url("/ok"), topics={"notification.email"}).deliver(email).external_ref


# -- TLS ---------------------------------------------------------------------------------------------


def test_https_with_the_receivers_ca_file(tls: TlsMaterial) -> None:
    with running_receiver(tls.server_context) as receiver:
        result = adapter_for(receiver.url("/ok"), ca_file=tls.ca_file).deliver(delivery("tls:1"))

    assert result.external_ref == "REF-1"
    [request] = receiver.requests
    assert request.signature_ok


def test_an_untrusted_certificate_is_permanent(tls: TlsMaterial) -> None:
    """A certificate the default store does not trust is a configuration error (or an impostor): it goes
    to the dead letters at once instead of being retried for an hour, and nothing is sent."""
    with (
        running_receiver(tls.server_context) as receiver,
        pytest.raises(PermanentError, match="certificate not trusted"),
    ):
        adapter_for(receiver.url("/ok")).deliver(delivery("tls:2"))

    assert receiver.requests == []


def test_a_certificate_for_another_host_is_permanent(tmp_path: Path) -> None:
    other = make_tls_material(tmp_path, names=("case-system.example.se",))
    with (
        running_receiver(other.server_context) as receiver,
        pytest.raises(PermanentError, match="certificate not trusted"),
    ):
        adapter_for(receiver.url("/ok"), ca_file=other.ca_file).deliver(delivery("tls:3"))

    assert receiver.requests == []


# -- configuration -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"url": "http://case-system.example.se/in", "secret": WEBHOOK_SECRET}, "https"),
        ({"url": "", "secret": WEBHOOK_SECRET}, "url"),
        ({"url": "https://:443/", "secret": WEBHOOK_SECRET}, "url"),
        ({"url": "https://bad\x00host/", "secret": WEBHOOK_SECRET}, "url"),
        ({"url": "https://case-system.example.se/in", "secret": "short"}, "secret"),
        ({"url": "https://case-system.example.se/in"}, "secret"),
        ({"url": "https://x.example.se/", "secret": WEBHOOK_SECRET, "verify": False}, "cannot be turned off"),
        (
            {"url": "https://x.example.se/", "secret": WEBHOOK_SECRET, "ca_file": "/nonexistent.pem"},
            "ca_file",
        ),
        ({"url": "https://x.example.se/", "secret": WEBHOOK_SECRET, "timeout": "soon"}, "timeout"),
        ({"url": "https://x.example.se/", "secret": WEBHOOK_SECRET, "retries": 3}, "unknown"),
        ({"url": "https://x.example.se/", "secret_env": "MEDBORGARVY_TEST_UNSET"}, "MEDBORGARVY_TEST_UNSET"),
        ({"url": "https://x.example.se/", "secret": WEBHOOK_SECRET, "topics": []}, "topics"),
        ({"url": "https://x.example.se/", "secret": WEBHOOK_SECRET, "topics": 7}, "topics"),
        ({"url": "https://x.example.se/", "secret": 12345678901234567890}, "secret"),
    ],
)
def test_bad_settings_are_permanent(settings: dict, problem: str) -> None:
    with pytest.raises(PermanentError, match=problem):
        WebhookAdapter.from_settings(settings)


def test_from_settings(monkeypatch: pytest.MonkeyPatch, tls: TlsMaterial) -> None:
    monkeypatch.setenv("VIVA_WEBHOOK_SECRET", WEBHOOK_SECRET)

    adapter = WebhookAdapter.from_settings(
        {
            "url": "https://viva.example.se/in",
            "secret_env": "VIVA_WEBHOOK_SECRET",
            "timeout": "2.5",
            "ca_file": str(tls.ca_file),
            "topics": "application.submitted, notification.email",
        }
    )

    assert adapter.timeout == 2.5
    assert adapter.topics == {"application.submitted", "notification.email"}
    assert WebhookAdapter.from_settings({"url": "http://127.0.0.1:9/", "secret": WEBHOOK_SECRET}).topics == {
        "application.submitted"
    }


def test_with_a_mock_transport() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"reference": "LC-2024-17"})

    adapter = WebhookAdapter(
        url="https://lifecare.example.se/in", secret=WEBHOOK_SECRET, transport=httpx.MockTransport(handler)
    )

    assert adapter.deliver(DELIVERY).external_ref == "LC-2024-17"
    request = seen[0]
    assert verify_signature(
        WEBHOOK_SECRET, request.headers[TIMESTAMP_HEADER], request.content, request.headers[SIGNATURE_HEADER]
    )


# -- verify_signature --------------------------------------------------------------------------------

BODY = b'{"idempotency_key":"application:42"}'
NOW = 1_700_000_000


def test_verify_signature_accepts_our_own() -> None:
    header = sign(WEBHOOK_SECRET, NOW, BODY)

    assert header.startswith("sha256=") and len(header) == len("sha256=") + 64
    assert verify_signature(WEBHOOK_SECRET, str(NOW), BODY, header, now=NOW + 10)
    assert verify_signature(WEBHOOK_SECRET.encode(), NOW, BODY.decode(), header, now=NOW)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "header", "now"),
    [
        ("another-secret-entirely", NOW, BODY, None, NOW),  # wrong secret
        (WEBHOOK_SECRET, NOW, BODY + b" ", None, NOW),  # body changed
        (WEBHOOK_SECRET, NOW + 1, BODY, None, NOW),  # timestamp changed
        (WEBHOOK_SECRET, NOW, BODY, None, NOW + 301),  # too old: a replay
        (WEBHOOK_SECRET, NOW, BODY, None, NOW - 301),  # from the future
        (WEBHOOK_SECRET, NOW, BODY, "sha1=abc", NOW),
        (WEBHOOK_SECRET, NOW, BODY, "", NOW),
        (WEBHOOK_SECRET, "yesterday", BODY, None, NOW),
        (WEBHOOK_SECRET, None, BODY, None, NOW),
        ("", NOW, BODY, None, NOW),
    ],
)
def test_verify_signature_refuses(
    secret: str, timestamp: object, body: bytes, header: object, now: int
) -> None:
    signed = sign(WEBHOOK_SECRET, NOW, BODY) if header is None else header

    assert not verify_signature(secret, timestamp, body, signed, now=now)  # type: ignore[arg-type]


def test_a_kept_alive_connection_the_receiver_closed_is_replaced() -> None:
    """Receivers close idle connections without saying so; the next delivery must not fail for it."""
    answered: list[int] = []

    def serve(server: socket.socket) -> None:
        for _ in range(3):
            connection, _address = server.accept()
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(65536)
                head, _, body = request.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(body) < length:
                    body += connection.recv(65536)
                answered.append(len(body))
                connection.sendall(
                    b"HTTP/1.1 201 Created\r\nContent-Length: 17\r\n\r\n" + b'{"reference":"R"}'
                )
            # closed without "Connection: close", as an idle timeout at the receiver does

    with socket.create_server(("127.0.0.1", 0)) as server:
        thread = threading.Thread(target=serve, args=(server,), daemon=True)
        thread.start()
        adapter = WebhookAdapter(url=f"http://127.0.0.1:{server.getsockname()[1]}/", secret=WEBHOOK_SECRET)
        results = [adapter.deliver(DELIVERY) for _ in range(3)]
        adapter.close()
        thread.join(timeout=5)

    assert [r.external_ref for r in results] == ["R", "R", "R"]
    assert len(answered) == 3

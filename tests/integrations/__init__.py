"""Helpers for the adapter tests: a real webhook receiver on 127.0.0.1 (plain HTTP or TLS) that verifies
signatures the way a case system would, and a throwaway CA with a server certificate for the TLS tests."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from integrations.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature

WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdef"
SLOW_SECONDS = 2.0
HANG_SECONDS = 60.0
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@dataclass
class ReceivedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


@dataclass
class Receiver:
    """What the receiver has seen. Paths choose its answer:

    ``/ok``            verifies the signature (401 if wrong), accepts each Idempotency-Key once and answers
                       201 {"reference": ...}, the same reference again for a key it already has
    ``/id``            200 {"id": 4711}
    ``/plain``         200 with a text body
    ``/status/<code>`` that status, with a long text body
    ``/slow``          answers after SLOW_SECONDS
    ``/hang``          answers after HANG_SECONDS (longer than any client waits)
    ``/redirect``      302 to /ok
    """

    base_url: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/ok") -> str:
        return self.base_url + path

    def accepted_keys(self) -> set[str]:
        return set(self.references)


def _handler(receiver_state: list[Receiver], secret: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

        def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == 302:
                self.send_header("Location", "/ok")
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            receiver = receiver_state[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            signature_ok = verify_signature(
                secret, self.headers.get(TIMESTAMP_HEADER), body, self.headers.get(SIGNATURE_HEADER)
            )
            with receiver.lock:
                receiver.requests.append(ReceivedRequest(self.path, dict(self.headers), body, signature_ok))
            # The client may have given up waiting (the timeout tests).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._route(receiver, body, signature_ok)

        def _route(self, receiver: Receiver, body: bytes, signature_ok: bool) -> None:
            if self.path == "/ok":
                if not signature_ok:
                    self._answer(401, b'{"error": "bad signature"}')
                    return
                key = json.loads(body)["idempotency_key"]
                with receiver.lock:
                    reference = receiver.references.setdefault(key, f"REF-{len(receiver.references) + 1}")
                self._answer(201, json.dumps({"reference": reference}).encode())
            elif self.path == "/id":
                self._answer(200, b'{"id": 4711}')
            elif self.path == "/plain":
                self._answer(200, b"thanks", "text/plain")
            elif self.path.startswith("/status/"):
                status = int(self.path.rsplit("/", 1)[1])
                self._answer(status, b"receiver says: " + b"x" * 1000, "text/plain")
            elif self.path == "/slow":
                time.sleep(SLOW_SECONDS)
                self._answer(200, b"{}")
            elif self.path == "/hang":
                time.sleep(HANG_SECONDS)
                self._answer(200, b"{}")
            elif self.path == "/redirect":
                self._answer(302, b"")
            else:
                self._answer(404, b"{}")

    return Handler


@contextmanager
def running_receiver(
    tls: ssl.SSLContext | None = None, *, host: str = "127.0.0.1", secret: str = WEBHOOK_SECRET
) -> Iterator[Receiver]:
    state: list[Receiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, secret))
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    state.append(Receiver(f"{scheme}://{host}:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True)
class TlsMaterial:
    ca_file: Path  # the CA's certificate, PEM: what a client passes as ca_file
    server_context: ssl.SSLContext  # the receiver's side, with a certificate for 127.0.0.1 and localhost


def make_tls_material(directory: Path, *, names: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TlsMaterial:
    """A private CA and a server certificate it issued, the way a municipality's own CA would."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Medborgarvy test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = []
    for name in names:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt_names.append(x509.DNSName(name))
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file, key_file = directory / "server.pem", directory / "server-key.pem"
    cert_file.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return TlsMaterial(ca_file=ca_file, server_context=context)

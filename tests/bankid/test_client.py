"""The BankID RP API v6.0 client against the simulator over real HTTP, and HTTPS with client certificates."""

import base64
import datetime as dt
import ipaddress
import json
import logging
import socket
import threading
import time
from xml.etree import ElementTree as ET

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from portal.auth.bankid import (
    BankIDClient,
    BankIDError,
    BankIDUnavailable,
    autostart_url,
    qr_data,
    user_message,
)
from portal.bankid_simulator.server import make_simulator_server, mutual_tls_context

TOLVAN = "191212121212"
GRETA = "192001010178"


@pytest.fixture
def simulator(bankid_simulator):
    bankid_simulator.reset()
    yield bankid_simulator
    bankid_simulator.reset()


@pytest.fixture
def client(simulator):
    with BankIDClient(simulator.base_url, timeout=5.0) as bankid:
        yield bankid


# -- the whole flow over HTTP ---------------------------------------------------------------------------


def test_auth_collect_complete(client, simulator):
    order = client.auth("192.0.2.10")
    assert order.order_ref and order.auto_start_token and order.qr_start_token and order.qr_start_secret

    pending = client.collect(order.order_ref)
    assert (pending.status, pending.hint_code, pending.completion) == (
        "pending",
        "outstandingTransaction",
        None,
    )

    simulator.start(order.order_ref)
    assert client.collect(order.order_ref).hint_code == "userSign"

    simulator.approve(order.order_ref, TOLVAN, name="Tolvan Tolvansson")
    result = client.collect(order.order_ref)
    assert result.is_complete and result.hint_code is None
    completion = result.completion
    assert completion.personal_number == TOLVAN
    assert (completion.name, completion.given_name, completion.surname) == (
        "Tolvan Tolvansson",
        "Tolvan",
        "Tolvansson",
    )
    assert completion.ip_address == "192.0.2.10"
    dt.date.fromisoformat(completion.bank_id_issue_date)
    assert completion.raw["device"]["uhi"]
    signature = ET.fromstring(base64.b64decode(completion.signature))
    assert signature.tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    assert base64.b64decode(completion.ocsp_response)[0] == 0x30  # a DER SEQUENCE


def test_name_defaults_to_the_demo_identity(client, simulator):
    order = client.auth("192.0.2.10")
    simulator.approve(order.order_ref, GRETA)
    completion = client.collect(order.order_ref).completion
    assert (completion.given_name, completion.surname) == ("Greta", "Hundra")


def test_sign_sends_the_text_base64_encoded(client, simulator):
    text = "# Ansökan om ekonomiskt bistånd\n\nJag intygar att uppgifterna är *riktiga*."
    order = client.sign(
        "2001:db8::1", text, user_visible_data_format="simpleMarkdownV1", user_non_visible_data=b"\x00case-42"
    )
    seen = simulator.order(order.order_ref)
    assert seen["type"] == "sign"
    assert seen["userVisibleData"] == text
    assert seen["userVisibleDataFormat"] == "simpleMarkdownV1"
    assert base64.b64decode(seen["userNonVisibleData"]) == b"\x00case-42"

    simulator.start(order.order_ref)
    assert client.collect(order.order_ref).hint_code == "userSign"
    simulator.approve(order.order_ref, TOLVAN)
    completion = client.collect(order.order_ref).completion
    signed_xml = base64.b64decode(completion.signature).decode()
    assert base64.b64encode(text.encode()).decode() in signed_xml


def test_user_cancel(client, simulator):
    order = client.auth("192.0.2.10")
    simulator.user_cancel(order.order_ref)
    result = client.collect(order.order_ref)
    assert (result.status, result.hint_code) == ("failed", "userCancel")
    assert user_message(status=result.status, hint_code=result.hint_code, qr=True).rfa == "RFA6"


def test_start_failed(client, simulator):
    order = client.auth("192.0.2.10")
    simulator.fail(order.order_ref, "startFailed")
    result = client.collect(order.order_ref)
    assert (result.status, result.hint_code) == ("failed", "startFailed")


def test_expired_transaction(client, simulator):
    simulator.set_order_lifetime(1.0)
    order = client.auth("192.0.2.10")
    assert client.collect(order.order_ref).is_pending
    time.sleep(1.2)
    result = client.collect(order.order_ref)
    assert (result.status, result.hint_code) == ("failed", "expiredTransaction")
    assert user_message(status=result.status, hint_code=result.hint_code, qr=True).rfa == "RFA8"


def test_already_in_progress(client, simulator):
    first = client.auth("192.0.2.10", requirement={"personalNumber": TOLVAN})
    with pytest.raises(BankIDError) as caught:
        client.auth("192.0.2.11", requirement={"personalNumber": TOLVAN})
    assert (caught.value.error_code, caught.value.http_status) == ("alreadyInProgress", 400)
    assert user_message(status=None, error_code=caught.value.error_code, qr=True).rfa == "RFA4"
    # BankID aborts the running order too.
    assert client.collect(first.order_ref).hint_code == "cancelled"


def test_maintenance(client, simulator):
    simulator.maintenance(True)
    with pytest.raises(BankIDError) as caught:
        client.auth("192.0.2.10")
    assert (caught.value.error_code, caught.value.http_status) == ("maintenance", 503)
    simulator.maintenance(False)
    assert client.auth("192.0.2.10").order_ref


def test_cancel(client, simulator):
    order = client.auth("192.0.2.10")
    assert client.cancel(order.order_ref) is None
    result = client.collect(order.order_ref)
    assert (result.status, result.hint_code) == ("failed", "cancelled")
    with pytest.raises(BankIDError) as caught:
        client.cancel(order.order_ref)
    assert caught.value.error_code == "invalidParameters"


def test_finished_order_is_collected_once(client, simulator):
    order = client.auth("192.0.2.10")
    simulator.approve(order.order_ref, TOLVAN)
    assert client.collect(order.order_ref).is_complete
    with pytest.raises(BankIDError) as caught:
        client.collect(order.order_ref)
    assert caught.value.error_code == "invalidParameters"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.collect("00000000-0000-4000-8000-000000000000"),
        lambda c: c.cancel("no-such-order"),
        lambda c: c.auth("not-an-ip-address"),
        lambda c: c.auth("192.0.2.10", requirement={"personalNumber": "191212121213"}),
        lambda c: c.auth("192.0.2.10", requirement={"personalnumber": TOLVAN}),
    ],
)
def test_invalid_parameters(client, call):
    with pytest.raises(BankIDError) as caught:
        call(client)
    assert (caught.value.error_code, caught.value.http_status) == ("invalidParameters", 400)
    assert caught.value.details


def test_qr_code_is_accepted_by_the_simulated_app(client, simulator):
    order = client.auth("192.0.2.10")
    simulator.scan(qr_data(order.qr_start_token, order.qr_start_secret, 0))
    assert client.collect(order.order_ref).hint_code == "userSign"


def test_personal_data_stays_out_of_logs_and_reprs(client, simulator, caplog):
    caplog.set_level(logging.DEBUG)
    order = client.auth("192.0.2.10")
    simulator.approve(order.order_ref, TOLVAN, name="Tolvan Tolvansson")
    result = client.collect(order.order_ref)
    assert TOLVAN not in caplog.text and "Tolvansson" not in caplog.text
    assert order.order_ref in caplog.text
    assert TOLVAN not in repr(result) and "Tolvansson" not in repr(result)
    assert order.qr_start_secret not in repr(order)


# -- failures without the simulator's help ---------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unavailable_when_nothing_listens():
    with BankIDClient(f"http://127.0.0.1:{_closed_port()}/rp/v6.0/", timeout=2.0) as bankid:
        with pytest.raises(BankIDUnavailable):
            bankid.auth("192.0.2.10")
        assert user_message(status=None, error_code=BankIDUnavailable.error_code, qr=False).rfa == "RFA5"


def _client_answering(handler) -> BankIDClient:
    return BankIDClient("https://bankid.invalid/rp/v6.0", transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"orderRef": "x"}),  # no tokens
        httpx.Response(502, text="<html>Bad gateway</html>"),
        httpx.Response(504, text="Gateway timeout"),
    ],
)
def test_unavailable_for_answers_that_are_not_bankids(response):
    with pytest.raises(BankIDUnavailable):
        _client_answering(lambda request: response).auth("192.0.2.10")


def test_unavailable_on_timeout():
    def handler(request):
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(BankIDUnavailable):
        _client_answering(handler).collect("x")


def test_error_without_json_body_gets_the_documented_code():
    with pytest.raises(BankIDError) as caught:
        _client_answering(lambda request: httpx.Response(404, text="Not found")).collect("x")
    assert (caught.value.error_code, caught.value.http_status) == ("notFound", 404)


def test_collect_without_completion_data_is_unavailable():
    body = {"orderRef": "x", "status": "complete"}
    with pytest.raises(BankIDUnavailable):
        _client_answering(lambda request: httpx.Response(200, json=body)).collect("x")


def test_request_shape():
    seen = []

    def handler(request):
        seen.append(request)
        return httpx.Response(
            200, json={"orderRef": "o", "autoStartToken": "a", "qrStartToken": "q", "qrStartSecret": "s"}
        )

    _client_answering(handler).auth(
        "192.0.2.10",
        user_visible_data="Logga in på **Medborgarvy**",
        user_visible_data_format="simpleMarkdownV1",
        user_non_visible_data="intern",
        return_url="https://portal.example/bankid/tillbaka",
        requirement={"pinCode": True},
        return_risk=True,
    )
    request = seen[0]
    assert request.method == "POST"
    assert request.url == "https://bankid.invalid/rp/v6.0/auth"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "endUserIp": "192.0.2.10",
        "userVisibleData": base64.b64encode("Logga in på **Medborgarvy**".encode()).decode(),
        "userVisibleDataFormat": "simpleMarkdownV1",
        "userNonVisibleData": base64.b64encode(b"intern").decode(),
        "returnUrl": "https://portal.example/bankid/tillbaka",
        "requirement": {"pinCode": True},
        "returnRisk": True,
    }


def test_autostart_url():
    assert autostart_url("7c40b5c9-fa74-49cf-b98c-bfe651f9a7c6") == (
        "https://app.bankid.com/?autostarttoken=7c40b5c9-fa74-49cf-b98c-bfe651f9a7c6&redirect=null"
    )
    assert autostart_url("abc", app_scheme=True) == "bankid:///?autostarttoken=abc&redirect=null"
    assert autostart_url("abc", redirect="https://portal.example/a?b=c") == (
        "https://app.bankid.com/?autostarttoken=abc&redirect=https%3A%2F%2Fportal.example%2Fa%3Fb%3Dc"
    )


# -- mutual TLS ---------------------------------------------------------------------------------------


def _certificate(subject_cn, key, issuer_cn, issuer_key, *, ca=False, server=False):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write_pem(path, cert, key=None):
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        key_path = path.with_suffix(".key")
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return str(path), str(key_path)
    return str(path)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA like BankID's (signs the server), an RP CA (signs our client certificate) and a stranger CA."""
    directory = tmp_path_factory.mktemp("bankid-pki")
    keys = {
        name: ec.generate_private_key(ec.SECP256R1())
        for name in ("ca", "rp_ca", "other_ca", "server", "rp", "intruder")
    }
    ca = _certificate("Test BankID Root CA", keys["ca"], "Test BankID Root CA", keys["ca"], ca=True)
    rp_ca = _certificate("Test RP CA", keys["rp_ca"], "Test RP CA", keys["rp_ca"], ca=True)
    other_ca = _certificate("Other CA", keys["other_ca"], "Other CA", keys["other_ca"], ca=True)
    server = _certificate("127.0.0.1", keys["server"], "Test BankID Root CA", keys["ca"], server=True)
    rp = _certificate("Medborgarvy test RP", keys["rp"], "Test RP CA", keys["rp_ca"])
    intruder = _certificate("Intruder", keys["intruder"], "Other CA", keys["other_ca"])
    return {
        "ca": _write_pem(directory / "ca.pem", ca),
        "rp_ca": _write_pem(directory / "rp-ca.pem", rp_ca),
        "other_ca": _write_pem(directory / "other-ca.pem", other_ca),
        "server": _write_pem(directory / "server.pem", server, keys["server"]),
        "rp": _write_pem(directory / "rp.pem", rp, keys["rp"]),
        "intruder": _write_pem(directory / "intruder.pem", intruder, keys["intruder"]),
    }


@pytest.fixture(scope="module")
def tls_simulator(pki):
    context = mutual_tls_context(*pki["server"], client_ca=pki["rp_ca"])
    server = make_simulator_server("127.0.0.1", 0, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}/rp/v6.0/"
    server.shutdown()
    server.server_close()


def test_mutual_tls_with_the_client_certificate(pki, tls_simulator):
    with BankIDClient(tls_simulator, client_cert=pki["rp"], ca_file=pki["ca"], timeout=5.0) as bankid:
        order = bankid.auth("192.0.2.10")
        assert bankid.collect(order.order_ref).hint_code == "outstandingTransaction"


def test_mutual_tls_refuses_a_client_without_certificate(pki, tls_simulator):
    with (
        BankIDClient(tls_simulator, ca_file=pki["ca"], timeout=5.0) as bankid,
        pytest.raises(BankIDUnavailable),
    ):
        bankid.auth("192.0.2.10")


def test_mutual_tls_refuses_a_certificate_from_another_ca(pki, tls_simulator):
    with (
        BankIDClient(tls_simulator, client_cert=pki["intruder"], ca_file=pki["ca"], timeout=5.0) as bankid,
        pytest.raises(BankIDUnavailable),
    ):
        bankid.auth("192.0.2.10")


def test_client_refuses_a_server_it_does_not_trust(pki, tls_simulator):
    with (
        BankIDClient(tls_simulator, client_cert=pki["rp"], ca_file=pki["other_ca"], timeout=5.0) as bankid,
        pytest.raises(BankIDUnavailable),
    ):
        bankid.auth("192.0.2.10")

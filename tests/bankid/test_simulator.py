"""The BankID simulator: the RP API's answers, the state machine, the tester pages and the control API.

Most tests use Flask's test client (fast, no process); test_client.py drives the real process.
"""

import base64
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.auth.bankid import BankIDClient
from portal.auth.bankid.qr import qr_data
from portal.bankid_simulator import create_simulator_app
from portal.bankid_simulator.orders import ControlError
from portal.bankid_simulator.state import SimulatorState
from portal.demo.identities import DemoIdentity

TOLVAN = "191212121212"
GRETA = "192001010178"
IDENTITIES = (
    DemoIdentity(TOLVAN, "Tolvan", "Tolvansson", "Testperson"),
    DemoIdentity(GRETA, "Greta", "Hundra", "Över 100 år"),
)
PORTAL = "http://portal.test/inloggning"


@pytest.fixture
def app():
    return create_simulator_app(identities=IDENTITIES, portal_return_url=PORTAL)


@pytest.fixture
def web(app):
    return app.test_client()


def rp(web, path, body=None, **kwargs):
    return web.post(f"/rp/v6.0/{path}", json=body, **kwargs)


def start_order(test_client, kind="auth", **fields):
    body = {"endUserIp": "192.0.2.10", **fields}
    if kind == "sign" and "userVisibleData" not in body:
        body["userVisibleData"] = base64.b64encode(b"Jag skriver under.").decode()
    response = rp(test_client, kind, body)
    assert response.status_code == 200, response.json
    return response.json


def collect(web, order_ref):
    return rp(web, "collect", {"orderRef": order_ref})


def b64(text):
    return base64.b64encode(text.encode()).decode()


# -- RP API ----------------------------------------------------------------------------------------------


def test_order_answer_has_bankids_fields(web):
    answer = start_order(web)
    assert set(answer) == {"orderRef", "autoStartToken", "qrStartToken", "qrStartSecret"}
    assert len(set(answer.values())) == 4


@pytest.mark.parametrize(
    ("kind", "body", "details"),
    [
        ("auth", {}, "endUserIp"),
        ("auth", {"endUserIp": "300.1.1.1"}, "endUserIp"),
        ("auth", {"endUserIp": "192.0.2.1", "userVisibleData": "not base64!"}, "userVisibleData"),
        (
            "auth",
            {"endUserIp": "192.0.2.1", "userVisibleData": base64.b64encode(b"\xff\xfe").decode()},
            "UTF-8",
        ),
        ("auth", {"endUserIp": "192.0.2.1", "userVisibleData": "x" * 1504}, "too long"),
        ("auth", {"endUserIp": "192.0.2.1", "userVisibleDataFormat": "simpleMarkdownV1"}, "Format"),
        (
            "auth",
            {"endUserIp": "192.0.2.1", "userVisibleData": "YQ==", "userVisibleDataFormat": "html"},
            "Format",
        ),
        ("auth", {"endUserIp": "192.0.2.1", "userNonVisibleData": "%%%"}, "userNonVisibleData"),
        ("auth", {"endUserIp": "192.0.2.1", "returnUrl": 5}, "returnUrl"),
        ("auth", {"endUserIp": "192.0.2.1", "returnRisk": "yes"}, "returnRisk"),
        ("auth", {"endUserIp": "192.0.2.1", "personalNumber": TOLVAN}, "Unknown parameter"),
        (
            "auth",
            {"endUserIp": "192.0.2.1", "requirement": {"personalNumber": "19121212-1212"}},
            "personalNumber",
        ),
        (
            "auth",
            {"endUserIp": "192.0.2.1", "requirement": {"personalNumber": "191212121213"}},
            "personalNumber",
        ),
        ("auth", {"endUserIp": "192.0.2.1", "requirement": {"pinCode": "yes"}}, "pinCode"),
        ("auth", {"endUserIp": "192.0.2.1", "requirement": {"certificatePolicies": "1.2.3"}}, "certificate"),
        ("auth", {"endUserIp": "192.0.2.1", "requirement": []}, "requirement"),
        ("sign", {"endUserIp": "192.0.2.1"}, "userVisibleData"),
        ("collect", {}, "orderRef"),
        ("collect", {"orderRef": "no-such-order"}, "No such order"),
        ("collect", {"orderRef": "x", "extra": 1}, "Unknown parameter"),
        ("cancel", {"orderRef": "no-such-order"}, "No such order"),
    ],
)
def test_invalid_parameters(web, kind, body, details):
    response = rp(web, kind, body)
    assert response.status_code == 400
    assert response.json["errorCode"] == "invalidParameters"
    assert details in response.json["details"]


def test_body_that_is_not_a_json_object(web):
    response = web.post("/rp/v6.0/auth", data="[1, 2]", content_type="application/json")
    assert (response.status_code, response.json["errorCode"]) == (400, "invalidParameters")
    response = web.post("/rp/v6.0/auth", data="{not json", content_type="application/json")
    assert (response.status_code, response.json["errorCode"]) == (400, "invalidParameters")


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "text/plain", None])
def test_only_plain_application_json_is_accepted(web, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = web.post("/rp/v6.0/auth", data='{"endUserIp": "192.0.2.1"}', headers=headers)
    assert (response.status_code, response.json["errorCode"]) == (415, "unsupportedMediaType")


def test_routing_errors_are_bankid_errors(web):
    response = web.get("/rp/v6.0/auth")
    assert (response.status_code, response.json["errorCode"]) == (405, "methodNotAllowed")
    response = rp(web, "payment", {"endUserIp": "192.0.2.1"})
    assert (response.status_code, response.json["errorCode"]) == (404, "notFound")


def test_maintenance(web):
    assert web.post("/sim/maintenance", json={"on": True}).json == {"maintenance": True}
    for path in ("auth", "sign", "collect", "cancel"):
        response = rp(web, path, {"endUserIp": "192.0.2.1"})
        assert (response.status_code, response.json["errorCode"]) == (503, "maintenance")
    web.post("/sim/maintenance", json={"on": False})
    start_order(web)


def test_valid_requests_with_every_field(web):
    start_order(
        web,
        userVisibleData=b64("# Rubrik"),
        userVisibleDataFormat="simpleMarkdownV1",
        userNonVisibleData=b64("intern"),
        returnUrl="https://portal.example/tillbaka",
        returnRisk=True,
        requirement={
            "pinCode": True,
            "mrtd": True,
            "certificatePolicies": ["1.2.752.78.1.5"],
            "personalNumber": TOLVAN,
        },
        web={"referringDomain": "portal.example", "userAgent": "test", "deviceIdentifier": "d"},
    )


# -- state machine ----------------------------------------------------------------------------------------


def test_auth_flow(web):
    order = start_order(web)
    assert collect(web, order["orderRef"]).json == {
        "orderRef": order["orderRef"],
        "status": "pending",
        "hintCode": "outstandingTransaction",
    }
    web.post(f"/sim/orders/{order['orderRef']}/start")
    assert collect(web, order["orderRef"]).json["hintCode"] == "userSign"
    web.post(f"/sim/orders/{order['orderRef']}/approve", json={"personalNumber": "19121212-1212"})
    answer = collect(web, order["orderRef"]).json
    assert answer["status"] == "complete" and "hintCode" not in answer
    data = answer["completionData"]
    assert data["user"] == {
        "personalNumber": TOLVAN,
        "name": "Tolvan Tolvansson",
        "givenName": "Tolvan",
        "surname": "Tolvansson",
    }
    assert data["device"]["ipAddress"] == "192.0.2.10"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["bankIdIssueDate"])
    assert "stepUp" not in data and "risk" not in data


def test_step_up_and_risk_when_asked_for(web):
    order = start_order(web, requirement={"mrtd": True}, returnRisk=True)
    web.post(f"/sim/orders/{order['orderRef']}/approve", json={"personalNumber": TOLVAN})
    data = collect(web, order["orderRef"]).json["completionData"]
    assert data["stepUp"] == {"mrtd": True}
    assert data["risk"] == "low"


def test_sign_flow_uses_user_sign(web):
    order = start_order(web, "sign")
    web.post(f"/sim/orders/{order['orderRef']}/start")
    assert collect(web, order["orderRef"]).json["hintCode"] == "userSign"


def test_start_with_another_hint_code(web):
    order = start_order(web)
    web.post(f"/sim/orders/{order['orderRef']}/start", json={"hintCode": "userMrtd"})
    assert collect(web, order["orderRef"]).json["hintCode"] == "userMrtd"


def test_fail_with_any_hint_code(web):
    order = start_order(web)
    web.post(f"/sim/orders/{order['orderRef']}/fail", json={"hintCode": "certificateErr"})
    assert collect(web, order["orderRef"]).json == {
        "orderRef": order["orderRef"],
        "status": "failed",
        "hintCode": "certificateErr",
    }


def test_required_personal_number_must_match(web):
    order = start_order(web, requirement={"personalNumber": TOLVAN})
    response = web.post(f"/sim/orders/{order['orderRef']}/approve", json={"personalNumber": GRETA})
    assert response.status_code == 409
    response = web.post(f"/sim/orders/{order['orderRef']}/approve", json={"personalNumber": TOLVAN})
    assert response.status_code == 200


def test_already_in_progress_cancels_both(web):
    first = start_order(web, requirement={"personalNumber": TOLVAN})
    response = rp(web, "auth", {"endUserIp": "192.0.2.1", "requirement": {"personalNumber": TOLVAN}})
    assert (response.status_code, response.json["errorCode"]) == (400, "alreadyInProgress")
    assert collect(web, first["orderRef"]).json["hintCode"] == "cancelled"
    # Another person is not affected, and afterwards the same person can start again.
    start_order(web, requirement={"personalNumber": GRETA})
    start_order(web, requirement={"personalNumber": TOLVAN})


def test_rp_cancel(web):
    order = start_order(web)
    assert rp(web, "cancel", {"orderRef": order["orderRef"]}).json == {}
    assert collect(web, order["orderRef"]).json["hintCode"] == "cancelled"
    assert rp(web, "cancel", {"orderRef": order["orderRef"]}).json["errorCode"] == "invalidParameters"


def test_finished_order_collected_once_unless_configured():
    lenient = create_simulator_app(identities=IDENTITIES, single_collect=False).test_client()
    order = start_order(lenient)
    lenient.post(f"/sim/orders/{order['orderRef']}/cancel")
    assert collect(lenient, order["orderRef"]).json["hintCode"] == "userCancel"
    assert collect(lenient, order["orderRef"]).json["hintCode"] == "userCancel"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"personalNumber": "191212121213"}, 400),
        ({"personalNumber": "not a number"}, 400),
        ({"personalNumber": TOLVAN, "name": "Tolvan"}, 400),
        ({"name": "Tolvan Tolvansson"}, 400),
    ],
)
def test_approve_refuses_bad_input(web, body, status):
    order = start_order(web)
    response = web.post(f"/sim/orders/{order['orderRef']}/approve", json=body)
    assert response.status_code == status
    assert response.json["error"]
    assert collect(web, order["orderRef"]).json["status"] == "pending"


def test_control_calls_on_finished_or_unknown_orders(web):
    order = start_order(web)
    web.post(f"/sim/orders/{order['orderRef']}/cancel")
    assert (
        web.post(f"/sim/orders/{order['orderRef']}/approve", json={"personalNumber": TOLVAN}).status_code
        == 409
    )
    assert web.post("/sim/orders/nope/start").status_code == 404
    assert web.post("/sim/orders/nope/fail", json={"hintCode": "bad code!"}).status_code == 400


def test_orders_listing_and_reset(web):
    first = start_order(web)
    second = start_order(web, "sign", userVisibleData=b64("Åtgärdsplan"))
    listing = web.get("/sim/orders").json
    assert [o["orderRef"] for o in listing["orders"]] == [second["orderRef"], first["orderRef"]]
    assert listing["orders"][0]["userVisibleData"] == "Åtgärdsplan"
    assert "qrStartSecret" not in listing["orders"][0]
    assert web.post("/sim/settings", json={"orderLifetime": 2}).json == {"orderLifetime": 2.0}
    web.post("/sim/maintenance", json={"on": True})
    web.post("/sim/reset")
    listing = web.get("/sim/orders").json
    assert listing == {"orders": [], "maintenance": False, "orderLifetime": 180.0}


def test_scan_checks_the_qr_code(web):
    order = start_order(web)
    assert web.post("/sim/scan", json={"qrData": "bankid.nope"}).status_code == 400
    wrong = qr_data(order["qrStartToken"], "wrong secret", 0)
    assert web.post("/sim/scan", json={"qrData": wrong}).status_code == 400
    stale = qr_data(order["qrStartToken"], order["qrStartSecret"], 60)
    assert web.post("/sim/scan", json={"qrData": stale}).status_code == 400
    good = qr_data(order["qrStartToken"], order["qrStartSecret"], 0)
    assert web.post("/sim/scan", json={"qrData": good}).json["hintCode"] == "userSign"


class FakeClock:
    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self):
        return self.now


def test_orders_expire_after_their_lifetime():
    clock = FakeClock()
    state = SimulatorState(order_lifetime=180, identities=IDENTITIES, clock=clock)
    order = state.create_order("auth", {"endUserIp": "192.0.2.1"})
    clock.now += 179.9
    assert state.collect({"orderRef": order.order_ref})["status"] == "pending"
    clock.now += 0.2
    assert state.collect({"orderRef": order.order_ref}) == {
        "orderRef": order.order_ref,
        "status": "failed",
        "hintCode": "expiredTransaction",
    }
    with pytest.raises(ControlError):
        state.approve(order.order_ref, TOLVAN)


def test_finished_orders_are_forgotten_after_a_while():
    clock = FakeClock()
    state = SimulatorState(order_lifetime=180, identities=IDENTITIES, clock=clock)
    order = state.create_order("auth", {"endUserIp": "192.0.2.1"})
    state.user_cancel(order.order_ref)
    clock.now += 3600
    assert state.orders() == []


def test_state_is_thread_safe():
    state = SimulatorState(order_lifetime=180, identities=IDENTITIES)
    refs = []

    def work():
        for _ in range(50):
            order = state.create_order("auth", {"endUserIp": "192.0.2.1"})
            state.start(order.order_ref)
            state.approve(order.order_ref, TOLVAN)
            assert state.collect({"orderRef": order.order_ref})["status"] == "complete"
            refs.append(order.order_ref)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(refs)) == 400


# -- pages ------------------------------------------------------------------------------------------------


class PageChecker(HTMLParser):
    """Collects what the accessibility rules below look at."""

    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.lang = None
        self.ids = []
        self.labels_for = set()
        self.controls = []
        self.inline = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "h1":
            self.h1 += 1
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "label" and "for" in attributes:
            self.labels_for.add(attributes["for"])
        if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.controls.append(attributes.get("id"))
        if "style" in attributes or tag in ("script", "style") or any(a.startswith("on") for a in attributes):
            self.inline.append(tag)


def check_page(html):
    checker = PageChecker()
    checker.feed(html)
    assert checker.lang == "sv"
    assert checker.h1 == 1
    assert len(checker.ids) == len(set(checker.ids)), "duplicate ids"
    assert all(control in checker.labels_for for control in checker.controls), "control without label"
    assert checker.inline == [], "inline script or style"
    return checker


def test_tester_page_lists_pending_orders_newest_first(web):
    assert "Inga väntande beställningar" in web.get("/").text
    first = start_order(web)
    second = start_order(web, "sign", userVisibleData=b64("Jag ansöker om <hemtjänst> & stöd."))
    html = web.get("/").text
    check_page(html)
    assert html.index(second["orderRef"]) < html.index(first["orderRef"])
    assert "Jag ansöker om &lt;hemtjänst&gt; &amp; stöd." in html
    assert "Underskrift" in html and "Inloggning" in html
    assert "Tolvan Tolvansson" in html  # identities in the select
    assert web.get("/static/simulator.css").status_code == 200


def test_tester_approves_with_a_chosen_identity(web):
    order = start_order(web)
    response = web.post(
        f"/orders/{order['orderRef']}/approve", data={"identity": GRETA, "personal_number": ""}
    )
    assert response.status_code == 303
    assert "godkänd" in web.get(response.headers["Location"]).text
    assert collect(web, order["orderRef"]).json["completionData"]["user"]["givenName"] == "Greta"


def test_tester_typed_personal_number_wins(web):
    order = start_order(web)
    web.post(
        f"/orders/{order['orderRef']}/approve",
        data={"identity": GRETA, "personal_number": "19121212-1212", "name": "Kalle Anka"},
    )
    user = collect(web, order["orderRef"]).json["completionData"]["user"]
    assert (user["personalNumber"], user["name"]) == (TOLVAN, "Kalle Anka")


@pytest.mark.parametrize(
    "form", [{}, {"personal_number": "191212121213"}, {"identity": TOLVAN, "name": "Ensamnamn"}]
)
def test_tester_shows_errors(web, form):
    order = start_order(web)
    response = web.post(f"/orders/{order['orderRef']}/approve", data=form)
    assert response.status_code == 400
    check_page(response.text)
    assert 'role="alert"' in response.text
    assert collect(web, order["orderRef"]).json["status"] == "pending"


def test_tester_scans_and_cancels(web):
    order = start_order(web)
    assert "Läs av QR-kod" in web.get("/").text
    web.post(f"/orders/{order['orderRef']}/start")
    assert collect(web, order["orderRef"]).json["hintCode"] == "userSign"
    assert "Läs av QR-kod" not in web.get("/").text
    web.post(f"/orders/{order['orderRef']}/cancel")
    assert collect(web, order["orderRef"]).json["hintCode"] == "userCancel"
    assert "Senast avslutade" in web.get("/").text


def test_tester_switches_maintenance(web):
    web.post("/maintenance", data={"on": "1"})
    assert rp(web, "auth", {"endUserIp": "192.0.2.1"}).status_code == 503
    web.post("/maintenance", data={"on": "0"})
    assert rp(web, "auth", {"endUserIp": "192.0.2.1"}).status_code == 200


def test_app_page_for_an_autostart_token(web):
    order = start_order(web, returnUrl="https://portal.example/tillbaka?x=1")
    for path in ("/app", "/"):  # the universal link's shape works too
        html = web.get(
            path, query_string={"autostarttoken": order["autoStartToken"], "redirect": "null"}
        ).text
        check_page(html)
        assert "identifierar dig" in html
    assert collect(web, order["orderRef"]).json["hintCode"] == "userSign"
    done = web.post(f"/app/{order['orderRef']}/approve", data={"identity": TOLVAN})
    assert done.status_code == 200
    check_page(done.text)
    assert 'href="https://portal.example/tillbaka?x=1"' in done.text
    assert collect(web, order["orderRef"]).json["status"] == "complete"


def test_app_page_links_to_redirect_or_portal(web):
    order = start_order(web)
    web.get("/app", query_string={"autostarttoken": order["autoStartToken"]})
    done = web.post(f"/app/{order['orderRef']}/cancel", data={})
    assert f'href="{PORTAL}"' in done.text
    assert collect(web, order["orderRef"]).json["hintCode"] == "userCancel"

    order = start_order(web, "sign")
    html = web.get(
        "/app", query_string={"autostarttoken": order["autoStartToken"], "redirect": "http://x.test/r"}
    ).text
    assert "skriver under" in html and "Jag skriver under." in html
    done = web.post(
        f"/app/{order['orderRef']}/approve", data={"identity": TOLVAN, "redirect": "http://x.test/r"}
    )
    assert 'href="http://x.test/r"' in done.text


def test_app_page_never_links_to_script_urls():
    web = create_simulator_app(identities=IDENTITIES).test_client()
    order = start_order(web, returnUrl="javascript:alert(1)")
    done = web.post(f"/app/{order['orderRef']}/cancel", data={"redirect": "javascript:alert(2)"})
    assert "javascript:" not in done.text
    assert "Gå tillbaka till e-tjänsten" in done.text


def test_app_page_for_an_unknown_token(web):
    response = web.get("/app", query_string={"autostarttoken": "nope"})
    assert response.status_code == 404
    check_page(response.text)
    assert f'href="{PORTAL}"' in response.text


def test_app_page_error_keeps_the_form(web):
    order = start_order(web)
    response = web.post(f"/app/{order['orderRef']}/approve", data={"personal_number": "123"})
    assert response.status_code == 400
    check_page(response.text)
    assert "Ogiltigt personnummer" in response.text
    assert "Godkänn" in response.text


# -- axe-core in a real browser -------------------------------------------------------------------------

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(page):
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


@pytest.mark.browser
def test_pages_pass_axe(bankid_simulator):
    from playwright import sync_api

    # `make test` installs both (make browser-deps); a missing one is a broken set-up, not a reason to skip.
    assert CHROMIUM is not None, "Debian's chromium is missing: run make browser-deps"
    assert AXE_JS.exists(), "node_modules/axe-core is missing: run make browser-deps"
    bankid_simulator.reset()
    with BankIDClient(bankid_simulator.base_url) as client:
        client.auth("192.0.2.10", requirement={"personalNumber": TOLVAN})
        sign = client.sign("192.0.2.10", "# Ansökan\n\nJag intygar att uppgifterna är *riktiga*.")
        client.cancel(client.auth("192.0.2.10").order_ref)
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            page = browser.new_page()
            page.goto(bankid_simulator.root_url)
            assert axe_violations(page) == []
            page.get_by_role("button", name="Godkänn").first.click()  # nothing chosen: an error
            assert page.get_by_role("alert").is_visible()
            assert axe_violations(page) == []
            page.goto(f"{bankid_simulator.root_url}app?autostarttoken={sign.auto_start_token}&redirect=null")
            assert axe_violations(page) == []
            page.get_by_label("Testperson").select_option(TOLVAN)
            page.get_by_role("button", name="Godkänn").click()
            assert page.get_by_role("heading", level=1).inner_text() == "Godkänt"
            assert axe_violations(page) == []
            browser.close()
    finally:
        bankid_simulator.reset()

"""Real journeys for `make loadtest` (Locust): citizens and handläggare as a browser drives the portal.

A citizen logs in with BankID on "this device" (the simulator's app page approves, as a phone would), opens
Mina sidor, applies for hemtjänst step by step (each step saved, a medical certificate uploaded), signs with
BankID, opens the receipt, reads the new case and writes to the handläggare, and then keeps coming back to
Mina sidor, the case and messages. A handläggare (Omar, äldreomsorg, where hemtjänst lands) logs in with
staff BankID, opens the inbox and cases, answers messages and publishes decisions as PDFs.

Every request is named by its route (ids replaced) so the figures group by page. A response that is not
what a browser expects (an error page, a login page instead of the page) is a failure. Hosts: LOADTEST_HOSTS
(comma-separated) spreads the users over several portal instances, round robin; the BankID simulator is at
LOADTEST_SIMULATOR.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import threading
import time

from locust import HttpUser, between, events, task
from locust.exception import StopUser
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

HOSTS = [h for h in os.environ.get("LOADTEST_HOSTS", "").split(",") if h]
SIMULATOR = os.environ.get("LOADTEST_SIMULATOR", "http://127.0.0.1:8001")
STAFF_PERSONAL_NUMBER = os.environ.get("LOADTEST_STAFF", "198009142210")  # Omar, handläggare äldreomsorg

_counter = itertools.count()
_lock = threading.Lock()

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
AUTOSTART = re.compile(r'id="bankid-autostart"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*id="bankid-autostart"')
APP_FORM = re.compile(r'action="(/app/[^"]+/approve)"')
CASE_LINK = re.compile(r'href="/arenden/([0-9a-f-]{36})"')
STAFF_CASE_LINK = re.compile(r'href="/handlaggare/arenden/([0-9a-f-]{36})"')

HEMTJANST = [
    ("contact", {"phone": "070-123 45 67", "email": "", "interpreter": "no"}),
    (
        "need",
        {"needs": ["cleaning", "shopping"], "description": "Jag klarar inte att städa och handla själv."},
    ),
    ("situation", {"housing": "apartment", "lives_alone": "yes", "recent_hospital_stay": "no"}),
    ("provider", {"has_wish": "no"}),
]


def _luhn(digits: str) -> int:
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return (10 - total % 10) % 10


def personal_number(n: int) -> str:
    """A distinct valid personnummer per simulated citizen (born 1940–1990, serial from n)."""
    born = dt.date(1940, 1, 1) + dt.timedelta(days=(n * 37) % 18000)
    serial = f"{(n // 487) % 1000:03d}"
    short = born.strftime("%y%m%d") + serial
    return born.strftime("%Y%m%d") + serial + str(_luhn(short))


def _pdf(text: str) -> bytes:
    """A small, valid, inert PDF (no fonts needed), as a scanned certificate or a decision would be."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


CERTIFICATE = _pdf("Lakarintyg")
DECISION = _pdf("Beslut om hemtjanst")


class PortalUser(HttpUser):
    abstract = True
    login_prefix = ""
    host = HOSTS[0] if HOSTS else "http://127.0.0.1:8000"

    def on_start(self) -> None:
        with _lock:
            self.number = next(_counter)
        # As a browser does: a request sent on a kept-alive connection that the server closed meanwhile
        # (gunicorn closes idle ones after 2 s, about a user's think time) is sent once more on a new one.
        browser_like = HTTPAdapter(
            max_retries=Retry(
                total=1, connect=1, read=1, status=0, other=0, allowed_methods=None, raise_on_status=False
            )
        )
        self.client.mount("http://", browser_like)
        if HOSTS:
            self.client.base_url = HOSTS[self.number % len(HOSTS)]

    # -- helpers ---------------------------------------------------------------------------------------

    def next_host(self) -> None:
        """Scaled out, every request goes to the next instance: a login, a draft and a BankID order
        started on one must carry on on the other (the cookie is the same: cookies ignore the port)."""
        if len(HOSTS) > 1:
            self.host_index = getattr(self, "host_index", self.number) + 1
            self.client.base_url = HOSTS[self.host_index % len(HOSTS)]

    def page(self, path: str, name: str, expect: str | None = None) -> str:
        """GET a page a browser would see (200, and not a login page in its place)."""
        self.next_host()
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code} {r.error or ''}")
                raise StopUser()
            if expect is not None and expect not in r.text:
                r.failure(f"not the page: {expect!r} missing")
                raise StopUser()
            return r.text

    def post(self, path: str, name: str, data: dict, *, files: dict | None = None, ok=(302, 303)) -> str:
        """POST a form; a browser expects the redirect after a successful post."""
        self.next_host()
        with self.client.post(
            path, name=name, data=data, files=files, catch_response=True, allow_redirects=False
        ) as r:
            errors = re.findall(r'class="field-error"[^>]*>(.*?)</', r.text)
            if r.status_code not in ok or errors:
                r.failure(f"HTTP {r.status_code} {errors[:2]} {r.error or ''}")
                raise StopUser()
            return r.headers.get("Location", "")

    @staticmethod
    def csrf(html: str) -> str:
        match = CSRF.search(html)
        if match is None:
            raise StopUser()
        return match.group(1)

    def approve_in_app(self, wait_html: str, who: str) -> None:
        """Open the BankID app from the autostart link and approve, as the phone's owner."""
        match = AUTOSTART.search(wait_html)
        if match is None:
            events.request.fire(
                request_type="BANKID",
                name="autostart link",
                response_time=0,
                response_length=0,
                exception=RuntimeError("no autostart link on the waiting page"),
                context={},
            )
            raise StopUser()
        url = (match.group(1) or match.group(2)).replace("&amp;", "&")
        app = self.client.get(url, name="[simulator] BankID app")
        form = APP_FORM.search(app.text)
        if form is None:
            raise StopUser()
        self.client.post(SIMULATOR + form.group(1), data={"personal_number": who}, name="[simulator] approve")

    def wait_for_bankid(self, path: str, name: str) -> str:
        """Poll the waiting page (as its no-JS refresh does) until BankID completes: the next page."""
        for _ in range(30):
            self.next_host()
            r = self.client.get(path, name=name, allow_redirects=False)
            if r.status_code in (302, 303):
                return r.headers["Location"]
            time.sleep(1)
        events.request.fire(
            request_type="BANKID",
            name=name,
            response_time=30000,
            response_length=0,
            exception=RuntimeError("BankID did not complete in 30 s"),
            context={},
        )
        raise StopUser()

    def log_in(self, who: str) -> None:
        prefix = self.login_prefix
        html = self.page(f"{prefix}/logga-in", f"{prefix}/logga-in")
        self.post(
            f"{prefix}/logga-in/bankid",
            f"{prefix}/logga-in/bankid [start]",
            {"csrf_token": self.csrf(html), "device": "same"},
        )
        wait = self.page(f"{prefix}/logga-in/bankid", f"{prefix}/logga-in/bankid [wait]")
        self.approve_in_app(wait, who)
        self.wait_for_bankid(f"{prefix}/logga-in/bankid", f"{prefix}/logga-in/bankid [collect]")


class Citizen(PortalUser):
    weight = 9
    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        self.who = personal_number(self.number)
        self.case_id: str | None = None
        self.log_in(self.who)
        self.page("/mina-sidor", "/mina-sidor", expect="<h1")
        self.apply()

    def apply(self) -> None:
        start = self.page("/e-tjanster/hemtjanst", "/e-tjanster/<id>")
        draft = self.post(
            "/e-tjanster/hemtjanst/starta", "/e-tjanster/<id>/starta", {"csrf_token": self.csrf(start)}
        )
        draft = draft.split("?")[0].rstrip("/")
        if not draft.startswith("/"):
            draft = "/" + draft.split("/", 3)[3]
        for step, answers in HEMTJANST:
            html = self.page(f"{draft}/steg/{step}", "/ansokan/<id>/steg/<step>")
            if step == "need":
                self.post(
                    f"{draft}/steg/{step}",
                    "/ansokan/<id>/steg/<step> [upload]",
                    {"csrf_token": self.csrf(html), "action": "upload", "slot": "medical_certificate"},
                    files={"file": ("intyg.pdf", CERTIFICATE, "application/pdf")},
                    ok=(200, 302, 303),  # the step again, listing the file
                )
                html = self.page(f"{draft}/steg/{step}", "/ansokan/<id>/steg/<step>")
            self.post(
                f"{draft}/steg/{step}",
                "/ansokan/<id>/steg/<step> [save]",
                {"csrf_token": self.csrf(html), "action": "continue", **answers},
            )
        review = self.page(f"{draft}/granska", "/ansokan/<id>/granska")
        self.post(
            f"{draft}/skriv-under/applicant",
            "/ansokan/<id>/skriv-under [start]",
            {"csrf_token": self.csrf(review), "device": "same"},
        )
        wait = self.page(f"{draft}/skriv-under/applicant", "/ansokan/<id>/skriv-under [wait]")
        self.approve_in_app(wait, self.who)
        self.wait_for_bankid(f"{draft}/skriv-under/applicant", "/ansokan/<id>/skriv-under [collect]")
        self.page(f"{draft}/kvitto", "/ansokan/<id>/kvitto")

    @task(3)
    def mina_sidor(self) -> None:
        self.page("/mina-sidor", "/mina-sidor")

    @task(3)
    def read_case(self) -> None:
        html = self.page("/mina-arenden", "/mina-arenden")
        if self.case_id is None:
            found = CASE_LINK.search(html)
            if found is None:
                return
            self.case_id = found.group(1)
        self.page(f"/arenden/{self.case_id}", "/arenden/<id>")

    @task(1)
    def write_message(self) -> None:
        if self.case_id is None:
            return
        html = self.page(f"/arenden/{self.case_id}", "/arenden/<id>")
        self.post(
            f"/arenden/{self.case_id}/meddelanden",
            "/arenden/<id>/meddelanden",
            {"csrf_token": self.csrf(html), "body": "Hej! När kan ni komma hem till mig?"},
        )


class Handlaggare(PortalUser):
    weight = 1
    wait_time = between(2, 5)
    login_prefix = "/handlaggare"

    def on_start(self) -> None:
        super().on_start()
        self.log_in(STAFF_PERSONAL_NUMBER)

    def some_case(self) -> str | None:
        html = self.page("/handlaggare/?visa=open", "/handlaggare/ [inbox]")
        ids = STAFF_CASE_LINK.findall(html)
        return ids[self.number % len(ids)] if ids else None

    @task(4)
    def answer_message(self) -> None:
        case_id = self.some_case()
        if case_id is None:
            return
        html = self.page(f"/handlaggare/arenden/{case_id}", "/handlaggare/arenden/<id>")
        self.post(
            f"/handlaggare/arenden/{case_id}/meddelanden",
            "/handlaggare/arenden/<id>/meddelanden",
            {"csrf_token": self.csrf(html), "body": "Hej! Vi ringer dig i veckan."},
        )

    @task(1)
    def publish_decision(self) -> None:
        case_id = self.some_case()
        if case_id is None:
            return
        html = self.page(f"/handlaggare/arenden/{case_id}", "/handlaggare/arenden/<id>")
        self.post(
            f"/handlaggare/arenden/{case_id}/beslut",
            "/handlaggare/arenden/<id>/beslut",
            {
                "csrf_token": self.csrf(html),
                "outcome": "granted",
                "decided_at": dt.date.today().isoformat(),
                "motivation": "Du får hemtjänst med städning och inköp varannan vecka.",
            },
            files={"document": ("beslut.pdf", DECISION, "application/pdf")},
        )

""" "Ge en fullmakt" reveals nothing about the number typed (no name, no known/unknown difference, not even in
the SQL it runs), creates no person row, is limited per citizen and day; the agent accepts or declines the
offer with their own e-ID, and only then does the principal see the agent's name; an offer not answered in
30 days expires; signing and accepting are each one atomic change, also when completed twice at once."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from portal.accounts.models import Person
from portal.audit.models import AuditEvent
from portal.auth import services as auth_services
from portal.auth.models import BankIDOrder
from portal.db import all_municipalities, get_session, utcnow
from portal.outbox.models import OutboxItem
from portal.representation.models import Representation
from tests.auth.login_helpers import log_in, newest_order_ref
from tests.forms.samples import personnummer
from tests.helpers import csrf_from
from tests.representation.helpers import ANNA, TOLVAN, english, person, update

FORM = "/fullmakter/ny"
UNTIL = (dt.date.today() + dt.timedelta(days=200)).isoformat()


def _unknown_number() -> str:
    """A valid personnummer no one has used here (formatted with a hyphen)."""
    born = dt.date(1930, 1, 1) + dt.timedelta(days=secrets.randbelow(60 * 365))
    return personnummer(born, f"{secrets.randbelow(900) + 100}")


def _draft(client, number: str, **fields):  # type: ignore[no-untyped-def]
    page = client.get(FORM)
    data = {
        "csrf_token": csrf_from(page.text),
        "personal_number": number,
        "scope": "all",
        "rights": ["read", "message"],
        "valid_until": UNTIL,
        **fields,
    }
    return client.post(FORM, data=data)


def _sign(client, bankid_simulator, review: str, signer: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(review)
    sign = review.replace("/granska", "/skriv-under")
    assert client.post(sign, data={"csrf_token": csrf_from(page.text), "device": "other"}).status_code == 302
    bankid_simulator.approve(newest_order_ref(bankid_simulator), signer)
    done = client.get(sign)
    assert done.status_code == 302 and done.headers["Location"].endswith("/kvitto")
    return review.split("/")[2]


def _offer_signed(app, client, bankid_simulator, number: str = "19121212-1212") -> str:  # type: ignore[no-untyped-def]
    log_in(client, bankid_simulator, ANNA)
    english(client)
    with app.app_context(), all_municipalities():
        person(ANNA).email = "anna@example.se"
        get_session().commit()
    response = _draft(client, number)
    assert response.status_code == 302
    return _sign(client, bankid_simulator, response.headers["Location"], ANNA)


def _normalised(html: str, number: str, rep_id: str) -> str:
    html = html.replace(number, "NUMBER").replace(rep_id, "ID")
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_the_form_and_review_are_the_same_for_a_known_and_an_unknown_number(app, client, bankid_simulator):
    log_in(app.test_client(), bankid_simulator, TOLVAN)  # Tolvan is known to the portal from here on
    log_in(client, bankid_simulator, ANNA)
    english(client)
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args):  # type: ignore[no-untyped-def]
        if "SAVEPOINT" not in statement.upper():
            statements.append((statement, parameters))

    assert _draft(client, _unknown_number()).status_code == 302  # the day's try counter exists from here on
    pages = {}
    engine = app.extensions["db_engine"]
    for label, number in (("known", "19121212-1212"), ("unknown", _unknown_number())):
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = _draft(client, number)
            assert response.status_code == 302
            rep_id = response.headers["Location"].split("/")[2]
            review = client.get(response.headers["Location"])
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert review.status_code == 200
        html = review.text
        assert number in html, "the number is shown as the citizen typed it"
        assert "Tolvan" not in html and "Tolvansson" not in html
        # Nothing asks the database about the number typed: no look-up whose outcome or timing could
        # differ between a known and an unknown person.
        digits = number.replace("-", "")
        for statement, parameters in statements:
            if digits in str(parameters):
                assert (
                    statement.lstrip()
                    .upper()
                    .startswith(("INSERT INTO REPRESENTATION", "SELECT REPRESENTATION"))
                ), statement
        pages[label] = (_normalised(html, number, rep_id), [s for s, _p in statements])
    assert pages["known"][0] == pages["unknown"][0]
    assert pages["known"][1] == pages["unknown"][1], "the same SQL for both"


def test_looking_creates_no_person_row(app, client, bankid_simulator):
    log_in(client, bankid_simulator, ANNA)
    number = _unknown_number()
    with app.app_context(), all_municipalities():
        before = get_session().scalar(sa.select(sa.func.count()).select_from(Person))
    response = _draft(client, number)
    review = response.headers["Location"]
    assert client.get(review).status_code == 200
    edit = review.replace("/granska", "/andra")
    page = client.get(edit)
    assert number in page.text
    changed = client.post(
        edit,
        data={
            "csrf_token": csrf_from(page.text),
            "personal_number": number,
            "scope": "all",
            "rights": ["read"],
            "valid_until": UNTIL,
        },
    )
    assert changed.status_code == 302
    _sign(client, bankid_simulator, review, ANNA)
    with app.app_context(), all_municipalities():
        session = get_session()
        assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == before
        assert not session.scalar(sa.select(Person).where(Person.personal_number == number.replace("-", "")))


def test_the_principal_sees_the_agents_name_only_after_the_agent_accepts(app, client, bankid_simulator):
    rep_id = _offer_signed(app, client, bankid_simulator)
    receipt = client.get(f"/fullmakter/{rep_id}/kvitto").text
    listing = client.get("/fullmakter").text
    for html in (receipt, listing):
        assert "19121212-1212" in html and "Tolvan" not in html
    assert "Waiting for the person to accept" in listing
    with app.app_context(), all_municipalities():
        assert (
            not get_session()
            .scalars(
                sa.select(OutboxItem).where(
                    OutboxItem.idempotency_key == f"notify-mail:representation:{rep_id}"
                )
            )
            .all()
        )

    tolvan = app.test_client()
    log_in(tolvan, bankid_simulator, TOLVAN)
    english(tolvan)
    assert "Act for Anna Andersson" not in tolvan.get("/foretradda").text, "not before he accepts"
    home = tolvan.get("/mina-sidor").text
    assert "Anna Andersson has given you a power of attorney" in home
    offer = tolvan.get(f"/fullmakter/erbjudanden/{rep_id}")
    assert offer.status_code == 200
    for text in ("Anna Andersson", "All their matters", "Send and read messages", "Accept", "Decline"):
        assert text in offer.text, text
    url = f"/fullmakter/erbjudanden/{rep_id}/godta"
    tolvan.post(url, data={"csrf_token": csrf_from(offer.text), "device": "other"})
    order_ref = newest_order_ref(bankid_simulator)
    assert bankid_simulator.order(order_ref)["type"] == "sign"
    bankid_simulator.approve(order_ref, TOLVAN)
    assert tolvan.get(url).headers["Location"].endswith("/foretradda")
    assert "Act for Anna Andersson" in tolvan.get("/foretradda").text

    listing = client.get("/fullmakter").text
    assert "Tolvan Tolvansson" in listing and "Waiting for the person to accept" not in listing
    with app.app_context(), all_municipalities():
        notices = (
            get_session()
            .scalars(
                sa.select(OutboxItem).where(
                    OutboxItem.idempotency_key == f"notify-mail:representation:{rep_id}"
                )
            )
            .all()
        )
        assert len(notices) == 1 and "Tolvan" not in str(notices[0].payload)


def test_the_offer_is_only_for_the_person_whose_number_was_typed(app, client, bankid_simulator):
    rep_id = _offer_signed(app, client, bankid_simulator)
    stranger = app.test_client()
    log_in(stranger, bankid_simulator, "197006151596")
    home = stranger.get("/mina-sidor")
    assert rep_id not in home.text
    assert stranger.get(f"/fullmakter/erbjudanden/{rep_id}").status_code == 404
    token = csrf_from(home.text)
    assert (
        stranger.post(f"/fullmakter/erbjudanden/{rep_id}/avboj", data={"csrf_token": token}).status_code
        == 404
    )
    with app.app_context(), all_municipalities():
        assert get_session().get(Representation, uuid.UUID(rep_id)).status == "offered"


def test_the_agent_declines_and_the_principal_is_told_without_a_name(app, client, bankid_simulator):
    rep_id = _offer_signed(app, client, bankid_simulator)
    tolvan = app.test_client()
    log_in(tolvan, bankid_simulator, TOLVAN)
    english(tolvan)
    offer = tolvan.get(f"/fullmakter/erbjudanden/{rep_id}")
    url = f"/fullmakter/erbjudanden/{rep_id}/avboj"
    assert tolvan.post(url, data={}).status_code == 400  # CSRF
    declined = tolvan.post(url, data={"csrf_token": csrf_from(offer.text)})
    assert declined.status_code == 302
    assert "You have declined the power of attorney" in tolvan.get("/mina-sidor").text
    assert tolvan.get(f"/fullmakter/erbjudanden/{rep_id}").status_code == 404
    assert tolvan.post(url, data={"csrf_token": csrf_from(offer.text)}).status_code == 404
    listing = client.get("/fullmakter").text
    assert "Declined" in listing and "Tolvan" not in listing
    with app.app_context(), all_municipalities():
        session = get_session()
        rep = session.get(Representation, uuid.UUID(rep_id))
        assert rep.status == "declined" and rep.agent_id is None
        notices = session.scalars(
            sa.select(OutboxItem).where(OutboxItem.idempotency_key.like(f"%representation-declined:{rep_id}"))
        ).all()
        assert len(notices) == 1 and notices[0].payload["to"] == "anna@example.se"
        assert "Tolvan" not in str(notices[0].payload) and "19121212" not in str(notices[0].payload)


def test_an_offer_not_accepted_within_30_days_expires(app, client, bankid_simulator):
    rep_id = _offer_signed(app, client, bankid_simulator)
    with app.app_context(), all_municipalities():
        expires = get_session().get(Representation, uuid.UUID(rep_id)).offer_expires_at
        assert dt.timedelta(days=29) < expires - utcnow() <= dt.timedelta(days=31)
    update(app, uuid.UUID(rep_id), offer_expires_at=utcnow() - dt.timedelta(seconds=1))
    tolvan = app.test_client()
    log_in(tolvan, bankid_simulator, TOLVAN)
    assert rep_id not in tolvan.get("/mina-sidor").text
    assert tolvan.get(f"/fullmakter/erbjudanden/{rep_id}").status_code == 404
    assert "Not accepted in time" in client.get("/fullmakter").text


def test_fullmakter_to_many_different_numbers_a_day_are_refused(app, client, bankid_simulator, monkeypatch):
    monkeypatch.setattr(app.config["PORTAL"], "fullmakt_limit_per_day", 2)
    log_in(client, bankid_simulator, ANNA)
    english(client)
    first, second, third = _unknown_number(), _unknown_number(), "19121212-1212"
    assert _draft(client, first).status_code == 302
    assert _draft(client, second).status_code == 302
    assert _draft(client, first, rights=["read"]).status_code == 302, "the same number again is no new try"
    refused = _draft(client, third)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "You have written powers of attorney for many different people today" in refused.text
    assert 'href="#personal_number"' in refused.text
    assert 'value="19121212-1212"' in refused.text, "what was typed is kept"
    with app.app_context(), all_municipalities():
        numbers = get_session().scalars(
            sa.select(Representation.agent_number).where(Representation.principal_id == person(ANNA).id)
        )
        assert sorted(numbers) == sorted(n.replace("-", "") for n in (first, second, first))
    # Another citizen has their own tries.
    other = app.test_client()
    log_in(other, bankid_simulator, "197006151596")
    assert _draft(other, third).status_code == 302


# --- twice at once ------------------------------------------------------------------------------------------


def _at_once(clients, url: str):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(clients))
    results: list[object] = [None] * len(clients)

    def go(index: int) -> None:
        barrier.wait()
        results[index] = clients[index].get(url)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _twins(app, client, count: int = 3):  # type: ignore[no-untyped-def]
    """Other clients with the same cookies: the same browser's tabs (or a double click)."""
    twins = [client]
    for _ in range(count - 1):
        twin = app.test_client()
        twin._cookies = dict(client._cookies)
        twins.append(twin)
    return twins


def _complete_order(app, purpose_ref: str) -> None:
    """Collect the approved order once, so that every request after it finds it complete at once."""
    with app.app_context(), all_municipalities():
        order = get_session().scalar(
            sa.select(BankIDOrder).where(
                BankIDOrder.purpose_ref == purpose_ref, BankIDOrder.status == "pending"
            )
        )
        order.last_collect_at = None
        assert auth_services.poll_order(order).status == "complete"


@pytest.mark.postgres
def test_signing_and_accepting_completed_several_times_at_once_give_one_effect(
    migrated_app, bankid_simulator
):
    """Committed for real (no rolled-back test transaction), so concurrent requests meet in the database:
    row locks on PostgreSQL (run through tests/postgres.py), serialised writes on SQLite."""
    app = migrated_app
    principal_number, agent_number = _unknown_number(), _unknown_number()
    principal = app.test_client()
    log_in(principal, bankid_simulator, principal_number.replace("-", ""))
    with app.app_context(), all_municipalities():
        get_session().scalar(
            sa.select(Person).where(Person.personal_number == principal_number.replace("-", ""))
        ).email = "principal@example.se"
        get_session().commit()
    review = _draft(principal, agent_number).headers["Location"]
    rep_id = review.split("/")[2]
    page = principal.get(review)
    sign = review.replace("/granska", "/skriv-under")
    principal.post(sign, data={"csrf_token": csrf_from(page.text), "device": "other"})
    bankid_simulator.approve(newest_order_ref(bankid_simulator), principal_number.replace("-", ""))
    _complete_order(app, f"representation:{rep_id}")
    for response in _at_once(_twins(app, principal), sign):
        assert response.status_code == 302 and response.headers["Location"].endswith("/kvitto")

    agent = app.test_client()
    log_in(agent, bankid_simulator, agent_number.replace("-", ""))
    offer = agent.get(f"/fullmakter/erbjudanden/{rep_id}")
    accept = f"/fullmakter/erbjudanden/{rep_id}/godta"
    agent.post(accept, data={"csrf_token": csrf_from(offer.text), "device": "other"})
    bankid_simulator.approve(newest_order_ref(bankid_simulator), agent_number.replace("-", ""))
    _complete_order(app, f"representation:{rep_id}:accept")
    for response in _at_once(_twins(app, agent), accept):
        assert response.status_code == 302 and response.headers["Location"].endswith("/foretradda")

    with app.app_context(), all_municipalities():
        session = get_session()
        rep = session.get(Representation, uuid.UUID(rep_id))
        assert rep.status == "active" and rep.agent.personal_number == agent_number.replace("-", "")
        actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == rep_id)).all()
        assert sorted(actions) == ["representation_accepted", "representation_granted"]
        notices = session.scalars(
            sa.select(OutboxItem).where(OutboxItem.idempotency_key.like(f"%:representation:{rep_id}"))
        ).all()
        assert len(notices) == 1


def test_an_offer_revoked_before_it_is_answered_can_no_longer_be_accepted(app, client, bankid_simulator):
    rep_id = _offer_signed(app, client, bankid_simulator)
    tolvan = app.test_client()
    log_in(tolvan, bankid_simulator, TOLVAN)
    offer = tolvan.get(f"/fullmakter/erbjudanden/{rep_id}")
    assert offer.status_code == 200
    page = client.get(f"/fullmakter/{rep_id}/aterkalla")
    assert "19121212-1212" in page.text and "Tolvan" not in page.text
    client.post(f"/fullmakter/{rep_id}/aterkalla", data={"csrf_token": csrf_from(page.text)})
    accept = f"/fullmakter/erbjudanden/{rep_id}/godta"
    started = tolvan.post(accept, data={"csrf_token": csrf_from(offer.text), "device": "other"})
    assert started.status_code == 404
    assert rep_id not in tolvan.get("/mina-sidor").text
    assert "Revoked" in client.get("/fullmakter").text

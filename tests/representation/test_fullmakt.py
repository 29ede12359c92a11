"""A citizen grants a fullmakt (form, review, BankID signature, receipt), the agent accepts it with their own
BankID, the principal is notified without details, the agent acts for them, every use shows on the
principal's page, and revoking or expiry stops the agent on the very next request, also in an open
session."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session, utcnow
from portal.outbox.models import OutboxItem
from portal.representation.models import Representation
from tests.auth.login_helpers import log_in, newest_order_ref
from tests.helpers import csrf_from
from tests.representation.helpers import ANNA, TOLVAN, act_for, arrange, english, grant, person, update

FORM = "/fullmakter/ny"


def _grant_through_the_form(client, bankid_simulator, **fields):  # type: ignore[no-untyped-def]
    page = client.get(FORM)
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_from(page.text),
        "personal_number": "19121212-1212",
        "scope": "all",
        "rights": ["read", "message"],
        "valid_until": (dt.date.today() + dt.timedelta(days=200)).isoformat(),
        **fields,
    }
    response = client.post(FORM, data=data)
    assert response.status_code == 302, re.findall(r'class="field-error"[^>]*>(.*?)</p>', response.text, re.S)
    review = response.headers["Location"]
    assert re.fullmatch(r"/fullmakter/[0-9a-f-]{36}/granska", review)
    page = client.get(review)
    assert page.status_code == 200
    sign = review.replace("/granska", "/skriv-under")
    started = client.post(sign, data={"csrf_token": csrf_from(page.text), "device": "other"})
    assert started.status_code == 302
    bankid_simulator.approve(newest_order_ref(bankid_simulator), ANNA)
    done = client.get(sign)
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/kvitto")
    assert client.get(done.headers["Location"]).status_code == 200
    return review.split("/")[2]


def _accept(client, bankid_simulator, rep_id, number):  # type: ignore[no-untyped-def]
    """The agent finds the offer on Mina sidor and accepts it with their own BankID."""
    home = client.get("/mina-sidor")
    assert f"/fullmakter/erbjudanden/{rep_id}" in home.text
    offer = client.get(f"/fullmakter/erbjudanden/{rep_id}")
    assert offer.status_code == 200
    url = f"/fullmakter/erbjudanden/{rep_id}/godta"
    started = client.post(url, data={"csrf_token": csrf_from(offer.text), "device": "other"})
    assert started.status_code == 302
    bankid_simulator.approve(newest_order_ref(bankid_simulator), number)
    done = client.get(url)
    assert done.status_code == 302 and done.headers["Location"].endswith("/foretradda")
    return client.get(done.headers["Location"])


def test_a_signed_and_accepted_fullmakt_is_stored_with_its_evidence_and_notifies_only_that_it_exists(
    app, client, bankid_simulator
):
    log_in(client, bankid_simulator, ANNA)
    with app.app_context(), all_municipalities():
        anna = person(ANNA)
        anna.email = "anna@example.se"
        get_session().commit()
    rep_id = _grant_through_the_form(client, bankid_simulator)
    with app.app_context(), all_municipalities():
        session = get_session()
        rep = session.get(Representation, uuid.UUID(rep_id))
        assert rep.status == "offered" and rep.agent_id is None and rep.agent_number == TOLVAN
        assert rep.signature and rep.order_ref and rep.signed_at is not None
        assert "19121212-1212" in rep.signed_text and "Tolvan" not in rep.signed_text
        assert not session.scalars(
            sa.select(OutboxItem).where(OutboxItem.payload["to"].as_string() == "anna@example.se")
        ).all()

    tolvan = app.test_client()
    log_in(tolvan, bankid_simulator, TOLVAN)
    english(tolvan)
    assert (
        "You have accepted the power of attorney. You can now act for Anna Andersson"
        in _accept(tolvan, bankid_simulator, rep_id, TOLVAN).text
    )
    with app.app_context(), all_municipalities():
        session = get_session()
        rep = session.get(Representation, uuid.UUID(rep_id))
        assert rep.status == "active" and rep.basis == "fullmakt"
        assert rep.agent.personal_number == TOLVAN
        assert rep.can_read and rep.can_message and not rep.can_apply
        assert rep.acceptance["signature"] and rep.acceptance["order_ref"] != rep.order_ref
        assert "Anna Andersson" in rep.acceptance["signed_text"]
        notices = session.scalars(
            sa.select(OutboxItem).where(OutboxItem.idempotency_key == f"notify-mail:representation:{rep.id}")
        ).all()
        assert len(notices) == 1
        body = str(notices[0].payload)
        assert notices[0].payload["to"] == "anna@example.se"
        assert "191212121212" not in body and "19121212-1212" not in body and "Tolvan" not in body
        events = session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_id == str(rep.id)).order_by(AuditEvent.id)
        ).all()
        assert events == ["representation_granted", "representation_accepted"]


def test_the_form_explains_each_mistake_and_keeps_what_was_typed(app, client, bankid_simulator):
    log_in(client, bankid_simulator, ANNA)
    english(client)
    page = client.get(FORM)
    token = csrf_from(page.text)
    cases = [
        ({"personal_number": "19121212-1213"}, "personal_number", "last digit does not match"),
        ({"personal_number": "1985"}, "personal_number", "12 digits"),
        ({"personal_number": "19850720-2011"}, "personal_number", "to yourself"),
        ({"personal_number": ""}, "personal_number", "Enter the personal identity number"),
        ({"rights": []}, "rights", "at least one thing"),
        ({"rights": ["message"]}, "rights", "also be able to read"),
        ({"scope": "cases"}, "case_ids", None),
        ({"scope": "eservices"}, "eservice_ids", "at least one kind"),
        ({"valid_until": "2020-01-01"}, "valid_until", "after today"),
        (
            {"valid_until": (dt.date.today() + dt.timedelta(days=4 * 365)).isoformat()},
            "valid_until",
            "three years",
        ),
        ({"valid_until": "next year"}, "valid_until", "year-month-day"),
    ]
    for change, field, text in cases:
        data = {
            "csrf_token": token,
            "personal_number": "19121212-1212",
            "scope": "all",
            "rights": ["read"],
            "valid_until": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
            **change,
        }
        response = client.post(FORM, data=data)
        assert response.status_code == 400, change
        html = response.text
        assert f'href="#{field}"' in html, (
            change,
            re.findall(r'class="field-error"[^>]*>(.*?)</p>', html, re.S),
        )
        if text:
            assert text in html, change
        if change.get("personal_number"):
            assert f'value="{change["personal_number"]}"' in html, "the typed number is kept"
    with app.app_context(), all_municipalities():
        assert (
            not get_session()
            .scalars(sa.select(Representation).where(Representation.principal_id == person(ANNA).id))
            .all()
        )


def test_a_fullmakt_is_not_valid_before_it_is_signed(app, client, bankid_simulator):
    log_in(client, bankid_simulator, ANNA)
    page = client.get(FORM)
    response = client.post(
        FORM,
        data={
            "csrf_token": csrf_from(page.text),
            "personal_number": "19121212-1212",
            "scope": "all",
            "rights": ["read"],
            "valid_until": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    rep_id = response.headers["Location"].split("/")[2]
    other = app.test_client()
    log_in(other, bankid_simulator, TOLVAN)
    assert rep_id not in other.get("/foretradda").text
    token = csrf_from(other.get("/mina-sidor").text)
    # Not even offered yet, let alone accepted: it is not his to act under.
    assert other.post(f"/foretradda/{rep_id}/agera", data={"csrf_token": token}).status_code == 404
    assert rep_id not in other.get("/mina-sidor").text
    with app.app_context(), all_municipalities():
        from portal.auth.models import LoginSession

        assert (
            not get_session()
            .scalars(sa.select(LoginSession).where(LoginSession.acting_representation_id.is_not(None)))
            .all()
        )


def test_revoking_stops_the_agent_on_the_next_request_and_the_principal_sees_every_use(app, bankid_simulator):
    anna = app.test_client()
    tolvan = app.test_client()
    arrange(app)  # Tolvan's demo identity as agent exists; Anna grants him below
    log_in(anna, bankid_simulator, ANNA)
    with app.app_context(), all_municipalities():
        from tests.representation.helpers import exempelstad, make_case

        case = make_case(person(ANNA), "hemtjanst", exempelstad())
        get_session().commit()
        case_id = case.id
    rep_id = _grant_through_the_form(anna, bankid_simulator, scope="cases", case_ids=[str(case_id)])

    log_in(tolvan, bankid_simulator, TOLVAN)
    english(tolvan)
    _accept(tolvan, bankid_simulator, rep_id, TOLVAN)
    assert act_for(tolvan, rep_id).status_code == 302
    home = tolvan.get("/mina-sidor").text
    assert "You are acting for: <bdi>Anna Andersson</bdi>" in home
    assert tolvan.get(f"/arenden/{case_id}").status_code == 200
    token = csrf_from(tolvan.get(f"/arenden/{case_id}").text)
    assert (
        tolvan.post(f"/arenden/{case_id}/meddelanden", data={"csrf_token": token, "body": "Hej"}).status_code
        == 302
    )
    # Own pages wait while acting.
    assert tolvan.get("/mina-sidor/kontaktuppgifter").headers["Location"].endswith("/mina-sidor")

    english(anna)
    uses = anna.get("/fullmakter/anvandning").text
    assert "Tolvan Tolvansson" in uses
    assert "Read the case" in uses and "Sent a message" in uses
    with app.app_context(), all_municipalities():
        sent = get_session().scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "message_sent").order_by(AuditEvent.id.desc())
        )
        assert sent.actor_id == person(TOLVAN).id and sent.principal_id == person(ANNA).id
        assert sent.subject_person_id == person(ANNA).id

    page = anna.get(f"/fullmakter/{rep_id}/aterkalla")
    assert page.status_code == 200
    assert anna.post(f"/fullmakter/{rep_id}/aterkalla", data={}).status_code == 400  # CSRF
    assert (
        anna.post(f"/fullmakter/{rep_id}/aterkalla", data={"csrf_token": csrf_from(page.text)}).status_code
        == 302
    )

    refused = tolvan.get(f"/arenden/{case_id}")
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/mina-sidor")
    home = tolvan.get("/mina-sidor").text
    assert "has been revoked" in home
    assert "You are acting for:" not in home
    assert tolvan.get(f"/arenden/{case_id}").status_code == 404
    with app.app_context(), all_municipalities():
        assert get_session().scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "acting_refused", AuditEvent.principal_id == person(ANNA).id
            )
        )


def test_expiry_stops_the_agent_in_an_open_session(app, client, bankid_simulator):
    arranged = arrange(app)
    rep_id = grant(app, arranged, rights=("read",))
    log_in(client, bankid_simulator)
    english(client)
    act_for(client, rep_id)
    assert client.get(f"/arenden/{arranged.case_id}").status_code == 200
    update(app, rep_id, valid_until=utcnow() - dt.timedelta(seconds=1))
    refused = client.get(f"/dokument/{arranged.document_id}")
    assert refused.status_code == 302
    assert "has expired" in client.get("/mina-sidor").text
    assert client.get(f"/dokument/{arranged.document_id}").status_code == 404


def test_acting_shows_a_banner_on_every_page_and_stopping_needs_csrf(app, client, bankid_simulator):
    arranged = arrange(app)
    rep_id = grant(app, arranged, rights=("read", "message", "apply"))
    log_in(client, bankid_simulator)
    english(client)
    act_for(client, rep_id)
    for path in (
        "/mina-sidor",
        "/mina-arenden",
        f"/arenden/{arranged.case_id}",
        "/e-tjanster",
        "/foretradda",
    ):
        html = client.get(path).text
        assert "You are acting for: <bdi>Pia Principal</bdi>" in html, path
        assert 'action="/foretradda/sluta"' in html, path
    assert client.post("/foretradda/sluta", data={}).status_code == 400
    token = csrf_from(client.get("/mina-sidor").text)
    client.post("/foretradda/sluta", data={"csrf_token": token})
    assert "You are acting for" not in client.get("/mina-sidor").text


def test_a_person_cannot_act_under_someone_elses_grant(app, client, bankid_simulator):
    arranged = arrange(app, agent_number=ANNA)
    rep_id = grant(app, arranged)
    log_in(client, bankid_simulator, TOLVAN)
    page = client.get("/foretradda")
    assert (
        client.post(f"/foretradda/{rep_id}/agera", data={"csrf_token": csrf_from(page.text)}).status_code
        == 404
    )
    assert client.get(f"/arenden/{arranged.case_id}").status_code == 404


def test_list_pages_keep_their_queries_constant(app, client, bankid_simulator, count_queries):
    arranged = arrange(app)
    grant(app, arranged)
    log_in(client, bankid_simulator)
    counts = {}
    for label in ("one", "many"):
        if label == "many":
            for _ in range(5):
                grant(app, arranged, rights=("read",))
        for path in ("/foretradda", "/fullmakter", "/fullmakter/anvandning"):
            client.get(path)
            count_queries.statements.clear()
            assert client.get(path).status_code == 200
            counts[(label, path)] = count_queries.count
    for path in ("/foretradda", "/fullmakter", "/fullmakter/anvandning"):
        assert counts[("one", path)] == counts[("many", path)], path

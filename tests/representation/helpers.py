"""Arranging principals, cases with documents and messages, and representations for these tests."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Person
from portal.cases.models import Case, Document
from portal.db import all_municipalities, get_session, utcnow
from portal.files.storage import storage
from portal.messaging.models import Message, MessageAttachment, MessageThread
from portal.municipalities.models import Municipality
from portal.representation.models import Representation
from tests.applications.flow_helpers import small_pdf
from tests.forms.samples import personnummer
from tests.helpers import csrf_from

TOLVAN = "191212121212"
ANNA = "198507202011"
PRINCIPAL = personnummer(dt.date(1938, 4, 5), "324").replace("-", "")


@dataclass
class Arranged:
    principal_id: int
    agent_id: int
    case_id: uuid.UUID  # a hemtjänst case of the principal
    other_case_id: uuid.UUID  # an ekonomiskt bistånd case of the principal
    document_id: uuid.UUID
    attachment_id: uuid.UUID


def exempelstad() -> Municipality:
    return get_session().scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))


def person(number: str, given: str = "", surname: str = "") -> Person:
    session = get_session()
    found = session.scalar(sa.select(Person).where(Person.personal_number == number))
    if found is None:
        found = Person(personal_number=number, given_name=given, surname=surname)
        session.add(found)
        session.flush()
    return found


def make_case(principal: Person, eservice_id: str, municipality: Municipality) -> Case:
    session = get_session()
    number = uuid.uuid4().hex[:4].upper() + "-" + uuid.uuid4().hex[:4].upper()
    case = Case(
        case_number=number,
        municipality_id=municipality.id,
        subject_id=principal.id,
        applicant_id=principal.id,
        eservice_id=eservice_id,
        eservice_version=1,
        case_type=eservice_id,
        status="received",
        payload={},
    )
    session.add(case)
    session.flush()
    return case


def arrange(app: Flask, agent_number: str = TOLVAN) -> Arranged:
    """A principal (Pia) with a hemtjänst case that has a document and a message with an attachment, and
    a second case of another kind."""
    with app.app_context(), all_municipalities():
        session = get_session()
        municipality = exempelstad()
        principal = person(PRINCIPAL, "Pia", "Principal")
        agent = person(agent_number)
        case = make_case(principal, "hemtjanst", municipality)
        other = make_case(principal, "ekonomiskt_bistand", municipality)
        pdf = small_pdf()
        stored = storage.put(session, pdf, "application/pdf")
        document = Document(
            case_id=case.id,
            kind="utredning",
            title="Utredning",
            filename="utredning.pdf",
            media_type="application/pdf",
            size=len(pdf),
            sha256=stored.sha256,
            stored_file=stored,
        )
        session.add(document)
        thread = MessageThread(case_id=case.id, audience="handlaggare")
        session.add(thread)
        session.flush()
        message = Message(thread_id=thread.id, author_type="staff", body="Hej Pia!")
        session.add(message)
        session.flush()
        attachment = MessageAttachment(
            message_id=message.id,
            filename="brev.pdf",
            media_type="application/pdf",
            size=len(pdf),
            sha256=stored.sha256,
            stored_file=stored,
        )
        session.add(attachment)
        session.commit()
        return Arranged(principal.id, agent.id, case.id, other.id, document.id, attachment.id)


def grant(
    app: Flask,
    arranged: Arranged,
    *,
    rights: tuple[str, ...] = ("read", "message"),
    scope: str = "all",
    case_ids: list[str] | None = None,
    eservice_ids: list[str] | None = None,
    basis: str = "fullmakt",
    days: int = 30,
) -> uuid.UUID:
    with app.app_context(), all_municipalities():
        session = get_session()
        now = utcnow()
        rep = Representation(
            principal_id=arranged.principal_id,
            agent_id=arranged.agent_id,
            municipality_id=exempelstad().id,
            basis=basis,
            scope=scope,
            case_ids=case_ids or [],
            eservice_ids=eservice_ids or [],
            can_read="read" in rights,
            can_message="message" in rights,
            can_apply="apply" in rights,
            status="active",
            valid_from=now - dt.timedelta(minutes=1),
            valid_until=now + dt.timedelta(days=days),
        )
        session.add(rep)
        session.commit()
        return rep.id


def update(app: Flask, rep_id: uuid.UUID, **values: object) -> None:
    with app.app_context(), all_municipalities():
        session = get_session()
        rep = session.get(Representation, rep_id)
        for key, value in values.items():
            setattr(rep, key, value)
        session.commit()


def act_for(client: FlaskClient, rep_id: uuid.UUID):  # type: ignore[no-untyped-def]
    page = client.get("/foretradda")
    assert page.status_code == 200
    return client.post(f"/foretradda/{rep_id}/agera", data={"csrf_token": csrf_from(page.text)})


def english(client: FlaskClient) -> None:
    client.get("/sprak/en?next=/")

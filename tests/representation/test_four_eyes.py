"""The staff side of representation a careful municipality expects: staff never register staff as a
citizen's representative; a staff registration applies only after a second staff member approves it (four
eyes), and the person represented hears of it at once; the register and its decisions are read only by
staff whose unit handles a case of the person, or who keep the register. Every step is audited."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.accounts.models import Person
from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from portal.municipalities.models import Unit
from portal.outbox.models import OutboxItem
from portal.representation.models import Representation
from portal.staff.models import StaffUser
from tests.applications.flow_helpers import small_pdf
from tests.auth.login_helpers import log_in
from tests.forms.samples import TODAY
from tests.helpers import csrf_from
from tests.representation.helpers import ANNA, TOLVAN, act_for, exempelstad, make_case, person
from tests.staff.test_staff_admin import ADA, logged_in
from tests.staff.test_workspace import HELENA, OMAR

NEW = "/handlaggare/foretradare/ny"
GRETA = "192001010178"
ERIK = "197006151596"
KEEPER = "199001012385"  # made a register keeper (foretradarregister only) by the tests that need one


def register(client: FlaskClient, *, principal: str, agent: str, basis: str = "god_man", name: str = ""):  # type: ignore[no-untyped-def]
    page = client.get(NEW)
    assert page.status_code == 200
    return client.post(
        NEW,
        data={
            "csrf_token": csrf_from(page.text),
            "principal_number": principal,
            "agent_number": agent,
            "agent_name": name,
            "basis": basis,
            "scope": "all",
            "rights": ["read", "message"],
            "valid_from": TODAY.isoformat(),
            "valid_until": (TODAY + dt.timedelta(days=300)).isoformat(),
            "document": (io.BytesIO(small_pdf()), "beslut.pdf"),
        },
        content_type="multipart/form-data",
    )


def newest(app: Flask) -> Representation:
    with app.app_context(), all_municipalities():
        return get_session().scalar(
            sa.select(Representation)
            .options(sa.orm.joinedload(Representation.agent))
            .order_by(Representation.created_at.desc())
            .limit(1)
        )


def review(client: FlaskClient, rep_id: uuid.UUID, action: str = "godkann", **data: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/handlaggare/foretradare/{rep_id}/granska")
    token = csrf_from(page.text) if page.status_code == 200 else csrf_from(client.get(NEW).text)
    return client.post(f"/handlaggare/foretradare/{rep_id}/{action}", data={"csrf_token": token, **data})


def keeper(app: Flask, bankid_simulator) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A staff member who keeps the register and nothing else."""
    with app.app_context(), all_municipalities():
        session = get_session()
        session.add(
            StaffUser(
                municipality_id=exempelstad().id,
                personal_number=KEEPER,
                name="Rut Register",
                roles=["foretradarregister"],
            )
        )
        session.commit()
    return logged_in(app, bankid_simulator, KEEPER)


def events(app: Flask, action: str, object_id: str = "") -> list[AuditEvent]:
    with app.app_context(), all_municipalities():
        stmt = sa.select(AuditEvent).where(AuditEvent.action == action)
        if object_id:
            stmt = stmt.where(AuditEvent.object_id == object_id)
        return list(get_session().scalars(stmt.order_by(AuditEvent.id)).all())


def test_staff_can_never_register_themselves_or_other_staff_as_a_representative(app, bankid_simulator):
    """Helena tries to register herself as förvaltare for Tolvan, then Omar; Ada tries herself."""
    helena = logged_in(app, bankid_simulator, HELENA)
    for agent in (HELENA, OMAR):
        refused = register(helena, principal=TOLVAN, agent=agent, basis="forvaltare")
        assert refused.status_code == 400
        assert "has a staff account in the municipality" in refused.text
        assert 'href="#agent_number"' in refused.text
    ada = logged_in(app, bankid_simulator, ADA)
    assert register(ada, principal=TOLVAN, agent=ADA, basis="forvaltare").status_code == 400
    with app.app_context(), all_municipalities():
        session = get_session()
        tolvan = session.scalar(sa.select(Person.id).where(Person.personal_number == TOLVAN))
        assert not session.scalars(
            sa.select(Representation).where(
                Representation.principal_id == tolvan, Representation.basis == "forvaltare"
            )
        ).all()
    refusals = events(app, "representation_registration_refused")
    assert len(refusals) == 3 and all(e.detail["reason"] == "agent_is_staff" for e in refusals)
    assert all("1975" not in str(e.detail) for e in refusals)  # no personnummer in the log


def test_a_registration_applies_only_after_a_second_staff_member_approves(app, bankid_simulator):
    """Ada registers Erik as god man for Greta: Greta is told at once, Erik gets nothing until Helena
    approves; Ada cannot approve her own; a second approval changes nothing."""
    with app.app_context(), all_municipalities():
        session = get_session()
        greta = session.scalar(sa.select(Person).where(Person.personal_number == GRETA))
        greta.email, greta.notify_by_email = "greta@example.se", True
        session.commit()
    ada = logged_in(app, bankid_simulator, ADA)
    assert register(ada, principal=GRETA, agent=ERIK, name="Erik Lindqvist").status_code == 302
    rep = newest(app)
    assert (rep.status, rep.basis, rep.agent.personal_number) == ("pending", "god_man", ERIK)
    with app.app_context(), all_municipalities():
        notice = get_session().scalar(
            sa.select(OutboxItem).where(
                OutboxItem.idempotency_key == f"notify-mail:representation-registered:{rep.id}"
            )
        )
        assert notice is not None and notice.payload["to"] == "greta@example.se"
        assert "Erik" not in str(notice.payload) and ERIK not in str(notice.payload)
    listing = ada.get("/handlaggare/foretradare/")
    assert "Waiting for approval" in listing.text and "another staff member approves it" in listing.text

    erik = app.test_client()
    log_in(erik, bankid_simulator, ERIK)
    assert str(rep.id) not in erik.get("/foretradda").text
    assert act_for(erik, rep.id).headers["Location"].endswith("/foretradda")  # refused

    # An administrator reviews nothing (her role does not), by the page or by a crafted post.
    assert ada.get(f"/handlaggare/foretradare/{rep.id}/granska").status_code == 403
    assert review(ada, rep.id).status_code == 403
    assert newest(app).status == "pending"

    helena = logged_in(app, bankid_simulator, HELENA)
    page = helena.get("/handlaggare/foretradare/")
    assert f"/handlaggare/foretradare/{rep.id}/granska" in page.text
    assert review(helena, rep.id).status_code == 302
    approved = newest(app)
    assert approved.status == "active" and approved.reviewed_by_id is not None
    assert act_for(erik, rep.id).headers["Location"].endswith("/mina-sidor")
    assert "Greta Hundra" in erik.get("/mina-sidor").text
    with app.app_context(), all_municipalities():
        assert get_session().scalar(
            sa.select(OutboxItem).where(OutboxItem.idempotency_key == f"notify-mail:representation:{rep.id}")
        )
    # Approving twice gives one effect.
    assert review(helena, rep.id).status_code == 404
    assert len(events(app, "representation_approved", str(rep.id))) == 1
    assert [e.detail["status"] for e in events(app, "representation_registered", str(rep.id))] == ["pending"]


def test_a_refused_registration_keeps_its_reason_and_gives_no_access(app, bankid_simulator):
    ada = logged_in(app, bankid_simulator, ADA)
    register(ada, principal=GRETA, agent=ERIK, name="Erik Lindqvist", basis="forvaltare")
    rep = newest(app)
    helena = logged_in(app, bankid_simulator, HELENA)
    empty = review(helena, rep.id, "avsla", reason="  ")
    assert empty.status_code == 400 and 'href="#reason"' in empty.text
    assert review(helena, rep.id, "avsla", reason="Beslutet gäller en annan person.").status_code == 302
    refused = newest(app)
    assert (refused.status, refused.refusal_reason) == ("refused", "Beslutet gäller en annan person.")
    assert not refused.is_active(refused.valid_from + dt.timedelta(days=1))
    assert review(helena, rep.id).status_code == 404  # not approved afterwards
    assert len(events(app, "representation_refused", str(rep.id))) == 1
    erik = app.test_client()
    log_in(erik, bankid_simulator, ERIK)
    assert act_for(erik, rep.id).headers["Location"].endswith("/foretradda")  # refused


def test_the_register_is_read_only_by_staff_whose_unit_has_a_case_of_the_person(app, bankid_simulator):
    """Anna is Greta's god man (demo). Omar's unit has no case of Greta, Ada is an administrator: neither
    sees it nor its decision; a case of Greta in Äldreomsorg lets Omar in; the keeper sees all."""
    with app.app_context(), all_municipalities():
        session = get_session()
        greta = session.scalar(sa.select(Person.id).where(Person.personal_number == GRETA))
        anna = session.scalar(sa.select(Person.id).where(Person.personal_number == ANNA))
        rep_id = session.scalar(
            sa.select(Representation.id).where(
                Representation.principal_id == greta, Representation.agent_id == anna
            )
        )
    omar = logged_in(app, bankid_simulator, OMAR)
    ada = logged_in(app, bankid_simulator, ADA)
    for client in (omar, ada):
        listing = client.get("/handlaggare/foretradare/")
        assert listing.status_code == 200 and "Greta Hundra" not in listing.text
        assert client.get(f"/handlaggare/foretradare/{rep_id}/dokument").status_code == 404
    denied = events(app, "access_denied", str(rep_id))
    assert len(denied) == 2 and {e.object_type for e in denied} == {"representation"}
    assert omar.get(f"/handlaggare/foretradare/{rep_id}/aterkalla").status_code == 404

    with app.app_context(), all_municipalities():
        session = get_session()
        case = make_case(person(GRETA), "hemtjanst", exempelstad())
        case.unit_id = session.scalar(sa.select(Unit.id).where(Unit.code == "aldreomsorg"))
        session.commit()
    assert "Greta Hundra" in omar.get("/handlaggare/foretradare/").text
    document = omar.get(f"/handlaggare/foretradare/{rep_id}/dokument")
    assert document.status_code == 200 and document.data.startswith(b"%PDF")
    assert "Greta Hundra" not in ada.get("/handlaggare/foretradare/").text

    rut = keeper(app, bankid_simulator)
    assert "Greta Hundra" in rut.get("/handlaggare/foretradare/").text
    reads = [e for e in events(app, "document_read", str(rep_id))]
    assert len(reads) == 1
    assert len(events(app, "representation_register_read")) >= 5


def test_the_register_keeper_role_is_offered_on_the_staff_account_form(app, bankid_simulator):
    ada = logged_in(app, bankid_simulator, ADA)
    form = ada.get("/handlaggare/personal/ny").text
    assert 'value="foretradarregister"' in form and "Register of representatives" in form
    assert re.search(r"Register of representatives", ada.get("/handlaggare/personal/").text)


def test_the_registrant_never_approves_her_own_registration(app, bankid_simulator):
    helena = logged_in(app, bankid_simulator, HELENA)
    assert register(helena, principal=GRETA, agent=ERIK, name="Erik Lindqvist").status_code == 302
    rep = newest(app)
    listing = helena.get("/handlaggare/foretradare/").text
    assert f"{rep.id}/granska" not in listing and "another staff member approves it" in listing
    assert helena.get(f"/handlaggare/foretradare/{rep.id}/granska").status_code == 404
    assert review(helena, rep.id).status_code == 404
    assert newest(app).status == "pending"
    assert events(app, "access_denied", str(rep.id))
    rut = keeper(app, bankid_simulator)
    assert review(rut, rep.id).status_code == 302
    assert newest(app).status == "active"

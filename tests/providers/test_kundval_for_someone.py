"""Kundval by an ombud: with the apply right the agent chooses the principal's utförare (the choice records
both); with only read the agent sees the insats but cannot choose."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.accounts.models import Person
from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from portal.providers.models import ProviderChoice
from portal.representation.models import Representation
from tests.providers.helpers import STJARNAN, britt_case, choose, citizen, provider_id
from tests.representation.helpers import act_for, update

ERIK = "197006151596"
BRITT = "194101090993"


def _demo_fullmakt(app) -> Representation:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        session = get_session()
        erik = session.scalar(sa.select(Person).where(Person.personal_number == ERIK))
        return session.scalar(sa.select(Representation).where(Representation.agent_id == erik.id))


def test_an_ombud_with_the_apply_right_chooses_for_the_principal(app, bankid_simulator):  # type: ignore[no-untyped-def]
    case = britt_case(app)
    rep = _demo_fullmakt(app)
    erik = citizen(app, bankid_simulator, ERIK)
    assert act_for(erik, rep.id).status_code == 302
    assert f"/arenden/{case.id}/utforare" in erik.get("/kundval").text
    receipt = choose(erik, case.id, provider_id(app, STJARNAN), dt.date.today())
    assert erik.get(receipt).status_code == 200
    with app.app_context(), all_municipalities():
        session = get_session()
        choice = session.scalars(
            sa.select(ProviderChoice)
            .where(ProviderChoice.case_id == case.id)
            .order_by(ProviderChoice.chosen_at.desc())
        ).first()
        assert choice.person_id == rep.principal_id
        assert choice.chosen_by_id == rep.agent_id
        event = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "provider_chosen").order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        assert event.actor_id == rep.agent_id and event.principal_id == rep.principal_id


def test_an_ombud_with_only_the_read_right_cannot_choose(app, bankid_simulator):  # type: ignore[no-untyped-def]
    case = britt_case(app)
    rep = _demo_fullmakt(app)
    update(app, rep.id, can_apply=False)
    erik = citizen(app, bankid_simulator, ERIK)
    act_for(erik, rep.id)
    assert f"/arenden/{case.id}/utforare" not in erik.get(f"/arenden/{case.id}").text
    assert erik.get(f"/arenden/{case.id}/utforare").status_code == 404


def test_without_acting_the_agent_cannot_choose_for_the_principal(app, bankid_simulator):  # type: ignore[no-untyped-def]
    case = britt_case(app)
    erik = citizen(app, bankid_simulator, ERIK)
    assert erik.get(f"/arenden/{case.id}/utforare").status_code == 404

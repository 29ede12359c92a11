"""Dödsbodelägare: each one named in a dödsboanmälan follows the case and its messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from portal.accounts.personnummer import InvalidPersonnummer, parse
from portal.accounts.services import person_by_number
from portal.actor import Actor
from portal.audit import services as audit
from portal.db import utcnow
from portal.representation.models import Representation
from portal.representation.notices import notify_principal
from portal.representation.validity import DODSBO_VALIDITY_DAYS


def from_dodsboanmalan(
    session: Session, case: Any, answers: dict[str, Any], actor: Actor
) -> list[Representation]:
    """Each dödsbodelägare named with a personnummer (not the applicant) follows the case and its messages.
    Added to the submission's transaction; the caller commits."""
    made: list[Representation] = []
    seen: set[int] = set()
    parties = answers.get("estate_parties") or []
    for party in parties if isinstance(parties, list) else []:
        number = (party or {}).get("personal_number") if isinstance(party, dict) else None
        if not number:
            continue
        try:
            pnr = parse(str(number))
        except InvalidPersonnummer:
            continue
        name = str(party.get("name") or "").strip()
        given, _sep, surname = name.partition(" ")
        agent = person_by_number(pnr, given_name=given, surname=surname)
        if agent.id in (case.subject_id, case.applicant_id) or agent.id in seen:
            continue
        seen.add(agent.id)
        now = utcnow()
        rep = Representation(
            principal_id=case.subject_id,
            agent_id=agent.id,
            municipality_id=case.municipality_id,
            basis="dodsbodelagare",
            scope="cases",
            case_ids=[str(case.id)],
            eservice_ids=[],
            can_read=True,
            can_message=True,
            can_apply=False,
            status="active",
            valid_from=now,
            valid_until=now + dt.timedelta(days=DODSBO_VALIDITY_DAYS),
            source_case_id=case.id,
        )
        session.add(rep)
        session.flush()
        audit.record(
            session,
            "representation_registered",
            actor=actor,
            actor_type="system",
            subject_person_id=case.subject_id,
            object_type="representation",
            object_id=str(rep.id),
            municipality_id=case.municipality_id,
            basis="dodsbodelagare",
        )
        notify_principal(session, rep)
        made.append(rep)
    return made

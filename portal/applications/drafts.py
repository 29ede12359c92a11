"""Drafts that keep every answer: the e-services a municipality offers, a citizen's drafts (their own or,
acting as ombud, a principal's), autosave per step, and the latest cases on My pages."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

import forms
from forms.base import EService, Step
from portal.accounts.models import Person
from portal.actor import Actor
from portal.applications.models import Draft
from portal.audit import services as audit
from portal.cases.models import Case
from portal.db import get_session, utcnow
from portal.municipalities.models import Municipality

OPEN_STATUSES = ("in_progress", "awaiting_co_applicant")


def enabled_eservices(municipality: Municipality) -> list[EService]:
    forms.load()
    return [forms.get(eid) for eid in municipality.enabled_eservices if eid in forms.registry]


def eservice_for(municipality: Municipality, eservice_id: str) -> EService | None:
    forms.load()
    if eservice_id not in municipality.enabled_eservices or eservice_id not in forms.registry:
        return None
    return forms.get(eservice_id)


def start_draft(
    person: Person,
    municipality: Municipality,
    eservice: EService,
    *,
    subject_id: int | None = None,
    actor: Actor,
) -> Draft:
    """The citizen's open draft of this e-service, or a new one: one application at a time per e-service.
    ``subject_id``: the principal an ombud applies for (the draft is the ombud's, the case will be theirs)."""
    session = get_session()
    subject_id = subject_id if subject_id is not None else person.id
    draft = session.scalar(
        sa.select(Draft).where(
            Draft.owner_id == person.id,
            Draft.subject_id == subject_id,
            Draft.municipality_id == municipality.id,
            Draft.eservice_id == eservice.id,
            Draft.status == "in_progress",
        )
    )
    if draft is None:
        draft = Draft(
            owner_id=person.id,
            subject_id=subject_id,
            municipality_id=municipality.id,
            eservice_id=eservice.id,
            eservice_version=eservice.version,
            answers={},
        )
        prefill = getattr(eservice, "prefill_for", None)
        if callable(prefill):
            draft.answers = prefill(previous_payload(person, municipality, subject_id=subject_id)) or {}
        session.add(draft)
        audit.record(
            session,
            "draft_created",
            actor=actor,
            actor_type="person",
            actor_id=person.id,
            subject_person_id=subject_id,
            object_type="draft",
            eservice=eservice.id,
        )
        session.flush()
    return draft


def previous_payload(
    person: Person, municipality: Municipality, *, subject_id: int | None = None
) -> dict[str, Any] | None:
    """The latest ekonomiskt bistånd application, which a månadsansökan starts from."""
    session = get_session()
    return session.scalar(
        sa.select(Case.payload)
        .where(
            Case.subject_id == (subject_id if subject_id is not None else person.id),
            Case.municipality_id == municipality.id,
            Case.eservice_id.in_(("ekonomiskt_bistand", "manadsansokan")),
        )
        .order_by(Case.created_at.desc())
        .limit(1)
    )


def open_drafts(person: Person, municipality: Municipality, *, subject_id: int | None = None) -> list[Draft]:
    """The person's open drafts about themself, or (``subject_id``) about the principal they act for."""
    session = get_session()
    return list(
        session.scalars(
            sa.select(Draft)
            .where(
                Draft.owner_id == person.id,
                Draft.subject_id == (subject_id if subject_id is not None else person.id),
                Draft.municipality_id == municipality.id,
                Draft.status.in_(OPEN_STATUSES),
            )
            .order_by(Draft.updated_at.desc())
        )
    )


def awaiting_my_signature(person: Person, municipality: Municipality) -> list[Draft]:
    session = get_session()
    return list(
        session.scalars(
            sa.select(Draft)
            .options(selectinload(Draft.owner))
            .where(
                Draft.co_applicant_id == person.id,
                Draft.municipality_id == municipality.id,
                Draft.status == "awaiting_co_applicant",
            )
        )
    )


def draft_for_owner(
    draft_id: uuid.UUID, person: Person, municipality: Municipality, *, subject_id: int | None = None
) -> Draft | None:
    """The person's draft about themself, or (``subject_id``) about the principal they act for: a draft
    made for someone opens only while acting for them."""
    session = get_session()
    return session.scalar(
        sa.select(Draft)
        .options(selectinload(Draft.attachments))
        .where(
            Draft.id == draft_id,
            Draft.owner_id == person.id,
            Draft.subject_id == (subject_id if subject_id is not None else person.id),
            Draft.municipality_id == municipality.id,
        )
    )


def draft_for_co_applicant(draft_id: uuid.UUID, person: Person, municipality: Municipality) -> Draft | None:
    session = get_session()
    return session.scalar(
        sa.select(Draft)
        .options(selectinload(Draft.attachments))
        .where(
            Draft.id == draft_id,
            Draft.co_applicant_id == person.id,
            Draft.municipality_id == municipality.id,
            Draft.status.in_(("awaiting_co_applicant", "submitted")),
        )
    )


def save_step(draft: Draft, step: Step, raw: Any) -> None:
    """Autosave: keep exactly what was typed on this step, valid or not."""
    session = get_session()
    answers = dict(draft.answers or {})
    answers[step.id] = raw
    draft.answers = answers
    draft.current_step = step.id
    draft.updated_at = utcnow()
    session.flush()


def delete_draft(draft: Draft, person: Person, *, actor: Actor) -> None:
    session = get_session()
    draft.status = "cancelled"
    draft.answers = {}
    for attachment in list(draft.attachments):
        session.delete(attachment)
    audit.record(
        session,
        "draft_deleted",
        actor=actor,
        actor_type="person",
        actor_id=person.id,
        subject_person_id=draft.subject_id,
        object_type="draft",
        object_id=str(draft.id),
    )
    session.flush()


def cases_for(person: Person, municipality: Municipality) -> list[Case]:
    session = get_session()
    return list(
        session.scalars(
            sa.select(Case)
            .where(Case.subject_id == person.id, Case.municipality_id == municipality.id)
            .order_by(Case.created_at.desc())
            .limit(5)
        )
    )

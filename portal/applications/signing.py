"""Signing an application with BankID: the text and digest the signature binds to, the sign order, and the
completion that stores the signature and, when it is the last one, submits (``submission``)."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from forms import engine
from forms.base import Answers, EService
from portal.accounts.models import Person
from portal.accounts.personnummer import parse
from portal.accounts.services import person_by_number
from portal.actor import Actor
from portal.applications.models import Draft, Signature
from portal.applications.submission import submit
from portal.audit import services as audit
from portal.auth import services as auth_services
from portal.auth.models import BankIDOrder
from portal.cases.models import Case
from portal.db import get_session, locked, utcnow
from portal.municipalities.models import Municipality

log = logging.getLogger(__name__)


def answers_digest(eservice: EService, draft: Draft) -> str:
    """What a signature binds to: the typed answers and the attachments' hashes."""
    typed = engine.typed_answers(eservice, draft.answers or {})
    material = {"answers": typed, "attachments": sorted(a.sha256 for a in draft.attachments)}
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def sign_text(eservice: EService, draft: Draft, signer: Person, role: str) -> str:
    """The text shown in the BankID app (simpleMarkdownV1): what is signed, by whom, and the main answers."""
    lines = [f"# {eservice.title}", ""]
    if role == "co_applicant":
        lines += [_("I approve the application from %(name)s as co-applicant.", name=draft.owner.name), ""]
    if draft.subject_id != draft.owner_id:
        subject = get_session().get(Person, draft.subject_id)
        lines += [_("I apply on behalf of %(name)s.", name=subject.name if subject else ""), ""]
    lines += [_("I certify that the information I have given is correct and complete."), ""]
    rows: list[str] = []
    for state in engine.states(eservice, draft.answers or {}):
        for question, answer in engine.summary_rows(state.step, state.form):
            rows.append(f"{question}: {answer}".replace("\n", " "))
    body = "\n".join(f"+ {row[:200]}" for row in rows[:40])
    if len(rows) > 40:
        body += "\n+ …"
    lines += [body, "", _("Signed by: %(name)s", name=signer.name)]
    return "\n".join(lines)


def sign_ref(draft: Draft, role: str) -> str:
    return f"draft:{draft.id}:{role}"


def start_signing(
    draft: Draft,
    eservice: EService,
    signer: Person,
    role: str,
    *,
    municipality: Municipality,
    end_user_ip: str,
    same_device: bool,
    return_url: str,
) -> auth_services.StartResult:
    return auth_services.start_order(
        municipality=municipality,
        end_user_ip=end_user_ip,
        same_device=same_device,
        return_url=return_url,
        purpose="sign",
        purpose_ref=sign_ref(draft, role),
        user_visible_data=sign_text(eservice, draft, signer, role),
        user_non_visible_data=answers_digest(eservice, draft),
        signer_personal_number=signer.personal_number,
    )


@dataclass
class SignOutcome:
    status: str  # "submitted", "awaiting_co_applicant", "wrong_signer", "changed"
    case: Case | None = None


def settled(draft: Draft, role: str) -> SignOutcome | None:
    """What the signing already led to, when ``role``'s part is done: the answer to a completion that
    arrives again (another tab, a reconnecting phone) is the first one's. Reads the draft as it is now."""
    session = get_session()
    session.refresh(draft)
    if draft.status == "submitted" and draft.case_id is not None:
        return SignOutcome("submitted", session.get(Case, draft.case_id))
    if role == "applicant" and draft.status == "awaiting_co_applicant":
        return SignOutcome("awaiting_co_applicant")
    return None


def finish_signing(
    draft: Draft, eservice: EService, order: BankIDOrder | Any, signer: Person, role: str, *, actor: Actor
) -> SignOutcome:
    """Store the signature and, when it is the last one, submit: one atomic state change. The draft's row
    is locked first, so a completion that arrives twice at once waits for the first and then lands on the
    same outcome; the unique case.draft_id stands behind it."""
    session = get_session()
    current = locked(session, Draft, draft.id)
    if current is None:
        return SignOutcome("changed")
    done = settled(current, role)
    if done is not None:
        return done
    if current.status != ("in_progress" if role == "applicant" else "awaiting_co_applicant"):
        return SignOutcome("changed")
    if isinstance(order, BankIDOrder):
        session.refresh(order)
        if order.status != "complete":  # spent by a completion whose outcome was not this draft's
            return SignOutcome("wrong_signer")
    try:
        # A savepoint: what the signing wrote is undone on its own, the rest of the request is not.
        with session.begin_nested():
            return _record_signature(current, eservice, order, signer, role, actor)
    except _AnswersChanged:
        return SignOutcome("changed")
    except IntegrityError:
        # Only if the lock did not hold (it does on SQLite and PostgreSQL): the constraint refused a second
        # case for the draft. The first one's outcome is the answer.
        return settled(current, role) or SignOutcome("changed")


class _AnswersChanged(Exception):
    """The co-applicant signed answers that are no longer the applicant's: nothing of the signing stays."""


def _record_signature(
    draft: Draft, eservice: EService, order: BankIDOrder | Any, signer: Person, role: str, actor: Actor
) -> SignOutcome:
    session = get_session()
    completion = order.completion or {}
    if completion.get("personal_number") != signer.personal_number:
        log.error("sign order %s completed by someone other than the signer", order.order_ref)
        return SignOutcome("wrong_signer")
    session.add(
        Signature(
            draft_id=draft.id,
            person_id=signer.id,
            role=role,
            user_visible_data=order.user_visible_data,
            payload_sha256=answers_digest(eservice, draft),
            signature=completion.get("signature", ""),
            ocsp_response=completion.get("ocsp_response", ""),
            order_ref=order.order_ref,
            signed_at=utcnow(),
        )
    )
    order.status, order.completion = "used", None
    audit.record(
        session,
        "application_signed",
        actor=actor,
        actor_type="person",
        actor_id=signer.id,
        subject_person_id=draft.subject_id,
        object_type="draft",
        object_id=str(draft.id),
        role=role,
    )
    if role == "applicant":
        co_number = eservice.co_applicant_number(Answers(draft.answers or {}))
        if co_number:
            name = str(Answers(draft.answers or {}).get("co_applicant", "name", "") or "")
            given, _sep, surname = name.strip().partition(" ")
            co_person = person_by_number(parse(co_number), given_name=given, surname=surname)
            draft.co_applicant_id = co_person.id
            draft.status = "awaiting_co_applicant"
            draft.updated_at = utcnow()
            session.flush()
            return SignOutcome("awaiting_co_applicant")
    elif session.scalar(
        sa.select(Signature.payload_sha256)
        .where(Signature.draft_id == draft.id, Signature.role == "applicant")
        .order_by(Signature.signed_at.desc())
        .limit(1)
    ) != answers_digest(eservice, draft):
        raise _AnswersChanged
    case = submit(draft, eservice, actor)
    return SignOutcome("submitted", case)

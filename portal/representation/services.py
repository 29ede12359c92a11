"""Representation state changes: a citizen's fullmakt (drafted, signed with BankID, revoked), staff-registered
god man, förvaltare and vårdnadshavare, dödsbodelägare from a dödsboanmälan, and acting for someone.
Views call these; these write audit events and notices in the same transaction, and commit."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Person
from portal.accounts.personnummer import InvalidPersonnummer, Personnummer, parse
from portal.accounts.services import person_by_number
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.auth import services as auth_services
from portal.auth.models import BankIDOrder, LoginSession
from portal.cases.services import notify_person
from portal.db import get_session, utcnow
from portal.municipalities.models import Municipality
from portal.representation.models import Representation

log = logging.getLogger(__name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEFAULT_VALIDITY_DAYS = 365
MAX_VALIDITY_YEARS = 3
ADULT_AGE = 18
DODSBO_VALIDITY_DAYS = 2 * 365


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight in Sweden at the start of ``day``, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=STOCKHOLM).astimezone(dt.UTC)


def end_of_day(day: dt.date) -> dt.datetime:
    """A representation "valid until 2027-05-01" is valid all that day."""
    return start_of_day(day + dt.timedelta(days=1))


def last_day(rep: Representation) -> dt.date:
    """The last day (Swedish time) the representation is valid."""
    return (rep.valid_until - dt.timedelta(seconds=1)).astimezone(STOCKHOLM).date()


def eighteenth_birthday(pnr: Personnummer) -> dt.date:
    born = pnr.birth_date
    try:
        return born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # 29 February: the birthday falls on 28 February (see Personnummer.age_on)
        return born.replace(year=born.year + ADULT_AGE, day=28)


# --- reading ------------------------------------------------------------------------------------------------


def given_by(session: Session, principal_id: int, municipality_id: int) -> list[Representation]:
    return list(
        session.scalars(
            sa.select(Representation)
            .options(selectinload(Representation.agent))
            .where(
                Representation.principal_id == principal_id,
                Representation.municipality_id == municipality_id,
                Representation.status == "active",
            )
            .order_by(Representation.created_at.desc())
        )
    )


def received_by(session: Session, agent_id: int, municipality_id: int) -> list[Representation]:
    return list(
        session.scalars(
            sa.select(Representation)
            .options(selectinload(Representation.principal))
            .where(
                Representation.agent_id == agent_id,
                Representation.municipality_id == municipality_id,
                Representation.status == "active",
            )
            .order_by(Representation.created_at.desc())
        )
    )


def active_for_agent(session: Session, agent_id: int, municipality_id: int) -> list[Representation]:
    now = utcnow()
    return [r for r in received_by(session, agent_id, municipality_id) if r.is_active(now)]


def display_name(person: Person) -> str:
    """A person's name, or their masked number when they have never logged in and staff gave no name."""
    if person.name:
        return person.name
    try:
        return Personnummer(person.personal_number).masked
    except InvalidPersonnummer:
        return "—"


# --- notices ------------------------------------------------------------------------------------------------


def notify_principal(session: Session, rep: Representation) -> None:
    """Tell the principal that a representation was registered for them; as every notice, it says only
    that, never who or what (e-mail and SMS are not secure)."""

    def texts(municipality: str, url: str) -> tuple[str, str, str]:
        return (
            _("Someone may act for you"),
            _(
                "Someone has been registered as able to act for you at %(municipality)s. Log in to My "
                "pages to see who and what they may do: %(url)s",
                municipality=municipality,
                url=url,
            ),
            _(
                "%(municipality)s: someone may now act for you. Log in to My pages: %(url)s",
                municipality=municipality,
                url=url,
            ),
        )

    notify_person(
        session,
        rep.principal_id,
        rep.municipality_id,
        path="/fullmakter",
        stamp=f"representation:{rep.id}",
        texts=texts,
        extra_paragraphs=(_l("If you do not recognise this, contact the social services."),),
    )


# --- a citizen's fullmakt -----------------------------------------------------------------------------------


@dataclass
class FullmaktTerms:
    agent_number: str  # 12 digits
    scope: str
    case_ids: list[str]
    eservice_ids: list[str]
    rights: list[str]
    valid_until: dt.date


def save_fullmakt_draft(
    principal: Person, municipality: Municipality, terms: FullmaktTerms, draft: Representation | None = None
) -> Representation:
    """The fullmakt as typed, waiting for the principal's BankID signature (no access until signed)."""
    session = get_session()
    agent = person_by_number(parse(terms.agent_number))
    if draft is None:
        draft = Representation(principal_id=principal.id, municipality_id=municipality.id, basis="fullmakt")
        session.add(draft)
    draft.agent_id = agent.id
    draft.scope = terms.scope
    draft.case_ids = list(terms.case_ids) if terms.scope == "cases" else []
    draft.eservice_ids = list(terms.eservice_ids) if terms.scope == "eservices" else []
    draft.can_read = "read" in terms.rights
    draft.can_message = "message" in terms.rights
    draft.can_apply = "apply" in terms.rights
    draft.valid_from = utcnow()
    draft.valid_until = end_of_day(terms.valid_until)
    draft.status = "unsigned"
    session.commit()
    return draft


def unsigned_draft(session: Session, rep_id: uuid.UUID, principal_id: int, municipality_id: int):  # type: ignore[no-untyped-def]
    return session.scalar(
        sa.select(Representation).where(
            Representation.id == rep_id,
            Representation.principal_id == principal_id,
            Representation.municipality_id == municipality_id,
            Representation.basis == "fullmakt",
            Representation.status == "unsigned",
        )
    )


def sign_text(rep: Representation, titles: dict[str, Any], case_labels: dict[str, str]) -> str:
    """What the principal sees in the BankID app (simpleMarkdownV1)."""
    session = get_session()
    agent = session.get(Person, rep.agent_id)
    principal = session.get(Person, rep.principal_id)
    assert agent is not None and principal is not None  # noqa: S101 - foreign keys
    lines = [
        "# " + _("Fullmakt"),
        "",
        _(
            "I give %(agent)s (%(number)s) the right to act for me as described below.",
            agent=agent.name or _("the person"),
            number=Personnummer(agent.personal_number).formatted,
        ),
        "",
    ]
    for line in describe(rep, titles, case_labels):
        lines.append(f"+ {line}")
    lines += [
        "",
        _("Valid until: %(date)s", date=last_day(rep).isoformat()),
        "",
        _("Signed by: %(name)s", name=principal.name),
    ]
    return "\n".join(lines)


def describe(rep: Representation, titles: dict[str, Any], case_labels: dict[str, str]) -> list[str]:
    """The scope and rights in plain words, for the BankID text and the receipt."""
    lines: list[str] = []
    if rep.scope == "all":
        lines.append(_("All my matters at the social services"))
    elif rep.scope == "cases":
        for case_id in rep.case_ids or []:
            lines.append(_("The case %(case)s", case=case_labels.get(case_id, case_id)))
    else:
        for eservice_id in rep.eservice_ids or []:
            lines.append(_("Matters of the kind: %(title)s", title=titles.get(eservice_id, eservice_id)))
    if rep.can_read:
        lines.append(_("Read the status and documents of the cases"))
    if rep.can_message:
        lines.append(_("Send and read messages in the cases"))
    if rep.can_apply:
        lines.append(_("Apply on my behalf"))
    return lines


def sign_ref(rep: Representation) -> str:
    return f"representation:{rep.id}"


def start_signing(
    rep: Representation,
    signer: Person,
    *,
    text: str,
    municipality: Municipality,
    end_user_ip: str,
    same_device: bool,
    return_url: str,
) -> auth_services.StartResult:
    import hashlib
    import json

    terms = {
        "agent": rep.agent_id,
        "scope": rep.scope,
        "cases": rep.case_ids,
        "eservices": rep.eservice_ids,
        "rights": rep.rights,
        "until": rep.valid_until.isoformat(),
    }
    return auth_services.start_order(
        municipality=municipality,
        end_user_ip=end_user_ip,
        same_device=same_device,
        return_url=return_url,
        purpose="sign",
        purpose_ref=sign_ref(rep),
        user_visible_data=text,
        user_non_visible_data=hashlib.sha256(json.dumps(terms, sort_keys=True).encode()).hexdigest(),
        signer_personal_number=signer.personal_number,
    )


def finish_signing(rep: Representation, order: BankIDOrder, signer: Person) -> bool:
    """Store the signature as the fullmakt's evidence and make it valid; notify the principal."""
    session = get_session()
    completion = order.completion or {}
    if completion.get("personal_number") != signer.personal_number or rep.principal_id != signer.id:
        log.error("fullmakt sign order %s completed by someone other than the principal", order.order_ref)
        return False
    now = utcnow()
    rep.signed_text = order.user_visible_data
    rep.signature = completion.get("signature", "")
    rep.ocsp_response = completion.get("ocsp_response", "")
    rep.order_ref = order.order_ref
    rep.signed_at = now
    rep.valid_from = now
    rep.status = "active"
    order.status, order.completion = "used", None
    audit.record(
        session,
        "representation_granted",
        actor_type="person",
        actor_id=signer.id,
        subject_person_id=signer.id,
        object_type="representation",
        object_id=str(rep.id),
        municipality_id=rep.municipality_id,
        basis="fullmakt",
    )
    notify_principal(session, rep)
    session.commit()
    return True


def revoke(rep: Representation, *, by_type: str, by_id: int) -> None:
    session = get_session()
    if rep.revoked_at is None:
        rep.revoked_at = utcnow()
        rep.revoked_by_type, rep.revoked_by_id = by_type, by_id
        audit.record(
            session,
            "representation_revoked",
            actor_type=by_type,
            actor_id=by_id,
            subject_person_id=rep.principal_id,
            object_type="representation",
            object_id=str(rep.id),
            municipality_id=rep.municipality_id,
            basis=rep.basis,
        )
    session.commit()


# --- registered by staff ----------------------------------------------------------------------------------


@dataclass
class StaffTerms:
    principal_number: str
    agent_number: str
    agent_given_name: str
    agent_surname: str
    basis: str
    scope: str
    eservice_ids: list[str]
    rights: list[str]
    valid_from: dt.date
    valid_until: dt.date | None


def minor_until(principal_number: str, today: dt.date) -> dt.date | None:
    """The day a child turns 18, or None for someone who is already an adult."""
    pnr = parse(principal_number)
    if pnr.age_on(today) >= ADULT_AGE:
        return None
    return eighteenth_birthday(pnr)


def register_by_staff(
    terms: StaffTerms, *, staff_id: int, municipality_id: int, document: tuple[str, bytes]
) -> Representation | str:
    """Register a god man, förvaltare or vårdnadshavare with the decision or förordnande as a PDF.
    Returns the representation, or an error reason (an upload reason, "adult" or "not_pdf")."""
    from portal.files import quota, validation
    from portal.files.storage import storage

    session = get_session()
    until_day = terms.valid_until
    if terms.basis == "vardnadshavare":
        birthday = minor_until(terms.principal_number, terms.valid_from)
        if birthday is None:
            return "adult"
        until_day = birthday - dt.timedelta(days=1)
    assert until_day is not None  # noqa: S101 - the form requires it for other bases
    try:
        checked = validation.validate_upload(
            document[0], document[1], max_bytes=current_app.config["PORTAL"].upload_max_bytes
        )
        if checked.media_type == "application/pdf":
            quota.admit(session, quota.Uploader(municipality_id, staff_id=staff_id), [checked.size])
    except validation.UploadRejected as exc:
        return exc.reason
    if checked.media_type != "application/pdf":
        return "not_pdf"
    principal = person_by_number(parse(terms.principal_number))
    agent = person_by_number(
        parse(terms.agent_number), given_name=terms.agent_given_name, surname=terms.agent_surname
    )
    stored = storage.put(session, document[1], checked.media_type)
    rep = Representation(
        principal_id=principal.id,
        agent_id=agent.id,
        municipality_id=municipality_id,
        basis=terms.basis,
        scope=terms.scope,
        case_ids=[],
        eservice_ids=list(terms.eservice_ids) if terms.scope == "eservices" else [],
        can_read="read" in terms.rights,
        can_message="message" in terms.rights,
        can_apply="apply" in terms.rights,
        status="active",
        valid_from=max(start_of_day(terms.valid_from), utcnow())
        if terms.valid_from <= utcnow().astimezone(STOCKHOLM).date()
        else start_of_day(terms.valid_from),
        valid_until=end_of_day(until_day),
        registered_by_id=staff_id,
        document_file_id=stored.id,
        document_filename=checked.safe_filename,
        document_sha256=checked.sha256,
    )
    session.add(rep)
    session.flush()
    audit.record(
        session,
        "representation_registered",
        actor_type="staff",
        actor_id=staff_id,
        subject_person_id=principal.id,
        object_type="representation",
        object_id=str(rep.id),
        municipality_id=municipality_id,
        basis=terms.basis,
    )
    notify_principal(session, rep)
    session.commit()
    return rep


# --- dödsbodelägare ---------------------------------------------------------------------------------------


def from_dodsboanmalan(session: Session, case: Any, answers: dict[str, Any]) -> list[Representation]:
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


# --- acting for someone -----------------------------------------------------------------------------------


def start_acting(login: LoginSession, rep: Representation) -> bool:
    session = get_session()
    if not rep.is_active(utcnow()) or rep.agent_id != login.person_id:
        return False
    login.acting_for_id = rep.principal_id
    login.acting_representation_id = rep.id
    audit.record(
        session,
        "acting_started",
        actor_type="person",
        actor_id=login.person_id,
        principal_id=rep.principal_id,
        subject_person_id=rep.principal_id,
        object_type="representation",
        object_id=str(rep.id),
    )
    session.commit()
    return True


def stop_acting(login: LoginSession, *, reason: str = "chosen") -> None:
    session = get_session()
    if login.acting_for_id is None and login.acting_representation_id is None:
        return
    audit.record(
        session,
        "acting_ended" if reason == "chosen" else "acting_refused",
        actor_type="person",
        actor_id=login.person_id,
        principal_id=login.acting_for_id,
        subject_person_id=login.acting_for_id,
        object_type="representation",
        object_id=str(login.acting_representation_id or ""),
        reason=reason,
    )
    login.acting_for_id = None
    login.acting_representation_id = None
    session.commit()


def check_acting(login: LoginSession, municipality_id: int) -> tuple[Representation | None, str]:
    """The representation the login acts under, checked now: (rep, "") when it still holds, else
    (None, reason) with reason "revoked", "expired" or "invalid" (and "" when not acting)."""
    if login.acting_representation_id is None:
        return None, ""
    session = get_session()
    rep = session.get(Representation, login.acting_representation_id)
    now = utcnow()
    if (
        rep is None
        or rep.agent_id != login.person_id
        or rep.principal_id != login.acting_for_id
        or rep.municipality_id != municipality_id
        or rep.status != "active"
    ):
        return None, "invalid"
    if rep.revoked_at is not None:
        return None, "revoked"
    if not rep.is_active(now):
        return None, "expired"
    return rep, ""


def uses(session: Session, principal_id: int, municipality_id: int, limit: int = 200) -> list[Any]:
    """Everything agents did acting for the principal, newest first, with the agent's person."""
    return list(
        session.execute(
            sa.select(AuditEvent, Person)
            .join(Person, Person.id == AuditEvent.actor_id)
            .where(
                AuditEvent.principal_id == principal_id,
                AuditEvent.actor_type == "person",
                AuditEvent.actor_id != principal_id,
                AuditEvent.municipality_id == municipality_id,
            )
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        ).all()
    )

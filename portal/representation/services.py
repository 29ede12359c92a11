"""Representation state changes: a citizen's fullmakt (drafted, signed with BankID, revoked), staff-registered
god man, förvaltare and vårdnadshavare, dödsbodelägare from a dödsboanmälan, and acting for someone.
Views call these; these write audit events and notices in the same transaction and flush; the request
commits."""

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
from portal.actor import Actor
from portal.audit import services as audit
from portal.audit.models import AuditEvent
from portal.auth import ratelimit
from portal.auth import services as auth_services
from portal.auth.models import BankIDOrder, LoginSession
from portal.cases.services import notify_person
from portal.db import get_session, utcnow
from portal.municipalities.models import Municipality
from portal.representation.models import Representation
from portal.staff.models import StaffUser

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


def last_answer_day(rep: Representation) -> dt.date | None:
    """The last day (Swedish time) the agent can accept an offered fullmakt."""
    if rep.offer_expires_at is None:
        return None
    return (rep.offer_expires_at - dt.timedelta(seconds=1)).astimezone(STOCKHOLM).date()


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
                Representation.status.in_(("offered", "active", "declined")),
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


def display_name(person: Person | None) -> str:
    """A person's name, or their masked number when they have never logged in and staff gave no name."""
    if person is None:
        return "—"
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
# The principal names the agent only by personnummer. Nothing here looks that number up while the principal
# drafts and signs: the pages, their errors and their timing are the same for a number the portal knows and
# one it does not, and no person row is made. The agent finds the offer when they log in and accepts it with
# their own BankID; only then does the principal see the agent's name. Tries are limited per principal and
# day, so the form cannot be used to go through numbers either.

OFFER_DAYS = 30
TRY_WINDOW_SECONDS = 24 * 60 * 60


@dataclass
class FullmaktTerms:
    agent_number: str  # 12 digits
    scope: str
    case_ids: list[str]
    eservice_ids: list[str]
    rights: list[str]
    valid_until: dt.date


def agent_label(rep: Representation) -> str:
    """Whom a fullmakt is given to, as the principal may see it: the agent's name once they have
    accepted it, before that only the number the principal typed."""
    if rep.agent is not None and rep.status == "active":
        return display_name(rep.agent)
    try:
        return Personnummer(rep.agent_number).formatted
    except InvalidPersonnummer:
        return "—"


def count_try(principal: Person, agent_number: str) -> ratelimit.Verdict:
    """Count a fullmakt drafted for a number this principal has not drafted one for today, and refuse it
    above the day's limit. The same number again (a corrected draft) is not counted. Only the principal's
    own rows are read, never anything about the number."""
    since = utcnow() - dt.timedelta(seconds=TRY_WINDOW_SECONDS)
    seen = get_session().scalar(
        sa.select(Representation.id)
        .where(
            Representation.principal_id == principal.id,
            Representation.basis == "fullmakt",
            Representation.agent_number == agent_number,
            Representation.created_at >= since,
        )
        .limit(1)
    )
    if seen is not None:
        return ratelimit.Verdict(True)
    limit = current_app.config["PORTAL"].fullmakt_limit_per_day
    return ratelimit.hit("fullmakt", str(principal.id), limit, window=TRY_WINDOW_SECONDS)


def save_fullmakt_draft(
    principal: Person, municipality: Municipality, terms: FullmaktTerms, draft: Representation | None = None
) -> Representation:
    """The fullmakt as typed, waiting for the principal's BankID signature (no access until accepted)."""
    session = get_session()
    if draft is None:
        draft = Representation(principal_id=principal.id, municipality_id=municipality.id, basis="fullmakt")
        session.add(draft)
    draft.agent_id = None
    draft.agent_number = parse(terms.agent_number).digits12
    draft.scope = terms.scope
    draft.case_ids = list(terms.case_ids) if terms.scope == "cases" else []
    draft.eservice_ids = list(terms.eservice_ids) if terms.scope == "eservices" else []
    draft.can_read = "read" in terms.rights
    draft.can_message = "message" in terms.rights
    draft.can_apply = "apply" in terms.rights
    draft.valid_from = utcnow()
    draft.valid_until = end_of_day(terms.valid_until)
    draft.status = "unsigned"
    session.flush()
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


def _bankid_text(title: str, statement: str, lines: list[str], rep: Representation, signer: str) -> str:
    """A text to sign in the BankID app (simpleMarkdownV1): what, the terms, until when, by whom."""
    valid_until = _("Valid until: %(date)s", date=last_day(rep).isoformat())
    terms = [f"+ {line}" for line in lines]
    return "\n".join(
        ["# " + title, "", statement, "", *terms, "", valid_until, "", _("Signed by: %(name)s", name=signer)]
    )


def sign_text(rep: Representation, titles: dict[str, Any], case_labels: dict[str, str]) -> str:
    """What the principal signs: the number they typed, no name."""
    principal = get_session().get(Person, rep.principal_id)
    assert principal is not None  # noqa: S101 - foreign key
    statement = _(
        "I give the person with personal identity number %(number)s the right to act for me as "
        "described below.",
        number=Personnummer(rep.agent_number).formatted,
    )
    return _bankid_text(
        _("Power of attorney (fullmakt)"), statement, describe(rep, titles, case_labels), rep, principal.name
    )


def accept_text(
    rep: Representation, agent: Person, titles: dict[str, Any], case_labels: dict[str, str]
) -> str:
    """What the agent signs when they accept."""
    statement = _(
        "I accept the power of attorney from %(principal)s and may act for them as described below.",
        principal=display_name(rep.principal),
    )
    lines = describe(rep, titles, case_labels, voice="agent")
    return _bankid_text(_("Accept a power of attorney"), statement, lines, rep, agent.name)


def describe(
    rep: Representation, titles: dict[str, Any], case_labels: dict[str, str], *, voice: str = "principal"
) -> list[str]:
    """The scope and rights in plain words, for the BankID texts and the pages: as the principal says it,
    or (voice="agent") as the agent reads it."""
    agent = voice == "agent"
    lines: list[str] = []
    if rep.scope == "all":
        mine = _("All my matters at the social services")
        lines.append(_("All their matters at the social services") if agent else mine)
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
        lines.append(_("Apply on their behalf") if agent else _("Apply on my behalf"))
    return lines


def sign_ref(rep: Representation, side: str = "principal") -> str:
    """The BankID order's reference: the principal's signature, or the agent's acceptance."""
    return f"representation:{rep.id}" if side == "principal" else f"representation:{rep.id}:accept"


def start_signing(
    rep: Representation,
    signer: Person,
    *,
    text: str,
    municipality: Municipality,
    end_user_ip: str,
    same_device: bool,
    return_url: str,
    side: str = "principal",
) -> auth_services.StartResult:
    """A BankID sign order over the fullmakt's terms, for the principal's signature or the agent's
    acceptance (side="agent")."""
    import hashlib
    import json

    terms = {
        "agent": rep.agent_number,
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
        purpose_ref=sign_ref(rep, side),
        user_visible_data=text,
        user_non_visible_data=hashlib.sha256(json.dumps(terms, sort_keys=True).encode()).hexdigest(),
        signer_personal_number=signer.personal_number,
    )


def _change(rep: Representation, from_status: str, *conditions: Any, **values: Any) -> bool:
    """One atomic state change (UPDATE ... WHERE status = from_status): of two completions of the same
    signature sent at once, only the first finds the fullmakt still in from_status and changes it; the
    second changes nothing and is told so. On PostgreSQL the second waits for the first's row lock and
    then re-reads the status; SQLite serialises the writes (BEGIN IMMEDIATE)."""
    session = get_session()
    result = session.execute(
        sa.update(Representation)
        .where(Representation.id == rep.id, Representation.status == from_status, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = bool(result.rowcount)  # type: ignore[attr-defined]
    if changed:
        session.refresh(rep)
    else:
        session.expire(rep)  # read afresh: the completion that came first changed it
    return changed


def _evidence(order: BankIDOrder) -> dict[str, str]:
    completion = order.completion or {}
    return {
        "signed_text": order.user_visible_data,
        "signature": completion.get("signature", ""),
        "ocsp_response": completion.get("ocsp_response", ""),
        "order_ref": order.order_ref,
    }


def finish_signing(rep: Representation, order: BankIDOrder, signer: Person, *, actor: Actor) -> str:
    """Store the principal's signature as the fullmakt's evidence and offer it to the agent. Returns
    "offered", "done" when a concurrent completion of the same signature got there first, or "failed"."""
    session = get_session()
    completion = order.completion or {}
    if completion.get("personal_number") != signer.personal_number or rep.principal_id != signer.id:
        log.error("fullmakt sign order %s completed by someone other than the principal", order.order_ref)
        return "failed"
    now = utcnow()
    answer_until = end_of_day(now.astimezone(STOCKHOLM).date() + dt.timedelta(days=OFFER_DAYS))
    if not _change(
        rep,
        "unsigned",
        **_evidence(order),
        signed_at=now,
        valid_from=now,
        offer_expires_at=min(answer_until, rep.valid_until),
        status="offered",
    ):
        return "done"
    order.status, order.completion = "used", None
    _record(session, rep, signer, "representation_granted", actor)
    _notify_agent_of_offer(session, rep)
    session.flush()
    return "offered"


def _offers(agent: Person, municipality_id: int) -> sa.Select[tuple[Representation]]:
    return sa.select(Representation).where(
        Representation.agent_number == agent.personal_number,
        Representation.principal_id != agent.id,
        Representation.municipality_id == municipality_id,
        Representation.basis == "fullmakt",
        Representation.status == "offered",
        Representation.revoked_at.is_(None),
        Representation.offer_expires_at > utcnow(),
    )


def offers_for(session: Session, agent: Person, municipality_id: int) -> list[Representation]:
    """Fullmakter offered to this person that wait for their answer."""
    return list(
        session.scalars(
            _offers(agent, municipality_id)
            .options(selectinload(Representation.principal))
            .order_by(Representation.created_at)
        )
    )


def offer(session: Session, rep_id: uuid.UUID, agent: Person, municipality_id: int) -> Representation | None:
    return session.scalar(_offers(agent, municipality_id).where(Representation.id == rep_id))


def _still_open(agent: Person) -> tuple[Any, ...]:
    return (
        Representation.agent_number == agent.personal_number,
        Representation.revoked_at.is_(None),
        Representation.offer_expires_at > utcnow(),
    )


def finish_accepting(rep: Representation, order: BankIDOrder, agent: Person, *, actor: Actor) -> str:
    """The agent's BankID signature accepts the offer and makes the fullmakt active; the principal is
    notified. Returns "accepted", "done" (a concurrent completion was first) or "failed"."""
    session = get_session()
    completion = order.completion or {}
    if completion.get("personal_number") != agent.personal_number:
        log.error("fullmakt accept order %s completed by someone other than the agent", order.order_ref)
        return "failed"
    now = utcnow()
    if not _change(
        rep,
        "offered",
        *_still_open(agent),
        agent_id=agent.id,
        acceptance=_evidence(order),
        answered_at=now,
        valid_from=now,
        status="active",
    ):
        return "done" if session.get(Representation, rep.id).agent_id == agent.id else "failed"  # type: ignore[union-attr]
    order.status, order.completion = "used", None
    _record(session, rep, agent, "representation_accepted", actor)
    notify_principal(session, rep)
    session.flush()
    return "accepted"


def decline(rep: Representation, agent: Person, *, actor: Actor) -> bool:
    """The agent declines the offer: it ends, and the principal is told (without details)."""
    session = get_session()
    if not _change(rep, "offered", *_still_open(agent), answered_at=utcnow(), status="declined"):
        return False
    _record(session, rep, agent, "representation_declined", actor)
    notify_person(
        session,
        rep.principal_id,
        rep.municipality_id,
        path="/fullmakter",
        stamp=f"representation-declined:{rep.id}",
        texts=lambda municipality, url: (
            _("Answer about your power of attorney"),
            _(
                "A power of attorney you gave at %(municipality)s has been declined. Log in to My pages to "
                "see "
                "it: %(url)s",
                municipality=municipality,
                url=url,
            ),
            _(
                "%(municipality)s: a power of attorney you gave has been declined. Log in to My pages: "
                "%(url)s",
                municipality=municipality,
                url=url,
            ),
        ),
    )
    session.flush()
    return True


def _record(session: Session, rep: Representation, person: Person, action: str, actor: Actor) -> None:
    """The audit event of a step of a citizen's fullmakt, by the principal or the agent."""
    audit.record(
        session,
        action,
        actor=actor,
        actor_type="person",
        actor_id=person.id,
        subject_person_id=rep.principal_id,
        object_type="representation",
        object_id=str(rep.id),
        municipality_id=rep.municipality_id,
        basis="fullmakt",
    )


def _notify_agent_of_offer(session: Session, rep: Representation) -> None:
    """Someone who already uses the portal is told that an offer waits (nothing about whose or what).
    This is the only look-up of the number, after the principal's BankID signature, and its outcome never
    reaches the principal."""
    agent_id = session.scalar(sa.select(Person.id).where(Person.personal_number == rep.agent_number))
    if agent_id is None:
        return
    notify_person(
        session,
        agent_id,
        rep.municipality_id,
        path="/mina-sidor",
        stamp=f"representation-offer:{rep.id}",
        texts=lambda municipality, url: (
            _("A power of attorney waits for your answer"),
            _(
                "Someone has offered you a power of attorney at %(municipality)s. Log in to My pages within "
                "%(days)s days to read it and accept or decline it: %(url)s",
                municipality=municipality,
                days=OFFER_DAYS,
                url=url,
            ),
            _(
                "%(municipality)s: a power of attorney waits for your answer. Log in to My pages: %(url)s",
                municipality=municipality,
                url=url,
            ),
        ),
    )


def revoke(rep: Representation, *, by: Actor) -> None:
    """Revoked by ``by``: the principal (a person) or a staff member."""
    session = get_session()
    if rep.revoked_at is None:
        rep.revoked_at = utcnow()
        rep.revoked_by_type, rep.revoked_by_id = by.kind, by.id
        audit.record(
            session,
            "representation_revoked",
            actor=by,
            subject_person_id=rep.principal_id,
            object_type="representation",
            object_id=str(rep.id),
            municipality_id=rep.municipality_id,
            basis=rep.basis,
        )
    session.flush()


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


def agent_is_staff(session: Session, agent_number: str, municipality_id: int) -> bool:
    """Whether the agent is a staff account of the municipality (active or not), matched by personnummer:
    staff never register a representation that lets staff act for a citizen."""
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(StaffUser)
            .where(StaffUser.municipality_id == municipality_id, StaffUser.personal_number == agent_number)
        )
        or 0
    ) > 0


def register_by_staff(
    terms: StaffTerms, *, staff: Actor, municipality_id: int, document: tuple[str, bytes]
) -> Representation | str:
    """Register a god man, förvaltare or vårdnadshavare with the decision or förordnande as a PDF. It waits
    ("pending", no access) until a second staff member approves it; the principal is told at once.
    Returns the representation, or an error reason (an upload reason, "adult", "not_pdf" or
    "agent_is_staff")."""
    from portal.files import quota, validation
    from portal.files.storage import storage

    session = get_session()
    if agent_is_staff(session, terms.agent_number, municipality_id):
        audit.record(
            session,
            "representation_registration_refused",
            actor=staff,
            municipality_id=municipality_id,
            object_type="representation",
            reason="agent_is_staff",
            basis=terms.basis,
        )
        session.flush()
        return "agent_is_staff"
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
            quota.admit(session, quota.Uploader(municipality_id, staff_id=staff.id), [checked.size])
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
        status="pending",
        valid_from=max(start_of_day(terms.valid_from), utcnow())
        if terms.valid_from <= utcnow().astimezone(STOCKHOLM).date()
        else start_of_day(terms.valid_from),
        valid_until=end_of_day(until_day),
        registered_by_id=staff.id,
        document_file_id=stored.id,
        document_filename=checked.safe_filename,
        document_sha256=checked.sha256,
    )
    session.add(rep)
    session.flush()
    audit.record(
        session,
        "representation_registered",
        actor=staff,
        subject_person_id=principal.id,
        object_type="representation",
        object_id=str(rep.id),
        municipality_id=municipality_id,
        basis=terms.basis,
        status="pending",
    )
    _notify_principal_of_registration(session, rep)
    session.flush()
    return rep


def _notify_principal_of_registration(session: Session, rep: Representation) -> None:
    """At once, before it is approved: the principal can object before anyone acts for them."""

    def texts(municipality: str, url: str) -> tuple[str, str, str]:
        return (
            _("Someone has been registered to act for you"),
            _(
                "%(municipality)s has registered that someone may act for you. It applies when a second "
                "official has approved it. Log in to My pages: %(url)s",
                municipality=municipality,
                url=url,
            ),
            _(
                "%(municipality)s: someone has been registered to act for you. Log in to My pages: %(url)s",
                municipality=municipality,
                url=url,
            ),
        )

    notify_person(
        session,
        rep.principal_id,
        rep.municipality_id,
        path="/fullmakter",
        stamp=f"representation-registered:{rep.id}",
        texts=texts,
        extra_paragraphs=(_l("If you do not recognise this, contact the social services."),),
    )


def review_registration(rep: Representation, *, staff: Actor, approve: bool, reason: str = "") -> bool:
    """A second staff member approves (the representation becomes active) or refuses (with the reason) a
    pending staff registration. One atomic change: only a pending registration, never by its registrant;
    twice at once gives one effect. False when it was no longer pending or is the reviewer's own."""
    session = get_session()
    now = utcnow()
    done = session.execute(
        sa.update(Representation)
        .where(
            Representation.id == rep.id,
            Representation.status == "pending",
            Representation.registered_by_id != staff.id,
        )
        .values(
            status="active" if approve else "refused",
            reviewed_by_id=staff.id,
            reviewed_at=now,
            refusal_reason="" if approve else reason,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        return False
    session.refresh(rep)
    audit.record(
        session,
        "representation_approved" if approve else "representation_refused",
        actor=staff,
        subject_person_id=rep.principal_id,
        object_type="representation",
        object_id=str(rep.id),
        municipality_id=rep.municipality_id,
        basis=rep.basis,
        registered_by=rep.registered_by_id,
    )
    if approve:
        notify_principal(session, rep)
    session.flush()
    return True


# --- dödsbodelägare ---------------------------------------------------------------------------------------


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


# --- acting for someone -----------------------------------------------------------------------------------


def start_acting(login: LoginSession, rep: Representation, *, actor: Actor) -> bool:
    session = get_session()
    if not rep.is_active(utcnow()) or rep.agent_id != login.person_id:
        return False
    login.acting_for_id = rep.principal_id
    login.acting_representation_id = rep.id
    audit.record(
        session,
        "acting_started",
        actor=actor,
        actor_type="person",
        actor_id=login.person_id,
        principal_id=rep.principal_id,
        subject_person_id=rep.principal_id,
        object_type="representation",
        object_id=str(rep.id),
    )
    session.flush()
    return True


def stop_acting(login: LoginSession, *, reason: str = "chosen", actor: Actor) -> None:
    session = get_session()
    if login.acting_for_id is None and login.acting_representation_id is None:
        return
    audit.record(
        session,
        "acting_ended" if reason == "chosen" else "acting_refused",
        actor=actor,
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
    session.flush()


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

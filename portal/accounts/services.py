from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import Person
from portal.accounts.personnummer import Personnummer
from portal.actor import Actor
from portal.audit import services as audit
from portal.db import get_session
from portal.i18n import locale_to_remember
from portal.text import strip_bidi


def person_from_eid(pnr: Personnummer, given_name: str, surname: str) -> Person:
    """The person an e-ID vouches for, created at first login; the name follows the e-ID's latest."""
    session = get_session()
    person = session.scalar(sa.select(Person).where(Person.personal_number == pnr.digits12))
    if person is None:
        person = Person(personal_number=pnr.digits12)
        session.add(person)
    if given_name or surname:
        # The e-ID's name is text from outside too: no direction controls (portal.text).
        person.given_name, person.surname = strip_bidi(given_name), strip_bidi(surname)

    # A first login from a browser that asks for Finnish (say): notices and receipts follow that language.
    if remembered := locale_to_remember(person.preferred_locale or ""):
        person.preferred_locale = remembered
    return person


def set_preferred_locale(person: Person, locale: str) -> None:
    session = get_session()
    person.preferred_locale = locale
    session.flush()


def person_by_number(pnr: Personnummer, *, given_name: str = "", surname: str = "") -> Person:
    """Find a person by number, creating them with the given name if new. An existing person's name is
    never changed here: only their own e-ID login does that."""
    session = get_session()
    person = session.scalar(sa.select(Person).where(Person.personal_number == pnr.digits12))
    if person is None:
        person = Person(personal_number=pnr.digits12, given_name=given_name, surname=surname)
        session.add(person)
        session.flush()
    return person


def update_contact_details(
    person: Person, *, email: str, phone: str, notify_by_email: bool, notify_by_sms: bool, actor: Actor
) -> None:
    """The person's own contact details, changed by ``actor`` (the person, logged in)."""
    session = get_session()
    person.email, person.phone = email.strip(), phone.strip()
    person.notify_by_email, person.notify_by_sms = notify_by_email, notify_by_sms
    audit.record(
        session,
        "contact_details_changed",
        actor=actor,
        actor_type="person",
        actor_id=person.id,
        subject_person_id=person.id,
    )
    session.flush()

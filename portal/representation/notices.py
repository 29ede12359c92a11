"""The notices of representation: as every notice, each says only that something happened, never who or
what (e-mail and SMS are not secure), and points to My pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.accounts.models import Person
from portal.cases.services import notify_person
from portal.representation.models import Representation
from portal.representation.validity import OFFER_DAYS


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


def notify_agent_of_offer(session: Session, rep: Representation) -> None:
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


def notify_principal_of_registration(session: Session, rep: Representation) -> None:
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


def notify_principal_of_decline(session: Session, rep: Representation) -> None:
    """The agent declined the principal's fullmakt (without details)."""
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

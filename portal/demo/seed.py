"""Demo data: two municipalities of one kommunalförbund, their units, and the demo citizens.

Idempotent: the first run creates, later runs find the data and change nothing.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.accounts.models import Person
from portal.db import all_municipalities, get_session, unit_of_work, utcnow
from portal.demo.documents import demo_pdf
from portal.demo.identities import DEMO_CITIZENS, DEMO_STAFF
from portal.demo.kundval import seed_kundval
from portal.files.storage import storage
from portal.municipalities.models import Municipality, Unit
from portal.representation.models import Representation
from portal.staff.models import StaffUser

DEMO_MUNICIPALITIES = (
    {
        "slug": "exempelstad",
        "name": "Exempelstads kommun",
        "host_names": ["exempelstad.localhost", "127.0.0.1", "localhost"],
        "is_default": True,
        "logo_path": "img/exempelstad.svg",
        "brand_colour": "#1d4f91",
        "brand_colour_dark": "#123563",
        "contact_phone": "0123-456 00",
        "contact_email": "socialtjansten@exempelstad.example",
        "website_url": "https://exempelstad.example",
        "accessibility_statement": {
            "assessed_on": "2026-11-30",
            "method": "self",
            "updated_on": "2026-12-02",
            "compliance": "partial",
            "feedback_email": "tillganglighet@exempelstad.example",
        },
        "units": (("forsorjningsstod", "Försörjningsstöd"), ("aldreomsorg", "Äldreomsorg"), ("lss", "LSS")),
        "enabled_eservices": [
            "ekonomiskt_bistand",
            "manadsansokan",
            "dodsboanmalan",
            "hemtjanst",
            "personlig_assistans",
        ],
    },
    {
        "slug": "norrby",
        "name": "Norrby kommun",
        "host_names": ["norrby.localhost"],
        "is_default": False,
        "logo_path": "img/norrby.svg",
        "brand_colour": "#2e6b30",
        "brand_colour_dark": "#1f4a21",
        "contact_phone": "0987-654 00",
        "contact_email": "kontaktcenter@norrby.example",
        "website_url": "https://norrby.example",
        "accessibility_statement": {"assessed_on": "2026-11-30", "method": "self", "compliance": "partial"},
        "units": (("socialtjansten", "Socialtjänsten"),),
        # Norrby offers fewer e-services: a municipality's settings decide what its citizens see.
        "enabled_eservices": ["ekonomiskt_bistand", "manadsansokan", "hemtjanst"],
    },
)


def seed() -> bool:
    """The demo data; what already exists is left alone (kundval's part is added to an older demo too)."""
    # Both demo municipalities at once: an explicit opt-out of the one-municipality scope (portal.db).
    with all_municipalities(), unit_of_work() as session:
        created = _seed_once()
        created = _demo_staff_roles(session) or created
        if seed_kundval(session):
            created = True
    return created


def _seed_once() -> bool:
    """Municipalities, staff and citizens on an empty database; the demo representations once each."""
    session = get_session()
    created = False
    if not session.scalar(sa.select(sa.func.count()).select_from(Municipality)):
        _seed_base()
        created = True
    return seed_representations() or created


def _demo_staff_roles(session: Session) -> bool:
    """Roles the demo staff have gained since a database was first seeded (Helena keeps the register of
    representatives); only added, never taken away."""
    changed = False
    for spec in DEMO_STAFF:
        account = session.scalar(
            sa.select(StaffUser)
            .join(Municipality, Municipality.id == StaffUser.municipality_id)
            .where(Municipality.slug == spec.municipality, StaffUser.personal_number == spec.personal_number)
        )
        missing = [role for role in spec.roles if account is not None and role not in (account.roles or [])]
        if account is not None and missing:
            account.roles = [*(account.roles or []), *missing]
            changed = True
    if changed:
        session.flush()
    return changed


def _seed_base() -> None:
    session = get_session()
    for spec in DEMO_MUNICIPALITIES:
        values = {k: v for k, v in spec.items() if k != "units"}
        municipality = Municipality(**values)
        session.add(municipality)
        session.flush()
        for code, name in spec["units"]:
            session.add(Unit(municipality_id=municipality.id, code=code, name=name))
    for staff in DEMO_STAFF:
        if staff.provider:
            continue  # utförare staff come with their provider (portal/demo/kundval.py)
        municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == staff.municipality))
        unit = session.scalar(
            sa.select(Unit).where(Unit.municipality_id == municipality.id, Unit.code == staff.unit)
        )
        session.add(
            StaffUser(
                municipality_id=municipality.id,
                personal_number=staff.personal_number,
                name=staff.name,
                roles=list(staff.roles),
                unit_id=unit.id,
            )
        )
    for identity in DEMO_CITIZENS:
        session.add(
            Person(
                personal_number=identity.personal_number,
                given_name=identity.given_name,
                surname=identity.surname,
            )
        )
    session.flush()


# Ready examples of representation: Erik follows his mother Britt's hemtjänst matters on a fullmakt, and
# Anna is Greta's god man. Each is created once; a later run finds it and changes nothing.
DEMO_REPRESENTATIONS = (
    # principal, agent, basis, scope, e-services, rights
    ("194101090993", "197006151596", "fullmakt", "eservices", ["hemtjanst"], ("read", "message", "apply")),
    ("192001010178", "198507202011", "god_man", "all", [], ("read", "message", "apply")),
)


def seed_representations() -> bool:
    session = get_session()
    municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
    if municipality is None:
        return False
    created = False
    for principal_number, agent_number, basis, scope, eservices, rights in DEMO_REPRESENTATIONS:
        principal = session.scalar(sa.select(Person).where(Person.personal_number == principal_number))
        agent = session.scalar(sa.select(Person).where(Person.personal_number == agent_number))
        if principal is None or agent is None:
            continue
        exists = session.scalar(
            sa.select(Representation.id).where(
                Representation.principal_id == principal.id,
                Representation.agent_id == agent.id,
                Representation.basis == basis,
            )
        )
        if exists is not None:
            continue
        now = utcnow()
        rep = Representation(
            principal_id=principal.id,
            agent_id=agent.id,
            agent_number=agent.personal_number,
            municipality_id=municipality.id,
            basis=basis,
            scope=scope,
            case_ids=[],
            eservice_ids=list(eservices),
            can_read="read" in rights,
            can_message="message" in rights,
            can_apply="apply" in rights,
            status="active",
            valid_from=now,
            valid_until=now + dt.timedelta(days=365),
        )
        if basis == "fullmakt":
            rep.signed_text = "Demo: fullmakt skapad av seed-demo, inte signerad med BankID."
            rep.signed_at = now
        else:
            content = demo_pdf("Förordnande av god man (demo)")
            stored = storage.put(session, content, "application/pdf")
            rep.document_file_id = stored.id
            rep.document_filename = "forordnande-god-man-demo.pdf"
            rep.document_sha256 = stored.sha256
        session.add(rep)
        created = True
    session.flush()
    return created

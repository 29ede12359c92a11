"""Demo data: two municipalities of one kommunalförbund, their units, and the demo citizens.

Idempotent: the first run creates, later runs find the data and change nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.accounts.models import Person
from portal.db import get_session
from portal.demo.identities import DEMO_CITIZENS, DEMO_STAFF
from portal.municipalities.models import Municipality, Unit
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
        "units": (("socialtjansten", "Socialtjänsten"),),
        # Norrby offers fewer e-services: a municipality's settings decide what its citizens see.
        "enabled_eservices": ["ekonomiskt_bistand", "manadsansokan", "hemtjanst"],
    },
)


def seed() -> bool:
    """The demo data; what already exists is left alone (kundval's part is added to an older demo too)."""
    from portal.demo.kundval import seed_kundval

    created = _seed_base()
    session = get_session()
    if seed_kundval(session):
        session.commit()
        created = True
    return created


def _seed_base() -> bool:
    session = get_session()
    if session.scalar(sa.select(sa.func.count()).select_from(Municipality)):
        return False
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
    session.commit()
    return True

"""Demo data for kundval: four hemtjänst providers in Exempelstad (one the ickevalsalternativ) and the
utförare staff of two of them (``seed_kundval``, part of every demo seed); and, for `portal seed-demo` only,
a granted hemtjänst case for Britt Lindqvist served by the ickevalsalternativ (``seed_granted_case``), so a
tester can compare, change provider and see the utförare side right after `make run`. The test database
gets no case of its own: tests that need it call ``seed_granted_case``.

The quality figures are made up and say so in their source. Idempotent: what exists is left as it is.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

import forms
from portal.accounts.models import Person
from portal.cases import services as cases
from portal.cases.models import Case, Decision, Document
from portal.db import utcnow
from portal.demo.documents import demo_pdf
from portal.demo.identities import DEMO_STAFF
from portal.files.storage import storage
from portal.municipalities.models import Municipality, Unit
from portal.providers.models import Provider, ProviderChoice
from portal.staff.models import StaffUser

SURVEY = "Socialstyrelsens brukarundersökning (demo)"
FOLLOW_UP = "Exempelstads uppföljning (demo)"
BRITT = "194101090993"


def _quality(satisfied: str, on_time: str, staff_count: str) -> list[dict[str, object]]:
    return [
        {"label": "Nöjda med hemtjänsten som helhet", "value": satisfied, "source": SURVEY, "year": 2025},
        {"label": "Personalen kommer på avtalad tid", "value": on_time, "source": SURVEY, "year": 2025},
        {
            "label": "Antal personal som besöker en person under 14 dagar (median)",
            "value": staff_count,
            "source": FOLLOW_UP,
            "year": 2025,
        },
    ]


DEMO_PROVIDERS = (
    {
        "name": "Exempelstads kommunala hemtjänst",
        "organisation_number": "212000-0001",
        "areas": ["Centrum", "Norra", "Södra", "Västra", "Östra"],
        "languages": ["Svenska", "Engelska", "Finska", "Arabiska"],
        "profile": (
            "Kommunens egen hemtjänst finns i hela Exempelstad, dygnet runt. Vi hjälper dig med personlig "
            "omvårdnad, städning, tvätt och inköp, och vi har nattpatrull och trygghetslarm."
        ),
        "quality": _quality("88 %", "79 %", "14"),
        "phone": "0123-456 50",
        "email": "hemtjansten@exempelstad.example",
        "website": "https://exempelstad.example/hemtjanst",
        "address": "Storgatan 1, 123 45 Exempelstad",
        "default_for": ["hemtjanst"],
    },
    {
        "name": "Omsorg Stjärnan AB",
        "organisation_number": "556900-1234",
        "areas": ["Centrum", "Norra"],
        "languages": ["Svenska", "Persiska", "Engelska"],
        "profile": (
            "Ett litet företag med fasta arbetslag: du träffar samma få personer varje vecka. Vi har "
            "personal som talar persiska och ett eget team för dig som har demenssjukdom."
        ),
        "quality": _quality("93 %", "90 %", "8"),
        "phone": "0123-777 10",
        "email": "kontakt@omsorgstjarnan.example",
        "website": "https://omsorgstjarnan.example",
        "address": "Norra vägen 12, 123 46 Exempelstad",
        "default_for": [],
    },
    {
        "name": "Trygga Händer Hemtjänst AB",
        "organisation_number": "556800-4321",
        "areas": ["Södra", "Västra", "Centrum"],
        "languages": ["Svenska", "Finska", "Bosniska"],
        "profile": (
            "Vi har funnits i Exempelstad i femton år. Många i personalen är undersköterskor, och vi "
            "erbjuder promenader och sällskap utöver det du har beviljats, utan extra kostnad."
        ),
        "quality": _quality("90 %", "84 %", "11"),
        "phone": "0123-888 20",
        "email": "info@tryggahander.example",
        "website": "https://tryggahander.example",
        "address": "Södra torget 3, 123 47 Exempelstad",
        "default_for": [],
    },
    {
        "name": "Vardagshjälpen ekonomisk förening",
        "organisation_number": "769600-1122",
        "areas": ["Östra", "Norra"],
        "languages": ["Svenska", "Somaliska", "Arabiska", "Engelska"],
        "profile": (
            "Ett personalkooperativ: de som hjälper dig äger också företaget. Vi lagar gärna mat tillsammans "
            "med dig och har personal som talar somaliska och arabiska."
        ),
        "quality": _quality("86 %", "88 %", "10"),
        "phone": "0123-999 30",
        "email": "hej@vardagshjalpen.example",
        "website": "https://vardagshjalpen.example",
        "address": "Östergatan 40, 123 48 Exempelstad",
        "default_for": [],
    },
)


def seed_kundval(session: Session) -> bool:
    """Create what is missing; returns whether anything was created. The caller commits."""
    municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
    if municipality is None:
        return False
    created = False
    providers: dict[str, Provider] = {}
    for spec in DEMO_PROVIDERS:
        provider = session.scalar(
            sa.select(Provider).where(
                Provider.municipality_id == municipality.id,
                Provider.organisation_number == spec["organisation_number"],
            )
        )
        if provider is None:
            provider = Provider(municipality_id=municipality.id, services=["hemtjanst"], **spec)
            session.add(provider)
            session.flush()
            created = True
        providers[str(spec["organisation_number"])] = provider
    for staff in DEMO_STAFF:
        if not staff.provider:
            continue
        account = session.scalar(
            sa.select(StaffUser).where(
                StaffUser.municipality_id == municipality.id,
                StaffUser.personal_number == staff.personal_number,
            )
        )
        if account is None:
            unit = session.scalar(
                sa.select(Unit).where(Unit.municipality_id == municipality.id, Unit.code == staff.unit)
            )
            session.add(
                StaffUser(
                    municipality_id=municipality.id,
                    personal_number=staff.personal_number,
                    name=staff.name,
                    roles=list(staff.roles),
                    unit_id=unit.id if unit else None,
                    provider_id=providers[staff.provider].id,
                )
            )
            created = True
        elif account.provider_id is None:
            account.provider_id = providers[staff.provider].id
            created = True
    return created


def seed_granted_case(session: Session) -> bool:
    """Britt Lindqvist's hemtjänst, granted in a decision, served by the ickevalsalternativ; once. The caller
    commits."""
    municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
    default = session.scalar(sa.select(Provider).where(Provider.organisation_number == "212000-0001"))
    britt = session.scalar(sa.select(Person).where(Person.personal_number == BRITT))
    if municipality is None or default is None or britt is None:
        return False
    exists = session.scalar(
        sa.select(Case.id).where(
            Case.subject_id == britt.id,
            Case.municipality_id == municipality.id,
            Case.eservice_id == "hemtjanst",
        )
    )
    if exists is not None:
        return False
    eservice = forms.get("hemtjanst")
    unit = session.scalar(
        sa.select(Unit).where(Unit.municipality_id == municipality.id, Unit.code == eservice.unit_code)
    )
    now = utcnow()
    number = cases.new_case_number(session)
    case = Case(
        case_number=number,
        municipality_id=municipality.id,
        subject_id=britt.id,
        applicant_id=britt.id,
        eservice_id="hemtjanst",
        eservice_version=eservice.version,
        case_type=eservice.case_type,
        unit_id=unit.id if unit else None,
        status="decided",
        payload={"demo": True, "answers": {}},
        external_ref=number,
        created_at=now - dt.timedelta(days=30),
        received_at=now - dt.timedelta(days=30),
    )
    session.add(case)
    session.flush()

    pdf = demo_pdf("Beslut om hemtjänst (demo)")
    stored = storage.put(session, pdf, "application/pdf")
    decided = (now - dt.timedelta(days=10)).date()
    document = Document(
        case_id=case.id,
        kind="beslut",
        title=f"Beslut {decided.isoformat()}",
        filename="beslut-hemtjanst-demo.pdf",
        media_type="application/pdf",
        size=len(pdf),
        sha256=stored.sha256,
        stored_file=stored,
    )
    session.add(document)
    session.flush()
    session.add(
        Decision(
            case_id=case.id,
            outcome="granted",
            motivation=(
                "Du behöver hjälp med städning, tvätt och inköp varje vecka och med dusch två gånger i "
                "veckan. Därför beviljas du hemtjänst. (Demo)"
            ),
            decided_at=decided,
            appeal_deadline=decided + dt.timedelta(weeks=3),
            document_id=document.id,
            published_at=now - dt.timedelta(days=10),
        )
    )
    cases.add_event(session, case, "submitted")
    cases.add_event(session, case, "received", reference=number)
    cases.add_event(session, case, "decision", outcome="granted")
    session.add(
        ProviderChoice(
            case_id=case.id,
            person_id=britt.id,
            provider_id=default.id,
            effective_date=decided,
            chosen_at=now - dt.timedelta(days=10),
            chosen_by_id=britt.id,
        )
    )
    cases.add_event(
        session,
        case,
        "provider_chosen",
        provider=default.name,
        provider_id=default.id,
        effective_date=decided.isoformat(),
    )
    return True

"""Tenancy: every route, asked in Norrby for Exempelstad's objects, answers 404 and records the refusal.

The people are the same in both municipalities (a Person is global), so the realistic leak is Britt, who
has a case in Exempelstad, opening it in Norrby; or Erik, Britt's ombud in Norrby, opening her Exempelstad
case; or a Norrby handläggare, utförare, administrator or API client naming an Exempelstad id. The test
walks ``app.url_map``: a new route whose argument it cannot fill fails here until it is taught how.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import forms
from portal.access import ACCESS_ATTR
from portal.accounts.models import Person
from portal.api import services as api_services
from portal.api.models import SCOPES
from portal.applications.models import Draft, DraftAttachment
from portal.audit.models import AuditEvent
from portal.auth import logins as auth_services
from portal.cases.models import Case, Document, StaffNote, SupplementRequest
from portal.db import all_municipalities, get_session, utcnow
from portal.demo.kundval import seed_granted_case
from portal.files.storage import storage
from portal.messaging.models import Message, MessageAttachment, MessageThread
from portal.municipalities.models import Municipality
from portal.outbox.models import OutboxItem
from portal.providers.models import Provider, ProviderChoice
from portal.representation.models import Representation
from portal.staff.models import StaffUser
from tests.api.test_validation import VALID as API_CASE_BODIES
from tests.applications.flow_helpers import small_pdf
from tests.helpers import csrf_from

BRITT, ERIK, NORA = "194101090993", "197006151596", "196811031142"
NORRBY = "/k/norrby"
# Exempelstad's data that must never show in Norrby.
MARKERS = (
    "Tenancy marker document",
    "Tenancy marker message",
    "Tenancy marker note",
    "Tenancy marker supplement",
    "Tenancy Marker Omsorg AB",
    "Tenancy marker draft answer",
    "Tenancy Marker Staff",
)

# Argument name -> which Exempelstad object fills it (an id route: 404 and an access_denied event).
OBJECT_ARGUMENTS = {
    "case_id": "case_id",
    "case_number": "case_number",
    "document_id": "document_id",
    "request_id": "supplement_id",
    "choice_id": "choice_id",
    "draft_id": "draft_id",
    "rep_id": "rep_id",
    "account_id": "staff_id",
    "item_id": "outbox_id",
    "idempotency_key": "outbox_key",
    "provider_id": "provider_id",  # <int:provider_id>; <provider_id> (text) is an e-ID provider
    "attachment_id": "message_attachment_id",  # a draft's attachment on applications.* (below)
}
# Argument name -> a value that is no object of a municipality (e-service ids, e-ID providers, ...).
PLAIN_ARGUMENTS = {
    "eservice_id": "hemtjanst",
    "service": "hemtjanst",
    "step_id": "",  # the draft's first step, filled in below
    "role": "applicant",
    "provider_id": "demo",
    "locale": "en",
    "unknown": "cases",
    "action": "",  # per endpoint, below
}
ACTIONS = {
    "admin.delivery_action": "forsok-igen",
    "admin.account_active": "inaktivera",
    "admin.provider_active": "inaktivera",
}
# A 404 these give needs no access_denied event: what they would show is no one's personal data.
PUBLIC_OBJECTS = {"providers.profile": "a provider's page in the kundval catalogue"}
# These end the actor's own login and are asked last.
LOGOUTS = {"auth.logout", "staff.logout"}
# The API's requests carry valid bodies, so it is the case's check that refuses them.
API_BODIES = {"api.acknowledge_delivery": {"reference": "REF-1"}}


@dataclass
class Actor:
    name: str
    kind: str  # citizen, staff or api
    client: FlaskClient
    csrf: str = ""
    token: str = ""

    def request(self, method: str, path: str, endpoint: str) -> object:
        if self.kind == "api":
            headers = {"Authorization": f"Bearer {self.token}"}
            body = None
            if method == "POST":
                body = API_BODIES.get(endpoint) or API_CASE_BODIES.get("/" + path.rsplit("/", 1)[1], {})
            return self.client.open(path, method=method, json=body, headers=headers)
        data = {"csrf_token": self.csrf} if method == "POST" else None
        return self.client.open(path, method=method, data=data)


@dataclass
class World:
    ids: dict[str, object] = field(default_factory=dict)
    actors: list[Actor] = field(default_factory=list)


def _one(session, stmt):  # type: ignore[no-untyped-def]
    found = session.scalar(stmt)
    assert found is not None, stmt
    return found


def _representation(municipality, principal, agent, **values) -> Representation:  # type: ignore[no-untyped-def]
    """An active representation with every right, for a month."""
    now = utcnow()
    return Representation(
        municipality_id=municipality.id,
        principal_id=principal.id,
        agent_id=agent.id,
        can_read=True,
        can_message=True,
        can_apply=True,
        status="active",
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        **values,
    )


def _exempelstad_objects(session) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Britt's granted hemtjänst in Exempelstad with one of everything, each carrying a marker."""
    seed_granted_case(session)
    exempelstad = _one(session, sa.select(Municipality).where(Municipality.slug == "exempelstad"))
    britt = _one(session, sa.select(Person).where(Person.personal_number == BRITT))
    erik = _one(session, sa.select(Person).where(Person.personal_number == ERIK))
    case = _one(session, sa.select(Case).where(Case.subject_id == britt.id, Case.eservice_id == "hemtjanst"))
    helena = _one(session, sa.select(StaffUser).where(StaffUser.name == "Helena Handläggare"))
    helena.name = "Tenancy Marker Staff"
    pdf = small_pdf()
    stored = storage.put(session, pdf, "application/pdf")
    file_fields = {
        "media_type": "application/pdf",
        "size": len(pdf),
        "sha256": stored.sha256,
        "stored_file_id": stored.id,
    }
    document = Document(case_id=case.id, kind="utredning", title=MARKERS[0], filename="u.pdf", **file_fields)
    thread = MessageThread(case_id=case.id, audience="handlaggare")
    session.add_all([document, thread])
    session.flush()
    message = Message(thread_id=thread.id, author_type="staff", body=MARKERS[1])
    session.add(message)
    session.flush()
    attachment = MessageAttachment(message_id=message.id, filename="brev.pdf", **file_fields)
    supplement = SupplementRequest(case_id=case.id, text=MARKERS[3], due_date=dt.date(2030, 1, 1))
    session.add_all(
        [attachment, supplement, StaffNote(case_id=case.id, author_id=helena.id, body=MARKERS[2])]
    )
    provider = Provider(
        municipality_id=exempelstad.id,
        name=MARKERS[4],
        organisation_number="556000-0099",
        services=["hemtjanst"],
    )
    session.add(provider)
    session.flush()
    choice = ProviderChoice(
        case_id=case.id,
        person_id=britt.id,
        provider_id=provider.id,
        effective_date=dt.date.today(),
        chosen_by_id=britt.id,
    )
    eservice = forms.get("hemtjanst")
    draft = Draft(
        municipality_id=exempelstad.id,
        owner_id=britt.id,
        subject_id=britt.id,
        eservice_id="hemtjanst",
        eservice_version=eservice.version,
        answers={eservice.steps[0].id: {"reason": MARKERS[5]}},
        current_step=eservice.steps[0].id,
    )
    session.add_all([choice, draft])
    session.flush()
    draft_attachment = DraftAttachment(
        draft_id=draft.id, step_id=eservice.steps[0].id, slot="bilaga", filename="b.pdf", **file_fields
    )
    rep = _representation(
        exempelstad,
        britt,
        erik,
        basis="forvaltare",
        registered_by_id=helena.id,
        document_file_id=stored.id,
        document_filename="beslut.pdf",
        document_sha256=stored.sha256,
    )
    outbox = OutboxItem(
        municipality_id=exempelstad.id,
        topic="application.submitted",
        adapter="embedded",
        payload={"case_number": case.case_number},
        idempotency_key=f"tenancy:{uuid.uuid4()}",
        status="failed",
    )
    session.add_all([draft_attachment, rep, outbox])
    session.flush()
    return {
        "case_id": case.id,
        "case_number": case.case_number,
        "document_id": document.id,
        "supplement_id": supplement.id,
        "choice_id": choice.id,
        "draft_id": draft.id,
        "draft_step": eservice.steps[0].id,
        "draft_attachment_id": draft_attachment.id,
        "message_attachment_id": attachment.id,
        "rep_id": rep.id,
        "staff_id": helena.id,
        "outbox_id": outbox.id,
        "outbox_key": outbox.idempotency_key,
        "provider_id": provider.id,
    }


def _norrby_logins(session) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Logins in Norrby: Britt, Erik (her ombud there), Nora (handläggare), an utförare, an
    administrator, and an API client with every scope."""
    norrby = _one(session, sa.select(Municipality).where(Municipality.slug == "norrby"))
    britt = _one(session, sa.select(Person).where(Person.personal_number == BRITT))
    erik = _one(session, sa.select(Person).where(Person.personal_number == ERIK))
    nora = _one(session, sa.select(StaffUser).where(StaffUser.personal_number == NORA))
    provider = Provider(
        municipality_id=norrby.id,
        name="Norrby Omsorg",
        organisation_number="556000-0100",
        services=["hemtjanst"],
    )
    session.add(provider)
    session.flush()
    utforare = StaffUser(municipality_id=norrby.id, name="Una", roles=["utforare"], provider_id=provider.id)
    admin = StaffUser(municipality_id=norrby.id, name="Adam", roles=["administrator"])
    rep = _representation(norrby, britt, erik, basis="fullmakt")
    session.add_all([utforare, admin, rep])
    session.flush()
    _client, api_token = api_services.create_client(
        session, norrby.id, "Norrby system", list(SCOPES), {"MOT": "received"}
    )

    def login(person, staff=None):  # type: ignore[no-untyped-def]
        return auth_services.start_login(
            person, norrby, method="bankid", loa="loa3", staff_user_id=staff.id if staff else None
        )

    return {
        "citizen": login(britt),
        "ombud": login(erik),
        "ombud_rep": rep.id,
        "handlaggare": login(None, nora),
        "utforare": login(None, utforare),
        "administrator": login(None, admin),
        "api": api_token,
    }


@pytest.fixture
def world(app: Flask) -> World:
    with app.test_request_context(f"{NORRBY}/"), all_municipalities():
        session = get_session()
        ids = _exempelstad_objects(session)
        logins = _norrby_logins(session)
        session.commit()
    world = World(ids=ids)
    for name in ("citizen", "ombud"):
        client = app.test_client()
        with client.session_transaction() as cookie:
            cookie["login"] = logins[name]
        page = client.get(f"{NORRBY}/foretradda")
        assert page.status_code == 200, (name, page.status_code)
        world.actors.append(Actor(name, "citizen", client, csrf=csrf_from(page.text)))
    ombud = world.actors[1]
    acting = ombud.client.post(
        f"{NORRBY}/foretradda/{logins['ombud_rep']}/agera", data={"csrf_token": ombud.csrf}
    )
    assert acting.status_code == 302, acting.text
    for name in ("handlaggare", "utforare", "administrator"):
        client = app.test_client()
        with client.session_transaction() as cookie:
            cookie["staff_login"] = logins[name]
        page = client.get(
            f"{NORRBY}/handlaggare/personal/" if name == "administrator" else f"{NORRBY}/handlaggare/"
        )
        page = client.get(page.headers["Location"]) if page.status_code == 302 else page
        assert page.status_code == 200, (name, page.status_code, page.headers.get("Location"))
        world.actors.append(Actor(name, "staff", client, csrf=csrf_from(page.text)))
    world.actors.append(Actor("api", "api", app.test_client(), token=str(logins["api"])))
    return world


def _value(world: World, endpoint: str, name: str, converter: str) -> tuple[object, bool]:
    """The value for a route argument, and whether it names an object of Exempelstad."""
    if name == "attachment_id" and endpoint.startswith("applications."):
        return world.ids["draft_attachment_id"], True
    if name == "provider_id" and converter != "IntegerConverter":
        return PLAIN_ARGUMENTS[name], False
    if name in OBJECT_ARGUMENTS:
        return world.ids[OBJECT_ARGUMENTS[name]], True
    if name == "step_id":
        return world.ids["draft_step"], False
    if name == "action":
        assert endpoint in ACTIONS, f"{endpoint}: the tenancy test does not know which action to ask"
        return ACTIONS[endpoint], False
    assert name in PLAIN_ARGUMENTS, (
        f"{endpoint}: the tenancy test does not know how to fill <{name}>; teach it (OBJECT_ARGUMENTS for "
        "an object of a municipality, PLAIN_ARGUMENTS for anything else)"
    )
    return PLAIN_ARGUMENTS[name], False


def _fill(world: World, rule) -> tuple[dict[str, object], bool]:  # type: ignore[no-untyped-def]
    """The rule's arguments, and whether one of them names an object of Exempelstad."""
    values, names_object = {}, False
    for name, converter in rule._converters.items():
        value, is_object = _value(world, rule.endpoint, name, type(converter).__name__)
        values[name] = value
        names_object = names_object or is_object
    return values, names_object


def _denials(app: Flask) -> int:
    with app.app_context(), all_municipalities():
        return (
            get_session().scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "access_denied")
            )
            or 0
        )


def _routes(app: Flask) -> list[tuple[object, str, str]]:
    """(rule, method, access) for every route and method but static files, logouts last."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = getattr(app.view_functions[rule.endpoint], ACCESS_ATTR, None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule, method, access))
    return sorted(found, key=lambda item: (item[0].endpoint in LOGOUTS, item[0].rule, item[1]))


def test_every_route_refuses_the_other_municipalitys_objects(app, world):
    problems: list[str] = []
    object_routes = 0
    for rule, method, access in _routes(app):
        values, names_object = _fill(world, rule)
        path = NORRBY + rule.build(values, append_unknown=False)[1]
        actors = [a for a in world.actors if access == "public" or a.kind in str(access)]
        assert actors, f"{rule.rule}: no actor for access {access!r}"
        refused_with_audit = False
        for actor in actors:
            before = _denials(app) if names_object else 0
            response = actor.request(method, path, rule.endpoint)
            body = response.get_data(as_text=True)
            leaked = [marker for marker in MARKERS if marker in body]
            if str(world.ids["case_number"]) in body:
                leaked.append("the case number")
            if leaked:
                problems.append(f"{method} {rule.rule} as {actor.name}: shows {leaked}")
            if response.status_code >= 500:
                problems.append(f"{method} {rule.rule} as {actor.name}: {response.status_code}")
            if not names_object:
                continue
            if response.status_code == 404:
                if _denials(app) == before and rule.endpoint not in PUBLIC_OBJECTS:
                    problems.append(
                        f"{method} {rule.rule} as {actor.name}: 404 without an access_denied event"
                    )
                refused_with_audit = True
            elif response.status_code != 403:  # a role that may not use the route at all, asked nothing
                problems.append(f"{method} {rule.rule} as {actor.name}: {response.status_code}, not 404")
        if names_object:
            object_routes += 1
            if not refused_with_audit:
                problems.append(f"{method} {rule.rule}: no actor got as far as the object's check")
    assert object_routes > 50
    assert not problems, "\n".join(problems)


def test_a_new_route_with_an_unknown_argument_fails_the_tenancy_test(fresh_app):
    @fresh_app.get("/widgets/<uuid:widget_id>")
    def widget(widget_id):  # type: ignore[no-untyped-def]
        return ""

    world = World(ids=dict.fromkeys(OBJECT_ARGUMENTS.values(), 1) | {"draft_step": "x"})
    world.ids.update(draft_attachment_id=1)
    with pytest.raises(AssertionError, match="does not know how to fill <widget_id>"):
        for rule, _method, _access in _routes(fresh_app):
            _fill(world, rule)

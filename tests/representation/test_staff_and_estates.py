"""Representation registered by staff (god man, förvaltare, vårdnadshavare for a minor only, ending at 18),
dödsbodelägare named in a dödsboanmälan, and an ombud applying for the principal."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from portal.representation.models import Representation
from portal.representation.validity import last_day
from tests.applications.flow_helpers import sign, small_pdf, start
from tests.applications.test_eservice_flows import fill_all
from tests.auth.login_helpers import log_in
from tests.forms.samples import TODAY, personnummer, raw
from tests.helpers import csrf_from
from tests.representation.helpers import ANNA, PRINCIPAL, TOLVAN, act_for, arrange, english, grant
from tests.representation.test_four_eyes import keeper, review
from tests.staff.test_workspace import HELENA, staff_log_in

NEW = "/handlaggare/foretradare/ny"
CHILD = personnummer(dt.date(TODAY.year - 12, 3, 10), "482")


def _register(client, *, principal=PRINCIPAL, basis="god_man", until="", document=None, **extra):  # type: ignore[no-untyped-def]
    page = client.get(NEW)
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_from(page.text),
        "principal_number": principal,
        "agent_number": "19121212-1212",
        "agent_name": "Tolvan Tolvansson",
        "basis": basis,
        "scope": "all",
        "rights": ["read", "message", "apply"],
        "valid_from": TODAY.isoformat(),
        "valid_until": until,
        "document": (io.BytesIO(small_pdf() if document is None else document), "beslut.pdf"),
        **extra,
    }
    return client.post(NEW, data=data, content_type="multipart/form-data")


def _newest(app):  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        return get_session().scalar(
            sa.select(Representation).order_by(Representation.created_at.desc()).limit(1)
        )


def test_a_handlaggare_registers_a_god_man_who_can_then_act(app, client, bankid_simulator):
    staff_log_in(client, bankid_simulator, HELENA)
    english(client)
    until = (TODAY + dt.timedelta(days=400)).isoformat()
    response = _register(client, until=until)
    assert response.status_code == 302, re.findall(r'class="field-error"[^>]*>(.*?)</p>', response.text, re.S)
    rep = _newest(app)
    assert rep.basis == "god_man" and rep.registered_by_id is not None and rep.status == "pending"
    assert rep.document_sha256 and rep.document_filename
    assert last_day(rep).isoformat() == until
    listing = client.get("/handlaggare/foretradare/").text
    assert "Tolvan Tolvansson" in listing and "Trustee (god man)" in listing
    document = client.get(f"/handlaggare/foretradare/{rep.id}/dokument")
    assert document.status_code == 200 and document.data.startswith(b"%PDF")
    with app.app_context(), all_municipalities():
        assert get_session().scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "representation_registered", AuditEvent.object_id == str(rep.id)
            )
        )

    assert review(keeper(app, bankid_simulator), rep.id).status_code == 302  # the second pair of eyes
    citizen = app.test_client()
    log_in(citizen, bankid_simulator, TOLVAN)
    assert act_for(citizen, rep.id).headers["Location"].endswith("/mina-sidor")

    page = client.get(f"/handlaggare/foretradare/{rep.id}/aterkalla")
    assert page.status_code == 200
    client.post(f"/handlaggare/foretradare/{rep.id}/aterkalla", data={"csrf_token": csrf_from(page.text)})
    assert citizen.get("/mina-arenden").status_code == 302  # refused at once
    assert _newest(app).revoked_by_type == "staff"


def test_a_god_man_needs_a_pdf_and_the_document_is_checked_by_content(app, client, bankid_simulator):
    staff_log_in(client, bankid_simulator, HELENA)
    english(client)
    until = (TODAY + dt.timedelta(days=30)).isoformat()
    fake = _register(client, until=until, document=b"not a pdf at all")
    assert fake.status_code == 400 and 'href="#document"' in fake.text
    image = _register(client, until=until, document=bytes.fromhex("89504e470d0a1a0a") + b"\0" * 40)
    assert image.status_code == 400
    missing = _register(client, until="")
    assert missing.status_code == 400 and 'href="#valid_until"' in missing.text


def test_a_vardnadshavare_is_only_for_a_minor_and_ends_at_18(app, client, bankid_simulator):
    staff_log_in(client, bankid_simulator, HELENA)
    english(client)
    adult = _register(client, basis="vardnadshavare")
    assert adult.status_code == 400
    assert "18 or older" in adult.text and 'href="#principal_number"' in adult.text
    assert 'value="' + PRINCIPAL + '"' in adult.text  # what was typed is kept

    minor = _register(client, principal=CHILD, basis="vardnadshavare")
    assert minor.status_code == 302
    assert review(keeper(app, bankid_simulator), _newest(app).id).status_code == 302
    rep = _newest(app)
    born = dt.date(TODAY.year - 12, 3, 10)
    assert last_day(rep) == born.replace(year=born.year + 18) - dt.timedelta(days=1)
    assert rep.is_active(rep.valid_from)
    assert not rep.is_active(rep.valid_until)


def test_a_citizen_login_cannot_register(app, client, bankid_simulator):
    log_in(client, bankid_simulator, TOLVAN)
    assert client.get(NEW).status_code == 302  # a citizen login is no staff login


def test_dodsbodelagare_with_a_personnummer_follow_the_case_and_its_messages(app, client, bankid_simulator):
    log_in(client, bankid_simulator, TOLVAN)
    answers = raw("dodsboanmalan")
    answers["estate_parties"] = [
        *answers["estate_parties"],
        {"name": "Anna Andersson", "personal_number": "19850720-2011", "relation": "Barnbarn", "contact": ""},
    ]
    draft = start(client, "dodsboanmalan")
    fill_all(client, draft, "dodsboanmalan", answers)
    done = sign(client, bankid_simulator, draft, TOLVAN)
    assert done.headers["Location"].endswith("/kvitto")
    with app.app_context(), all_municipalities():
        session = get_session()
        case = session.scalar(
            sa.select(Case).where(Case.eservice_id == "dodsboanmalan").order_by(Case.created_at.desc())
        )
        reps = session.scalars(
            sa.select(Representation).where(Representation.source_case_id == case.id)
        ).all()
        assert [(r.agent.personal_number, r.basis, r.scope, r.case_ids, r.rights) for r in reps] == [
            (ANNA, "dodsbodelagare", "cases", [str(case.id)], ["read", "message"])
        ], "one for Anna; none for the applicant or the party without a number"
        rep_id, case_id = reps[0].id, case.id

    anna = app.test_client()
    log_in(anna, bankid_simulator, ANNA)
    act_for(anna, rep_id)
    page = anna.get(f"/arenden/{case_id}")
    assert page.status_code == 200
    sent = anna.post(
        f"/arenden/{case_id}/meddelanden",
        data={"csrf_token": csrf_from(page.text), "body": "Jag är delägare."},
    )
    assert sent.status_code == 302
    token = csrf_from(anna.get("/mina-sidor").text)
    assert anna.post("/e-tjanster/hemtjanst/starta", data={"csrf_token": token}).status_code == 404


def test_an_ombud_applies_for_the_principal_and_the_case_is_theirs(app, client, bankid_simulator):
    arranged = arrange(app)
    rep_id = grant(app, arranged, rights=("read", "apply"), scope="eservices", eservice_ids=["hemtjanst"])
    log_in(client, bankid_simulator)
    act_for(client, rep_id)
    draft = start(client, "hemtjanst")
    fill_all(client, draft, "hemtjanst", raw("hemtjanst"))
    done = sign(client, bankid_simulator, draft, TOLVAN)
    assert done.headers["Location"].endswith("/kvitto"), done.text
    assert client.get(done.headers["Location"]).status_code == 200
    with app.app_context(), all_municipalities():
        session = get_session()
        case = session.scalar(sa.select(Case).order_by(Case.created_at.desc()).limit(1))
        assert case.subject_id == arranged.principal_id and case.applicant_id == arranged.agent_id
        assert case.payload["applicant"]["personal_number"] == PRINCIPAL
        assert case.payload["representative"]["personal_number"] == TOLVAN
        import jsonschema

        import forms
        from forms import engine

        with app.test_request_context():
            jsonschema.validate(case.payload, engine.schema(forms.get("hemtjanst")))
        signed = session.scalar(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "application_signed")
            .order_by(AuditEvent.id.desc())
        )
        assert signed.actor_id == arranged.agent_id and signed.principal_id == arranged.principal_id
        case_id = case.id
    # Once the agent stops acting, the case is the principal's, not theirs.
    token = csrf_from(client.get("/mina-sidor").text)
    client.post("/foretradda/sluta", data={"csrf_token": token})
    assert client.get(f"/arenden/{case_id}").status_code == 404


def test_the_demo_representations_are_seeded_once(app):
    from portal.demo.seed import seed

    with app.app_context(), all_municipalities():
        session = get_session()
        before = session.scalar(sa.select(sa.func.count()).select_from(Representation))
        demo = session.scalars(
            sa.select(Representation).where(Representation.basis.in_(("fullmakt", "god_man")))
        ).all()
        assert {(r.principal.name, r.agent.name, r.basis) for r in demo} >= {
            ("Britt Lindqvist", "Erik Lindqvist", "fullmakt"),
            ("Greta Hundra", "Anna Andersson", "god_man"),
        }
        assert seed() is False
        assert session.scalar(sa.select(sa.func.count()).select_from(Representation)) == before


def test_staff_see_that_a_representative_wrote(app, client, bankid_simulator):
    arranged = arrange(app)
    rep_id = grant(app, arranged, rights=("read", "message"))
    log_in(client, bankid_simulator)
    act_for(client, rep_id)
    page = client.get(f"/arenden/{arranged.case_id}")
    client.post(
        f"/arenden/{arranged.case_id}/meddelanden", data={"csrf_token": csrf_from(page.text), "body": "Hej!"}
    )
    with app.app_context(), all_municipalities():
        from portal.municipalities.models import Unit

        session = get_session()
        case = session.get(Case, arranged.case_id)
        case.unit_id = session.scalar(sa.select(Unit.id).where(Unit.code == "aldreomsorg"))
        session.commit()
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, "198009142210")
    english(staff)
    html = staff.get(f"/handlaggare/arenden/{arranged.case_id}").text
    assert "A representative of the applicant" in html

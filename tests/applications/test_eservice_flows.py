"""Every e-service from start to receipt over HTTP, the medsökande flow, and uploads checked by content."""

import re

import pytest
import sqlalchemy as sa

from forms import engine
from forms.base import Answers
from portal.applications.models import Signature
from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from tests.applications.flow_helpers import form_data, post_step, sign, small_pdf, start, upload
from tests.auth.login_helpers import TOLVAN, log_in
from tests.forms.samples import PARTNER, raw
from tests.helpers import csrf_from

REQUIRED_UPLOADS = {
    "ekonomiskt_bistand": [("incomes", "bank_statements")],
    "manadsansokan": [("incomes", "bank_statements")],
    "dodsboanmalan": [("deceased", "death_certificate")],
}


def fill_all(client, draft, eservice_id, answers):
    import forms

    eservice = forms.get(eservice_id)
    for step in eservice.visible_steps(Answers(answers)):
        if step.id not in answers:
            continue
        response = post_step(client, draft, step.id, form_data(answers[step.id]))
        errors = re.findall(r'class="field-error"[^>]*>.*?</span>\s*(.*?)</p>', response.text, re.S)
        assert response.status_code == 302, (step.id, errors)
    for step_id, slot in REQUIRED_UPLOADS.get(eservice_id, []):
        assert upload(client, draft, step_id, slot, "utdrag.pdf", small_pdf()).status_code == 200


@pytest.mark.parametrize("eservice_id", ["hemtjanst", "personlig_assistans", "dodsboanmalan"])
def test_single_applicant_eservices_reach_a_receipt(app, client, bankid_simulator, eservice_id):
    log_in(client, bankid_simulator)
    draft = start(client, eservice_id)
    fill_all(client, draft, eservice_id, raw(eservice_id))
    done = sign(client, bankid_simulator, draft, TOLVAN)
    assert done.status_code == 302 and done.headers["Location"].endswith("/kvitto"), done.text
    receipt = client.get(done.headers["Location"]).text
    assert re.search(r'class="case-number">[A-Z0-9]{4}-[A-Z0-9]{4}<', receipt)


def test_ekonomiskt_bistand_needs_the_medsokande_to_sign_too(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    draft = start(client, "ekonomiskt_bistand")
    answers = raw("ekonomiskt_bistand")
    fill_all(client, draft, "ekonomiskt_bistand", answers)
    check = client.get(f"{draft}/granska").text
    assert (
        "Preliminär beräkning – inget beslut" in check or "Preliminary calculation – not a decision" in check
    )

    signed = sign(client, bankid_simulator, draft, TOLVAN)
    assert signed.status_code == 302
    assert signed.headers["Location"] == "/mina-sidor"
    mine = client.get("/mina-sidor").text
    assert "Väntar på att din medsökande ska skriva under" in mine or "Waiting for your co-applicant" in mine
    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(sa.func.count()).select_from(Case)) == 0

    partner = app.test_client()
    log_in(partner, bankid_simulator, personal_number=PARTNER.replace("-", ""))
    partner_page = partner.get("/mina-sidor").text
    assert f"{draft}/medsokande" in partner_page
    review = partner.get(f"{draft}/medsokande").text
    assert "7 350 kr" in review.replace("\xa0", " ")
    done = sign(partner, bankid_simulator, draft, PARTNER.replace("-", ""), role="medsokande")
    assert done.status_code == 302 and done.headers["Location"].endswith("/kvitto")
    assert "case-number" in partner.get(done.headers["Location"]).text
    assert "case-number" in client.get(f"{draft}/kvitto").text

    with app.test_request_context(), all_municipalities():
        session = get_session()
        case = session.scalar(sa.select(Case))
        assert case.payload["co_applicant"]["personal_number"] == PARTNER.replace("-", "")
        assert case.payload["calculation"]["disclaimer_key"] == "preliminary_not_a_decision"
        roles = session.scalars(sa.select(Signature.role).order_by(Signature.signed_at)).all()
        assert roles == ["applicant", "co_applicant"]
        from jsonschema import Draft202012Validator

        import forms

        Draft202012Validator(engine.schema(forms.get("ekonomiskt_bistand"))).validate(case.payload)


def test_the_medsokande_cannot_sign_someone_elses_application(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    draft = start(client, "ekonomiskt_bistand")
    fill_all(client, draft, "ekonomiskt_bistand", raw("ekonomiskt_bistand"))
    sign(client, bankid_simulator, draft, TOLVAN)
    stranger = app.test_client()
    log_in(stranger, bankid_simulator, personal_number="198507202011")
    assert stranger.get(f"{draft}/medsokande").status_code == 404
    page = stranger.get("/mina-sidor")
    response = stranger.post(
        f"{draft}/skriv-under/medsokande", data={"csrf_token": csrf_from(page.text), "device": "other"}
    )
    assert response.status_code == 404


def test_signing_is_refused_while_answers_are_missing(client, bankid_simulator):
    log_in(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    page = client.get(f"{draft}/granska")
    assert "Skriv under med" not in page.text and "Sign with" not in page.text
    response = client.post(
        f"{draft}/skriv-under/applicant", data={"csrf_token": csrf_from(page.text), "device": "other"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/granska")


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("kontoutdrag.pdf", b"MZ\x90\x00" + b"\x00" * 200, ("PDF, JPG, PNG", "PDF, JPG, PNG")),
        (
            "kontoutdrag.pdf",
            b"%PDF-1.7\n1 0 obj\n<<>>\nthis is not a pdf",
            ("gick inte att läsa", "could not be read"),
        ),
        ("tom.pdf", b"", ("tom", "empty")),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_message(client, bankid_simulator, filename, content, message):
    log_in(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    response = upload(client, draft, "need", "medical_certificate", filename, content)
    assert response.status_code == 400
    assert message[0] in response.text or message[1] in response.text
    assert 'id="error-summary"' in response.text


def test_an_oversized_upload_is_refused(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    config = app.config["PORTAL"]
    original = config.upload_max_bytes
    config.upload_max_bytes = 2000
    try:
        response = upload(client, draft, "need", "medical_certificate", "stor.pdf", small_pdf() + b" " * 3000)
    finally:
        config.upload_max_bytes = original
    assert response.status_code == 400
    assert "för stor" in response.text or "too large" in response.text


def test_a_real_pdf_is_attached_and_can_be_removed(client, bankid_simulator):
    log_in(client, bankid_simulator)
    draft = start(client, "hemtjanst")
    response = upload(client, draft, "need", "medical_certificate", "läkarintyg.jpg", small_pdf())
    assert response.status_code == 200
    link = re.search(rf'href="({draft}/bilagor/[^"]+)"', response.text).group(1)
    assert link
    attached = client.get(link)
    assert attached.mimetype == "application/pdf"  # judged by content, not the .jpg name
    assert "sandbox" in attached.headers["Content-Security-Policy"]
    attachment_id = link.rsplit("/", 1)[1]
    page = client.get(f"{draft}/steg/need")
    removed = client.post(
        f"{draft}/steg/need",
        data={"csrf_token": csrf_from(page.text), "action": f"delete-attachment-{attachment_id}"},
    )
    assert link not in removed.text


def test_manadsansokan_starts_from_the_last_application_and_shows_what_changed(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    first = start(client, "ekonomiskt_bistand")
    answers = raw("ekonomiskt_bistand")
    answers["household"] = {"lives_with_partner": "no", "has_children": "no"}
    answers["incomes"] = [i for i in answers["incomes"] if i["whose"] == "applicant"]
    del answers["co_applicant"], answers["children"]
    fill_all(client, first, "ekonomiskt_bistand", answers)
    assert sign(client, bankid_simulator, first, TOLVAN).headers["Location"].endswith("/kvitto")

    monthly = start(client, "manadsansokan")
    contact = client.get(f"{monthly}/steg/contact").text
    assert 'value="070-123 45 67"' in contact  # prefilled from the first application
    costs = client.get(f"{monthly}/steg/costs").text
    assert 'value="450"' in costs
    post_step(
        client,
        monthly,
        "costs",
        form_data(
            [
                {"type": "housing", "description": "", "amount": "7600"},
                {"type": "electricity", "description": "", "amount": "450"},
            ]
        ),
    )
    check = client.get(f"{monthly}/granska").text
    assert "tag--changed" in check

"""Upload quotas per message, per case and per person and day, the same on every upload path."""

import io

import pytest
import sqlalchemy as sa

from portal.cases.models import Decision
from portal.db import all_municipalities, get_session
from portal.files import quota
from portal.files.models import UploadRecord
from portal.files.validation import UploadRejected
from tests.applications.flow_helpers import small_pdf, start, upload
from tests.auth.login_helpers import log_in
from tests.cases.test_my_cases import case_path, submit_hemtjanst
from tests.files.test_validation import _document_javascript, rewrite
from tests.helpers import csrf_from
from tests.staff.test_workspace import OMAR, staff_case_path, staff_log_in

QUOTA_DAY = "Du har skickat så många filer som går i dag. Försök igen i morgon."
QUOTA_CASE = "Ärendet har tagit emot så många filer som det går."
ACTIVE = "PDF-filen innehåller skript"


@pytest.fixture
def quotas(app, monkeypatch):  # type: ignore[no-untyped-def]
    """Set quotas for one test; the session-wide config is restored after it."""

    def set_quotas(**values: int) -> None:
        for name, value in values.items():
            monkeypatch.setattr(app.config["PORTAL"], f"upload_quota_{name}", value)

    return set_quotas


def _send(client, path: str, body: str, content: bytes = b""):  # type: ignore[no-untyped-def]
    page = client.get(path).text
    data = {"csrf_token": csrf_from(page), "body": body}
    if content:
        data["attachment"] = (io.BytesIO(content), "kontoutdrag.pdf")
    return client.post(f"{path}/meddelanden", data=data, content_type="multipart/form-data")


def test_eight_attachments_in_a_row_stop_at_the_daily_quota_and_the_text_is_kept(
    app, client, bankid_simulator, quotas
):
    quotas(day_files=3)
    log_in(client, bankid_simulator)
    path = case_path(app, submit_hemtjanst(client, bankid_simulator))
    answers = [_send(client, path, f"Bilaga nummer {n}.", small_pdf()) for n in range(1, 9)]
    assert [a.status_code for a in answers] == [302] * 3 + [400] * 5
    refused = answers[3]
    assert QUOTA_DAY in refused.text
    assert 'id="error-summary"' in refused.text
    assert ">Bilaga nummer 4.</textarea>" in refused.text  # nothing typed is lost
    # A message without a file still goes through.
    assert _send(client, path, "Jag skickar resten i morgon.").status_code == 302
    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(sa.func.count(UploadRecord.id))) == 3


def test_the_daily_quota_counts_drafts_and_komplettering_too(app, client, bankid_simulator, quotas):
    quotas(day_files=2)
    log_in(client, bankid_simulator)
    path = case_path(app, submit_hemtjanst(client, bankid_simulator))
    assert _send(client, path, "En bilaga.", small_pdf()).status_code == 302
    draft = start(client, "hemtjanst")
    assert upload(client, draft, "need", "medical_certificate", "intyg.pdf", small_pdf()).status_code == 200
    refused = upload(client, draft, "need", "medical_certificate", "intyg2.pdf", small_pdf())
    assert refused.status_code == 400
    assert QUOTA_DAY in refused.text


def test_a_case_full_from_the_citizen_still_takes_the_municipalitys_files(
    app, client, bankid_simulator, quotas
):
    quotas(case_files=1)
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    path = case_path(app, number)
    assert _send(client, path, "Första.", small_pdf()).status_code == 302
    refused = _send(client, path, "Andra.", small_pdf())
    assert refused.status_code == 400 and QUOTA_CASE in refused.text

    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    staff_path = staff_case_path(app, number)
    assert _send(staff, staff_path, "Här är beslutet.", small_pdf()).status_code == 302
    second = _send(staff, staff_path, "Och en bilaga till.", small_pdf())
    assert second.status_code == 400
    assert "Ärendet har tagit emot så många filer" in second.text
    assert ">Och en bilaga till.</textarea>" in second.text


def test_one_message_cannot_carry_more_than_its_quota(app):
    uploader = quota.Uploader(municipality_id=1, staff_id=None, person_id=None)
    with app.test_request_context():
        config = app.config["PORTAL"]
        with pytest.raises(UploadRejected) as too_big:
            quota.admit(get_session(), uploader, [config.upload_quota_message_bytes + 1])
        with pytest.raises(UploadRejected) as too_many:
            quota.admit(get_session(), uploader, [1] * (config.upload_quota_message_files + 1))
    assert too_big.value.reason == too_many.value.reason == "quota_message"


def test_a_pdf_with_javascript_is_refused_in_a_message_and_the_text_is_kept(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    path = case_path(app, submit_hemtjanst(client, bankid_simulator))
    refused = _send(client, path, "Här är fakturan.", rewrite(small_pdf(), _document_javascript))
    assert refused.status_code == 400
    assert ACTIVE in refused.text
    assert ">Här är fakturan.</textarea>" in refused.text


def test_a_decision_pdf_with_javascript_is_refused_and_the_motivation_is_kept(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    path = staff_case_path(app, number)
    refused = staff.post(
        f"{path}/beslut",
        data={
            "csrf_token": csrf_from(staff.get(path).text),
            "outcome": "granted",
            "motivation": "Du behöver hjälp med städning varje vecka.",
            "decided_at": "2026-11-20",
            "document": (io.BytesIO(rewrite(small_pdf(), _document_javascript)), "beslut.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert ACTIVE in refused.text
    assert "Du behöver hjälp med städning varje vecka.</textarea>" in refused.text
    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(sa.func.count(Decision.id))) == 0

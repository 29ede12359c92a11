"""The API refuses files past the case's quota and PDFs with scripts, as every other upload path does."""

from tests.api.conftest import b64
from tests.api.test_cases import citizen_with_case
from tests.applications.flow_helpers import small_pdf
from tests.files.test_validation import _document_javascript, rewrite


def _document(title: str, content: bytes) -> dict[str, str]:
    return {"kind": "bilaga", "title": title, "filename": "a.pdf", "content_base64": b64(content)}


def test_a_document_past_the_cases_quota_is_422_quota_case(app, client, bankid_simulator, viva, monkeypatch):
    monkeypatch.setattr(app.config["PORTAL"], "upload_quota_case_files", 2)
    number, path = citizen_with_case(app, client, bankid_simulator)
    for title in ("Första", "Andra"):
        assert viva.post(f"/cases/{number}/documents", _document(title, small_pdf())).status_code == 201
    refused = viva.post(f"/cases/{number}/documents", _document("Tredje", small_pdf()))
    assert refused.status_code == 422
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.get_json(force=True)["reason"] == "quota-case"
    assert "Tredje" not in client.get(path).text


def test_a_pdf_with_javascript_is_422_active(app, client, bankid_simulator, viva):
    number, _ = citizen_with_case(app, client, bankid_simulator)
    refused = viva.post(
        f"/cases/{number}/documents", _document("Utredning", rewrite(small_pdf(), _document_javascript))
    )
    assert refused.status_code == 422
    assert refused.get_json(force=True)["reason"] == "active"

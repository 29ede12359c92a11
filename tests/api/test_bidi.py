"""Direction controls in what a case system sends are removed before anything is stored or shown."""

import sqlalchemy as sa

from portal.cases.models import Document
from portal.db import all_municipalities, get_session
from tests.api.conftest import b64
from tests.api.test_cases import citizen_with_case
from tests.applications.flow_helpers import small_pdf

RLO = "\u202e"


def test_a_title_pushed_through_the_api_is_stored_and_shown_without_an_override(
    app, client, bankid_simulator, viva
):
    number, path = citizen_with_case(app, client, bankid_simulator)
    title = f"Beslut om {RLO}fdp.exe"
    response = viva.post(
        f"/cases/{number}/documents",
        {"kind": "bilaga", "title": title, "filename": "a.pdf", "content_base64": b64(small_pdf())},
    )
    assert response.status_code == 201
    assert response.get_json()["title"] == "Beslut om fdp.exe"
    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(Document.title).where(Document.kind == "bilaga")) == (
            "Beslut om fdp.exe"
        )
    page = client.get(path).text
    assert "<bdi>Beslut om fdp.exe</bdi>" in page
    assert RLO not in page

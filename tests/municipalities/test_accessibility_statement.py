"""The tillgänglighetsredogörelse as DOS-lagen and Digg ask: the municipality's facts, the portal's known
deviations, Digg's complaint link, and a feedback form that reaches the municipality through the outbox."""

import json
import re

import pytest
import sqlalchemy as sa

from portal.db import all_municipalities, get_session
from portal.municipalities.loader import MunicipalityFileError, load
from portal.municipalities.models import Municipality
from portal.outbox.models import OutboxItem
from tests.helpers import csrf_from


def feedback_items(app):  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        return (
            get_session()
            .scalars(sa.select(OutboxItem).where(OutboxItem.topic == "accessibility.feedback"))
            .all()
        )


def set_statement(app, slug, statement):  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        session = get_session()
        municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == slug))
        municipality.accessibility_statement = statement
        session.commit()


def test_the_statement_gives_date_method_status_deviations_and_diggs_complaint_link(client):
    page = client.get("/tillganglighet").text
    assert "30 november 2026" in page  # the date of the assessment (the demo municipality's setting)
    assert "självskattning" in page  # the method
    assert "delvis förenlig med lagen om tillgänglighet till digital offentlig service" in page
    # The known deviations, each with its reason: what the portal really still lacks.
    deviations = re.search(r'<ul class="deviation-list">(.*?)</ul>', page, re.S).group(1)
    # Every language is offered (sv, en, fi, ar) and the PDFs are tagged: neither is listed any more.
    assert "Portalen finns inte på" not in deviations and "PDF" not in deviations
    # Care providers' names are marked Swedish in the pages' text; a page title cannot be.
    assert "utförarnas namn och" not in deviations
    assert "sidans titel" in deviations and "3.1.2" in deviations
    assert deviations.count("Varför:") == deviations.count("<li")
    assert 'href="https://www.digg.se/tdosanmalan"' in page
    assert 'href="/tillganglighet/synpunkter"' in page
    # Every page links to it from its footer.
    for path in ("/", "/tillganglighet/synpunkter", "/handlaggare/logga-in"):
        footer = client.get(path).text.split('<footer class="site-footer">', 1)[1]
        assert 'href="/tillganglighet"' in footer


def test_a_municipalitys_own_deviations_are_listed_and_rule_out_full_compliance(app, client):
    set_statement(
        app,
        "exempelstad",
        {
            "compliance": "full",
            "method": "external",
            "assessed_by": "Granskarna AB",
            "deviations": [
                {"text": "Kartan över träffpunkter saknar textalternativ.", "reason": "Byts ut 2027."}
            ],
        },
    )
    page = client.get("/tillganglighet").text
    assert '<li lang="sv"><p>Kartan över träffpunkter saknar textalternativ.' in page
    assert "Byts ut 2027." in page
    assert "Granskarna AB" in page
    assert "delvis förenlig" in page and "helt förenlig" not in page
    client.get("/sprak/en")
    english = client.get("/tillganglighet").text
    assert '<li lang="sv"><p>Kartan över träffpunkter' in english
    assert "partially compliant" in english


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({"assessed_on": "förra veckan"}, "assessed_on"),
        ({"method": "gissning"}, "method"),
        ({"compliance": "ja"}, "compliance"),
        ({"deviations": ["text"]}, "deviations"),
        ({"colour": "red"}, "unknown fields"),
    ],
)
def test_the_municipalities_file_refuses_a_statement_the_page_cannot_show(app, tmp_path, statement, message):
    path = tmp_path / "municipalities.json"
    path.write_text(json.dumps([{"slug": "sodra", "name": "Södra", "accessibility_statement": statement}]))
    with app.app_context(), all_municipalities(), pytest.raises(MunicipalityFileError, match=message):
        load(path)


def test_feedback_reaches_the_municipality_once_and_the_sender_gets_a_receipt(app, client):
    form_page = client.get("/tillganglighet/synpunkter")
    assert form_page.status_code == 200
    html = form_page.text
    assert '<label class="label" for="message">' in html
    submission = re.search(r'name="submission"[^>]*value="([^"]+)"', html)
    data = {
        "csrf_token": csrf_from(html),
        "submission": submission.group(1),
        "message": "Knappen Skicka går inte att nå med tangentbordet.",
        "page": "/ansokan/hemtjanst",
        "email": "anna@example.se",
    }
    sent = client.post("/tillganglighet/synpunkter", data=data)
    assert sent.status_code == 302
    receipt = client.get(sent.headers["Location"])
    assert "Tack för ditt meddelande" in receipt.text
    assert client.post("/tillganglighet/synpunkter", data=data).status_code == 302  # a double click
    items = feedback_items(app)
    assert len(items) == 1
    (item,) = items
    assert item.adapter == "mail"
    assert item.payload["to"] == "tillganglighet@exempelstad.example"
    assert "Knappen Skicka går inte att nå med tangentbordet." in item.payload["body"]
    assert "anna@example.se" in item.payload["body"]
    assert "tillgänglighet" in item.payload["subject"]


def test_feedback_form_errors_are_summarised_and_nothing_typed_is_lost(app, client):
    html = client.get("/tillganglighet/synpunkter").text
    refused = client.post(
        "/tillganglighet/synpunkter",
        data={"csrf_token": csrf_from(html), "message": "", "page": "Startsidan", "email": "inte en adress"},
    )
    assert refused.status_code == 400
    page = refused.text
    assert "<title>Fel: " in page
    assert '<a href="#message">Beskriv vad som inte fungerade</a>' in page
    assert '<a href="#email">' in page
    assert 'aria-invalid="true"' in re.search(r'<textarea[^>]*\bid="message"[^>]*>', page).group(0)
    assert 'value="Startsidan"' in page
    assert client.post("/tillganglighet/synpunkter", data={"message": "Utan CSRF"}).status_code == 400
    assert feedback_items(app) == []

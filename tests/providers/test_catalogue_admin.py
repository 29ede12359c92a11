"""Administrators keep the kundval catalogue: list, add, change, deactivate; validated, with CSRF, audited."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from portal.providers.models import Provider
from tests.helpers import csrf_from
from tests.providers.helpers import ADA, KOMMUNAL, OMAR, STJARNAN, ULLA, citizen, provider_id, staff

NEW = {
    "name": "Solrosen Omsorg AB",
    "organisation_number": "5567001234",
    "services": ["hemtjanst"],
    "areas": "Centrum\nVästra",
    "languages": "Svenska, Tigrinja",
    "profile": "Vi har fasta team.",
    "quality": "Nöjda med hemtjänsten som helhet; 92 %; Socialstyrelsens brukarundersökning (demo); 2025",
    "phone": "0123-111 22",
    "email": "info@solrosen.example",
    "website": "https://solrosen.example",
    "address": "Solvägen 1",
}


def test_an_administrator_adds_a_provider_that_citizens_then_see(app, bankid_simulator):
    ada = staff(app, bankid_simulator, ADA)
    listing = ada.get("/handlaggare/katalog/")
    assert listing.status_code == 200 and "Omsorg Stjärnan AB" in listing.text
    form = ada.get("/handlaggare/katalog/ny")
    added = ada.post("/handlaggare/katalog/ny", data={"csrf_token": csrf_from(form.text), **NEW})
    assert added.status_code == 302
    with app.app_context(), all_municipalities():
        session = get_session()
        provider = session.scalar(sa.select(Provider).where(Provider.name == "Solrosen Omsorg AB"))
        assert provider.organisation_number == "556700-1234"
        assert provider.languages == ["Svenska", "Tigrinja"]
        assert provider.quality[0]["year"] == 2025
        assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "provider_created"))
    britt = citizen(app, bankid_simulator)
    assert "Solrosen Omsorg AB" in britt.get("/kundval/hemtjanst?sprak=Tigrinja").text


def test_invalid_input_is_shown_with_messages_and_kept(app, bankid_simulator):
    ada = staff(app, bankid_simulator, ADA)
    form = ada.get("/handlaggare/katalog/ny")
    bad = dict(NEW, name="", organisation_number="12", quality="Nöjda; 92 %", website="solrosen.example")
    response = ada.post("/handlaggare/katalog/ny", data={"csrf_token": csrf_from(form.text), **bad})
    assert response.status_code == 400
    for text in (
        "Enter the provider&#39;s name",
        "Enter the organisation number as ten digits",
        "Line 1: write what is measured; value; source; year",
        "starting with https://",
    ):
        assert text in response.text, text
    assert 'class="error-summary"' in response.text
    assert "Nöjda; 92 %" in response.text and 'value="12"' in response.text
    taken = dict(NEW, organisation_number=STJARNAN)
    response = ada.post("/handlaggare/katalog/ny", data={"csrf_token": csrf_from(form.text), **taken})
    assert response.status_code == 400 and "already here" in response.text
    no_csrf = ada.post("/handlaggare/katalog/ny", data=NEW)
    assert no_csrf.status_code == 400
    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(Provider).where(Provider.name == "Solrosen Omsorg AB")) is None


def test_changing_and_deactivating_a_provider(app, bankid_simulator):
    ada = staff(app, bankid_simulator, ADA)
    stjarnan = provider_id(app, STJARNAN)
    form = ada.get(f"/handlaggare/katalog/{stjarnan}")
    assert "Omsorg Stjärnan AB" in form.text and "Persiska" in form.text
    # Naming it the ickevalsalternativ takes that role from the municipality's own.
    data = dict(NEW, name="Omsorg Stjärnan AB", organisation_number=STJARNAN, default_for=["hemtjanst"])
    assert (
        ada.post(
            f"/handlaggare/katalog/{stjarnan}", data={"csrf_token": csrf_from(form.text), **data}
        ).status_code
        == 302
    )
    with app.app_context(), all_municipalities():
        session = get_session()
        assert session.get(Provider, stjarnan).default_for == ["hemtjanst"]
        assert session.get(Provider, provider_id(app, KOMMUNAL)).default_for == []
    listing = ada.get("/handlaggare/katalog/")
    deactivated = ada.post(
        f"/handlaggare/katalog/{stjarnan}/inaktivera",
        data={"csrf_token": csrf_from(listing.text)},
        follow_redirects=True,
    )
    assert "is no longer shown to citizens" in deactivated.text
    assert re.search(r"No, deactivated", deactivated.text)
    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(AuditEvent).where(AuditEvent.action == "provider_deactivated"))
    assert "Omsorg Stjärnan AB" not in citizen(app, bankid_simulator).get("/kundval/hemtjanst").text


def test_only_administrators_keep_the_catalogue(app, bankid_simulator):
    for person in (OMAR, ULLA):
        client = staff(app, bankid_simulator, person)
        assert client.get("/handlaggare/katalog/").status_code == 403
        assert client.get("/handlaggare/katalog/ny").status_code == 403
    ada = staff(app, bankid_simulator, ADA)
    assert ada.get("/handlaggare/katalog/999999").status_code == 404

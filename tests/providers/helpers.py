"""Shared by the kundval tests: the demo's hemtjänst providers, Britt's granted case, logins in English
(the new texts' Swedish arrives with the catalogue merge; structure and English are asserted here)."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from portal.accounts.models import Person
from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from portal.providers.models import Provider
from tests.auth.login_helpers import log_in
from tests.helpers import csrf_from
from tests.staff.test_workspace import staff_log_in

BRITT = "194101090993"  # granted hemtjänst in the demo, served by the ickevalsalternativ
TOLVAN = "191212121212"
ULLA = "197803224240"  # utförare, Exempelstads kommunala hemtjänst (the ickevalsalternativ)
SAMIR = "198511063136"  # utförare, Omsorg Stjärnan AB
OMAR = "198009142210"  # handläggare, äldreomsorg
ADA = "195502141236"  # administrator

KOMMUNAL = "212000-0001"
STJARNAN = "556900-1234"
TRYGGA = "556800-4321"
VARDAG = "769600-1122"


def english(client):  # type: ignore[no-untyped-def]
    client.set_cookie("portal_locale", "en")
    return client


def citizen(app, simulator, personal_number=BRITT):  # type: ignore[no-untyped-def]
    client = english(app.test_client())
    log_in(client, simulator, personal_number)
    return client


def staff(app, simulator, personal_number, prefix=""):  # type: ignore[no-untyped-def]
    client = english(app.test_client())
    response = staff_log_in(client, simulator, personal_number, prefix=prefix)
    assert response.status_code == 302, response.text
    return client


def provider_id(app, organisation_number: str) -> int:
    with app.app_context(), all_municipalities():
        return get_session().scalar(
            sa.select(Provider.id).where(Provider.organisation_number == organisation_number)
        )


def britt_case(app) -> Case:  # type: ignore[no-untyped-def]
    """Britt's granted hemtjänst as `portal seed-demo` creates it (served by the ickevalsalternativ)."""
    from portal.demo.kundval import seed_granted_case

    with app.app_context(), all_municipalities():
        session = get_session()
        if seed_granted_case(session):
            session.commit()
        return session.scalar(
            sa.select(Case)
            .join(Person, Person.id == Case.subject_id)
            .where(Person.personal_number == BRITT, Case.eservice_id == "hemtjanst")
        )


def choose(client, case_id, provider: int, day: dt.date | str):  # type: ignore[no-untyped-def]
    """The whole choice as a citizen makes it: the form, the check page, the confirmation."""
    form = client.get(f"/arenden/{case_id}/utforare")
    assert form.status_code == 200
    data = {"csrf_token": csrf_from(form.text), "provider": str(provider), "effective_date": str(day)}
    checked = client.post(f"/arenden/{case_id}/utforare", data=data)
    assert checked.status_code == 200, re.findall(r'class="field-error"[^>]*>(.*?)</p>', checked.text, re.S)
    data["csrf_token"] = csrf_from(checked.text)
    done = client.post(f"/arenden/{case_id}/utforare/bekrafta", data=data)
    assert done.status_code == 302, done.text
    return done.headers["Location"]

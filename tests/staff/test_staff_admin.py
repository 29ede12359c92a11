"""Administrators keep their municipality's staff accounts: list, add, change, deactivate and reactivate;
only administrators, only their own municipality, validated, with CSRF, audited without personnummer."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from portal.municipalities.models import Unit
from portal.providers.models import Provider
from portal.staff.models import StaffUser
from tests.helpers import csrf_from
from tests.staff.test_workspace import NORA, OMAR, staff_log_in

ADA = "195502141236"  # administrator, Exempelstad
SAMIR = "198511063136"  # utförare, Omsorg Stjärnan AB
NEW_NUMBER = "199001012385"  # a valid personnummer nobody in the demo has
STJARNAN = "556900-1234"


def logged_in(app, simulator, personal_number, prefix=""):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.set_cookie("portal_locale", "en")
    response = staff_log_in(client, simulator, personal_number, prefix=prefix)
    assert response.status_code == 302, response.text
    return client


def account_id(app, personal_number: str) -> int:
    with app.app_context(), all_municipalities():
        return get_session().scalar(
            sa.select(StaffUser.id).where(StaffUser.personal_number == personal_number)
        )


def ids(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        session = get_session()
        stjarnan = session.scalar(sa.select(Provider.id).where(Provider.organisation_number == STJARNAN))
        unit = session.scalar(sa.select(Unit.id).where(Unit.code == "aldreomsorg"))
        return {"provider": str(stjarnan), "unit": str(unit)}


def new_utforare(app) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "name": "Sara Stjärna",
        "personal_number": "19900101-2385",
        "email": "sara@stjarnan.example",
        "roles": ["utforare"],
        **ids(app),
    }


def errors_of(html: str) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>.*?</span>\s*(.*?)</p>', html, re.S)


def test_only_administrators_keep_staff_accounts(app, client, bankid_simulator):
    omar = logged_in(app, bankid_simulator, OMAR)
    samir = account_id(app, SAMIR)
    for path in ("/handlaggare/personal/", "/handlaggare/personal/ny", f"/handlaggare/personal/{samir}"):
        assert omar.get(path).status_code == 403, path
    token = csrf_from(omar.get("/handlaggare/").text)
    refused = omar.post(f"/handlaggare/personal/{samir}/inaktivera", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Staff accounts" not in omar.get("/handlaggare/").text
    with app.app_context(), all_municipalities():
        assert get_session().get(StaffUser, samir).active

    ada = logged_in(app, bankid_simulator, ADA)
    home = ada.get("/handlaggare/leveranser").text
    assert 'href="/handlaggare/personal/"' in home and "Staff accounts" in home


def test_the_list_shows_roles_units_providers_and_how_each_logs_in(app, client, bankid_simulator):
    with app.app_context(), all_municipalities():
        session = get_session()
        omar = session.scalar(sa.select(StaffUser).where(StaffUser.personal_number == OMAR))
        omar.subject = "exempelstad-idp:omar"
        session.commit()
    ada = logged_in(app, bankid_simulator, ADA)
    page = ada.get("/handlaggare/personal/")
    assert page.status_code == 200
    rows = {
        re.sub(r"<[^>]+>", "", match.group(1)).split("\n")[0].strip(): re.sub(r"\s+", " ", match.group(0))
        for match in re.finditer(r"<tr>\s*<td>(.*?)</td>.*?</tr>", page.text, re.S)
    }
    samir = next(row for name, row in rows.items() if name.startswith("Samir Stjärna"))
    assert "Care provider" in samir and "Omsorg Stjärnan AB" in samir and "BankID" in samir and "Yes" in samir
    omar_row = next(row for name, row in rows.items() if name.startswith("Omar Omsorg"))
    assert "Case officer" in omar_row and "Äldreomsorg" in omar_row
    assert re.search(r"BankID, The municipality(&#39;|')s login", omar_row), omar_row
    ada_row = next(row for name, row in rows.items() if name.startswith("Ada Administratör"))
    assert "Administrator" in ada_row and "(you)" in ada_row
    # Only Exempelstad's accounts, and no personnummer on the list.
    assert "Nora" not in page.text
    assert not re.search(r"\b\d{8}-?\d{4}\b", page.text)


def test_the_list_queries_do_not_grow_with_accounts(app, client, bankid_simulator, count_queries):
    ada = logged_in(app, bankid_simulator, ADA)
    ada.get("/handlaggare/personal/")
    count_queries.statements.clear()
    ada.get("/handlaggare/personal/")
    few = count_queries.count
    with app.app_context(), all_municipalities():
        session = get_session()
        ada_account = session.scalar(sa.select(StaffUser).where(StaffUser.personal_number == ADA))
        provider = session.scalar(sa.select(Provider).where(Provider.organisation_number == STJARNAN))
        for i in range(25):
            session.add(
                StaffUser(
                    municipality_id=ada_account.municipality_id,
                    name=f"Extra Person {i:02d}",
                    roles=["utforare"] if i % 2 else ["handlaggare"],
                    unit_id=ada_account.unit_id,
                    provider_id=provider.id if i % 2 else None,
                    subject=f"idp:extra{i}",
                )
            )
        session.commit()
    count_queries.statements.clear()
    page = ada.get("/handlaggare/personal/")
    assert "Extra Person 24" in page.text
    assert count_queries.count == few


def test_an_administrator_adds_an_utforare_who_then_logs_in(app, client, bankid_simulator):
    ada = logged_in(app, bankid_simulator, ADA)
    form = ada.get("/handlaggare/personal/ny")
    assert form.status_code == 200 and "Omsorg Stjärnan AB" in form.text
    data = {"csrf_token": csrf_from(form.text), **new_utforare(app)}
    added = ada.post("/handlaggare/personal/ny", data=data)
    assert added.status_code == 302 and added.headers["Location"] == "/handlaggare/personal/"
    assert "Sara Stjärna" in ada.get("/handlaggare/personal/").text
    with app.app_context(), all_municipalities():
        session = get_session()
        account = session.scalar(sa.select(StaffUser).where(StaffUser.name == "Sara Stjärna"))
        assert account.personal_number == NEW_NUMBER  # stored as 12 digits
        assert account.roles == ["utforare"] and account.active
        assert str(account.provider_id) == data["provider"]
        event = session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "staff_account_created", AuditEvent.object_id == str(account.id)
            )
        )
        assert event is not None and event.actor_type == "staff"
        assert "personal_number" in event.detail["changed"]
        assert NEW_NUMBER not in str(event.detail) and "2385" not in str(event.detail)

    sara = app.test_client()
    assert staff_log_in(sara, bankid_simulator, NEW_NUMBER).headers["Location"] == "/handlaggare/utforare/"
    assert sara.get("/handlaggare/utforare/").status_code == 200


def test_invalid_input_is_shown_in_an_error_summary_and_kept(app, client, bankid_simulator):
    ada = logged_in(app, bankid_simulator, ADA)
    token = csrf_from(ada.get("/handlaggare/personal/ny").text)
    bad = {
        "csrf_token": token,
        "name": "",
        "personal_number": "19900101-2386",
        "email": "not-an-address",
        "unit": "",
        "provider": "",
    }
    response = ada.post("/handlaggare/personal/ny", data=bad)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    messages = errors_of(response.text)
    assert "Enter the name" in messages
    assert "Check the personal identity number: the last digit does not match" in messages
    assert "Enter an e-mail address like namn@example.se" in messages
    assert "Choose at least one role" in messages
    assert 'value="19900101-2386"' in response.text and 'value="not-an-address"' in response.text

    # An utförare needs their provider, a case officer their unit.
    both = dict(bad, name="Sara", personal_number=NEW_NUMBER, email="", roles=["utforare", "handlaggare"])
    response = ada.post("/handlaggare/personal/ny", data=both)
    assert response.status_code == 400
    messages = errors_of(response.text)
    assert "Choose the care provider this person works for" in messages
    assert "Choose the unit whose cases the case officer handles" in messages
    assert re.search(r'value="utforare"[^>]* checked', response.text)

    # The personnummer of another account of the municipality.
    taken = dict(new_utforare(app), csrf_token=token, personal_number="8511063136")
    response = ada.post("/handlaggare/personal/ny", data=taken)
    assert response.status_code == 400, response.headers.get("Location")
    assert "Another staff account in the municipality already has this personal identity number" in errors_of(
        response.text
    )

    no_csrf = ada.post("/handlaggare/personal/ny", data=new_utforare(app))
    assert no_csrf.status_code == 400
    with app.app_context(), all_municipalities():
        assert get_session().scalar(sa.select(StaffUser).where(StaffUser.name.like("Sara%"))) is None


def test_the_same_personnummer_may_have_an_account_in_another_municipality(app, client, bankid_simulator):
    ada = logged_in(app, bankid_simulator, ADA)
    token = csrf_from(ada.get("/handlaggare/personal/ny").text)
    data = dict(new_utforare(app), csrf_token=token, personal_number=NORA)
    assert ada.post("/handlaggare/personal/ny", data=data).status_code == 302


def test_changing_an_account_clears_the_provider_of_a_non_utforare(app, client, bankid_simulator):
    ada = logged_in(app, bankid_simulator, ADA)
    samir = account_id(app, SAMIR)
    form = ada.get(f"/handlaggare/personal/{samir}")
    assert form.status_code == 200
    assert 'value="19851106-3136"' in form.text and "Samir Stjärna" in form.text
    data = {
        "csrf_token": csrf_from(form.text),
        "name": "Samir Stjärna",
        "personal_number": "19851106-3136",
        "email": "",
        "roles": ["handlaggare"],
        **ids(app),
    }
    assert ada.post(f"/handlaggare/personal/{samir}", data=data).status_code == 302
    with app.app_context(), all_municipalities():
        session = get_session()
        account = session.get(StaffUser, samir)
        assert account.roles == ["handlaggare"] and account.provider_id is None
        event = session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "staff_account_changed", AuditEvent.object_id == str(samir)
            )
        )
        assert event.detail["changed"] == ["provider_id", "roles"]
        assert SAMIR not in str(event.detail)


def test_an_administrator_cannot_change_her_own_roles_unit_or_provider(app, client, bankid_simulator):
    """Ada tries to give herself the handläggare role and a unit (then she would read that unit's cases):
    the form shows them read-only, a crafted post is refused and audited; her name still changes."""
    ada = logged_in(app, bankid_simulator, ADA)
    own = account_id(app, ADA)
    form = ada.get(f"/handlaggare/personal/{own}")
    assert form.status_code == 200
    assert 'name="roles"' not in form.text and 'name="unit"' not in form.text
    assert 'name="provider"' not in form.text
    assert "You cannot change your own roles, unit or care provider" in form.text
    with app.app_context(), all_municipalities():
        unit_before = get_session().get(StaffUser, own).unit_id
    token = csrf_from(form.text)
    base = {"csrf_token": token, "name": "Ada Administratör", "personal_number": "19550214-1236"}
    tries = (
        {"roles": ["administrator", "handlaggare"], "unit": str(unit_before or "")},
        {"roles": ["administrator"], "unit": ids(app)["unit"]},
        {"roles": ["administrator"], "provider": ids(app)["provider"]},
    )
    for crafted in tries:
        response = ada.post(f"/handlaggare/personal/{own}", data={**base, **crafted})
        assert response.status_code == 403, crafted
    with app.app_context(), all_municipalities():
        session = get_session()
        account = session.get(StaffUser, own)
        assert (account.roles, account.unit_id, account.provider_id) == (["administrator"], unit_before, None)
        refused = session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "staff_account_change_refused", AuditEvent.object_id == str(own)
            )
        ).all()
        assert [e.detail["fields"] for e in refused] == [["roles"], ["unit"], ["provider"]]
    assert "Case officer" not in ada.get("/handlaggare/").text  # no inbox for her
    # What she may change on her own account she still can, with the locked fields left as they are.
    saved = ada.post(f"/handlaggare/personal/{own}", data={**base, "name": "Ada Admin", "email": ""})
    assert saved.status_code == 302, errors_of(saved.text)
    with app.app_context(), all_municipalities():
        account = get_session().get(StaffUser, own)
        assert (account.name, account.roles, account.unit_id) == ("Ada Admin", ["administrator"], unit_before)


def test_another_administrator_can_change_an_administrators_roles(app, client, bankid_simulator):
    ada_id = account_id(app, ADA)
    with app.app_context(), all_municipalities():
        session = get_session()
        session.add(
            StaffUser(
                municipality_id=session.get(StaffUser, ada_id).municipality_id,
                personal_number=NEW_NUMBER,
                name="Bo Biträdande",
                roles=["administrator"],
            )
        )
        session.commit()
    bo = logged_in(app, bankid_simulator, NEW_NUMBER)
    form = bo.get(f"/handlaggare/personal/{ada_id}")
    assert 'name="roles"' in form.text
    data = {
        "csrf_token": csrf_from(form.text),
        "name": "Ada Administratör",
        "personal_number": "19550214-1236",
        "roles": ["administrator", "handlaggare"],
        **ids(app),
    }
    assert bo.post(f"/handlaggare/personal/{ada_id}", data=data).status_code == 302
    with app.app_context(), all_municipalities():
        session = get_session()
        assert sorted(session.get(StaffUser, ada_id).roles) == ["administrator", "handlaggare"]
        changed = session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "staff_account_changed", AuditEvent.object_id == str(ada_id)
            )
        )
        assert "roles" in changed.detail["changed"] and changed.actor_id != ada_id


def test_another_municipalitys_account_is_not_found_and_the_try_is_logged(app, client, bankid_simulator):
    ada = logged_in(app, bankid_simulator, ADA)
    with app.app_context(), all_municipalities():
        nora = get_session().scalar(
            sa.select(StaffUser.id).where(StaffUser.personal_number == NORA, StaffUser.name.like("Nora%"))
        )
    token = csrf_from(ada.get("/handlaggare/personal/").text)
    assert ada.get(f"/handlaggare/personal/{nora}").status_code == 404
    assert ada.post(f"/handlaggare/personal/{nora}", data={"csrf_token": token}).status_code == 404
    assert ada.post(f"/handlaggare/personal/{nora}/inaktivera", data={"csrf_token": token}).status_code == 404
    with app.app_context(), all_municipalities():
        session = get_session()
        denied = session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "access_denied",
                AuditEvent.object_type == "staff_user",
                AuditEvent.object_id == str(nora),
            )
        ).all()
        assert len(denied) == 3
        assert session.get(StaffUser, nora).active


def test_a_deactivated_account_is_refused_at_once_and_at_login(app, client, bankid_simulator):
    samir_client = logged_in(app, bankid_simulator, SAMIR)
    assert samir_client.get("/handlaggare/utforare/").status_code == 200
    ada = logged_in(app, bankid_simulator, ADA)
    samir = account_id(app, SAMIR)
    token = csrf_from(ada.get("/handlaggare/personal/").text)
    assert ada.post(f"/handlaggare/personal/{samir}/inaktivera").status_code == 400  # no CSRF
    done = ada.post(f"/handlaggare/personal/{samir}/inaktivera", data={"csrf_token": token})
    assert done.status_code == 302
    assert "Samir Stjärna can no longer log in." in ada.get("/handlaggare/personal/").text

    # The open session: its next page goes to the login page.
    refused = samir_client.get("/handlaggare/utforare/")
    assert refused.status_code == 302 and refused.headers["Location"] == "/handlaggare/logga-in"
    # A new login is refused.
    again = logged_in(app, bankid_simulator, SAMIR)
    assert again.get("/handlaggare/utforare/").status_code == 302
    assert "You have no staff account" in again.get("/handlaggare/logga-in").text

    assert ada.post(f"/handlaggare/personal/{samir}/aktivera", data={"csrf_token": token}).status_code == 302
    back = logged_in(app, bankid_simulator, SAMIR)
    assert back.get("/handlaggare/utforare/").status_code == 200
    with app.app_context(), all_municipalities():
        actions = (
            get_session()
            .scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.object_type == "staff_user", AuditEvent.object_id == str(samir)
                )
            )
            .all()
        )
        assert "staff_account_deactivated" in actions and "staff_account_activated" in actions


def test_deactivating_ends_every_open_login_and_reactivating_revives_none(app, client, bankid_simulator):
    """Samir keeps the cookie of an open login through a deactivation and a reactivation: it is logged out
    for good; every open login row of his ends at the deactivation, and only a new login works."""
    from portal.auth.models import LoginSession

    first = logged_in(app, bankid_simulator, SAMIR)
    second = logged_in(app, bankid_simulator, SAMIR)  # another browser, e.g. at home
    assert first.get("/handlaggare/utforare/").status_code == 200
    samir = account_id(app, SAMIR)
    ada = logged_in(app, bankid_simulator, ADA)
    token = csrf_from(ada.get("/handlaggare/personal/").text)
    ada.post(f"/handlaggare/personal/{samir}/inaktivera", data={"csrf_token": token})
    with app.app_context(), all_municipalities():
        session = get_session()
        open_logins = session.scalar(
            sa.select(sa.func.count())
            .select_from(LoginSession)
            .where(LoginSession.staff_user_id == samir, LoginSession.ended_at.is_(None))
        )
        assert open_logins == 0
        deactivated = session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "staff_account_deactivated", AuditEvent.object_id == str(samir)
            )
        )
        assert deactivated.detail["logins_ended"] == 2
    ada.post(f"/handlaggare/personal/{samir}/aktivera", data={"csrf_token": token})
    for old in (first, second):
        refused = old.get("/handlaggare/utforare/")
        assert refused.status_code == 302 and refused.headers["Location"] == "/handlaggare/logga-in"
    assert logged_in(app, bankid_simulator, SAMIR).get("/handlaggare/utforare/").status_code == 200


def test_an_administrator_cannot_deactivate_themself(app, client, bankid_simulator):
    ada = logged_in(app, bankid_simulator, ADA)
    own = account_id(app, ADA)
    page = ada.get("/handlaggare/personal/")
    assert f"/handlaggare/personal/{own}/inaktivera" not in page.text
    response = ada.post(f"/handlaggare/personal/{own}/inaktivera", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert "You cannot deactivate your own account." in ada.get("/handlaggare/personal/").text
    with app.app_context(), all_municipalities():
        assert get_session().get(StaffUser, own).active

"""One signed draft gives exactly one case, however many times its completion arrives at once: a double
click, a phone that reconnects, the waiting page reloaded in two tabs."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.applications.models import Signature
from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from portal.outbox.models import OutboxItem
from tests.applications.flow_helpers import HEMTJANST_ANSWERS, fill, start
from tests.applications.test_eservice_flows import fill_all
from tests.auth.login_helpers import TOLVAN, newest_order_ref
from tests.concurrency import at_once, logged_in_client, new_personal_number, same_browser
from tests.forms.samples import PARTNER, raw
from tests.helpers import csrf_from

BURSTS = 5
AT_ONCE = 4
CASE_NUMBER = re.compile(r'class="case-number">([A-Z0-9-]+)<')


def cases_of(app, personal_number: str) -> list[Case]:  # type: ignore[no-untyped-def]
    from portal.accounts.models import Person

    with app.app_context(), all_municipalities():
        session = get_session()
        person_id = session.scalar(sa.select(Person.id).where(Person.personal_number == personal_number))
        cases = list(session.scalars(sa.select(Case).where(Case.subject_id == person_id)))
        session.commit()
        return cases


def summary(response) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """Where a response sends the browser, or the title of the page it shows."""
    title = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S)
    return response.status_code, response.headers.get("Location") or (title.group(1) if title else "")


def sign_at_once(client, simulator, draft: str, number: str, role: str = "applicant"):  # type: ignore[no-untyped-def]
    """Start a BankID signing, approve it, and send its completion from several tabs at once."""
    page = client.get(f"{draft}/granska" if role == "applicant" else f"{draft}/medsokande")
    started = client.post(
        f"{draft}/skriv-under/{role}", data={"csrf_token": csrf_from(page.text), "device": "other"}
    )
    assert started.status_code == 302
    simulator.approve(newest_order_ref(simulator), number)
    tabs = same_browser(client, AT_ONCE)
    answers = at_once([lambda tab=tab: tab.get(f"{draft}/skriv-under/{role}") for tab in tabs])
    assert all(not isinstance(a, Exception) for a in answers), answers
    return tabs, [summary(a) for a in answers]


def test_sign_completion_sent_several_times_at_once_gives_one_case_and_one_receipt(
    committing_app, bankid_simulator
):
    number = new_personal_number()
    client = logged_in_client(committing_app, bankid_simulator, number)
    receipts: list[set[str]] = []
    outcomes: list[list[tuple[int, str]]] = []
    for _burst in range(BURSTS):
        draft = start(client, "hemtjanst")
        fill(client, draft, HEMTJANST_ANSWERS)
        tabs, answers = sign_at_once(client, bankid_simulator, draft, number)
        outcomes.append(answers)
        landed = [tab.get(f"{draft}/kvitto") for tab in tabs]
        receipts.append({m.group(1) for p in landed if (m := CASE_NUMBER.search(p.text))})
    cases = cases_of(committing_app, number)
    assert len(cases) == BURSTS, f"{len(cases)} cases from {BURSTS} signed drafts; {outcomes}"
    # Every tab lands on the receipt (not the waiting page, not "page not found"), the same one.
    assert all(outcome == [(302, outcome[0][1])] * AT_ONCE for outcome in outcomes), outcomes
    assert all(target.endswith("/kvitto") for outcome in outcomes for _status, target in outcome)
    assert all(len(shown) == 1 for shown in receipts), receipts
    assert sorted(c.case_number for c in cases) == sorted(shown.pop() for shown in receipts)
    with committing_app.app_context(), all_municipalities():
        keys = get_session().scalars(
            sa.select(OutboxItem.idempotency_key).where(
                OutboxItem.topic == "application.submitted",
                OutboxItem.idempotency_key.in_([f"application:{c.id}" for c in cases]),
            )
        )
        assert len(list(keys)) == BURSTS, "one delivery, with one Idempotency-Key, per application"


def test_the_co_applicants_signature_sent_several_times_at_once_gives_one_case(
    committing_app, bankid_simulator
):
    applicant_number = new_personal_number()
    partner_number = PARTNER.replace("-", "")
    applicant = logged_in_client(committing_app, bankid_simulator, applicant_number)
    draft = start(applicant, "ekonomiskt_bistand")
    fill_all(applicant, draft, "ekonomiskt_bistand", raw("ekonomiskt_bistand"))
    _tabs, signed = sign_at_once(applicant, bankid_simulator, draft, applicant_number)
    # The applicant's own double completion: every tab goes on to Mina sidor, one signature is kept.
    assert signed == [(302, "/mina-sidor")] * AT_ONCE, signed

    partner = logged_in_client(committing_app, bankid_simulator, partner_number)
    tabs, answers = sign_at_once(partner, bankid_simulator, draft, partner_number, role="medsokande")
    assert answers == [(302, f"{draft}/kvitto")] * AT_ONCE, answers
    assert len({CASE_NUMBER.search(tab.get(f"{draft}/kvitto").text).group(1) for tab in tabs}) == 1
    cases = cases_of(committing_app, applicant_number)
    assert len(cases) == 1, f"{len(cases)} cases from one application signed by both"
    with committing_app.app_context(), all_municipalities():
        roles = get_session().scalars(
            sa.select(Signature.role).where(Signature.draft_id == cases[0].draft_id).order_by(Signature.role)
        )
        assert list(roles) == ["applicant", "co_applicant"]


def test_the_database_refuses_a_second_case_for_a_draft(app):
    """Behind the lock, the constraint: whatever path a completion takes, a draft gives one case."""
    from portal.accounts.models import Person
    from portal.applications.models import Draft
    from portal.cases.services import new_case_number
    from portal.municipalities.models import Municipality

    with app.app_context(), all_municipalities():
        session = get_session()
        person = session.scalar(sa.select(Person).where(Person.personal_number == TOLVAN))
        municipality = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
        draft = Draft(
            owner_id=person.id,
            subject_id=person.id,
            municipality_id=municipality.id,
            eservice_id="hemtjanst",
            eservice_version=1,
        )
        session.add(draft)
        session.flush()

        def case_of_draft() -> Case:
            return Case(
                draft_id=draft.id,
                case_number=new_case_number(session),
                municipality_id=municipality.id,
                subject_id=person.id,
                applicant_id=person.id,
                eservice_id="hemtjanst",
                eservice_version=1,
                case_type="hemtjanst_sol",
                payload={},
            )

        session.add(case_of_draft())
        session.flush()
        session.add(case_of_draft())
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()

"""Queries per page stay constant in the size of the data."""

import datetime as dt
import uuid

import sqlalchemy as sa

from portal.accounts.models import Person
from portal.applications.models import Draft
from portal.auth.models import LoginSession
from portal.cases.models import Case
from portal.db import all_municipalities, get_session, utcnow
from portal.municipalities.models import Municipality
from portal.staff.models import StaffUser
from tests.auth.login_helpers import log_in
from tests.staff.test_workspace import OMAR, staff_log_in


def _queries_for(client, counter, path: str) -> int:
    client.get(path)  # a first visit settles once-per-login writes (last seen)
    counter.statements.clear()
    response = client.get(path)
    assert response.status_code == 200
    return counter.count


def test_my_pages_queries_do_not_grow_with_logins_or_municipalities(
    app, client, bankid_simulator, count_queries
):
    log_in(client, bankid_simulator)
    few = _queries_for(client, count_queries, "/mina-sidor")
    with app.app_context(), all_municipalities():
        session = get_session()
        login = session.scalars(sa.select(LoginSession).order_by(LoginSession.id.desc())).first()
        for i in range(30):
            at = utcnow() - dt.timedelta(days=i + 1)
            session.add(
                LoginSession(
                    token_hash=f"old{i}",
                    person_id=login.person_id,
                    municipality_id=1,
                    method="bankid",
                    loa="loa3",
                    authenticated_at=at,
                    last_seen_at=at,
                    ended_at=at,
                )
            )
        for i in range(10):
            session.add(Municipality(slug=f"extra{i}", name=f"Extra {i}", host_names=[f"extra{i}.localhost"]))
        for i in range(15):
            session.add(
                Draft(
                    owner_id=login.person_id,
                    subject_id=login.person_id,
                    municipality_id=1,
                    eservice_id="hemtjanst",
                    eservice_version=1,
                    answers={},
                )
            )
            session.add(
                Case(
                    case_number=f"TEST-{i:04d}",
                    municipality_id=1,
                    subject_id=login.person_id,
                    applicant_id=login.person_id,
                    eservice_id="hemtjanst",
                    eservice_version=1,
                    case_type="hemtjanst_sol",
                    payload={},
                )
            )
        session.commit()
    many = _queries_for(client, count_queries, "/mina-sidor")
    assert many == few
    # 11: one for the granted insatser the person can choose an utförare for (kundval), one for the
    # people the person may act for (a second, for their names, only when there are any), one for the
    # fullmakter offered to the person that wait for their answer.
    assert few <= 11, count_queries.statements


def test_public_pages_query_constantly(client, count_queries):
    assert _queries_for(client, count_queries, "/") <= 2
    assert _queries_for(client, count_queries, "/logga-in") <= 2


def _bulk_cases(session, count: int, prefix: str = "BULK", **values: object) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    session.execute(
        sa.insert(Case),
        [
            {
                "id": uuid.uuid4(),
                "case_number": f"{prefix}-{i:05d}",
                "eservice_id": "hemtjanst",
                "eservice_version": 1,
                "case_type": "hemtjanst_sol",
                "payload": {},
                "status": ("submitted", "investigating", "closed")[i % 3],
                "created_at": now - dt.timedelta(minutes=i + 1),
                **values,
            }
            for i in range(count)
        ],
    )
    session.commit()


def test_a_staff_inbox_of_10000_cases_queries_as_one_of_a_few(app, bankid_simulator, count_queries):
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    with app.app_context(), all_municipalities():
        session = get_session()
        omar = session.scalar(sa.select(StaffUser).where(StaffUser.personal_number == OMAR))
        subject = Person(personal_number="195001019999", given_name="Many", surname="Cases")
        session.add(subject)
        session.flush()
        unit_case = {
            "municipality_id": omar.municipality_id,
            "unit_id": omar.unit_id,
            "subject_id": subject.id,
            "applicant_id": subject.id,
        }
        _bulk_cases(session, 1, prefix="FEW", **unit_case)
    few = _queries_for(staff, count_queries, "/handlaggare/")
    with app.app_context(), all_municipalities():
        _bulk_cases(get_session(), 10_000, **unit_case)
    many = _queries_for(staff, count_queries, "/handlaggare/")
    assert many == few, "\n".join(s.split("\n")[0][:120] for s in count_queries.statements)
    assert "BULK-00000" in staff.get("/handlaggare/").text


def test_mina_arenden_of_200_cases_queries_as_one_of_a_few(app, client, bankid_simulator, count_queries):
    log_in(client, bankid_simulator)
    few = _queries_for(client, count_queries, "/mina-arenden")
    with app.app_context(), all_municipalities():
        session = get_session()
        login = session.scalars(sa.select(LoginSession).order_by(LoginSession.id.desc())).first()
        _bulk_cases(session, 200, municipality_id=1, subject_id=login.person_id, applicant_id=login.person_id)
    many = _queries_for(client, count_queries, "/mina-arenden")
    assert many == few, count_queries.statements
    assert "BULK-00000" in client.get("/mina-arenden").text

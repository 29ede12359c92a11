"""Queries per page stay constant in the size of the data."""

import datetime as dt

import sqlalchemy as sa

from portal.applications.models import Draft
from portal.auth.models import LoginSession
from portal.cases.models import Case
from portal.db import all_municipalities, get_session, utcnow
from portal.municipalities.models import Municipality
from tests.auth.login_helpers import log_in


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

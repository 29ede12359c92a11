"""Page numbers in the address never break a list: past the end is the last page, garbage the first."""

import pytest
import sqlalchemy as sa

from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from portal.paging import page_of
from tests.auth.login_helpers import log_in
from tests.cases.test_my_cases import submit_hemtjanst
from tests.staff.test_workspace import OMAR, staff_log_in

ODD_PAGES = ["500000000000000000", "9" * 5000, "0", "-3", "abc", "2.5", "", "١٢", "9223372036854775808"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("3", 3),
        ("4", 3),
        ("500000000000000000", 3),
        ("9" * 5000, 3),
        ("0", 1),
        ("-1", 1),
        ("x", 1),
        (" 2 ", 2),
        ("", 1),
        ("²", 1),
    ],
)
def test_a_page_number_is_always_a_page_that_exists(app, raw, expected):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        page = page_of(total=55, size=20, raw=raw)
    assert (page.number, page.pages, page.offset) == (expected, 3, (expected - 1) * 20)


def test_an_empty_list_has_one_page(app):  # type: ignore[no-untyped-def]
    with app.test_request_context("/?sida=7"):
        assert page_of(total=0, size=20).number == 1


def _past_the_end(raw: str) -> bool:
    return raw[:1] in ("5", "9")


def _more_cases(app, number: str, count: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        session = get_session()
        case = session.scalar(sa.select(Case).where(Case.case_number == number))
        for i in range(count):
            session.add(
                Case(
                    case_number=f"PAGE-{i:04d}",
                    municipality_id=case.municipality_id,
                    unit_id=case.unit_id,
                    subject_id=case.subject_id,
                    applicant_id=case.subject_id,
                    eservice_id="hemtjanst",
                    eservice_version=1,
                    case_type="hemtjanst_sol",
                    payload={},
                )
            )
        session.commit()


def test_my_cases_answers_every_page_number_with_a_page(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    _more_cases(app, number, 25)  # 26 cases, 20 a page
    for raw in ODD_PAGES:
        response = client.get("/mina-arenden", query_string={"sida": raw})
        assert response.status_code == 200, raw
        assert ("Sida 2 av 2" if _past_the_end(raw) else "Sida 1 av 2") in response.text, raw


def test_the_staff_inbox_answers_every_page_number_with_a_page(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    _more_cases(app, number, 30)  # 31 cases, 25 a page
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    for raw in ODD_PAGES:
        response = staff.get("/handlaggare/", query_string={"visa": "all", "sida": raw})
        assert response.status_code == 200, raw
        last = _past_the_end(raw)
        assert ("Sida 2 av 2" if last else "Sida 1 av 2") in response.text, raw
        assert response.text.count('href="/handlaggare/arenden/') == (6 if last else 25), raw

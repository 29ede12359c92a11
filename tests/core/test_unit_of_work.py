"""One commit per request (portal.db): what a page changes and its audit trail land together or not at all;
a refused access leaves its one access_denied event; views never commit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.access import public
from portal.accounts.models import Person
from portal.accounts.personnummer import parse
from portal.accounts.services import person_by_number
from portal.actor import Actor
from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.db import all_municipalities, get_session, unit_of_work
from portal.domain_errors import AccessDenied
from portal.messaging import services as messaging
from portal.messaging.models import Message
from portal.staff.models import StaffUser
from tests.auth.login_helpers import TOLVAN, log_in
from tests.auth.test_session_time import _age, _start_hemtjanst
from tests.cases.test_my_cases import case_path, submit_hemtjanst
from tests.conftest import rolled_back
from tests.helpers import csrf_from
from tests.staff.test_workspace import OMAR

PORTAL = Path(__file__).resolve().parents[2] / "portal"
NEWCOMER = "194001019803"


def _count(app: Flask, action: str, object_id: str | None = None) -> int:
    with app.app_context(), all_municipalities():
        stmt = sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == object_id)
        return get_session().scalar(stmt)


def _unread_from_staff(app: Flask, case_id: str) -> int:
    with app.app_context(), all_municipalities():
        return get_session().scalar(
            sa.select(sa.func.count())
            .select_from(Message)
            .where(Message.author_type == "staff", Message.read_at.is_(None))
            .where(Message.thread.has(case_id=uuid.UUID(case_id)))  # type: ignore[attr-defined]
        )


def _case_with_a_message_from_staff(app: Flask, client, simulator) -> str:  # type: ignore[no-untyped-def]
    log_in(client, simulator)
    path = case_path(app, submit_hemtjanst(client, simulator))
    case_id = path.rsplit("/", 1)[1]
    with app.app_context(), all_municipalities(), unit_of_work() as session:
        case = session.get(Case, uuid.UUID(case_id))
        omar = session.scalar(
            sa.select(StaffUser).where(
                StaffUser.personal_number == OMAR, StaffUser.municipality_id == case.municipality_id
            )
        )
        assert (
            messaging.post(
                session, case, body="Vi har fått din ansökan.", upload=None, author=Actor("staff", omar.id)
            )
            is None
        )
    return path


def test_a_case_read_and_its_audit_event_commit_together(app, client, bankid_simulator, monkeypatch):
    path = _case_with_a_message_from_staff(app, client, bankid_simulator)
    case_id = path.rsplit("/", 1)[1]
    assert _unread_from_staff(app, case_id) == 1
    reads = _count(app, "case_read", case_id)  # the receipt page's

    def fails(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("the page failed after the read")

    # The page reads the case, marks the messages read and writes case_read, then fails to render.
    monkeypatch.setattr("portal.cases.views.render_template", fails)
    assert client.get(path).status_code == 500
    assert _count(app, "case_read", case_id) == reads
    assert _unread_from_staff(app, case_id) == 1, "no half-change: the messages are still unread"

    monkeypatch.undo()
    assert client.get(path).status_code == 200
    assert _count(app, "case_read", case_id) == reads + 1
    assert _unread_from_staff(app, case_id) == 0


def _post_after_idle(app: Flask, client, simulator) -> None:  # type: ignore[no-untyped-def]
    log_in(client, simulator, TOLVAN)
    step = _start_hemtjanst(client)
    page = client.get(step).get_data(as_text=True)
    field = page.split("<textarea", 1)[1].split('name="', 1)[1].split('"')[0]
    _age(app, app.config["PORTAL"].session_idle_seconds + 60)
    client.post(step, data={"csrf_token": csrf_from(page), field: "Hjälp med dusch", "action": "continue"})


def _drafts_with(app: Flask, text: str) -> int:
    from portal.applications.models import Draft

    with app.app_context(), all_municipalities():
        return sum(text in str(draft.answers) for draft in get_session().scalars(sa.select(Draft)))


def test_a_draft_save_and_its_audit_event_are_one_transaction(app, client, bankid_simulator, monkeypatch):
    def fails(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the request failed after the save and its audit event")

    monkeypatch.setattr("portal.applications.views.flash", fails)
    _post_after_idle(app, client, bankid_simulator)
    assert _drafts_with(app, "Hjälp med dusch") == 0
    assert _count(app, "draft_saved_after_logout") == 0


def test_a_saved_draft_has_its_audit_event(app, client, bankid_simulator):
    _post_after_idle(app, client, bankid_simulator)
    assert _drafts_with(app, "Hjälp med dusch") == 1
    assert _count(app, "draft_saved_after_logout") == 1


@pytest.fixture
def app_with_routes(fresh_app: Flask) -> Iterator[Flask]:
    """Routes that change the database through a service and then end in different ways."""

    def add_newcomer() -> None:
        person_by_number(parse(NEWCOMER), given_name="Ny", surname="Person")  # flushes

    @fresh_app.get("/uow-test/ok")
    @public
    def ok() -> str:
        add_newcomer()
        return "ok"

    @fresh_app.get("/uow-test/raises")
    @public
    def raises() -> str:
        add_newcomer()
        raise RuntimeError("after the flush")

    @fresh_app.get("/uow-test/denied")
    @public
    def denied() -> str:
        add_newcomer()
        raise AccessDenied("case", "3f1e0a9c-0000-0000-0000-000000000000")

    yield from rolled_back(fresh_app)


def _newcomers(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(
            sa.select(sa.func.count()).select_from(Person).where(Person.personal_number == NEWCOMER)
        )


def test_a_request_that_raises_after_a_service_flushed_leaves_nothing(app_with_routes):
    client = app_with_routes.test_client()
    assert client.get("/uow-test/raises").status_code == 500
    assert _newcomers(app_with_routes) == 0
    assert client.get("/uow-test/ok").status_code == 200
    assert _newcomers(app_with_routes) == 1


def test_a_failed_request_does_not_undo_the_next_one_in_the_same_app_context(app_with_routes):
    # A test's app context serves several requests: the failure is the first request's alone.
    client = app_with_routes.test_client()
    with app_with_routes.app_context():
        assert client.get("/uow-test/raises").status_code == 500
        assert client.get("/uow-test/ok").status_code == 200
    assert _newcomers(app_with_routes) == 1


def test_denied_access_rolls_back_and_leaves_exactly_one_access_denied_event(app_with_routes):
    client = app_with_routes.test_client()
    object_id = "3f1e0a9c-0000-0000-0000-000000000000"
    assert client.get("/uow-test/denied").status_code == 404
    assert _newcomers(app_with_routes) == 0
    assert _count(app_with_routes, "access_denied", object_id) == 1


def test_another_citizens_case_is_404_with_one_access_denied_event(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    path = case_path(app, submit_hemtjanst(client, bankid_simulator))
    case_id = path.rsplit("/", 1)[1]
    reads = _count(app, "case_read", case_id)
    other = app.test_client()
    log_in(other, bankid_simulator, personal_number="198507202011")
    assert other.get(path).status_code == 404
    assert _count(app, "access_denied", case_id) == 1
    assert _count(app, "case_read", case_id) == reads


ROUTE = re.compile(r"^@\w+\.(route|get|post|put|patch|delete)\(|add_url_rule\(|render_template", re.MULTILINE)
# The error handler is no view: it is where a refusal's audit event is committed after the rollback.
NOT_VIEWS = {PORTAL / "errors.py"}


def _view_modules() -> list[Path]:
    """Every module that declares routes or renders pages (views.py, *_views.py, the rooms of a split view
    package and the helpers they render through)."""
    return sorted(
        path
        for path in PORTAL.rglob("*.py")
        if "bankid_simulator" not in path.parts
        and path not in NOT_VIEWS
        and ROUTE.search(path.read_text(encoding="utf-8"))
    )


def test_no_view_module_commits():
    modules = _view_modules()
    assert len(modules) >= 8, "the view modules were found"
    assert PORTAL / "cases" / "views.py" in modules
    committing = [
        f"{module.relative_to(PORTAL.parent)}:{number}"
        for module in modules
        for number, line in enumerate(module.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.commit\(", line)
    ]
    assert committing == [], "views never commit: the request's end does (portal.db)"

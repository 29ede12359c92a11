"""The administrator's list of failed deliveries, with retry and 'handled by hand'."""

import sqlalchemy as sa

from portal.audit.models import AuditEvent
from portal.db import get_session
from portal.outbox.delivery import deliver_due
from portal.outbox.models import OutboxItem
from portal.outbox.services import enqueue
from tests.helpers import csrf_from
from tests.staff.test_workspace import OMAR, staff_log_in

ADA = "195502141236"  # administratör, Exempelstad


def dead_item(app) -> int:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        session = get_session()
        # The mail adapter refuses this topic: a permanent error, dead-lettered at once.
        item = enqueue(
            session,
            topic="application.submitted",
            adapter="mail",
            payload={"case_number": "ACEF-HJKM"},
            idempotency_key="test-dead",
            municipality_id=1,
        )
        session.commit()
        deliver_due(app, session)
        assert session.get(OutboxItem, item.id).status == "dead"
        return item.id


def test_administrator_retries_and_marks_handled(app, bankid_simulator):
    item_id = dead_item(app)
    admin = app.test_client()
    assert staff_log_in(admin, bankid_simulator, ADA).headers["Location"] == "/handlaggare/leveranser"
    page = admin.get("/handlaggare/leveranser").text
    assert "ACEF-HJKM" in page and "permanent" in page
    admin.post(f"/handlaggare/leveranser/{item_id}/forsok-igen", data={"csrf_token": csrf_from(page)})
    with app.app_context():
        assert get_session().get(OutboxItem, item_id).status == "pending"
        deliver_due(app, get_session())
    page = admin.get("/handlaggare/leveranser").text
    admin.post(f"/handlaggare/leveranser/{item_id}/hanterad", data={"csrf_token": csrf_from(page)})
    assert "ACEF-HJKM" not in admin.get("/handlaggare/leveranser").text
    with app.app_context():
        session = get_session()
        assert session.get(OutboxItem, item_id).status == "handled"
        actions = set(session.scalars(sa.select(AuditEvent.action)))
    assert {"delivery_retried", "delivery_handled_manually"} <= actions


def test_a_handlaggare_may_not_see_deliveries(app, bankid_simulator):
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    assert staff.get("/handlaggare/leveranser").status_code == 403

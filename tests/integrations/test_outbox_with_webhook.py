"""An application through the outbox to a case system behind a webhook that is down, then up again."""

import sqlalchemy as sa

from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from portal.municipalities.models import Municipality
from portal.outbox.delivery import deliver_due
from portal.outbox.models import OutboxItem
from tests.auth.login_helpers import log_in
from tests.cases.test_my_cases import case_path, submit_hemtjanst
from tests.helpers import csrf_from
from tests.integrations import WEBHOOK_SECRET, running_receiver
from tests.staff.test_deliveries import ADA
from tests.staff.test_workspace import staff_log_in


def configure(app, url: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context(), all_municipalities():
        session = get_session()
        exempelstad = session.scalar(sa.select(Municipality).where(Municipality.slug == "exempelstad"))
        exempelstad.adapters = {"hemtjanst": "webhook"}
        exempelstad.adapter_settings = {"webhook": {"url": url, "secret": WEBHOOK_SECRET}}
        session.commit()


def test_a_failed_delivery_is_visible_and_goes_through_when_the_receiver_is_back(
    app, client, bankid_simulator
):
    with running_receiver() as receiver:
        configure(app, receiver.url("/status/503"))  # the case system is down
        log_in(client, bankid_simulator)
        number = submit_hemtjanst(client, bankid_simulator)
        with app.app_context(), all_municipalities():
            deliver_due(app, get_session())
            item = get_session().scalar(sa.select(OutboxItem).where(OutboxItem.adapter == "webhook"))
            assert item.status == "failed" and "503" in item.last_error
        page = client.get(case_path(app, number)).text
        assert "Inskickad" in page and "Mottagen av kommunen" not in page

        admin = app.test_client()
        staff_log_in(admin, bankid_simulator, ADA)
        deliveries = admin.get("/handlaggare/leveranser").text
        assert number in deliveries and "503" in deliveries

        configure(app, receiver.url("/ok"))  # the case system is back
        admin.post(
            f"/handlaggare/leveranser/{item.id}/forsok-igen", data={"csrf_token": csrf_from(deliveries)}
        )
        with app.app_context(), all_municipalities():
            assert deliver_due(app, get_session()) == 1
            assert (
                get_session().scalar(sa.select(Case.external_ref).where(Case.case_number == number))
                == "REF-1"
            )
        assert receiver.accepted_keys() == {f"application:{item.payload['case_id']}"}
        assert all(r.signature_ok for r in receiver.requests if r.path == "/ok")

    page = client.get(case_path(app, number)).text
    assert "Mottagen av kommunen" in page
    assert "REF-1" in page

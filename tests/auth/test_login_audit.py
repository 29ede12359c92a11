"""Login failures are audited: how and why, never who."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from portal.db import get_session


def test_a_cancelled_bankid_login_is_audited_without_who(
    app: Flask, client: FlaskClient, bankid_simulator
) -> None:  # type: ignore[no-untyped-def]
    from portal.audit.models import AuditEvent
    from tests.auth.login_helpers import newest_order_ref, start_login

    start_login(client)
    bankid_simulator.user_cancel(newest_order_ref(bankid_simulator))
    client.get("/logga-in/bankid")
    with app.app_context():
        event = (
            get_session()
            .scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.action == "login_failed")
                .order_by(AuditEvent.id.desc())
            )
            .first()
        )
        assert event is not None
        assert event.detail["method"] == "bankid" and event.detail["reason"] == "userCancel"
        assert event.actor_id is None and event.subject_person_id is None

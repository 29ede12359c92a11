"""Every notice e-mail has its own valid Message-ID, so mail clients never drop one as a duplicate."""

import email
import email.policy
import re

import sqlalchemy as sa

from integrations.base import Delivery
from integrations.mail import MailAdapter
from portal.accounts.models import Person
from portal.cases import services as cases
from portal.cases.models import Case
from portal.db import all_municipalities, get_session
from portal.outbox.delivery import deliver_due
from tests.applications.flow_helpers import HEMTJANST_ANSWERS, fill, sign, start
from tests.auth.login_helpers import TOLVAN, log_in

# RFC 5322 3.6.4: msg-id = "<" id-left "@" id-right ">", both dot-atom-text here.
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
MSG_ID = re.compile(rf"^<{ATEXT}(\.{ATEXT})*@{ATEXT}(\.{ATEXT})*>$")


def _message_ids(directory) -> list[str]:  # type: ignore[no-untyped-def]
    ids = []
    for path in sorted(directory.glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        ids.append(str(parsed["Message-ID"]))
    return ids


def test_a_receipt_and_two_notices_have_three_different_valid_message_ids(
    app, client, bankid_simulator, tmp_path
):
    config = app.config["PORTAL"]
    original = config.outgoing_mail_dir
    config.outgoing_mail_dir = str(tmp_path)
    try:
        log_in(client, bankid_simulator)
        draft = start(client, "hemtjanst")
        fill(client, draft, HEMTJANST_ANSWERS)
        sign(client, bankid_simulator, draft, TOLVAN)
        with app.test_request_context(), all_municipalities():
            session = get_session()
            case = session.scalar(sa.select(Case))
            citizen = session.get(Person, case.subject_id)
            citizen.email, citizen.notify_by_email = "tolvan@example.se", True
            cases.notify_citizen(session, case, "message")
            cases.notify_citizen(session, case, "decision")
            session.commit()
            deliver_due(app, session)
    finally:
        config.outgoing_mail_dir = original
    ids = _message_ids(tmp_path)
    assert len(ids) == 3
    assert len(set(ids)) == 3, ids
    domain = config.smtp_from.rpartition("@")[2]
    for message_id in ids:
        assert MSG_ID.match(message_id), message_id
        assert message_id.endswith(f"@{domain}>")


def test_a_redelivered_notice_keeps_its_message_id(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    delivery = Delivery(
        "notification.email",
        {"to": "anna@example.se", "subject": "Nytt", "body": "Logga in."},
        "notify-mail:3f1c:message:1764660000.5",
        1,
    )
    MailAdapter(maildir=first, sender="Exempelstad <noreply@exempelstad.se>").deliver(delivery)
    MailAdapter(maildir=second, sender="Exempelstad <noreply@exempelstad.se>").deliver(delivery)
    [one], [again] = _message_ids(first), _message_ids(second)
    assert one == again
    assert MSG_ID.match(one) and one.endswith("@exempelstad.se>")

"""Secure messages between citizen and handläggare; notices that say only that something waits."""

import io
import re
import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from portal.audit.models import AuditEvent
from portal.db import all_municipalities, get_session
from portal.messaging.models import MessageAttachment
from portal.outbox.delivery import deliver_due
from tests.applications.flow_helpers import small_pdf
from tests.auth.login_helpers import log_in
from tests.cases.test_my_cases import case_path, submit_hemtjanst
from tests.helpers import csrf_from
from tests.staff.test_workspace import OMAR, staff_case_path, staff_log_in


class Inbox(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
        self.messages.append(message)


@pytest.fixture
def smtp_server(app):  # type: ignore[no-untyped-def]
    """A real SMTP server on a free port; the portal's mail adapter is pointed at it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    config = app.config["PORTAL"]
    saved = (config.smtp_host, config.smtp_port)
    config.smtp_host, config.smtp_port = "127.0.0.1", port
    try:
        yield inbox
    finally:
        config.smtp_host, config.smtp_port = saved
        controller.stop()


def subject(message) -> str:  # type: ignore[no-untyped-def]
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))


def set_contact(client, email="", phone="", by_email=True, by_sms=False):  # type: ignore[no-untyped-def]
    page = client.get("/mina-sidor/kontaktuppgifter")
    data = {"csrf_token": csrf_from(page.text), "email": email, "phone": phone}
    if by_email:
        data["notify_by_email"] = "y"
    if by_sms:
        data["notify_by_sms"] = "y"
    return client.post("/mina-sidor/kontaktuppgifter", data=data)


def test_a_conversation_with_notices_over_real_smtp(app, client, bankid_simulator, smtp_server, tmp_path):
    app.config["PORTAL"].outgoing_sms_dir = str(tmp_path)
    log_in(client, bankid_simulator)
    assert (
        set_contact(client, email="tolvan@example.se", phone="070-123 45 67", by_sms=True).status_code == 302
    )
    number = submit_hemtjanst(client, bankid_simulator)
    path = case_path(app, number)
    page = client.get(path).text
    sent = client.post(
        f"{path}/meddelanden",
        data={
            "csrf_token": csrf_from(page),
            "body": "Kan hemtjänsten komma på förmiddagen?",
            "attachment": (io.BytesIO(small_pdf()), "schema.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Kan hemtjänsten komma på förmiddagen?" in sent.text
    assert "Inte läst än" in sent.text

    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    inbox = staff.get("/handlaggare/").text
    assert re.search(rf"{number}.*?<strong>1</strong>", inbox, re.S)
    staff_page = staff.get(staff_case_path(app, number)).text
    assert "Kan hemtjänsten komma på förmiddagen?" in staff_page
    attachment = re.search(r'href="(/handlaggare/meddelanden/bilagor/[^"]+)"', staff_page).group(1)
    assert staff.get(attachment).mimetype == "application/pdf"
    staff.post(
        f"{staff_case_path(app, number)}/meddelanden",
        data={"csrf_token": csrf_from(staff_page), "body": "Ja, vi kommer klockan tio."},
    )

    assert "1 oläst meddelande" in client.get("/mina-sidor").text
    with app.app_context(), all_municipalities():
        assert deliver_due(app, get_session()) >= 3  # the application, and a notice by e-mail and by SMS
    notices = [m for m in smtp_server.messages if "Nytt i ditt ärende" in subject(m)]
    assert len(notices) == 1
    text = notices[0].get_payload(decode=True).decode()
    assert "mina-arenden" in text
    assert "klockan tio" not in text and number not in text and "hemtjänst" not in text.lower()
    [sms] = list(tmp_path.glob("*.json"))
    assert "klockan tio" not in sms.read_text()

    reply = client.get(path).text
    assert "Ja, vi kommer klockan tio." in reply
    assert "Läst av handläggaren" in reply
    assert "tag--new" in reply
    assert "tag--new" not in client.get(path).text  # read now
    assert "oläst" not in client.get("/mina-sidor").text


def test_an_empty_message_is_refused_and_a_too_long_one_keeps_its_text(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    path = case_path(app, submit_hemtjanst(client, bankid_simulator))
    page = client.get(path).text
    refused = client.post(f"{path}/meddelanden", data={"csrf_token": csrf_from(page), "body": "  "})
    assert refused.status_code == 400
    assert "Skriv ett meddelande eller bifoga en handling." in refused.text
    long_text = "Hej! " + "x" * 8100
    kept = client.post(f"{path}/meddelanden", data={"csrf_token": csrf_from(page), "body": long_text})
    assert "för långt" in kept.text
    assert long_text in kept.text


def test_another_citizen_cannot_read_a_message_attachment(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    path = case_path(app, submit_hemtjanst(client, bankid_simulator))
    page = client.get(path).text
    client.post(
        f"{path}/meddelanden",
        data={
            "csrf_token": csrf_from(page),
            "body": "Bilaga",
            "attachment": (io.BytesIO(small_pdf()), "a.pdf"),
        },
        content_type="multipart/form-data",
    )
    with app.app_context(), all_municipalities():
        attachment_id = get_session().scalar(sa.select(MessageAttachment.id))
    assert client.get(f"/meddelanden/bilagor/{attachment_id}").status_code == 200
    other = app.test_client()
    log_in(other, bankid_simulator, personal_number="198507202011")
    assert other.get(f"/meddelanden/bilagor/{attachment_id}").status_code == 404
    with app.app_context(), all_municipalities():
        assert (
            get_session().scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "access_denied", AuditEvent.object_type == "message_attachment")
            )
            == 1
        )


def test_the_citizen_sees_who_has_read_their_case(app, client, bankid_simulator):
    log_in(client, bankid_simulator)
    number = submit_hemtjanst(client, bankid_simulator)
    assert "Ingen på kommunen har läst" in client.get("/mina-sidor/vem-har-last").text
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    staff.get(staff_case_path(app, number))
    page = client.get("/mina-sidor/vem-har-last").text
    assert "Handläggare, Äldreomsorg" in page
    assert "Omar" not in page  # by role and unit, not by name


def test_contact_details_are_validated_and_keep_what_was_typed(client, bankid_simulator):
    log_in(client, bankid_simulator)
    response = set_contact(client, email="inte-en-adress", phone="abc")
    assert response.status_code == 400
    assert 'value="inte-en-adress"' in response.text
    assert 'id="error-summary"' in response.text


def handlaggare_writes(app, bankid_simulator, number, body):  # type: ignore[no-untyped-def]
    """Omar, who works in Swedish, writes to the applicant of case `number`."""
    staff = app.test_client()
    staff_log_in(staff, bankid_simulator, OMAR)
    page = staff.get(staff_case_path(app, number))
    staff.post(
        staff_case_path(app, number) + "/meddelanden", data={"csrf_token": csrf_from(page.text), "body": body}
    )


def test_a_notice_is_in_the_citizens_language_not_the_senders(app, client, bankid_simulator):  # type: ignore[no-untyped-def]
    from portal.accounts.models import Person
    from portal.outbox.models import OutboxItem

    log_in(client, bankid_simulator)
    set_contact(client, email="tolvan@example.se")
    client.get("/sprak/en?next=/mina-sidor")  # Tolvan reads the portal in English
    number = submit_hemtjanst(client, bankid_simulator)
    handlaggare_writes(app, bankid_simulator, number, "Hej! Vi hörs på tisdag.")
    with app.app_context(), all_municipalities():
        session = get_session()
        assert (
            session.scalar(sa.select(Person.preferred_locale).where(Person.personal_number == "191212121212"))
            == "en"
        )
        notice = session.scalars(
            sa.select(OutboxItem)
            .where(OutboxItem.topic == "notification.email")
            .order_by(OutboxItem.id.desc())
        ).first()
        assert notice.payload["subject"] == "News in your case"
        assert "Hello," in notice.payload["body"] and "Hej!" not in notice.payload["body"]
